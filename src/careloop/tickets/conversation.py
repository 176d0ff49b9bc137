"""State changes of a ticket's conversation: public replies, internal notes, customer messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from careloop.errors import Conflict
from careloop.sla.actions import Trigger, apply_sla_in
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.tickets import model
from careloop.tickets.actions import move_status, ticket_in
from careloop.tickets.model import MessageKind, Status
from careloop.tickets.tables import Message, Ticket


def _post_in(
    s: Session,
    *,
    actor: Actor,
    now: datetime,
    ticket: Ticket,
    message: Message,
    action: str,
    changes: dict[str, tuple[Any, Any]],
    sla: Trigger | None = None,
) -> Message:
    """Add a message to the ticket's conversation and audit it with the ticket's other changes
    (its SLA due instants among them, when the message moves them)."""
    s.add(message)
    ticket.updated_at = now
    s.flush()
    if sla is not None:
        changes.update(apply_sla_in(s, ticket, now, event=sla))
    changes["message_id"] = (None, message.id)
    audit.record(
        s,
        at=now,
        actor=actor,
        entity_type="ticket",
        entity_id=ticket.id,
        action=action,
        changes=changes,
    )
    return message


def _by_agent(ticket: Ticket, kind: MessageKind, body: str, actor: Actor, now: datetime) -> Message:
    return Message(
        ticket_id=ticket.id,
        kind=kind,
        body=body,
        author_user_id=actor.user_id,
        author_label=actor.label,
        created_at=now,
    )


def add_reply(
    db: Database, *, actor: Actor, now: datetime, ticket_id: int, body: str, status: Status | None
) -> Message:
    """A public reply: the first one stamps the ticket's first response."""
    with db.write() as s:
        ticket = ticket_in(s, ticket_id, for_update=True)
        if ticket.status == Status.CLOSED:
            raise Conflict(f"ticket {ticket_id} is closed; open a follow-up instead")
        changes: dict[str, tuple[Any, Any]] = {}
        move_status(ticket, model.status_after_reply(ticket.status, status), now, changes)
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            changes["first_response_at"] = (None, now)
        message = _by_agent(ticket, MessageKind.REPLY, body, actor, now)
        return _post_in(
            s,
            actor=actor,
            now=now,
            ticket=ticket,
            message=message,
            action="replied",
            changes=changes,
            sla=Trigger.REPLY,
        )


def add_note(db: Database, *, actor: Actor, now: datetime, ticket_id: int, body: str) -> Message:
    """An internal note, seen by the team only; it changes neither status nor SLA clocks."""
    with db.write() as s:
        ticket = ticket_in(s, ticket_id, for_update=True)
        message = _by_agent(ticket, MessageKind.NOTE, body, actor, now)
        return _post_in(
            s, actor=actor, now=now, ticket=ticket, message=message, action="noted", changes={}
        )


def add_customer_message_in(
    s: Session, *, actor: Actor, now: datetime, ticket: Ticket, body: str, author_label: str
) -> Message:
    """The customer wrote again: a solved or pending ticket opens again."""
    changes: dict[str, tuple[Any, Any]] = {}
    if ticket.status in (Status.SOLVED, Status.PENDING):
        move_status(ticket, Status.OPEN, now, changes)
    message = Message(
        ticket_id=ticket.id,
        kind=MessageKind.CUSTOMER,
        body=body,
        author_customer_id=ticket.customer_id,
        author_label=author_label,
        created_at=now,
    )
    return _post_in(
        s,
        actor=actor,
        now=now,
        ticket=ticket,
        message=message,
        action="customer_wrote",
        changes=changes,
        sla=Trigger.CUSTOMER_MESSAGE,
    )
