"""What one process of the multi-process routing test does: open its own connection pool,
create its share of tickets and route each at once, draining the queue now and then as a
`careloop worker` does. Kept importable so spawned processes can run it."""

from __future__ import annotations

from datetime import datetime

from careloop.routing import actions as routing
from careloop.storage.engine import Database
from careloop.tickets import actions as tickets
from careloop.tickets.schemas import TicketCreate
from tests.factories import ACTOR, ticket_payload

LANGUAGES = ("en", "fr", "es", "de")


def create_and_route(url: str, now_iso: str, process: int, count: int) -> int:
    """Create `count` tickets, routing each after its commit; drain the queue every 50.
    Returns how many tickets this process created."""
    now = datetime.fromisoformat(now_iso)
    db = Database(url)
    try:
        for n in range(count):
            payload = ticket_payload(
                subject=f"process {process} ticket {n}",
                language=LANGUAGES[(process + n) % len(LANGUAGES)],
            )
            payload.pop("customer")
            ticket, _ = tickets.create_ticket(
                db, actor=ACTOR, now=now, data=TicketCreate.model_validate(payload)
            )
            routing.route_ticket(db, ticket_id=ticket.id, now=now)
            if n % 50 == 49:
                routing.drain_queue(db, now=now)
        return count
    finally:
        db.dispose()
