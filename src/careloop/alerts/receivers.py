"""State changes of alert receivers: create, change, delete (refused while notifications
reference it) and send a test message. Each change is checked whole, so a bad one is a 4xx
that changes nothing, and audited with secrets shown only as set or not."""

from __future__ import annotations

import secrets as random_tokens
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from careloop import validation
from careloop.alerts import outbox
from careloop.alerts.channel import DEFAULT_LIMITS, Kind
from careloop.alerts.delivery_tables import Notification, NotificationAttempt, Receiver
from careloop.alerts.message import AlertMessage, Figure, Severity
from careloop.errors import Conflict, Invalid, NotFound
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database

FIELDS = (
    "name",
    "kind",
    "url",
    "secret",
    "settings",
    "per_second",
    "per_minute",
    "fallback_receiver_id",
    "deadline_minutes",
    "active",
)
DEFAULT_DEADLINE_MINUTES = 10
MAX_DEADLINE_MINUTES = 24 * 60
MAX_RECIPIENTS = 50
EMAIL_SETTINGS = ("host", "port", "starttls", "username", "sender", "recipients")


def _bad(message: str, field: str) -> Invalid:
    return Invalid(message, {"field": field})


def _url(kind: Kind, url: Any) -> str | None:
    if kind is Kind.EMAIL:
        if url:
            raise _bad("an e-mail receiver has SMTP settings, not a URL", "url")
        return None
    text = str(url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(text) > 2000:
        raise _bad(
            f"a {kind.value} receiver needs an http(s) URL of at most 2000 characters", "url"
        )
    return text


def _settings(kind: Kind, settings: Any, secret: str | None) -> dict[str, Any]:
    if kind is not Kind.EMAIL:
        if settings:
            raise _bad(f"a {kind.value} receiver takes no settings", "settings")
        return {}
    if not isinstance(settings, dict):
        raise _bad("an e-mail receiver needs SMTP settings", "settings")
    unknown = set(settings) - set(EMAIL_SETTINGS)
    if unknown:
        raise _bad(f"unknown settings: {', '.join(sorted(unknown))}", "settings")
    host = str(settings.get("host") or "").strip()
    if not host or len(host) > 255 or any(c.isspace() for c in host):
        raise _bad("the SMTP host is missing or not a host name", "settings.host")
    port = settings.get("port") or 25
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise _bad("the SMTP port is a number from 1 to 65535", "settings.port")
    sender = validation.email(str(settings.get("sender") or ""), "settings.sender")
    recipients = settings.get("recipients") or []
    if not isinstance(recipients, list) or not 1 <= len(recipients) <= MAX_RECIPIENTS:
        raise _bad(f"1 to {MAX_RECIPIENTS} recipients are needed", "settings.recipients")
    recipients = [validation.email(str(r), "settings.recipients") for r in recipients]
    username = str(settings.get("username") or "").strip() or None
    if username is not None and not secret:
        raise _bad("an SMTP login needs its password as the secret", "secret")
    return {
        "host": host,
        "port": port,
        "starttls": bool(settings.get("starttls", False)),
        "username": username,
        "sender": sender,
        "recipients": recipients,
    }


def _secret(kind: Kind, secret: Any) -> str | None:
    value = str(secret) if secret else None
    if value is not None and len(value) > 500:
        raise _bad("a secret has at most 500 characters", "secret")
    if kind is Kind.FEISHU and value is None:
        raise _bad("a Feishu bot must have signature verification on: give its secret", "secret")
    if kind is Kind.SLACK and value is not None:
        raise _bad("Slack incoming webhooks are not signed: leave the secret out", "secret")
    return value


def _limit(kind: Kind, field: str, value: Any, most: int | None) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or value < 1 or value > 1000:
        raise _bad(f"{field} is a number from 1 to 1000", field)
    if most is not None and value > most:
        raise _bad(f"{kind.value} allows at most {most} messages ({field})", field)
    return value


def _fallback(s: Session, own: int | None, fallback_id: Any) -> int | None:
    """The fallback exists, is not the receiver itself, and its chain never comes back."""
    if fallback_id is None:
        return None
    if own is not None and fallback_id == own:
        raise _bad("a receiver cannot be its own fallback", "fallback_receiver_id")
    seen: set[int] = set()
    current: int | None = int(fallback_id)
    while current is not None:
        if own is not None and current == own:
            raise _bad(
                "the fallback chain would come back to this receiver", "fallback_receiver_id"
            )
        if current in seen:
            break  # an older cycle elsewhere; this receiver is not on it
        seen.add(current)
        row = s.get(Receiver, current)
        if row is None:
            raise _bad(f"no alert receiver {current} to fall back to", "fallback_receiver_id")
        current = row.fallback_receiver_id
    return int(fallback_id)


def checked(s: Session, values: dict[str, Any], own: int | None) -> dict[str, Any]:
    """A receiver's fields checked together and normalised."""
    name = str(values.get("name") or "").strip()
    if not name or len(name) > 100:
        raise _bad("a name of 1 to 100 characters is needed", "name")
    taken = select(Receiver.id).where(func.lower(Receiver.name) == name.lower())
    if own is not None:
        taken = taken.where(Receiver.id != own)
    if s.scalar(taken) is not None:
        raise Conflict(f"the name {name!r} is taken", {"field": "name"})
    try:
        kind = Kind(str(values.get("kind")))
    except ValueError:
        kinds = ", ".join(k.value for k in Kind)
        raise _bad(f"the kind is one of {kinds}", "kind") from None
    secret = _secret(kind, values.get("secret"))
    per_second_most, per_minute_most = DEFAULT_LIMITS[kind]
    deadline = values.get("deadline_minutes") or DEFAULT_DEADLINE_MINUTES
    if not isinstance(deadline, int) or not 1 <= deadline <= MAX_DEADLINE_MINUTES:
        raise _bad(f"the deadline is 1 to {MAX_DEADLINE_MINUTES} minutes", "deadline_minutes")
    return {
        "name": name,
        "kind": kind.value,
        "url": _url(kind, values.get("url")),
        "secret": secret,
        "settings": _settings(kind, values.get("settings"), secret),
        "per_second": _limit(kind, "per_second", values.get("per_second"), per_second_most),
        "per_minute": _limit(kind, "per_minute", values.get("per_minute"), per_minute_most),
        "fallback_receiver_id": _fallback(s, own, values.get("fallback_receiver_id")),
        "deadline_minutes": deadline,
        "active": bool(values.get("active", True)),
    }


def _shown(field: str, value: Any) -> Any:
    return ("set" if value else None) if field == "secret" else value


def create_receiver(
    db: Database, *, actor: Actor, now: datetime, values: dict[str, Any]
) -> Receiver:
    with db.write() as s:
        data = checked(s, values, None)
        row = Receiver(**data, created_at=now, updated_at=now)
        s.add(row)
        s.flush()
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="alert_receiver",
            entity_id=row.id,
            action="created",
            changes={k: (None, _shown(k, v)) for k, v in data.items()},
        )
        return row


