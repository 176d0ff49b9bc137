"""Routing's state changes: give waiting tickets to on-duty agents (`route_tickets`, one
ticket with `route_ticket`), and work through the queue when an agent becomes available
(`drain_queue`).

A batch of up to `BATCH` tickets is routed in one transaction against one snapshot: its
tickets are locked first (`FOR UPDATE SKIP LOCKED`: those another router holds are left to
it), the agents on duty and the stored policies are read once, and each ticket is chosen for in
queue order with the loads growing in memory (`model.choose_many`). Then the chosen agents are
locked in id order (two routers never deadlock), their load counted again and their duty
checked again under the locks; an assignment that would now break capacity or duty is dropped
and chosen again among the others (whose locks are taken with SKIP LOCKED, never waiting out
of order), and the rest are written. So no ticket is assigned twice and nobody goes over
capacity, whatever the number of routers, while one snapshot serves many tickets."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from careloop.routing.model import (
    Candidate,
    Decision,
    Policies,
    RoutingPolicy,
    TicketToRoute,
    choose_many,
    eligible,
    served_one,
)
from careloop.routing.model import queue_key as queue_key
from careloop.routing.policy import load_policies, policies_in
from careloop.routing.queries import ROUTABLE, earliest_due
from careloop.routing.queries import waiting_tickets as waiting_tickets
from careloop.routing.snapshot import DutySnapshot
from careloop.storage.audit import Actor
from careloop.storage.engine import Database, is_transient
from careloop.tickets.assignment import assign_in
from careloop.tickets.tables import Ticket
from careloop.workforce.actions import mark_assigned_in
from careloop.workforce.agent_rows import locked_agents_in, paused_agents_in
from careloop.workforce.queries import OnDuty, on_duty_agents_in

if TYPE_CHECKING:  # only the type: routing reaches agents through workforce's functions
    from careloop.workforce.tables import Agent

log = logging.getLogger(__name__)
ROUTING = Actor(user_id=None, label="routing")
DEFAULT_POLICY = RoutingPolicy()
BATCH = 100  # tickets per routing transaction: one snapshot for many, locks held briefly
ROUNDS = 3  # choices per batch: the first, then again for those dropped under the locks
# What a caller may pass as the policy: None reads the stored ones, a single policy stands for
# the default row alone (the tests of strategies use that).
PolicyArg = RoutingPolicy | Policies | None


@dataclass(frozen=True)
class Routed:
    """What routing did: the decisions by ticket id, the tickets it assigned as committed (a
    request answers with them without reading them again), and whether some agent on duty
    still had room at the end (a drain stops when nobody has)."""

    decisions: dict[int, Decision] = field(default_factory=dict)
    tickets: dict[int, Ticket] = field(default_factory=dict)
    spare: bool = True


def to_route(ticket: Ticket) -> TicketToRoute:
    return TicketToRoute(
        ticket_id=ticket.id,
        language=ticket.language,
        category=None if ticket.category is None else ticket.category.value,
        channel=ticket.channel.value,
        brand_id=ticket.brand_id,
        priority=ticket.priority,
        queued_since=ticket.created_at,
        sla_due=earliest_due(ticket),
    )


def candidate_of(o: OnDuty) -> Candidate:
    return Candidate(
        agent_id=o.agent_id,
        languages=tuple(o.languages),
        skills=tuple(o.skills),
        capacity=o.capacity,
        open_tickets=o.open_tickets,
        last_assigned_at=o.last_assigned_at,
        team_id=o.team_id,
    )


def candidates_in(s: Session, now: datetime) -> list[Candidate]:
    """The agents on duty now who may be given tickets (not paused), as routing sees them."""
    paused = paused_agents_in(s, now)
    return [candidate_of(o) for o in on_duty_agents_in(s, at=now) if o.agent_id not in paused]


def policies_for(db: Database, policy: PolicyArg) -> Policies:
    """The policies of one routing call: the stored ones unless the caller gives its own."""
    if policy is None:
        return load_policies(db)
    if isinstance(policy, RoutingPolicy):
        return Policies(default=policy)
    return policy


def _last_served(candidates: Iterable[Candidate]) -> int | None:
    """Round robin's memory: the agent routing gave a ticket to most recently."""
    served = [c for c in candidates if c.last_assigned_at is not None]
    if not served:
        return None
    return max(served, key=lambda c: (c.last_assigned_at, c.agent_id)).agent_id


def _lock_waiting(s: Session, ticket_ids: Sequence[int]) -> tuple[dict[int, Ticket], list[int]]:
    """Lock the tickets in id order, skipping those another router holds; returns them and the
    ids of those still waiting (new or open, unassigned), in the caller's order."""
    locked = {
        t.id: t
        for t in s.scalars(
            select(Ticket)
            .where(Ticket.id.in_(sorted(set(ticket_ids))))
            .order_by(Ticket.id)
            .with_for_update(skip_locked=True)
        )
    }
    waiting = [
        i
        for i in dict.fromkeys(ticket_ids)
        if i in locked and locked[i].assignee_id is None and locked[i].status in ROUTABLE
    ]
    return locked, waiting


