"""Grid views: /views lists my and my teams' views; /views/tickets and /views/orders are grids
configured through the URL (columns, filters, sorts, group-by), /views/{id} a saved one; each
exports to CSV and XLSX. The kanban lives in views_kanban.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import (
    HTMLResponse,
    RedirectResponse,
    Response,
)

from careloop.accounts.model import Permission, Principal, Role
from careloop.api.deps import MAX_ROW_ID, PathId
from careloop.errors import DomainError, Invalid, NotFound
from careloop.tickets import grid, views
from careloop.tickets.grid_spec import GridSpec, spec_from_config, spec_from_params
from careloop.tickets.tables import SavedView
from careloop.web import session, views_grid, views_kanban
from careloop.web.access import Db, Now, WebRoute, require_page
from careloop.web.errors import Problem
from careloop.web.i18n import N_, viewer_zone
from careloop.web.rendering import formatter_for, render
from careloop.web.views_labels import ENTITY_LABELS

router = APIRouter(route_class=WebRoute, include_in_schema=False)
router.include_router(views_kanban.router)  # /views/kanban before /views/{view_id}
Reader = Annotated[Principal, Depends(require_page(Permission.TICKETS_READ))]
Text = Annotated[str, Form(max_length=200)]
PAGE_SIZE = 50


def _user(principal: Principal) -> int:
    if principal.user_id is None:
        raise DomainError("only a signed-in user has saved views")
    return principal.user_id


def _admin(principal: Principal) -> bool:
    return principal.role == Role.ADMIN


@router.get("/views", response_class=HTMLResponse)
def view_list(request: Request, principal: Reader, db: Db) -> HTMLResponse:
    """My views and my teams' views, with who may change them."""
    user_id = _user(principal)
    saved = views.grid_views_for(db, user_id)
    manageable = views.manageable_view_ids(db, user_id, _admin(principal))
    teams = dict(views.teams_to_share_with(db, user_id, is_admin=True)) if saved else {}
    context = {
        "saved": saved,
        "manageable": manageable,
        "teams": teams,
        "entities": ENTITY_LABELS,
        "may_orders": principal.can(Permission.COMMERCE_READ),
    }
    return render(request, "views/list.html", context, principal=principal)


