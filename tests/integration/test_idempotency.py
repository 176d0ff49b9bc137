"""Idempotency under concurrency: many simultaneous retries of one call make one ticket."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from careloop.storage.requests import IdempotencyKey
from careloop.tickets.actions import create_ticket
from careloop.tickets.schemas import TicketCreate
from careloop.tickets.tables import Ticket
from tests.factories import ACTOR, ticket_payload


def test_concurrent_retries_make_one_ticket(db, clock):
    data = TicketCreate.model_validate(ticket_payload())
    key = IdempotencyKey(principal="token:1", key="retry-storm", request_hash="h" * 64)

    def attempt(_: int) -> tuple[int, bool]:
        ticket, replayed = create_ticket(
            db, actor=ACTOR, now=clock.now(), data=data, idempotency=key
        )
        return ticket.id, replayed

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(16)))
    assert len({tid for tid, _ in outcomes}) == 1
    assert sum(1 for _, replayed in outcomes if not replayed) == 1
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1
