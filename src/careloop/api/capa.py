"""Root-cause (CAPA) tasks over JSON: open, read, edit, stages, links, verification, close
and reopen (supervisors and admins), and tracing a complaint back to its batch and a batch
forward to its customers (everyone who reads CAPA)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from careloop.accounts.model import Permission, Principal
from careloop.alerts import capa as actions
from careloop.alerts import capa_queries as queries
from careloop.alerts import capa_trace as trace
from careloop.alerts.capa_model import STAGE_NAMES
from careloop.alerts.capa_schemas import (
    CapaCardOut,
    CapaCreate,
    CapaOut,
    CapaPage,
    CapaUpdate,
    ComplaintOut,
    LinkIn,
    LinkOut,
    ReceiverOut,
    Reopen,
    StageDone,
    StageOut,
    StageUpdate,
    TraceBackOut,
    TraceForwardOut,
    VerificationIn,
    VerificationOut,
)
from careloop.api.deps import DB, Now, PathId, QueryId, require
from careloop.downloads import attachment

router = APIRouter(prefix="/api/v1", tags=["capa"])

Reader = Annotated[Principal, Depends(require(Permission.CAPA_READ))]
Manager = Annotated[Principal, Depends(require(Permission.CAPA_MANAGE))]
StagePath = Literal["d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8"]
Text64 = Annotated[str, Query(min_length=1, max_length=64)]


def task_out(db: DB, task_id: int, today: date) -> CapaOut:
    view = queries.get_task(db, task_id)
    t = view.task
    return CapaOut(
        id=t.id,
        title=t.title,
        description=t.description,
        category=t.category,
        stage=t.stage,
        owner_id=t.owner_id,
        member_ids=view.member_ids,
        sku=t.sku,
        batch=t.batch,
        carrier=t.carrier,
        region=t.region,
        alert_rule_id=t.alert_rule_id,
        alert_fingerprint=t.alert_fingerprint,
        alert_labels=t.alert_labels,
        created_by_id=t.created_by_id,
        created_at=t.created_at,
        updated_at=t.updated_at,
        closed_at=t.closed_at,
        stages=[
            StageOut(
                stage=s.stage,
                name=STAGE_NAMES[s.stage],
                owner_id=s.owner_id,
                due_on=s.due_on,
                notes=s.notes,
                done_at=s.done_at,
                done_by_id=s.done_by_id,
                done_by_label=s.done_by_label,
                overdue=view.overdue(s, today),
            )
            for s in view.stages
        ],
        links=[LinkOut.model_validate(link) for link in view.links],
        verification=VerificationOut.model_validate(view.verification)
        if view.verification
        else None,
    )


@router.get("/capa", response_model=CapaPage)
def list_tasks(
    _: Reader,
    db: DB,
    now: Now,
    category: Literal["quality", "logistics", "other"] | None = None,
    owner_id: QueryId = None,
    include_closed: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> CapaPage:
    """Root-cause tasks newest first; `stage` is the first 8D stage not done."""
    f = queries.BoardFilter(category=category, owner_id=owner_id, include_closed=include_closed)
    cards, next_cursor = queries.list_tasks(db, f, today=now.date(), limit=limit, cursor=cursor)
    return CapaPage(items=[CapaCardOut.model_validate(c) for c in cards], next_cursor=next_cursor)


@router.post("/capa", status_code=201, response_model=CapaOut)
def open_task(body: CapaCreate, principal: Manager, db: DB, now: Now) -> CapaOut:
    """Open a task by hand or from an alert (rule id, series fingerprint, labels). A quality
    task with a SKU watches its quality complaints per 1,000 orders delivered unless
    `verification` says otherwise. Unknown users are 422, unknown tickets or orders 404."""
    task_id = actions.open_capa_task(db, actor=principal.actor, now=now, data=body)
    return task_out(db, task_id, now.date())


@router.get("/capa/trace-forward", response_model=TraceForwardOut)
def trace_forward(
    _: Reader,
    db: DB,
    sku: Text64,
    batch: Text64,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: QueryId = None,
) -> TraceForwardOut:
    """Every order delivered with this SKU and batch and its customer, by order id; the next
    page starts `after` the `next_cursor` order id."""
    page = trace.trace_forward(db, sku, batch, limit=limit, after=after)
    return TraceForwardOut(
        sku=page.sku,
        batch=page.batch,
        orders=page.orders,
        customers=page.customers,
        units=page.units,
        items=[ReceiverOut.model_validate(r) for r in page.items],
        next_cursor=str(page.next_cursor) if page.next_cursor else None,
    )


@router.get("/capa/trace-forward.csv")
def trace_forward_csv(_: Reader, db: DB, sku: Text64, batch: Text64) -> StreamingResponse:
    """The same receivers, all of them, as CSV (instants in UTC)."""
    chunks = trace.csv_chunks(db, sku, batch)
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers=attachment(f"receivers-{sku}-{batch}.csv"),
    )


@router.get("/capa/{task_id}", response_model=CapaOut)
def get_task(task_id: PathId, _: Reader, db: DB, now: Now) -> CapaOut:
    return task_out(db, task_id, now.date())


@router.patch("/capa/{task_id}", response_model=CapaOut)
def update_task(task_id: PathId, body: CapaUpdate, principal: Manager, db: DB, now: Now) -> CapaOut:
    actions.update_capa_task(db, actor=principal.actor, now=now, task_id=task_id, data=body)
    return task_out(db, task_id, now.date())


@router.patch("/capa/{task_id}/stages/{stage}", response_model=CapaOut)
def update_stage(
    task_id: PathId, stage: StagePath, body: StageUpdate, principal: Manager, db: DB, now: Now
) -> CapaOut:
    """A stage's owner, due date (a calendar day) or notes."""
    actions.update_stage(
        db, actor=principal.actor, now=now, task_id=task_id, stage=stage, data=body
    )
    return task_out(db, task_id, now.date())


