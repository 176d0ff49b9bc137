"""The demo's alert inbox: two stand-in group chats (the production line's, the logistics
team's) that take in careloop's signed webhook notifications the way a real receiver would:
the signature checked with the shared secret, stale timestamps refused, a repeated
Idempotency-Key taken once. The page /alerts/demo-inbox shows what they received."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from careloop.demo.inbox_tables import DemoInbox, DemoInboxMessage
from careloop.errors import Invalid, NotFound
from careloop.integrations import BadSignature, MissingHeader, parse_json_object, webhook
from careloop.storage.engine import Database

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
# A receiver refuses a timestamp further than this from its own clock (a replayed request).
TOLERANCE = timedelta(minutes=5)
SHOWN = 50  # messages per chat on the page
MAX_KEY = 300


@dataclass(frozen=True)
class Received:
    """What a delivery led to: the stored message, and whether it was new."""

    message_id: int
    stored: bool


@dataclass
class Chat:
    """One demo group chat and its latest messages, newest first."""

    slug: str
    title: str
    count: int
    messages: list[DemoInboxMessage] = field(default_factory=list)


def ensure_inbox(db: Database, *, slug: str, title: str, now: datetime) -> str:
    """The inbox `slug` (made with a fresh secret when missing); its secret."""
    if not SLUG.fullmatch(slug):
        raise ValueError(f"{slug!r} is not an inbox slug")
    with db.write() as s:
        row = s.scalar(select(DemoInbox).where(DemoInbox.slug == slug))
        if row is None:
            row = DemoInbox(
                slug=slug, title=title, secret=secrets.token_urlsafe(32), created_at=now
            )
            s.add(row)
        return row.secret


def receive(
    db: Database,
    *,
    slug: str,
    raw: bytes,
    timestamp: str | None,
    signature: str | None,
    key: str | None,
    now: datetime,
) -> Received:
    """Take in one signed delivery: 404 for an unknown inbox, 401 for a missing or wrong
    signature or a stale timestamp (nothing stored), 400 without an Idempotency-Key or JSON."""
    with db.read() as s:
        inbox = (
            s.scalar(select(DemoInbox).where(DemoInbox.slug == slug))
            if SLUG.fullmatch(slug)
            else None
        )
    if inbox is None:
        raise NotFound(f"no demo inbox {slug!r}")
    if not timestamp or not signature:
        raise BadSignature(
            f"sign the body: {webhook.TIMESTAMP_HEADER} and {webhook.SIGNATURE_HEADER}",
            {"header": webhook.SIGNATURE_HEADER},
        )
    if not webhook.verify(inbox.secret, timestamp, raw, signature):
        raise BadSignature(
            f"{webhook.SIGNATURE_HEADER} is not the signature of this body",
            {"header": webhook.SIGNATURE_HEADER},
        )
    signed_at = datetime.fromtimestamp(int(timestamp), UTC)
    if abs(now - signed_at) > TOLERANCE:
        raise BadSignature(
            f"{webhook.TIMESTAMP_HEADER} is more than 5 minutes away from now",
            {"header": webhook.TIMESTAMP_HEADER},
        )
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY:
        raise MissingHeader(
            f"Idempotency-Key of 1 to {MAX_KEY} characters is required",
            {"header": "Idempotency-Key"},
        )
    body = _body(raw)
    try:
        with db.write() as s:
            found = s.scalar(
                select(DemoInboxMessage.id).where(
                    DemoInboxMessage.inbox_id == inbox.id, DemoInboxMessage.idempotency_key == key
                )
            )
            if found is not None:
                return Received(found, stored=False)
            row = DemoInboxMessage(
                inbox_id=inbox.id,
                idempotency_key=key,
                signed_at=signed_at,
                received_at=now,
                body=body,
            )
            s.add(row)
            s.flush()
            return Received(row.id, stored=True)
    except IntegrityError:  # the same key taken in by a concurrent request
        with db.read() as s:
            same = s.scalar(
                select(DemoInboxMessage.id).where(
                    DemoInboxMessage.inbox_id == inbox.id, DemoInboxMessage.idempotency_key == key
                )
            )
        if same is None:
            raise
        return Received(same, stored=False)


def _body(raw: bytes) -> dict[str, Any]:
    """The JSON body; numbers back to floats so the stored document is plain JSON."""
    data = parse_json_object(raw)
    message = data.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("title"), str):
        raise Invalid("the body carries no alert message", {"field": "message"})
    out: dict[str, Any] = _plain(data)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, int | str | bool) or value is None:
        return value
    return float(value)  # Decimal from parse_json_object


def chats(db: Database, *, limit: int = SHOWN) -> list[Chat]:
    """Every demo chat with its `limit` newest messages (one query per chat; there are two)."""
    with db.read() as s:
        inboxes = s.execute(
            select(DemoInbox.id, DemoInbox.slug, DemoInbox.title).order_by(DemoInbox.id)
        ).all()
        counts = dict(
            s.execute(
                select(DemoInboxMessage.inbox_id, func.count()).group_by(DemoInboxMessage.inbox_id)
            ).all()
        )
        out = []
        for inbox_id, slug, title in inboxes:
            rows = s.scalars(
                select(DemoInboxMessage)
                .where(DemoInboxMessage.inbox_id == inbox_id)
                .order_by(DemoInboxMessage.received_at.desc(), DemoInboxMessage.id.desc())
                .limit(limit)
            ).all()
            out.append(Chat(slug, title, int(counts.get(inbox_id, 0)), list(rows)))
        return out
