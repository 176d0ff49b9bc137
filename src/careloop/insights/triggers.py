"""The database triggers that mark which hours of which fact a change touched.

Triggers rather than application hooks: every path that writes a ticket, an order or a
shipment (actions, webhooks, imports, bulk updates, the demo) marks what it changed in the
same transaction, so no change can slip past the rollups. Each mark is a statement
`SELECT <fact>, <instant> [FROM ...] [WHERE ...]` the trigger inserts into `insight_changes`;
the same text runs in SQLite and PostgreSQL (both know NEW, OLD and IS DISTINCT FROM).
"""

# ruff: noqa: S608  (the trigger texts are built from constants in this module, never input)

from __future__ import annotations

from dataclasses import dataclass

# The ticket columns a rollup reads: an UPDATE that sets none of them (updated_at, seen_at,
# tags) marks nothing.
TICKET_COLUMNS = (
    "status",
    "assignee_id",
    "first_assigned_at",
    "first_response_at",
    "solved_at",
    "category",
    "channel",
    "language",
    "country",
    "brand_id",
    "sku",
    "batch",
    "priority",
    "sla_policy_id",
    "created_at",
)


@dataclass(frozen=True)
class Trigger:
    table: str
    op: str  # INSERT, UPDATE, DELETE
    marks: tuple[str, ...]
    columns: tuple[str, ...] = ()  # UPDATE OF these columns only

    @property
    def name(self) -> str:
        return f"insights_{self.table}_{self.op.lower()}"


def _order_marks(row: str, order_id: str) -> tuple[str, ...]:
    """Marks for everything computed from one order: its deliveries, returns and shipments."""
    return (
        f"SELECT 'deliveries', s.delivered_at FROM shipments s"
        f" WHERE s.order_id = {row}.{order_id} AND s.delivered_at IS NOT NULL",
        f"SELECT 'shipments', s.shipped_at FROM shipments s"
        f" WHERE s.order_id = {row}.{order_id} AND s.shipped_at IS NOT NULL",
        f"SELECT 'returns', r.created_at FROM returns r WHERE r.order_id = {row}.{order_id}",
    )


def _ticket_marks(row: str) -> tuple[str, ...]:
    return (
        f"SELECT 'tickets', {row}.created_at",
        f"SELECT 'solves', {row}.solved_at WHERE {row}.solved_at IS NOT NULL",
    )


def _shipment_marks(row: str) -> tuple[str, ...]:
    return (
        f"SELECT 'deliveries', {row}.delivered_at WHERE {row}.delivered_at IS NOT NULL",
        f"SELECT 'shipments', {row}.shipped_at WHERE {row}.shipped_at IS NOT NULL",
        *_order_marks(row, "order_id"),
    )


def _return_marks(row: str) -> tuple[str, ...]:
    return (f"SELECT 'returns', {row}.created_at",)


def _reply_marks(row: str) -> tuple[str, ...]:
    return (f"SELECT 'replies', {row}.created_at WHERE {row}.kind = 'reply'",)


def _sla_marks(row: str) -> tuple[str, ...]:
    return (f"SELECT 'tickets', t.created_at FROM tickets t WHERE t.id = {row}.ticket_id",)


TRIGGERS: tuple[Trigger, ...] = (
    Trigger("tickets", "INSERT", _ticket_marks("NEW")),
    Trigger(
        "tickets",
        "UPDATE",
        (
            *_ticket_marks("NEW"),
            "SELECT 'tickets', OLD.created_at WHERE OLD.created_at <> NEW.created_at",
            "SELECT 'solves', OLD.solved_at WHERE OLD.solved_at IS NOT NULL",
            # A reply counts by its ticket's brand and channel.
            "SELECT 'replies', m.created_at FROM messages m WHERE m.ticket_id = NEW.id"
            " AND m.kind = 'reply' AND (OLD.brand_id IS DISTINCT FROM NEW.brand_id"
            " OR OLD.channel IS DISTINCT FROM NEW.channel)",
        ),
        TICKET_COLUMNS,
    ),
    Trigger("tickets", "DELETE", _ticket_marks("OLD")),
    Trigger("messages", "INSERT", _reply_marks("NEW")),
    Trigger("messages", "UPDATE", (*_reply_marks("OLD"), *_reply_marks("NEW"))),
    Trigger("messages", "DELETE", _reply_marks("OLD")),
    Trigger("sla_events", "INSERT", _sla_marks("NEW")),
    Trigger("sla_events", "DELETE", _sla_marks("OLD")),
    Trigger("orders", "UPDATE", _order_marks("NEW", "id"), ("brand_id", "country", "region")),
    Trigger("line_items", "INSERT", _order_marks("NEW", "order_id")),
    Trigger(
        "line_items",
        "UPDATE",
        (*_order_marks("OLD", "order_id"), *_order_marks("NEW", "order_id")),
    ),
    Trigger("line_items", "DELETE", _order_marks("OLD", "order_id")),
    Trigger("shipments", "INSERT", _shipment_marks("NEW")),
    Trigger("shipments", "UPDATE", (*_shipment_marks("OLD"), *_shipment_marks("NEW"))),
    Trigger("shipments", "DELETE", _shipment_marks("OLD")),
    Trigger("returns", "INSERT", _return_marks("NEW")),
    Trigger("returns", "UPDATE", (*_return_marks("OLD"), *_return_marks("NEW"))),
    Trigger("returns", "DELETE", _return_marks("OLD")),
)


def _inserts(trigger: Trigger) -> str:
    return "".join(f"  INSERT INTO insight_changes (fact, at) {m};\n" for m in trigger.marks)


def _event(trigger: Trigger) -> str:
    if trigger.columns:
        return f"UPDATE OF {', '.join(trigger.columns)}"
    return trigger.op


def create_statements(dialect: str) -> list[str]:
    """The DDL that creates every trigger on `dialect` ("sqlite" or "postgresql")."""
    out: list[str] = []
    for t in TRIGGERS:
        if dialect == "sqlite":
            out.append(
                f"CREATE TRIGGER {t.name} AFTER {_event(t)} ON {t.table} FOR EACH ROW\n"
                f"BEGIN\n{_inserts(t)}END"
            )
        else:
            out.append(
                f"CREATE OR REPLACE FUNCTION {t.name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n{_inserts(t)}  RETURN NULL;\nEND\n$$"
            )
            out.append(
                f"CREATE TRIGGER {t.name} AFTER {_event(t)} ON {t.table}"
                f" FOR EACH ROW EXECUTE FUNCTION {t.name}()"
            )
    return out


def drop_statements(dialect: str) -> list[str]:
    out: list[str] = []
    for t in TRIGGERS:
        if dialect == "sqlite":
            out.append(f"DROP TRIGGER IF EXISTS {t.name}")
        else:
            out.append(f"DROP TRIGGER IF EXISTS {t.name} ON {t.table}")
            out.append(f"DROP FUNCTION IF EXISTS {t.name}()")
    return out
