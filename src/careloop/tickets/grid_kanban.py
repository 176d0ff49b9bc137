"""The kanban of tickets by status: a column per working status with its count and its first
cards, under the same filters as the grid, in two queries whatever the number of tickets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, true

from careloop.storage.engine import Database
from careloop.tickets.grid import filter_conditions, joins_for
from careloop.tickets.grid_columns import Assignee, TicketCustomer, base_select
from careloop.tickets.grid_spec import GridSpec
from careloop.tickets.model import Priority, Status
from careloop.tickets.tables import Ticket

KANBAN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED)
CARDS_PER_COLUMN = 50


@dataclass(frozen=True)
class Card:
    id: int
    subject: str
    status: Status
    priority: Priority
    customer: str | None
    assignee: str | None
    created_at: datetime


@dataclass(frozen=True)
class KanbanColumn:
    status: Status
    count: int  # every matching ticket in this status, not only the cards shown
    cards: list[Card]


def kanban(
    db: Database, spec: GridSpec, *, per_column: int = CARDS_PER_COLUMN
) -> list[KanbanColumn]:
    """The columns new, open, pending, on hold and solved under the spec's filters; the cards
    in each are the most urgent first, then the longest waiting."""
    where = [*filter_conditions(spec), Ticket.status.in_(KANBAN_STATUSES)]
    joins = joins_for(spec, []) | {"customer", "assignee"}
    counted = (
        base_select("tickets", joins_for(spec, []))
        .add_columns(Ticket.status, func.count())
        .where(*where or [true()])
        .group_by(Ticket.status)
    )
    urgency = spec.column("priority").sort_expr
    place = (
        func.row_number()
        .over(partition_by=Ticket.status, order_by=(urgency.desc(), Ticket.id.asc()))
        .label("place")
    )
    ranked = (
        base_select("tickets", joins)
        .add_columns(
            Ticket.id,
            Ticket.subject,
            Ticket.status,
            Ticket.priority,
            func.coalesce(TicketCustomer.name, TicketCustomer.email).label("customer"),
            Assignee.name.label("assignee"),
            Ticket.created_at,
            urgency.label("urgency"),
            place,
        )
        .where(*where)
        .subquery()
    )
    cards_stmt = (
        select(ranked).where(ranked.c.place <= per_column).order_by(ranked.c.status, ranked.c.place)
    )
    with db.read() as s:
        counts = {Status(status): int(n) for status, n in s.execute(counted)}
        rows = list(s.execute(cards_stmt))
    cards: dict[Status, list[Card]] = {status: [] for status in KANBAN_STATUSES}
    for row in rows:
        status = Status(row.status)
        cards[status].append(
            Card(
                id=row.id,
                subject=row.subject,
                status=status,
                priority=Priority(row.priority),
                customer=row.customer,
                assignee=row.assignee,
                created_at=row.created_at,
            )
        )
    return [KanbanColumn(st, counts.get(st, 0), cards[st]) for st in KANBAN_STATUSES]
