"""Writing the large demo a chunk at a time, below the ORM: rows as tuples, sent with the
driver's executemany on SQLite and COPY on PostgreSQL, inside the caller's transaction.

Ids are given here rather than read back: on SQLite the chunk's transaction holds the write
lock, so the next ids are max(id) + 1 onwards; on PostgreSQL they are taken from each table's
own sequence (`nextval` once per row, in one statement), so concurrent writers never collide.
Instants go in as the text each backend stores (large_calendar.Stamps)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from careloop.demo.large_calendar import Stamps
from careloop.demo.large_orders import Customer, Order
from careloop.demo.large_tickets import TicketPlan
from careloop.demo.people import ascii_slug

ACTOR = "demo"
_DOMAINS = ("example.com", "example.net", "example.org")


def iso(seconds: float) -> str:
    """An instant as the audit trail writes it (storage.base.json_safe)."""
    return datetime.fromtimestamp(seconds, UTC).isoformat()


class Writer:
    """Ids and rows for one transaction (`session` is a db.write() session)."""

    def __init__(self, session: Session, postgres: bool) -> None:
        self.session, self.postgres = session, postgres
        self.raw: Any = session.connection().connection.driver_connection
        self.stamp = Stamps(postgres)
        self._next: dict[str, int] = {}
        self.rows_written = 0

    def ids(self, table: str, n: int) -> Sequence[int]:
        if n <= 0:
            return []
        if self.postgres:
            taken = self.session.scalar(
                text(
                    "SELECT array_agg(v ORDER BY v) FROM (SELECT"
                    " nextval(pg_get_serial_sequence(:t, 'id')) AS v"
                    " FROM generate_series(1, :n)) AS taken"
                ),
                {"t": table, "n": n},
            )
            return list(taken)
        start = self._next.get(table)
        if start is None:
            start = 1 + int(self.session.scalar(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")))  # noqa: S608
        self._next[table] = start + n
        return range(start, start + n)

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = ", ".join(columns)
        self.rows_written += len(rows)
        if self.postgres:
            with self.raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" * len(columns))
        self.raw.cursor().executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608

    def audit(self, rows: list[tuple[float, str, int, str, dict[str, Any]]]) -> None:
        """Audit rows (at, entity, entity id, action, changes as before/after pairs)."""
        ids = self.ids("audit_entries", len(rows))
        stamp = self.stamp
        self.insert(
            "audit_entries",
            (
                "id",
                "at",
                "actor_id",
                "actor_label",
                "entity_type",
                "entity_id",
                "action",
                "changes",
            ),
            [
                (i, stamp(at), None, ACTOR, entity, eid, action, json.dumps(_changes(changes)))
                for i, (at, entity, eid, action, changes) in zip(ids, rows, strict=True)
            ],
        )


def _changes(changes: dict[str, tuple[Any, Any]]) -> dict[str, dict[str, Any]]:
    out = {}
    for key, (before, after) in changes.items():
        if key.endswith("_at"):
            before = iso(before) if isinstance(before, float) else before
            after = iso(after) if isinstance(after, float) else after
        out[key] = {"before": before, "after": after}
    return out


CUSTOMER_COLUMNS = (
    "id", "email", "name", "phone", "country", "language", "timezone", "tier", "created_at",
    "updated_at",
)  # fmt: skip
ORDER_COLUMNS = (
    "id", "source", "external_id", "number", "brand_id", "customer_id", "currency", "total_amount",
    "country", "region", "financial_status", "placed_at", "updated_at",
)  # fmt: skip
LINE_COLUMNS = (
    "id", "order_id", "external_id", "sku", "title", "batch", "quantity", "unit_price", "currency",
)  # fmt: skip
SHIPMENT_COLUMNS = (
    "id", "order_id", "external_id", "carrier", "tracking_number", "destination_country",
    "destination_region", "status", "shipped_at", "delivered_at",
)  # fmt: skip
RETURN_COLUMNS = (
    "id", "order_id", "external_id", "line_item_id", "quantity", "reason", "note", "status",
    "created_at",
)  # fmt: skip
MESSAGE_COLUMNS = (
    "id", "ticket_id", "kind", "body", "author_user_id", "author_customer_id", "author_label",
    "created_at",
)  # fmt: skip


def write_orders(
    w: Writer, brand_ids: dict[str, int], customers: list[Customer], orders: list[Order]
) -> dict[str, int]:
    """The chunk's new customers and its orders with lines, shipments, refunds and returns."""
    stamp, audits = w.stamp, []
    for c, cid in zip(customers, w.ids("customers", len(customers)), strict=True):
        c.id = cid
    people = []
    for c in customers:
        if c.b2b:
            email = f"orders@{ascii_slug(c.name, '-')}.example"
        else:
            email = f"{ascii_slug(c.name)}{c.id}@{_DOMAINS[c.id % 3]}"
        people.append((c.id, email, c.name, c.phone, c.country, c.language, c.tz, None))
        audits.append((c.created, "customer", c.id, "created", {"email": (None, email)}))
    w.insert(
        "customers",
        CUSTOMER_COLUMNS,
        [
            (*row, stamp(c.created), stamp(c.created))
            for row, c in zip(people, customers, strict=True)
        ],
    )
    w.insert(
        "customer_external_ids",
        ("id", "customer_id", "source", "external_id"),
        [
            (
                i,
                c.id,
                "b2b-portal" if c.b2b else "shopify",
                f"ACC-{1000 + c.id}" if c.b2b else str(6_100_000_000_000 + c.id),
            )
            for i, c in zip(w.ids("customer_external_ids", len(customers)), customers, strict=True)
        ],
    )
    for o, oid in zip(orders, w.ids("orders", len(orders)), strict=True):
        o.id = oid
    w.insert(
        "orders",
        ORDER_COLUMNS,
        [
            (
                o.id,
                "b2b-portal" if o.brand.is_b2b else "shopify",
                o.external_id,
                o.number,
                brand_ids[o.brand.code],
                o.customer.id,
                o.market.currency,
                str(o.total()),
                o.market.country,
                o.customer.region,
                o.financial_status,
                stamp(o.placed),
                stamp(o.updated),
            )
            for o in orders
        ],
    )
    audits += [(o.placed, "order", o.id, "created", {"number": (None, o.number)}) for o in orders]
    lines = [(o, x, n) for o in orders for n, x in enumerate(o.lines, 1)]
    for (_, x, _), lid in zip(lines, w.ids("line_items", len(lines)), strict=True):
        x.id = lid
    w.insert(
        "line_items",
        LINE_COLUMNS,
        [
            (
                x.id,
                o.id,
                f"{o.external_id}-{n}",
                x.product.sku,
                x.product.title,
                x.batch,
                x.quantity,
                str(x.price),
                o.market.currency,
            )
            for o, x, n in lines
        ],
    )
    w.insert(
        "shipments",
        SHIPMENT_COLUMNS,
        [
            (
                i,
                o.id,
                f"F{o.external_id}",
                o.carrier,
                o.tracking,
                o.market.country,
                o.customer.region,
                o.shipment_status,
                stamp(o.shipped),
                stamp(o.delivered),
            )
            for i, o in zip(w.ids("shipments", len(orders)), orders, strict=True)
        ],
    )
    refunds = [(o, n, r) for o in orders for n, r in enumerate(o.refunds)]
    w.insert(
        "refunds",
        ("id", "order_id", "external_id", "reason", "amount", "currency", "created_at"),
        [
            (i, o.id, f"RF{o.external_id}-{n}", reason, str(amount), o.market.currency, stamp(at))
            for i, (o, n, (reason, amount, at)) in zip(
                w.ids("refunds", len(refunds)), refunds, strict=True
            )
        ],
    )
    returns = [(o, n, r) for o in orders for n, r in enumerate(o.returns)]
    w.insert(
        "returns",
        RETURN_COLUMNS,
        [
            (i, o.id, f"R{o.external_id}-{n}", line.id, qty, reason, note, status, stamp(at))
            for i, (o, n, (line, qty, reason, note, status, at)) in zip(
                w.ids("returns", len(returns)), returns, strict=True
            )
        ],
    )
    w.audit(audits)
    return {
        "customers": len(customers),
        "orders": len(orders),
        "line_items": len(lines),
        "shipments": len(orders),
        "refunds": len(refunds),
        "returns": len(returns),
    }


