"""State changes of attendance: clocking in and out, breaks, and the automatic clock-out of
clock-ins left open past their shift. Each action locks the agent's row, so one agent's
attendance changes one transaction at a time; the partial unique indexes on open clock-ins
and open breaks hold even if that lock were bypassed."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careloop.errors import Conflict, Invalid
from careloop.storage import audit
from careloop.storage.audit import SYSTEM, Actor
from careloop.storage.engine import Database
from careloop.workforce.agent_rows import agent_in
from careloop.workforce.duty import clock_in_expiry
from careloop.workforce.model import (
    AUTO_CLOCK_OUT_GRACE,
    MAX_SHIFT,
    Interval,
    ShiftStatus,
)
from careloop.workforce.tables import BreakRow, ClockInRow, Leave, Shift

# Clock-out reasons.
MANUAL = "manual"  # the agent or a lead clocked out
AUTO = "auto"  # the clock-in lapsed at its expiry (shift end plus grace)
LEAVE = "leave"  # sick leave began

# How far ahead a clock-in's shift is carried over back-to-back shifts. It bounds every
# clock-in's length by LONGEST_CLOCK_IN, which lets the on-duty query bound its index scans.
CARRY_HORIZON = timedelta(days=2)
LONGEST_CLOCK_IN = CARRY_HORIZON + MAX_SHIFT + AUTO_CLOCK_OUT_GRACE


def open_clock_in_in(s: Session, agent_id: int) -> ClockInRow | None:
    """The agent's open clock-in (never clocked out), lapsed or not."""
    return s.scalar(
        select(ClockInRow).where(
            ClockInRow.agent_id == agent_id, ClockInRow.clocked_out_at.is_(None)
        )
    )


def open_break_in(s: Session, agent_id: int) -> BreakRow | None:
    return s.scalar(
        select(BreakRow).where(BreakRow.agent_id == agent_id, BreakRow.ended_at.is_(None))
    )


def published_shifts_in(s: Session, agent_id: int, around: datetime) -> list[Interval]:
    """The agent's published shifts a clock-in at `around` may be for or carry over into."""
    rows = s.execute(
        select(Shift.starts_at, Shift.ends_at)
        .where(
            Shift.agent_id == agent_id,
            Shift.status == ShiftStatus.PUBLISHED,
            Shift.starts_at > around - MAX_SHIFT,
            Shift.starts_at < around + CARRY_HORIZON,
        )
        .order_by(Shift.starts_at)
    )
    return [Interval(start, end) for start, end in rows]


def expiry_in(s: Session, agent_id: int, clocked_in_at: datetime) -> datetime:
    """When a clock-in made at `clocked_in_at` lapses, from the agent's published shifts."""
    expires = clock_in_expiry(published_shifts_in(s, agent_id, clocked_in_at), clocked_in_at)
    return min(expires, clocked_in_at + LONGEST_CLOCK_IN)


def _current_clock_in(s: Session, agent_id: int, now: datetime) -> ClockInRow:
    """The open clock-in that has not lapsed, else 409."""
    row = open_clock_in_in(s, agent_id)
    if row is None:
        raise Conflict(f"agent {agent_id} is not clocked in", {"agent_id": agent_id})
    if row.expires_at <= now:
        raise Conflict(
            f"agent {agent_id} is not clocked in: the clock-in lapsed at "
            f"{row.expires_at.isoformat()}",
            {"agent_id": agent_id, "clock_in_id": row.id, "expired_at": row.expires_at},
        )
    return row


def _close_in(
    s: Session, row: ClockInRow, *, at: datetime, reason: str, actor: Actor, now: datetime
) -> None:
    """Clock out at `at`, ending the clock-in's open break at the same instant."""
    row.clocked_out_at = max(at, row.clocked_in_at)
    row.clock_out_reason = reason
    changes: dict[str, tuple[object, object]] = {
        "clocked_out_at": (None, row.clocked_out_at),
        "reason": (None, reason),
    }
    brk = open_break_in(s, row.agent_id)
    if brk is not None:
        brk.ended_at = max(row.clocked_out_at, brk.started_at)
        changes["break_ended_at"] = (None, brk.ended_at)
    s.flush()
    audit.record(
        s,
        at=now,
        actor=actor,
        entity_type="attendance",
        entity_id=row.agent_id,
        action="clocked_out",
        changes={"clock_in_id": (None, row.id), **changes},
    )