@router.post("/capa/{task_id}/stages/{stage}/done", response_model=CapaOut)
def complete_stage(
    task_id: PathId, stage: StagePath, body: StageDone, principal: Manager, db: DB, now: Now
) -> CapaOut:
    """Mark a stage done: 409 when done already or when a stage it waits for is not (D3 and D4
    wait for D2, D5 for D3 and D4, D6 and D7 for D5, D8 for D6 and D7). D8 closes the task."""
    actions.complete_stage(
        db, actor=principal.actor, now=now, task_id=task_id, stage=stage, notes=body.notes
    )
    return task_out(db, task_id, now.date())


@router.post("/capa/{task_id}/close", response_model=CapaOut)
def close_task(task_id: PathId, body: StageDone, principal: Manager, db: DB, now: Now) -> CapaOut:
    actions.close_capa_task(db, actor=principal.actor, now=now, task_id=task_id, notes=body.notes)
    return task_out(db, task_id, now.date())


@router.post("/capa/{task_id}/reopen", response_model=CapaOut)
def reopen_task(task_id: PathId, body: Reopen, principal: Manager, db: DB, now: Now) -> CapaOut:
    """Reopen a closed task at a stage (D4 by default): it and the later stages are undone."""
    actions.reopen_capa_task(db, actor=principal.actor, now=now, task_id=task_id, stage=body.stage)
    return task_out(db, task_id, now.date())


@router.put("/capa/{task_id}/verification", response_model=CapaOut)
def set_verification(
    task_id: PathId, body: VerificationIn, principal: Manager, db: DB, now: Now
) -> CapaOut:
    actions.set_verification(db, actor=principal.actor, now=now, task_id=task_id, data=body)
    return task_out(db, task_id, now.date())


@router.delete("/capa/{task_id}/verification", response_model=CapaOut)
def clear_verification(task_id: PathId, principal: Manager, db: DB, now: Now) -> CapaOut:
    """Verify by hand: nothing is watched."""
    actions.set_verification(db, actor=principal.actor, now=now, task_id=task_id, data=None)
    return task_out(db, task_id, now.date())


@router.post("/capa/{task_id}/links", status_code=201, response_model=CapaOut)
def add_link(task_id: PathId, body: LinkIn, principal: Manager, db: DB, now: Now) -> CapaOut:
    actions.link(db, actor=principal.actor, now=now, task_id=task_id, data=body)
    return task_out(db, task_id, now.date())


@router.delete("/capa/{task_id}/links/{link_id}", response_model=CapaOut)
def remove_link(task_id: PathId, link_id: PathId, principal: Manager, db: DB, now: Now) -> CapaOut:
    actions.unlink(db, actor=principal.actor, now=now, task_id=task_id, link_id=link_id)
    return task_out(db, task_id, now.date())


@router.get("/tickets/{ticket_id}/trace", response_model=TraceBackOut)
def trace_back(ticket_id: PathId, _: Reader, db: DB) -> TraceBackOut:
    """The complaint's order, line item, SKU and batch, the other complaints on that batch
    (the latest 50; `complaints_on_batch` counts all, this one included) and its tasks."""
    t = trace.trace_back(db, ticket_id)
    return TraceBackOut(
        ticket_id=t.ticket_id,
        order_id=t.order_id,
        order_number=t.order_number,
        line_item_id=t.line_item_id,
        sku=t.sku,
        batch=t.batch,
        customer_id=t.customer_id,
        complaints_on_batch=t.complaints_on_batch,
        other_complaints=[ComplaintOut.model_validate(c) for c in t.other_complaints],
        capa_task_ids=t.capa_task_ids,
    )