_TICKET_COLUMNS = (
    "id", "subject", "body", "channel", "category", "priority", "status", "language", "country",
    "brand_id", "customer_id", "order_id", "line_item_id", "sku", "batch", "assignee_id",
    "assigned_at", "first_assigned_at", "seen_at", "source", "custom_fields", "created_at",
    "updated_at", "first_response_at", "solved_at", "closed_at",
)  # fmt: skip


def write_tickets(w: Writer, brand_ids: dict[str, int], plans: list[TicketPlan]) -> dict[str, int]:
    """Tickets (in the order they were created), their tags, messages and audit trail."""
    stamp = w.stamp
    ticket_ids = w.ids("tickets", len(plans))
    rows, tags, messages, audits = [], [], [], []
    n_messages = sum(len(p.story.messages) for p in plans)
    message_ids = iter(w.ids("messages", n_messages))
    for p, tid in zip(plans, ticket_ids, strict=True):
        story, order, line, customer = p.story, p.order, p.line, p.order.customer
        brand_id = brand_ids[order.brand.code]
        order_id = order.id if p.linked else None
        rows.append(
            (
                tid,
                p.complaint.subject.format_map(p.values),
                story.messages[0][1],
                p.channel,
                p.category,
                p.priority,
                story.status,
                customer.language,
                customer.country,
                brand_id,
                customer.id,
                order_id,
                line.id if line else None,
                line.product.sku if line else None,
                line.batch if line else None,
                p.assignee if story.assigned is not None else None,
                stamp(story.assigned),
                stamp(story.assigned),
                stamp(story.seen),
                "demo",
                json.dumps(p.fields),
                stamp(story.created),
                stamp(story.updated),
                stamp(story.first_response),
                stamp(story.solved),
                stamp(story.closed),
            )
        )
        tags += [(tid, tag) for tag in p.tags]
        ids = []
        for kind, body, at, by_agent in story.messages:
            mid = next(message_ids)
            ids.append(mid)
            messages.append(
                (
                    mid,
                    tid,
                    kind,
                    body,
                    p.assignee if by_agent else None,
                    None if by_agent else customer.id,
                    p.agent_name if by_agent else customer.name,
                    stamp(at),
                )
            )
        for at, action, changes, index in story.audits:
            if action == "created":
                changes = {
                    "status": (None, "new"),
                    "channel": (None, p.channel),
                    "category": (None, p.category),
                    "priority": (None, p.priority),
                    "language": (None, customer.language),
                    "country": (None, customer.country),
                    "brand_id": (None, brand_id),
                    "customer_id": (None, customer.id),
                    "order_id": (None, order_id),
                    "tags": (None, p.tags),
                    "source": (None, "demo"),
                }
            elif index >= 0:
                changes = changes | {"message_id": (None, ids[index])}
            audits.append((at, "ticket", tid, action, changes))
    w.insert("tickets", _TICKET_COLUMNS, rows)
    w.insert("ticket_tags", ("ticket_id", "tag"), tags)
    w.insert(
        "messages",
        MESSAGE_COLUMNS,
        messages,
    )
    w.audit(audits)
    return {
        "tickets": len(rows),
        "messages": len(messages),
        "notes": sum(1 for m in messages if m[2] == "note"),
        "ticket_audit_entries": len(audits),
    }
