"""Shift templates, shifts (single, in bulk, from a template), a shift and its history, moves,
cancellations, publishing a roster and copying a week over JSON. Drafts are invisible to routing
until published."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends

from careloop.accounts.model import Permission, Principal
from careloop.api.deps import DB, Now, PathId, QueryId, require
from careloop.api.workforce import From, To, window
from careloop.tickets.schemas import AuditEntryOut
from careloop.workforce import roster_queries, rosters
from careloop.workforce.model import BreakRule, ShiftStatus
from careloop.workforce.roster_schemas import (
    CopyWeekOut,
    CopyWeekRequest,
    PublishOut,
    PublishRequest,
    ShiftAudit,
    ShiftBatch,
    ShiftCreate,
    ShiftItem,
    ShiftList,
    ShiftOut,
    ShiftsFromTemplate,
    ShiftUpdate,
    SkippedCopyOut,
    TemplateCreate,
    TemplateList,
    TemplateOut,
)

router = APIRouter(prefix="/api/v1", tags=["rosters"])

Reader = Annotated[Principal, Depends(require(Permission.WORKFORCE_READ))]
Manager = Annotated[Principal, Depends(require(Permission.WORKFORCE_MANAGE))]
ShiftId = PathId
MAX_SHIFT_WINDOW = timedelta(days=62)


def spec(item: ShiftItem) -> rosters.ShiftSpec:
    return rosters.ShiftSpec(
        agent_id=item.agent_id,
        starts_at=item.starts_at,
        ends_at=item.ends_at,
        skills=item.skills,
        breaks=[b.interval() for b in item.breaks],
        note=item.note,
    )


# --- templates -----------------------------------------------------------------------------


@router.post("/shift-templates", status_code=201, response_model=TemplateOut)
def create_template(body: TemplateCreate, principal: Manager, db: DB, now: Now) -> TemplateOut:
    """A named shift in local wall-clock time; an end not after the start is the next day."""
    template = rosters.create_template(
        db,
        actor=principal.actor,
        now=now,
        name=body.name,
        starts=body.starts,
        ends=body.ends,
        timezone=body.timezone,
        breaks=[
            BreakRule(after=timedelta(minutes=b.after_minutes), minutes=b.minutes)
            for b in body.breaks
        ],
        skills=body.skills,
        team_id=body.team_id,
    )
    return TemplateOut.of(template)


@router.get("/shift-templates", response_model=TemplateList)
def list_templates(_: Reader, db: DB) -> TemplateList:
    return TemplateList(items=[TemplateOut.of(t) for t in roster_queries.list_templates(db)])


# --- shifts --------------------------------------------------------------------------------


@router.post("/shifts", status_code=201, response_model=ShiftOut)
def create_shift(body: ShiftCreate, principal: Manager, db: DB, now: Now) -> ShiftOut:
    """One shift, published unless `status` says draft. An overlap with the agent's shifts is a
    409; a shift ending before it starts or lasting over 16 hours is a 422."""
    (shift,) = rosters.create_shifts(
        db, actor=principal.actor, now=now, specs=[spec(body)], status=body.status
    )
    return ShiftOut.of(shift)


@router.post("/shifts/batch", status_code=201, response_model=ShiftList)
def create_batch(body: ShiftBatch, principal: Manager, db: DB, now: Now) -> ShiftList:
    """Up to 1000 shifts (e.g. a week's roster), all or nothing; an error names its index."""
    shifts = rosters.create_shifts(
        db, actor=principal.actor, now=now, specs=[spec(x) for x in body.shifts], status=body.status
    )
    return ShiftList(items=[ShiftOut.of(x) for x in shifts])


@router.post("/shifts/from-template", status_code=201, response_model=ShiftList)
def create_from_template(
    body: ShiftsFromTemplate, principal: Manager, db: DB, now: Now
) -> ShiftList:
    """The template's shift for each agent on each date, in the template's zone; agents get no
    shift on their country's public holidays unless skip_holidays is false."""
    shifts = rosters.shifts_from_template(
        db,
        actor=principal.actor,
        now=now,
        template_id=body.template_id,
        agent_ids=body.agent_ids,
        days=body.dates,
        status=body.status,
        skip_holidays=body.skip_holidays,
    )
    return ShiftList(items=[ShiftOut.of(x) for x in shifts])


@router.get("/shifts", response_model=ShiftList)
def list_shifts(
    _: Reader,
    db: DB,
    starts: From,
    ends: To,
    agent_id: QueryId = None,
    team_id: QueryId = None,
    status: ShiftStatus | None = None,
) -> ShiftList:
    """Shifts overlapping [from, to), a window of at most 62 days, in order of start."""
    starts, ends = window(starts, ends, most=MAX_SHIFT_WINDOW)
    shifts = roster_queries.list_shifts(
        db, starts=starts, ends=ends, agent_id=agent_id, team_id=team_id, status=status
    )
    return ShiftList(items=[ShiftOut.of(x) for x in shifts])


@router.get("/shifts/{shift_id}", response_model=ShiftOut)
def get_shift(shift_id: ShiftId, _: Reader, db: DB) -> ShiftOut:
    return ShiftOut.of(roster_queries.get_shift(db, shift_id))


@router.get("/shifts/{shift_id}/audit", response_model=ShiftAudit)
def shift_audit(shift_id: ShiftId, _: Reader, db: DB) -> ShiftAudit:
    """Every change of the shift, oldest first: who, when, what, before and after. A deleted
    shift keeps its history."""
    entries = roster_queries.shift_audit(db, shift_id)
    return ShiftAudit(items=[AuditEntryOut.model_validate(e) for e in entries])


@router.patch("/shifts/{shift_id}", response_model=ShiftOut)
def update_shift(
    shift_id: ShiftId, body: ShiftUpdate, principal: Manager, db: DB, now: Now
) -> ShiftOut:
    """Move or edit a shift; on a published one the change is audited and the agent told."""
    sent = body.model_fields_set
    shift = rosters.update_shift(
        db,
        actor=principal.actor,
        now=now,
        shift_id=shift_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        skills=body.skills if "skills" in sent else ...,
        note=body.note if "note" in sent else ...,
        breaks=[b.interval() for b in body.breaks] if body.breaks is not None else ...,
    )
    return ShiftOut.of(shift)


@router.delete("/shifts/{shift_id}", status_code=204)
def delete_shift(shift_id: ShiftId, principal: Manager, db: DB, now: Now) -> None:
    """Remove a shift; a published one is audited and its agent told it was cancelled."""
    rosters.delete_shift(db, actor=principal.actor, now=now, shift_id=shift_id)


@router.post("/rosters/publish", response_model=PublishOut)
def publish(body: PublishRequest, principal: Manager, db: DB, now: Now) -> PublishOut:
    """Publish the drafts starting in [from, to) (of one team when team_id is sent)."""
    shifts = rosters.publish_shifts(
        db,
        actor=principal.actor,
        now=now,
        starts=body.starts,
        ends=body.ends,
        team_id=body.team_id,
    )
    return PublishOut(published=len(shifts), items=[ShiftOut.of(x) for x in shifts])


@router.post("/rosters/copy-week", status_code=201, response_model=CopyWeekOut)
def copy_week(body: CopyWeekRequest, principal: Manager, db: DB, now: Now) -> CopyWeekOut:
    """Copy the shifts starting in one week (of one team when team_id is sent) into another as
    drafts, at the same wall-clock times in each agent's zone. A copy that would overlap a shift
    or fall in planned leave is skipped and counted, not fatal."""
    result = rosters.copy_week(
        db,
        actor=principal.actor,
        now=now,
        source_start=body.source_week,
        target_start=body.target_week,
        timezone=body.timezone,
        team_id=body.team_id,
    )
    return CopyWeekOut(
        created=len(result.created),
        skipped=len(result.skipped),
        items=[ShiftOut.of(x) for x in result.created],
        skipped_items=[
            SkippedCopyOut(shift_id=x.shift_id, reason=x.reason) for x in result.skipped
        ],
    )