class _Batch:
    """One batch's choices under way: the snapshot of candidates (loads grown by what was
    accepted), the agents locked so far, and the accepted decisions."""

    def __init__(
        self, s: Session, now: datetime, policies: Policies, candidates: Iterable[Candidate]
    ) -> None:
        self.s, self.now, self.policies = s, now, policies
        self.pool = {c.agent_id: c for c in candidates}
        self.after = _last_served(self.pool.values())
        self.held: dict[int, Agent] = {}
        self.made: dict[int, Decision] = {}
        self.gone: set[int] = set()  # found off duty (or removed, or paused) under the lock

    def refresh(self, candidates: Iterable[Candidate]) -> None:
        """Take a fresh read of who is on duty; the agents already locked keep what the batch
        knows of them (their load as locked, grown by the batch's own choices)."""
        fresh = {c.agent_id: c for c in candidates if c.agent_id not in self.gone}
        self.pool = fresh | {i: c for i, c in self.pool.items() if i in self.held}

    def _lock(self, agent_ids: set[int]) -> None:
        """Lock newly chosen agents and take their load and duty as they are under the lock; an
        agent gone off duty (or held by another router, in later rounds) leaves the pool."""
        got = locked_agents_in(self.s, agent_ids, skip_locked=bool(self.held))
        self.held.update(got)
        duties = on_duty_agents_in(self.s, at=self.now, agent_ids=got) if got else []
        fresh = {o.agent_id: o for o in duties}
        for agent_id in agent_ids:
            agent, duty = got.get(agent_id), fresh.get(agent_id)
            if agent is None or duty is None or not agent.active or self._paused(agent):
                self.pool.pop(agent_id, None)
                self.gone.add(agent_id)
            else:
                self.pool[agent_id] = candidate_of(duty)

    def _paused(self, agent: Agent) -> bool:
        until = agent.routing_paused_until
        return until is not None and until > self.now

    def _accepts(self, ticket: TicketToRoute, decision: Decision) -> bool:
        candidate = self.pool.get(decision.agent_id)
        return (
            candidate is not None
            and decision.agent_id in self.held
            and eligible(
                ticket,
                candidate,
                fallback=decision.needs_translation,
                fallback_languages=self.policies.default.fallback_languages,
            )
        )

    def route(self, tickets: Sequence[TicketToRoute], avoid: Mapping[int, int]) -> None:
        todo = list(tickets)
        for _ in range(ROUNDS):
            plan, _ = choose_many(
                todo,
                self.pool.values(),
                self.policies,
                self.now,
                after_agent_id=self.after,
                avoid=avoid,
            )
            if not plan:
                return
            chosen = {d.agent_id for d in plan.values()} - self.held.keys()
            if chosen:
                self._lock(chosen)
            dropped = []
            for ticket in todo:  # in queue order, against the loads as locked
                decision = plan.get(ticket.ticket_id)
                if decision is None:
                    continue
                if not self._accepts(ticket, decision):
                    dropped.append(ticket)
                    continue
                self.pool[decision.agent_id] = served_one(self.pool[decision.agent_id], self.now)
                self.after = decision.agent_id
                self.made[ticket.ticket_id] = decision
            if not dropped:
                return
            todo = dropped

    @property
    def spare(self) -> bool:
        return any(c.open_tickets < c.capacity for c in self.pool.values())


def _route_batch_in(
    s: Session,
    ticket_ids: Sequence[int],
    now: datetime,
    policies: Policies | None,
    avoid: Mapping[int, int],
    snapshot: DutySnapshot | None = None,
) -> Routed:
    locked, waiting = _lock_waiting(s, ticket_ids)
    if not waiting:
        return Routed()  # gone, held by another router, or not waiting
    policies = policies or policies_in(s)
    reused = None if snapshot is None else snapshot.candidates_in(s, now)
    if reused is None:
        fresh = candidates_in(s, now)
        if snapshot is not None:
            snapshot.keep(fresh, now)
    batch = _Batch(s, now, policies, fresh if reused is None else reused)
    tickets = [to_route(locked[i]) for i in waiting]
    batch.route(tickets, avoid)
    left = [t for t in tickets if t.ticket_id not in batch.made]
    if reused is not None and left and snapshot is not None:
        # The reused view may lack someone who came on duty since: ask the roster itself.
        fresh = candidates_in(s, now)
        snapshot.keep(fresh, now)
        batch.refresh(fresh)
        batch.route(left, avoid)
    if snapshot is not None:
        snapshot.settle((batch.pool[i] for i in batch.held if i in batch.pool), batch.gone)
    for ticket_id, decision in batch.made.items():
        assign_in(
            s,
            ticket=locked[ticket_id],
            agent_id=decision.agent_id,
            actor=ROUTING,
            now=now,
            reason=decision.reason,
            needs_translation=decision.needs_translation,
        )
    for agent_id in {d.agent_id for d in batch.made.values()}:
        mark_assigned_in(batch.held[agent_id], now)
    return Routed(dict(batch.made), {i: locked[i] for i in batch.made}, spare=batch.spare)


