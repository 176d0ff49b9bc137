"""Mapped tables of alert delivery: receivers (where notifications go), the outbox of
notifications (one row per idempotency key, written in the transaction of the change that
caused it) and the delivery log (one row per attempt)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from careloop.storage.base import Base, JSONDocument, UTCDateTime


class Receiver(Base):
    """A destination: a Feishu bot, a Slack channel's webhook, a mailbox list over SMTP or
    any JSON webhook, with its rate limits, its delivery deadline and a fallback receiver."""

    __tablename__ = "alert_receivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # feishu, slack, email, webhook
    url: Mapped[str | None] = mapped_column(String(2000))
    # The signing secret (Feishu, webhook) or the SMTP password; never returned by the API.
    secret: Mapped[str | None] = mapped_column(String(500))
    # E-mail: {"host", "port", "starttls", "username", "sender", "recipients": [...]}.
    settings: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    per_second: Mapped[int | None] = mapped_column(Integer)
    per_minute: Mapped[int | None] = mapped_column(Integer)
    fallback_receiver_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_receivers.id"), index=True
    )
    # Past this many minutes after enqueueing, an undelivered notification is dead-lettered.
    deadline_minutes: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Notification(Base):
    """One message to one receiver, once per key (alert fingerprint, escalation step,
    receiver): pending until due, sending while a dispatcher holds its claim, then delivered,
    failed (refused for good) or dead (deadline passed); the instants of its life are kept."""

    __tablename__ = "alert_notifications"
    __table_args__ = (Index("ix_alert_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    receiver_id: Mapped[int] = mapped_column(ForeignKey("alert_receivers.id"), index=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    message: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    status: Mapped[str] = mapped_column(String(12))  # pending sending delivered failed dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A claim: who sends it now and until when; past it, another dispatcher takes it again.
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime())
    failover_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_notifications.id"), index=True
    )
    first_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    detected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(2000))


class NotificationAttempt(Base):
    """One try at delivering a notification: written when claimed (so it counts against the
    receiver's rate limit while in flight), finished with the answer. `outcome` is sending,
    delivered, retry, failed, or lost (the sender died and its claim ran out)."""

    __tablename__ = "alert_notification_attempts"
    __table_args__ = (
        Index("ix_alert_notification_attempts_receiver", "receiver_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("alert_notifications.id", ondelete="CASCADE"), index=True
    )
    receiver_id: Mapped[int] = mapped_column(ForeignKey("alert_receivers.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_code: Mapped[int | None] = mapped_column(Integer)  # HTTP status or SMTP reply code
    outcome: Mapped[str] = mapped_column(String(12))
    error: Mapped[str | None] = mapped_column(String(2000))
    retry_after: Mapped[float | None] = mapped_column()  # seconds the receiver asked to wait
