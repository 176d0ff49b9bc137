"""/alerts/demo-inbox: the demo's stand-in group chats (the production line's, the logistics
team's) showing the alert notifications they received, newest first, each as its card: title,
severity colour, key figures, the links to the drill-down and to acknowledge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from careloop.accounts.model import Permission, Principal
from careloop.alerts.message import AlertMessage
from careloop.demo import inbox
from careloop.web.access import Db, WebRoute, require_page
from careloop.web.i18n import N_
from careloop.web.rendering import render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[Principal, Depends(require_page(Permission.ALERTS_READ))]
SEVERITY_LABELS = {
    "critical": N_("Critical"),
    "warning": N_("Warning"),
    "info": N_("Info"),
    "resolved": N_("Resolved"),
}


@dataclass(frozen=True)
class Card:
    """One received message as the chat shows it; `message` is None when the body could not
    be read as an alert message (shown as its raw key only)."""

    id: int
    received_at: datetime
    key: str
    message: AlertMessage | None


def _card(row: Any) -> Card:
    try:
        message: AlertMessage | None = AlertMessage.from_json(row.body.get("message") or {})
    except ValueError:
        message = None
    return Card(row.id, row.received_at, row.idempotency_key, message)


@router.get("/alerts/demo-inbox", response_class=HTMLResponse)
def demo_inbox_page(request: Request, principal: Reader, db: Db) -> HTMLResponse:
    chats = [
        {
            "slug": c.slug,
            "title": c.title,
            "count": c.count,
            "cards": [_card(m) for m in c.messages],
        }
        for c in inbox.chats(db)
    ]
    context = {"chats": chats, "severity_labels": SEVERITY_LABELS}
    return render(request, "alerts/demo_inbox.html", context, principal=principal)
