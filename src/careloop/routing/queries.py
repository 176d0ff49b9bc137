"""The read side of routing: the waiting queue in queue order."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import Session

from careloop.routing.model import TicketToRoute, queue_key
from careloop.storage.base import UTCDateTime
from careloop.storage.engine import Database
from careloop.tickets.model import Priority, Status
from careloop.tickets.tables import Ticket

ROUTABLE = (Status.NEW, Status.OPEN)  # pending and on-hold tickets wait on someone else
# Stands in for "no due instant" so that tickets without one sort after every real one.
_NEVER = datetime(9999, 1, 1, tzinfo=UTC)

_PRIORITY_ORDER = case(
    {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3},
    value=Ticket.priority,
    else_=4,
)


def earliest_due(ticket: Ticket) -> datetime | None:
    """The soonest of a ticket's unmet SLA due instants (first response while unanswered,
    next response, resolution; each None when met, paused or not set), or None."""
    first_response = ticket.first_response_due_at if ticket.first_response_at is None else None
    present = [
        d for d in (first_response, ticket.next_response_due_at, ticket.resolution_due_at) if d
    ]
    return min(present) if present else None


def _earliest_due_sql(s: Session) -> ColumnElement[datetime]:
    """`earliest_due` in SQL: LEAST on PostgreSQL, the many-argument min() on SQLite."""
    never = literal(_NEVER, UTCDateTime())
    first_response = case(
        (Ticket.first_response_at.is_(None), Ticket.first_response_due_at), else_=None
    )
    dues = [
        func.coalesce(column, never)
        for column in (first_response, Ticket.next_response_due_at, Ticket.resolution_due_at)
    ]
    least = func.least if s.get_bind().dialect.name == "postgresql" else func.min
    return least(*dues, type_=UTCDateTime())


def waiting_tickets(db: Database, *, limit: int = 200) -> list[int]:
    """The ids of the first `limit` waiting tickets in queue order (`model.queue_key`: urgent
    first, then the earliest SLA due instant, then the longest waiting)."""
    with db.read() as s:
        due = _earliest_due_sql(s)
        rows = s.execute(
            select(
                Ticket.id,
                Ticket.language,
                Ticket.category,
                Ticket.channel,
                Ticket.brand_id,
                Ticket.priority,
                Ticket.created_at,
                due.label("due"),
            )
            .where(Ticket.assignee_id.is_(None), Ticket.status.in_(ROUTABLE))
            .order_by(_PRIORITY_ORDER, due, Ticket.created_at, Ticket.id)
            .limit(limit)
        ).all()
    waiting = [
        TicketToRoute(
            ticket_id=r.id,
            language=r.language,
            category=None if r.category is None else r.category.value,
            channel=r.channel.value,
            brand_id=r.brand_id,
            priority=r.priority,
            queued_since=r.created_at,
            sla_due=None if r.due == _NEVER else r.due,
        )
        for r in rows
    ]
    return [t.ticket_id for t in sorted(waiting, key=queue_key)]
