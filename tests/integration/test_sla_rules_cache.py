"""The compiled SLA policies are kept between transactions and read again after any change,
made by this process or another (a second Database on the same database stands for one)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from careloop.sla import actions as sla
from careloop.sla import clocks
from careloop.sla.tables import SlaPolicy
from careloop.storage.engine import Database
from careloop.tickets import actions as tickets
from careloop.tickets.schemas import TicketCreate
from careloop.tickets.tables import Ticket
from tests.factories import ACTOR, ticket_payload

H = timedelta(hours=1)


@pytest.fixture
def other(database_url: str) -> Iterator[Database]:
    """Another process's view of the same database: its own engine, pool and cache."""
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the times the policies are read and compiled."""
    seen: list[int] = []
    real = clocks._read_rules

    def counting(s: Any, now: Any) -> Any:
        seen.append(1)
        return real(s, now)

    monkeypatch.setattr(clocks, "_read_rules", counting)
    return seen


def new_ticket(db: Database, clock: Any) -> Ticket:
    data = TicketCreate.model_validate(ticket_payload())
    ticket, _ = tickets.create_ticket(db, actor=ACTOR, now=clock.now(), data=data)
    return ticket


def policy(db: Database, clock: Any, **values: Any) -> SlaPolicy:
    base = {"name": "Default", "first_response_minutes": 60, "resolution_minutes": 480}
    return sla.create_policy(db, actor=ACTOR, now=clock.now(), values=base | values)


def test_the_policies_are_compiled_once_between_changes(db, clock, reads):
    policy(db, clock)
    for _ in range(3):
        assert new_ticket(db, clock).first_response_due_at == clock.now() + H
    assert len(reads) == 1
    policy(db, clock, name="Urgent", position=1, conditions={"priorities": ["urgent"]})
    new_ticket(db, clock)
    assert len(reads) == 2


def test_a_change_in_another_process_is_seen_by_the_next_ticket(db, other, clock):
    # Every change happens at the same instant: a version from timestamps would miss them.
    p = policy(db, clock)
    assert new_ticket(db, clock).first_response_due_at == clock.now() + H
    sla.update_policy(
        other, actor=ACTOR, now=clock.now(), policy_id=p.id, changes={"first_response_minutes": 30}
    )
    assert new_ticket(db, clock).first_response_due_at == clock.now() + H / 2
    sla.deactivate_policy(other, actor=ACTOR, now=clock.now(), policy_id=p.id)
    assert new_ticket(db, clock).sla_policy_id is None
    fresh = policy(other, clock, name="Fresh", first_response_minutes=15)
    ticket = new_ticket(db, clock)
    assert ticket.sla_policy_id == fresh.id
    assert ticket.first_response_due_at == clock.now() + H / 4


def test_a_calendar_change_in_another_process_is_seen_by_the_next_ticket(db, other, clock):
    # START is Monday 09:00 UTC; open 09:00-17:00 UTC, one hour to answer.
    days = ("mon", "tue", "wed", "thu", "fri")
    calendar = sla.create_calendar(
        db,
        actor=ACTOR,
        now=clock.now(),
        values={
            "name": "Office",
            "timezone": "UTC",
            "windows": {d: [["09:00", "17:00"]] for d in days},
        },
    )
    policy(db, clock, calendar_id=calendar.id)
    assert new_ticket(db, clock).first_response_due_at == clock.now() + H
    sla.update_calendar(
        other,
        actor=ACTOR,
        now=clock.now(),
        calendar_id=calendar.id,
        changes={"windows": {d: [["10:00", "17:00"]] for d in days}},
    )
    assert new_ticket(db, clock).first_response_due_at == clock.now() + 2 * H


def test_rules_read_in_a_transaction_that_changes_them_are_not_kept(db, clock):
    p = policy(db, clock)
    assert new_ticket(db, clock).first_response_due_at == clock.now() + H

    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), db.write() as s:
        # A change seen only inside this transaction, which then rolls back.
        s.get_one(SlaPolicy, p.id).first_response_minutes = 5
        clocks.forget_rules_in(s)
        assert clocks.rules_in(s, clock.now())[0].terms.first_response == 5 * 60
        raise RolledBack
    assert new_ticket(db, clock).first_response_due_at == clock.now() + H
