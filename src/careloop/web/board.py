"""The team lead's live board (/board): the waiting queue, who is on duty with what load, and the
tickets whose SLA is at risk or breached. The page polls a fragment every few seconds; a lead
gives a ticket to an agent (or back to the queue) and acknowledges SLA events from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from careloop import validation
from careloop.accounts.model import Permission, Principal
from careloop.api.deps import MAX_ROW_ID, PathId
from careloop.errors import Invalid
from careloop.routing import board
from careloop.routing.actions import drain_queue_after
from careloop.sla import actions as sla_actions
from careloop.storage.engine import Database
from careloop.tickets import actions as tickets
from careloop.tickets.schemas import TicketUpdate
from careloop.web import session
from careloop.web.access import Db, Now, WebRoute, require_page
from careloop.web.i18n import N_, Formatter
from careloop.web.rendering import formatter_for, is_htmx, render
from careloop.web.roster import hm
from careloop.workforce.roster_queries import list_teams

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Lead = Annotated[Principal, Depends(require_page(Permission.ROUTING_BOARD))]
Short = Annotated[str, Form(max_length=200)]
REFRESH_SECONDS = 5
BACK_TO_QUEUE = "queue"
TARGETS = {
    "first_response": N_("First response"),
    "next_response": N_("Next response"),
    "resolution": N_("Resolution"),
}
EVENT_KINDS = {"warning": N_("Warning"), "breach": N_("Breach")}


@dataclass(frozen=True)
class Filters:
    """The team and language of the query string or a form; what is not understood is no
    filter at all (a board should always show)."""

    team: int | None = None
    language: str | None = None

    @classmethod
    def of(cls, team: str, language: str) -> Filters:
        team = team.strip()
        team_id = int(team) if team.isdigit() and 0 < int(team) <= MAX_ROW_ID else None
        lang = language.strip().lower()
        return cls(team_id, lang if validation.is_language(lang) else None)

    @property
    def query(self) -> str:
        return urlencode({"team": self.team or "", "language": self.language or ""})


def _duration(fmt: Formatter, seconds: int | None) -> str:
    """A wait or a delay, coarse enough to read at a glance: "7 min", "2 h 5 min", "3 d 4 h"."""
    if seconds is None:
        return ""
    minutes = max(0, seconds) // 60
    if minutes < 60:
        return fmt.gettext("%(minutes)s min", minutes=minutes)
    if minutes < 24 * 60:
        return fmt.gettext("%(hours)s h %(minutes)s min", hours=minutes // 60, minutes=minutes % 60)
    hours = minutes // 60
    return fmt.gettext("%(days)s d %(hours)s h", days=hours // 24, hours=hours % 24)


def board_context(
    request: Request,
    principal: Principal,
    db: Database,
    now: datetime,
    filters: Filters,
    *,
    notice: str | None = None,
) -> dict[str, Any]:
    fmt = formatter_for(request, principal)
    live = board.board(db, now=now, team_id=filters.team, language=filters.language)
    return {
        "b": live,
        "filters": filters,
        "teams": list_teams(db),
        "params": filters.query,
        "refresh": REFRESH_SECONDS,
        "zone": fmt.zone.key,
        "targets": TARGETS,
        "event_kinds": EVENT_KINDS,
        "back_to_queue": BACK_TO_QUEUE,
        "names": {a.agent_id: a.name for a in live.duty.with_room},
        "notice": notice,
        "as_of": hm(fmt, now),
        "hm": lambda instant: hm(fmt, instant),
        "duration": lambda seconds: _duration(fmt, seconds),
    }


@router.get("/board", response_class=HTMLResponse)
def board_page(
    request: Request, principal: Lead, db: Db, now: Now, team: str = "", language: str = ""
) -> HTMLResponse:
    context = board_context(request, principal, db, now, Filters.of(team, language))
    return render(request, "board/board.html", context, principal=principal)


@router.get("/board/live", response_class=HTMLResponse)
def board_live(
    request: Request, principal: Lead, db: Db, now: Now, team: str = "", language: str = ""
) -> HTMLResponse:
    """The board without its frame, which the page polls."""
    context = board_context(request, principal, db, now, Filters.of(team, language))
    return render(request, "board/_live.html", context, principal=principal)


def _after_change(
    request: Request, principal: Principal, db: Database, now: datetime, filters: Filters, done: str
) -> Response:
    """htmx gets the board to swap in; a plain form a redirect back to the board."""
    if is_htmx(request):
        context = board_context(request, principal, db, now, filters, notice=done)
        return render(request, "board/_live.html", context, principal=principal)
    session.flash(request, done)
    return RedirectResponse(f"/board?{filters.query}", status_code=303)


def _assignee(agent: str) -> int | None:
    """The agent chosen in the form: an id, or BACK_TO_QUEUE for nobody."""
    agent = agent.strip()
    if agent == BACK_TO_QUEUE:
        return None
    if agent.isdigit() and 0 < int(agent) <= MAX_ROW_ID:
        return int(agent)
    raise Invalid("choose an agent from the list", {"field": "assignee_id"})


@router.post("/board/tickets/{ticket_id}/assign", response_class=HTMLResponse)
def assign(
    request: Request,
    ticket_id: PathId,
    principal: Lead,
    db: Db,
    now: Now,
    agent: Short = "",
    team: Short = "",
    language: Short = "",
) -> Response:
    """Give a ticket to an agent, or back to the queue: the ticket change every page and the API
    make (audited), then the queue is offered to whoever has room."""
    data = TicketUpdate(assignee_id=_assignee(agent))
    tickets.update_ticket(db, actor=principal.actor, now=now, ticket_id=ticket_id, data=data)
    drain_queue_after(db, now=now)  # the previous assignee may have room for a waiting ticket
    done = N_("Ticket assigned.") if data.assignee_id else N_("Ticket back in the queue.")
    return _after_change(request, principal, db, now, Filters.of(team, language), done)


@router.post("/board/sla-events/{event_id}/acknowledge", response_class=HTMLResponse)
def acknowledge(
    request: Request,
    event_id: PathId,
    principal: Lead,
    db: Db,
    now: Now,
    team: Short = "",
    language: Short = "",
) -> Response:
    """The lead saw an SLA warning or breach: it leaves the board's list."""
    sla_actions.acknowledge_event(db, actor=principal.actor, now=now, event_id=event_id)
    done = N_("Event acknowledged.")
    return _after_change(request, principal, db, now, Filters.of(team, language), done)
