"""`careloop demo --scale large`: a year of orders and tickets with seasonality and two planted
problems a plain GROUP BY reveals, the same for a seed and a `now`, into empty databases only.
Small counts keep it to seconds; the full size is measured by running the command."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from statistics import median

import pytest
from sqlalchemy import and_, case, delete, func, select, text
from typer.testing import CliRunner

from careloop.cli import app as cli
from careloop.demo.calendar import batch_code
from careloop.demo.large import load_large_demo
from careloop.demo.large_orders import (
    FAILURE_DAYS,
    FAILURE_STARTS_AGO,
    PLANTED_BATCH_AGE,
    PLANTED_CARRIER,
    PLANTED_COUNTRY,
    PLANTED_REGION,
    PLANTED_SKU,
)
from careloop.errors import Conflict, Invalid
from careloop.insights.queries import parse_query, run_query
from careloop.insights.refresh import pending_marks
from careloop.storage.audit import AuditEntry
from careloop.storage.base import Base
from careloop.storage.engine import Database
from careloop.tickets.commerce_queries import count_rows
from careloop.tickets.commerce_tables import Customer, LineItem, Order, Return, Shipment
from careloop.tickets.tables import Message, Ticket

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)  # Black Friday 2025 is three days into the year
SIZE = {"orders": 20_000, "tickets": 6_000}


def _empty(db: Database) -> None:
    tables = [t.name for t in Base.metadata.sorted_tables if t.name != "alembic_version"]
    with db.write() as s:
        if db.is_postgres:
            s.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                s.execute(delete(table))


def test_a_year_of_orders_and_tickets_with_seasonality_and_planted_problems(db: Database) -> None:
    report = load_large_demo(db, seed=3, now=NOW, **SIZE)

    assert count_rows(db) == {"orders": 20_000, "tickets": 6_000}
    assert report.counts["orders"] == 20_000 and report.counts["tickets"] == 6_000
    with db.read() as s:
        customers = s.scalar(select(func.count()).select_from(Customer)) or 0
        assert 1.4 <= 20_000 / customers <= 1.9
        per_order = Counter(s.scalars(select(LineItem.order_id)))
        assert len(per_order) == 20_000 and set(per_order.values()) <= {1, 2, 3}
        assert (s.scalar(select(func.count(func.distinct(Shipment.order_id)))) or 0) == 20_000
        assert s.scalar(select(func.count()).select_from(Shipment)) == 20_000
        batches = set(s.scalars(select(LineItem.batch).distinct()))
        assert all(b and re.fullmatch(r"B\d{4}-0[1-4]", b) for b in batches)
        assert not s.scalar(select(func.count()).select_from(Order).where(Order.region.is_(None)))
        placed = list(s.scalars(select(Order.placed_at)))
        tickets = s.scalars(select(Ticket)).all()
        messages = Counter(
            (m.ticket_id, m.kind.value, m.created_at) for m in s.scalars(select(Message)).all()
        )
        audited = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity_type == "ticket", AuditEntry.action == "created")
        )
        late_returns = s.scalar(
            select(func.count())
            .select_from(Return)
            .join(Shipment, Shipment.order_id == Return.order_id)
            .where((Shipment.delivered_at.is_(None)) | (Return.created_at <= Shipment.delivered_at))
        )
    assert audited == 6_000 and late_returns == 0
    assert min(placed) >= NOW - timedelta(days=365) and max(placed) <= NOW

    # Times follow the life cycle and none is in the future.
    by_status = Counter(t.status.value for t in tickets)
    assert {"closed", "solved", "pending"} <= set(by_status)
    for t in tickets:
        assert t.created_at <= t.updated_at <= NOW
        assert t.brand_id and t.country and t.language and t.category and t.channel
        assert (t.id, "customer", t.created_at) in messages
        if t.assignee_id is None:
            assert t.status.value == "new" and t.first_response_at is None
            continue
        assert t.first_assigned_at == t.assigned_at and t.created_at < t.assigned_at
        if t.first_response_at is not None:
            assert t.assigned_at < t.first_response_at <= t.updated_at
            assert (t.id, "reply", t.first_response_at) in messages
        if t.solved_at is not None:
            assert t.first_response_at is not None and t.first_response_at <= t.solved_at
        assert (t.closed_at is not None) == (t.status.value == "closed")
        if t.closed_at is not None:
            assert t.solved_at is not None and t.solved_at < t.closed_at
        if t.category.value in {"quality", "wrong_item", "size_color", "not_as_described"}:
            assert t.order_id and t.line_item_id and t.sku and t.batch

    # Seasonality: weekends busier than weekdays, Black Friday several ordinary days.
    per_day = Counter(p.date() for p in placed)
    days = [NOW.date() - timedelta(days=d) for d in range(1, 364)]
    weekend = sum(per_day[d] for d in days if d.weekday() >= 5) / sum(
        d.weekday() >= 5 for d in days
    )
    weekday = sum(per_day[d] for d in days if d.weekday() < 5) / sum(d.weekday() < 5 for d in days)
    assert 1.08 < weekend / weekday < 1.3
    ordinary = median(per_day[d] for d in days)
    assert per_day[date(2025, 11, 28)] > 3.5 * ordinary
    assert per_day[date(2025, 12, 1)] > 2.5 * ordinary  # Cyber Monday
    second_month = sum(per_day[d] for d in days[-60:-30])  # the first holds Black Friday
    last_month = sum(per_day[d] for d in days[:30])
    assert last_month > 1.15 * second_month  # a slow growth

    _planted_batch_draws_three_times_the_quality_complaints(db)
    _failing_carrier_stands_out_in_its_region_and_fortnight(db)
    summary = report.summary()
    assert "planted problems" in summary and PLANTED_SKU in summary
    assert PLANTED_CARRIER in summary and PLANTED_REGION in summary


def _planted_batch_draws_three_times_the_quality_complaints(db: Database) -> None:
    """Quality complaints per delivered unit, by batch of the planted SKU: one plain GROUP BY
    over each side."""
    planted = batch_code(PLANTED_SKU, NOW - PLANTED_BATCH_AGE)
    with db.read() as s:
        units = dict(
            s.execute(
                select(LineItem.batch, func.sum(LineItem.quantity))
                .join(Shipment, Shipment.order_id == LineItem.order_id)
                .where(LineItem.sku == PLANTED_SKU, Shipment.status == "delivered")
                .group_by(LineItem.batch)
            ).all()
        )
        complaints = dict(
            s.execute(
                select(Ticket.batch, func.count())
                .where(Ticket.sku == PLANTED_SKU, Ticket.category == "quality")
                .group_by(Ticket.batch)
            ).all()
        )
    others = [b for b in units if b != planted]
    rate = complaints.get(planted, 0) / units[planted]
    usual = sum(complaints.get(b, 0) for b in others) / sum(units[b] for b in others)
    assert units[planted] >= 40 and len(others) > 30
    assert 2.2 < rate / usual < 4.2, (rate, usual)
    worst = max(units, key=lambda b: complaints.get(b, 0) / units[b] if units[b] >= 20 else 0)
    assert worst == planted


def _failing_carrier_stands_out_in_its_region_and_fortnight(db: Database) -> None:
    start = NOW - FAILURE_STARTS_AGO
    end = start + timedelta(days=FAILURE_DAYS)
    failing = and_(
        Shipment.carrier == PLANTED_CARRIER,
        Shipment.destination_country == PLANTED_COUNTRY,
        Shipment.destination_region == PLANTED_REGION,
        Shipment.shipped_at >= start,
        Shipment.shipped_at < end,
    )
    group = case((failing, "failing"), else_="elsewhere")
    complained = (
        select(Ticket.order_id)
        .where(Ticket.category == "logistics", Ticket.order_id.is_not(None))
        .distinct()
        .subquery()
    )
    with db.read() as s:
        rows = s.execute(
            select(
                group,
                func.count(),
                func.sum(case((Shipment.status == "exception", 1), else_=0)),
                func.count(complained.c.order_id),
            )
            .select_from(Shipment)
            .outerjoin(complained, complained.c.order_id == Shipment.order_id)
            .where(Shipment.shipped_at.is_not(None))
            .group_by(group)
        ).all()
    stats = {name: (n, exceptions / n, asked / n) for name, n, exceptions, asked in rows}
    n, exception_rate, complaint_rate = stats["failing"]
    assert n >= 8 and exception_rate > 0.4 and complaint_rate > 0.7
    assert stats["elsewhere"][1] < 0.05 and stats["elsewhere"][2] < 0.4


def _contents(db: Database) -> dict[str, list[object]]:
    with db.read() as s:
        return {
            "tickets": [
                tuple(r)
                for r in s.execute(
                    select(
                        Ticket.subject, Ticket.created_at, Ticket.status, Ticket.order_id
                    ).order_by(Ticket.id)
                )
            ],
            "orders": [
                tuple(r)
                for r in s.execute(
                    select(Order.number, Order.placed_at, Order.total_amount).order_by(Order.id)
                )
            ],
            "lines": [
                tuple(r)
                for r in s.execute(select(LineItem.sku, LineItem.batch).order_by(LineItem.id))
            ],
            "emails": list(s.scalars(select(Customer.email).order_by(Customer.id))),
        }


def test_same_seed_same_data_another_seed_another(db: Database) -> None:
    small = {"orders": 3_000, "tickets": 900, "now": NOW}
    load_large_demo(db, seed=5, **small)
    first = _contents(db)
    _empty(db)
    load_large_demo(db, seed=5, **small)
    assert _contents(db) == first
    _empty(db)
    load_large_demo(db, seed=6, **small)
    other = _contents(db)
    assert other["tickets"] != first["tickets"] and other["lines"] != first["lines"]


def test_refuses_bad_counts_and_a_database_with_orders_or_tickets(db: Database) -> None:
    for counts in ({"orders": 0, "tickets": 0}, {"orders": 100, "tickets": 101}):
        with pytest.raises(Invalid):
            load_large_demo(db, now=NOW, **counts)
    assert count_rows(db) == {"orders": 0, "tickets": 0}
    load_large_demo(db, seed=1, orders=500, tickets=100, now=NOW)
    with pytest.raises(Conflict):
        load_large_demo(db, seed=1, orders=500, tickets=100, now=NOW)
    assert count_rows(db) == {"orders": 500, "tickets": 100}


def test_cli_large_scale_with_a_progress_bar_and_refusals(db: Database, database_url: str) -> None:
    runner = CliRunner()
    args = ["demo", "--database-url", database_url, "--scale", "large"]

    wrong = runner.invoke(cli, ["demo", "--database-url", database_url, "--scale", "huge"])
    assert wrong.exit_code == 2 and "small or large" in wrong.output
    negative = runner.invoke(cli, [*args, "--orders", "0"])
    assert negative.exit_code == 2 and "orders" in negative.output
    assert count_rows(db) == {"orders": 0, "tickets": 0}

    loaded = runner.invoke(cli, [*args, "--orders", "2000", "--tickets", "600", "--seed", "4"])
    assert loaded.exit_code == 0, loaded.output
    assert count_rows(db) == {"orders": 2_000, "tickets": 600}
    assert "orders, lines, shipments" in loaded.stderr and "2000/2000" in loaded.stderr
    assert "tickets, messages" in loaded.stderr and "600/600" in loaded.stderr
    assert "planted problems" in loaded.stdout and "Black Friday" in loaded.stdout
    assert "orders, lines" not in loaded.stdout
    # The dashboards are ready: the rollups were rebuilt, nothing is left for the refresh job.
    assert "insights rollups rebuilt" in loaded.stdout
    assert pending_marks(db) == 0
    year = parse_query(
        "complaints", start=datetime(2025, 1, 1, tzinfo=UTC), end=datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert run_query(db, year, now=datetime(2030, 1, 1, tzinfo=UTC))["total"] == 600

    again = runner.invoke(cli, [*args, "--orders", "2000", "--tickets", "600"])
    assert again.exit_code == 2 and "empty database" in again.output
    assert count_rows(db) == {"orders": 2_000, "tickets": 600}
