"""The ticket page: the conversation, reply and note forms, status, assignee, tags, the customer,
the order and the audit trail. Its forms post here and answer with the page again (htmx swaps
the main column) or, without JavaScript, with a redirect back to it."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from careloop.accounts import queries as accounts_queries
from careloop.accounts.model import Permission, Principal
from careloop.api.deps import PathId
from careloop.errors import Conflict, DomainError
from careloop.routing.actions import drain_queue_after
from careloop.tickets import actions, assignment, conversation, queries
from careloop.tickets.model import Priority, Status, can_transition, normalise_tag
from careloop.tickets.schemas import TicketUpdate
from careloop.web import session
from careloop.web.access import Db, Now, WebRoute, require_page
from careloop.web.errors import Problem
from careloop.web.history import history
from careloop.web.i18n import N_
from careloop.web.rendering import formatter_for, is_htmx, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[Principal, Depends(require_page(Permission.TICKETS_READ))]
Worker = Annotated[Principal, Depends(require_page(Permission.TICKETS_WORK))]
TicketId = PathId
Text = Annotated[str, Form(max_length=50_000)]
Short = Annotated[str, Form(max_length=500)]
UNASSIGNED = "none"


def ticket_page(
    request: Request,
    principal: Principal,
    db: Db,
    ticket_id: int,
    *,
    problem: Problem | None = None,
    drafts: dict[str, str] | None = None,
    notice: str | None = None,
    opened_at: datetime | None = None,
) -> HTMLResponse:
    """The page; with `opened_at` (a GET), the assignee viewing an assignment not yet opened
    marks it opened, so hand-off does not take it back as unopened."""
    ctx = queries.ticket_context(db, ticket_id)
    t = ctx.ticket
    if opened_at is not None and t.seen_at is None and t.assignee_id == principal.user_id:
        # Reassigned in the meantime (a Conflict): it is no longer this viewer's to open.
        with suppress(Conflict):
            assignment.mark_seen(db, actor=principal.actor, now=opened_at, ticket_id=ticket_id)
    users = accounts_queries.list_users(db)
    names = {u.id: u.name for u in users}
    current = ctx.ticket.status
    fmt = formatter_for(request, principal)
    context: dict[str, Any] = {
        "ctx": ctx,
        "t": ctx.ticket,
        "assignees": [u for u in users if u.active and u.role in actions.ASSIGNABLE_ROLES],
        "next_statuses": [s for s in Status if can_transition(current, s)],
        "reply_statuses": [s for s in Status if s != current and can_transition(current, s)],
        "priorities": list(Priority),
        "events": history(fmt, ctx.audit, _refs(ctx, names)),
        "closed": current == Status.CLOSED,
        "problem": problem,
        "drafts": drafts or {},
        "notice": notice,
        "unassigned": UNASSIGNED,
    }
    return render(
        request,
        "tickets/ticket.html",
        context,
        principal=principal,
        status=problem.status if problem else 200,
        page_url=f"/tickets/{ticket_id}",
    )


def _refs(ctx: queries.TicketContext, users: dict[int, str]) -> dict[str, dict[int, str]]:
    """Names for the ids the ticket's history mentions."""
    refs: dict[str, dict[int, str]] = {"assignee_id": users}
    if ctx.brand is not None:
        refs["brand_id"] = {ctx.brand.id: ctx.brand.name}
    if ctx.customer is not None:
        name = ctx.customer.name or ctx.customer.email or f"#{ctx.customer.id}"
        refs["customer_id"] = {ctx.customer.id: name}
    if ctx.order is not None:
        refs["order_id"] = {ctx.order.id: ctx.order.number}
    return refs


def _done(request: Request, principal: Principal, db: Db, ticket_id: int, notice: str) -> Response:
    """After a change: htmx gets the page to swap in, a plain form a redirect back to it."""
    if is_htmx(request):
        return ticket_page(request, principal, db, ticket_id, notice=notice)
    session.flash(request, notice)
    return RedirectResponse(f"/tickets/{ticket_id}", status_code=303)


def _text_problem(body: str) -> Problem | None:
    if not body.strip():
        return Problem(N_("Write a message first."))
    if "\x00" in body:
        return Problem(N_("The text contains characters that cannot be stored."))
    return None


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
def show(
    request: Request, ticket_id: TicketId, principal: Reader, db: Db, now: Now
) -> HTMLResponse:
    return ticket_page(request, principal, db, ticket_id, opened_at=now)


