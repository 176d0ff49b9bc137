"""The read side of duty: who is on duty at an instant (one indexed query) and agents'
timelines in batch, following the pure rules of `duty.py` (the tests hold the SQL to them), and
the checks of the instants and days these reads accept. Today's attendance and adherence per
day, built on these timelines, are in `attendance_queries.py`."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from careloop.accounts.tables import User
from careloop.errors import Invalid
from careloop.storage.base import UTCDateTime
from careloop.storage.engine import Database
from careloop.tickets.queries import open_tickets_by_assignee
from careloop.workforce.attendance import LONGEST_CLOCK_IN
from careloop.workforce.duty import AgentTimeline, ClockIn, Pause
from careloop.workforce.model import MAX_SHIFT, Interval, ShiftStatus
from careloop.workforce.tables import Agent, BreakRow, ClockInRow, Leave, Shift, Team

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
    last_assigned_at: datetime | None = None  # when routing last gave the agent a ticket

    @property
    def on_duty(self) -> bool:
        return self.clocked_in and not self.on_break and not self.on_leave


def on_duty_agents(
    db: Database, *, at: datetime, include_rostered: bool = False, team_id: int | None = None
) -> list[OnDuty]:
    """The agents on duty at `at` (duty.is_on_duty: rostered on a published shift, clocked in,
    not on a break or leave), by name; with `include_rostered` every agent rostered then. One
    query bounded by ix_shifts_status_starts_at, plus one GROUP BY for the ticket load."""
    with db.read() as s:
        return on_duty_agents_in(s, at=at, include_rostered=include_rostered, team_id=team_id)


@functools.cache
def _on_duty_statement(
    include_rostered: bool, by_team: bool, by_agents: bool
) -> Select[*tuple[Any, ...]]:
    """The on-duty query, built once per shape with the instant as parameters: building it
    costs more than running it (routing asks twice per transaction)."""
    at = bindparam("at", type_=UTCDateTime())
    clock_ins_from = bindparam("clock_ins_from", type_=UTCDateTime())
    clock_in = and_(
        ClockInRow.agent_id == Shift.agent_id,
        ClockInRow.clocked_in_at <= at,
        ClockInRow.clocked_in_at > clock_ins_from,
        func.coalesce(ClockInRow.clocked_out_at, ClockInRow.expires_at) > at,
    )
    # Breaks belong to the clock-in: an agent is on a break only while clocked in.
    on_break = exists().where(
        BreakRow.agent_id == Shift.agent_id,
        BreakRow.clock_in_id == ClockInRow.id,
        BreakRow.started_at <= at,
        BreakRow.started_at > clock_ins_from,  # within its clock-in: bounds the scan
        or_(BreakRow.ended_at.is_(None), BreakRow.ended_at > at),
    )
    on_leave = exists().where(
        Leave.agent_id == Shift.agent_id, Leave.starts_at <= at, Leave.ends_at > at
    )
    stmt: Select[*tuple[Any, ...]] = (
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
            Agent.last_assigned_at,
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
            Shift.starts_at > bindparam("shifts_from", type_=UTCDateTime()),
            Shift.ends_at > at,
        )
        .order_by(User.name, Agent.user_id)
    )
    if by_team:
        stmt = stmt.where(Agent.team_id == bindparam("team_id"))
    if by_agents:
        stmt = stmt.where(Shift.agent_id.in_(bindparam("agent_ids", expanding=True)))
    if not include_rostered:
        stmt = stmt.where(ClockInRow.id.is_not(None), ~on_break, ~on_leave)
    return stmt


def on_duty_agents_in(
    s: Session,
    *,
    at: datetime,
    include_rostered: bool = False,
    team_id: int | None = None,
    agent_ids: Collection[int] | None = None,
) -> list[OnDuty]:
    """`on_duty_agents` in the caller's transaction (routing reads and assigns in one); with
    `agent_ids` only those agents (routing checks its chosen ones again under their locks)."""
    at = checked_instant(at)
    stmt = _on_duty_statement(include_rostered, team_id is not None, agent_ids is not None)
    params: dict[str, object] = {
        "at": at,
        "clock_ins_from": at - LONGEST_CLOCK_IN,
        "shifts_from": at - MAX_SHIFT,
    }
    if team_id is not None:
        params["team_id"] = team_id
    if agent_ids is not None:
        params["agent_ids"] = sorted(set(agent_ids))
    # One row per agent: an agent's shifts never overlap, nor do its clock-ins.
    found = s.execute(stmt, params).all()
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
                last_assigned_at=r.last_assigned_at,
            )
        )
    return out


# --- timelines -------------------------------------------------------------------------------


def timelines_and_planned_breaks(
    s: Session, agent_ids: Sequence[int], window: Interval
) -> tuple[dict[int, AgentTimeline], dict[int, list[Interval]]]:
    """Timelines and planned breaks of the agents over `window`, in four queries: what
    `agent_timelines` gives, plus the breaks the published shifts plan (for adherence)."""
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
    return timelines_and_planned_breaks(s, agent_ids, window)[0]
