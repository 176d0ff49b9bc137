"""Request and response models of the alert delivery API. Requests are loose where the
domain checks the content (URL, settings, fallback chain), so a fault gets its precise
message; responses never carry a secret, only whether one is set."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from careloop.alerts.channel import Kind
from careloop.alerts.delivery_tables import Notification, NotificationAttempt, Receiver
from careloop.tickets.schemas import Strict

MAX_ID = 2_147_483_647
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Limit = Annotated[int, Field(ge=1, le=1000)]


class EmailSettings(Strict):
    host: Annotated[str, Field(min_length=1, max_length=255)]
    port: Annotated[int, Field(ge=1, le=65535)] = 25
    starttls: bool = False
    username: Annotated[str, Field(max_length=255)] | None = None
    sender: Annotated[str, Field(max_length=254)]
    recipients: Annotated[list[Annotated[str, Field(max_length=254)]], Field(max_length=50)]


class ReceiverCreate(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    kind: Kind
    url: Annotated[str, Field(max_length=2000)] | None = Field(
        None, description="the webhook URL (Feishu, Slack, webhook); none for e-mail"
    )
    secret: Annotated[str, Field(max_length=500)] | None = Field(
        None,
        description="Feishu: the bot's signing secret (required); webhook: the HMAC secret; "
        "e-mail: the SMTP password. Never returned.",
    )
    settings: EmailSettings | None = Field(None, description="e-mail only: SMTP settings")
    per_second: Limit | None = Field(None, description="default: Feishu 5, Slack 1, else none")
    per_minute: Limit | None = Field(None, description="default: Feishu 100, else none")
    fallback_receiver_id: Id | None = None
    deadline_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 10
    active: bool = True

    def values(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["settings"] = data["settings"] or {}
        return data


class ReceiverUpdate(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    url: Annotated[str, Field(max_length=2000)] | None = None
    secret: Annotated[str, Field(max_length=500)] | None = None
    settings: EmailSettings | None = None
    per_second: Limit | None = None
    per_minute: Limit | None = None
    fallback_receiver_id: Id | None = None
    deadline_minutes: Annotated[int, Field(ge=1, le=24 * 60)] | None = None
    active: bool | None = None

    def changes(self) -> dict[str, Any]:
        """The fields sent; `null` clears the secret, the limits or the fallback."""
        data = self.model_dump(mode="json", include=self.model_fields_set)
        if "settings" in data:
            data["settings"] = data["settings"] or {}
        for required in ("name", "deadline_minutes", "active"):
            if required in data and data[required] is None:
                del data[required]
        return data


def masked_url(url: str | None) -> str | None:
    """Scheme and host of a hook URL, its path cut short: the token in a chat hook's path
    lets anyone post to the channel."""
    if url is None:
        return None
    parts = urlsplit(url)
    path = parts.path if len(parts.path) <= 12 else parts.path[:12] + "…"
    return f"{parts.scheme}://{parts.netloc}{path}"


class ReceiverOut(BaseModel):
    id: int
    name: str
    kind: Kind
    url: str | None = Field(description="the URL with its path cut short")
    secret_set: bool
    settings: dict[str, Any]
    per_second: int | None
    per_minute: int | None
    fallback_receiver_id: int | None
    deadline_minutes: int
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Receiver) -> ReceiverOut:
        return cls(
            id=row.id,
            name=row.name,
            kind=Kind(row.kind),
            url=masked_url(row.url),
            secret_set=bool(row.secret),
            settings=dict(row.settings or {}),
            per_second=row.per_second,
            per_minute=row.per_minute,
            fallback_receiver_id=row.fallback_receiver_id,
            deadline_minutes=row.deadline_minutes,
            active=row.active,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class ReceiverList(BaseModel):
    items: list[ReceiverOut]


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    receiver_id: int
    key: str
    status: str
    message: dict[str, Any]
    attempts: int
    next_attempt_at: datetime
    deadline_at: datetime
    failover_of_id: int | None
    first_event_at: datetime | None
    detected_at: datetime | None
    enqueued_at: datetime
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    dead_at: datetime | None
    last_error: str | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    started_at: datetime
    finished_at: datetime | None
    status_code: int | None = Field(description="the HTTP status or SMTP reply code")
    outcome: str = Field(description="sending, delivered, retry, failed or lost")
    error: str | None
    retry_after: float | None = Field(description="seconds the receiver asked to wait")


class NotificationDetail(NotificationOut):
    log: list[AttemptOut]

    @classmethod
    def of(cls, row: Notification, attempts: list[NotificationAttempt]) -> NotificationDetail:
        base = NotificationOut.model_validate(row).model_dump()
        return cls(**base, log=[AttemptOut.model_validate(a) for a in attempts])
