"""The alert delivery API: receivers (create, read without secrets, change, delete or
deactivate), every caller fault a 4xx that changes nothing, the test message, and the
notifications with their delivery log."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from careloop.accounts.model import Role
from careloop.alerts.delivery_tables import Notification, Receiver
from careloop.alerts.dispatch import dispatch_notifications
from careloop.storage.audit import AuditEntry
from tests.integration.alerts_support import Hook

BASE = "/api/v1/alert-receivers"
HOOK = "https://open.feishu.cn/open-apis/bot/v2/hook/6f1c2a4e-secret-token"


def feishu(**kw: Any) -> dict[str, Any]:
    return {"name": "Production line", "kind": "feishu", "url": HOOK, "secret": "s3cr3t", **kw}


@pytest.fixture
def admin(auth):
    return auth(Role.ADMIN)


def counts(db) -> tuple[int, int, int]:
    with db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(Receiver)),
            s.scalar(select(func.count()).select_from(Notification)),
            s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.entity_type == "alert_receiver")
            ),
        )


def test_create_read_update_never_shows_the_secret(client, admin):
    r = client.post(BASE, json=feishu(), headers=admin)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["secret_set"] is True and "secret" not in body
    assert "s3cr3t" not in r.text and "secret-token" not in r.text
    assert body["url"].startswith("https://open.feishu.cn/open-apis")
    assert (body["kind"], body["deadline_minutes"], body["active"]) == ("feishu", 10, True)
    rid = body["id"]
    got = client.get(f"{BASE}/{rid}", headers=admin).json()
    assert got == body
    listed = client.get(BASE, headers=admin).json()["items"]
    assert [x["id"] for x in listed] == [rid]
    changed = client.patch(f"{BASE}/{rid}", json={"per_second": 2}, headers=admin)
    assert changed.status_code == 200 and changed.json()["per_second"] == 2
    assert changed.json()["secret_set"] is True  # a secret not sent is kept


def test_email_and_webhook_receivers_and_a_fallback(client, admin):
    mail = client.post(
        BASE,
        json={
            "name": "Quality mailbox",
            "kind": "email",
            "settings": {
                "host": "smtp.example.com",
                "port": 587,
                "starttls": True,
                "username": "alerts",
                "sender": "alerts@example.com",
                "recipients": ["quality@example.com"],
            },
            "secret": "smtp-password",
        },
        headers=admin,
    )
    assert mail.status_code == 201, mail.text
    assert mail.json()["settings"]["recipients"] == ["quality@example.com"]
    hook = client.post(
        BASE,
        json={
            "name": "Ops webhook",
            "kind": "webhook",
            "url": "https://ops.example.com/careloop",
            "fallback_receiver_id": mail.json()["id"],
        },
        headers=admin,
    )
    assert hook.status_code == 201, hook.text
    assert hook.json()["secret_set"] is False


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        (feishu(url="ftp://example.com/x"), 422, "url"),
        (feishu(url="not a url"), 422, "url"),
        (feishu(kind="pager"), 422, None),
        (feishu(secret=None), 422, "secret"),
        (feishu(per_second=6), 422, "per_second"),
        (feishu(per_minute=101), 422, "per_minute"),
        ({"name": "S", "kind": "slack", "url": HOOK, "secret": "x"}, 422, "secret"),
        ({"name": "S", "kind": "slack", "url": HOOK, "per_second": 2}, 422, "per_second"),
        ({"name": "E", "kind": "email", "url": HOOK}, 422, "url"),
        (
            {
                "name": "E",
                "kind": "email",
                "settings": {"host": "h", "sender": "nobody", "recipients": ["a@b.io"]},
            },
            422,
            "settings.sender",
        ),
        (
            {
                "name": "E",
                "kind": "email",
                "settings": {"host": "h", "sender": "a@b.io", "recipients": []},
            },
            422,
            "settings.recipients",
        ),
        (
            {
                "name": "E",
                "kind": "email",
                "settings": {
                    "host": "h",
                    "sender": "a@b.io",
                    "recipients": ["c@d.io"],
                    "username": "u",
                },
            },
            422,
            "secret",
        ),
        (feishu(fallback_receiver_id=999), 422, "fallback_receiver_id"),
        (feishu(deadline_minutes=0), 422, None),
        (feishu(extra=1), 422, None),
    ],
)
def test_caller_faults_are_4xx_and_change_nothing(client, admin, db, payload, status, field):
    before = counts(db)
    r = client.post(BASE, json=payload, headers=admin)
    assert r.status_code == status, r.text
    if field is not None:
        assert r.json()["error"]["details"]["field"] == field
    assert counts(db) == before


def test_a_name_in_use_is_409(client, admin, db):
    assert client.post(BASE, json=feishu(), headers=admin).status_code == 201
    before = counts(db)
    r = client.post(BASE, json=feishu(name="PRODUCTION LINE"), headers=admin)
    assert r.status_code == 409 and r.json()["error"]["details"]["field"] == "name"
    assert counts(db) == before


def test_fallback_to_itself_or_a_cycle_is_refused(client, admin, db):
    a = client.post(BASE, json=feishu(name="A"), headers=admin).json()["id"]
    b = client.post(BASE, json=feishu(name="B", fallback_receiver_id=a), headers=admin).json()["id"]
    c = client.post(BASE, json=feishu(name="C", fallback_receiver_id=b), headers=admin).json()["id"]
    before = counts(db)
    own = client.patch(f"{BASE}/{a}", json={"fallback_receiver_id": a}, headers=admin)
    assert own.status_code == 422 and "own fallback" in own.json()["error"]["message"]
    cycle = client.patch(f"{BASE}/{a}", json={"fallback_receiver_id": c}, headers=admin)
    assert cycle.status_code == 422 and "come back" in cycle.json()["error"]["message"]
    assert counts(db) == before
    assert client.get(f"{BASE}/{a}", headers=admin).json()["fallback_receiver_id"] is None


def test_delete_is_refused_while_referenced_deactivate_instead(client, admin, clock):
    rid = client.post(BASE, json=feishu(), headers=admin).json()["id"]
    spare = client.post(BASE, json=feishu(name="Spare"), headers=admin).json()["id"]
    assert client.delete(f"{BASE}/{spare}", headers=admin).status_code == 204
    assert client.get(f"{BASE}/{spare}", headers=admin).status_code == 404
    test = client.post(f"{BASE}/{rid}/test", headers=admin)
    assert test.status_code == 202, test.text
    refused = client.delete(f"{BASE}/{rid}", headers=admin)
    assert refused.status_code == 409 and "deactivate" in refused.json()["error"]["message"]
    off = client.patch(f"{BASE}/{rid}", json={"active": False}, headers=admin)
    assert off.status_code == 200 and off.json()["active"] is False
    assert client.post(f"{BASE}/{rid}/test", headers=admin).status_code == 409


def test_the_test_message_is_delivered_and_its_log_is_shown(client, admin, db, clock):
    hook = Hook().up()
    try:
        rid = client.post(
            BASE, json={"name": "Local", "kind": "webhook", "url": hook.url}, headers=admin
        ).json()["id"]
        sent = client.post(f"{BASE}/{rid}/test", headers=admin).json()
        assert (sent["status"], sent["receiver_id"]) == ("pending", rid)
        dispatch_notifications(db, clock.now(), timeout=2.0)
        detail = client.get(f"/api/v1/notifications/{sent['id']}", headers=admin).json()
        assert detail["status"] == "delivered" and detail["delivered_at"] is not None
        assert detail["enqueued_at"] is not None and detail["detected_at"] is not None
        assert [(a["outcome"], a["status_code"]) for a in detail["log"]] == [("delivered", 200)]
        assert hook.accepted()[0].json()["message"]["title"] == "careloop test notification"
    finally:
        hook.stop()


def test_notifications_page_by_status_with_a_cursor(client, admin, auth):
    rid = client.post(BASE, json=feishu(), headers=admin).json()["id"]
    ids = [client.post(f"{BASE}/{rid}/test", headers=admin).json()["id"] for _ in range(3)]
    viewer = auth(Role.VIEWER)
    first = client.get("/api/v1/notifications?limit=2&status=pending", headers=viewer).json()
    assert [n["id"] for n in first["items"]] == ids[::-1][:2]
    rest = client.get(
        f"/api/v1/notifications?limit=2&status=pending&cursor={first['next_cursor']}",
        headers=viewer,
    ).json()
    assert [n["id"] for n in rest["items"]] == [ids[0]] and rest["next_cursor"] is None
    none = client.get("/api/v1/notifications?status=delivered", headers=viewer).json()
    assert none["items"] == []
    assert client.get("/api/v1/notifications?status=lost", headers=viewer).status_code == 422
    assert client.get("/api/v1/notifications?cursor=zzz", headers=viewer).status_code == 422
    assert client.get("/api/v1/notifications/999", headers=viewer).status_code == 404
