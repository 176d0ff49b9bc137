"""The kanban of tickets by status (/views/kanban): the grid's filters, a column per working
status, and moving a card, which is a status change through the ticket action (audited,
refused when the life cycle forbids it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from careloop.accounts.model import Permission, Principal
from careloop.api.deps import MAX_ROW_ID
from careloop.errors import DomainError, Invalid
from careloop.routing.actions import drain_queue_after
from careloop.tickets import actions
from careloop.tickets.grid_kanban import KANBAN_STATUSES, kanban
from careloop.tickets.grid_spec import GridSpec, spec_from_params
from careloop.tickets.model import Status
from careloop.tickets.schemas import TicketUpdate
from careloop.web import session, views_grid
from careloop.web.access import Db, Now, WebRoute, require_page
from careloop.web.errors import Problem
from careloop.web.i18n import N_, viewer_zone
from careloop.web.rendering import formatter_for, is_htmx, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[Principal, Depends(require_page(Permission.TICKETS_READ))]
Worker = Annotated[Principal, Depends(require_page(Permission.TICKETS_WORK))]
PATH = views_grid.KANBAN


def age(created_at: datetime, now: datetime) -> tuple[int, str]:
    """How long a ticket has waited, in its largest whole unit (min, h, d)."""
    minutes = max(0, int((now - created_at).total_seconds() // 60))
    if minutes < 60:
        return minutes, "min"
    if minutes < 24 * 60:
        return minutes // 60, "h"
    return minutes // (24 * 60), "d"


def kanban_page(
    request: Request,
    principal: Principal,
    db: Db,
    spec: GridSpec,
    *,
    problem: Problem | None = None,
) -> HTMLResponse:
    fmt = formatter_for(request, principal)
    context: dict[str, Any] = {
        "spec": spec,
        "board": kanban(db, spec),
        "chips": views_grid.filter_chips(spec, fmt, path=PATH),
        "choices": views_grid.choices("tickets"),
        "filter_params": [("f", f.param()) for f in spec.filters],
        "statuses": KANBAN_STATUSES,
        "age": age,
        "here": views_grid.grid_url(spec, path=PATH),
        "problem": problem,
    }
    return render(
        request,
        "views/kanban.html",
        context,
        principal=principal,
        status=problem.status if problem else 200,
        page_url=context["here"] if request.method != "GET" else None,
    )


def _filters_only(request: Request, principal: Principal) -> GridSpec:
    zone = viewer_zone(principal.timezone)
    params = [(k, v) for k, v in views_grid.spec_params(request) if k in ("f", "fc", "fo", "fv")]
    return spec_from_params("tickets", params, zone)


@router.get(PATH, response_class=HTMLResponse)
def board(request: Request, principal: Reader, db: Db) -> Response:
    spec = _filters_only(request, principal)
    if views_grid.from_form(request):
        return RedirectResponse(views_grid.grid_url(spec, path=PATH), status_code=303)
    return kanban_page(request, principal, db, spec)


@router.post(f"{PATH}/move", response_class=HTMLResponse)
def move(
    request: Request,
    principal: Worker,
    db: Db,
    now: Now,
    ticket_id: Annotated[int, Form(ge=1, le=MAX_ROW_ID)],
    status: Annotated[str, Form(max_length=20)],
    f: Annotated[list[str], Form(max_length=30)] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    """Move a card to another column: the ticket's status changes through the ticket action,
    so the life cycle, the audit trail and the SLA clocks apply; a refused move says why."""
    spec = spec_from_params("tickets", [("f", v) for v in f if v], viewer_zone(principal.timezone))
    problem = None
    try:
        if status not in {s.value for s in KANBAN_STATUSES}:
            raise Invalid(f"{status[:20]!r} is not a column of the board", {"field": "status"})
        data = TicketUpdate.model_validate({"status": Status(status)})
        actions.update_ticket(db, actor=principal.actor, now=now, ticket_id=ticket_id, data=data)
    except DomainError as exc:
        problem = Problem.of(exc)
    if problem is not None:
        return kanban_page(request, principal, db, spec, problem=problem)
    # As the ticket page does: a solved ticket frees room, a reopened one waits.
    drain_queue_after(db, now=now)
    session.flash(request, N_("Ticket %(id)s moved."), id=str(ticket_id))
    if is_htmx(request):
        return kanban_page(request, principal, db, spec)
    return RedirectResponse(views_grid.grid_url(spec, path=PATH), status_code=303)
