"""Routing against the database: waiting tickets go to eligible agents on duty, in queue order,
within capacity, once each, also when many routers run at once (PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from careloop.routing import actions as routing
from careloop.routing.model import RoutingPolicy, Strategy
from careloop.storage.audit import AuditEntry
from careloop.tickets import actions as tickets
from careloop.tickets.model import Status
from careloop.tickets.schemas import TicketCreate, TicketUpdate
from careloop.tickets.tables import Ticket
from careloop.workforce import attendance
from careloop.workforce.tables import Agent
from tests.factories import ACTOR, make_agent, make_shift, ticket_payload

H = timedelta(hours=1)


def on_duty_agent(db, clock, **kw) -> Agent:
    """An agent on a published shift around now, clocked in."""
    agent = make_agent(db, clock, **kw)
    make_shift(db, clock, agent.id, clock.now() - H, clock.now() + 7 * H)
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    return agent


def new_ticket(db, clock, **overrides) -> Ticket:
    payload = ticket_payload(**overrides)
    payload.pop("customer")  # concurrent intakes of one customer are not what is tested here
    ticket, _ = tickets.create_ticket(
        db, actor=ACTOR, now=clock.now(), data=TicketCreate.model_validate(payload)
    )
    return ticket


def stored(db, ticket_id: int) -> Ticket:
    with db.read() as s:
        return s.get_one(Ticket, ticket_id)


def assigned_audits(db, ticket_id: int) -> list[AuditEntry]:
    with db.read() as s:
        return list(
            s.scalars(
                select(AuditEntry).where(
                    AuditEntry.entity_type == "ticket",
                    AuditEntry.entity_id == ticket_id,
                    AuditEntry.action == "assigned",
                )
            )
        )


def test_a_waiting_ticket_goes_to_the_agent_on_duty_with_an_audited_reason(db, clock):
    agent = on_duty_agent(db, clock)
    ticket = new_ticket(db, clock)
    clock.advance(timedelta(minutes=2))

    decision = routing.route_ticket(db, ticket_id=ticket.id, now=clock.now())

    assert decision is not None and decision.agent_id == agent.id
    t = stored(db, ticket.id)
    assert (t.assignee_id, t.status) == (agent.id, Status.OPEN)
    assert t.assigned_at == t.first_assigned_at == clock.now()
    [entry] = assigned_audits(db, ticket.id)
    assert entry.actor_label == "routing"
    assert entry.changes["assignee_id"] == {"before": None, "after": agent.id}
    assert entry.changes["reason"]["after"] == "least_loaded"
    with db.read() as s:
        assert s.get_one(Agent, agent.id).last_assigned_at == clock.now()
    # Routed once: a second attempt finds it assigned and leaves it alone.
    assert routing.route_ticket(db, ticket_id=ticket.id, now=clock.now()) is None
    assert len(assigned_audits(db, ticket.id)) == 1


def test_nobody_on_duty_leaves_the_ticket_queued(db, clock):
    make_agent(db, clock)  # exists, but has no shift and is not clocked in
    ticket = new_ticket(db, clock)
    assert routing.route_ticket(db, ticket_id=ticket.id, now=clock.now()) is None
    t = stored(db, ticket.id)
    assert (t.assignee_id, t.assigned_at, t.status) == (None, None, Status.NEW)


def test_capacity_is_respected(db, clock):
    agent = on_duty_agent(db, clock, capacity=2)
    ids = [new_ticket(db, clock).id for _ in range(3)]
    decisions = [routing.route_ticket(db, ticket_id=i, now=clock.now()) for i in ids]
    assert [d.agent_id if d else None for d in decisions] == [agent.id, agent.id, None]
    assert stored(db, ids[2]).assignee_id is None


def test_a_french_ticket_goes_to_the_french_speaker(db, clock):
    on_duty_agent(db, clock, languages=("en",))
    french = on_duty_agent(db, clock, languages=("fr", "en"))
    ticket = new_ticket(db, clock, language="fr")
    assert routing.route_ticket(db, ticket_id=ticket.id, now=clock.now()).agent_id == french.id


def test_language_fallback_after_waiting_with_translation_flag(db, clock):
    english = on_duty_agent(db, clock, languages=("en",))
    ticket = new_ticket(db, clock, language="de")
    assert routing.route_ticket(db, ticket_id=ticket.id, now=clock.now()) is None
    clock.advance(timedelta(minutes=10))
    decision = routing.route_ticket(db, ticket_id=ticket.id, now=clock.now())
    assert decision is not None and decision.needs_translation
    t = stored(db, ticket.id)
    assert t.assignee_id == english.id
    assert "needs-translation" in t.tags
    [entry] = assigned_audits(db, ticket.id)
    assert entry.changes["reason"]["after"] == "language_fallback"


def test_skills_decide_who_may_take_a_ticket(db, clock):
    refunds = on_duty_agent(db, clock, skills=("category:refund",))
    chats = on_duty_agent(db, clock, skills=("category:quality", "channel:chat"))
    quality_mail = new_ticket(db, clock, category="quality", channel="email")
    quality_chat = new_ticket(db, clock, category="quality", channel="chat")
    refund = new_ticket(db, clock, category="refund")
    assert routing.route_ticket(db, ticket_id=quality_mail.id, now=clock.now()) is None
    assert routing.route_ticket(db, ticket_id=quality_chat.id, now=clock.now()).agent_id == (
        chats.id
    )
    assert routing.route_ticket(db, ticket_id=refund.id, now=clock.now()).agent_id == refunds.id


def test_least_loaded_then_longest_idle(db, clock):
    a = on_duty_agent(db, clock, capacity=5)
    b = on_duty_agent(db, clock, capacity=5)
    got = [
        routing.route_ticket(db, ticket_id=new_ticket(db, clock).id, now=clock.now()).agent_id
        for _ in range(4)
    ]
    assert Counter(got) == {a.id: 2, b.id: 2}


def test_round_robin_takes_turns(db, clock):
    agents = [on_duty_agent(db, clock, capacity=10).id for _ in range(3)]
    policy = RoutingPolicy(strategy=Strategy.ROUND_ROBIN)
    got = []
    for _ in range(6):
        clock.advance(timedelta(seconds=1))
        ticket = new_ticket(db, clock)
        got.append(
            routing.route_ticket(db, ticket_id=ticket.id, now=clock.now(), policy=policy).agent_id
        )
    assert got == agents + agents


def test_pending_and_on_hold_tickets_are_not_routed(db, clock):
    on_duty_agent(db, clock)
    ids = []
    for status in (Status.PENDING, Status.ON_HOLD, Status.SOLVED):
        ticket = new_ticket(db, clock)
        tickets.update_ticket(
            db, actor=ACTOR, now=clock.now(), ticket_id=ticket.id, data=TicketUpdate(status=status)
        )
        ids.append(ticket.id)
    assert [routing.route_ticket(db, ticket_id=i, now=clock.now()) for i in ids] == [None] * 3
    assert routing.drain_queue(db, now=clock.now()) == 0
    assert all(stored(db, i).assignee_id is None for i in ids)


def test_drain_assigns_the_queue_in_priority_order_when_an_agent_clocks_in(db, clock):
    agent = make_agent(db, clock, capacity=1)
    make_shift(db, clock, agent.id, clock.now() - H, clock.now() + 7 * H)
    older_normal = new_ticket(db, clock, priority="normal")
    clock.advance(timedelta(minutes=5))
    newer_urgent = new_ticket(db, clock, priority="urgent")
    assert routing.drain_queue(db, now=clock.now()) == 0  # nobody on duty yet

    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    assert routing.drain_queue(db, now=clock.now()) == 1

    assert stored(db, newer_urgent.id).assignee_id == agent.id
    assert stored(db, older_normal.id).assignee_id is None


def test_waiting_tickets_are_in_queue_order(db, clock):
    low = new_ticket(db, clock, priority="low")
    clock.advance(timedelta(minutes=1))
    normal_1 = new_ticket(db, clock, priority="normal")
    clock.advance(timedelta(minutes=1))
    urgent = new_ticket(db, clock, priority="urgent")
    clock.advance(timedelta(minutes=1))
    normal_2 = new_ticket(db, clock, priority="normal")
    high = new_ticket(db, clock, priority="high")
    expected = [urgent.id, high.id, normal_1.id, normal_2.id, low.id]
    assert routing.waiting_tickets(db) == expected


def test_many_routers_at_once_assign_each_ticket_once_within_capacity(db, clock):
    if not db.is_postgres:
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    agents = [on_duty_agent(db, clock, capacity=10).id for _ in range(5)]
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work() -> None:
        try:
            start.wait()
            for _ in range(25):
                ticket = new_ticket(db, clock)
                routing.route_ticket(db, ticket_id=ticket.id, now=clock.now())
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.read() as s:
        per_ticket = s.execute(
            select(AuditEntry.entity_id, func.count())
            .where(AuditEntry.entity_type == "ticket", AuditEntry.action == "assigned")
            .group_by(AuditEntry.entity_id)
        ).all()
        load = dict(
            s.execute(
                select(Ticket.assignee_id, func.count())
                .where(Ticket.assignee_id.is_not(None))
                .group_by(Ticket.assignee_id)
            ).all()
        )
        total = s.scalar(select(func.count()).select_from(Ticket))
    assert total == 200
    assert all(n == 1 for _, n in per_ticket)
    assert len(per_ticket) == 50
    assert set(load) == set(agents)
    assert max(load.values()) <= 10
    assert sum(load.values()) == 50
