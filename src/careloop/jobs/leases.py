"""The lease rows' state changes: add a job's row on first sight, claim a due job, renew a
running job's lease, and record how a run ended. Each is one short conditional statement, so
several processes on SQLite or PostgreSQL agree on who runs a tick without any other lock.

Lease bookkeeping writes no audit rows: it changes no business state, and a row per tick
would drown the trail. The changes a job makes are audited by the actions it calls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from careloop.jobs.tables import JobLease
from careloop.storage.engine import Database

MAX_ERROR_CHARS = 2000


def _changed(s: Session, stmt: Any) -> int:
    """Run an UPDATE and say how many rows it changed (the rowcount tells who won a race)."""
    result = s.execute(stmt, execution_options={"synchronize_session": False})
    return cast(CursorResult[Any], result).rowcount


def add_missing(db: Database, names: Sequence[str], *, now: datetime) -> None:
    """Create the rows of jobs never seen before, due now. Processes starting together may all
    try: ON CONFLICT DO NOTHING lets the first insert win and the others change nothing."""
    if not names:
        return
    insert = pg_insert if db.is_postgres else sqlite_insert
    stmt = insert(JobLease).values([{"name": n, "next_run_at": now, "runs": 0} for n in names])
    with db.write() as s:
        s.execute(stmt.on_conflict_do_nothing(index_elements=[JobLease.name]))


def claim(
    db: Database,
    name: str,
    *,
    now: datetime,
    owner: str,
    lease: timedelta,
    next_run_at: datetime,
) -> bool:
    """Take the job's lease if it is due and nobody holds it, and schedule its next run; True
    when this caller won. The conditional UPDATE is atomic on both backends: on PostgreSQL a
    second claimant waits for the first to commit, then finds the condition false; on SQLite
    writers are serialised."""
    stmt = (
        update(JobLease)
        .where(
            JobLease.name == name,
            JobLease.next_run_at <= now,
            or_(JobLease.leased_until.is_(None), JobLease.leased_until < now),
        )
        .values(
            owner=owner,
            leased_until=now + lease,
            next_run_at=next_run_at,
            last_started_at=now,
            runs=JobLease.runs + 1,
        )
    )
    with db.write() as s:
        return _changed(s, stmt) == 1


def renew(db: Database, name: str, *, now: datetime, owner: str, lease: timedelta) -> bool:
    """Extend a running job's lease (the heartbeat); False when the owner no longer holds it
    (it ran past its lease and another process took the job over)."""
    stmt = (
        update(JobLease)
        .where(JobLease.name == name, JobLease.owner == owner, JobLease.leased_until.is_not(None))
        .values(leased_until=now + lease)
    )
    with db.write() as s:
        return _changed(s, stmt) == 1


def finish(db: Database, name: str, *, now: datetime, owner: str, error: str | None) -> bool:
    """Free the lease and record the run's end and error (None on success). The owner stays
    on the row as the last runner. False when another process had taken the job over: its
    run is the one the row describes, so this late finish changes nothing."""
    stmt = (
        update(JobLease)
        .where(JobLease.name == name, JobLease.owner == owner, JobLease.leased_until.is_not(None))
        .values(
            leased_until=None,
            last_finished_at=now,
            last_error=None if error is None else error[:MAX_ERROR_CHARS],
        )
    )
    with db.write() as s:
        return _changed(s, stmt) == 1
