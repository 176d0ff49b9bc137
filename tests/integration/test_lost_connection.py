"""A pooled PostgreSQL connection whose server process went away (a restarted server): the
pool pings connections that sat idle, and under load (no ping) the token check and the ticket
intake run again on a fresh connection, without writing anything twice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select, text

from careloop.accounts import actions as accounts
from careloop.accounts.model import Role
from careloop.storage import engine as storage_engine
from careloop.storage.engine import Database
from careloop.tickets import actions as tickets
from careloop.tickets.schemas import TicketCreate
from careloop.tickets.tables import Ticket
from tests.conftest import PG_URL
from tests.factories import ACTOR, ticket_payload

pytestmark = pytest.mark.skipif(not PG_URL, reason="CARELOOP_TEST_DATABASE_URL is not set")


@pytest.fixture
def pg(database_url: str) -> Iterator[Database]:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    database = Database(database_url, pool_size=1)
    yield database
    database.dispose()


def kill_pooled_connection(db: Database) -> None:
    """End the server process behind the one pooled connection, as a restart would."""
    with db.read() as s:
        pid = s.scalar(text("SELECT pg_backend_pid()"))
    killer = create_engine(db.url, poolclass=None)
    with killer.begin() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()


def tickets_count(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count(Ticket.id))) or 0)


def create(db: Database, clock) -> Ticket:
    data = TicketCreate.model_validate(ticket_payload())
    ticket, _ = tickets.create_ticket(db, actor=ACTOR, now=clock.now(), data=data)
    return ticket


def test_an_idle_connection_is_pinged_and_replaced(pg, clock, monkeypatch):
    monkeypatch.setattr(storage_engine, "PING_AFTER_IDLE_SECONDS", 0.0)
    kill_pooled_connection(pg)
    with pg.read() as s:  # without the ping, this would fail
        assert s.scalar(text("SELECT 1")) == 1


def test_under_load_the_intake_runs_again_on_a_fresh_connection(pg, clock, monkeypatch):
    monkeypatch.setattr(storage_engine, "PING_AFTER_IDLE_SECONDS", 3600.0)
    issued = accounts.create_token(pg, actor=ACTOR, now=clock.now(), name="t", role=Role.AGENT)
    kill_pooled_connection(pg)
    assert accounts.authenticate_token(pg, issued.token).token_id == issued.id
    kill_pooled_connection(pg)
    ticket = create(pg, clock)
    assert ticket.id is not None
    assert tickets_count(pg) == 1
