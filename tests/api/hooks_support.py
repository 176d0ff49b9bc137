"""Helpers shared by the webhook tests: row counts of everything a delivery may write."""

from __future__ import annotations

from sqlalchemy import func, select

from careloop.storage.audit import AuditEntry
from careloop.storage.engine import Database
from careloop.storage.requests import IdempotencyRecord, WebhookReceipt
from careloop.tickets.commerce_tables import (
    Customer,
    LineItem,
    Order,
    Refund,
    Return,
    Shipment,
)
from careloop.tickets.tables import Message, Ticket, TicketTag

TABLES = [
    Order,
    LineItem,
    Shipment,
    Refund,
    Return,
    Customer,
    Ticket,
    Message,
    TicketTag,
    WebhookReceipt,
    IdempotencyRecord,
    AuditEntry,
]


def counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {
            t.__tablename__: int(s.scalar(select(func.count()).select_from(t)) or 0) for t in TABLES
        }


def tickets(db: Database) -> list[Ticket]:
    with db.read() as s:
        return list(s.scalars(select(Ticket).order_by(Ticket.id)))


def messages(db: Database, ticket_id: int) -> list[Message]:
    with db.read() as s:
        return list(s.scalars(select(Message).where(Message.ticket_id == ticket_id)))
