"""Helpers of the hand-off and routing-fault tests: tickets that arrive and are routed, agents
opening and answering them, and the audit trail of tickets going back to the queue."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select

from careloop.routing import actions as routing
from careloop.routing import policy
from careloop.storage.audit import Actor, AuditEntry
from careloop.tickets import actions as tickets
from careloop.tickets import assignment, conversation
from careloop.tickets.schemas import TicketCreate
from careloop.tickets.tables import Ticket
from tests.factories import ACTOR, ticket_payload


def arrive(db, clock, **overrides) -> int:
    """A ticket created now and offered to the agents on duty, as the API does."""
    payload = ticket_payload(**overrides)
    payload.pop("customer")
    ticket, _ = tickets.create_ticket(
        db, actor=ACTOR, now=clock.now(), data=TicketCreate.model_validate(payload)
    )
    routing.route_new_tickets(db, tickets=[ticket], now=clock.now())
    return ticket.id


def as_agent(agent_id: int) -> Actor:
    return Actor(user_id=agent_id, label=f"agent {agent_id}")


def stored(db, ticket_id: int) -> Ticket:
    with db.read() as s:
        return s.get_one(Ticket, ticket_id)


def assignees(db, ticket_ids) -> dict[int, int | None]:
    with db.read() as s:
        rows = s.execute(select(Ticket.id, Ticket.assignee_id).where(Ticket.id.in_(ticket_ids)))
        return dict(rows.all())


def held_by(db, agent_id: int) -> list[int]:
    with db.read() as s:
        return list(
            s.scalars(select(Ticket.id).where(Ticket.assignee_id == agent_id).order_by(Ticket.id))
        )


def open_all(db, clock, agent_id: int) -> None:
    """The agent opens every ticket assigned to them that they have not opened yet."""
    with db.read() as s:
        ids = s.scalars(
            select(Ticket.id).where(Ticket.assignee_id == agent_id, Ticket.seen_at.is_(None))
        ).all()
    for ticket_id in ids:
        assignment.mark_seen(db, actor=as_agent(agent_id), now=clock.now(), ticket_id=ticket_id)


def reply(db, clock, agent_id: int, ticket_id: int) -> None:
    conversation.add_reply(
        db,
        actor=as_agent(agent_id),
        now=clock.now(),
        ticket_id=ticket_id,
        body="We are sending a replacement today.",
        status=None,
    )


def unassigned(db, ticket_id: int | None = None) -> list[AuditEntry]:
    """The "unassigned" audit rows (of one ticket, or all), oldest first."""
    with db.read() as s:
        stmt = select(AuditEntry).where(
            AuditEntry.entity_type == "ticket", AuditEntry.action == "unassigned"
        )
        if ticket_id is not None:
            stmt = stmt.where(AuditEntry.entity_id == ticket_id)
        return list(s.scalars(stmt.order_by(AuditEntry.id)))


def reasons(db) -> Counter[str]:
    return Counter(e.changes["reason"]["after"] for e in unassigned(db))


def set_default(db, now: datetime, **data) -> None:
    policy.set_policy(db, actor=ACTOR, now=now, team_id=None, data=data)
