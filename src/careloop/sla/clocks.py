"""A ticket's SLA clocks kept up to date inside the caller's transaction: the ticket actions
call `apply_sla_in` on every change that can move a due instant, and a policy change
recomputes the open tickets."""

from __future__ import annotations

import enum
import weakref
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from careloop.sla import model
from careloop.sla.model import (
    Calendar,
    Clocks,
    EventKind,
    PolicyRule,
    Target,
    Terms,
    TicketFacts,
    TicketTimes,
)
from careloop.sla.tables import BusinessCalendar, SlaEvent, SlaPolicy
from careloop.storage import audit
from careloop.storage.audit import Actor, AuditEntry
from careloop.storage.engine import Database
from careloop.tickets.commerce_tables import Customer
from careloop.tickets.model import OPEN_STATUSES, MessageKind, Status
from careloop.tickets.tables import Message, Ticket
from careloop.workforce.holidays import public_holidays

_RULES_KEY = "sla_rules"
_CHANGED_KEY = "sla_rules_changed"
RECOMPUTE_BATCH = 500
SLA_FIELDS = (
    "sla_policy_id",
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "resolution_remaining_seconds",
)


class Trigger(enum.StrEnum):
    """What happened to the ticket, as far as its clocks care."""

    CREATED = "created"
    REPLY = "reply"  # a public reply: meets first and next response
    CUSTOMER_MESSAGE = "customer_message"
    STATUS = "status"
    FIELDS = "fields"  # priority, brand, category, channel or customer changed
    POLICY = "policy"  # the policies changed


def calendar_of(row: BusinessCalendar, around: datetime) -> Calendar:
    """A calendar row as the model's Calendar, with its country's holidays from the year
    before `around` to two years after (a due instant lies well within that)."""
    closed = {date.fromisoformat(d) for d in row.closed_dates or []}
    if row.holiday_country:
        first, last = date(around.year - 1, 1, 1), date(around.year + 2, 12, 31)
        closed |= set(public_holidays(row.holiday_country, first, last))
    return Calendar(row.timezone, model.parse_windows(row.windows or {}), frozenset(closed))


def terms_of(policy: SlaPolicy, calendar: Calendar | None) -> Terms:
    def seconds(minutes: int | None) -> int | None:
        return None if minutes is None else minutes * 60

    return Terms(
        policy_id=policy.id,
        first_response=seconds(policy.first_response_minutes),
        next_response=seconds(policy.next_response_minutes),
        resolution=seconds(policy.resolution_minutes),
        calendar=calendar,
        warn_before=timedelta(minutes=policy.warn_before_minutes),
    )


def _terms_in(s: Session, policy: SlaPolicy, now: datetime) -> Terms:
    row = s.get(BusinessCalendar, policy.calendar_id) if policy.calendar_id else None
    return terms_of(policy, calendar_of(row, now) if row else None)


# The compiled policies of each database (keyed by its connection pool, so two databases in one
# process never share them), with the version they were read at and the year their calendars'
# holidays were computed around: compiling a calendar's holidays costs more than the ticket.
_compiled: weakref.WeakKeyDictionary[Pool, tuple[int, int, list[PolicyRule]]] = (
    weakref.WeakKeyDictionary()
)
# The version of the policies: every change of a policy or calendar writes an audit row in its
# own transaction, and audit rows are never deleted, so their count grows with each committed
# change, in every process. An index-only count over a handful of rows (ix_audit_entity).
_VERSION = select(func.count(AuditEntry.id)).where(
    AuditEntry.entity_type.in_(("sla_policy", "sla_calendar"))
)


def rules_in(s: Session, now: datetime) -> list[PolicyRule]:
    """The active policies in order: compiled once per change of the policies (another process's
    too, through a version read per transaction) and read once per transaction."""
    cached = s.info.get(_RULES_KEY)
    if cached is not None:
        return list(cached)
    # Not shared from a transaction that changes policies itself: its version and rows are
    # not committed, and could roll back.
    shared = not s.info.get(_CHANGED_KEY)
    pool = s.get_bind().engine.pool
    # The version is read before the rows: under READ COMMITTED a change committing in between
    # makes the rows newer than the version (read again next time), never older.
    version = int(s.scalar(_VERSION) or 0)
    hit = _compiled.get(pool) if shared else None
    if hit is not None and hit[0] == version and hit[1] == now.year:
        rules = hit[2]
    else:
        rules = _read_rules(s, now)
        if shared:
            _compiled[pool] = (version, now.year, rules)
    s.info[_RULES_KEY] = rules
    return list(rules)


def _read_rules(s: Session, now: datetime) -> list[PolicyRule]:
    policies = list(s.scalars(select(SlaPolicy).where(SlaPolicy.active.is_(True))))
    ids = {p.calendar_id for p in policies if p.calendar_id is not None}
    rows = s.scalars(select(BusinessCalendar).where(BusinessCalendar.id.in_(ids))) if ids else ()
    calendars = {row.id: calendar_of(row, now) for row in rows}
    return [
        PolicyRule(
            p.position,
            dict(p.conditions or {}),
            terms_of(p, calendars.get(p.calendar_id) if p.calendar_id else None),
        )
        for p in policies
    ]


def forget_rules_in(s: Session) -> None:
    """Policies or calendars changed in this transaction: read them again next time."""
    s.info.pop(_RULES_KEY, None)
    s.info[_CHANGED_KEY] = True


