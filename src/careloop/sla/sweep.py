"""The SLA sweep, run every minute by the job runner: a warning before a due instant, and on a
breach the policy's escalation (raise the priority, tell the assignee's team lead, put the
ticket back in the queue). Safe with several sweepers at once: warnings are unique per ticket,
target and due instant; each breach is handled in its own transaction with the ticket locked."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from careloop.sla import model
from careloop.sla.clocks import Trigger, apply_sla_in
from careloop.sla.model import EventKind, Target
from careloop.sla.tables import SlaEvent, SlaPolicy
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.tickets.assignment import unassign_in
from careloop.tickets.model import OPEN_STATUSES, MessageKind
from careloop.tickets.tables import Message, Ticket
from careloop.workforce.tables import Agent, Team

log = logging.getLogger(__name__)
SLA_ACTOR = Actor(user_id=None, label="sla")
BREACHES_PER_RUN = 100
WARNINGS_PER_RUN = 500
DUE: dict[Target, InstrumentedAttribute[datetime | None]] = {
    Target.FIRST_RESPONSE: Ticket.first_response_due_at,
    Target.NEXT_RESPONSE: Ticket.next_response_due_at,
    Target.RESOLUTION: Ticket.resolution_due_at,
}


@dataclass
class SweepResult:
    warnings: int = 0
    breaches: int = 0
    raised: int = 0  # priorities raised
    unassigned: int = 0
    skipped: int = 0  # tickets another transaction held; the next run sees them again


def sla_sweep(db: Database, *, now: datetime, limit: int = BREACHES_PER_RUN) -> SweepResult:
    """One pass: warnings first (one transaction), then up to `limit` breaches, each in its own
    transaction, most overdue first."""
    result = SweepResult()
    _warn(db, now, result)
    for ticket_id, target in _breach_candidates(db, now, limit):
        try:
            _breach(db, ticket_id, target, now, result)
        except IntegrityError:
            # Another sweeper recorded this very breach between our check and insert.
            result.skipped += 1
    return result


def _breached(target: Target) -> ColumnElement[bool]:
    """A breach of `target` already recorded in the ticket's current cycle: first response and
    resolution breach once per ticket; next response once per wait (since the last reply).
    So a breach stands when a policy change or the escalation itself moves the due instant."""
    conditions = [
        SlaEvent.ticket_id == Ticket.id,
        SlaEvent.target == target.value,
        SlaEvent.kind == EventKind.BREACH.value,
    ]
    if target == Target.NEXT_RESPONSE:
        last_reply = (
            select(func.max(Message.created_at))
            .where(Message.ticket_id == Ticket.id, Message.kind == MessageKind.REPLY)
            .scalar_subquery()
        )
        conditions.append(SlaEvent.at >= func.coalesce(last_reply, Ticket.created_at))
    return exists().where(*conditions)


def _breach_candidates(db: Database, now: datetime, limit: int) -> list[tuple[int, Target]]:
    found: list[tuple[datetime, int, Target]] = []
    with db.read() as s:
        for target, due in DUE.items():
            rows = s.execute(
                select(Ticket.id, due)
                .where(due <= now, Ticket.status.in_(OPEN_STATUSES), ~_breached(target))
                .order_by(due, Ticket.id)
                .limit(limit)
            ).all()
            found += [(at, ticket_id, target) for ticket_id, at in rows if at is not None]
    found.sort()
    return [(ticket_id, target) for _, ticket_id, target in found[:limit]]


def _breach(
    db: Database, ticket_id: int, target: Target, now: datetime, result: SweepResult
) -> None:
    with db.write() as s:
        ticket = s.scalar(
            select(Ticket).where(Ticket.id == ticket_id).with_for_update(skip_locked=True)
        )
        if ticket is None:
            result.skipped += 1
            return
        due = getattr(ticket, DUE[target].key)
        if due is None or due > now or ticket.status not in OPEN_STATUSES:
            return  # met or moved since the candidates were read
        if s.scalar(select(_breached(target)).where(Ticket.id == ticket.id)):
            return
        policy = s.get(SlaPolicy, ticket.sla_policy_id) if ticket.sla_policy_id else None
        escalation: dict[str, Any] = dict(policy.escalation or {}) if policy else {}
        event = SlaEvent(
            ticket_id=ticket.id,
            target=target.value,
            kind=EventKind.BREACH.value,
            due_at=due,
            at=now,
        )
        s.add(event)
        s.flush()
        done = _escalate_in(s, ticket, escalation, target, now, result)
        event.actions = done
        result.breaches += 1


def _escalate_in(
    s: Session,
    ticket: Ticket,
    escalation: dict[str, Any],
    target: Target,
    now: datetime,
    result: SweepResult,
) -> dict[str, Any]:
    """Do what the policy says about a breach; returns what was done for the event's record."""
    done: dict[str, Any] = {}
    changes: dict[str, tuple[Any, Any]] = {"sla_breach": (None, target.value)}
    if escalation.get("raise_priority"):
        higher = model.raised(ticket.priority)
        if higher != ticket.priority:
            changes["priority"] = (ticket.priority, higher)
            done["priority"] = [ticket.priority.value, higher.value]
            ticket.priority = higher
            ticket.updated_at = now
            # A higher priority may select another policy; the breach recorded here stands.
            changes.update(apply_sla_in(s, ticket, now, event=Trigger.FIELDS))
            result.raised += 1
    if escalation.get("notify_lead") and ticket.assignee_id is not None:
        done["lead_id"] = lead_of_in(s, ticket.assignee_id)
    audit.record(
        s,
        at=now,
        actor=SLA_ACTOR,
        entity_type="ticket",
        entity_id=ticket.id,
        action="sla_breached",
        changes=changes,
    )
    if escalation.get("reassign") and ticket.assignee_id is not None:
        done["unassigned"] = ticket.assignee_id
        unassign_in(s, ticket=ticket, actor=SLA_ACTOR, now=now, reason="sla_breach")
        result.unassigned += 1
    return done


