"""SLA clocks kept on tickets through their life, and the sweep's warnings, breaches and
escalation, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from careloop.sla import actions as sla
from careloop.sla.sweep import sla_sweep
from careloop.sla.tables import SlaEvent
from careloop.storage.audit import AuditEntry
from careloop.tickets import actions as tickets
from careloop.tickets.commerce_tables import Customer
from careloop.tickets.conversation import add_customer_message_in, add_reply
from careloop.tickets.model import Priority, Status
from careloop.tickets.schemas import TicketCreate, TicketUpdate
from careloop.tickets.tables import Ticket
from careloop.workforce import actions as workforce
from tests.conftest import PG_URL
from tests.factories import ACTOR, make_agent, ticket_payload

H = timedelta(hours=1)
M = timedelta(minutes=1)


def policy(db, clock, name: str = "Default", **values: Any):
    base: dict[str, Any] = {
        "name": name,
        "first_response_minutes": 60,
        "next_response_minutes": 120,
        "resolution_minutes": 480,
    }
    return sla.create_policy(db, actor=ACTOR, now=clock.now(), values=base | values)


def new_ticket(db, clock, **overrides: Any) -> Ticket:
    ticket, _ = tickets.create_ticket(
        db,
        actor=ACTOR,
        now=clock.now(),
        data=TicketCreate.model_validate(ticket_payload(**overrides)),
    )
    return ticket


def fresh(db, ticket_id: int) -> Ticket:
    with db.read() as s:
        return s.get_one(Ticket, ticket_id)


def update(db, clock, ticket_id: int, **fields: Any) -> Ticket:
    return tickets.update_ticket(
        db,
        actor=ACTOR,
        now=clock.now(),
        ticket_id=ticket_id,
        data=TicketUpdate.model_validate(fields),
    )


def customer_writes(db, clock, ticket_id: int) -> None:
    with db.write() as s:
        ticket = tickets.ticket_in(s, ticket_id, for_update=True)
        add_customer_message_in(
            s, actor=ACTOR, now=clock.now(), ticket=ticket, body="Any news?", author_label="Amara"
        )


def events(db, ticket_id: int | None = None) -> list[SlaEvent]:
    with db.read() as s:
        stmt = select(SlaEvent).order_by(SlaEvent.id)
        if ticket_id is not None:
            stmt = stmt.where(SlaEvent.ticket_id == ticket_id)
        return list(s.scalars(stmt))


def test_a_new_ticket_gets_its_due_instants_and_a_reply_meets_the_first(db, clock):
    p = policy(db, clock)
    t0 = clock.now()
    ticket = new_ticket(db, clock)
    assert ticket.sla_policy_id == p.id
    assert ticket.first_response_due_at == t0 + H
    assert ticket.resolution_due_at == t0 + 8 * H
    assert ticket.next_response_due_at is None
    clock.advance(20 * M)
    add_reply(db, actor=ACTOR, now=clock.now(), ticket_id=ticket.id, body="On it", status=None)
    after = fresh(db, ticket.id)
    assert after.first_response_at == t0 + 20 * M
    assert after.first_response_due_at is None
    assert after.resolution_due_at == t0 + 8 * H
    with db.read() as s:
        audit = s.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_id == ticket.id, AuditEntry.action == "replied"
            )
        ).one()
    assert audit.changes["first_response_due_at"]["after"] is None


def test_without_a_policy_nothing_is_due(db, clock):
    ticket = new_ticket(db, clock)
    assert ticket.sla_policy_id is None and ticket.first_response_due_at is None


def test_a_customer_message_after_a_reply_starts_the_next_response_clock(db, clock):
    policy(db, clock)
    ticket = new_ticket(db, clock)
    customer_writes(db, clock, ticket.id)  # before any reply: first response still runs
    assert fresh(db, ticket.id).next_response_due_at is None
    clock.advance(10 * M)
    add_reply(db, actor=ACTOR, now=clock.now(), ticket_id=ticket.id, body="Hi", status=None)
    clock.advance(H)
    wrote = clock.now()
    customer_writes(db, clock, ticket.id)
    assert fresh(db, ticket.id).next_response_due_at == wrote + 2 * H
    clock.advance(30 * M)
    customer_writes(db, clock, ticket.id)  # writing again does not restart the wait
    assert fresh(db, ticket.id).next_response_due_at == wrote + 2 * H
    clock.advance(10 * M)
    add_reply(db, actor=ACTOR, now=clock.now(), ticket_id=ticket.id, body="Done", status=None)
    assert fresh(db, ticket.id).next_response_due_at is None


def test_pending_pauses_resolution_and_reopening_keeps_the_time_left(db, clock):
    policy(db, clock)
    ticket = new_ticket(db, clock)
    clock.advance(3 * H)
    add_reply(
        db, actor=ACTOR, now=clock.now(), ticket_id=ticket.id, body="Photo?", status=Status.PENDING
    )
    paused = fresh(db, ticket.id)
    assert paused.resolution_due_at is None
    assert paused.resolution_remaining_seconds == 5 * 3600
    clock.advance(2 * timedelta(days=1))
    customer_writes(db, clock, ticket.id)  # the customer answers: open again
    resumed = fresh(db, ticket.id)
    assert resumed.status == Status.OPEN
    assert resumed.resolution_due_at == clock.now() + 5 * H
    assert resumed.resolution_remaining_seconds is None
    assert resumed.next_response_due_at == clock.now() + 2 * H
    update(db, clock, ticket.id, status="solved")
    update(db, clock, ticket.id, status="closed")
    closed = fresh(db, ticket.id)
    assert closed.resolution_due_at is None and closed.resolution_remaining_seconds is None


def test_a_priority_change_selects_another_policy(db, clock):
    policy(db, clock, "Default")
    urgent = policy(
        db,
        clock,
        "Urgent",
        position=0,
        conditions={"priorities": ["urgent"]},
        first_response_minutes=15,
        resolution_minutes=120,
    )
    t0 = clock.now()
    ticket = new_ticket(db, clock)
    clock.advance(30 * M)
    changed = update(db, clock, ticket.id, priority="urgent")
    assert changed.sla_policy_id == urgent.id
    assert changed.first_response_due_at == t0 + 15 * M  # from creation: already late
    assert changed.resolution_due_at == t0 + 2 * H


def test_a_customer_tier_selects_a_business_hours_policy(db, clock):
    calendar = sla.create_calendar(
        db,
        actor=ACTOR,
        now=clock.now(),
        values={
            "name": "Berlin office",
            "timezone": "Europe/Berlin",
            "windows": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            "holiday_country": "DE",
        },
    )
    policy(db, clock, "Default")
    vip = policy(
        db,
        clock,
        "VIP",
        position=0,
        conditions={"customer_tiers": ["vip"]},
        calendar_id=calendar.id,
        first_response_minutes=120,
    )
    clock.set(datetime(2026, 11, 6, 15, tzinfo=UTC))  # Friday 16:00 in Berlin
    first = new_ticket(db, clock)
    with db.write() as s:
        s.get_one(Customer, first.customer_id).tier = "vip"
    ticket = new_ticket(db, clock)
    assert ticket.sla_policy_id == vip.id
    assert ticket.first_response_due_at == datetime(2026, 11, 9, 9, tzinfo=UTC)  # Mon 10:00


def test_changing_a_policy_moves_open_tickets(db, clock):
    p = policy(db, clock)
    t0 = clock.now()
    ticket = new_ticket(db, clock)
    clock.advance(H)
    sla.update_policy(
        db, actor=ACTOR, now=clock.now(), policy_id=p.id, changes={"resolution_minutes": 240}
    )
    assert fresh(db, ticket.id).resolution_due_at == t0 + 4 * H
    sla.deactivate_policy(db, actor=ACTOR, now=clock.now(), policy_id=p.id)
    gone = fresh(db, ticket.id)
    assert gone.sla_policy_id is None and gone.resolution_due_at is None


def team_with_lead(db, clock):
    lead = make_agent(db, clock, name="Lead")
    team = workforce.create_team(
        db, actor=ACTOR, now=clock.now(), name="EMEA", lead_id=lead.user_id
    )
    agent = make_agent(db, clock, team=team.name)
    return lead, agent


def test_the_sweep_warns_once_then_breaches_once_and_escalates(db, clock):
    lead, agent = team_with_lead(db, clock)
    policy(
        db,
        clock,
        warn_before_minutes=15,
        escalation={"raise_priority": True, "notify_lead": True, "reassign": True},
    )
    t0 = clock.now()
    ticket = new_ticket(db, clock, assignee_id=agent.user_id)
    clock.set(t0 + 30 * M)
    assert sla_sweep(db, now=clock.now()).warnings == 0
    clock.set(t0 + 50 * M)
    assert sla_sweep(db, now=clock.now()).warnings == 1
    assert sla_sweep(db, now=clock.now()).warnings == 0
    [warning] = events(db)
    assert (warning.kind, warning.target, warning.due_at) == ("warning", "first_response", t0 + H)
    clock.set(t0 + 61 * M)
    result = sla_sweep(db, now=clock.now())
    assert (result.breaches, result.raised, result.unassigned) == (1, 1, 1)
    again = sla_sweep(db, now=clock.now() + M)
    assert again.breaches == 0
    breach = events(db)[-1]
    assert (breach.kind, breach.target) == ("breach", "first_response")
    assert breach.actions == {
        "priority": ["normal", "high"],
        "lead_id": lead.user_id,
        "unassigned": agent.user_id,
    }
    after = fresh(db, ticket.id)
    assert after.priority == Priority.HIGH
    assert after.assignee_id is None
    with db.read() as s:
        actions = list(
            s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity_type == "ticket", AuditEntry.entity_id == ticket.id)
                .order_by(AuditEntry.id)
            )
        )
        unassigned = s.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_id == ticket.id, AuditEntry.action == "unassigned"
            )
        ).one()
    assert actions[-2:] == ["sla_breached", "unassigned"]
    assert unassigned.changes["reason"]["after"] == "sla_breach"


def test_a_breach_without_escalation_changes_nothing_on_the_ticket(db, clock):
    agent = make_agent(db, clock)
    policy(db, clock, escalation={"notify_lead": False})
    ticket = new_ticket(db, clock, assignee_id=agent.user_id)
    clock.advance(9 * H)
    result = sla_sweep(db, now=clock.now())
    assert result.breaches == 2  # first response and resolution
    after = fresh(db, ticket.id)
    assert (after.priority, after.assignee_id) == (Priority.NORMAL, agent.user_id)
    assert {e.target for e in events(db)} == {"first_response", "resolution"}


def test_a_solved_ticket_is_not_breached(db, clock):
    policy(db, clock)
    ticket = new_ticket(db, clock)
    update(db, clock, ticket.id, status="solved")
    clock.advance(10 * H)
    assert sla_sweep(db, now=clock.now()).breaches == 0


def test_acknowledging_an_event(db, clock, make_user):
    policy(db, clock)
    new_ticket(db, clock)
    clock.advance(2 * H)
    sla_sweep(db, now=clock.now())
    [event] = events(db)
    lead = make_user()
    who = ACTOR.__class__(user_id=lead.id, label=lead.name)
    done = sla.acknowledge_event(db, actor=who, now=clock.now(), event_id=event.id)
    assert done.acknowledged_by == lead.id and done.acknowledged_at == clock.now()
    later = sla.acknowledge_event(db, actor=ACTOR, now=clock.now() + H, event_id=event.id)
    assert later.acknowledged_at == clock.now()


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL")
def test_two_sweeps_at_once_make_one_event_each(db, clock, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency is PostgreSQL's")
    policy(db, clock, escalation={"raise_priority": True})
    for _ in range(20):
        new_ticket(db, clock)
    clock.advance(50 * M)
    now_warn = clock.now()
    clock.advance(15 * M)
    now_breach = clock.now()
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def sweep(at: datetime) -> None:
        try:
            barrier.wait()
            sla_sweep(db, now=at)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    for at in (now_warn, now_breach):
        threads = [threading.Thread(target=sweep, args=(at,)) for _ in range(4)]
        barrier.reset()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    assert not errors
    with db.read() as s:
        counts = s.execute(select(SlaEvent.kind, func.count()).group_by(SlaEvent.kind)).all()
        priorities = set(s.scalars(select(Ticket.priority)))
    assert dict(counts) == {"warning": 20, "breach": 20}
    assert priorities == {Priority.HIGH}  # raised once, not once per sweeper


def test_next_response_breaches_once_per_wait(db, clock):
    policy(db, clock, first_response_minutes=None, resolution_minutes=None)
    ticket = new_ticket(db, clock)
    for wait in range(2):
        clock.advance(10 * M)
        add_reply(db, actor=ACTOR, now=clock.now(), ticket_id=ticket.id, body="Hi", status=None)
        clock.advance(10 * M)
        customer_writes(db, clock, ticket.id)
        clock.advance(3 * H)
        assert sla_sweep(db, now=clock.now()).breaches == 1, wait
        customer_writes(db, clock, ticket.id)  # still the same wait
        clock.advance(3 * H)
        assert sla_sweep(db, now=clock.now()).breaches == 0, wait
    assert [e.target for e in events(db)] == ["next_response", "next_response"]
