"""Tickets over JSON: create (single and batch), list, read, update, reply, note, tag, and the
assignee marking a ticket opened."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import AwareDatetime

from careloop.accounts.model import Permission, Principal
from careloop.api.deps import DB, Idempotency, Now, PathId, QueryId, Router, require
from careloop.routing import actions as routing
from careloop.storage.paging import MAX_LIMIT
from careloop.tickets import actions, assignment, conversation, queries
from careloop.tickets.model import Category, Channel, Priority, Status, normalise_tag
from careloop.tickets.schemas import (
    AuditEntryOut,
    BatchCreate,
    BatchItemResult,
    BatchResult,
    CountryCode,
    LanguageCode,
    MessageOut,
    NoteCreate,
    ReplyCreate,
    TagsChange,
    TicketCreate,
    TicketOut,
    TicketPage,
    TicketUpdate,
)

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"])

Reader = Annotated[Principal, Depends(require(Permission.TICKETS_READ))]
Creator = Annotated[Principal, Depends(require(Permission.TICKETS_CREATE))]
Worker = Annotated[Principal, Depends(require(Permission.TICKETS_WORK))]
TicketId = PathId
ROUTING_FIELDS = frozenset({"status", "assignee_id", "language", "category", "priority"})


@router.post("", status_code=201, response_model=TicketOut)
def create_ticket(
    body: TicketCreate,
    principal: Creator,
    db: DB,
    now: Now,
    idem: Idempotency,
    response: Response,
    router: Router,
) -> TicketOut:
    """Open a ticket and offer it to the agents on duty (`assignee_id` shows who took it). With
    an Idempotency-Key, a retried call returns the same ticket."""
    ticket, replayed = actions.create_ticket(
        db, actor=principal.actor, now=now, data=body, idempotency=idem
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    else:
        # Routed with the tickets of concurrent requests; the answer is the ticket as routing
        # committed it, so it is not read again.
        ticket = router.route([ticket], now).get(ticket.id, ticket)
    return TicketOut.model_validate(ticket)


@router.post("/batch", response_model=BatchResult)
def create_batch(
    body: BatchCreate,
    principal: Creator,
    db: DB,
    now: Now,
    idem: Idempotency,
    response: Response,
    router: Router,
) -> BatchResult:
    """Open up to 500 tickets; each item gets its own result (201, or its 4xx error)."""
    results, replayed = actions.create_tickets_batch(
        db, actor=principal.actor, now=now, items=body.tickets, idempotency=idem
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    else:
        fresh = [ticket for _, ticket, _ in results if ticket is not None]
        routed = router.route(fresh, now)
        results = [(i, routed.get(t.id, t) if t else None, e) for i, t, e in results]
    out = []
    for index, ticket, exc in results:
        if ticket is not None:
            out.append(
                BatchItemResult(index=index, status=201, ticket=TicketOut.model_validate(ticket))
            )
        elif exc is not None:
            error = {"code": exc.code, "message": exc.message, "details": exc.details}
            out.append(BatchItemResult(index=index, status=exc.status, error=error))
    created = sum(1 for r in out if r.status == 201)
    return BatchResult(results=out, created=created, failed=len(out) - created)


@router.get("", response_model=TicketPage)
def list_tickets(
    _: Reader,
    db: DB,
    status: Annotated[list[Status] | None, Query()] = None,
    assignee_id: QueryId = None,
    unassigned: bool = False,
    brand: Annotated[str | None, Query(max_length=40)] = None,
    category: Category | None = None,
    channel: Channel | None = None,
    priority: Priority | None = None,
    country: CountryCode | None = None,
    language: LanguageCode | None = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    customer_id: QueryId = None,
    order_id: QueryId = None,
    created_from: AwareDatetime | None = None,
    created_to: AwareDatetime | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> TicketPage:
    """Newest first, filtered; follow `next_cursor` for the next page."""
    f = queries.TicketFilter(
        status=status or (),
        assignee_id=assignee_id,
        unassigned=unassigned,
        brand=brand,
        category=category,
        channel=channel,
        priority=priority,
        country=country,
        language=language,
        tag=normalise_tag(tag) if tag else None,
        customer_id=customer_id,
        order_id=order_id,
        created_from=created_from,
        created_to=created_to,
        q=q or None,
    )
    rows, next_cursor = queries.list_tickets(db, f, limit=limit, cursor=cursor)
    return TicketPage(items=[TicketOut.model_validate(t) for t in rows], next_cursor=next_cursor)


@router.get("/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket_id: TicketId, _: Reader, db: DB) -> TicketOut:
    return TicketOut.model_validate(queries.get_ticket(db, ticket_id))


@router.patch("/{ticket_id}", response_model=TicketOut)
def update_ticket(
    ticket_id: TicketId, body: TicketUpdate, principal: Worker, db: DB, now: Now
) -> TicketOut:
    """Change only the fields sent; a status change must follow the ticket's life cycle."""
    ticket = actions.update_ticket(
        db, actor=principal.actor, now=now, ticket_id=ticket_id, data=body
    )
    # A solved or reassigned ticket frees room, a reopened or unassigned one waits, and a new
    # language, category or priority changes who may take it: offer the queue again.
    if body.model_fields_set & ROUTING_FIELDS and routing.drain_queue_after(db, now=now):
        ticket = queries.get_ticket(db, ticket_id)
    return TicketOut.model_validate(ticket)