@router.post("/tickets/{ticket_id}/reply", response_class=HTMLResponse)
def reply(
    request: Request,
    ticket_id: TicketId,
    principal: Worker,
    db: Db,
    now: Now,
    body: Text = "",
    status: Short = "",
) -> Response:
    drafts = {"reply": body}
    problem = _text_problem(body)
    if status and status not in Status._value2member_map_:
        problem = Problem(N_("Choose a status from the list."))
    if problem is None:
        try:
            conversation.add_reply(
                db,
                actor=principal.actor,
                now=now,
                ticket_id=ticket_id,
                body=body.strip(),
                status=Status(status) if status else None,
            )
        except DomainError as exc:
            problem = Problem.of(exc)
    if problem is not None:
        return ticket_page(request, principal, db, ticket_id, problem=problem, drafts=drafts)
    if status:
        drain_queue_after(db, now=now)  # a solved ticket frees room for a waiting one
    return _done(request, principal, db, ticket_id, N_("Reply sent."))


@router.post("/tickets/{ticket_id}/note", response_class=HTMLResponse)
def note(
    request: Request, ticket_id: TicketId, principal: Worker, db: Db, now: Now, body: Text = ""
) -> Response:
    problem = _text_problem(body)
    if problem is None:
        try:
            conversation.add_note(
                db, actor=principal.actor, now=now, ticket_id=ticket_id, body=body.strip()
            )
        except DomainError as exc:
            problem = Problem.of(exc)
    if problem is not None:
        drafts = {"note": body}
        return ticket_page(request, principal, db, ticket_id, problem=problem, drafts=drafts)
    return _done(request, principal, db, ticket_id, N_("Note added."))


@router.post("/tickets/{ticket_id}/update", response_class=HTMLResponse)
def update(
    request: Request,
    ticket_id: TicketId,
    principal: Worker,
    db: Db,
    now: Now,
    status: Short = "",
    priority: Short = "",
    assignee: Short = "",
) -> Response:
    """Status, priority and assignee in one form; fields equal to the ticket's change nothing."""
    sent: dict[str, Any] = {}
    if status:
        sent["status"] = status
    if priority:
        sent["priority"] = priority
    if assignee == UNASSIGNED:
        sent["assignee_id"] = None
    elif assignee:
        sent["assignee_id"] = assignee
    problem = None
    try:
        data = TicketUpdate.model_validate(sent)
        actions.update_ticket(db, actor=principal.actor, now=now, ticket_id=ticket_id, data=data)
    except ValidationError:
        problem = Problem(N_("Please check what you entered."))
    except DomainError as exc:
        problem = Problem.of(exc)
    if problem is not None:
        return ticket_page(request, principal, db, ticket_id, problem=problem)
    if sent:
        # As the API does: solved or reassigned frees room, reopened or unassigned waits.
        drain_queue_after(db, now=now)
    return _done(request, principal, db, ticket_id, N_("Ticket updated."))


@router.post("/tickets/{ticket_id}/tags", response_class=HTMLResponse)
def add_tags(
    request: Request, ticket_id: TicketId, principal: Worker, db: Db, now: Now, tags: Short = ""
) -> Response:
    wanted: list[str] = []
    for raw in tags.replace(",", " ").split():
        tag = normalise_tag(raw)
        if tag is None:
            problem = Problem(
                N_("%(tag)s is not a tag: use letters, digits and - _ : . (at most 50)."),
                {"tag": raw[:60]},
            )
            return ticket_page(request, principal, db, ticket_id, problem=problem)
        wanted.append(tag)
    if not wanted:
        problem = Problem(N_("Write a tag first."))
        return ticket_page(request, principal, db, ticket_id, problem=problem)
    return _change_tags(request, principal, db, now, ticket_id, add=wanted, remove=[])


@router.post("/tickets/{ticket_id}/tags/remove", response_class=HTMLResponse)
def remove_tag(
    request: Request, ticket_id: TicketId, principal: Worker, db: Db, now: Now, tag: Short = ""
) -> Response:
    normal = normalise_tag(tag)
    return _change_tags(
        request, principal, db, now, ticket_id, add=[], remove=[normal] if normal else []
    )


def _change_tags(
    request: Request,
    principal: Principal,
    db: Db,
    now: datetime,
    ticket_id: int,
    *,
    add: list[str],
    remove: list[str],
) -> Response:
    try:
        actions.change_tags(
            db, actor=principal.actor, now=now, ticket_id=ticket_id, add=add, remove=remove
        )
    except DomainError as exc:
        return ticket_page(request, principal, db, ticket_id, problem=Problem.of(exc))
    return _done(request, principal, db, ticket_id, N_("Tags changed."))
