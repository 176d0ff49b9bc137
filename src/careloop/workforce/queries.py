"""The read side of attendance: who is on duty at an instant (one indexed query), agents'
timelines in batch, today's attendance and adherence per day. Each follows the pure rules of
`duty.py`; the tests hold the SQL to them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from careloop import validation
from careloop.accounts.tables import User
from careloop.errors import Invalid
from careloop.storage.engine import Database
from careloop.tickets.queries import open_tickets_by_assignee
from careloop.workforce import duty
from careloop.workforce.actions import agent_in
from careloop.workforce.attendance import LONGEST_CLOCK_IN
from careloop.workforce.duty import AgentTimeline, ClockIn, DayAdherence, Pause
from careloop.workforce.model import MAX_SHIFT, AttendanceState, Interval, ShiftStatus, local_day
from careloop.workforce.tables import Agent, BreakRow, ClockInRow, Leave, Shift, Team

MAX_ADHERENCE_DAYS = 31
# Instants and days the queries accept: far enough from datetime's limits for any arithmetic.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def checked_instant(at: datetime, field: str = "at") -> datetime:
    if at.tzinfo is None:
        raise Invalid("an instant needs a time zone offset", {"field": field})
    if not EARLIEST <= at < LATEST:
        raise Invalid("the instant is out of range (1900 to 9000)", {"field": field})
    return at.astimezone(UTC)


def checked_day(day: date, field: str = "date") -> date:
    if not EARLIEST.date() < day < LATEST.date():
        raise Invalid("the date is out of range (1900 to 9000)", {"field": field})
    return day


# --- who is on duty --------------------------------------------------------------------------


@dataclass(frozen=True)
class OnDuty:
    """An agent rostered at an instant, with what routing needs: languages, skills, load."""

    agent_id: int
    name: str
    team: str | None
    team_id: int | None
    languages: list[str]
    skills: list[str]  # the shift's skills when set, else the agent's; empty means all
    timezone: str
    capacity: int
    open_tickets: int
    remaining_capacity: int
    shift_id: int
    shift_starts_at: datetime
    shift_ends_at: datetime
    clocked_in: bool
    on_break: bool
    on_leave: bool

    @property
    def on_duty(self) -> bool:
        return self.clocked_in and not self.on_break and not self.on_leave


def on_duty_agents(
    db: Database, *, at: datetime, include_rostered: bool = False, team_id: int | None = None
) -> list[OnDuty]:
    """The agents on duty at `at` (duty.is_on_duty: rostered on a published shift, clocked in,
    not on a break or leave), by name; with `include_rostered` every agent rostered then. One
    query bounded by ix_shifts_status_starts_at, plus one GROUP BY for the ticket load."""
    at = checked_instant(at)
    clock_in = and_(
        ClockInRow.agent_id == Shift.agent_id,
        ClockInRow.clocked_in_at <= at,
        ClockInRow.clocked_in_at > at - LONGEST_CLOCK_IN,
        func.coalesce(ClockInRow.clocked_out_at, ClockInRow.expires_at) > at,
    )
    # Breaks belong to the clock-in: an agent is on a break only while clocked in.
    on_break = exists().where(
        BreakRow.agent_id == Shift.agent_id,
        BreakRow.clock_in_id == ClockInRow.id,
        BreakRow.started_at <= at,
        BreakRow.started_at > at - LONGEST_CLOCK_IN,  # within its clock-in: bounds the scan
        or_(BreakRow.ended_at.is_(None), BreakRow.ended_at > at),
    )
    on_leave = exists().where(
        Leave.agent_id == Shift.agent_id, Leave.starts_at <= at, Leave.ends_at > at
    )
    stmt = (
        select(
            Shift.id.label("shift_id"),
            Shift.starts_at,
            Shift.ends_at,
            Shift.skills.label("shift_skills"),
            Agent.user_id.label("agent_id"),
            Agent.team_id,
            Agent.languages,
            Agent.skills,
            Agent.timezone,
            Agent.capacity,
            User.name,
            Team.name.label("team"),
            ClockInRow.id.label("clock_in_id"),
            on_break.label("on_break"),
            on_leave.label("on_leave"),
        )
        .select_from(Shift)
        .join(Agent, and_(Agent.user_id == Shift.agent_id, Agent.active.is_(True)))
        .join(User, and_(User.id == Agent.user_id, User.active.is_(True)))
        .outerjoin(Team, Team.id == Agent.team_id)
        .outerjoin(ClockInRow, clock_in)
        .where(
            Shift.status == ShiftStatus.PUBLISHED,
            Shift.starts_at <= at,
            Shift.starts_at > at - MAX_SHIFT,
            Shift.ends_at > at,
        )
        .order_by(User.name, Agent.user_id)
    )
    if team_id is not None:
        stmt = stmt.where(Agent.team_id == team_id)
    if not include_rostered:
        stmt = stmt.where(ClockInRow.id.is_not(None), ~on_break, ~on_leave)
    with db.read() as s:
        # One row per agent: an agent's shifts never overlap, nor do its clock-ins.
        found = s.execute(stmt).all()
        rows = [r for i, r in enumerate(found) if i == 0 or found[i - 1].agent_id != r.agent_id]
        load = open_tickets_by_assignee(s, [r.agent_id for r in rows])
    out = []
    for r in rows:
        open_tickets = load.get(r.agent_id, 0)
        out.append(
            OnDuty(
                agent_id=r.agent_id,
                name=r.name,
                team=r.team,
                team_id=r.team_id,
                languages=list(r.languages),
                skills=list(r.shift_skills if r.shift_skills is not None else r.skills),
                timezone=r.timezone,
                capacity=r.capacity,
                open_tickets=open_tickets,
                remaining_capacity=max(0, r.capacity - open_tickets),
                shift_id=r.shift_id,
                shift_starts_at=r.starts_at,
                shift_ends_at=r.ends_at,
                clocked_in=r.clock_in_id is not None,
                on_break=bool(r.on_break),
                on_leave=bool(r.on_leave),
            )
        )
    return out


# --- timelines -------------------------------------------------------------------------------


def _load(
    s: Session, agent_ids: Sequence[int], window: Interval
) -> tuple[dict[int, AgentTimeline], dict[int, list[Interval]]]:
    """Timelines and planned breaks of the agents over `window`, in four queries."""
    ids = sorted(set(agent_ids))
    timelines = {i: AgentTimeline() for i in ids}
    planned: dict[int, list[Interval]] = defaultdict(list)
    if not ids:
        return timelines, planned
    shifts = s.execute(
        select(Shift.agent_id, Shift.starts_at, Shift.ends_at, Shift.breaks)
        .where(
            Shift.agent_id.in_(ids),
            Shift.status == ShiftStatus.PUBLISHED,
            Shift.starts_at < window.end,
            Shift.starts_at > window.start - MAX_SHIFT,
            Shift.ends_at > window.start,
        )
        .order_by(Shift.starts_at)
    )
    for agent_id, starts_at, ends_at, planned_breaks in shifts:
        timelines[agent_id].shifts.append(Interval(starts_at, ends_at))
        planned[agent_id].extend(
            Interval(
                datetime.fromisoformat(b["starts_at"]).astimezone(UTC),
                datetime.fromisoformat(b["ends_at"]).astimezone(UTC),
            )
            for b in planned_breaks or []
        )
    clock_ins = s.execute(
        select(
            ClockInRow.agent_id,
            ClockInRow.clocked_in_at,
            ClockInRow.clocked_out_at,
            ClockInRow.expires_at,
        )
        .where(
            ClockInRow.agent_id.in_(ids),
            ClockInRow.clocked_in_at < window.end,
            ClockInRow.clocked_in_at > window.start - LONGEST_CLOCK_IN,
            func.coalesce(ClockInRow.clocked_out_at, ClockInRow.expires_at) > window.start,
        )
        .order_by(ClockInRow.clocked_in_at)
    )
    for agent_id, clocked_in_at, clocked_out_at, expires_at in clock_ins:
        timelines[agent_id].clock_ins.append(ClockIn(clocked_in_at, clocked_out_at, expires_at))
    breaks = s.execute(
        select(BreakRow.agent_id, BreakRow.started_at, BreakRow.ended_at)
        .where(
            BreakRow.agent_id.in_(ids),
            BreakRow.started_at < window.end,
            BreakRow.started_at > window.start - LONGEST_CLOCK_IN,
            or_(BreakRow.ended_at.is_(None), BreakRow.ended_at > window.start),
        )
        .order_by(BreakRow.started_at)
    )
    for agent_id, started_at, ended_at in breaks:
        timelines[agent_id].breaks.append(Pause(started_at, ended_at))
    leave = s.execute(
        select(Leave.agent_id, Leave.starts_at, Leave.ends_at)
        .where(Leave.agent_id.in_(ids), Leave.starts_at < window.end, Leave.ends_at > window.start)
        .order_by(Leave.starts_at)
    )
    for agent_id, leave_starts_at, leave_ends_at in leave:
        timelines[agent_id].leave.append(Interval(leave_starts_at, leave_ends_at))
    return timelines, planned


def agent_timelines(
    s: Session, agent_ids: Sequence[int], window: Interval
) -> dict[int, AgentTimeline]:
    """Each agent's published shifts, clock-ins, breaks and leave overlapping `window`, in four
    queries whatever the number of agents; every requested id has a timeline."""
    return _load(s, agent_ids, window)[0]


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
        timelines, planned = _load(s, [a[0] for a in agents], span)
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
        timelines, planned = _load(s, [agent_id], window)
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
