"""`careloop demo`: a believable brand, the same for a seed, loaded into empty databases only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, text
from typer.testing import CliRunner

from careloop.accounts.actions import authenticate_password
from careloop.accounts.model import Role
from careloop.accounts.tables import User
from careloop.cli import app as cli
from careloop.demo.generate import load_demo
from careloop.demo.people import STAFF
from careloop.storage.audit import AuditEntry
from careloop.storage.base import Base
from careloop.storage.engine import Database
from careloop.tickets.commerce_queries import count_rows
from careloop.tickets.commerce_tables import Brand, Customer, LineItem, Order, Refund, Shipment
from careloop.tickets.model import MessageKind, Status
from careloop.tickets.tables import Message, Ticket, TicketTag

MARKETS = {"US", "CA", "GB", "FR", "DE", "NG", "ZA", "KE"}
CURRENCIES = {"US": "USD", "CA": "CAD", "GB": "GBP", "FR": "EUR", "DE": "EUR", "NG": "NGN"}
SMALL = {"orders": 300, "tickets": 60}


def _empty(db: Database) -> None:
    """Back to a freshly migrated, empty database (ids start at 1 again)."""
    tables = [t.name for t in Base.metadata.sorted_tables if t.name != "alembic_version"]
    with db.write() as s:
        if db.is_postgres:
            names = ", ".join(f'"{name}"' for name in tables)
            s.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                s.execute(delete(table))


def _contents(db: Database) -> dict[str, list[str]]:
    with db.read() as s:
        return {
            "subjects": list(s.scalars(select(Ticket.subject).order_by(Ticket.id))),
            "skus": list(s.scalars(select(LineItem.sku).order_by(LineItem.id))),
            "emails": list(s.scalars(select(Customer.email).order_by(Customer.id))),
            "numbers": list(s.scalars(select(Order.number).order_by(Order.id))),
        }


def test_demo_fills_a_believable_brand(db: Database) -> None:
    report = load_demo(db, seed=11, **SMALL)

    assert report.counts["orders"] == 300 and report.counts["tickets"] == 60
    with db.read() as s:
        brands = s.scalars(select(Brand)).all()
        assert len(brands) == 3 and [b.is_b2b for b in brands].count(True) == 1
        by_country = dict(
            s.execute(select(Order.country, func.min(Order.currency)).group_by(Order.country)).all()
        )
        assert set(by_country) == MARKETS
        assert {c: by_country[c] for c in CURRENCIES} == CURRENCIES
        assert (
            s.scalar(select(func.count()).select_from(LineItem).where(LineItem.batch.is_(None)))
            == 0
        )
        assert s.scalar(select(func.count()).select_from(Shipment)) == 300
        assert len(set(s.scalars(select(Shipment.carrier)))) >= 8
        assert s.scalar(select(func.count()).select_from(Refund)) > 0
        languages = set(s.scalars(select(Ticket.language)))
        assert {"en", "fr", "de"} <= languages and len(languages) >= 4
        assert len(set(s.scalars(select(Ticket.category)))) == 7
        assert s.scalar(select(func.count()).select_from(TicketTag)) >= 60
        tickets = s.scalars(select(Ticket)).all()
        kinds = set(s.scalars(select(Message.kind)))
        created = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity_type == "ticket", AuditEntry.action == "created")
            .where(AuditEntry.actor_label == "demo")
        )
    assert kinds == {MessageKind.CUSTOMER, MessageKind.REPLY, MessageKind.NOTE}
    assert created == 60
    statuses = {t.status for t in tickets}
    assert {Status.CLOSED, Status.SOLVED} <= statuses and len(statuses) >= 3
    for t in tickets:
        # The life cycle's instants are consistent with the status, and never in the future.
        assert t.created_at <= t.updated_at <= report.now
        assert (t.status == Status.NEW) == (t.assignee_id is None)
        if t.first_response_at is not None:
            assert t.created_at < t.first_response_at <= t.updated_at
        if t.status in (Status.SOLVED, Status.CLOSED):
            assert t.first_response_at is not None and t.solved_at is not None
            assert t.solved_at >= t.first_response_at
        else:
            assert t.solved_at is None
        assert (t.closed_at is not None) == (t.status == Status.CLOSED)
    summary = report.summary()
    assert "planted problems" in summary


def test_one_user_per_role_signs_in_with_the_printed_password(db: Database) -> None:
    report = load_demo(db, seed=3, orders=40, tickets=10)

    assert {u.role for u in report.users} == set(Role)
    assert sum(u.role == Role.AGENT for u in report.users) >= 6
    assert len({u.timezone for u in report.users}) >= 6
    summary = report.summary()
    for user in report.users:
        assert user.password is not None
        assert user.email in summary and user.password in summary
        assert authenticate_password(db, user.email, user.password).role == user.role


def test_same_seed_same_brand_other_seed_another(db: Database) -> None:
    now = datetime.now(UTC)
    report = load_demo(db, seed=5, **SMALL, now=now)
    first = _contents(db)
    _empty(db)
    again = load_demo(db, seed=5, **SMALL, now=now)
    assert _contents(db) == first
    assert again.users == report.users

    # Loaded on another weekday: the instants move, the contents stay.
    _empty(db)
    load_demo(db, seed=5, **SMALL, now=now + timedelta(days=3, hours=5))
    later = _contents(db)
    assert {k: sorted(v) for k, v in later.items()} == {k: sorted(v) for k, v in first.items()}

    _empty(db)
    another = load_demo(db, seed=6, **SMALL, now=now)
    other = _contents(db)
    assert other["subjects"] != first["subjects"]
    assert other["skus"] != first["skus"]
    assert set(other["emails"]) != set(first["emails"])
    assert [u.password for u in another.users] != [u.password for u in report.users]


def test_cli_loads_once_and_if_empty_leaves_a_filled_database_alone(
    db: Database, database_url: str
) -> None:
    runner = CliRunner()
    args = ["demo", "--database-url", database_url, "--orders", "30", "--tickets", "8"]

    loaded = runner.invoke(cli, [*args, "--seed", "2"])
    assert loaded.exit_code == 0, loaded.output
    assert "admin" in loaded.output and "@lumahair.example" in loaded.output
    before = count_rows(db)
    assert before == {"tickets": 8, "orders": 30}

    again = runner.invoke(cli, [*args, "--if-empty"])
    assert again.exit_code == 0, again.output
    assert "demo not loaded" in again.output
    assert count_rows(db) == before
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(User)) == len(STAFF)

    refused = runner.invoke(cli, args)
    assert refused.exit_code != 0
    assert count_rows(db) == before