def clock_in(db: Database, *, actor: Actor, now: datetime, agent_id: int) -> ClockInRow:
    """Clock an agent in until its shift ends plus the grace period. Refused (409) while clocked
    in, and while on leave (sick leave included: the lead shortens the leave first, so that the
    roster and the attendance agree). A lapsed open clock-in is first closed at its expiry."""
    with db.write() as s:
        agent = agent_in(s, agent_id, lock=True)
        if not agent.active:
            raise Invalid(f"agent {agent_id} is inactive", {"field": "agent_id"})
        current = open_clock_in_in(s, agent_id)
        if current is not None and current.expires_at > now:
            raise Conflict(
                f"agent {agent_id} is already clocked in since {current.clocked_in_at.isoformat()}",
                {"agent_id": agent_id, "clock_in_id": current.id},
            )
        leave = s.scalar(
            select(Leave)
            .where(Leave.agent_id == agent_id, Leave.starts_at <= now, Leave.ends_at > now)
            .limit(1)
        )
        if leave is not None:
            raise Conflict(
                f"agent {agent_id} is on {leave.kind.value} leave until "
                f"{leave.ends_at.isoformat()}",
                {"agent_id": agent_id, "leave_id": leave.id},
            )
        if current is not None:
            _close_in(s, current, at=current.expires_at, reason=AUTO, actor=SYSTEM, now=now)
        paused = agent.routing_paused_until
        agent.routing_paused_until = None  # a fresh clock-in ends a routing cool-down
        row = ClockInRow(
            agent_id=agent_id, clocked_in_at=now, expires_at=expiry_in(s, agent_id, now)
        )
        s.add(row)
        try:
            s.flush()
        except IntegrityError as exc:  # a racing clock-in won (uq_clock_ins_open_agent)
            raise Conflict(
                f"agent {agent_id} is already clocked in", {"agent_id": agent_id}
            ) from exc
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="attendance",
            entity_id=agent_id,
            action="clocked_in",
            changes={
                "clock_in_id": (None, row.id),
                "expires_at": (None, row.expires_at),
                **({"routing_paused_until": (paused, None)} if paused is not None else {}),
            },
        )
        return row


def clock_out(db: Database, *, actor: Actor, now: datetime, agent_id: int) -> ClockInRow:
    """Clock out now, ending a break under way; 409 when not clocked in."""
    with db.write() as s:
        agent_in(s, agent_id, lock=True)
        row = _current_clock_in(s, agent_id, now)
        _close_in(s, row, at=now, reason=MANUAL, actor=actor, now=now)
        return row


def start_break(db: Database, *, actor: Actor, now: datetime, agent_id: int) -> BreakRow:
    """Start a break; 409 when not clocked in or already on one."""
    with db.write() as s:
        agent_in(s, agent_id, lock=True)
        current = _current_clock_in(s, agent_id, now)
        if open_break_in(s, agent_id) is not None:
            raise Conflict(f"agent {agent_id} is already on a break", {"agent_id": agent_id})
        row = BreakRow(agent_id=agent_id, clock_in_id=current.id, started_at=now)
        s.add(row)
        try:
            s.flush()
        except IntegrityError as exc:  # uq_breaks_open_agent
            raise Conflict(
                f"agent {agent_id} is already on a break", {"agent_id": agent_id}
            ) from exc
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="attendance",
            entity_id=agent_id,
            action="break_started",
            changes={"break_id": (None, row.id), "clock_in_id": (None, current.id)},
        )
        return row


def end_break(db: Database, *, actor: Actor, now: datetime, agent_id: int) -> BreakRow:
    """End the break under way; 409 when not on one (a break of a lapsed clock-in is over)."""
    with db.write() as s:
        agent_in(s, agent_id, lock=True)
        brk = open_break_in(s, agent_id)
        current = open_clock_in_in(s, agent_id)
        if (
            brk is None
            or current is None
            or brk.clock_in_id != current.id
            or current.expires_at <= now
        ):
            raise Conflict(f"agent {agent_id} is not on a break", {"agent_id": agent_id})
        brk.ended_at = now
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="attendance",
            entity_id=agent_id,
            action="break_ended",
            changes={"break_id": (None, brk.id), "ended_at": (None, now)},
        )
        return brk


