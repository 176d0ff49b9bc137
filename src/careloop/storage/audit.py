"""The audit trail: who changed what, when, with the values before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from careloop.storage.base import Base, JSONDocument, UTCDateTime, json_safe


@dataclass(frozen=True)
class Actor:
    """Who made a change: a user, or the system itself (a webhook, a job) with `user_id` None."""

    user_id: int | None
    label: str


SYSTEM = Actor(user_id=None, label="system")


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entity", "entity_type", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(200))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(60))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)


def record(
    session: Session,
    *,
    at: datetime,
    actor: Actor,
    entity_type: str,
    entity_id: int,
    action: str,
    changes: dict[str, tuple[Any, Any]] | None = None,
) -> AuditEntry:
    """Add one audit row in the caller's transaction; `changes` maps a field to (before, after)."""
    entry = AuditEntry(
        at=at,
        actor_id=actor.user_id,
        actor_label=actor.label,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        changes={
            k: {"before": json_safe(b), "after": json_safe(a)}
            for k, (b, a) in (changes or {}).items()
        },
    )
    session.add(entry)
    return entry
