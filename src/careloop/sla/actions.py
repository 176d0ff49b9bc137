"""State changes of service levels: business calendars, SLA policies and acknowledging an
SLA event. Each change is checked whole (a bad one is a 4xx that changes nothing), audited,
and followed by a recompute of the open tickets' due instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop import validation
from careloop.errors import Conflict, Invalid, NotFound
from careloop.sla import model
from careloop.sla.clocks import Trigger as Trigger
from careloop.sla.clocks import (
    apply_sla_in as apply_sla_in,
)
from careloop.sla.clocks import (
    calendar_of,
    forget_rules_in,
    recompute_open_tickets,
    terms_of,
)
from careloop.sla.model import Terms
from careloop.sla.tables import BusinessCalendar, SlaEvent, SlaPolicy
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.tickets.commerce_tables import Brand
from careloop.tickets.model import Category, Channel, Priority
from careloop.workforce.holidays import has_calendar

MAX_TARGET_MINUTES = 366 * 24 * 60
MAX_WARN_MINUTES = 7 * 24 * 60
MAX_CLOSED_DATES = 400
ESCALATIONS = ("raise_priority", "notify_lead", "reassign")
CALENDAR_FIELDS = ("name", "timezone", "windows", "holiday_country", "closed_dates")
POLICY_FIELDS = (
    "name",
    "position",
    "active",
    "conditions",
    "first_response_minutes",
    "next_response_minutes",
    "resolution_minutes",
    "calendar_id",
    "warn_before_minutes",
    "escalation",
)


def _name(value: Any) -> str:
    name = str(value or "").strip()
    if not name or len(name) > 100:
        raise Invalid("a name of 1 to 100 characters is needed", {"field": "name"})
    return name


def _unique(
    s: Session, table: type[BusinessCalendar | SlaPolicy], name: str, own: int | None
) -> None:
    stmt = select(table.id).where(func.lower(table.name) == name.lower())
    if own is not None:
        stmt = stmt.where(table.id != own)
    if s.scalar(stmt) is not None:
        raise Conflict(f"the name {name!r} is taken", {"field": "name"})


# --- calendars ---------------------------------------------------------------------------------


def checked_calendar(values: dict[str, Any]) -> dict[str, Any]:
    """A calendar's fields checked and normalised: a known zone, windows per weekday that do
    not overlap (at least one: without any, leave the policy's calendar empty for 24/7), a
    country with a holiday calendar, and ISO dates."""
    zone = str(values.get("timezone") or "").strip()
    if not validation.is_timezone(zone):
        raise Invalid(f"{zone!r} is not an IANA time zone", {"field": "timezone"})
    raw = values.get("windows") or {}
    if not isinstance(raw, dict):
        raise Invalid("windows map weekdays to [start, end] pairs", {"field": "windows"})
    try:
        windows = model.parse_windows(raw)
    except ValueError as exc:
        raise Invalid(str(exc), {"field": "windows"}) from None
    if not windows:
        raise Invalid("a calendar needs at least one window", {"field": "windows"})
    country = values.get("holiday_country")
    if country:
        country = str(country).strip().upper()
        if not has_calendar(country):
            raise Invalid(
                f"{country!r} is not a country with a known public holiday calendar",
                {"field": "holiday_country"},
            )
    closed = values.get("closed_dates") or []
    if not isinstance(closed, list) or len(closed) > MAX_CLOSED_DATES:
        raise Invalid(f"at most {MAX_CLOSED_DATES} closed dates", {"field": "closed_dates"})
    try:
        days = sorted({date.fromisoformat(str(d)) for d in closed})
    except ValueError:
        raise Invalid(
            "closed dates are ISO dates like 2026-12-24", {"field": "closed_dates"}
        ) from None
    return {
        "name": _name(values.get("name")),
        "timezone": zone,
        "windows": model.format_windows(windows),
        "holiday_country": country or None,
        "closed_dates": [d.isoformat() for d in days],
    }


def create_calendar(
    db: Database, *, actor: Actor, now: datetime, values: dict[str, Any]
) -> BusinessCalendar:
    data = checked_calendar(values)
    with db.write() as s:
        _unique(s, BusinessCalendar, data["name"], None)
        row = BusinessCalendar(**data, created_at=now, updated_at=now)
        s.add(row)
        s.flush()
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="sla_calendar",
            entity_id=row.id,
            action="created",
            changes={k: (None, v) for k, v in data.items()},
        )
        return row


def _calendar_in(s: Session, calendar_id: int, *, lock: bool = False) -> BusinessCalendar:
    stmt = select(BusinessCalendar).where(BusinessCalendar.id == calendar_id)
    row = s.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise NotFound(f"no calendar {calendar_id}")
    return row


def update_calendar(
    db: Database, *, actor: Actor, now: datetime, calendar_id: int, changes: dict[str, Any]
) -> BusinessCalendar:
    """Change the fields given; the policies using the calendar move their open tickets."""
    _known(changes, CALENDAR_FIELDS)
    with db.write() as s:
        row = _calendar_in(s, calendar_id, lock=True)
        current = {k: getattr(row, k) for k in CALENDAR_FIELDS}
        data = checked_calendar({**current, **changes})
        _unique(s, BusinessCalendar, data["name"], row.id)
        diff = {k: (current[k], v) for k, v in data.items() if current[k] != v}
        if not diff:
            return row
        users = list(s.scalars(select(SlaPolicy).where(SlaPolicy.calendar_id == row.id)))
        old = {p.id: terms_of(p, calendar_of(row, now)) for p in users}
        for k, v in data.items():
            setattr(row, k, v)
        row.updated_at = now
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="sla_calendar",
            entity_id=row.id,
            action="updated",
            changes=diff,
        )
    if old:
        recompute_open_tickets(db, actor=actor, now=now, old_terms=old)
    return row


def delete_calendar(db: Database, *, actor: Actor, now: datetime, calendar_id: int) -> None:
    """A calendar a policy still uses is a 409: change the policy first."""
    with db.write() as s:
        row = _calendar_in(s, calendar_id, lock=True)
        used = s.scalar(select(SlaPolicy.name).where(SlaPolicy.calendar_id == row.id).limit(1))
        if used is not None:
            raise Conflict(f"policy {used!r} uses this calendar", {"field": "calendar_id"})
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="sla_calendar",
            entity_id=row.id,
            action="deleted",
            changes={"name": (row.name, None)},
        )
        s.delete(row)


# --- policies ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Choices:
    field: str
    allowed: frozenset[str] | None  # None: any short text


_CONDITIONS = {
    "priorities": _Choices("priorities", frozenset(p.value for p in Priority)),
    "channels": _Choices("channels", frozenset(c.value for c in Channel)),
    "categories": _Choices("categories", frozenset(c.value for c in Category)),
    "customer_tiers": _Choices("customer_tiers", None),
}


def _conditions(s: Session, raw: Any) -> dict[str, list[Any]]:
    if not isinstance(raw, dict):
        raise Invalid("conditions map a field to a list of values", {"field": "conditions"})
    unknown = set(raw) - set(model.CONDITION_FIELDS)
    if unknown:
        raise Invalid(f"unknown condition {sorted(unknown)[0]!r}", {"field": "conditions"})
    out: dict[str, list[Any]] = {}
    for key, values in raw.items():
        if values in (None, []):
            continue
        if not isinstance(values, list) or len(values) > 100:
            raise Invalid(f"{key}: give a list of up to 100 values", {"field": f"conditions.{key}"})
        if key == "brand_ids":
            ids = sorted({v for v in values if isinstance(v, int) and not isinstance(v, bool)})
            found = set(s.scalars(select(Brand.id).where(Brand.id.in_(ids)))) if ids else set()
            missing = [v for v in values if v not in found]
            if missing:
                raise Invalid(f"unknown brand {missing[0]!r}", {"field": "conditions.brand_ids"})
            out[key] = ids
            continue
        choice = _CONDITIONS[key]
        texts = sorted({str(v).strip().lower() for v in values})
        bad = [t for t in texts if (choice.allowed is not None and t not in choice.allowed)]
        if bad or any(not t or len(t) > 30 for t in texts):
            raise Invalid(
                f"{key}: {(bad or texts)[0]!r} is not allowed", {"field": f"conditions.{key}"}
            )
        out[key] = texts
    return out


def _minutes(values: dict[str, Any], key: str, *, low: int, high: int) -> int | None:
    value = values.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid(f"{key} must be a whole number from {low} to {high}", {"field": key})
    return value


def checked_policy(s: Session, values: dict[str, Any]) -> dict[str, Any]:
    """A policy's fields checked: known conditions, targets of at least one minute, a calendar
    that exists (404 when not; none means around the clock), known escalation switches."""
    calendar_id = values.get("calendar_id")
    if calendar_id is not None and s.get(BusinessCalendar, calendar_id) is None:
        raise NotFound(f"no calendar {calendar_id}", {"field": "calendar_id"})
    escalation = values.get("escalation") or {}
    if not isinstance(escalation, dict) or set(escalation) - set(ESCALATIONS):
        raise Invalid(f"escalation takes {', '.join(ESCALATIONS)}", {"field": "escalation"})
    position = values.get("position")
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 10_000:
        raise Invalid("position must be a whole number from 0 to 10000", {"field": "position"})
    warn = _minutes(values, "warn_before_minutes", low=0, high=MAX_WARN_MINUTES)
    return {
        "name": _name(values.get("name")),
        "position": position,
        "active": bool(values.get("active", True)),
        "conditions": _conditions(s, values.get("conditions") or {}),
        **{
            key: _minutes(values, key, low=1, high=MAX_TARGET_MINUTES)
            for key in ("first_response_minutes", "next_response_minutes", "resolution_minutes")
        },
        "calendar_id": calendar_id,
        "warn_before_minutes": 15 if warn is None else warn,
        "escalation": {k: bool(escalation.get(k, False)) for k in ESCALATIONS},
    }


def _policy_in(s: Session, policy_id: int, *, lock: bool = False) -> SlaPolicy:
    stmt = select(SlaPolicy).where(SlaPolicy.id == policy_id)
    row = s.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise NotFound(f"no SLA policy {policy_id}")
    return row


def _old_terms(s: Session, policy: SlaPolicy, now: datetime) -> Terms:
    row = s.get(BusinessCalendar, policy.calendar_id) if policy.calendar_id else None
    return terms_of(policy, calendar_of(row, now) if row else None)


def create_policy(
    db: Database, *, actor: Actor, now: datetime, values: dict[str, Any], recompute: bool = True
) -> SlaPolicy:
    """A new policy, last in order unless a position is given (positions go in tens, so one can
    be put between two); open tickets it now matches take it at once."""
    with db.write() as s:
        if values.get("position") is None:
            last = s.scalar(select(func.max(SlaPolicy.position)))
            values = {**values, "position": 10 if last is None else min(last + 10, 10_000)}
        data = checked_policy(s, values)
        _unique(s, SlaPolicy, data["name"], None)
        row = SlaPolicy(**data, created_at=now, updated_at=now)
        s.add(row)
        s.flush()
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="sla_policy",
            entity_id=row.id,
            action="created",
            changes={k: (None, v) for k, v in data.items()},
        )
        forget_rules_in(s)
    if recompute:  # several policies at once (the demo) recompute once, at the end
        recompute_open_tickets(db, actor=actor, now=now)
    return row


def update_policy(
    db: Database, *, actor: Actor, now: datetime, policy_id: int, changes: dict[str, Any]
) -> SlaPolicy:
    """Change the fields given (deactivating is `active: false`); open tickets are recomputed
    with the time they already spent under the old terms."""
    _known(changes, POLICY_FIELDS)
    with db.write() as s:
        row = _policy_in(s, policy_id, lock=True)
        current = {k: getattr(row, k) for k in POLICY_FIELDS}
        data = checked_policy(s, {**current, **changes})
        _unique(s, SlaPolicy, data["name"], row.id)
        diff = {k: (current[k], v) for k, v in data.items() if current[k] != v}
        if not diff:
            return row
        old = {row.id: _old_terms(s, row, now)}
        for k, v in data.items():
            setattr(row, k, v)
        row.updated_at = now
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="sla_policy",
            entity_id=row.id,
            action="updated",
            changes=diff,
        )
        forget_rules_in(s)
    recompute_open_tickets(db, actor=actor, now=now, old_terms=old)
    return row


def deactivate_policy(db: Database, *, actor: Actor, now: datetime, policy_id: int) -> SlaPolicy:
    """Policies are never deleted: tickets keep pointing at the one they had."""
    return update_policy(db, actor=actor, now=now, policy_id=policy_id, changes={"active": False})


def _known(changes: dict[str, Any], fields: tuple[str, ...]) -> None:
    unknown = set(changes) - set(fields)
    if unknown:
        raise Invalid(f"cannot change {sorted(unknown)}", {"field": sorted(unknown)[0]})


# --- events ------------------------------------------------------------------------------------


def acknowledge_event(db: Database, *, actor: Actor, now: datetime, event_id: int) -> SlaEvent:
    """A lead saw a warning or breach; acknowledging twice keeps the first."""
    with db.write() as s:
        event = s.scalar(select(SlaEvent).where(SlaEvent.id == event_id).with_for_update())
        if event is None:
            raise NotFound(f"no SLA event {event_id}")
        if event.acknowledged_at is None:
            event.acknowledged_at = now
            event.acknowledged_by = actor.user_id
            audit.record(
                s,
                at=now,
                actor=actor,
                entity_type="sla_event",
                entity_id=event.id,
                action="acknowledged",
                changes={"acknowledged_at": (None, now)},
            )
        return event
