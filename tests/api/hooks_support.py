"""Helpers shared by the webhook tests: the test shop's domain and secret, row counts of
everything a delivery may write, and what the deliveries wrote (the brand, shop and `deliver`
fixtures are in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
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
from tests.shopify_payloads import ORDER_ID

DOMAIN = "silk-crown.myshopify.com"
SECRET = "shpss_0123456789abcdef0123456789abcdef"

Post = Callable[..., httpx.Response]

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


def the_order(db: Database) -> Order:
    with db.read() as s:
        order = s.scalar(select(Order).where(Order.external_id == str(ORDER_ID)))
        assert order is not None
        return order
