"""Hand-off: an agent's tickets go back to the queue when the agent goes off duty (clocked out,
the clock-in lapsed after the shift's end plus grace, on leave, removed) or leaves a new
assignment unopened too long; then the queue is drained so someone on duty takes them.

What counts (`model.hand_off_reason`): only new and open tickets (pending and on-hold ones wait
on the customer); answered ones (a public reply by the assignee since it was assigned) stay
with an off-duty agent while the agent's policy keeps them. Each batch is one short
transaction that locks its tickets with FOR UPDATE SKIP LOCKED and decides again under the
lock, so two processes running it at once unassign each ticket once."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from careloop.routing.actions import drain_queue
from careloop.routing.model import (
    NOT_OPENED,
    Holder,
    Policies,
    hand_off_reason,
    off_duty_reason,
)
from careloop.routing.policy import policies_in
from careloop.routing.queries import ROUTABLE
from careloop.storage.audit import Actor
from careloop.storage.engine import Database, is_transient
from careloop.tickets.assignment import unassign_in
from careloop.tickets.model import MessageKind
from careloop.tickets.tables import Message, Ticket
from careloop.workforce.agent_rows import pause_routing_in
from careloop.workforce.duty_state import AgentDuty, duty_states_in

log = logging.getLogger(__name__)
HAND_OFF = Actor(user_id=None, label="hand-off")
BATCH = 50  # tickets per transaction: short locks, few statements


@dataclass(frozen=True)
class HandOffResult:
    """What one pass did: tickets handed back by reason, and how many the drain then gave out."""

    by_reason: dict[str, int] = field(default_factory=dict)
    routed: int = 0

    @property
    def handed_back(self) -> int:
        return sum(self.by_reason.values())


@dataclass(frozen=True)
class _Due:
    ticket_id: int
    assignee_id: int
    reason: str
    cool_down: timedelta | None = None  # for an unopened one: how long the agent gets none


def _holder(state: AgentDuty) -> Holder:
    return Holder(
        active=state.active,
        on_leave=state.on_leave,
        clocked_in=state.clocked_in,
        last_clock_out=state.last_clock_out,
    )


def _answered() -> ColumnElement[bool]:
    """A public reply by the current assignee since it was assigned."""
    return exists().where(
        Message.ticket_id == Ticket.id,
        Message.kind == MessageKind.REPLY,
        Message.author_user_id == Ticket.assignee_id,
        Message.created_at >= Ticket.assigned_at,
    )


def due_in(
    s: Session,
    *,
    now: datetime,
    policies: Policies,
    agent_ids: Collection[int] | None = None,
    ticket_ids: Collection[int] | None = None,
) -> list[_Due]:
    """The assigned new and open tickets that go back now, with why, in two queries: the
    holders' duty states, then their tickets (only those that may be due)."""
    states = duty_states_in(s, now=now, agent_ids=agent_ids)
    off = {a: why for a, st in states.items() if (why := off_duty_reason(_holder(st))) is not None}
    keeps = {a for a in off if policies.of_team(states[a].team_id).keep_answered}
    answered = _answered()
    maybe: list[ColumnElement[bool]] = []
    if keeps:
        maybe.append(and_(Ticket.assignee_id.in_(sorted(keeps)), ~answered))
    if off.keys() - keeps:
        maybe.append(Ticket.assignee_id.in_(sorted(off.keys() - keeps)))
    unopened = [
        p.unopened_after
        for p in (policies.default, *policies.teams.values())
        if p.unopened_after is not None
    ]
    if unopened:
        maybe.append(
            and_(
                Ticket.seen_at.is_(None),
                Ticket.assigned_at <= now - min(unopened),
                ~answered,
            )
        )
    if not maybe or not states:
        return []
    stmt = (
        select(
            Ticket.id,
            Ticket.assignee_id,
            Ticket.assigned_at,
            Ticket.seen_at,
            answered.label("answered"),
        )
        .where(Ticket.assignee_id.is_not(None), Ticket.status.in_(ROUTABLE), or_(false(), *maybe))
        .order_by(Ticket.id)
    )
    if agent_ids is not None:
        stmt = stmt.where(Ticket.assignee_id.in_(sorted(agent_ids)))
    if ticket_ids is not None:
        stmt = stmt.where(Ticket.id.in_(sorted(ticket_ids)))
    due = []
    for r in s.execute(stmt):
        state = states.get(r.assignee_id)
        if state is None:
            continue  # held by a user without an agent profile (a lead took it by hand)
        policy = policies.of_team(state.team_id)
        reason = hand_off_reason(
            off_duty=off.get(r.assignee_id),
            answered=bool(r.answered),
            seen=r.seen_at is not None,
            assigned_at=r.assigned_at,
            policy=policy,
            now=now,
        )
        if reason is not None:
            cool_down = policy.unopened_after if reason == NOT_OPENED else None
            due.append(_Due(r.id, r.assignee_id, reason, cool_down))
    return due


