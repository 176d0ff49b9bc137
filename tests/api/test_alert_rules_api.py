"""The alert rules API: rules, silences, routing, escalation policies and acknowledgement
over HTTP; every caller fault is a 4xx (never a 5xx, a bad acknowledgement link included)
that changes nothing; the preview replays the last 90 days without writing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from careloop.accounts.model import Role
from careloop.alerts.tables import AlertRoutingConfig, AlertRule, AlertSeries, Silence
from careloop.storage.audit import AuditEntry
from tests.factories import ticket_payload

RULES = "/api/v1/alert-rules"


def threshold(**kw: Any) -> dict[str, Any]:
    return {
        "kind": "threshold",
        "name": "Quality complaints by batch",
        "metric": "complaints",
        "comparator": ">",
        "value": 2,
        "window": "4h",
        "group_by": ["sku", "batch"],
        **kw,
    }


@pytest.fixture
def admin(auth):
    return auth(Role.ADMIN)


def counts(db) -> tuple[int, ...]:
    with db.read() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t))
            for t in (AlertRule, AlertSeries, Silence, AlertRoutingConfig, AuditEntry)
        )


def test_rules_are_created_read_changed_and_deleted(client, admin, db):
    made = client.post(RULES, json=threshold(), headers=admin)
    assert made.status_code == 201, made.text
    rule = made.json()
    assert rule["rule"]["window"] == "4h" and rule["active"] is True
    assert client.get(RULES, headers=admin).json()["items"][0]["id"] == rule["id"]
    changed = client.patch(
        f"{RULES}/{rule['id']}", json={"value": 5, "active": False}, headers=admin
    )
    assert changed.status_code == 200 and changed.json()["rule"]["value"] == 5
    assert changed.json()["active"] is False
    assert client.delete(f"{RULES}/{rule['id']}", headers=admin).status_code == 204
    assert client.get(f"{RULES}/{rule['id']}", headers=admin).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        threshold(metric="no_such_metric"),
        threshold(window="90m"),
        threshold(group_by=["carrier"]),
        threshold(surprise=1),
        threshold(name=""),
        {"kind": "anomaly", "name": "x", "fdr": 0.5},
        {"kind": "event", "name": "x", "event": "parcel_lost"},
        {"kind": "nope"},
    ],
)
def test_a_bad_rule_is_a_422_that_changes_nothing(client, admin, db, body):
    before = counts(db)
    answer = client.post(RULES, json=body, headers=admin)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"]["field"]
    assert counts(db) == before


def test_other_faults_are_4xx_that_change_nothing(client, admin, auth, db):
    rule = client.post(RULES, json=threshold(), headers=admin).json()
    viewer = auth(Role.VIEWER)
    before = counts(db)
    faults = [
        (client.post(RULES, json=threshold(), headers=admin), 409),
        (client.post(RULES, json=threshold(name="other"), headers=viewer), 403),
        (client.post(RULES, json=threshold(name="other")), 401),
        (client.patch(f"{RULES}/{rule['id']}", json={"window": "2x"}, headers=admin), 422),
        (client.patch(f"{RULES}/{rule['id']}", json={"kind": "event"}, headers=admin), 422),
        (client.patch(f"{RULES}/999", json={"value": 1}, headers=admin), 404),
        (
            client.post(
                "/api/v1/alert-silences",
                json={
                    "matchers": ["sku=~.*"],
                    "comment": "x",
                    "starts_at": "2026-11-02T09:00:00+00:00",
                    "ends_at": "2026-11-02T10:00:00+00:00",
                },
                headers=admin,
            ),
            422,
        ),
        (
            client.put(
                "/api/v1/alert-routing", json={"route": {"receiver": "nobody"}}, headers=admin
            ),
            422,
        ),
        (
            client.post(
                "/api/v1/alert-escalation-policies",
                json={"name": "p", "receiver": "x", "steps": []},
                headers=admin,
            ),
            422,
        ),
        (client.post("/api/v1/alerts/12/acknowledge", headers=viewer), 404),
        (client.get("/alerts/acknowledge", params={"token": "forged.token"}), 422),
        (client.get("/alerts/acknowledge", params={"token": "x" * 3000}), 422),
        (client.get("/alerts/acknowledge"), 422),
        (client.post("/api/v1/alerts/acknowledge-link", json={"token": "a.b"}), 422),
        (client.post("/api/v1/alerts/acknowledge-link", json={"token": 5}), 422),
    ]
    for answer, status in faults:
        assert answer.status_code == status, answer.text
    assert counts(db)[:3] == before[:3] and counts(db)[4] == before[4]


def test_silences_and_routing_are_stored_and_read_back(client, admin, clock):
    start = clock.now()
    made = client.post(
        "/api/v1/alert-silences",
        headers=admin,
        json={
            "matchers": ["sku=W-1"],
            "comment": "known batch",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
        },
    )
    assert made.status_code == 201 and made.json()["active"] is True
    gone = client.delete(f"/api/v1/alert-silences/{made.json()['id']}", headers=admin)
    assert gone.status_code == 200 and gone.json()["active"] is False
    client.post(
        "/api/v1/alert-receivers",
        headers=admin,
        json={"name": "line", "kind": "webhook", "url": "http://127.0.0.1:9/hook"},
    )
    put = client.put(
        "/api/v1/alert-routing",
        headers=admin,
        json={"route": {"receiver": "line", "group_by": ["sku"]}},
    )
    assert put.status_code == 200 and put.json()["config"]["route"]["receiver"] == "line"


def test_the_preview_counts_past_firings_without_writing(client, admin, auth, clock, db):
    agent = auth(Role.AGENT)
    for _ in range(3):
        made = client.post(
            "/api/v1/tickets", json=ticket_payload(sku="W-1", batch="B1"), headers=agent
        )
        assert made.status_code == 201
    from careloop.insights.refresh import refresh_rollups

    while refresh_rollups(db):
        pass
    clock.advance(timedelta(days=2))
    rule = client.post(RULES, json=threshold(), headers=admin).json()
    before = counts(db)
    answer = client.post(f"{RULES}/{rule['id']}/preview", headers=admin)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["fired"] == 1 and body["intervals"][0]["labels"]["sku"] == "W-1"
    assert body["intervals"][0]["resolved_at"] is not None
    assert counts(db) == before


def test_the_card_link_confirms_before_it_acknowledges(client, admin, auth, clock, db):
    """Following the link (a chat preview, a mail scanner) changes nothing; the button does."""
    from careloop.alerts.delivery_tables import Notification
    from careloop.alerts.evaluate import evaluate_rules
    from careloop.insights.refresh import refresh_rollups

    client.post(
        "/api/v1/alert-receivers",
        headers=admin,
        json={"name": "line", "kind": "webhook", "url": "http://127.0.0.1:9/hook"},
    )
    client.put(
        "/api/v1/alert-routing",
        headers=admin,
        json={"route": {"receiver": "line", "group_wait": "0s"}},
    )
    client.post(RULES, json=threshold(), headers=admin)
    agent = auth(Role.AGENT)
    for _ in range(3):
        client.post("/api/v1/tickets", json=ticket_payload(sku="W-1", batch="B1"), headers=agent)
    while refresh_rollups(db):
        pass
    evaluate_rules(db, clock.now(), base_url="http://testserver")
    with db.read() as s:
        link = s.scalars(select(Notification)).one().message["ack_url"]
    page = client.get(link.removeprefix("http://testserver"))
    assert page.status_code == 200 and "W-1" in page.text
    firing = client.get("/api/v1/alerts?state=firing", headers=admin).json()["items"]
    assert [a["acknowledged_at"] for a in firing] == [None]
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = client.post("/alerts/acknowledge", data={"token": token, "csrf_token": csrf})
    assert done.status_code == 200
    firing = client.get("/api/v1/alerts?state=firing", headers=admin).json()["items"]
    assert firing[0]["acknowledged_by"] == "acknowledgement link"
    again = client.post("/api/v1/alerts/acknowledge-link", json={"token": token})
    assert again.status_code == 200  # already acknowledged: left as it was
