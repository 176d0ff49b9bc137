"""Settings pages of service levels (administrators): business calendars and SLA policies,
listed in the order tickets try them, with forms to add and change them."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from careloop.accounts.model import Permission, Principal
from careloop.api.deps import PathId
from careloop.errors import DomainError, Invalid
from careloop.sla import actions, model, queries
from careloop.tickets import commerce_queries
from careloop.tickets.model import Category, Channel, Priority
from careloop.web import session
from careloop.web.access import Db, Now, WebRoute, require_page
from careloop.web.errors import Problem
from careloop.web.i18n import N_
from careloop.web.rendering import render
from careloop.web.settings import COMMON_ZONES

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Admin = Annotated[Principal, Depends(require_page(Permission.SLA_MANAGE))]
Field = Annotated[str, Form(max_length=2000)]
_SPAN = re.compile(r"^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$")

EMPTY_CALENDAR = {"name": "", "timezone": "UTC", "windows": "", "holiday_country": "", "closed": ""}
EMPTY_POLICY: dict[str, Any] = {
    "name": "",
    "position": "",
    "active": True,
    "priorities": [],
    "channels": [],
    "categories": [],
    "brand_ids": [],
    "customer_tiers": "",
    "first_response_minutes": "",
    "next_response_minutes": "",
    "resolution_minutes": "",
    "calendar_id": "",
    "warn_before_minutes": "15",
    "escalation": ["notify_lead"],
}


def windows_text(windows: dict[str, list[list[str]]]) -> str:
    """Windows as people edit them: one line per weekday, "mon 09:00-12:30 13:30-18:00"."""
    return "\n".join(
        f"{day} " + " ".join(f"{a}-{b}" for a, b in spans) for day, spans in windows.items()
    )


def parse_windows_text(text: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    for line in text.splitlines():
        words = line.replace(",", " ").split()
        if not words:
            continue
        day, spans = words[0].lower(), words[1:]
        if day in out:
            raise Invalid(f"{day} is given twice", {"field": "windows"})
        pairs = []
        for span in spans:
            match = _SPAN.match(span)
            if match is None:
                raise Invalid(f"{span!r} is not a window like 09:00-17:00", {"field": "windows"})
            pairs.append([match[1].zfill(5), match[2].zfill(5)])
        out[day] = pairs
    return out


def _calendar_form(row: Any) -> dict[str, str]:
    return {
        "name": row.name,
        "timezone": row.timezone,
        "windows": windows_text(row.windows),
        "holiday_country": row.holiday_country or "",
        "closed": " ".join(row.closed_dates),
    }


def _policy_form(row: Any) -> dict[str, Any]:
    cond = row.conditions or {}

    def text(value: int | None) -> str:
        return "" if value is None else str(value)

    return {
        "name": row.name,
        "position": str(row.position),
        "active": row.active,
        "priorities": cond.get("priorities", []),
        "channels": cond.get("channels", []),
        "categories": cond.get("categories", []),
        "brand_ids": [str(b) for b in cond.get("brand_ids", [])],
        "customer_tiers": ", ".join(cond.get("customer_tiers", [])),
        "first_response_minutes": text(row.first_response_minutes),
        "next_response_minutes": text(row.next_response_minutes),
        "resolution_minutes": text(row.resolution_minutes),
        "calendar_id": text(row.calendar_id),
        "warn_before_minutes": str(row.warn_before_minutes),
        "escalation": [k for k, v in (row.escalation or {}).items() if v],
    }


def page(
    request: Request,
    principal: Principal,
    db: Db,
    *,
    template: str = "sla/settings.html",
    url: str = "/settings/sla",
    problem: Problem | None = None,
    **context: Any,
) -> HTMLResponse:
    calendars = queries.list_calendars(db)
    base: dict[str, Any] = {
        "calendars": calendars,
        "calendar_names": {c.id: c.name for c in calendars},
        "policies": queries.list_policies(db),
        "brands": commerce_queries.list_brands(db),
        "priorities": list(Priority),
        "channels": list(Channel),
        "categories": list(Category),
        "escalations": ESCALATION_LABELS,
        "zones": COMMON_ZONES,
        "weekdays": model.WEEKDAYS,
        "problem": problem,
        "calendar_form": EMPTY_CALENDAR,
        "policy_form": EMPTY_POLICY,
        "windows_text": windows_text,
    }
    return render(
        request,
        template,
        base | context,
        principal=principal,
        status=problem.status if problem else 200,
        page_url=url,
    )


ESCALATION_LABELS = {
    "raise_priority": N_("Raise the priority"),
    "notify_lead": N_("Tell the team lead"),
    "reassign": N_("Put it back in the queue"),
}


@router.get("/settings/sla", response_class=HTMLResponse)
def sla_settings(request: Request, principal: Admin, db: Db) -> HTMLResponse:
    return page(request, principal, db)


def _calendar_values(form: dict[str, str]) -> dict[str, Any]:
    return {
        "name": form["name"],
        "timezone": form["timezone"].strip(),
        "windows": parse_windows_text(form["windows"]),
        "holiday_country": form["holiday_country"].strip() or None,
        "closed_dates": form["closed"].replace(",", " ").split(),
    }


def _checked_text(*values: str) -> None:
    if any("\x00" in v for v in values):
        raise Invalid("text may not contain NUL characters")


@router.post("/settings/sla/calendars", response_class=HTMLResponse)
def create_calendar(
    request: Request,
    principal: Admin,
    db: Db,
    now: Now,
    name: Field = "",
    timezone: Field = "",
    windows: Field = "",
    holiday_country: Field = "",
    closed: Field = "",
) -> Response:
    form = {"name": name, "timezone": timezone, "windows": windows}
    form |= {"holiday_country": holiday_country, "closed": closed}
    try:
        _checked_text(*form.values())
        row = actions.create_calendar(
            db, actor=principal.actor, now=now, values=_calendar_values(form)
        )
    except DomainError as exc:
        return page(request, principal, db, problem=Problem.of(exc), calendar_form=form)
    session.flash(request, N_("Calendar %(name)s created."), name=row.name)
    return RedirectResponse("/settings/sla", status_code=303)


@router.get("/settings/sla/calendars/{calendar_id}", response_class=HTMLResponse)
def edit_calendar(request: Request, calendar_id: PathId, principal: Admin, db: Db) -> HTMLResponse:
    row = queries.get_calendar(db, calendar_id)
    return page(
        request,
        principal,
        db,
        template="sla/calendar.html",
        url=f"/settings/sla/calendars/{calendar_id}",
        calendar=row,
        calendar_form=_calendar_form(row),
    )


@router.post("/settings/sla/calendars/{calendar_id}", response_class=HTMLResponse)
def update_calendar(
    request: Request,
    calendar_id: PathId,
    principal: Admin,
    db: Db,
    now: Now,
    name: Field = "",
    timezone: Field = "",
    windows: Field = "",
    holiday_country: Field = "",
    closed: Field = "",
) -> Response:
    row = queries.get_calendar(db, calendar_id)
    form = {"name": name, "timezone": timezone, "windows": windows}
    form |= {"holiday_country": holiday_country, "closed": closed}
    try:
        _checked_text(*form.values())
        actions.update_calendar(
            db,
            actor=principal.actor,
            now=now,
            calendar_id=calendar_id,
            changes=_calendar_values(form),
        )
    except DomainError as exc:
        return page(
            request,
            principal,
            db,
            template="sla/calendar.html",
            url=f"/settings/sla/calendars/{calendar_id}",
            problem=Problem.of(exc),
            calendar=row,
            calendar_form=form,
        )
    session.flash(request, N_("Calendar %(name)s saved."), name=name.strip())
    return RedirectResponse("/settings/sla", status_code=303)


@router.post("/settings/sla/calendars/{calendar_id}/delete", response_class=HTMLResponse)
def delete_calendar(
    request: Request, calendar_id: PathId, principal: Admin, db: Db, now: Now
) -> Response:
    try:
        actions.delete_calendar(db, actor=principal.actor, now=now, calendar_id=calendar_id)
    except DomainError as exc:
        return page(request, principal, db, problem=Problem.of(exc))
    session.flash(request, N_("Calendar deleted."))
    return RedirectResponse("/settings/sla", status_code=303)


def _whole(text: str, field: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 7:
        raise Invalid(f"{field} must be a whole number", {"field": field})
    return int(text)


def _policy_values(form: dict[str, Any]) -> dict[str, Any]:
    tiers = [t for t in form["customer_tiers"].replace(",", " ").split() if t]
    brand_ids = [_whole(b, "brand_ids") for b in form["brand_ids"]]
    calendar = _whole(form["calendar_id"], "calendar_id")
    warn = _whole(form["warn_before_minutes"], "warn_before_minutes")
    return {
        "name": form["name"],
        "position": _whole(form["position"], "position"),
        "active": form["active"],
        "conditions": {
            "priorities": form["priorities"],
            "channels": form["channels"],
            "categories": form["categories"],
            "brand_ids": [b for b in brand_ids if b is not None],
            "customer_tiers": tiers,
        },
        **{
            key: _whole(form[key], key)
            for key in ("first_response_minutes", "next_response_minutes", "resolution_minutes")
        },
        "calendar_id": calendar,
        "warn_before_minutes": 15 if warn is None else warn,
        "escalation": {k: k in form["escalation"] for k in actions.ESCALATIONS},
    }


async def _posted_policy(request: Request) -> dict[str, Any]:
    """The policy form as posted: text fields, and the checked boxes of each list."""
    form = await request.form()

    def text(key: str) -> str:
        value = form.get(key)
        return value[:2000] if isinstance(value, str) else ""

    def boxes(key: str) -> list[str]:
        return [v[:100] for v in form.getlist(key)[:100] if isinstance(v, str)]

    fields: dict[str, Any] = {
        key: text(key)
        for key in (
            "name",
            "position",
            "customer_tiers",
            "first_response_minutes",
            "next_response_minutes",
            "resolution_minutes",
            "calendar_id",
            "warn_before_minutes",
        )
    }
    for key in ("priorities", "channels", "categories", "brand_ids", "escalation"):
        fields[key] = boxes(key)
    fields["active"] = bool(text("active"))
    return fields


PolicyForm = Annotated[dict[str, Any], Depends(_posted_policy)]


@router.post("/settings/sla/policies", response_class=HTMLResponse)
def create_policy(
    request: Request, principal: Admin, db: Db, now: Now, form: PolicyForm
) -> Response:
    try:
        _checked_text(*(v for v in form.values() if isinstance(v, str)))
        row = actions.create_policy(db, actor=principal.actor, now=now, values=_policy_values(form))
    except DomainError as exc:
        return page(request, principal, db, problem=Problem.of(exc), policy_form=form)
    session.flash(request, N_("Policy %(name)s created."), name=row.name)
    return RedirectResponse("/settings/sla", status_code=303)


@router.get("/settings/sla/policies/{policy_id}", response_class=HTMLResponse)
def edit_policy(request: Request, policy_id: PathId, principal: Admin, db: Db) -> HTMLResponse:
    row = queries.get_policy(db, policy_id)
    return page(
        request,
        principal,
        db,
        template="sla/policy.html",
        url=f"/settings/sla/policies/{policy_id}",
        policy=row,
        policy_form=_policy_form(row),
    )


@router.post("/settings/sla/policies/{policy_id}", response_class=HTMLResponse)
def update_policy(
    request: Request, policy_id: PathId, principal: Admin, db: Db, now: Now, form: PolicyForm
) -> Response:
    row = queries.get_policy(db, policy_id)
    try:
        _checked_text(*(v for v in form.values() if isinstance(v, str)))
        values = _policy_values(form)
        if values["position"] is None:
            values["position"] = row.position
        actions.update_policy(
            db, actor=principal.actor, now=now, policy_id=policy_id, changes=values
        )
    except DomainError as exc:
        return page(
            request,
            principal,
            db,
            template="sla/policy.html",
            url=f"/settings/sla/policies/{policy_id}",
            problem=Problem.of(exc),
            policy=row,
            policy_form=form,
        )
    session.flash(request, N_("Policy %(name)s saved."), name=form["name"].strip())
    return RedirectResponse("/settings/sla", status_code=303)
