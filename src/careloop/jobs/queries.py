"""The read side of the job runner: the lease rows, for the runner and for operators."""

from __future__ import annotations

from sqlalchemy import select

from careloop.jobs.tables import JobLease
from careloop.storage.engine import Database


def job_leases(db: Database) -> list[JobLease]:
    """Every job's lease row, by name (one row per job ever run, a handful in all)."""
    with db.read() as s:
        return list(s.scalars(select(JobLease).order_by(JobLease.name)))
