"""Mapped tables of the demo's alert inbox: the stand-in group chats (each with the secret its
alert receiver signs with) and the messages they received, as a real receiver would keep them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from careloop.storage.base import Base, JSONDocument, UTCDateTime


class DemoInbox(Base):
    """A demo group chat (the production line's, the logistics team's) behind
    `/hooks/demo-inbox/{slug}`; `secret` is the shared secret its alert receiver signs with."""

    __tablename__ = "demo_inboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    secret: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DemoInboxMessage(Base):
    """One delivery taken in: the body as sent (the alert message under "message"), once per
    Idempotency-Key, since delivery is at least once."""

    __tablename__ = "demo_inbox_messages"
    __table_args__ = (
        UniqueConstraint("inbox_id", "idempotency_key", name="uq_demo_inbox_messages_inbox_key"),
        Index("ix_demo_inbox_messages_inbox_received", "inbox_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("demo_inboxes.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(300))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    body: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
