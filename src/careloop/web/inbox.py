"""The agent inbox: tabs (mine, unassigned, all), filters in the query string, saved views."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from careloop import validation
from careloop.accounts import queries as accounts_queries
from careloop.accounts.model import Permission, Principal
from careloop.api.deps import PathId
from careloop.errors import DomainError
from careloop.tickets import commerce_queries, queries, views
from careloop.tickets.model import OPEN_STATUSES, Category, Status, normalise_tag
from careloop.tickets.queries import TicketFilter
from careloop.web import session
from careloop.web.access import Db, Now, WebRoute, require_page
from careloop.web.errors import Problem
from careloop.web.i18n import N_
from careloop.web.rendering import render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[Principal, Depends(require_page(Permission.TICKETS_READ))]
FilterField = Annotated[str, Form(max_length=200)]
PAGE_SIZE = 50
ACTIVE = "active"  # every status still needing work
TABS = {"mine": N_("Mine"), "unassigned": N_("Unassigned"), "all": N_("All")}
FILTER_LABELS = {
    "status": N_("Status"),
    "brand": N_("Brand"),
    "category": N_("Category"),
    "country": N_("Country"),
    "language": N_("Language"),
    "tag": N_("Tag"),
    "q": N_("Search"),
}
_BRAND = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def _status(v: str) -> str | None:
    return v if v == ACTIVE or v in Status._value2member_map_ else None


def _brand(v: str) -> str | None:
    return v if _BRAND.match(v) else None


def _category(v: str) -> str | None:
    return v if v in Category._value2member_map_ else None


def _country(v: str) -> str | None:
    return v.upper() if validation.is_country(v.upper()) else None


def _language(v: str) -> str | None:
    return v.lower() if validation.is_language(v.lower()) else None


def _search(v: str) -> str | None:
    return v if len(v) <= 200 else None


_NORMALISE = {
    "status": _status,
    "brand": _brand,
    "category": _category,
    "country": _country,
    "language": _language,
    "tag": normalise_tag,
    "q": _search,
}


@dataclass(frozen=True)
class InboxQuery:
    """The inbox as asked for in the query string, with what was not understood left out."""

    tab: str
    filters: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # labels (msgids) of refused filters
    cursor: str | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str], principal: Principal) -> InboxQuery:
        default = "mine" if principal.can(Permission.TICKETS_WORK) else "all"
        tab = params.get("tab") or default
        filters: dict[str, str] = {}
        ignored: list[str] = []
        for name, normalise in _NORMALISE.items():
            raw = (params.get(name) or "").strip()
            if not raw:
                continue
            value = normalise(raw)
            if value is None:
                ignored.append(FILTER_LABELS[name])
            else:
                filters[name] = value
        cursor = params.get("cursor") or None
        return cls(
            tab=tab if tab in TABS else default,
            filters=filters,
            ignored=ignored,
            cursor=cursor if cursor and len(cursor) <= 100 else None,
        )

    def ticket_filter(self, principal: Principal) -> TicketFilter:
        f = self.filters
        status: tuple[Status, ...] = ()
        if f.get("status") == ACTIVE:
            status = tuple(sorted(OPEN_STATUSES))
        elif "status" in f:
            status = (Status(f["status"]),)
        return TicketFilter(
            status=status,
            assignee_id=principal.user_id if self.tab == "mine" else None,
            unassigned=self.tab == "unassigned",
            brand=f.get("brand"),
            category=Category(f["category"]) if "category" in f else None,
            country=f.get("country"),
            language=f.get("language"),
            tag=f.get("tag"),
            q=f.get("q"),
        )

    def saved(self) -> dict[str, str]:
        """What a saved view keeps: the tab and the filters."""
        return {"tab": self.tab, **self.filters}

    def url(self, **changes: str | None) -> str:
        params: dict[str, str | None] = {**self.saved(), "cursor": self.cursor, **changes}
        return "/tickets?" + urlencode({k: v for k, v in params.items() if v})


def inbox_page(
    request: Request,
    principal: Principal,
    db: Db,
    query: InboxQuery,
    *,
    view_problem: Problem | None = None,
    view_form: dict[str, Any] | None = None,
) -> HTMLResponse:
    rows, next_cursor = queries.list_tickets(
        db, query.ticket_filter(principal), limit=PAGE_SIZE, cursor=query.cursor
    )
    users = {u.id: u.name for u in accounts_queries.list_users(db)}
    brands = commerce_queries.list_brands(db)
    saved_views = queries.saved_views_for(db, principal.user_id) if principal.user_id else []
    context = {
        "query": query,
        "tabs": TABS,
        "tickets": rows,
        "next_url": query.url(cursor=next_cursor) if next_cursor else None,
        "first_url": query.url(cursor=None) if query.cursor else None,
        "customers": queries.customer_names(db, [t.customer_id for t in rows]),
        "users": users,
        "brands": brands,
        "brand_names": {b.id: b.name for b in brands},
        "saved_views": [
            {"view": v, "url": "/tickets?" + urlencode(v.filters), "owner": users.get(v.owner_id)}
            for v in saved_views
        ],
        "view_problem": view_problem,
        "view_form": view_form or {"name": "", "shared": False},
        "active": ACTIVE,
    }
    return render(
        request,
        "tickets/inbox.html",
        context,
        principal=principal,
        status=view_problem.status if view_problem else 200,
        page_url=query.url() if request.method != "GET" else None,
    )


@router.get("/tickets", response_class=HTMLResponse)
def inbox(request: Request, principal: Reader, db: Db) -> HTMLResponse:
    return inbox_page(request, principal, db, InboxQuery.parse(request.query_params, principal))


@router.post("/tickets/views", response_class=HTMLResponse)
def save_view(
    request: Request,
    principal: Reader,
    db: Db,
    now: Now,
    name: Annotated[str, Form(max_length=200)] = "",
    shared: Annotated[str, Form(max_length=5)] = "",
    tab: FilterField = "",
    status: FilterField = "",
    brand: FilterField = "",
    category: FilterField = "",
    country: FilterField = "",
    language: FilterField = "",
    tag: FilterField = "",
    q: FilterField = "",
) -> Response:
    """Keep the current tab and filters under a name, for oneself or shared with the team."""
    given = {"tab": tab, "status": status, "brand": brand, "category": category}
    given |= {"country": country, "language": language, "tag": tag, "q": q}
    query = InboxQuery.parse(given, principal)
    if principal.user_id is None:
        raise DomainError("only a signed-in user may save views")
    try:
        views.create_saved_view(
            db,
            actor=principal.actor,
            now=now,
            owner_id=principal.user_id,
            name=name,
            filters=query.saved(),
            shared=shared == "1",
        )
    except DomainError as exc:
        return inbox_page(
            request,
            principal,
            db,
            query,
            view_problem=Problem.of(exc),
            view_form={"name": name[:100], "shared": shared == "1"},
        )
    session.flash(request, N_("View %(name)s saved."), name=name.strip())
    return RedirectResponse(query.url(cursor=None), status_code=303)


@router.post("/tickets/views/{view_id}/delete")
def delete_view(
    request: Request,
    view_id: PathId,
    principal: Reader,
    db: Db,
    now: Now,
) -> RedirectResponse:
    if principal.user_id is None:
        raise DomainError("only a signed-in user may delete views")
    views.delete_saved_view(
        db,
        actor=principal.actor,
        now=now,
        view_id=view_id,
        user_id=principal.user_id,
    )
    session.flash(request, N_("View deleted."))
    return RedirectResponse("/tickets", status_code=303)
