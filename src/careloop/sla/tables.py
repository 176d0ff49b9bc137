"""Mapped tables of service levels: business calendars, SLA policies, and the warnings and
breaches the sweep records (each with what it did about it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from careloop.storage.base import Base, JSONDocument, UTCDateTime


class BusinessCalendar(Base):
    """Working hours in one time zone: several windows per weekday, public holidays of a
    country and extra closed dates."""

    __tablename__ = "business_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # {"mon": [["09:00", "12:30"], ["13:30", "18:00"]], ...}; a missing day is closed.
    windows: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    holiday_country: Mapped[str | None] = mapped_column(String(2))
    # Extra closed days, ISO dates ("2026-12-24").
    closed_dates: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SlaPolicy(Base):
    """Conditions on a ticket and the targets it then gets; the first matching policy by
    position applies. No calendar means around the clock."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # {"brand_ids": [..], "priorities": [..], "channels": [..], "categories": [..],
    #  "customer_tiers": [..]}: every listed field must match, an empty or absent one matches all.
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    first_response_minutes: Mapped[int | None] = mapped_column(Integer)
    next_response_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer)
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("business_calendars.id"))
    warn_before_minutes: Mapped[int] = mapped_column(Integer, default=15)
    # What a breach does: {"raise_priority": bool, "notify_lead": bool, "reassign": bool}.
    escalation: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SlaEvent(Base):
    """A warning before a target or its breach, once per ticket, target and due instant."""

    __tablename__ = "sla_events"
    __table_args__ = (
        UniqueConstraint("ticket_id", "target", "kind", "due_at"),
        Index("ix_sla_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(20))  # first_response, next_response, resolution
    kind: Mapped[str] = mapped_column(String(10))  # warning, breach
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Who was told and what was done: {"priority": [old, new], "lead_id": 7, "unassigned": 12}.
    actions: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    # The lead (or anyone) who saw it on the board.
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
