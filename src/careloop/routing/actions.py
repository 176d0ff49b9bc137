"""Routing's state changes: give a waiting ticket to an on-duty agent (`route_ticket`), and
work through the queue when an agent becomes available (`drain_queue`).

Each ticket is routed in its own short transaction: the ticket is locked first (skipped when
another router holds it), then the chosen agent, whose load is counted again under that lock,
so two routers never take an agent past capacity nor assign one ticket twice. Each call reads
the stored policies once (`policy.load_policies`) unless the caller passes one."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from careloop.routing.model import (
    Candidate,
    Decision,
    Policies,
    RoutingPolicy,
    TicketToRoute,
    choose,
)
from careloop.routing.model import queue_key as queue_key
from careloop.routing.policy import load_policies, policies_in
from careloop.routing.queries import ROUTABLE, earliest_due
from careloop.routing.queries import waiting_tickets as waiting_tickets
from careloop.storage.audit import Actor
from careloop.storage.engine import Database, is_transient
from careloop.tickets.assignment import assign_in
from careloop.tickets.queries import open_tickets_by_assignee
from careloop.tickets.tables import Ticket
from careloop.workforce.actions import mark_assigned_in
from careloop.workforce.agent_rows import agent_in
from careloop.workforce.queries import on_duty_agents_in

log = logging.getLogger(__name__)
ROUTING = Actor(user_id=None, label="routing")
DEFAULT_POLICY = RoutingPolicy()
# What a caller may pass as the policy: None reads the stored ones, a single policy stands for
# the default row alone (the tests of strategies use that).
PolicyArg = RoutingPolicy | Policies | None


@dataclass(frozen=True)
class _Outcome:
    decision: Decision | None
    spare: bool  # whether some on-duty agent still had room when this ticket was done


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


def candidates_in(s: Session, now: datetime) -> list[Candidate]:
    return [
        Candidate(
            agent_id=o.agent_id,
            languages=tuple(o.languages),
            skills=tuple(o.skills),
            capacity=o.capacity,
            open_tickets=o.open_tickets,
            last_assigned_at=o.last_assigned_at,
            team_id=o.team_id,
        )
        for o in on_duty_agents_in(s, at=now)
    ]


def policies_for(db: Database, policy: PolicyArg) -> Policies:
    """The policies of one routing call: the stored ones unless the caller gives its own."""
    if policy is None:
        return load_policies(db)
    if isinstance(policy, RoutingPolicy):
        return Policies(default=policy)
    return policy


def _last_served(candidates: Sequence[Candidate]) -> int | None:
    """Round robin's memory: the agent routing gave a ticket to most recently."""
    served = [c for c in candidates if c.last_assigned_at is not None]
    if not served:
        return None
    return max(served, key=lambda c: (c.last_assigned_at, c.agent_id)).agent_id


def _route_in(
    s: Session, ticket_id: int, now: datetime, policies: Policies, avoid: int | None
) -> _Outcome:
    ticket = s.scalar(
        select(Ticket).where(Ticket.id == ticket_id).with_for_update(skip_locked=True)
    )
    if ticket is None or ticket.assignee_id is not None or ticket.status not in ROUTABLE:
        return _Outcome(None, spare=True)  # gone, held by another router, or not waiting
    wanted = to_route(ticket)
    everyone = candidates_in(s, now)
    full: set[int] = set()  # agents found full under their lock
    while True:
        spare = any(c.open_tickets < c.capacity and c.agent_id not in full for c in everyone)
        # `avoid`: the agent who just handed this ticket back unopened does not get it again
        # in this pass (they still count as room for the other tickets).
        candidates = [c for c in everyone if c.agent_id != avoid and c.agent_id not in full]
        decision = choose(
            wanted,
            candidates,
            policies.default,
            now,
            after_agent_id=_last_served(everyone),
            team_strategies=policies.team_strategies,
        )
        if decision is None:
            return _Outcome(None, spare)
        # The load read above may be stale: count it again while holding the agent's lock. An
        # agent found full is released at once (the savepoint) and the choice is made again.
        savepoint = s.begin_nested()
        agent = agent_in(s, decision.agent_id, lock=True)
        load = open_tickets_by_assignee(s, [agent.user_id]).get(agent.user_id, 0)
        if agent.active and load < agent.capacity:
            break
        savepoint.rollback()
        full.add(decision.agent_id)
    assign_in(
        s,
        ticket=ticket,
        agent_id=agent.user_id,
        actor=ROUTING,
        now=now,
        reason=decision.reason,
        needs_translation=decision.needs_translation,
    )
    mark_assigned_in(agent, now)
    savepoint.commit()
    return _Outcome(decision, spare=True)


def _routed(
    db: Database,
    ticket_id: int,
    now: datetime,
    policies: Policies,
    avoid: int | None = None,
    attempts: int = 3,
) -> _Outcome:
    """Route one ticket in its own transaction, run again when it lost a race (a deadlock,
    a busy database)."""
    for attempt in range(attempts):
        try:
            with db.write() as s:
                return _route_in(s, ticket_id, now, policies, avoid)
        except DBAPIError as exc:
            if not is_transient(exc) or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def route_ticket(
    db: Database, *, ticket_id: int, now: datetime, policy: PolicyArg = None
) -> Decision | None:
    """Assign one waiting ticket (new or open, unassigned) to an eligible on-duty agent, in
    one transaction; None leaves it queued (nobody eligible, or another router has it)."""
    return _routed(db, ticket_id, now, policies_for(db, policy)).decision


def route_tickets(
    db: Database,
    *,
    ticket_ids: Sequence[int],
    now: datetime,
    policy: PolicyArg = None,
    avoid: Mapping[int, int] | None = None,
) -> dict[int, Decision]:
    """Route these tickets in the given order, each in its own transaction, stopping once no
    agent on duty has room left; returns the decisions made, by ticket id. `avoid` maps a
    ticket to an agent who may not take it in this pass (who just handed it back unopened)."""
    policies = policies_for(db, policy)
    avoid = avoid or {}
    made: dict[int, Decision] = {}
    for ticket_id in ticket_ids:
        outcome = _routed(db, ticket_id, now, policies, avoid.get(ticket_id))
        if outcome.decision is not None:
            made[ticket_id] = outcome.decision
        elif not outcome.spare:
            break
    return made


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


def route_new_tickets(
    db: Database,
    *,
    tickets: Sequence[Ticket],
    now: datetime,
    policy: PolicyArg = None,
) -> dict[int, Decision]:
    """Offer tickets just created (and committed) to the agents on duty, in queue order. The
    tickets are already acknowledged: a failure here is logged and leaves them queued."""
    order = sorted((to_route(t) for t in tickets), key=queue_key)
    try:
        return route_tickets(db, ticket_ids=[t.ticket_id for t in order], now=now, policy=policy)
    except Exception:
        log.exception("routing new tickets failed; they stay queued")
        return {}


def drain_queue_after(db: Database, *, now: datetime, policy: PolicyArg = None) -> int:
    """`drain_queue` after a committed change that may let waiting tickets go out (a clock-in,
    a break's end, a ticket solved, reassigned or reopened): a failure is logged and leaves the
    queue as it was."""
    try:
        return drain_queue(db, now=now, policy=policy)
    except Exception:
        log.exception("draining the routing queue failed")
        return 0