def facts_in(s: Session, ticket: Ticket) -> TicketFacts:
    tier = None
    if ticket.customer_id is not None:
        customer = s.get(Customer, ticket.customer_id)
        tier = customer.tier if customer else None
    return TicketFacts(
        brand_id=ticket.brand_id,
        priority=ticket.priority.value,
        channel=ticket.channel.value,
        category=None if ticket.category is None else ticket.category.value,
        customer_tier=tier,
    )


def waiting_since_in(s: Session, ticket_id: int) -> datetime | None:
    """The first customer message after the last public reply (None: nobody is waiting)."""
    last_reply = (
        select(func.coalesce(func.max(Message.id), 0))
        .where(Message.ticket_id == ticket_id, Message.kind == MessageKind.REPLY)
        .scalar_subquery()
    )
    return s.scalar(
        select(func.min(Message.created_at)).where(
            Message.ticket_id == ticket_id,
            Message.kind == MessageKind.CUSTOMER,
            Message.id > last_reply,
        )
    )


def clocks_of(ticket: Ticket) -> Clocks:
    return Clocks(
        policy_id=ticket.sla_policy_id,
        first_response_due=ticket.first_response_due_at,
        next_response_due=ticket.next_response_due_at,
        resolution_due=ticket.resolution_due_at,
        resolution_remaining=ticket.resolution_remaining_seconds,
    )


def apply_sla_in(
    s: Session,
    ticket: Ticket,
    now: datetime,
    *,
    event: Trigger,
    old_terms: Mapping[int, Terms] | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Re-select the ticket's policy and set its due instants after `event`; returns the fields
    that changed as (before, after) for the caller's audit row. `old_terms` gives the terms a
    changed policy had before its change (a recompute), so the spent time stays spent."""
    s.flush()  # the message or status this event is about is visible to the queries below
    new = model.select_policy(rules_in(s, now), facts_in(s, ticket))
    old: Terms | None = None
    if ticket.sla_policy_id is not None:
        if old_terms and ticket.sla_policy_id in old_terms:
            old = old_terms[ticket.sla_policy_id]
        else:
            known = {r.terms.policy_id: r.terms for r in rules_in(s, now)}
            old = known.get(ticket.sla_policy_id)
            if old is None:  # deactivated since: its row is kept for this
                old = _terms_in(s, s.get_one(SlaPolicy, ticket.sla_policy_id), now)
    waiting = None
    if event not in (Trigger.CREATED, Trigger.REPLY) and ticket.first_response_at is not None:
        waiting = waiting_since_in(s, ticket.id)
    times = TicketTimes(ticket.status, ticket.created_at, ticket.first_response_at, waiting)
    after = model.clocks_for(clocks_of(ticket), old, new, times, now)
    values = {
        "sla_policy_id": after.policy_id,
        "first_response_due_at": after.first_response_due,
        "next_response_due_at": after.next_response_due,
        "resolution_due_at": after.resolution_due,
        "resolution_remaining_seconds": after.resolution_remaining,
    }
    _record_met_late(s, ticket, after, now)
    changes: dict[str, tuple[Any, Any]] = {}
    for name, value in values.items():
        before = getattr(ticket, name)
        if before != value:
            setattr(ticket, name, value)
            changes[name] = (before, value)
    return changes


def _record_met_late(s: Session, ticket: Ticket, after: Clocks, now: datetime) -> None:
    """A target met after its due instant before the sweep saw it is still a breach: record
    it as the sweep would have (without escalating: it is met), so SLA attainment counts it."""
    late = []
    due = ticket.first_response_due_at
    met = ticket.first_response_at is not None
    if due is not None and due < now and after.first_response_due is None and met:
        late.append((Target.FIRST_RESPONSE, due))
    due = ticket.resolution_due_at
    solved = ticket.status in (Status.SOLVED, Status.CLOSED)
    if due is not None and due < now and after.resolution_due is None and solved:
        late.append((Target.RESOLUTION, due))
    for target, due_at in late:
        known = s.scalar(
            select(SlaEvent.id).where(
                SlaEvent.ticket_id == ticket.id,
                SlaEvent.target == target.value,
                SlaEvent.kind == EventKind.BREACH.value,
                SlaEvent.due_at == due_at,
            )
        )
        if known is not None:
            continue
        try:
            with s.begin_nested():
                s.add(
                    SlaEvent(
                        ticket_id=ticket.id,
                        target=target.value,
                        kind=EventKind.BREACH.value,
                        due_at=due_at,
                        at=now,
                        actions={"met_late": True},
                    )
                )
        except IntegrityError:
            pass  # the sweep recorded it meanwhile


def recompute_open_tickets(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    old_terms: Mapping[int, Terms] | None = None,
    batch: int = RECOMPUTE_BATCH,
) -> int:
    """After a policy or calendar change: every open ticket's clocks again, in batches of
    `batch` tickets, each its own transaction (a ticket changed meanwhile is simply
    recomputed from its newer state). Returns how many tickets changed."""
    changed = 0
    after_id = 0
    while True:
        with db.write() as s:
            tickets = list(
                s.scalars(
                    select(Ticket)
                    .where(Ticket.status.in_(OPEN_STATUSES), Ticket.id > after_id)
                    .order_by(Ticket.id)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            )
            for ticket in tickets:
                changes = apply_sla_in(s, ticket, now, event=Trigger.POLICY, old_terms=old_terms)
                if changes:
                    changed += 1
                    audit.record(
                        s,
                        at=now,
                        actor=actor,
                        entity_type="ticket",
                        entity_id=ticket.id,
                        action="sla_recomputed",
                        changes=changes,
                    )
        if len(tickets) < batch:
            return changed
        after_id = tickets[-1].id
