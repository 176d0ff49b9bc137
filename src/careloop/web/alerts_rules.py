"""Alert rule pages: /alerts/rules, the list; /alerts/rules/new and /alerts/rules/{id}, the
editor of threshold, anomaly and event rules (metrics and dimensions from the insights
catalogue; a bad form is shown again with a 422 and nothing stored); /alerts/rules/preview,
the htmx fragment replaying the form's rule over the last 90 days (alerts/preview.py)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from careloop.accounts.model import Permission, Principal
from careloop.alerts import actions, queries
from careloop.alerts.model import Comparator, Severity
from careloop.alerts.preview import preview
from careloop.alerts.rule_config import parse_rule
from careloop.api.deps import PathId
from careloop.errors import DomainError, Invalid
from careloop.insights.model import DIMENSIONS, METRICS, Kind, Unit
from careloop.web import session
from careloop.web.access import Db, Now, WebRoute, require_page
from careloop.web.errors import Problem
from careloop.web.i18n import N_, viewer_zone
from careloop.web.rendering import render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[Principal, Depends(require_page(Permission.ALERTS_READ))]
Manager = Annotated[Principal, Depends(require_page(Permission.ALERTS_MANAGE))]
KINDS = {"threshold": N_("Threshold"), "anomaly": N_("Anomaly"), "event": N_("Event")}
EVENTS = {"logistics_exception": N_("Logistics exception"), "sla_breach": N_("SLA breach")}
FIELDS = {
    "threshold": ("metric", "comparator", "value", "window"),
    "anomaly": ("count_metric", "exposure_metric", "window", "baseline_weeks", "min_count",
                "fdr"),
    "event": ("event", "resolve_after"),
}  # fmt: skip
NUMBERS = {"value": float, "baseline_weeks": int, "min_count": int, "fdr": float}
MAX_FIELD = 2000


def _choices() -> dict[str, Any]:
    counts = [m for m in METRICS.values() if m.kind == Kind.SUM and m.unit == Unit.COUNT]
    return {
        "kinds": KINDS,
        "events": EVENTS,
        "metrics": [(m.name, m.label) for m in METRICS.values()],
        "count_metrics": [(m.name, m.label) for m in counts],
        "dimensions": [(d.name, d.label) for d in DIMENSIONS.values()],
        "comparators": [c.value for c in Comparator],
        "severities": [s.value for s in Severity],
    }


def _pairs(text: str, field: str) -> list[tuple[str, str]]:
    """Lines of `name=value`; anything else is a 422 naming the field."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise Invalid(f"{field}: {line.strip()!r} is not name=value", {"field": field})
        out.append((name.strip(), value.strip()))
    return out


def document_of(form: dict[str, Any]) -> dict[str, Any]:
    """The rule's JSON document from the editor's fields (parse_rule checks the rest)."""
    kind = form.get("kind", "")
    if kind not in FIELDS:
        raise Invalid("kind is one of threshold, anomaly, event", {"field": "kind"})
    doc: dict[str, Any] = {
        "kind": kind,
        "name": form.get("name", "").strip(),
        "severity": form.get("severity", "warning"),
        "for": form.get("for", "").strip() or "0s",
        "labels": dict(_pairs(form.get("labels", ""), "labels")),
        "filters": {
            k: [v.strip() for v in vals.split(",") if v.strip()]
            for k, vals in _pairs(form.get("filters", ""), "filters")
        },
        "group_by": list(form.get("group_by", [])),
    }
    for name in FIELDS[kind]:
        raw = str(form.get(name, "")).strip()
        if name in NUMBERS:
            try:
                doc[name] = NUMBERS[name](raw)
            except ValueError:
                raise Invalid(f"{name} is a number", {"field": name}) from None
        elif raw:
            doc[name] = raw
    return doc


def values_of(doc: dict[str, Any], active: bool = True) -> dict[str, Any]:
    """The editor's fields from a stored document."""
    out = {k: v for k, v in doc.items() if k not in ("labels", "filters", "group_by")}
    out["labels"] = "\n".join(f"{k}={v}" for k, v in doc.get("labels", {}).items())
    out["filters"] = "\n".join(f"{k}={','.join(v)}" for k, v in doc.get("filters", {}).items())
    out["group_by"] = list(doc.get("group_by", []))
    out["active"] = active
    return out


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    out: dict[str, Any] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str) or len(value) > MAX_FIELD:
            raise Invalid(f"{key} is too long", {"field": key})
        if key == "group_by":
            out.setdefault("group_by", []).append(value)
        else:
            out[key] = value
    return out


