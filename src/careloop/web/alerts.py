"""Alert pages: /alerts, the inbox by tab (firing, acknowledged, silenced, resolved) with each
alert's notifications and their delivery state; /alerts/{id}, one alert's history and every
notification's delivery log; /alerts/silences, silences listed, created and expired. Forms
call alerts/escalate.py and alerts/actions.py; the rule pages are in alerts_rules.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from careloop.accounts.model import Permission, Principal
from careloop.alerts import actions, escalate, inbox_queries, queries
from careloop.alerts.model import RESERVED_LABELS
from careloop.api.deps import MAX_ROW_ID, PathId
from careloop.errors import DomainError, Invalid
from careloop.web import session
from careloop.web.access import Db, Now, WebRoute, require_page
from careloop.web.errors import Problem
from careloop.web.i18n import N_, viewer_zone
from careloop.web.rendering import render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[Principal, Depends(require_page(Permission.ALERTS_READ))]
Manager = Annotated[Principal, Depends(require_page(Permission.ALERTS_MANAGE))]
TAB_LABELS = {
    "firing": N_("Firing"),
    "acknowledged": N_("Acknowledged"),
    "silenced": N_("Silenced"),
    "resolved": N_("Resolved"),
}
STATUS_LABELS = {
    "pending": N_("Waiting to be sent"),
    "sending": N_("Sending"),
    "delivered": N_("Delivered"),
    "failed": N_("Refused"),
    "dead": N_("Gave up (deadline passed)"),
}
OUTCOME_LABELS = {
    "sending": N_("Sending"),
    "delivered": N_("Delivered"),
    "retry": N_("Will retry"),
    "failed": N_("Refused"),
    "lost": N_("Lost (sender stopped)"),
}
FIGURE_LABELS = {
    "value": N_("Value"),
    "count": N_("Count"),
    "expected": N_("Expected (baseline)"),
    "ratio": N_("Ratio to baseline"),
    "exposure": N_("Exposure"),
    "q": N_("q-value"),
    "events": N_("Events"),
}
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def common(request: Request) -> dict[str, Any]:
    """What every alert page's template uses."""
    return {"tab_labels": TAB_LABELS, "status_labels": STATUS_LABELS,
            "outcome_labels": OUTCOME_LABELS, "figure_labels": FIGURE_LABELS}  # fmt: skip


@router.get("/alerts", response_class=HTMLResponse)
def inbox_page(
    request: Request,
    principal: Reader,
    db: Db,
    now: Now,
    tab: Annotated[str, Query(max_length=20)] = "firing",
) -> HTMLResponse:
    if tab not in inbox_queries.TABS:
        tab = "firing"
    context = {
        **common(request),
        "inbox": inbox_queries.inbox(db, now, tab),
        "tabs": inbox_queries.TABS,
    }
    return render(request, "alerts/inbox.html", context, principal=principal)


@router.post("/alerts/{alert_id}/acknowledge", response_class=HTMLResponse)
def acknowledge(
    request: Request,
    alert_id: PathId,
    principal: Reader,
    db: Db,
    now: Now,
    back: Annotated[str, Form(max_length=20)] = "firing",
) -> Response:
    """Acknowledge from the inbox or the alert's page; its escalation stops."""
    escalate.acknowledge(db, actor=principal.actor, now=now, series_id=alert_id)
    session.flash(request, N_("Alert %(id)s acknowledged."), id=str(alert_id))
    target = f"/alerts/{alert_id}" if back == "alert" else "/alerts?tab=acknowledged"
    return RedirectResponse(target, status_code=303)


def _local(value: datetime, principal: Principal) -> str:
    return value.astimezone(viewer_zone(principal.timezone)).strftime(LOCAL_FORMAT)


def _instant(value: str, principal: Principal, field: str) -> str:
    """A datetime-local field, read in the viewer's zone, as an ISO instant."""
    try:
        local = datetime.strptime(value.strip(), LOCAL_FORMAT)  # noqa: DTZ007 (zone set below)
    except ValueError:
        raise Invalid(f"{field} is a date and time", {"field": field}) from None
    return local.replace(tzinfo=viewer_zone(principal.timezone)).isoformat()


