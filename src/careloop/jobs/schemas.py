"""Response models of the jobs API: each job's lease, so operators see the runners are alive."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from careloop.jobs.tables import JobLease


class JobLeaseOut(BaseModel):
    name: str
    running: bool = Field(description="a runner holds the lease now")
    owner: str | None = Field(description="the runner (host:pid:random) holding it or last to")
    leased_until: datetime | None
    next_run_at: datetime
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_error: str | None = Field(description="how the last run failed; null when it succeeded")
    runs: int

    @classmethod
    def of(cls, row: JobLease, now: datetime) -> JobLeaseOut:
        return cls(
            name=row.name,
            running=row.leased_until is not None and row.leased_until >= now,
            owner=row.owner,
            leased_until=row.leased_until,
            next_run_at=row.next_run_at,
            last_started_at=row.last_started_at,
            last_finished_at=row.last_finished_at,
            last_error=row.last_error,
            runs=row.runs,
        )


class JobsPage(BaseModel):
    at: datetime
    items: list[JobLeaseOut]
