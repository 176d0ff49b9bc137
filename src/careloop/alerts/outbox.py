"""The notification outbox: `enqueue_notification` writes a notification in the caller's
transaction (it commits with the alert's state change or not at all), once per idempotency
key; `acknowledge` marks the notifications of an alert as seen. After a commit that enqueued
something, this process's delivery thread is woken so dispatch starts at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careloop.alerts.delivery_tables import Notification, Receiver
from careloop.alerts.message import AlertMessage
from careloop.errors import Invalid, NotFound

MAX_KEY = 300
WAKE = "careloop_alerts_enqueued"
PENDING = "pending"

_wakers: list[Callable[[], None]] = []
_wakers_lock = threading.Lock()


def add_waker(wake: Callable[[], None]) -> None:
    """Call `wake` after every commit that enqueued a notification in this process."""
    with _wakers_lock:
        _wakers.append(wake)


def remove_waker(wake: Callable[[], None]) -> None:
    with _wakers_lock:
        if wake in _wakers:
            _wakers.remove(wake)


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop(WAKE, False):
        with _wakers_lock:
            wakers = list(_wakers)
        for wake in wakers:
            wake()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(WAKE, None)


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY or key != key.strip():
        raise Invalid(f"a notification key has 1 to {MAX_KEY} characters", {"field": "key"})
    return key


def _existing(session: Session, key: str) -> Notification | None:
    return session.scalar(select(Notification).where(Notification.key == key))


def enqueue_notification(
    session: Session,
    *,
    receiver_id: int,
    key: str,
    message: AlertMessage,
    now: datetime,
    first_event_at: datetime | None = None,
    detected_at: datetime | None = None,
    failover_of_id: int | None = None,
) -> Notification:
    """Add a notification for `receiver_id` in the caller's transaction, due now, with the
    receiver's deadline; a key already enqueued returns that row and adds nothing (also when a
    concurrent transaction enqueued it first: the loser finds the winner's row)."""
    check_key(key)
    found = _existing(session, key)
    if found is not None:
        return found
    receiver = session.get(Receiver, receiver_id)
    if receiver is None:
        raise NotFound(f"no alert receiver {receiver_id}")
    row = Notification(
        receiver_id=receiver_id,
        key=key,
        message=message.to_json(),
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
        deadline_at=now + timedelta(minutes=receiver.deadline_minutes),
        failover_of_id=failover_of_id,
        first_event_at=first_event_at,
        detected_at=detected_at,
        enqueued_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # Another transaction committed the same key meanwhile (PostgreSQL waited for it).
        found = _existing(session, key)
        if found is None:
            raise
        return found
    session.info[WAKE] = True
    return row


def acknowledge(session: Session, *, key_prefix: str, now: datetime) -> int:
    """Record `now` as acknowledged on every notification whose key starts with `key_prefix`
    (an alert's fingerprint, or fingerprint and step) not acknowledged yet; how many changed.
    Escalation reads it; delivery of what is already queued goes on."""
    if not key_prefix:
        raise Invalid("acknowledge needs an alert fingerprint", {"field": "key_prefix"})
    stmt = (
        update(Notification)
        .where(
            Notification.key.startswith(key_prefix, autoescape=True),
            Notification.acknowledged_at.is_(None),
        )
        .values(acknowledged_at=now)
    )
    result = session.execute(stmt, execution_options={"synchronize_session": False})
    return int(getattr(result, "rowcount", 0) or 0)