def auto_clock_out(db: Database, *, now: datetime) -> int:
    """Close every open clock-in past its expiry at that expiry, with its open break: one pass
    over the partial index ix_clock_ins_open_expires_at. Returns how many were closed. On
    PostgreSQL rows another sweep holds are skipped, so concurrent runners never collide."""
    with db.write() as s:
        rows = list(
            s.scalars(
                select(ClockInRow)
                .where(ClockInRow.clocked_out_at.is_(None), ClockInRow.expires_at <= now)
                .order_by(ClockInRow.id)
                .with_for_update(skip_locked=True)
            )
        )
        if not rows:
            return 0
        by_id = {r.id: r for r in rows}
        open_breaks = s.scalars(
            select(BreakRow).where(
                BreakRow.clock_in_id.in_(list(by_id)), BreakRow.ended_at.is_(None)
            )
        )
        ended: dict[int, datetime] = {}
        for brk in open_breaks:
            brk.ended_at = max(by_id[brk.clock_in_id].expires_at, brk.started_at)
            ended[brk.clock_in_id] = brk.ended_at
        for row in rows:
            row.clocked_out_at = row.expires_at
            row.clock_out_reason = AUTO
            changes: dict[str, tuple[object, object]] = {
                "clock_in_id": (None, row.id),
                "clocked_out_at": (None, row.expires_at),
                "reason": (None, AUTO),
            }
            if row.id in ended:
                changes["break_ended_at"] = (None, ended[row.id])
            audit.record(
                s,
                at=now,
                actor=SYSTEM,
                entity_type="attendance",
                entity_id=row.agent_id,
                action="clocked_out",
                changes=changes,
            )
        return len(rows)


def refresh_expiry_in(s: Session, *, agent_id: int, now: datetime) -> None:
    """Recompute the open clock-in's expiry after the agent's published shifts changed, in the
    caller's transaction. A lapsed clock-in stays lapsed, and the new expiry is never before
    `now`: a roster change does not rewrite who was on duty in the past."""
    row = open_clock_in_in(s, agent_id)
    if row is None or row.expires_at <= now:
        return
    expires = max(expiry_in(s, agent_id, row.clocked_in_at), now)
    if expires == row.clocked_in_at + MAX_SHIFT != row.expires_at:
        # The shift it was made for is gone (deleted, or moved away from it): it lapses after
        # the grace period from now rather than running on as a clock-in without a shift.
        expires = min(now + AUTO_CLOCK_OUT_GRACE, row.expires_at)
    if expires == row.expires_at:
        return
    audit.record(
        s,
        at=now,
        actor=SYSTEM,
        entity_type="attendance",
        entity_id=agent_id,
        action="expiry_changed",
        changes={"clock_in_id": (None, row.id), "expires_at": (row.expires_at, expires)},
    )
    row.expires_at = expires


def refresh_expiries_in(s: Session, *, agent_ids: Collection[int], now: datetime) -> None:
    """`refresh_expiry_in` for several agents whose published shifts changed: one query finds
    the few of them clocked in now."""
    if not agent_ids:
        return
    clocked_in = s.scalars(
        select(ClockInRow.agent_id).where(
            ClockInRow.agent_id.in_(sorted(agent_ids)),
            ClockInRow.clocked_out_at.is_(None),
            ClockInRow.expires_at > now,
        )
    ).all()
    for agent_id in clocked_in:
        refresh_expiry_in(s, agent_id=agent_id, now=now)


def end_clock_in_in(
    s: Session,
    *,
    actor: Actor,
    agent_id: int,
    at: datetime,
    reason: str,
    now: datetime | None = None,
) -> None:
    """Close the agent's open clock-in and break at `at` (e.g. when sick leave starts), in the
    caller's transaction. A clock-in that lapsed before `at` closes at its expiry instead."""
    row = open_clock_in_in(s, agent_id)
    if row is None:
        return
    if row.expires_at <= at:
        _close_in(s, row, at=row.expires_at, reason=AUTO, actor=SYSTEM, now=now or at)
    else:
        _close_in(s, row, at=at, reason=reason, actor=actor, now=now or at)
