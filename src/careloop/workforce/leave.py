"""Leave: vacation, sick and other time off, as instants (part days) or whole local days.
Planned leave (vacation, other) is refused over published shifts so the roster never silently
loses coverage; sick leave is accepted over them and ends a running clock-in."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.errors import Conflict, Invalid, NotFound
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.workforce.actions import agent_in
from careloop.workforce.model import PLANNED_LEAVE, Interval, LeaveKind, ShiftStatus, local_day
from careloop.workforce.tables import ClockInRow, Leave, Shift

MAX_LEAVE = timedelta(days=366)


def add_leave(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    agent_id: int,
    kind: LeaveKind,
    starts_at: datetime,
    ends_at: datetime,
    note: str | None = None,
) -> Leave:
    """Leave from one instant to another (e.g. an afternoon at the doctor's)."""
    with db.write() as s:
        agent_in(s, agent_id, lock=True)
        return add_leave_in(
            s,
            actor=actor,
            now=now,
            agent_id=agent_id,
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            note=note,
        )


def leave_for_days(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    agent_id: int,
    kind: LeaveKind,
    start_date: date,
    end_date: date,
    note: str | None = None,
) -> Leave:
    """Whole days of leave, from the start of `start_date` to the end of `end_date` (included)
    in the agent's own time zone, so a DST change inside the leave is followed exactly."""
    if end_date < start_date:
        raise Invalid("leave must end on or after the day it starts", {"field": "end_date"})
    if end_date - start_date >= MAX_LEAVE:
        raise Invalid(f"leave lasts at most {MAX_LEAVE.days} days", {"field": "end_date"})
    with db.write() as s:
        agent = agent_in(s, agent_id, lock=True)
        return add_leave_in(
            s,
            actor=actor,
            now=now,
            agent_id=agent_id,
            kind=kind,
            starts_at=local_day(start_date, agent.timezone).start,
            ends_at=local_day(end_date, agent.timezone).end,
            note=note,
        )


def add_leave_in(
    s: Session,
    *,
    actor: Actor,
    now: datetime,
    agent_id: int,
    kind: LeaveKind,
    starts_at: datetime,
    ends_at: datetime,
    note: str | None = None,
) -> Leave:
    """Add leave inside the caller's transaction; the caller holds the agent's lock
    (`agent_in(s, agent_id, lock=True)`) so no shift or leave slips in meanwhile."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise Invalid("instants need a time zone offset", {"field": "starts_at"})
    if ends_at <= starts_at:
        raise Invalid("leave must end after it starts", {"field": "ends_at"})
    if ends_at - starts_at > MAX_LEAVE:
        raise Invalid(f"leave lasts at most {MAX_LEAVE.days} days", {"field": "ends_at"})
    note = (note or "").strip() or None
    if note is not None and len(note) > 200:
        raise Invalid("a note has at most 200 characters", {"field": "note"})
    span = Interval(starts_at, ends_at)
    clash = next(iter(leave_between_in(s, [agent_id], span)), None)
    if clash is not None:
        raise Conflict(
            f"agent {agent_id} already has {clash.kind.value} leave {clash.id} from "
            f"{clash.starts_at.isoformat()} to {clash.ends_at.isoformat()}",
            {"field": "starts_at", "leave_id": clash.id},
        )
    if kind in PLANNED_LEAVE:
        shifts = published_shifts_in(s, agent_id, span)
        if shifts:
            raise Conflict(
                f"{kind.value} leave would cover {len(shifts)} published shift(s) of agent "
                f"{agent_id}: move or cancel them first",
                {"field": "starts_at", "shift_ids": [x.id for x in shifts]},
            )
    leave = Leave(
        agent_id=agent_id,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note,
        created_by_id=actor.user_id,
        created_at=now,
    )
    s.add(leave)
    s.flush()
    audit.record(
        s,
        at=now,
        actor=actor,
        entity_type="leave",
        entity_id=leave.id,
        action="created",
        changes={
            "agent_id": (None, agent_id),
            "kind": (None, kind.value),
            "starts_at": (None, starts_at),
            "ends_at": (None, ends_at),
        },
    )
    if kind == LeaveKind.SICK and span.contains(now) and _clocked_in(s, agent_id, now):
        # Sick leave that has begun takes the agent off the clock as well as off duty.
        from careloop.workforce.attendance import end_clock_in_in

        end_clock_in_in(s, actor=actor, agent_id=agent_id, at=now, reason="leave", now=now)
    return leave


def cancel_leave(db: Database, *, actor: Actor, now: datetime, leave_id: int) -> None:
    """Remove leave (e.g. a vacation called off); audited with what it was."""
    with db.write() as s:
        leave = s.get(Leave, leave_id)
        if leave is None:
            raise NotFound(f"leave {leave_id} not found")
        agent_in(s, leave.agent_id, lock=True)
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="leave",
            entity_id=leave.id,
            action="deleted",
            changes={
                "agent_id": (leave.agent_id, None),
                "kind": (leave.kind.value, None),
                "starts_at": (leave.starts_at, None),
                "ends_at": (leave.ends_at, None),
            },
        )
        s.delete(leave)


def leave_between_in(
    s: Session,
    agent_ids: Collection[int],
    window: Interval,
    *,
    kinds: Iterable[LeaveKind] | None = None,
) -> list[Leave]:
    """The leave of these agents overlapping the window, in order of start."""
    if not agent_ids:
        return []
    stmt = select(Leave).where(
        Leave.agent_id.in_(agent_ids),
        Leave.starts_at < window.end,
        Leave.ends_at > window.start,
    )
    if kinds is not None:
        stmt = stmt.where(Leave.kind.in_(list(kinds)))
    return list(s.scalars(stmt.order_by(Leave.starts_at, Leave.id)))


def published_shifts_in(s: Session, agent_id: int, span: Interval) -> list[Shift]:
    return list(
        s.scalars(
            select(Shift)
            .where(
                Shift.agent_id == agent_id,
                Shift.status == ShiftStatus.PUBLISHED,
                Shift.starts_at < span.end,
                Shift.ends_at > span.start,
            )
            .order_by(Shift.starts_at)
        )
    )


def _clocked_in(s: Session, agent_id: int, now: datetime) -> bool:
    """An open clock-in that has not lapsed."""
    found = s.scalar(
        select(ClockInRow.id).where(
            ClockInRow.agent_id == agent_id,
            ClockInRow.clocked_out_at.is_(None),
            ClockInRow.expires_at > now,
        )
    )
    return found is not None


def planned_leave_clashes_in(
    s: Session, shifts: Sequence[tuple[int, datetime, datetime]]
) -> list[tuple[int, Leave]]:
    """(index, leave) for each of the (agent, start, end) shifts that overlaps planned leave of
    its agent: a published shift never does. One query for all of them."""
    if not shifts:
        return []
    window = Interval(min(x[1] for x in shifts), max(x[2] for x in shifts))
    leave = leave_between_in(s, {x[0] for x in shifts}, window, kinds=PLANNED_LEAVE)
    return [
        (i, item)
        for i, (agent_id, start, end) in enumerate(shifts)
        for item in leave
        if item.agent_id == agent_id and item.starts_at < end and start < item.ends_at
    ]
