"""Tracing for root-cause work. Back: from a complaint ticket to its order, line item, SKU and
batch, and the other complaints on that batch. Forward: from a suspect SKU and batch to every
order delivered with it and the customer who received it (e-mail, country, language), for
proactive contact; paged by order and exportable whole as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select

from careloop.alerts.capa_tables import CapaLink
from careloop.errors import Invalid, NotFound
from careloop.storage.engine import Database
from careloop.tickets.commerce_tables import Customer, LineItem, Order, Shipment
from careloop.tickets.tables import Ticket

OTHER_COMPLAINTS = 50
CSV_ROWS_PER_CHUNK = 500
MAX_PAGE = 500


@dataclass(frozen=True)
class TraceBack:
    ticket_id: int
    order_id: int | None
    order_number: str | None
    line_item_id: int | None
    sku: str | None
    batch: str | None
    customer_id: int | None
    complaints_on_batch: int
    other_complaints: list[dict[str, Any]]
    capa_task_ids: list[int]


def _on_batch(sku: str, batch: str) -> ColumnElement[bool]:
    """A ticket about this SKU and batch: said on the ticket, or through its line item."""
    item = select(LineItem.id).where(LineItem.sku == sku, LineItem.batch == batch)
    return or_(
        and_(Ticket.sku == sku, Ticket.batch == batch),
        Ticket.line_item_id.in_(item.scalar_subquery()),
    )


def trace_back(db: Database, ticket_id: int) -> TraceBack:
    """The ticket's order and line item (its own, else the order's only line of the ticket's
    SKU), the SKU and batch (the ticket's, else the line item's), the other complaints on that
    batch, newest first, and the root-cause tasks the ticket is linked to."""
    with db.read() as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(f"no ticket {ticket_id}", {"ticket_id": ticket_id})
        order = s.get(Order, ticket.order_id) if ticket.order_id else None
        item = s.get(LineItem, ticket.line_item_id) if ticket.line_item_id else None
        if item is None and order is not None:
            lines = [li for li in order.line_items if ticket.sku is None or li.sku == ticket.sku]
            item = lines[0] if len(lines) == 1 else None
        sku = ticket.sku or (item.sku if item else None)
        batch = ticket.batch or (item.batch if item else None)
        count, others = 0, []
        if sku and batch:
            same = _on_batch(sku, batch)
            count = s.scalar(select(func.count()).select_from(Ticket).where(same)) or 0
            others = [
                {
                    "id": r[0],
                    "subject": r[1],
                    "status": r[2].value,
                    "created_at": r[4],
                    "category": r[3].value if r[3] else None,
                }
                for r in s.execute(
                    select(
                        Ticket.id, Ticket.subject, Ticket.status, Ticket.category, Ticket.created_at
                    )
                    .where(same, Ticket.id != ticket_id)
                    .order_by(Ticket.id.desc())
                    .limit(OTHER_COMPLAINTS)
                )
            ]
        tasks = list(
            s.scalars(
                select(CapaLink.task_id)
                .where(CapaLink.ticket_id == ticket_id)
                .order_by(CapaLink.task_id)
            )
        )
        return TraceBack(
            ticket_id=ticket_id,
            order_id=order.id if order else None,
            order_number=order.number if order else None,
            line_item_id=item.id if item else None,
            sku=sku,
            batch=batch,
            customer_id=ticket.customer_id or (order.customer_id if order else None),
            complaints_on_batch=count,
            other_complaints=others,
            capa_task_ids=tasks,
        )


@dataclass(frozen=True)
class Receiver:
    order_id: int
    order_number: str
    placed_at: datetime
    delivered_at: datetime | None
    units: int
    amount: Decimal
    currency: str
    customer_id: int | None
    name: str | None
    email: str | None
    country: str | None
    language: str | None


def _check(sku: str, batch: str) -> tuple[str, str]:
    sku, batch = sku.strip(), batch.strip()
    if not sku or len(sku) > 64 or "\x00" in sku:
        raise Invalid("give the SKU (1 to 64 characters)", {"field": "sku"})
    if not batch or len(batch) > 64 or "\x00" in batch:
        raise Invalid("give the batch (1 to 64 characters)", {"field": "batch"})
    return sku, batch


def _receivers(sku: str, batch: str) -> Select[*tuple[Any, ...]]:
    """One row per order holding the batch whose shipment was delivered: the units and amount of
    that batch in it, the first delivery, the customer (country: theirs, else the order's)."""
    delivered = (
        select(func.min(Shipment.delivered_at))
        .where(Shipment.order_id == Order.id, Shipment.delivered_at.is_not(None))
        .correlate(Order)
        .scalar_subquery()
    )
    return (
        select(
            Order.id,
            Order.number,
            Order.placed_at,
            delivered.label("delivered_at"),
            func.sum(LineItem.quantity),
            func.sum(LineItem.quantity * LineItem.unit_price),
            Order.currency,
            Customer.id,
            Customer.name,
            Customer.email,
            func.coalesce(Customer.country, Order.country),
            Customer.language,
        )
        .join(Order, Order.id == LineItem.order_id)
        .outerjoin(Customer, Customer.id == Order.customer_id)
        .where(
            LineItem.sku == sku,
            LineItem.batch == batch,
            exists().where(Shipment.order_id == Order.id, Shipment.delivered_at.is_not(None)),
        )
        .group_by(Order.id, Customer.id)
    )


def _receiver(r: Any) -> Receiver:
    return Receiver(
        order_id=r[0],
        order_number=r[1],
        placed_at=r[2],
        delivered_at=r[3],
        units=int(r[4]),
        amount=Decimal(r[5]).quantize(Decimal("0.01")),
        currency=r[6],
        customer_id=r[7],
        name=r[8],
        email=r[9],
        country=r[10],
        language=r[11],
    )


@dataclass(frozen=True)
class ForwardPage:
    sku: str
    batch: str
    orders: int
    customers: int
    units: int
    items: list[Receiver]
    next_cursor: int | None  # the last order id of this page


def trace_forward(
    db: Database, sku: str, batch: str, *, limit: int = 100, after: int | None = None
) -> ForwardPage:
    """A page of the receivers by order id, and the totals (orders, distinct customers, units)."""
    sku, batch = _check(sku, batch)
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"limit is between 1 and {MAX_PAGE}", {"field": "limit"})
    stmt = _receivers(sku, batch)
    if after is not None:
        stmt = stmt.where(Order.id > after)
    totals = _receivers(sku, batch).subquery()
    with db.read() as s:
        rows = s.execute(stmt.order_by(Order.id).limit(limit + 1)).all()
        orders, units = s.execute(
            select(func.count(), func.coalesce(func.sum(totals.c[4]), 0))
        ).one()
        customers = s.scalar(select(func.count(func.distinct(totals.c[7])))) or 0
    items = [_receiver(r) for r in rows[:limit]]
    more = len(rows) > limit
    return ForwardPage(
        sku, batch, orders, customers, int(units), items, items[-1].order_id if more else None
    )


CSV_HEADER = (
    "order_id",
    "order_number",
    "placed_at",
    "delivered_at",
    "units",
    "amount",
    "currency",
    "customer_id",
    "name",
    "email",
    "country",
    "language",
)


def csv_chunks(db: Database, sku: str, batch: str) -> Iterator[bytes]:
    """Every receiver as CSV (instants in UTC, ISO 8601), read and sent in chunks of orders."""
    sku, batch = _check(sku, batch)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    after: int | None = None
    while True:
        stmt = _receivers(sku, batch)
        if after is not None:
            stmt = stmt.where(Order.id > after)
        with db.read() as s:
            rows = [
                _receiver(r) for r in s.execute(stmt.order_by(Order.id).limit(CSV_ROWS_PER_CHUNK))
            ]
        for r in rows:
            writer.writerow(
                [
                    r.order_id,
                    r.order_number,
                    r.placed_at.isoformat(),
                    r.delivered_at.isoformat() if r.delivered_at else "",
                    r.units,
                    r.amount,
                    r.currency,
                    r.customer_id or "",
                    r.name or "",
                    r.email or "",
                    r.country or "",
                    r.language or "",
                ]
            )
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < CSV_ROWS_PER_CHUNK:
            return
        after = rows[-1].order_id
