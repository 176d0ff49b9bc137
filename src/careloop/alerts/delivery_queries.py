"""The read side of alert delivery: receivers, notifications newest first, and one
notification with its delivery log."""

from __future__ import annotations

from sqlalchemy import select

from careloop.alerts.delivery_tables import Notification, NotificationAttempt, Receiver
from careloop.errors import NotFound
from careloop.storage.engine import Database
from careloop.storage.paging import newest_first

STATUSES = ("pending", "sending", "delivered", "failed", "dead")


def list_receivers(db: Database) -> list[Receiver]:
    with db.read() as s:
        return list(s.scalars(select(Receiver).order_by(Receiver.name)))


def get_receiver(db: Database, receiver_id: int) -> Receiver:
    with db.read() as s:
        row = s.get(Receiver, receiver_id)
        if row is None:
            raise NotFound(f"no alert receiver {receiver_id}")
        return row


def list_notifications(
    db: Database,
    *,
    status: str | None = None,
    receiver_id: int | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[Notification], str | None]:
    """Notifications newest first, by status and receiver."""
    stmt = select(Notification)
    if status is not None:
        stmt = stmt.where(Notification.status == status)
    if receiver_id is not None:
        stmt = stmt.where(Notification.receiver_id == receiver_id)
    return newest_first(db, stmt, Notification.id, limit=limit, cursor=cursor)


def get_notification(
    db: Database, notification_id: int
) -> tuple[Notification, list[NotificationAttempt]]:
    """A notification and its attempts, oldest first (the delivery log)."""
    with db.read() as s:
        row = s.get(Notification, notification_id)
        if row is None:
            raise NotFound(f"no notification {notification_id}")
        attempts = list(
            s.scalars(
                select(NotificationAttempt)
                .where(NotificationAttempt.notification_id == notification_id)
                .order_by(NotificationAttempt.id)
            )
        )
        return row, attempts
