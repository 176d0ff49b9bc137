"""Writing the planned demo into the database in bulk: a few multi-row INSERTs per table
inside the caller's transaction, with an audit row (actor "demo") for everything created.

The demo writes rows directly instead of calling one action per row: loading thousands of
orders and tickets through single-row actions would take minutes. The rows it writes are
the ones those actions would write, audit trail included.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from careloop.demo.catalog import BRANDS
from careloop.demo.orders import CustomerPlan, OrderPlan
from careloop.demo.tickets import TicketPlan
from careloop.storage.audit import AuditEntry
from careloop.storage.base import Base, json_safe
from careloop.tickets.commerce_tables import (
    Brand,
    Customer,
    CustomerExternalId,
    LineItem,
    Order,
    Refund,
    Return,
    Shipment,
    Shop,
)
from careloop.tickets.model import MessageKind
from careloop.tickets.tables import Message, Ticket, TicketTag

ACTOR = "demo"


def _insert_ids(s: Session, table: type[Base], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert rows and return their new ids in the order given."""
    if not rows:
        return []
    stmt = insert(table).returning(table.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
    return list(s.scalars(stmt, list(rows)))


def _insert(s: Session, table: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        s.execute(insert(table), list(rows))


def _audit(
    at: datetime, entity: str, entity_id: int, action: str, changes: dict[str, tuple[Any, Any]]
) -> dict[str, Any]:
    return {
        "at": at,
        "actor_id": None,
        "actor_label": ACTOR,
        "entity_type": entity,
        "entity_id": entity_id,
        "action": action,
        "changes": {
            k: {"before": json_safe(b), "after": json_safe(a)} for k, (b, a) in changes.items()
        },
    }


def write_brands(s: Session, now: datetime) -> dict[str, int]:
    """The three brands and the two shops; brands that exist already are reused."""
    ids: dict[str, int] = {}
    audits = []
    for brand in BRANDS:
        found = s.scalar(select(Brand.id).where(Brand.code == brand.code))
        if found is None:
            row = {"code": brand.code, "name": brand.name, "is_b2b": brand.is_b2b}
            found = _insert_ids(s, Brand, [row | {"created_at": now}])[0]
            audits.append(
                _audit(now, "brand", found, "created", {k: (None, v) for k, v in row.items()})
            )
        ids[brand.code] = found
        domain = brand.shop_domain
        if domain and s.scalar(select(Shop.id).where(Shop.domain == domain)) is None:
            # Webhook secrets are real secrets: random, never derived from the seed.
            shop = {"brand_id": found, "platform": "shopify", "domain": domain}
            secret = secrets.token_urlsafe(24)
            shop_id = _insert_ids(s, Shop, [shop | {"webhook_secret": secret, "created_at": now}])
            audits.append(_audit(now, "shop", shop_id[0], "created", {"domain": (None, domain)}))
    _insert(s, AuditEntry, audits)
    return ids


def write_commerce(
    s: Session, brand_ids: dict[str, int], customers: list[CustomerPlan], orders: list[OrderPlan]
) -> dict[str, int]:
    """Customers, orders and everything on them; returns how many rows of each."""
    customers = sorted(customers, key=lambda c: (c.created_at, c.key))
    customer_rows = [
        {
            "email": c.email,
            "name": c.name,
            "phone": c.phone,
            "country": c.country,
            "language": c.language,
            "timezone": c.timezone,
            "created_at": c.created_at,
            "updated_at": c.created_at,
        }
        for c in customers
    ]
    customer_ids = _insert_ids(s, Customer, customer_rows)
    by_customer = {c.key: cid for c, cid in zip(customers, customer_ids, strict=True)}
    _insert(
        s,
        CustomerExternalId,
        [
            {"customer_id": cid, "source": c.source, "external_id": c.external_id}
            for c, cid in zip(customers, customer_ids, strict=True)
        ],
    )
    audits = [
        _audit(c.created_at, "customer", cid, "created", {"email": (None, c.email)})
        for c, cid in zip(customers, customer_ids, strict=True)
    ]
    ordered = sorted(orders, key=lambda o: (o.placed_at, o.key))
    order_ids = _insert_ids(
        s,
        Order,
        [
            {
                "source": "b2b-portal" if o.is_b2b else "shopify",
                "external_id": o.external_id,
                "number": o.number,
                "brand_id": brand_ids[o.brand.code],
                "customer_id": by_customer[o.customer.key],
                "currency": o.currency,
                "total_amount": o.total,
                "country": o.market.country,
                "region": o.customer.region,
                "financial_status": o.financial_status,
                "placed_at": o.placed_at,
                "updated_at": o.updated_at,
            }
            for o in ordered
        ],
    )
    order_id = {o.key: oid for o, oid in zip(ordered, order_ids, strict=True)}
    audits += [
        _audit(o.placed_at, "order", order_id[o.key], "created", {"number": (None, o.number)})
        for o in ordered
    ]
    lines = [(o, x) for o in ordered for x in o.lines]
    line_ids = _insert_ids(
        s,
        LineItem,
        [
            {
                "order_id": order_id[o.key],
                "external_id": x.external_id,
                "sku": x.product.sku,
                "title": x.product.title,
                "batch": x.batch,
                "quantity": x.quantity,
                "unit_price": x.unit_price,
                "currency": o.currency,
            }
            for o, x in lines
        ],
    )
    line_id = {id(x): lid for (_, x), lid in zip(lines, line_ids, strict=True)}
    for _, x in lines:
        x.db_id = line_id[id(x)]
    _insert(s, Shipment, [_shipment_row(o, order_id[o.key]) for o in ordered])
    refunds = [
        {
            "order_id": order_id[o.key],
            "external_id": r.external_id,
            "reason": r.reason,
            "amount": r.amount,
            "currency": o.currency,
            "created_at": r.created_at,
        }
        for o in ordered
        for r in o.refunds
    ]
    _insert(s, Refund, refunds)
    returns = [
        {
            "order_id": order_id[o.key],
            "external_id": r.external_id,
            "line_item_id": line_id[id(r.line)],
            "quantity": 1,
            "reason": r.reason,
            "note": r.note,
            "status": r.status,
            "created_at": r.created_at,
        }
        for o in ordered
        for r in o.returns
    ]
    _insert(s, Return, returns)
    _insert(s, AuditEntry, audits)
    for o in ordered:
        o.db_id = order_id[o.key]
        o.customer.db_id = by_customer[o.customer.key]
    return {
        "customers": len(customer_rows),
        "orders": len(ordered),
        "line_items": len(lines),
        "shipments": len(ordered),
        "refunds": len(refunds),
        "returns": len(returns),
    }


def _shipment_row(o: OrderPlan, order_id: int) -> dict[str, Any]:
    ship = o.shipment
    return {
        "order_id": order_id,
        "external_id": f"F{o.external_id}",
        "carrier": ship.carrier,
        "tracking_number": ship.tracking,
        "destination_country": o.market.country,
        "destination_region": o.customer.region,
        "status": ship.status,
        "shipped_at": ship.shipped_at,
        "delivered_at": ship.delivered_at,
    }


def write_tickets(
    s: Session, brand_ids: dict[str, int], tickets: list[TicketPlan], agent_ids: dict[str, int]
) -> dict[str, int]:
    """Tickets (ids in the order they were created), their tags, messages and audit trail."""
    ordered = sorted(tickets, key=lambda t: (t.created_at, t.key))
    rows = []
    for t in ordered:
        story, order, line = t.story, t.order, t.line
        rows.append(
            {
                "subject": t.subject,
                "body": t.body,
                "channel": t.channel,
                "category": t.category,
                "priority": t.priority,
                "status": story.status,
                "language": t.language,
                "country": t.customer.country,
                "brand_id": brand_ids[t.brand_code],
                "customer_id": t.customer.db_id,
                "order_id": order.db_id if order else None,
                "line_item_id": line.db_id if line else None,
                "sku": line.product.sku if line else None,
                "batch": line.batch if line else None,
                "assignee_id": agent_ids[t.agent.name] if story.assigned else None,
                "source": "demo",
                "external_ref": None,
                "custom_fields": t.custom_fields,
                "created_at": t.created_at,
                "updated_at": story.updated_at,
                "first_response_at": story.first_response_at,
                "solved_at": story.solved_at,
                "closed_at": story.closed_at,
            }
        )
    ticket_ids = _insert_ids(s, Ticket, rows)
    _insert(
        s,
        TicketTag,
        [
            {"ticket_id": tid, "tag": tag}
            for t, tid in zip(ordered, ticket_ids, strict=True)
            for tag in t.tags
        ],
    )
    message_rows = []
    for t, tid in zip(ordered, ticket_ids, strict=True):
        agent_id = agent_ids[t.agent.name]
        for m in t.story.messages:
            message_rows.append(
                {
                    "ticket_id": tid,
                    "kind": m.kind,
                    "body": m.body,
                    "author_user_id": agent_id if m.by_agent else None,
                    "author_customer_id": None if m.by_agent else t.customer.db_id,
                    "author_label": t.agent.name if m.by_agent else t.customer.name,
                    "created_at": m.at,
                }
            )
    message_ids = iter(_insert_ids(s, Message, message_rows))
    audits = []
    for t, tid, row in zip(ordered, ticket_ids, rows, strict=True):
        ids = [next(message_ids) for _ in t.story.messages]
        for step in t.story.audits:
            changes = dict(step.changes)
            if step.action == "created":
                changes = {
                    k: (None, row[k])
                    for k in ("status", "channel", "category", "priority", "language", "country")
                } | {
                    "brand_id": (None, row["brand_id"]),
                    "customer_id": (None, row["customer_id"]),
                    "order_id": (None, row["order_id"]),
                    "tags": (None, t.tags),
                    "source": (None, "demo"),
                }
                changes["status"] = (None, "new")
            if "assignee_id" in changes:
                changes["assignee_id"] = (None, row["assignee_id"])
            if step.message is not None and step.action != "created":
                changes["message_id"] = (None, ids[step.message])
            audits.append(_audit(step.at, "ticket", tid, step.action, changes))
    _insert(s, AuditEntry, audits)
    return {
        "tickets": len(rows),
        "messages": len(message_rows),
        "notes": sum(1 for m in message_rows if m["kind"] == MessageKind.NOTE),
        "ticket_audit_entries": len(audits),
    }