@router.post("/{ticket_id}/seen", response_model=TicketOut)
def seen(ticket_id: TicketId, principal: Worker, db: DB, now: Now) -> TicketOut:
    """The assignee opened the ticket (an inbox client calls this when it shows it), so it is
    not handed back as unopened; 409 for anyone but the assignee, and a repeat changes
    nothing."""
    ticket = assignment.mark_seen(db, actor=principal.actor, now=now, ticket_id=ticket_id)
    return TicketOut.model_validate(ticket)


@router.get("/{ticket_id}/messages", response_model=list[MessageOut])
def list_messages(ticket_id: TicketId, _: Reader, db: DB) -> list[MessageOut]:
    return [MessageOut.model_validate(m) for m in queries.list_messages(db, ticket_id)]


@router.post("/{ticket_id}/replies", status_code=201, response_model=MessageOut)
def reply(
    ticket_id: TicketId, body: ReplyCreate, principal: Worker, db: DB, now: Now
) -> MessageOut:
    """A public reply to the customer; the first one is the ticket's first response."""
    message = conversation.add_reply(
        db, actor=principal.actor, now=now, ticket_id=ticket_id, body=body.body, status=body.status
    )
    if body.status is not None:
        routing.drain_queue_after(db, now=now)  # a solved ticket frees room for a waiting one
    return MessageOut.model_validate(message)


@router.post("/{ticket_id}/notes", status_code=201, response_model=MessageOut)
def note(ticket_id: TicketId, body: NoteCreate, principal: Worker, db: DB, now: Now) -> MessageOut:
    """An internal note, visible to the team only."""
    message = conversation.add_note(
        db, actor=principal.actor, now=now, ticket_id=ticket_id, body=body.body
    )
    return MessageOut.model_validate(message)


@router.post("/{ticket_id}/tags", response_model=TicketOut)
def add_tags(
    ticket_id: TicketId, body: TagsChange, principal: Worker, db: DB, now: Now
) -> TicketOut:
    ticket = actions.change_tags(
        db, actor=principal.actor, now=now, ticket_id=ticket_id, add=body.tags, remove=[]
    )
    return TicketOut.model_validate(ticket)


@router.delete("/{ticket_id}/tags/{tag}", response_model=TicketOut)
def remove_tag(
    ticket_id: TicketId,
    tag: Annotated[str, Path(max_length=50)],
    principal: Worker,
    db: DB,
    now: Now,
) -> TicketOut:
    normal = normalise_tag(tag)
    ticket = actions.change_tags(
        db,
        actor=principal.actor,
        now=now,
        ticket_id=ticket_id,
        add=[],
        remove=[normal] if normal else [],
    )
    return TicketOut.model_validate(ticket)


@router.get("/{ticket_id}/audit", response_model=list[AuditEntryOut])
def ticket_audit(ticket_id: TicketId, _: Reader, db: DB) -> list[AuditEntryOut]:
    """Every change of the ticket: who, when, what, before and after."""
    return [AuditEntryOut.model_validate(e) for e in queries.ticket_audit(db, ticket_id)]
