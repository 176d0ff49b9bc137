"""Giving a ticket to an agent: the write routing makes once it has chosen, audited with why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.tickets.actions import move_status, set_tags
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
