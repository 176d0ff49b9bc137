"""Shifts in bulk, all or nothing, in a constant number of statements whatever the batch's
size: the agents are locked once, overlaps in the batch and with the roster and clashes with
planned leave are found in Python over one read each, and the rows go in one flush. The first
bad item (by the checks' order) refuses the batch, naming its index."""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.errors import Conflict, DomainError, Invalid
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.workforce.actions import (
    lock_agents_in,
    new_shift,
    record_new_shifts_in,
    roster_clash,
)
from careloop.workforce.leave import planned_leave_clashes_in
from careloop.workforce.model import MAX_SHIFT, Interval, ShiftStatus
from careloop.workforce.tables import Shift

MAX_BATCH = 1000


@dataclass
class ShiftSpec:
    """One shift to add: the agent, its instants, optionally its own skills and breaks, and the
    template it was made from."""

    agent_id: int
    starts_at: datetime
    ends_at: datetime
    skills: list[str] | None = None
    breaks: list[Interval] = field(default_factory=list)
    note: str | None = None
    template_id: int | None = None


def _at(index: int, exc: DomainError) -> DomainError:
    """The same error, saying which item of a batch it is about."""
    details = exc.details if isinstance(exc.details, dict) else {"details": exc.details}
    return type(exc)(f"shift {index}: {exc.message}", {"index": index, **details})


def create_shifts(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    specs: Sequence[ShiftSpec],
    status: ShiftStatus,
) -> list[Shift]:
    """Add shifts all or nothing: one bad shift (an overlap, in the batch or with the roster, a
    span over 16 hours, an unknown agent) refuses them all, naming its index."""
    with db.write() as s:
        return add_shifts_in(s, actor=actor, now=now, specs=specs, status=status)


def add_shifts_in(
    s: Session,
    *,
    actor: Actor,
    now: datetime,
    specs: Sequence[ShiftSpec],
    status: ShiftStatus,
) -> list[Shift]:
    """`create_shifts` inside the caller's transaction (templates and the demo use it). Each
    item is checked on its own first, then against the batch, then under the agents' locks
    against their leave and roster; audit rows and notices are left for the commit to write."""
    if len(specs) > MAX_BATCH:
        raise Invalid(f"at most {MAX_BATCH} shifts at once", {"field": "shifts"})
    if not specs:
        return []
    rows = []
    for i, spec in enumerate(specs):
        try:
            rows.append(
                new_shift(
                    now=now,
                    agent_id=spec.agent_id,
                    starts_at=spec.starts_at,
                    ends_at=spec.ends_at,
                    status=status,
                    skills=spec.skills,
                    breaks=spec.breaks,
                    template_id=spec.template_id,
                    note=spec.note,
                )
            )
        except DomainError as exc:
            raise _at(i, exc) from None
    _check_batch_overlaps(specs)
    try:
        agents = lock_agents_in(s, [x.agent_id for x in specs], field="agent_id")
    except Invalid as exc:
        missing = exc.details["agent_id"]
        raise _at(next(i for i, x in enumerate(specs) if x.agent_id == missing), exc) from None
    if status == ShiftStatus.PUBLISHED:
        clash = planned_leave_clashes_in(s, [(x.agent_id, x.starts_at, x.ends_at) for x in specs])
        if clash:
            i, item = clash[0]
            raise Conflict(
                f"shift {i}: agent {item.agent_id} is on {item.kind.value} leave {item.id} then",
                {"index": i, "field": "starts_at", "leave_id": item.id},
            )
    roster = _Roster.of_in(s, specs)
    for i, spec in enumerate(specs):
        if not agents[spec.agent_id].active:
            raise _at(i, Invalid(f"agent {spec.agent_id} is inactive", {"field": "agent_id"}))
        found = roster.first_overlap(spec)
        if found is not None:
            raise _at(i, roster_clash(spec.agent_id, *found))
    record_new_shifts_in(s, actor=actor, now=now, shifts=rows)
    return rows


def _check_batch_overlaps(specs: Sequence[ShiftSpec]) -> None:
    by_agent: dict[int, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    for i, spec in enumerate(specs):
        by_agent[spec.agent_id].append((spec.starts_at, spec.ends_at, i))
    for agent_id, items in by_agent.items():
        items.sort()
        for (_, end_a, a), (start_b, _, b) in itertools.pairwise(items):
            if start_b < end_a:
                first, second = sorted((a, b))
                raise Conflict(
                    f"shift {second} overlaps shift {first} of agent {agent_id} in this batch",
                    {"index": second, "field": "starts_at", "other_index": first},
                )


@dataclass
class _AgentRoster:
    """One agent's shifts in order of start, with the latest end so far at each position (the
    order is then also that of the ends, even if stored shifts overlapped)."""

    shifts: list[tuple[int, datetime, datetime]] = field(default_factory=list)
    starts: list[datetime] = field(default_factory=list)
    latest_end: list[datetime] = field(default_factory=list)

    def add(self, shift_id: int, starts_at: datetime, ends_at: datetime) -> None:
        self.shifts.append((shift_id, starts_at, ends_at))
        self.starts.append(starts_at)
        self.latest_end.append(max(ends_at, self.latest_end[-1]) if self.latest_end else ends_at)


class _Roster:
    """The stored shifts (draft or published) of the batch's agents around the batch, read in
    one query, answering per item the first of them it overlaps, as `overlapping_shift_in`."""

    def __init__(self, by_agent: dict[int, _AgentRoster]) -> None:
        self.by_agent = by_agent

    @classmethod
    def of_in(cls, s: Session, specs: Sequence[ShiftSpec]) -> _Roster:
        start = min(x.starts_at for x in specs)
        end = max(x.ends_at for x in specs)
        rows = s.execute(
            select(Shift.id, Shift.agent_id, Shift.starts_at, Shift.ends_at)
            .where(
                Shift.agent_id.in_(sorted({x.agent_id for x in specs})),
                # No shift lasts over MAX_SHIFT: a bounded range of ix_shifts_agent_id_starts_at.
                Shift.starts_at > start - MAX_SHIFT,
                Shift.starts_at < end,
                Shift.ends_at > start,
            )
            .order_by(Shift.agent_id, Shift.starts_at, Shift.id)
        )
        by_agent: dict[int, _AgentRoster] = defaultdict(_AgentRoster)
        for shift_id, agent_id, starts_at, ends_at in rows:
            by_agent[agent_id].add(shift_id, starts_at, ends_at)
        return cls(dict(by_agent))

    def first_overlap(self, spec: ShiftSpec) -> tuple[int, datetime, datetime] | None:
        """(id, start, end) of the earliest-starting stored shift overlapping the item."""
        roster = self.by_agent.get(spec.agent_id)
        if roster is None:
            return None
        before_end = bisect_left(roster.starts, spec.ends_at)  # shifts starting before it ends
        first = bisect_right(roster.latest_end, spec.starts_at)  # first ending after it starts
        return roster.shifts[first] if first < before_end else None
