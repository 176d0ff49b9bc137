"""Mapped tables of the workforce domain: teams, agents, shift templates, shifts, leave,
clock-ins, breaks and the notices that tell an agent their roster changed."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, Time, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careloop.accounts.tables import User
from careloop.storage.base import Base, JSONDocument, UTCDateTime
from careloop.tickets.tables import str_enum
from careloop.workforce.model import LeaveKind, ShiftStatus


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Agent(Base):
    """The working profile of a user who takes tickets; its id is the user's id, the id a
    ticket's assignee_id holds."""

    __tablename__ = "agents"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    # ISO 639-1 codes, in the agent's order of strength.
    languages: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    # "category:quality", "channel:chat", "brand:3"; empty means every ticket.
    skills: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    timezone: Mapped[str] = mapped_column(String(64))
    # ISO 3166-1 alpha-2 of the public holidays the agent observes.
    country: Mapped[str | None] = mapped_column(String(2))
    capacity: Mapped[int] = mapped_column(Integer)
    # The secret of the agent's iCalendar feed URL (like a calendar's "secret address").
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # When routing last gave the agent a ticket: the longest idle go first among equals.
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Routing gives the agent nothing new until then: set when the agent left an assignment
    # unopened (a cool-down of the policy's unopened time), cleared by the next clock-in.
    routing_paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    team: Mapped[Team | None] = relationship(lazy="joined")

    @property
    def id(self) -> int:
        return self.user_id

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def email(self) -> str:
        return self.user.email


class ShiftTemplate(Base):
    """A named shift in local time, e.g. "EU early 07:00-15:00 Europe/Berlin", with its breaks."""

    __tablename__ = "shift_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    starts: Mapped[time] = mapped_column(Time())
    ends: Mapped[time] = mapped_column(Time())  # not after `starts`: ends the next day
    timezone: Mapped[str] = mapped_column(String(64))
    # [{"after_minutes": 240, "minutes": 30}, ...] counted from the shift start.
    breaks: Mapped[list[dict[str, int]]] = mapped_column(JSONDocument, default=list)
    skills: Mapped[list[str] | None] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Shift(Base):
    """One roster entry: an agent works from starts_at to ends_at (UTC instants)."""

    __tablename__ = "shifts"
    __table_args__ = (
        # On duty at t: status = published, starts_at in (t - 16 h, t], ends_at > t.
        Index("ix_shifts_status_starts_at", "status", "starts_at"),
        Index("ix_shifts_agent_id_starts_at", "agent_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.user_id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[ShiftStatus] = mapped_column(str_enum(ShiftStatus, "shift_status"))
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("shift_templates.id", ondelete="SET NULL")
    )
    # Skills for this shift only (e.g. a chat-only evening); None means the agent's own.
    skills: Mapped[list[str] | None] = mapped_column(JSONDocument)
    # Planned breaks: [{"starts_at": iso, "ends_at": iso}, ...]
    breaks: Mapped[list[dict[str, str]]] = mapped_column(JSONDocument, default=list)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Leave(Base):
    """Time off: vacation, sick or other, from starts_at to ends_at."""

    __tablename__ = "leave"
    __table_args__ = (Index("ix_leave_agent_id_starts_at", "agent_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.user_id"))
    kind: Mapped[LeaveKind] = mapped_column(str_enum(LeaveKind, "leave_kind"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClockInRow(Base):
    """One clock-in to clock-out. While open it lapses at expires_at (the end of the shift it
    was made for plus the grace period); at most one open clock-in per agent."""

    __tablename__ = "clock_ins"
    __table_args__ = (
        Index("ix_clock_ins_agent_id_clocked_in_at", "agent_id", "clocked_in_at"),
        Index(
            "uq_clock_ins_open_agent",
            "agent_id",
            unique=True,
            sqlite_where=text("clocked_out_at IS NULL"),
            postgresql_where=text("clocked_out_at IS NULL"),
        ),
        # The auto clock-out sweep looks for open clock-ins past their expiry.
        Index(
            "ix_clock_ins_open_expires_at",
            "expires_at",
            sqlite_where=text("clocked_out_at IS NULL"),
            postgresql_where=text("clocked_out_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.user_id"))
    clocked_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
    clocked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # manual (the agent or a lead), auto (lapsed after the shift), leave (sick leave began)
    clock_out_reason: Mapped[str | None] = mapped_column(String(20))


class BreakRow(Base):
    """A break taken during a clock-in; at most one open break per agent."""

    __tablename__ = "breaks"
    __table_args__ = (
        Index("ix_breaks_agent_id_started_at", "agent_id", "started_at"),
        Index(
            "uq_breaks_open_agent",
            "agent_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.user_id"))
    clock_in_id: Mapped[int] = mapped_column(ForeignKey("clock_ins.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ShiftNotice(Base):
    """Tells an agent that a published shift of theirs was added, moved or removed."""

    __tablename__ = "shift_notices"
    __table_args__ = (Index("ix_shift_notices_agent_id_id", "agent_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.user_id"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))  # published, changed, cancelled
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # What changed: {"starts_at": [before, after], ...} as ISO strings.
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    message: Mapped[str] = mapped_column(Text)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