def _hand_back_in(
    s: Session, batch: Sequence[_Due], now: datetime, policies: Policies
) -> list[_Due]:
    """Lock the batch's tickets (skipping those another process holds), decide again under the
    lock, and unassign those still due."""
    locked = {
        t.id: t
        for t in s.scalars(
            select(Ticket)
            .where(Ticket.id.in_(sorted(d.ticket_id for d in batch)))
            .order_by(Ticket.id)
            .with_for_update(skip_locked=True)
        )
    }
    if not locked:
        return []
    still = due_in(
        s,
        now=now,
        policies=policies,
        agent_ids={d.assignee_id for d in batch},
        ticket_ids=locked.keys(),
    )
    for d in still:
        unassign_in(s, ticket=locked[d.ticket_id], actor=HAND_OFF, now=now, reason=d.reason)
        if d.cool_down is not None:
            # Left unopened: nothing new for the agent for as long again (or until the next
            # clock-in), so an absent-minded agent is not handed ticket after ticket.
            pause_routing_in(
                s,
                agent_id=d.assignee_id,
                until=now + d.cool_down,
                actor=HAND_OFF,
                now=now,
                reason=NOT_OPENED,
            )
    return still


def _hand_back(
    db: Database, batch: Sequence[_Due], now: datetime, policies: Policies, attempts: int = 3
) -> list[_Due]:
    for attempt in range(attempts):
        try:
            with db.write() as s:
                return _hand_back_in(s, batch, now, policies)
        except DBAPIError as exc:
            if not is_transient(exc) or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def hand_off(
    db: Database, *, now: datetime, agent_ids: Collection[int] | None = None
) -> HandOffResult:
    """Hand back every due ticket (of these agents, or of everyone), in batches of their own
    transactions, then drain the queue; a ticket handed back unopened is not offered to the
    same agent in that drain. The periodic job and the events (clock-out, sick leave, an agent
    removed) both run it."""
    with db.read() as s:
        policies = policies_in(s)
        due = due_in(s, now=now, policies=policies, agent_ids=agent_ids)
    counts: Counter[str] = Counter()
    avoid: dict[int, int] = {}
    for start in range(0, len(due), BATCH):
        for d in _hand_back(db, due[start : start + BATCH], now, policies):
            counts[d.reason] += 1
            if d.reason == NOT_OPENED:
                avoid[d.ticket_id] = d.assignee_id
    routed = drain_queue(db, now=now, policy=policies, avoid=avoid) if counts else 0
    return HandOffResult(by_reason=dict(counts), routed=routed)


def hand_off_after(db: Database, *, now: datetime, agent_id: int) -> HandOffResult:
    """`hand_off` for one agent after a committed change that took them off duty (a clock-out,
    sick leave, removal); a failure is logged and the periodic pass catches up."""
    try:
        return hand_off(db, now=now, agent_ids=[agent_id])
    except Exception:
        log.exception("hand-off after agent %s went off duty failed", agent_id)
        return HandOffResult()