@router.get("/alerts/rules", response_class=HTMLResponse)
def rules_page(request: Request, principal: Reader, db: Db) -> HTMLResponse:
    context = {"rules": queries.list_rules(db), "kinds": KINDS}
    return render(request, "alerts/rules.html", context, principal=principal)


def _editor(
    request: Request,
    principal: Principal,
    values: dict[str, Any],
    rule_id: int | None,
    problem: Problem | None = None,
) -> HTMLResponse:
    context = {**_choices(), "values": values, "rule_id": rule_id, "problem": problem}
    url = f"/alerts/rules/{rule_id}" if rule_id else "/alerts/rules/new"
    status = problem.status if problem else 200
    return render(request, "alerts/rule.html", context, principal=principal, status=status,
                  page_url=url)  # fmt: skip


@router.get("/alerts/rules/new", response_class=HTMLResponse)
def new_rule(
    request: Request,
    principal: Manager,
    kind: Annotated[str, Query(max_length=20)] = "threshold",
) -> HTMLResponse:
    kind = kind if kind in KINDS else "threshold"
    values = {"kind": kind, "name": "", "severity": "warning", "for": "0s", "labels": "",
              "filters": "", "group_by": ["sku", "batch"] if kind == "anomaly" else [],
              "active": True, "comparator": ">", "window": "4h" if kind == "threshold" else "7d",
              "resolve_after": "1h", "baseline_weeks": 8, "min_count": 5, "fdr": 0.01,
              "count_metric": "complaints", "exposure_metric": "orders_delivered"}  # fmt: skip
    return _editor(request, principal, values, None)


@router.post("/alerts/rules/new", response_class=HTMLResponse)
async def create_rule(request: Request, principal: Manager, db: Db, now: Now) -> Response:
    form = await _form(request)
    try:
        row = actions.create_rule(db, actor=principal.actor, now=now, document=document_of(form))
    except DomainError as exc:
        return _editor(request, principal, _shown(form), None, Problem.of(exc))
    session.flash(request, N_("Rule %(name)s saved."), name=row.name)
    return RedirectResponse("/alerts/rules", status_code=303)


def _shown(form: dict[str, Any]) -> dict[str, Any]:
    return {**form, "group_by": form.get("group_by", []), "active": form.get("active") == "on"}


@router.get("/alerts/rules/{rule_id}", response_class=HTMLResponse)
def rule_page(request: Request, rule_id: PathId, principal: Reader, db: Db) -> HTMLResponse:
    row = queries.get_rule(db, rule_id)
    return _editor(request, principal, values_of(row.document, row.active), row.id)


def timeline(result: dict[str, Any], zone_name: str) -> dict[str, Any]:
    """The preview as a chart draws it: firings per day in the viewer's zone, every day of
    the span present (zero when none)."""
    zone = viewer_zone(zone_name)
    start: datetime = result["from"]
    end: datetime = result["to"]
    per_day = Counter(
        i["fired_at"].astimezone(zone).date().isoformat() for i in result["intervals"]
    )
    days, day = [], start.astimezone(zone).date()
    while day <= end.astimezone(zone).date():
        days.append(day.isoformat())
        day = day.fromordinal(day.toordinal() + 1)
    return {"days": days, "fired": [per_day.get(d, 0) for d in days]}


@router.post("/alerts/rules/preview", response_class=HTMLResponse)
async def preview_rule(request: Request, principal: Reader, db: Db, now: Now) -> HTMLResponse:
    """The fragment under the editor: how many times the form's rule would have fired over
    the last 90 days, and when; a bad form shows what is wrong (422)."""
    form = await _form(request)
    try:
        result = preview(db, parse_rule(document_of(form)), now)
    except DomainError as exc:
        failed: dict[str, Any] = {"problem": Problem.of(exc), "result": None}
        return render(request, "alerts/_preview.html", failed, principal=principal, status=422)
    context: dict[str, Any] = {"problem": None, "result": result,
               "chart": timeline(result, principal.timezone)}  # fmt: skip
    return render(request, "alerts/_preview.html", context, principal=principal)


@router.post("/alerts/rules/{rule_id}", response_class=HTMLResponse)
async def update_rule(
    request: Request, rule_id: PathId, principal: Manager, db: Db, now: Now
) -> Response:
    form = await _form(request)
    try:
        row = queries.get_rule(db, rule_id)
        changes = {**document_of({**form, "kind": row.kind}), "active": form.get("active") == "on"}
        actions.update_rule(db, actor=principal.actor, now=now, rule_id=rule_id, changes=changes)
    except DomainError as exc:
        return _editor(request, principal, _shown(form), rule_id, Problem.of(exc))
    session.flash(request, N_("Rule %(name)s saved."), name=changes["name"])
    return RedirectResponse("/alerts/rules", status_code=303)
