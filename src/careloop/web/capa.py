"""Root-cause (CAPA) pages: /capa, the board with a column per 8D stage; /capa/new (also
prefilled from a ticket); /capa/{id}, the task with its stages, links, verification and the
customers who received the suspect batch. Forms call the actions in alerts/capa.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError

from careloop.accounts.model import Permission, Principal
from careloop.alerts import capa as actions
from careloop.alerts import capa_queries as queries
from careloop.alerts import capa_trace as trace
from careloop.alerts.capa_model import CATEGORIES, STAGES
from careloop.alerts.capa_schemas import CapaCreate, LinkIn, StageUpdate
from careloop.api.deps import MAX_ROW_ID, PathId
from careloop.downloads import attachment
from careloop.errors import DomainError, Invalid, field_errors
from careloop.web import session
from careloop.web.access import Db, Now, WebRoute, require_page
from careloop.web.errors import Problem
from careloop.web.i18n import N_, viewer_zone
from careloop.web.rendering import is_htmx, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[Principal, Depends(require_page(Permission.CAPA_READ))]
Manager = Annotated[Principal, Depends(require_page(Permission.CAPA_MANAGE))]
Short = Annotated[str, Form(max_length=200)]
LongForm = Annotated[str, Form(max_length=20_000)]
STAGE_LABELS = {
    "d1": N_("D1 Team"),
    "d2": N_("D2 Problem description"),
    "d3": N_("D3 Containment"),
    "d4": N_("D4 Root cause"),
    "d5": N_("D5 Corrective action"),
    "d6": N_("D6 Verification"),
    "d7": N_("D7 Prevention"),
    "d8": N_("D8 Closure"),
}
CATEGORY_LABELS = {"quality": N_("Quality"), "logistics": N_("Logistics"), "other": N_("Other")}
RECEIVERS_PAGE = 50


def _today(principal: Principal, now: datetime) -> date:
    return now.astimezone(viewer_zone(principal.timezone)).date()


def _invalid(exc: ValidationError) -> Invalid:
    fields = field_errors(exc.errors())
    where = fields[0]["loc"][-1] if fields and fields[0]["loc"] else ""
    return Invalid("; ".join(f"{f['loc'][-1] if f['loc'] else ''}: {f['message']}" for f in fields),
                   {"field": where})  # fmt: skip


def _int(value: str, field: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_ROW_ID:
        raise Invalid(f"{field} is not a number", {"field": field})
    return int(value)


def _board_filter(category: str, owner: str) -> queries.BoardFilter:
    return queries.BoardFilter(
        category=category if category in CATEGORIES else None,
        owner_id=int(owner) if owner.isdigit() and int(owner) <= MAX_ROW_ID else None,
    )


@router.get("/capa", response_class=HTMLResponse)
def board_page(
    request: Request,
    principal: Reader,
    db: Db,
    now: Now,
    category: Annotated[str, Query(max_length=20)] = "",
    owner: Annotated[str, Query(max_length=12)] = "",
) -> HTMLResponse:
    f = _board_filter(category, owner)
    context = {
        "columns": queries.board(db, f, today=_today(principal, now)),
        "stage_labels": STAGE_LABELS,
        "category_labels": CATEGORY_LABELS,
        "users": queries.active_users(db),
        "category": f.category or "",
        "owner": f.owner_id or "",
    }
    return render(request, "capa/board.html", context, principal=principal)


@router.get("/capa/new", response_class=HTMLResponse)
def new_page(
    request: Request,
    principal: Manager,
    db: Db,
    ticket: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> HTMLResponse:
    """The form, prefilled from a complaint when `ticket` is given (its SKU, batch, category)."""
    values: dict[str, Any] = {"title": "", "category": "quality", "sku": "", "batch": "",
                              "carrier": "", "region": "", "ticket_ids": ""}  # fmt: skip
    if ticket is not None:
        back = trace.trace_back(db, ticket)
        values.update(sku=back.sku or "", batch=back.batch or "", ticket_ids=str(ticket))
        if back.sku and back.batch:
            values["title"] = f"{back.sku} {back.batch}"
    return _new_form(request, principal, db, values)


def _new_form(
    request: Request,
    principal: Principal,
    db: Db,
    values: dict[str, Any],
    problem: Problem | None = None,
) -> HTMLResponse:
    context = {"values": values, "users": queries.active_users(db), "problem": problem,
               "category_labels": CATEGORY_LABELS}  # fmt: skip
    status = problem.status if problem else 200
    return render(request, "capa/new.html", context, principal=principal, status=status,
                  page_url="/capa/new")  # fmt: skip


@router.post("/capa/new", response_class=HTMLResponse)
def create(
    request: Request,
    principal: Manager,
    db: Db,
    now: Now,
    title: Short = "",
    category: Annotated[str, Form(max_length=20)] = "",
    description: LongForm = "",
    owner_id: Annotated[str, Form(max_length=12)] = "",
    sku: Short = "",
    batch: Short = "",
    carrier: Short = "",
    region: Short = "",
    ticket_ids: Short = "",
) -> Response:
    values = {"title": title, "category": category, "description": description,
              "owner_id": owner_id, "sku": sku, "batch": batch, "carrier": carrier,
              "region": region, "ticket_ids": ticket_ids}  # fmt: skip
    try:
        try:
            data = CapaCreate.model_validate({
                "title": title, "category": category, "description": description,
                "owner_id": _int(owner_id, "owner_id"), "sku": sku or None,
                "batch": batch or None, "carrier": carrier or None, "region": region or None,
                "ticket_ids": [_int(t, "ticket_ids") for t in ticket_ids.replace(",", " ").split()],
            })  # fmt: skip
        except ValidationError as exc:
            raise _invalid(exc) from None
        task_id = actions.open_capa_task(db, actor=principal.actor, now=now, data=data)
    except DomainError as exc:
        return _new_form(request, principal, db, values, Problem.of(exc))
    session.flash(request, N_("Root-cause task %(id)s opened."), id=str(task_id))
    return RedirectResponse(f"/capa/{task_id}", status_code=303)


def task_page(
    request: Request,
    principal: Principal,
    db: Db,
    now: datetime,
    task_id: int,
    *,
    after: int | None = None,
    problem: Problem | None = None,
) -> HTMLResponse:
    view = queries.get_task(db, task_id)
    t = view.task
    receivers = (
        trace.trace_forward(db, t.sku, t.batch, limit=RECEIVERS_PAGE, after=after)
        if t.sku and t.batch
        else None
    )
    context = {
        "view": view,
        "task": t,
        "today": _today(principal, now),
        "stage_labels": STAGE_LABELS,
        "category_labels": CATEGORY_LABELS,
        "users": queries.active_users(db),
        "receivers": receivers,
        "csv_url": "/capa/trace-forward.csv?"
        + urlencode({"sku": t.sku or "", "batch": t.batch or ""}),
        "problem": problem,
    }
    status = problem.status if problem else 200
    return render(
        request, "capa/task.html", context, principal=principal, status=status,
        page_url=f"/capa/{task_id}",
    )  # fmt: skip


@router.get("/capa/trace-forward.csv")
def receivers_csv(
    principal: Reader,
    db: Db,
    sku: Annotated[str, Query(min_length=1, max_length=64)],
    batch: Annotated[str, Query(min_length=1, max_length=64)],
) -> StreamingResponse:
    chunks = trace.csv_chunks(db, sku, batch)
    disposition = attachment(f"receivers-{sku}-{batch}.csv")
    return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers=disposition)


@router.get("/capa/{task_id}", response_class=HTMLResponse)
def show(
    request: Request,
    task_id: PathId,
    principal: Reader,
    db: Db,
    now: Now,
    after: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> HTMLResponse:
    return task_page(request, principal, db, now, task_id, after=after)


def _after_change(request: Request, principal: Principal, db: Db, now: datetime, task_id: int,
                  message: str, problem: Problem | None) -> Response:  # fmt: skip
    if problem is not None:
        return task_page(request, principal, db, now, task_id, problem=problem)
    session.flash(request, message)
    if is_htmx(request):
        return task_page(request, principal, db, now, task_id)
    return RedirectResponse(f"/capa/{task_id}", status_code=303)


@router.post("/capa/{task_id}/stages/{stage}/done", response_class=HTMLResponse)
def complete(
    request: Request, task_id: PathId, stage: str, principal: Manager, db: Db, now: Now,
    notes: LongForm = "",
) -> Response:  # fmt: skip
    problem = None
    try:
        if stage not in STAGES:
            raise Invalid("no such stage", {"field": "stage"})
        actions.complete_stage(db, actor=principal.actor, now=now, task_id=task_id, stage=stage,
                               notes=notes.strip() or None)  # fmt: skip
    except DomainError as exc:
        problem = Problem.of(exc)
    return _after_change(request, principal, db, now, task_id, N_("Stage done."), problem)


@router.post("/capa/{task_id}/stages/{stage}", response_class=HTMLResponse)
def edit_stage(
    request: Request, task_id: PathId, stage: str, principal: Manager, db: Db, now: Now,
    owner_id: Annotated[str, Form(max_length=12)] = "",
    due_on: Annotated[str, Form(max_length=10)] = "",
    notes: LongForm = "",
) -> Response:  # fmt: skip
    problem = None
    try:
        if stage not in STAGES:
            raise Invalid("no such stage", {"field": "stage"})
        try:
            data = StageUpdate.model_validate(
                {"owner_id": _int(owner_id, "owner_id"), "due_on": due_on or None, "notes": notes}
            )
        except ValidationError as exc:
            raise _invalid(exc) from None
        actions.update_stage(db, actor=principal.actor, now=now, task_id=task_id, stage=stage,
                             data=data)  # fmt: skip
    except DomainError as exc:
        problem = Problem.of(exc)
    return _after_change(request, principal, db, now, task_id, N_("Stage saved."), problem)


@router.post("/capa/{task_id}/links", response_class=HTMLResponse)
def add_link(
    request: Request, task_id: PathId, principal: Manager, db: Db, now: Now,
    ticket_id: Annotated[str, Form(max_length=12)] = "",
    order_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:  # fmt: skip
    problem = None
    try:
        try:
            data = LinkIn.model_validate({"ticket_id": _int(ticket_id, "ticket_id"),
                                          "order_id": _int(order_id, "order_id")})  # fmt: skip
        except ValidationError as exc:
            raise _invalid(exc) from None
        actions.link(db, actor=principal.actor, now=now, task_id=task_id, data=data)
    except DomainError as exc:
        problem = Problem.of(exc)
    return _after_change(request, principal, db, now, task_id, N_("Link added."), problem)


@router.post("/capa/{task_id}/links/{link_id}/delete", response_class=HTMLResponse)
def remove_link(
    request: Request, task_id: PathId, link_id: PathId, principal: Manager, db: Db, now: Now
) -> Response:
    problem = None
    try:
        actions.unlink(db, actor=principal.actor, now=now, task_id=task_id, link_id=link_id)
    except DomainError as exc:
        problem = Problem.of(exc)
    return _after_change(request, principal, db, now, task_id, N_("Link removed."), problem)


@router.post("/capa/{task_id}/reopen", response_class=HTMLResponse)
def reopen(
    request: Request, task_id: PathId, principal: Manager, db: Db, now: Now,
    stage: Annotated[str, Form(max_length=2)] = "d4",
) -> Response:  # fmt: skip
    problem = None
    try:
        actions.reopen_capa_task(db, actor=principal.actor, now=now, task_id=task_id, stage=stage)
    except DomainError as exc:
        problem = Problem.of(exc)
    return _after_change(request, principal, db, now, task_id, N_("Task reopened."), problem)
