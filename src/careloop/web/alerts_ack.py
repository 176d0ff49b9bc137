"""The page behind a card's acknowledgement link: it shows the alerts the signed token names
and acknowledges them only when the button is pressed (a POST), so a chat preview or an
e-mail link scanner following the link acknowledges nothing. No login: the link is the right."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from careloop.alerts import escalate
from careloop.web.access import Db, WebRoute
from careloop.web.rendering import render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Token = Annotated[str, Query(min_length=1, max_length=2000)]


@router.get("/alerts/acknowledge", response_class=HTMLResponse)
def confirm(request: Request, db: Db, token: Token) -> Response:
    now = request.app.state.clock.now()
    rows = escalate.alerts_of_token(db, token=token, now=now)
    return render(
        request, "alerts/acknowledge.html", {"alerts": rows, "token": token, "done": False}
    )


@router.post("/alerts/acknowledge", response_class=HTMLResponse)
def acknowledge(
    request: Request, db: Db, token: Annotated[str, Form(min_length=1, max_length=2000)]
) -> Response:
    now = request.app.state.clock.now()
    rows = escalate.acknowledge_token(db, token=token, now=now)
    return render(
        request,
        "alerts/acknowledge.html",
        {"alerts": rows, "token": token, "done": True},
        page_url="/alerts/acknowledge",
    )
