"""Requests already seen: idempotency keys of API calls and delivery ids of webhooks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from careloop.errors import Invalid
from careloop.storage.base import Base, JSONDocument, UTCDateTime


class IdempotencyRecord(Base):
    """The reply to a POST made with an Idempotency-Key, replayed when the same call comes again."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("principal", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column()
    response: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class WebhookReceipt(Base):
    """A webhook delivery taken in; its id is unique per source so a replay changes nothing."""

    __tablename__ = "webhook_receipts"
    __table_args__ = (UniqueConstraint("source", "delivery_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(255))
    delivery_id: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))


@dataclass(frozen=True)
class IdempotencyKey:
    """An Idempotency-Key as sent by one caller, with a hash of the request it came with."""

    principal: str
    key: str
    request_hash: str


def recall_in(s: Session, idem: IdempotencyKey) -> IdempotencyRecord | None:
    """The stored outcome of an earlier call with this key; a different request is refused."""
    record = s.scalar(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.principal == idem.principal)
        .where(IdempotencyRecord.key == idem.key)
    )
    if record is not None and record.request_hash != idem.request_hash:
        raise Invalid(
            "this Idempotency-Key was used with a different request",
            {"header": "Idempotency-Key"},
        )
    return record


def remember_in(
    s: Session, idem: IdempotencyKey, *, status_code: int, outcome: dict[str, Any], now: datetime
) -> None:
    s.add(
        IdempotencyRecord(
            principal=idem.principal,
            key=idem.key,
            request_hash=idem.request_hash,
            status_code=status_code,
            response=outcome,
            created_at=now,
        )
    )


def seen_webhook_in(s: Session, *, source: str, delivery_id: str) -> bool:
    found = s.scalar(
        select(WebhookReceipt.id)
        .where(WebhookReceipt.source == source)
        .where(WebhookReceipt.delivery_id == delivery_id)
    )
    return found is not None