def _route_batch(
    db: Database,
    ticket_ids: Sequence[int],
    now: datetime,
    policies: Policies | None,
    avoid: Mapping[int, int],
    snapshot: DutySnapshot | None = None,
    attempts: int = 3,
) -> Routed:
    """One batch in its own transaction, run again when it lost a race (a deadlock, a busy
    database)."""
    for attempt in range(attempts):
        try:
            with db.write() as s:
                return _route_batch_in(s, ticket_ids, now, policies, avoid, snapshot)
        except DBAPIError as exc:
            if not is_transient(exc) or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def route_batch(
    db: Database,
    *,
    ticket_ids: Sequence[int],
    now: datetime,
    policy: PolicyArg = None,
    avoid: Mapping[int, int] | None = None,
    snapshot: DutySnapshot | None = None,
) -> Routed:
    """Route these tickets in the given (queue) order, `BATCH` to a transaction, stopping once
    no agent on duty has room left. `avoid` maps a ticket to an agent who may not take it in
    this pass (who just handed it back unopened). With a `snapshot`, a recent view of who is on
    duty may stand in for reading the roster (see snapshot.py)."""
    policies = None if policy is None else policies_for(db, policy)
    decisions: dict[int, Decision] = {}
    tickets: dict[int, Ticket] = {}
    spare = True
    for start in range(0, len(ticket_ids), BATCH):
        part = ticket_ids[start : start + BATCH]
        routed = _route_batch(db, part, now, policies, avoid or {}, snapshot)
        decisions |= routed.decisions
        tickets |= routed.tickets
        spare = routed.spare
        if not spare:
            break
    return Routed(decisions, tickets, spare)


def route_tickets(
    db: Database,
    *,
    ticket_ids: Sequence[int],
    now: datetime,
    policy: PolicyArg = None,
    avoid: Mapping[int, int] | None = None,
) -> dict[int, Decision]:
    """`route_batch`, returning the decisions made by ticket id."""
    return route_batch(db, ticket_ids=ticket_ids, now=now, policy=policy, avoid=avoid).decisions


def route_ticket(
    db: Database, *, ticket_id: int, now: datetime, policy: PolicyArg = None
) -> Decision | None:
    """Assign one waiting ticket (new or open, unassigned) to an eligible on-duty agent, in
    one transaction; None leaves it queued (nobody eligible, or another router has it)."""
    return route_tickets(db, ticket_ids=[ticket_id], now=now, policy=policy).get(ticket_id)


def drain_queue(
    db: Database,
    *,
    now: datetime,
    policy: PolicyArg = None,
    limit: int = 200,
    avoid: Mapping[int, int] | None = None,
) -> int:
    """Offer the waiting tickets, in queue order, to the agents on duty now (after a clock-in
    or a break's end); stops once nobody has room. Returns how many were assigned."""
    with db.read() as s:
        if not any(c.open_tickets < c.capacity for c in candidates_in(s, now)):
            return 0
        policies = policies_in(s) if policy is None else policies_for(db, policy)
    waiting = waiting_tickets(db, limit=limit)
    return len(route_tickets(db, ticket_ids=waiting, now=now, policy=policies, avoid=avoid))


# --- after a request's own transaction committed --------------------------------------------


def route_new(
    db: Database,
    *,
    tickets: Sequence[Ticket],
    now: datetime,
    policy: PolicyArg = None,
    snapshot: DutySnapshot | None = None,
) -> Routed:
    """Offer tickets just created (and committed) to the agents on duty, in queue order. The
    tickets are already acknowledged: a failure here is logged and leaves them queued."""
    order = sorted((to_route(t) for t in tickets), key=queue_key)
    try:
        return route_batch(
            db,
            ticket_ids=[t.ticket_id for t in order],
            now=now,
            policy=policy,
            snapshot=snapshot,
        )
    except Exception:
        log.exception("routing new tickets failed; they stay queued")
        return Routed()


def route_new_tickets(
    db: Database,
    *,
    tickets: Sequence[Ticket],
    now: datetime,
    policy: PolicyArg = None,
) -> dict[int, Decision]:
    """`route_new`, returning the decisions made by ticket id."""
    return route_new(db, tickets=tickets, now=now, policy=policy).decisions


def drain_queue_after(db: Database, *, now: datetime, policy: PolicyArg = None) -> int:
    """`drain_queue` after a committed change that may let waiting tickets go out (a clock-in,
    a break's end, a ticket solved, reassigned or reopened): a failure is logged and leaves the
    queue as it was."""
    try:
        return drain_queue(db, now=now, policy=policy)
    except Exception:
        log.exception("draining the routing queue failed")
        return 0