def lead_of_in(s: Session, agent_id: int) -> int | None:
    """The lead of the agent's team (None without a team or lead). A plain read of workforce's
    rows: the sweep needs nothing else from that domain."""
    return s.scalar(
        select(Team.lead_id).join(Agent, Agent.team_id == Team.id).where(Agent.user_id == agent_id)
    )


def _warn(db: Database, now: datetime, result: SweepResult) -> None:
    """Warnings for due instants within each policy's warn_before_minutes, one per ticket,
    target and due instant (the unique key keeps a second sweeper from adding another)."""
    with db.write() as s:
        warns = s.execute(
            select(SlaPolicy.warn_before_minutes, func.min(SlaPolicy.id))
            .where(SlaPolicy.warn_before_minutes > 0)
            .group_by(SlaPolicy.warn_before_minutes)
        ).all()
        budget = WARNINGS_PER_RUN
        for minutes, _ in warns:
            policies = select(SlaPolicy.id).where(SlaPolicy.warn_before_minutes == minutes)
            for target, due in DUE.items():
                if budget <= 0:
                    return
                warned = exists().where(
                    SlaEvent.ticket_id == Ticket.id,
                    SlaEvent.target == target.value,
                    SlaEvent.kind == EventKind.WARNING.value,
                    SlaEvent.due_at == due,
                )
                rows = s.execute(
                    select(Ticket.id, due)
                    .where(
                        due > now,
                        due <= now + timedelta(minutes=minutes),
                        Ticket.status.in_(OPEN_STATUSES),
                        Ticket.sla_policy_id.in_(policies),
                        ~warned,
                    )
                    .order_by(due, Ticket.id)
                    .limit(budget)
                ).all()
                for ticket_id, at in rows:
                    budget -= 1
                    if at is not None and _warning_in(s, ticket_id, target, at, now):
                        result.warnings += 1


def _warning_in(s: Session, ticket_id: int, target: Target, due: datetime, now: datetime) -> bool:
    try:
        with s.begin_nested():
            s.add(
                SlaEvent(
                    ticket_id=ticket_id,
                    target=target.value,
                    kind=EventKind.WARNING.value,
                    due_at=due,
                    at=now,
                    actions={},
                )
            )
        return True
    except IntegrityError:
        return False  # another sweeper warned first