def grid_page(
    request: Request,
    principal: Principal,
    db: Db,
    spec: GridSpec,
    *,
    view: SavedView | None = None,
    path: str = "",
    problem: Problem | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The grid: a page of rows (in groups with their counts), the total, the forms."""
    user_id = _user(principal)
    fmt = formatter_for(request, principal)
    cursor = request.query_params.get("cursor") or None
    if cursor and len(cursor) > 2000:
        raise Invalid("the cursor is not one this view gave out", {"param": "cursor"})
    rows, next_cursor = grid.grid_rows(db, spec, limit=PAGE_SIZE, cursor=cursor)
    groups, more_groups = grid.grid_groups(db, spec)
    # A saved view as saved lives at its own address; changed, at the entity's, with ?view=.
    view_id = view.id if view is not None and not path else None
    manage = False
    if view is not None:
        manage = view.id in views.manageable_view_ids(db, user_id, _admin(principal))
    here = views_grid.grid_url(spec, view_id=view_id, path=path)
    context: dict[str, Any] = {
        "spec": spec,
        "view": view,
        "may_manage": manage,
        "entity_label": ENTITY_LABELS[spec.entity],
        "columns": [spec.column(k) for k in spec.columns],
        "rows": rows,
        "total": grid.grid_total(db, spec),
        "sections": views_grid.sections(spec, rows, groups, fmt),
        "more_groups": more_groups,
        "chips": views_grid.filter_chips(spec, fmt, path=path),
        "choices": views_grid.choices(spec.entity),
        "teams": views.teams_to_share_with(db, user_id, _admin(principal)),
        "width": views_grid.width,
        "label_kind": views_grid.label_kind,
        "params": spec.params(),
        "here": here,
        "next_url": views_grid.grid_url(spec, view_id=view_id, cursor=next_cursor, path=path)
        if next_cursor
        else None,
        "first_url": views_grid.grid_url(spec, view_id=view_id, path=path) if cursor else None,
        "export_base": f"{path or '/views/' + spec.entity}/export",
        "export_query": "" if path else views_grid.grid_url(spec).split("?", 1)[1],
        "problem": problem,
        "form": form or {"name": "", "team_id": ""},
    }
    return render(
        request,
        "views/grid.html",
        context,
        principal=principal,
        status=problem.status if problem else 200,
        page_url=here if request.method != "GET" else None,
    )


@router.get("/views/{entity}", response_class=HTMLResponse)
def ad_hoc_grid(request: Request, entity: str, principal: Reader, db: Db) -> Response:
    """A grid configured entirely by its URL; a grid form's fields are sent on to the canonical
    address, so what the address bar shows is the link to share."""
    if entity.isdigit():
        return saved_grid(request, _view_id(entity), principal, db)
    views_grid.check_entity(entity, principal)
    spec = views_grid.spec_of(request, entity, principal)
    view = None
    raw_view = request.query_params.get("view")
    if raw_view:
        view = views.grid_view_for(db, _user(principal), _view_id(raw_view))
        if view.entity != entity:
            raise NotFound(f"no saved view {view.id} of {entity}")
    if views_grid.from_form(request):
        url = views_grid.grid_url(spec, view_id=view.id if view else None)
        return RedirectResponse(url, status_code=303)
    return grid_page(request, principal, db, spec, view=view)


def _view_id(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ROW_ID:
        raise NotFound(f"no saved view {raw[:20]}")
    return int(raw)


def saved_grid(request: Request, view_id: int, principal: Principal, db: Db) -> Response:
    view = views.grid_view_for(db, _user(principal), view_id)
    views_grid.check_entity(view.entity, principal)
    spec = spec_from_config(view.entity, view.config)
    if views_grid.spec_params(request):  # the saved view, changed through its form
        changed = views_grid.spec_of(request, view.entity, principal)
        url = views_grid.grid_url(changed, view_id=view.id)
        return RedirectResponse(url, status_code=303)
    return grid_page(request, principal, db, spec, view=view, path=f"/views/{view.id}")


def _posted_spec(entity: str, principal: Principal, fields: dict[str, Any]) -> GridSpec:
    params = [("columns", fields["columns"]), ("sort", fields["sort"])]
    params += [("group", fields["group"])] + [("f", f) for f in fields["f"] if f]
    return spec_from_params(entity, params, viewer_zone(principal.timezone))


def _team(raw: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > MAX_ROW_ID:
        raise Invalid("choose a team from the list", {"field": "team_id"})
    return int(raw)


@router.post("/views", response_class=HTMLResponse)
def create_view(
    request: Request,
    principal: Reader,
    db: Db,
    now: Now,
    entity: Text = "",
    name: Text = "",
    team_id: Text = "",
    columns: Text = "",
    sort: Text = "",
    group: Text = "",
    f: Annotated[list[str], Form(max_length=30)] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    """Save the grid as shown under a name, for oneself or shared with a team."""
    views_grid.check_entity(entity, principal)
    fields = {"columns": columns, "sort": sort, "group": group, "f": f}
    spec = _posted_spec(entity, principal, fields)
    try:
        view = views.create_grid_view(
            db,
            actor=principal.actor,
            now=now,
            owner_id=_user(principal),
            is_admin=_admin(principal),
            name=name,
            spec=spec,
            team_id=_team(team_id),
        )
    except DomainError as exc:
        form = {"name": name[:100], "team_id": team_id}
        return grid_page(request, principal, db, spec, problem=Problem.of(exc), form=form)
    session.flash(request, N_("View %(name)s saved."), name=view.name)
    return RedirectResponse(f"/views/{view.id}", status_code=303)


@router.post("/views/{view_id}/update", response_class=HTMLResponse)
def update_view(
    request: Request,
    view_id: PathId,
    principal: Reader,
    db: Db,
    now: Now,
    columns: Text = "",
    sort: Text = "",
    group: Text = "",
    f: Annotated[list[str], Form(max_length=30)] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    """Keep the grid as shown in this saved view (its owner, its team's lead, an admin)."""
    view = views.grid_view_for(db, _user(principal), view_id)
    fields = {"columns": columns, "sort": sort, "group": group, "f": f}
    spec = _posted_spec(view.entity, principal, fields)
    views.update_grid_view(
        db,
        actor=principal.actor,
        now=now,
        view_id=view_id,
        user_id=_user(principal),
        is_admin=_admin(principal),
        spec=spec,
    )
    session.flash(request, N_("View %(name)s saved."), name=view.name)
    return RedirectResponse(f"/views/{view_id}", status_code=303)


@router.post("/views/{view_id}/delete")
def delete_view(request: Request, view_id: PathId, principal: Reader, db: Db, now: Now) -> Response:
    views.delete_grid_view(
        db,
        actor=principal.actor,
        now=now,
        view_id=view_id,
        user_id=_user(principal),
        is_admin=_admin(principal),
    )
    session.flash(request, N_("View deleted."))
    return RedirectResponse("/views", status_code=303)


@router.get("/views/{target}/export.{kind}")
def export(request: Request, target: str, kind: str, principal: Reader, db: Db) -> Response:
    """Every row of the grid (not only a page) as CSV or XLSX, in the viewer's zone and words."""
    if kind not in ("csv", "xlsx"):
        raise NotFound(f"no export as {kind[:10]!r}")
    if target.isdigit():
        view = views.grid_view_for(db, _user(principal), _view_id(target))
        spec = spec_from_config(view.entity, view.config)
    else:
        spec = views_grid.spec_of(request, target, principal)
    views_grid.check_entity(spec.entity, principal)
    fmt = formatter_for(request, principal)
    stamp = request.app.state.clock.now().astimezone(fmt.zone).strftime("%Y%m%d-%H%M")
    return views_grid.export_response(db, spec, fmt, f"{spec.entity}-{stamp}.{kind}", kind)
