"""The read side of attendance against the roster: today's attendance of every agent (the
attendance page), adherence per day of one agent, and where an agent's clock stands now. Each
reads the agents' timelines of `queries.py` in batch and applies the pure rules of `duty.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select

from careloop import validation
from careloop.accounts.tables import User
from careloop.errors import Invalid
from careloop.storage.engine import Database
from careloop.workforce import duty
from careloop.workforce.actions import agent_in
from careloop.workforce.attendance import LONGEST_CLOCK_IN
from careloop.workforce.duty import ClockIn, DayAdherence
from careloop.workforce.model import MAX_SHIFT, AttendanceState, Interval, ShiftStatus, local_day
from careloop.workforce.queries import checked_day, checked_instant, timelines_and_planned_breaks
from careloop.workforce.tables import Agent, BreakRow, ClockInRow, Shift, Team

MAX_ADHERENCE_DAYS = 31


# --- attendance against the roster ----------------------------------------------------------


@dataclass(frozen=True)
class AttendanceRow:
    """One agent's day so far, as the attendance page shows it."""

    agent_id: int
    name: str
    team: str | None
    state: AttendanceState
    shift_starts_at: datetime | None  # the first of the day's shifts
    shift_ends_at: datetime | None  # the end of the last
    clocked_in_at: datetime | None  # the current clock-in, else the day's first
    late_minutes: int
    adherence: float | None
    team_id: int | None = None
    scheduled_minutes: int = 0
    worked_minutes: int = 0
    overtime_minutes: int = 0


def attendance_today(
    db: Database,
    *,
    now: datetime,
    timezone: str,
    team_id: int | None = None,
    day: date | None = None,
) -> list[AttendanceRow]:
    """Every active agent rostered (published) on the local day in `timezone`, or clocked in,
    with its state and the day against the roster, by name. The day is today unless `day` is
    given; a past day is evaluated as of its end. Six queries."""
    now = checked_instant(now, "now")
    zone = validation.timezone(timezone)
    day = checked_day(day or now.astimezone(ZoneInfo(zone)).date())
    span = local_day(day, zone)
    at = min(now, span.end)
    rostered = exists().where(
        Shift.agent_id == Agent.user_id,
        Shift.status == ShiftStatus.PUBLISHED,
        Shift.starts_at < span.end,
        Shift.starts_at > span.start - MAX_SHIFT,
        or_(Shift.starts_at >= span.start, and_(Shift.starts_at <= at, Shift.ends_at > at)),
    )
    clocked_in = exists().where(
        ClockInRow.agent_id == Agent.user_id,
        ClockInRow.clocked_in_at <= at,
        ClockInRow.clocked_in_at > at - LONGEST_CLOCK_IN,
        func.coalesce(ClockInRow.clocked_out_at, ClockInRow.expires_at) > at,
    )
    stmt = (
        select(Agent.user_id, User.name, Agent.team_id, Team.name)
        .join(User, User.id == Agent.user_id)
        .outerjoin(Team, Team.id == Agent.team_id)
        .where(Agent.active.is_(True))
        .order_by(User.name, Agent.user_id)
    )
    # A day still to come lists its roster only; clocked in means clocked in then.
    stmt = stmt.where(or_(rostered, clocked_in) if span.start <= now else rostered)
    if team_id is not None:
        stmt = stmt.where(Agent.team_id == team_id)
    with db.read() as s:
        agents = s.execute(stmt).all()
        timelines, planned = timelines_and_planned_breaks(s, [a[0] for a in agents], span)
    out = []
    for agent_id, name, agent_team_id, team in agents:
        timeline = timelines[agent_id]
        shifts = [x for x in timeline.shifts if span.contains(x.start) or x.contains(at)]
        current = next((c for c in timeline.clock_ins if c.active(at)), None)
        first = next((c for c in timeline.clock_ins if span.contains(c.start)), None)
        arrived = current or first
        day_result = duty.evaluate_day(timeline, span, at, planned[agent_id])
        out.append(
            AttendanceRow(
                agent_id=agent_id,
                name=name,
                team=team,
                team_id=agent_team_id,
                state=duty.attendance_state(timeline, span, at),
                shift_starts_at=min((x.start for x in shifts), default=None),
                shift_ends_at=max((x.end for x in shifts), default=None),
                clocked_in_at=arrived.start if arrived is not None else None,
                late_minutes=day_result.late,
                adherence=day_result.adherence,
                scheduled_minutes=day_result.scheduled,
                worked_minutes=day_result.worked,
                overtime_minutes=day_result.overtime,
            )
        )
    return out


def adherence_by_day(
    db: Database, *, agent_id: int, start: date, end: date, now: datetime
) -> list[tuple[date, DayAdherence]]:
    """The agent's days from `start` to `end` (both included, at most 31) in its own zone, each
    against the roster up to `now`. Five queries whatever the span."""
    now = checked_instant(now, "now")
    checked_day(start, "from")
    checked_day(end, "to")
    if end < start:
        raise Invalid("the period ends before it starts", {"field": "to"})
    if (end - start).days + 1 > MAX_ADHERENCE_DAYS:
        raise Invalid(
            f"adherence covers at most {MAX_ADHERENCE_DAYS} days at a time", {"field": "to"}
        )
    with db.read() as s:
        zone = agent_in(s, agent_id).timezone
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        window = Interval(local_day(start, zone).start, local_day(end, zone).end)
        timelines, planned = timelines_and_planned_breaks(s, [agent_id], window)
    timeline = timelines[agent_id]
    return [
        (d, duty.evaluate_day(timeline, local_day(d, zone), now, planned[agent_id])) for d in days
    ]


# --- one agent's clock ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClockStatus:
    """Where an agent's clock stands now: its latest clock-in and the break under way."""

    agent_id: int
    clocked_in: bool
    clocked_in_at: datetime | None
    clocked_out_at: datetime | None  # a lapsed clock-in counts as out at its expiry
    on_break: bool
    break_started_at: datetime | None
    expires_at: datetime | None  # when an open clock-in lapses


def clock_status(db: Database, *, agent_id: int, now: datetime) -> ClockStatus:
    """The agent's clock now (404 for an unknown agent)."""
    with db.read() as s:
        agent_in(s, agent_id)
        latest = s.scalar(
            select(ClockInRow)
            .where(ClockInRow.agent_id == agent_id, ClockInRow.clocked_in_at <= now)
            .order_by(ClockInRow.clocked_in_at.desc(), ClockInRow.id.desc())
            .limit(1)
        )
        brk = s.scalar(
            select(BreakRow).where(BreakRow.agent_id == agent_id, BreakRow.ended_at.is_(None))
        )
    if latest is None:
        return ClockStatus(agent_id, False, None, None, False, None, None)
    span = ClockIn(latest.clocked_in_at, latest.clocked_out_at, latest.expires_at)
    active = span.active(now)
    on_break = active and brk is not None and brk.clock_in_id == latest.id
    return ClockStatus(
        agent_id=agent_id,
        clocked_in=active,
        clocked_in_at=latest.clocked_in_at,
        clocked_out_at=None if active else span.until,
        on_break=on_break,
        break_started_at=brk.started_at if on_break and brk is not None else None,
        expires_at=latest.expires_at if latest.clocked_out_at is None else None,
    )
