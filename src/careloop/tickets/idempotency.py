"""Running a ticket intake once per Idempotency-Key, retrying a transaction that lost a race."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from careloop.storage.engine import Database, is_transient, lost_connection
from careloop.storage.requests import IdempotencyKey, recall_in, remember_in

T = TypeVar("T")


def run_idempotent(
    db: Database,
    idem: IdempotencyKey | None,
    now: datetime,
    work: Callable[[Session], tuple[int, dict[str, Any], T]],
    replay: Callable[[Session, dict[str, Any]], T],
) -> tuple[T, bool]:
    """Run `work` once per key: a repeated key replays the stored outcome (True) instead.

    A transaction that lost a race (a deadlock, a busy database, two calls with one key) or
    its connection before COMMIT is rolled back whole and run again, so the caller sees one
    outcome and nothing half-written.
    """
    attempts = 3
    for attempt in range(attempts):
        committing = False
        try:
            with db.write() as s:
                record = recall_in(s, idem) if idem is not None else None
                if record is not None:
                    result, replayed = replay(s, record.response), True
                else:
                    status_code, outcome, result = work(s)
                    if idem is not None:
                        remember_in(s, idem, status_code=status_code, outcome=outcome, now=now)
                    replayed = False
                # Everything but COMMIT is sent here: a connection lost up to this point
                # leaves nothing written, so the transaction may simply run again.
                s.flush()
                committing = True
            return result, replayed
        except IntegrityError:
            # Two calls with one key raced (PostgreSQL): the loser replays the winner's outcome.
            if idem is None or attempt == attempts - 1:
                raise
        except DBAPIError as exc:
            again = is_transient(exc) or (lost_connection(exc) and not committing)
            if not again or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
