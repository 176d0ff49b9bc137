"""The column catalogue of the grid views: which columns tickets and orders offer, what SQL each
reads, and which filters, sorts and groupings each allows. Anything outside it is refused."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Select, SQLColumnExpression, case, func, literal, select
from sqlalchemy.orm import aliased

from careloop.accounts.tables import User
from careloop.tickets.commerce_tables import Brand, Customer, LineItem, Order, Shipment
from careloop.tickets.model import Category, Channel, Priority, ShipmentStatus, Status
from careloop.tickets.tables import Ticket
from careloop.workforce.tables import Agent, Team

Entity = Literal["tickets", "orders"]
ENTITIES: tuple[Entity, ...] = ("tickets", "orders")
Kind = Literal["id", "text", "enum", "country", "language", "instant", "money", "number", "tags"]

# What each kind of column may be filtered with.
OPS: dict[str, tuple[str, ...]] = {
    "id": ("eq", "in"),
    "text": ("eq", "in", "contains", "empty", "filled"),
    "enum": ("eq", "in", "empty", "filled"),
    "country": ("eq", "in", "empty", "filled"),
    "language": ("eq", "in", "empty", "filled"),
    "instant": ("before", "after", "empty", "filled"),
    "money": (),
    "number": ("eq", "in"),
    "tags": ("eq", "in", "empty", "filled"),
}
VALUELESS_OPS = frozenset({"empty", "filled"})
GROUPABLE_KINDS = frozenset({"text", "enum", "country", "language"})


@dataclass(frozen=True)
class GridColumn:
    """One column a grid may show: its SQL expression, the joins it needs and what it allows."""

    key: str
    kind: Kind
    expr: SQLColumnExpression[Any]
    joins: tuple[str, ...] = ()
    enum: type[enum.StrEnum] | None = None
    # Ordering by rank rather than by the code's spelling (urgent before high...).
    rank: SQLColumnExpression[Any] | None = None
    currency: SQLColumnExpression[Any] | None = None  # money: the currency beside the amount
    groupable: bool | None = None

    @property
    def ops(self) -> tuple[str, ...]:
        return OPS[self.kind]

    @property
    def can_group(self) -> bool:
        return self.groupable if self.groupable is not None else self.kind in GROUPABLE_KINDS

    @property
    def can_sort(self) -> bool:
        return self.kind != "tags"

    @property
    def sort_expr(self) -> SQLColumnExpression[Any]:
        return self.rank if self.rank is not None else self.expr


def _rank(
    column: SQLColumnExpression[Any], members: type[enum.StrEnum]
) -> SQLColumnExpression[Any]:
    return case({m: i for i, m in enumerate(members)}, value=column, else_=literal(len(members)))


# Tickets: the assignee is a user, whose agent profile gives the team.
Assignee = aliased(User, name="assignee")
AssigneeAgent = aliased(Agent, name="assignee_agent")
AssigneeTeam = aliased(Team, name="assignee_team")
TicketBrand = aliased(Brand, name="ticket_brand")
TicketCustomer = aliased(Customer, name="ticket_customer")
TicketOrder = aliased(Order, name="ticket_order")

_TICKET_COLUMNS = (
    GridColumn("id", "id", Ticket.id),
    GridColumn("subject", "text", Ticket.subject, groupable=False),
    GridColumn("status", "enum", Ticket.status, enum=Status, rank=_rank(Ticket.status, Status)),
    GridColumn(
        "priority", "enum", Ticket.priority, enum=Priority, rank=_rank(Ticket.priority, Priority)
    ),
    GridColumn("category", "enum", Ticket.category, enum=Category),
    GridColumn("channel", "enum", Ticket.channel, enum=Channel),
    GridColumn("language", "language", Ticket.language),
    GridColumn("country", "country", Ticket.country),
    GridColumn("brand", "text", TicketBrand.name, joins=("brand",)),
    GridColumn(
        "customer",
        "text",
        func.coalesce(TicketCustomer.name, TicketCustomer.email),
        joins=("customer",),
    ),
    GridColumn("assignee", "text", Assignee.name, joins=("assignee",)),
    GridColumn("team", "text", AssigneeTeam.name, joins=("team",)),
    GridColumn("order", "text", TicketOrder.number, joins=("order",)),
    GridColumn("sku", "text", Ticket.sku),
    GridColumn("batch", "text", Ticket.batch),
    GridColumn("tags", "tags", literal(None)),
    GridColumn("created", "instant", Ticket.created_at),
    GridColumn("updated", "instant", Ticket.updated_at),
    GridColumn("first_assigned", "instant", Ticket.first_assigned_at),
    GridColumn("first_response", "instant", Ticket.first_response_at),
    GridColumn("first_response_due", "instant", Ticket.first_response_due_at),
    GridColumn("resolution_due", "instant", Ticket.resolution_due_at),
    GridColumn("solved", "instant", Ticket.solved_at),
    GridColumn("closed", "instant", Ticket.closed_at),
)

# Orders: the latest shipment stands for the order's delivery.
OrderBrand = aliased(Brand, name="order_brand")
OrderCustomer = aliased(Customer, name="order_customer")
LatestShipment = aliased(Shipment, name="latest_shipment")
_EarlierShipment = aliased(Shipment, name="any_shipment")
_ITEMS = (
    select(func.coalesce(func.sum(LineItem.quantity), 0))
    .where(LineItem.order_id == Order.id)
    .correlate(Order)
    .scalar_subquery()
)

_ORDER_COLUMNS = (
    GridColumn("id", "id", Order.id),
    GridColumn("number", "text", Order.number, groupable=False),
    GridColumn("brand", "text", OrderBrand.name, joins=("brand",)),
    GridColumn(
        "customer", "text", func.coalesce(OrderCustomer.name, OrderCustomer.email), ("customer",)
    ),
    GridColumn("country", "country", Order.country),
    GridColumn("region", "text", Order.region),
    GridColumn("carrier", "text", LatestShipment.carrier, joins=("shipment",)),
    GridColumn(
        "shipment_status",
        "enum",
        LatestShipment.status,
        joins=("shipment",),
        enum=ShipmentStatus,
        rank=_rank(LatestShipment.status, ShipmentStatus),
    ),
    GridColumn("financial_status", "text", Order.financial_status),
    GridColumn("total", "money", Order.total_amount, currency=Order.currency),
    GridColumn("currency", "text", Order.currency),
    GridColumn("items", "number", _ITEMS),
    GridColumn("placed", "instant", Order.placed_at),
    GridColumn("shipped", "instant", LatestShipment.shipped_at, joins=("shipment",)),
    GridColumn("delivered", "instant", LatestShipment.delivered_at, joins=("shipment",)),
    GridColumn("updated", "instant", Order.updated_at),
)

CATALOGUE: dict[str, dict[str, GridColumn]] = {
    "tickets": {c.key: c for c in _TICKET_COLUMNS},
    "orders": {c.key: c for c in _ORDER_COLUMNS},
}
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "tickets": ("id", "subject", "status", "priority", "assignee", "created"),
    "orders": ("number", "customer", "country", "total", "shipment_status", "placed"),
}
ID_COLUMN: dict[str, SQLColumnExpression[int]] = {"tickets": Ticket.id, "orders": Order.id}


def base_select(entity: str, joins: set[str]) -> Select[Any]:
    """The entity's rows with the outer joins the asked columns need (each on a unique key,
    so a join never multiplies rows)."""
    if entity == "tickets":
        stmt = select().select_from(Ticket)
        if "brand" in joins:
            stmt = stmt.outerjoin(TicketBrand, TicketBrand.id == Ticket.brand_id)
        if "customer" in joins:
            stmt = stmt.outerjoin(TicketCustomer, TicketCustomer.id == Ticket.customer_id)
        if "assignee" in joins:
            stmt = stmt.outerjoin(Assignee, Assignee.id == Ticket.assignee_id)
        if "team" in joins:
            stmt = stmt.outerjoin(AssigneeAgent, AssigneeAgent.user_id == Ticket.assignee_id)
            stmt = stmt.outerjoin(AssigneeTeam, AssigneeTeam.id == AssigneeAgent.team_id)
        if "order" in joins:
            stmt = stmt.outerjoin(TicketOrder, TicketOrder.id == Ticket.order_id)
        return stmt
    stmt = select().select_from(Order)
    if "brand" in joins:
        stmt = stmt.outerjoin(OrderBrand, OrderBrand.id == Order.brand_id)
    if "customer" in joins:
        stmt = stmt.outerjoin(OrderCustomer, OrderCustomer.id == Order.customer_id)
    if "shipment" in joins:
        latest = (
            select(func.max(_EarlierShipment.id))
            .where(_EarlierShipment.order_id == Order.id)
            .correlate(Order)
            .scalar_subquery()
        )
        stmt = stmt.outerjoin(LatestShipment, LatestShipment.id == latest)
    return stmt