def _silences_page(
    request: Request,
    principal: Principal,
    db: Db,
    now: datetime,
    values: dict[str, str],
    problem: Problem | None = None,
) -> HTMLResponse:
    context = {**common(request), "silences": queries.list_silences(db, now), "values": values,
               "problem": problem}  # fmt: skip
    status = problem.status if problem else 200
    return render(request, "alerts/silences.html", context, principal=principal,
                  status=status, page_url="/alerts/silences")  # fmt: skip


@router.get("/alerts/silences", response_class=HTMLResponse)
def silences_page(
    request: Request,
    principal: Reader,
    db: Db,
    now: Now,
    alert: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> HTMLResponse:
    """The silences, and the form to create one (prefilled with an alert's labels)."""
    matchers = ""
    if alert is not None:
        labels = inbox_queries.alert_page(db, now, alert).item.series.labels
        keep = {k: v for k, v in labels.items() if k not in RESERVED_LABELS or k == "alertname"}
        matchers = "\n".join(f'{k}="{v}"' for k, v in sorted(keep.items()))
    values = {"matchers": matchers, "starts_at": _local(now, principal),
              "ends_at": _local(now + timedelta(hours=2), principal), "comment": ""}  # fmt: skip
    return _silences_page(request, principal, db, now, values)


@router.post("/alerts/silences", response_class=HTMLResponse)
def create_silence(
    request: Request,
    principal: Manager,
    db: Db,
    now: Now,
    matchers: Annotated[str, Form(max_length=4000)] = "",
    starts_at: Annotated[str, Form(max_length=20)] = "",
    ends_at: Annotated[str, Form(max_length=20)] = "",
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    values = {"matchers": matchers, "starts_at": starts_at, "ends_at": ends_at, "comment": comment}
    try:
        data = {
            "matchers": [line.strip() for line in matchers.splitlines() if line.strip()],
            "starts_at": _instant(starts_at, principal, "starts_at"),
            "ends_at": _instant(ends_at, principal, "ends_at"),
            "comment": comment,
        }
        row = actions.create_silence(db, actor=principal.actor, now=now, data=data)
    except DomainError as exc:
        return _silences_page(request, principal, db, now, values, Problem.of(exc))
    session.flash(request, N_("Silence %(id)s created."), id=str(row.id))
    return RedirectResponse("/alerts/silences", status_code=303)


@router.post("/alerts/silences/{silence_id}/expire", response_class=HTMLResponse)
def expire_silence(
    request: Request, silence_id: PathId, principal: Manager, db: Db, now: Now
) -> Response:
    actions.expire_silence(db, actor=principal.actor, now=now, silence_id=silence_id)
    session.flash(request, N_("Silence %(id)s expired."), id=str(silence_id))
    return RedirectResponse("/alerts/silences", status_code=303)


def history(page: inbox_queries.AlertPage) -> list[dict[str, Any]]:
    """The alert's life, oldest first: from the series row (the current episode), its
    escalation notifications and its audit trail."""
    s = page.item.series
    events: list[dict[str, Any]] = []

    def add(at: datetime | None, what: str, **params: str) -> None:
        if at is not None:
            events.append({"at": at, "what": what, "params": params})

    if s.active_since is not None and s.active_since != s.fired_at:
        add(s.active_since, N_("The condition began to hold"))
    add(s.fired_at, N_("Fired"))
    for n in page.item.notifications:
        if n.escalation:
            add(n.row.enqueued_at, N_("Escalated to %(receiver)s"), receiver=n.receiver)
    for entry in page.audit:
        what = (
            N_("Acknowledged by %(who)s")
            if entry.action == "acknowledged"
            else N_("%(who)s: %(action)s")
        )
        add(entry.at, what, who=entry.actor_label, action=entry.action)
    if s.resolved_at is not None and s.state == "resolved":
        add(s.resolved_at, N_("Resolved"))
    events.sort(key=lambda e: e["at"])
    return events


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(
    request: Request, alert_id: PathId, principal: Reader, db: Db, now: Now
) -> HTMLResponse:
    page = inbox_queries.alert_page(db, now, alert_id)
    silence = urlencode({"alert": alert_id})
    context = {**common(request), "page": page, "alert": page.item, "history": history(page),
               "silence_url": f"/alerts/silences?{silence}"}  # fmt: skip
    return render(request, "alerts/alert.html", context, principal=principal)