def _receiver_in(s: Session, receiver_id: int, *, lock: bool = False) -> Receiver:
    stmt = select(Receiver).where(Receiver.id == receiver_id)
    row = s.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise NotFound(f"no alert receiver {receiver_id}")
    return row


def update_receiver(
    db: Database, *, actor: Actor, now: datetime, receiver_id: int, changes: dict[str, Any]
) -> Receiver:
    """Change the fields given; the rest stay (a secret not sent is kept, null clears it)."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise Invalid(f"unknown fields: {', '.join(sorted(unknown))}")
    with db.write() as s:
        row = _receiver_in(s, receiver_id, lock=True)
        current = {f: getattr(row, f) for f in FIELDS}
        data = checked(s, {**current, **changes}, row.id)
        diff = {f: (current[f], data[f]) for f in FIELDS if current[f] != data[f]}
        if not diff:
            return row
        for field, (_, after) in diff.items():
            setattr(row, field, after)
        row.updated_at = now
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="alert_receiver",
            entity_id=row.id,
            action="updated",
            changes={f: (_shown(f, b), _shown(f, a)) for f, (b, a) in diff.items()},
        )
        return row


def delete_receiver(db: Database, *, actor: Actor, now: datetime, receiver_id: int) -> None:
    """Only a receiver nothing refers to: with notifications or as another's fallback it is
    a 409 (deactivate it instead, `active: false`)."""
    with db.write() as s:
        row = _receiver_in(s, receiver_id, lock=True)
        used = s.scalar(select(exists().where(Notification.receiver_id == row.id)))
        attempted = s.scalar(select(exists().where(NotificationAttempt.receiver_id == row.id)))
        if used or attempted:
            raise Conflict(
                "notifications were sent to this receiver; deactivate it instead",
                {"receiver_id": row.id},
            )
        backed = s.scalar(select(Receiver.id).where(Receiver.fallback_receiver_id == row.id))
        if backed is not None:
            raise Conflict(f"receiver {backed} falls back to this one", {"receiver_id": row.id})
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="alert_receiver",
            entity_id=row.id,
            action="deleted",
            changes={"name": (row.name, None)},
        )
        s.delete(row)


def send_test(db: Database, *, actor: Actor, now: datetime, receiver_id: int) -> Notification:
    """Enqueue a test message to the receiver (a fresh key each time); a deactivated one is a
    409."""
    message = AlertMessage(
        title="careloop test notification",
        severity=Severity.INFO,
        summary=f"{actor.label} sent this test to check the receiver is set up.",
        figures=(Figure("Sent at", now.isoformat(timespec="seconds")),),
        labels={"test": "true"},
    )
    with db.write() as s:
        row = _receiver_in(s, receiver_id)
        if not row.active:
            raise Conflict("the receiver is deactivated", {"receiver_id": row.id})
        key = f"test:{row.id}:{random_tokens.token_hex(8)}"
        notification = outbox.enqueue_notification(
            s, receiver_id=row.id, key=key, message=message, now=now, detected_at=now
        )
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="alert_receiver",
            entity_id=row.id,
            action="test_sent",
            changes={"notification_id": (None, notification.id)},
        )
        return notification
