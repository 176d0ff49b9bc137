"""The demo inbox behaves like a real webhook receiver: it takes in a notification signed with
its secret once per Idempotency-Key, and refuses a missing, wrong or stale signature with a 401
that stores nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from careloop.alerts.message import AlertMessage, Figure, Severity
from careloop.demo import inbox
from careloop.demo.inbox_tables import DemoInboxMessage
from careloop.integrations import webhook

MESSAGE = AlertMessage(
    title="Quality complaints by batch: sku=WIG-1, batch=B1",
    severity=Severity.CRITICAL,
    figures=(Figure("complaints", "12"),),
    labels={"category": "quality", "sku": "WIG-1", "batch": "B1"},
    drill_url="http://127.0.0.1:8000/views/tickets",
    ack_url="http://127.0.0.1:8000/alerts/acknowledge?token=t",
)


def _stored(db):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(DemoInboxMessage))


def _post(client, raw, headers, slug="production-line"):
    return client.post(f"/hooks/demo-inbox/{slug}", content=raw, headers=headers)


def test_a_signed_notification_is_stored_once(client, db, clock):
    secret = inbox.ensure_inbox(db, slug="production-line", title="Production", now=clock.now())
    raw, headers = webhook.request(MESSAGE, "grp:1:2:3", secret=secret, now=clock.now())

    first = _post(client, raw, headers)
    again = _post(client, raw, headers)

    assert first.status_code == 200 and first.json()["stored"] is True
    assert again.status_code == 200 and again.json() == {**first.json(), "stored": False}
    assert _stored(db) == 1
    chat = inbox.chats(db)[0]
    assert chat.count == 1 and chat.messages[0].body["message"]["title"] == MESSAGE.title


def test_bad_signatures_are_refused_and_store_nothing(client, db, clock):
    secret = inbox.ensure_inbox(db, slug="production-line", title="Production", now=clock.now())
    now = clock.now()
    raw, headers = webhook.request(MESSAGE, "k1", secret=secret, now=now)
    wrong_secret = webhook.request(MESSAGE, "k1", secret="not the secret", now=now)[1]
    unsigned = {k: v for k, v in headers.items() if k != webhook.SIGNATURE_HEADER}
    stale_raw, stale = webhook.request(
        MESSAGE, "k1", secret=secret, now=now - timedelta(minutes=10)
    )
    tampered = raw.replace(b"WIG-1", b"WIG-2")

    for body, sent in (
        (raw, wrong_secret),
        (raw, unsigned),
        (tampered, headers),
        (stale_raw, stale),
        (raw, {**headers, webhook.TIMESTAMP_HEADER: "x"}),
    ):
        answer = _post(client, body, sent)
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"]["code"] in ("bad_signature", "unauthenticated")
    assert _stored(db) == 0


def test_unknown_inbox_and_missing_key(client, db, clock):
    secret = inbox.ensure_inbox(db, slug="logistics", title="Logistics", now=clock.now())
    raw, headers = webhook.request(MESSAGE, "k2", secret=secret, now=clock.now())

    assert _post(client, raw, headers, slug="nobody").status_code == 404
    no_key = {k: v for k, v in headers.items() if k != "Idempotency-Key"}
    assert _post(client, raw, no_key, slug="logistics").status_code == 400
    assert _stored(db) == 0
