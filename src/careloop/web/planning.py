"""The planning page (/planning): the arrivals forecast per language (or category, channel) with
its recent actuals and prediction band, the backtest error, the agents each interval needs under
the chosen staffing model, and the published roster's agents per hour against that requirement.
The controls live in the URL; /planning/panels is the charts alone, which the form fetches when
a control changes (and the address bar follows)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from careloop.accounts.model import Permission, Principal
from careloop.storage.engine import Database
from careloop.web.access import Db, Now, WebRoute, require_page
from careloop.web.i18n import N_
from careloop.web.planning_charts import WORDS, panels
from careloop.web.planning_params import PlanningParams, number_text, parse_params
from careloop.web.rendering import formatter_for, render
from careloop.workforce.planning import plan_staffing

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[Principal, Depends(require_page(Permission.WORKFORCE_READ))]
GROUPINGS = {
    "language": N_("Language"),
    "category": N_("Category"),
    "channel": N_("Channel"),
    "none": N_("All tickets"),
}
MODELS = {
    "erlang_c": N_("Live work: Erlang C"),
    "erlang_a": N_("Live work with abandonment: Erlang A"),
    "backlog": N_("Asynchronous tickets: backlog"),
}
METHODS = {
    "poisson_glm": N_("Poisson regression"),
    "negative_binomial_glm": N_("Negative binomial regression"),
    "flat_rate": N_("Flat rate"),
}


def _address(params: PlanningParams) -> str:
    return f"/planning?{params.query}" if params.query else "/planning"


def _context(
    request: Request, principal: Principal, db: Database, now: datetime, params: PlanningParams
) -> dict[str, Any]:
    fmt = formatter_for(request, principal)
    plan = plan_staffing(
        db, now=now, settings=params.settings(fmt.zone.key), target=params.target(),
        group_by=params.dims,
    )  # fmt: skip
    groups, combined = panels(plan, fmt, params.dims)
    return {
        "params": params,
        "number": number_text,
        "groupings": GROUPINGS,
        "models": MODELS,
        "methods": METHODS,
        "panels": groups,
        "combined": combined,
        "with_roster": plan.rostered.shifts > 0,
        "origin": fmt.when(plan.demand.origin),
        "history_start": fmt.when(plan.demand.history_start),
        "zone": fmt.zone.key,
        "address": _address(params),
        "words": {k: fmt.gettext(v) for k, v in WORDS.items()},
    }


@router.get("/planning", response_class=HTMLResponse)
def planning(request: Request, principal: Reader, db: Db, now: Now) -> Response:
    """The page; a query that is not the canonical one (the form sends every field) is sent on
    to the short address showing the same, so the address bar holds a link worth sharing."""
    items = request.query_params.multi_items()
    params = parse_params(items)
    if urlencode([(k, v) for k, v in items if k != "lang"]) != params.query:
        target = _address(params)
        lang = request.query_params.get("lang")
        if lang:
            target += ("&" if "?" in target else "?") + urlencode({"lang": lang})
        return RedirectResponse(target, status_code=303)
    context = _context(request, principal, db, now, params)
    return render(request, "planning/page.html", context, principal=principal)


@router.get("/planning/panels", response_class=HTMLResponse)
def planning_panels(request: Request, principal: Reader, db: Db, now: Now) -> HTMLResponse:
    """The charts without the frame, for the form's changes; the address bar shows the page."""
    params = parse_params(request.query_params.multi_items())
    context = _context(request, principal, db, now, params)
    return render(
        request,
        "planning/_panels.html",
        context,
        principal=principal,
        page_url=_address(params),
        headers={"HX-Push-Url": _address(params)},
    )
