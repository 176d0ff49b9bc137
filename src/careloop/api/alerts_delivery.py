"""Alert delivery over JSON: receivers (admins manage them; supervisors and viewers read
them), a test message, and the notifications with their delivery log."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from careloop.accounts.model import Permission, Principal
from careloop.alerts import delivery_queries as queries
from careloop.alerts import receivers as actions
from careloop.alerts.delivery_schemas import (
    NotificationDetail,
    NotificationOut,
    NotificationPage,
    ReceiverCreate,
    ReceiverList,
    ReceiverOut,
    ReceiverUpdate,
)
from careloop.api.deps import DB, Now, PathId, QueryId, require

router = APIRouter(prefix="/api/v1", tags=["alerts"])

Reader = Annotated[Principal, Depends(require(Permission.ALERTS_READ))]
Manager = Annotated[Principal, Depends(require(Permission.ALERTS_MANAGE))]
Status = Literal["pending", "sending", "delivered", "failed", "dead"]


@router.get("/alert-receivers", response_model=ReceiverList)
def list_receivers(_: Reader, db: DB) -> ReceiverList:
    return ReceiverList(items=[ReceiverOut.of(r) for r in queries.list_receivers(db)])


@router.post("/alert-receivers", status_code=201, response_model=ReceiverOut)
def create_receiver(body: ReceiverCreate, principal: Manager, db: DB, now: Now) -> ReceiverOut:
    """A Feishu bot (URL and signing secret), a Slack incoming webhook, an SMTP mailbox list
    or a JSON webhook. A bad URL, settings of another kind, a missing Feishu secret, a fallback
    that is unknown, itself or a cycle are 422; a name in use is 409."""
    row = actions.create_receiver(db, actor=principal.actor, now=now, values=body.values())
    return ReceiverOut.of(row)


@router.get("/alert-receivers/{receiver_id}", response_model=ReceiverOut)
def get_receiver(receiver_id: PathId, _: Reader, db: DB) -> ReceiverOut:
    return ReceiverOut.of(queries.get_receiver(db, receiver_id))


@router.patch("/alert-receivers/{receiver_id}", response_model=ReceiverOut)
def update_receiver(
    receiver_id: PathId, body: ReceiverUpdate, principal: Manager, db: DB, now: Now
) -> ReceiverOut:
    """Change the fields sent; a secret not sent is kept, `null` clears it. `active: false`
    deactivates: its notifications then fail over to the fallback."""
    row = actions.update_receiver(
        db, actor=principal.actor, now=now, receiver_id=receiver_id, changes=body.changes()
    )
    return ReceiverOut.of(row)


@router.delete("/alert-receivers/{receiver_id}", status_code=204)
def delete_receiver(receiver_id: PathId, principal: Manager, db: DB, now: Now) -> None:
    """A receiver with notifications, or another's fallback, is a 409: deactivate it."""
    actions.delete_receiver(db, actor=principal.actor, now=now, receiver_id=receiver_id)


@router.post("/alert-receivers/{receiver_id}/test", status_code=202, response_model=NotificationOut)
def test_receiver(receiver_id: PathId, principal: Manager, db: DB, now: Now) -> NotificationOut:
    """Enqueue a test message; follow it at /api/v1/notifications/{id}."""
    row = actions.send_test(db, actor=principal.actor, now=now, receiver_id=receiver_id)
    return NotificationOut.model_validate(row)


@router.get("/notifications", response_model=NotificationPage)
def list_notifications(
    _: Reader,
    db: DB,
    status: Status | None = None,
    receiver_id: QueryId = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> NotificationPage:
    """Notifications newest first; `status=dead` is the dead-letter queue."""
    rows, next_cursor = queries.list_notifications(
        db, status=status, receiver_id=receiver_id, limit=limit, cursor=cursor
    )
    return NotificationPage(
        items=[NotificationOut.model_validate(n) for n in rows], next_cursor=next_cursor
    )


@router.get("/notifications/{notification_id}", response_model=NotificationDetail)
def get_notification(notification_id: PathId, _: Reader, db: DB) -> NotificationDetail:
    """A notification, its instants (first event, detected, enqueued, delivered,
    acknowledged, dead) and its delivery log, one row per attempt."""
    row, attempts = queries.get_notification(db, notification_id)
    return NotificationDetail.of(row, attempts)
