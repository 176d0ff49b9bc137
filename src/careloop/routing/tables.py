"""Routing's settings: the policy for choosing agents and handing tickets back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from careloop.storage.base import Base, JSONDocument, UTCDateTime


class RoutingPolicyRow(Base):
    """The routing policy: the row without a team is everyone's; a team's row, where there is
    one, decides for that team's agents (how to choose among them, when they hand back)."""

    __tablename__ = "routing_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), unique=True)
    strategy: Mapped[str] = mapped_column(String(20), default="least_loaded")
    fallback_languages: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    fallback_after_seconds: Mapped[int] = mapped_column(Integer, default=600)
    # An assignment not opened by its agent within this long goes back; None never.
    unopened_after_seconds: Mapped[int | None] = mapped_column(Integer)
    # Whether tickets the agent has answered stay with them when they go off duty.
    keep_answered: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
