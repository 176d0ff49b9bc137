"""The live board's service levels: open tickets by their earliest unmet due instant, breached
or at risk, and the SLA events nobody has acknowledged; two queries. Also the small pieces the
rest of the board shares (who could take a ticket, whole seconds, aware instants)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session

from careloop.accounts.tables import User
from careloop.routing.model import Candidate, TicketToRoute, eligible
from careloop.sla.tables import SlaEvent
from careloop.storage.base import UTCDateTime
from careloop.tickets.model import OPEN_STATUSES, Category, Channel, Priority, Status
from careloop.tickets.tables import Ticket

SLA_LISTED = 50  # tickets per SLA list, and unacknowledged events listed
AT_RISK_WITHIN = timedelta(minutes=30)
# Stands in for "no due instant" inside the SQL that finds a ticket's earliest one.
_NEVER = datetime(9000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SlaItem:
    """An open ticket by its earliest unmet due instant (`target`); late when negative left."""

    ticket_id: int
    subject: str
    priority: Priority
    status: Status
    assignee_id: int | None
    assignee: str | None
    target: str  # first_response, next_response or resolution
    due_at: datetime
    late_seconds: int  # how late; negative: how long is left
    eligible_agent_ids: tuple[int, ...]


@dataclass(frozen=True)
class SlaEventItem:
    event_id: int
    ticket_id: int
    subject: str
    assignee: str | None
    target: str
    kind: str  # warning or breach
    due_at: datetime
    at: datetime


@dataclass(frozen=True)
class Sla:
    at_risk: int
    breached: int
    at_risk_items: list[SlaItem]
    breached_items: list[SlaItem]
    unacknowledged: int
    events: list[SlaEventItem]


# --- service levels --------------------------------------------------------------------------


def sla_in(s: Session, now: datetime, language: str | None, candidates: Sequence[Candidate]) -> Sla:
    """Open tickets by their earliest unmet due instant: breached when it has passed, at risk
    when it falls within AT_RISK_WITHIN. One query gives both lists, capped, and their exact
    sizes (window functions); another the unacknowledged events."""
    horizon = now + AT_RISK_WITHIN
    never = literal(_NEVER, UTCDateTime())
    first = func.coalesce(
        case((Ticket.first_response_at.is_(None), Ticket.first_response_due_at)), never
    )
    following = func.coalesce(Ticket.next_response_due_at, never)
    resolution = func.coalesce(Ticket.resolution_due_at, never)
    first_is_earliest = and_(first <= following, first <= resolution)
    earliest = type_coerce(
        case((first_is_earliest, first), (following <= resolution, following), else_=resolution),
        UTCDateTime(),
    )
    target = case(
        (first_is_earliest, "first_response"),
        (following <= resolution, "next_response"),
        else_="resolution",
    )
    breached = case((earliest < now, 1), else_=0)
    inner = select(
        Ticket.id,
        Ticket.subject,
        Ticket.priority,
        Ticket.status,
        Ticket.assignee_id,
        Ticket.language,
        Ticket.category,
        Ticket.channel,
        Ticket.brand_id,
        earliest.label("due_at"),
        target.label("target"),
        breached.label("breached"),
        func.row_number().over(partition_by=breached, order_by=(earliest, Ticket.id)).label("n"),
        func.count().over(partition_by=breached).label("total"),
    ).where(
        Ticket.status.in_(OPEN_STATUSES),
        # Each due column on its own, so each of their indexes can serve.
        or_(
            and_(Ticket.first_response_at.is_(None), Ticket.first_response_due_at < horizon),
            Ticket.next_response_due_at < horizon,
            Ticket.resolution_due_at < horizon,
        ),
    )
    if language is not None:
        inner = inner.where(Ticket.language == language)
    sub = inner.subquery()
    rows = s.execute(
        select(sub, User.name.label("assignee"))
        .outerjoin(User, User.id == sub.c.assignee_id)
        .where(sub.c.n <= SLA_LISTED)
        .order_by(sub.c.breached.desc(), sub.c.n)
    ).all()
    lists: dict[int, list[SlaItem]] = {0: [], 1: []}
    totals = {0: 0, 1: 0}
    for r in rows:
        due = aware(r.due_at)
        wanted = TicketToRoute(
            ticket_id=r.id,
            language=r.language,
            category=None if r.category is None else Category(r.category).value,
            channel=Channel(r.channel).value,
            brand_id=r.brand_id,
            priority=Priority(r.priority),
            queued_since=now,
        )
        totals[r.breached] = r.total
        lists[r.breached].append(
            SlaItem(
                ticket_id=r.id,
                subject=r.subject,
                priority=Priority(r.priority),
                status=Status(r.status),
                assignee_id=r.assignee_id,
                assignee=r.assignee,
                target=r.target,
                due_at=due,
                late_seconds=whole_seconds(now - due),
                eligible_agent_ids=tuple(sorted(eligible_ids(wanted, candidates))),
            )
        )
    events, unacknowledged = _events(s, language)
    return Sla(
        at_risk=totals[0],
        breached=totals[1],
        at_risk_items=lists[0],
        breached_items=lists[1],
        unacknowledged=unacknowledged,
        events=events,
    )


def _events(s: Session, language: str | None) -> tuple[list[SlaEventItem], int]:
    """The newest unacknowledged warnings and breaches, and how many there are in all."""
    stmt = (
        select(
            SlaEvent.id,
            SlaEvent.ticket_id,
            SlaEvent.target,
            SlaEvent.kind,
            SlaEvent.due_at,
            SlaEvent.at,
            Ticket.subject,
            User.name,
            func.count().over().label("total"),
        )
        .join(Ticket, Ticket.id == SlaEvent.ticket_id)
        .outerjoin(User, User.id == Ticket.assignee_id)
        .where(SlaEvent.acknowledged_at.is_(None))
        .order_by(SlaEvent.at.desc(), SlaEvent.id.desc())
        .limit(SLA_LISTED)
    )
    if language is not None:
        stmt = stmt.where(Ticket.language == language)
    rows = s.execute(stmt).all()
    items = [
        SlaEventItem(
            event_id=r.id,
            ticket_id=r.ticket_id,
            subject=r.subject,
            assignee=r.name,
            target=r.target,
            kind=r.kind,
            due_at=r.due_at,
            at=r.at,
        )
        for r in rows
    ]
    return items, rows[0].total if rows else 0


def eligible_ids(ticket: TicketToRoute, candidates: Iterable[Candidate]) -> set[int]:
    return {c.agent_id for c in candidates if eligible(ticket, c)}


def whole_seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


def aware(value: datetime) -> datetime:
    # Aggregates and CASE expressions come back naive from SQLite; stored instants are UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
