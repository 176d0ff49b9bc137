"""Read side of tickets: the filtered list with cursor pagination, one ticket with its context."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, exists, func, or_, select
from sqlalchemy.orm import Session

from careloop.storage.audit import AuditEntry
from careloop.storage.engine import Database
from careloop.storage.paging import newest_first
from careloop.tickets.actions import ticket_in
from careloop.tickets.commerce_tables import Brand, Customer, Order
from careloop.tickets.model import OPEN_STATUSES, Category, Channel, Priority, Status
from careloop.tickets.tables import Message, SavedView, Ticket, TicketTag


@dataclass(frozen=True)
class TicketFilter:
    """What a ticket list may be narrowed by; every field is optional."""

    status: Sequence[Status] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    brand: str | None = None
    category: Category | None = None
    channel: Channel | None = None
    priority: Priority | None = None
    country: str | None = None
    language: str | None = None
    tag: str | None = None
    customer_id: int | None = None
    order_id: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _filtered(stmt: Select[Any], f: TicketFilter) -> Select[Any]:
    if f.status:
        stmt = stmt.where(Ticket.status.in_(list(f.status)))
    if f.unassigned:
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    elif f.assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == f.assignee_id)
    if f.brand is not None:
        stmt = stmt.where(
            Ticket.brand_id == select(Brand.id).where(Brand.code == f.brand).scalar_subquery()
        )
    for column, value in (
        (Ticket.category, f.category),
        (Ticket.channel, f.channel),
        (Ticket.priority, f.priority),
        (Ticket.country, f.country),
        (Ticket.language, f.language),
        (Ticket.customer_id, f.customer_id),
        (Ticket.order_id, f.order_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if f.tag is not None:
        stmt = stmt.where(
            exists().where(TicketTag.ticket_id == Ticket.id).where(TicketTag.tag == f.tag)
        )
    if f.created_from is not None:
        stmt = stmt.where(Ticket.created_at >= f.created_from)
    if f.created_to is not None:
        stmt = stmt.where(Ticket.created_at < f.created_to)
    if f.q:
        pattern = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(Ticket.subject.ilike(pattern, escape="\\"), Ticket.body.ilike(pattern, escape="\\"))
        )
    return stmt


def list_tickets(
    db: Database, f: TicketFilter, *, limit: int = 50, cursor: str | None = None
) -> tuple[list[Ticket], str | None]:
    """Newest first; the cursor is the last id seen, so pages stay stable while tickets arrive."""
    return newest_first(db, _filtered(select(Ticket), f), Ticket.id, limit=limit, cursor=cursor)


def count_tickets(db: Database, f: TicketFilter) -> int:
    stmt = _filtered(select(Ticket), f).with_only_columns(func.count(Ticket.id))
    with db.read() as s:
        return int(s.scalar(stmt) or 0)


def get_ticket(db: Database, ticket_id: int) -> Ticket:
    with db.read() as s:
        return ticket_in(s, ticket_id)


@dataclass(frozen=True)
class TicketContext:
    """Everything the ticket page shows, read in a fixed handful of queries."""

    ticket: Ticket
    messages: list[Message]
    customer: Customer | None
    order: Order | None
    brand: Brand | None
    audit: list[AuditEntry]
    assignee_name: str | None


def ticket_context(db: Database, ticket_id: int) -> TicketContext:
    from careloop.accounts.tables import User

    with db.read() as s:
        ticket = ticket_in(s, ticket_id)
        return TicketContext(
            ticket=ticket,
            messages=list_messages_in(s, ticket_id),
            customer=s.get(Customer, ticket.customer_id) if ticket.customer_id else None,
            order=s.get(Order, ticket.order_id) if ticket.order_id else None,
            brand=s.get(Brand, ticket.brand_id) if ticket.brand_id else None,
            audit=_audit_in(s, ticket_id),
            assignee_name=s.scalar(select(User.name).where(User.id == ticket.assignee_id))
            if ticket.assignee_id
            else None,
        )


def list_messages_in(s: Session, ticket_id: int) -> list[Message]:
    return list(
        s.scalars(select(Message).where(Message.ticket_id == ticket_id).order_by(Message.id))
    )


def list_messages(db: Database, ticket_id: int) -> list[Message]:
    with db.read() as s:
        ticket_in(s, ticket_id)
        return list_messages_in(s, ticket_id)


def ticket_audit(db: Database, ticket_id: int) -> list[AuditEntry]:
    with db.read() as s:
        ticket_in(s, ticket_id)
        return _audit_in(s, ticket_id)


def _audit_in(s: Session, ticket_id: int) -> list[AuditEntry]:
    return list(
        s.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "ticket")
            .where(AuditEntry.entity_id == ticket_id)
            .order_by(AuditEntry.id)
        )
    )


def saved_views_for(db: Database, user_id: int) -> list[SavedView]:
    with db.read() as s:
        return list(
            s.scalars(
                select(SavedView)
                .where(SavedView.entity == "inbox")  # grid views live on /views
                .where(or_(SavedView.owner_id == user_id, SavedView.shared.is_(True)))
                .order_by(SavedView.name)
            )
        )


def customer_names(db: Database, customer_ids: Sequence[int | None]) -> dict[int, str]:
    """Display names (name, else e-mail) of the given customers in one query, for list pages."""
    ids = sorted({i for i in customer_ids if i is not None})
    if not ids:
        return {}
    with db.read() as s:
        rows = s.execute(
            select(Customer.id, Customer.name, Customer.email).where(Customer.id.in_(ids))
        ).all()
    return {row.id: row.name or row.email or f"#{row.id}" for row in rows}


def open_tickets_by_assignee(s: Session, assignee_ids: Sequence[int]) -> dict[int, int]:
    """How many open tickets each of these assignees holds (their load), in one GROUP BY."""
    if not assignee_ids:
        return {}
    rows = s.execute(
        select(Ticket.assignee_id, func.count())
        .where(Ticket.assignee_id.in_(list(assignee_ids)), Ticket.status.in_(OPEN_STATUSES))
        .group_by(Ticket.assignee_id)
    )
    return {assignee: count for assignee, count in rows if assignee is not None}


ARRIVAL_GROUPS = {
    "language": Ticket.language,
    "category": Ticket.category,
    "channel": Ticket.channel,
}


def arrivals_per_interval(
    db: Database, *, since: datetime, until: datetime, seconds: int, group_by: Sequence[str]
) -> list[tuple[int, tuple[str | None, ...], int]]:
    """Tickets created in [since, until) per interval (its index from `since`, `seconds` long)
    and per group of `group_by` (language, category, channel), in one GROUP BY."""
    start = int(since.timestamp())
    if db.is_postgres:
        offset = func.extract("epoch", Ticket.created_at) - start
        bucket = func.cast(func.floor(offset / seconds), Integer).label("bucket")
    else:
        # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' and strftime rounds the fraction, so it is
        # cut first; whole seconds are integers, and their division truncates (offset >= 0).
        second = func.substr(Ticket.created_at, 1, 19)
        offset = func.cast(func.strftime("%s", second), Integer) - start
        bucket = (offset // seconds).label("bucket")
    dims = [ARRIVAL_GROUPS[g] for g in group_by]
    stmt = (
        select(bucket, *dims, func.count())
        .where(Ticket.created_at >= since, Ticket.created_at < until)
        .group_by(bucket, *dims)
    )
    with db.read() as s:
        rows = s.execute(stmt).all()
    return [
        (
            int(row[0]),
            tuple(None if v is None else str(getattr(v, "value", v)) for v in row[1:-1]),
            int(row[-1]),
        )
        for row in rows
    ]
