"""The dashboards (/insights, /insights/support, /insights/quality, /insights/logistics): cards
and ECharts charts over the metrics, with global filters in the URL (period, brand, country,
channel) and a drill-down from every number to the grid of the tickets or orders behind it.
The page polls its panels (/insights/{name}/live) every minute; /insights/world.json gives the
world map's country shapes keyed by ISO alpha-2, as the `country` dimension is."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import pycountry
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from careloop.accounts.model import Permission, Principal
from careloop.accounts.queries import list_users
from careloop.errors import NotFound
from careloop.storage.engine import Database
from careloop.tickets.commerce_queries import list_brands
from careloop.tickets.commerce_tables import Brand
from careloop.web.access import Db, Now, WebRoute, require_page
from careloop.web.i18n import N_, Formatter
from careloop.web.insights_drill import Names
from careloop.web.insights_filters import DashFilters, parse_filters
from careloop.web.insights_pages import DASHBOARDS, Dashboard
from careloop.web.insights_panels import run_dashboard
from careloop.web.rendering import formatter_for, render
from careloop.workforce.roster_queries import list_teams

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[Principal, Depends(require_page(Permission.INSIGHTS_READ))]
REFRESH_SECONDS = 60
WORLD = Path(__file__).parent / "static" / "vendor" / "world-land.json"
PRESET_LABELS = {
    "7d": N_("Last 7 days"),
    "30d": N_("Last 30 days"),
    "90d": N_("Last 90 days"),
}
# Words insights.js puts on axes (tooltips carry the server's own formatting).
AXIS_WORDS = {"s": N_("s"), "min": N_("min"), "h": N_("h"), "d": N_("d")}


def _board(name: str) -> Dashboard:
    board = DASHBOARDS.get(name)
    if board is None:
        raise NotFound(f"no dashboard named {name[:40]!r}", {"known": sorted(DASHBOARDS)})
    return board


def _names(db: Database, board: Dashboard, brands: list[Brand]) -> Names:
    """Names of brands always (the filter offers them); of teams and agents when the board
    groups by them. One read each, whatever the number of rows."""
    teams: dict[str, str] = {}
    agents: dict[str, str] = {}
    if board.needs_people:
        teams = {str(t.id): t.name for t in list_teams(db)}
        agents = {str(u.id): u.name for u in list_users(db)}
    return Names({b.code: b.name for b in brands}, teams, agents)


@lru_cache(maxsize=1)
def _countries() -> tuple[str, ...]:
    return tuple(sorted(c.alpha_2 for c in pycountry.countries))


def _filters(
    request: Request, fmt: Formatter, db: Database, now: datetime
) -> tuple[DashFilters, list[Brand]]:
    brands = list_brands(db)
    filters = parse_filters(
        request.query_params.multi_items(),
        zone=fmt.zone,
        now=now,
        brands=[b.code for b in brands],
    )
    return filters, brands


def _context(
    request: Request, principal: Principal, db: Database, now: datetime, board: Dashboard
) -> dict[str, Any]:
    fmt = formatter_for(request, principal)
    filters, brands = _filters(request, fmt, db, now)
    result = run_dashboard(db, board, filters, fmt, _names(db, board, brands), now)
    span = result["span"]
    query = filters.query
    countries = sorted(((c, fmt.country(c)) for c in _countries()), key=lambda c: c[1])
    return {
        "board": board,
        "boards": list(DASHBOARDS.values()),
        "filters": filters,
        "query": query,
        "live_url": f"/insights/{board.name}/live?{query}",
        "brands": brands,
        "countries": countries,
        "channels": fmt.choices("channel"),
        "presets": PRESET_LABELS,
        "cards": result["cards"],
        "charts": result["charts"],
        "first_day": fmt.when(span.start),
        "last_day": fmt.when(span.end),
        "zone": fmt.zone.key,
        "refresh": REFRESH_SECONDS,
        "as_of": fmt.when(now),
        "axis_words": {k: fmt.gettext(v) for k, v in AXIS_WORDS.items()},
    }


def _page(
    request: Request, principal: Principal, db: Database, now: datetime, name: str
) -> Response:
    """The dashboard; the filter form's submission (empty fields and all) is sent on to the
    short address that shows the same, so the address bar holds a link worth sharing."""
    board = _board(name)
    if any(v == "" for k, v in request.query_params.multi_items() if k != "lang"):
        fmt = formatter_for(request, principal)
        filters, _ = _filters(request, fmt, db, now)
        return RedirectResponse(f"{board.path}?{filters.query}", status_code=303)
    context = _context(request, principal, db, now, board)
    return render(request, "insights/dashboard.html", context, principal=principal)


@router.get("/insights", response_class=HTMLResponse)
def overview(request: Request, principal: Reader, db: Db, now: Now) -> Response:
    """Complaints, their rate per 1,000 orders, returns, response and backlog at a glance."""
    return _page(request, principal, db, now, "overview")


@router.get("/insights/world.json")
def world_map(_: Reader) -> Response:
    """The world's countries as GeoJSON, keyed by ISO alpha-2 (the shapes `make assets` made
    small); the browser keeps them a day."""
    return Response(
        _world(), media_type="application/json", headers={"Cache-Control": "max-age=86400"}
    )


@lru_cache(maxsize=1)
def _world() -> bytes:
    if not WORLD.exists():
        raise NotFound("the world map was not built: run `make assets`")
    shapes = json.loads(WORLD.read_text(encoding="utf-8"))
    for feature in shapes["features"]:
        code = feature["properties"].pop("A3", "")
        country = pycountry.countries.get(alpha_3=code) if code else None
        feature["properties"]["name"] = country.alpha_2 if country else code
    return json.dumps(shapes, separators=(",", ":")).encode()


@router.get("/insights/{name}", response_class=HTMLResponse)
def dashboard(request: Request, name: str, principal: Reader, db: Db, now: Now) -> Response:
    """Support, quality or logistics."""
    return _page(request, principal, db, now, name)


@router.get("/insights/{name}/live", response_class=HTMLResponse)
def dashboard_live(
    request: Request, name: str, principal: Reader, db: Db, now: Now
) -> HTMLResponse:
    """The panels without the frame, which the page polls."""
    context = _context(request, principal, db, now, _board(name))
    return render(request, "insights/_live.html", context, principal=principal)
