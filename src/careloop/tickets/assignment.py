"""Giving a ticket to an agent and taking it back (the writes routing and hand-off make, each
audited with why), and the assignee opening it (`seen_at`, which hand-off of unopened
assignments reads)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from careloop.errors import Conflict
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.tickets.actions import move_status, set_tags, ticket_in
from careloop.tickets.model import Status
from careloop.tickets.tables import Ticket

TRANSLATION_TAG = "needs-translation"


def assign_in(
    s: Session,
    *,
    ticket: Ticket,
    agent_id: int,
    actor: Actor,
    now: datetime,
    reason: str,
    needs_translation: bool = False,
) -> None:
    """Give a (locked) ticket to an agent, audited with why; a new ticket becomes open, as
    when a person assigns it, and one in a language the agent lacks is tagged for translation."""
    changes: dict[str, Any] = {"assignee_id": (ticket.assignee_id, agent_id)}
    ticket.assignee_id = agent_id
    ticket.assigned_at = now
    ticket.seen_at = None  # a new assignment is unopened until its agent opens it
    if ticket.first_assigned_at is None:
        ticket.first_assigned_at = now
    if ticket.status == Status.NEW:
        move_status(ticket, Status.OPEN, now, changes)
    if needs_translation and TRANSLATION_TAG not in ticket.tags:
        before = ticket.tags
        set_tags(ticket, [*before, TRANSLATION_TAG])
        changes["tags"] = (before, ticket.tags)
    changes["reason"] = (None, reason)
    ticket.updated_at = now
    audit.record(
        s,
        at=now,
        actor=actor,
        entity_type="ticket",
        entity_id=ticket.id,
        action="assigned",
        changes=changes,
    )


def unassign_in(s: Session, *, ticket: Ticket, actor: Actor, now: datetime, reason: str) -> None:
    """Take a (locked) ticket back from its assignee into the queue, audited with why
    (clocked_out, shift_ended, on_leave, agent_removed, not_opened). Its status stays."""
    changes: dict[str, Any] = {
        "assignee_id": (ticket.assignee_id, None),
        "reason": (None, reason),
    }
    ticket.assignee_id = None
    ticket.assigned_at = None
    ticket.seen_at = None
    ticket.updated_at = now
    audit.record(
        s,
        at=now,
        actor=actor,
        entity_type="ticket",
        entity_id=ticket.id,
        action="unassigned",
        changes=changes,
    )


def mark_seen(db: Database, *, actor: Actor, now: datetime, ticket_id: int) -> Ticket:
    """The assignee opened the ticket: stamp `seen_at` once per assignment (audited), so it is
    not handed back as unopened. Anyone but the assignee gets a 409; opening again changes
    nothing."""
    with db.write() as s:
        ticket = ticket_in(s, ticket_id, for_update=True)
        if ticket.assignee_id is None or ticket.assignee_id != actor.user_id:
            raise Conflict(
                f"only the assignee of ticket {ticket_id} can mark it opened",
                {"ticket_id": ticket_id, "assignee_id": ticket.assignee_id},
            )
        if ticket.seen_at is None:
            ticket.seen_at = now
            audit.record(
                s,
                at=now,
                actor=actor,
                entity_type="ticket",
                entity_id=ticket.id,
                action="seen",
                changes={"seen_at": (None, now)},
            )
        return ticket
