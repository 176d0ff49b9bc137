"""The background jobs over JSON: each job's lease, for operators (admins) to see that the
runners are alive and how the last runs went."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from careloop.accounts.model import Permission, Principal
from careloop.api.deps import DB, Now, require
from careloop.jobs.queries import job_leases
from careloop.jobs.schemas import JobLeaseOut, JobsPage

router = APIRouter(prefix="/api/v1", tags=["jobs"])

Operator = Annotated[Principal, Depends(require(Permission.ROUTING_MANAGE))]


@router.get("/jobs", response_model=JobsPage)
def list_jobs(db: DB, now: Now, _: Operator) -> JobsPage:
    """Every job that has run: who holds or last held its lease, when it runs next, and the
    error of its last run (null when it succeeded)."""
    return JobsPage(at=now, items=[JobLeaseOut.of(row, now) for row in job_leases(db)])
