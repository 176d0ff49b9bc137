"""The read side of service levels: calendars, policies and the events the sweep recorded."""

from __future__ import annotations

from sqlalchemy import select

from careloop.errors import NotFound
from careloop.sla.model import EventKind
from careloop.sla.tables import BusinessCalendar, SlaEvent, SlaPolicy
from careloop.storage.engine import Database
from careloop.storage.paging import newest_first


def list_calendars(db: Database) -> list[BusinessCalendar]:
    with db.read() as s:
        return list(s.scalars(select(BusinessCalendar).order_by(BusinessCalendar.name)))


def get_calendar(db: Database, calendar_id: int) -> BusinessCalendar:
    with db.read() as s:
        row = s.get(BusinessCalendar, calendar_id)
        if row is None:
            raise NotFound(f"no calendar {calendar_id}")
        return row


def list_policies(db: Database) -> list[SlaPolicy]:
    """In the order they are tried: active ones by position, then the inactive ones."""
    with db.read() as s:
        return list(
            s.scalars(
                select(SlaPolicy).order_by(
                    SlaPolicy.active.desc(), SlaPolicy.position, SlaPolicy.id
                )
            )
        )


def get_policy(db: Database, policy_id: int) -> SlaPolicy:
    with db.read() as s:
        row = s.get(SlaPolicy, policy_id)
        if row is None:
            raise NotFound(f"no SLA policy {policy_id}")
        return row


def list_events(
    db: Database,
    *,
    kind: EventKind | None = None,
    acknowledged: bool | None = None,
    ticket_id: int | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[SlaEvent], str | None]:
    """Warnings and breaches, newest first."""
    stmt = select(SlaEvent)
    if kind is not None:
        stmt = stmt.where(SlaEvent.kind == kind.value)
    if acknowledged is not None:
        stmt = stmt.where(
            SlaEvent.acknowledged_at.is_not(None)
            if acknowledged
            else SlaEvent.acknowledged_at.is_(None)
        )
    if ticket_id is not None:
        stmt = stmt.where(SlaEvent.ticket_id == ticket_id)
    return newest_first(db, stmt, SlaEvent.id, limit=limit, cursor=cursor)
