"""The read side of routing: tickets read again after routing assigned them."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from careloop.storage.engine import Database
from careloop.tickets.tables import Ticket


def tickets_by_id(db: Database, ticket_ids: Collection[int]) -> dict[int, Ticket]:
    """The tickets with these ids, with their tags, in two queries whatever their number."""
    if not ticket_ids:
        return {}
    with db.read() as s:
        rows = s.scalars(select(Ticket).where(Ticket.id.in_(sorted(set(ticket_ids)))))
        return {t.id: t for t in rows}
