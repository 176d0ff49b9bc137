"""Routing a batch in one transaction against one snapshot: loads grow in memory as tickets are
given out, capacity holds exactly, and what changed between the snapshot and the agents' locks
(an agent gone off duty, room taken by someone else) is found under the locks and chosen again."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import event, select

from careloop.routing import actions as routing
from careloop.routing.model import RoutingPolicy, Strategy
from careloop.storage.audit import AuditEntry
from careloop.tickets import actions as tickets
from careloop.tickets.schemas import TicketUpdate
from careloop.workforce import attendance
from careloop.workforce.queries import on_duty_agents
from tests.factories import ACTOR
from tests.integration.test_routing import new_ticket, on_duty_agent, stored


def assigned_by_routing(db) -> Counter[int]:
    """How many times routing assigned each ticket (from the audit rows)."""
    with db.read() as s:
        return Counter(
            s.scalars(
                select(AuditEntry.entity_id).where(
                    AuditEntry.entity_type == "ticket",
                    AuditEntry.action == "assigned",
                    AuditEntry.actor_label == "routing",
                )
            )
        )


def give(db, clock, agent_id: int, count: int) -> None:
    """Load an agent with open tickets a lead assigned by hand."""
    for _ in range(count):
        ticket = new_ticket(db, clock)
        tickets.update_ticket(
            db,
            actor=ACTOR,
            now=clock.now(),
            ticket_id=ticket.id,
            data=TicketUpdate(assignee_id=agent_id),
        )


class Commits:
    """Counts the transactions committed on a database while it is in use."""

    def __init__(self, db) -> None:
        self.count = 0
        event.listen(db.engine, "commit", self._seen)
        self.engine = db.engine

    def _seen(self, _conn) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "commit", self._seen)


def test_a_batch_spreads_its_tickets_as_the_loads_grow_in_one_transaction(db, clock):
    a = on_duty_agent(db, clock, capacity=10)
    b = on_duty_agent(db, clock, capacity=10)
    c = on_duty_agent(db, clock, capacity=10)
    give(db, clock, a.id, 2)
    give(db, clock, c.id, 1)
    ids = [new_ticket(db, clock).id for _ in range(6)]

    commits = Commits(db)
    made = routing.route_tickets(db, ticket_ids=ids, now=clock.now())
    commits.close()

    # Least loaded, counting what the batch gave out: everyone ends at three.
    assert Counter(d.agent_id for d in made.values()) == {a.id: 1, b.id: 3, c.id: 2}
    assert {stored(db, i).assignee_id for i in ids} == {a.id, b.id, c.id}
    assert commits.count == 1  # one snapshot, one transaction for the batch
    assert assigned_by_routing(db) == dict.fromkeys(ids, 1)


def test_round_robin_takes_turns_within_a_batch(db, clock):
    agents = [on_duty_agent(db, clock, capacity=10).id for _ in range(3)]
    ids = [new_ticket(db, clock).id for _ in range(6)]
    policy = RoutingPolicy(strategy=Strategy.ROUND_ROBIN)
    made = routing.route_tickets(db, ticket_ids=ids, now=clock.now(), policy=policy)
    assert [made[i].agent_id for i in ids] == agents + agents


def test_a_batch_larger_than_the_room_fills_it_exactly_in_queue_order(db, clock):
    a = on_duty_agent(db, clock, capacity=2)
    b = on_duty_agent(db, clock, capacity=3)
    give(db, clock, b.id, 1)
    urgent = [new_ticket(db, clock, priority="urgent").id for _ in range(2)]
    normal = [new_ticket(db, clock, priority="normal").id for _ in range(3)]
    low = [new_ticket(db, clock, priority="low").id for _ in range(2)]

    assert routing.drain_queue(db, now=clock.now()) == 4

    load = Counter(stored(db, i).assignee_id for i in urgent + normal + low)
    assert load == {a.id: 2, b.id: 2, None: 3}  # b already held one of its three
    assert all(stored(db, i).assignee_id is not None for i in urgent)
    assert all(stored(db, i).assignee_id is None for i in low)


def test_an_agent_gone_off_duty_after_the_snapshot_is_not_assigned(db, clock, monkeypatch):
    leaving = on_duty_agent(db, clock, capacity=5)
    staying = on_duty_agent(db, clock, capacity=5)
    give(db, clock, staying.id, 3)  # the snapshot makes `leaving` the obvious choice
    with db.read() as s:
        snapshot = routing.candidates_in(s, clock.now())
    assert {c.agent_id for c in snapshot} == {leaving.id, staying.id}

    attendance.clock_out(db, actor=ACTOR, now=clock.now(), agent_id=leaving.id)
    # The batch reads the snapshot taken before the clock-out, as a router whose snapshot was
    # read just before another process committed it would.
    monkeypatch.setattr(routing, "candidates_in", lambda s, now: list(snapshot))
    ticket = new_ticket(db, clock)
    made = routing.route_tickets(db, ticket_ids=[ticket.id], now=clock.now())

    assert made[ticket.id].agent_id == staying.id
    assert stored(db, ticket.id).assignee_id == staying.id


def test_room_taken_after_the_snapshot_is_counted_again_under_the_lock(db, clock, monkeypatch):
    a = on_duty_agent(db, clock, capacity=2)
    b = on_duty_agent(db, clock, capacity=5)
    give(db, clock, b.id, 1)
    with db.read() as s:
        snapshot = routing.candidates_in(s, clock.now())  # a: 0 of 2, b: 1 of 5
    give(db, clock, a.id, 1)  # someone else gives `a` a ticket meanwhile: one place left
    monkeypatch.setattr(routing, "candidates_in", lambda s, now: list(snapshot))
    ids = [new_ticket(db, clock).id for _ in range(3)]

    made = routing.route_tickets(db, ticket_ids=ids, now=clock.now())

    # From the snapshot `a` would take two; under its lock it has room for one, and the
    # ticket dropped is chosen again among the others.
    assert Counter(d.agent_id for d in made.values()) == {a.id: 1, b.id: 2}
    loads = on_duty_agents(db, at=clock.now())
    assert {o.agent_id: o.open_tickets for o in loads} == {a.id: 2, b.id: 3}


def test_a_ticket_someone_else_took_meanwhile_is_left_alone(db, clock):
    agent = on_duty_agent(db, clock, capacity=5)
    first, second = new_ticket(db, clock), new_ticket(db, clock)
    tickets.update_ticket(
        db,
        actor=ACTOR,
        now=clock.now(),
        ticket_id=first.id,
        data=TicketUpdate(assignee_id=agent.id),
    )
    clock.advance(timedelta(seconds=1))
    made = routing.route_tickets(db, ticket_ids=[first.id, second.id], now=clock.now())
    assert set(made) == {second.id}
    assert assigned_by_routing(db) == {second.id: 1}
