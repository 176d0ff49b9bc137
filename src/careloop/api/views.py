"""Grid views over JSON: saved views (list, create, read, update, delete), the rows of a saved
view or of an ad hoc grid with cursor paging and group counts, and exports to CSV or XLSX."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from careloop.accounts.model import Permission, Principal, Role
from careloop.api.deps import DB, Now, PathId, require
from careloop.errors import Forbidden
from careloop.tickets import grid, views
from careloop.tickets.grid_schemas import (
    RowsPage,
    ViewCreate,
    ViewOut,
    ViewUpdate,
    rows_page,
)
from careloop.tickets.grid_spec import GridSpec, spec_from_config, spec_from_params
from careloop.web.i18n import Formatter, normal_locale, viewer_zone
from careloop.web.views_grid import export_response

router = APIRouter(prefix="/api/v1/views", tags=["views"])
Reader = Annotated[Principal, Depends(require(Permission.TICKETS_READ))]
Limit = Annotated[int, Query(ge=1, le=grid.MAX_PAGE)]
Cursor = Annotated[str | None, Query(max_length=2000)]
Entity = Literal["tickets", "orders"]
ENTITY_PERMISSION = {"tickets": Permission.TICKETS_READ, "orders": Permission.COMMERCE_READ}


def _user(principal: Principal) -> int:
    if principal.user_id is None:
        raise Forbidden("saved views belong to users; this token has none")
    return principal.user_id


def _admin(principal: Principal) -> bool:
    return principal.role == Role.ADMIN


def _may_read(principal: Principal, entity: str) -> None:
    if not principal.can(ENTITY_PERMISSION[entity]):
        raise Forbidden(
            f"role {principal.role.value} may not read {entity}",
            {"required": ENTITY_PERMISSION[entity].value},
        )


def _saved_spec(db: DB, principal: Principal, view_id: int) -> GridSpec:
    view = views.grid_view_for(db, _user(principal), view_id)
    _may_read(principal, view.entity)
    return spec_from_config(view.entity, view.config)


@router.get("", response_model=list[ViewOut])
def list_views(principal: Reader, db: DB) -> list[ViewOut]:
    """The caller's views and those shared with their teams, by name."""
    return [ViewOut.of(v) for v in views.grid_views_for(db, _user(principal))]


@router.post("", status_code=201, response_model=ViewOut)
def create_view(body: ViewCreate, principal: Reader, db: DB, now: Now) -> ViewOut:
    """Save a grid configuration; `team_id` shares it with one of the caller's teams."""
    _may_read(principal, body.entity)
    spec = spec_from_config(body.entity, body.config.model_dump())
    view = views.create_grid_view(
        db,
        actor=principal.actor,
        now=now,
        owner_id=_user(principal),
        is_admin=_admin(principal),
        name=body.name,
        spec=spec,
        team_id=body.team_id,
    )
    return ViewOut.of(view)


@router.get("/grid/{entity}/rows", response_model=RowsPage)
def ad_hoc_rows(
    request: Request,
    entity: Entity,
    principal: Reader,
    db: DB,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> RowsPage:
    """Rows of a grid described in the query string as on the pages: `columns=id,subject`,
    `f=status:in:new,open` (repeated), `sort=-created`, `group=brand`."""
    _may_read(principal, entity)
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("limit", "cursor")]
    spec = spec_from_params(entity, params, viewer_zone(principal.timezone))
    return _rows(db, spec, limit, cursor)


def _rows(db: DB, spec: GridSpec, limit: int, cursor: str | None) -> RowsPage:
    rows, next_cursor = grid.grid_rows(db, spec, limit=limit, cursor=cursor)
    groups, _ = grid.grid_groups(db, spec)
    return rows_page(spec, rows, grid.grid_total(db, spec), groups, next_cursor)


@router.get("/{view_id}", response_model=ViewOut)
def get_view(view_id: PathId, principal: Reader, db: DB) -> ViewOut:
    return ViewOut.of(views.grid_view_for(db, _user(principal), view_id))


@router.patch("/{view_id}", response_model=ViewOut)
def update_view(view_id: PathId, body: ViewUpdate, principal: Reader, db: DB, now: Now) -> ViewOut:
    """Rename, reconfigure or (un)share a view: its owner, its team's lead or an admin."""
    current = views.grid_view_for(db, _user(principal), view_id)
    spec = spec_from_config(current.entity, body.config.model_dump()) if body.config else None
    sent = body.model_fields_set
    view = views.update_grid_view(
        db,
        actor=principal.actor,
        now=now,
        view_id=view_id,
        user_id=_user(principal),
        is_admin=_admin(principal),
        name=body.name,
        spec=spec,
        team_id=body.team_id if "team_id" in sent else views.KEEP,
    )
    return ViewOut.of(view)


@router.delete("/{view_id}", status_code=204)
def delete_view(view_id: PathId, principal: Reader, db: DB, now: Now) -> None:
    views.delete_grid_view(
        db,
        actor=principal.actor,
        now=now,
        view_id=view_id,
        user_id=_user(principal),
        is_admin=_admin(principal),
    )


@router.get("/{view_id}/rows", response_model=RowsPage)
def view_rows(
    view_id: PathId, principal: Reader, db: DB, limit: Limit = 50, cursor: Cursor = None
) -> RowsPage:
    """A page of the view's rows in its order, its group counts and its total."""
    return _rows(db, _saved_spec(db, principal, view_id), limit, cursor)


@router.get("/{view_id}/export")
def export_view(
    view_id: PathId,
    principal: Reader,
    db: DB,
    format: Literal["csv", "xlsx"] = "csv",
) -> Response:
    """Every row of the view as CSV (streamed) or XLSX, instants in the caller's time zone."""
    spec = _saved_spec(db, principal, view_id)
    shows = Formatter(
        locale=normal_locale(principal.locale) or "en", zone=viewer_zone(principal.timezone)
    )
    return export_response(db, spec, shows, f"{spec.entity}-view-{view_id}.{format}", format)
