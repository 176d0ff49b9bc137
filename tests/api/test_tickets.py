"""Tickets through the HTTP API: the stable interface integrators build on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from careloop.accounts.model import Role
from careloop.storage.audit import AuditEntry
from careloop.tickets.tables import Message, Ticket
from tests.factories import make_brand, make_order, ticket_payload


def count(db, table) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(table))


def test_create_answers_201_with_status_language_and_assignee(client, auth):
    r = client.post(
        "/api/v1/tickets", json=ticket_payload(language="fr"), headers=auth(Role.INTEGRATOR)
    )
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["id"] > 0
    assert t["status"] == "new"
    assert t["language"] == "fr"
    assert t["assignee_id"] is None
    assert t["tags"] == ["lace"]
    assert t["customer_id"] is not None
    assert t["created_at"].startswith("2026-11-02T09:00:00")


def test_create_links_order_line_item_and_fills_sku_and_batch(client, auth, db, clock):
    make_brand(db, clock, "luxe")
    order = make_order(db, clock, brand="luxe")
    line = next(li for li in order.line_items if li.sku == "WIG-BW-16-NAT")
    r = client.post(
        "/api/v1/tickets",
        json=ticket_payload(
            order={"source": "shop", "external_id": "o-1"}, line_item_id=line.id, country=None
        ),
        headers=auth(Role.AGENT),
    )
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["order_id"] == order.id
    assert (t["sku"], t["batch"]) == ("WIG-BW-16-NAT", "B2610-02")
    assert t["country"] == "US"  # from the order
    assert t["brand_id"] is not None


def test_creation_is_audited_and_opens_the_conversation(client, auth, db):
    r = client.post("/api/v1/tickets", json=ticket_payload(), headers=auth(Role.INTEGRATOR))
    tid = r.json()["id"]
    with db.read() as s:
        entry = s.scalar(
            select(AuditEntry).where(
                AuditEntry.entity_type == "ticket", AuditEntry.entity_id == tid
            )
        )
        first = s.scalar(select(Message).where(Message.ticket_id == tid))
    assert entry.action == "created"
    assert entry.actor_label == "token:integrator token"
    assert entry.changes["status"] == {"before": None, "after": "new"}
    assert first.kind.value == "customer" and "lace tore" in first.body


def test_idempotency_key_returns_the_same_ticket(client, auth, db):
    h = auth(Role.INTEGRATOR) | {"Idempotency-Key": "order-1001-complaint"}
    first = client.post("/api/v1/tickets", json=ticket_payload(), headers=h)
    again = client.post("/api/v1/tickets", json=ticket_payload(), headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert count(db, Ticket) == 1


def test_idempotency_key_reused_with_other_body_is_refused(client, auth, db):
    h = auth(Role.INTEGRATOR) | {"Idempotency-Key": "k-1"}
    assert client.post("/api/v1/tickets", json=ticket_payload(), headers=h).status_code == 201
    r = client.post("/api/v1/tickets", json=ticket_payload(subject="Other"), headers=h)
    assert r.status_code == 422
    assert r.json()["error"]["details"] == {"header": "Idempotency-Key"}
    assert count(db, Ticket) == 1


def test_idempotency_keys_are_per_caller(client, auth, db):
    a = auth(Role.INTEGRATOR) | {"Idempotency-Key": "same"}
    b = auth(Role.INTEGRATOR) | {"Idempotency-Key": "same"}
    ids = {
        client.post("/api/v1/tickets", json=ticket_payload(), headers=h).json()["id"]
        for h in (a, b)
    }
    assert len(ids) == 2


def test_batch_gives_a_result_per_item(client, auth, db):
    items = [ticket_payload(subject=f"Complaint {i}") for i in range(3)]
    items.insert(1, ticket_payload(country="XX"))
    items.append({"subject": "no body"})
    items.append(ticket_payload(brand="nope"))
    r = client.post("/api/v1/tickets/batch", json={"tickets": items}, headers=auth(Role.INTEGRATOR))
    assert r.status_code == 200, r.text
    out = r.json()
    assert [x["status"] for x in out["results"]] == [201, 422, 201, 201, 422, 422]
    assert out["created"] == 3 and out["failed"] == 3
    assert out["results"][5]["error"]["details"] == {"field": "brand"}
    assert count(db, Ticket) == 3


def test_batch_over_500_is_refused_and_writes_nothing(client, auth, db):
    items = [ticket_payload(body="x") for _ in range(501)]
    r = client.post("/api/v1/tickets/batch", json={"tickets": items}, headers=auth(Role.INTEGRATOR))
    assert r.status_code == 422
    assert count(db, Ticket) == 0


def test_batch_is_idempotent(client, auth, db):
    h = auth(Role.INTEGRATOR) | {"Idempotency-Key": "batch-7"}
    body = {"tickets": [ticket_payload(), ticket_payload(country="ZZ")]}
    first = client.post("/api/v1/tickets/batch", json=body, headers=h).json()
    again = client.post("/api/v1/tickets/batch", json=body, headers=h).json()
    assert first == again
    assert count(db, Ticket) == 1


def test_list_filters_and_cursor_pagination(client, auth, clock):
    h = auth(Role.ADMIN)
    for i in range(7):
        clock.advance(timedelta(minutes=1))
        client.post(
            "/api/v1/tickets",
            json=ticket_payload(
                subject=f"Parcel {i} lost",
                category="logistics" if i % 2 else "quality",
                country="NG" if i < 3 else "DE",
                tags=["vip"] if i == 5 else [],
            ),
            headers=h,
        )
    page1 = client.get("/api/v1/tickets", params={"limit": 3}, headers=h).json()
    assert len(page1["items"]) == 3 and page1["next_cursor"]
    page2 = client.get(
        "/api/v1/tickets", params={"limit": 3, "cursor": page1["next_cursor"]}, headers=h
    ).json()
    page3 = client.get(
        "/api/v1/tickets", params={"limit": 3, "cursor": page2["next_cursor"]}, headers=h
    ).json()
    ids = [t["id"] for p in (page1, page2, page3) for t in p["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 7
    assert page3["next_cursor"] is None

    def ids_for(**params):
        return {
            t["subject"]
            for t in client.get("/api/v1/tickets", params=params, headers=h).json()["items"]
        }

    assert ids_for(category="logistics") == {"Parcel 1 lost", "Parcel 3 lost", "Parcel 5 lost"}
    assert ids_for(country="NG") == {"Parcel 0 lost", "Parcel 1 lost", "Parcel 2 lost"}
    assert ids_for(tag="vip") == {"Parcel 5 lost"}
    assert ids_for(q="parcel 4") == {"Parcel 4 lost"}
    assert ids_for(created_from="2026-11-02T09:06:00Z") == {"Parcel 5 lost", "Parcel 6 lost"}
    assert ids_for(created_to="2026-11-02T09:02:00Z") == {"Parcel 0 lost"}
    assert ids_for(status="solved") == set()


def test_list_filters_by_assignee_and_brand(client, auth, db, clock, make_user):
    agent = make_user(Role.AGENT)
    make_brand(db, clock, "luxe")
    h = auth(Role.ADMIN)
    client.post(
        "/api/v1/tickets", json=ticket_payload(subject="mine", assignee_id=agent.id), headers=h
    )
    client.post("/api/v1/tickets", json=ticket_payload(subject="luxe", brand="luxe"), headers=h)
    mine = client.get("/api/v1/tickets", params={"assignee_id": agent.id}, headers=h).json()[
        "items"
    ]
    assert [t["subject"] for t in mine] == ["mine"]
    assert mine[0]["status"] == "open"  # assigned at creation
    luxe = client.get("/api/v1/tickets", params={"brand": "luxe"}, headers=h).json()["items"]
    assert [t["subject"] for t in luxe] == ["luxe"]
    unassigned = client.get("/api/v1/tickets", params={"unassigned": True}, headers=h).json()[
        "items"
    ]
    assert [t["subject"] for t in unassigned] == ["luxe"]


def test_bad_cursor_and_limit_are_4xx(client, auth):
    h = auth(Role.ADMIN)
    assert (
        client.get("/api/v1/tickets", params={"cursor": "garbage!"}, headers=h).status_code == 422
    )
    assert client.get("/api/v1/tickets", params={"limit": 201}, headers=h).status_code == 422
    assert (
        client.get(
            "/api/v1/tickets", params={"created_from": "2026-11-02T09:00:00"}, headers=h
        ).status_code
        == 422
    )


def test_update_reply_note_and_tags(client, auth, db, clock, make_user):
    agent = make_user(Role.AGENT)
    h = auth(Role.AGENT)
    tid = client.post("/api/v1/tickets", json=ticket_payload(), headers=h).json()["id"]
    r = client.patch(
        f"/api/v1/tickets/{tid}",
        json={"assignee_id": agent.id, "priority": "high", "custom_fields": {"order_value": 159.0}},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "open" and r.json()["priority"] == "high"
    clock.advance(timedelta(minutes=12))
    r = client.post(
        f"/api/v1/tickets/{tid}/replies",
        json={"body": "So sorry! A replacement is on its way.", "status": "pending"},
        headers=h,
    )
    assert r.status_code == 201 and r.json()["kind"] == "reply"
    r = client.post(
        f"/api/v1/tickets/{tid}/notes", json={"body": "Batch B2610-02 again"}, headers=h
    )
    assert r.status_code == 201 and r.json()["kind"] == "note"
    r = client.post(
        f"/api/v1/tickets/{tid}/tags", json={"tags": ["Replacement", "lace"]}, headers=h
    )
    assert r.json()["tags"] == ["lace", "replacement"]
    r = client.delete(f"/api/v1/tickets/{tid}/tags/lace", headers=h)
    assert r.json()["tags"] == ["replacement"]
    t = client.get(f"/api/v1/tickets/{tid}", headers=h).json()
    assert t["status"] == "pending"
    assert t["first_response_at"].startswith("2026-11-02T09:12:00")
    assert t["custom_fields"] == {"order_value": 159.0}
    kinds = [m["kind"] for m in client.get(f"/api/v1/tickets/{tid}/messages", headers=h).json()]
    assert kinds == ["customer", "reply", "note"]
    with db.read() as s:
        actions = list(
            s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity_id == tid, AuditEntry.entity_type == "ticket")
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["created", "updated", "replied", "noted", "tagged", "tagged"]
    trail = client.get(f"/api/v1/tickets/{tid}/audit", headers=h).json()
    assert [e["action"] for e in trail] == actions
    assert trail[1]["changes"]["priority"] == {"before": "normal", "after": "high"}
    assert trail[1]["changes"]["assignee_id"] == {"before": None, "after": agent.id}


def test_life_cycle_rules(client, auth):
    h = auth(Role.AGENT)
    tid = client.post("/api/v1/tickets", json=ticket_payload(), headers=h).json()["id"]
    assert (
        client.patch(f"/api/v1/tickets/{tid}", json={"status": "closed"}, headers=h).status_code
        == 409
    )
    solved = client.patch(f"/api/v1/tickets/{tid}", json={"status": "solved"}, headers=h).json()
    assert solved["solved_at"] is not None
    reopened = client.patch(f"/api/v1/tickets/{tid}", json={"status": "open"}, headers=h).json()
    assert reopened["solved_at"] is None
    client.patch(f"/api/v1/tickets/{tid}", json={"status": "solved"}, headers=h)
    closed = client.patch(f"/api/v1/tickets/{tid}", json={"status": "closed"}, headers=h)
    assert closed.json()["closed_at"] is not None
    r = client.post(f"/api/v1/tickets/{tid}/replies", json={"body": "hello"}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    assert (
        client.patch(f"/api/v1/tickets/{tid}", json={"priority": "low"}, headers=h).status_code
        == 409
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (ticket_payload(country="UK"), 422),
        (ticket_payload(language="english"), 422),
        (ticket_payload(unknown_field=1), 422),
        (ticket_payload(subject=""), 422),
        (ticket_payload(priority="whenever"), 422),
        (ticket_payload(customer_id=99999), 422),
        (ticket_payload(assignee_id=99999), 422),
        (ticket_payload(custom_fields={"bad key": 1}), 422),
        (ticket_payload(custom_fields={"nested": {"a": 1}}), 422),
        (ticket_payload(tags=["ok", "no spaces!"]), 422),
        (ticket_payload(subject="nul\x00byte"), 422),
        (ticket_payload(customer_id=2**40), 422),
        (["not", "an", "object"], 422),
    ],
)
def test_bad_input_is_4xx_and_writes_nothing(client, auth, db, body, status):
    r = client.post("/api/v1/tickets", json=body, headers=auth(Role.INTEGRATOR))
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert set(err) == {"code", "message", "details"}
    assert count(db, Ticket) == 0


def test_malformed_json_is_400(client, auth, db):
    r = client.post(
        "/api/v1/tickets",
        content=b'{"subject": "x", ',
        headers=auth(Role.INTEGRATOR) | {"Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "malformed_json"
    assert count(db, Ticket) == 0


def test_body_over_the_limit_is_413(client, auth, db):
    r = client.post(
        "/api/v1/tickets", json=ticket_payload(body="x" * 300_000), headers=auth(Role.INTEGRATOR)
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    assert count(db, Ticket) == 0


def test_unknown_ticket_is_404_in_the_error_shape(client, auth):
    r = client.get("/api/v1/tickets/424242", headers=auth(Role.VIEWER))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_a_write_that_cannot_get_the_database_is_503_and_writes_nothing(
    client, auth, db, monkeypatch
):
    if db.dialect != "sqlite":
        pytest.skip("the in-process writer queue is SQLite's")
    import careloop.storage.engine as engine

    h = auth(Role.INTEGRATOR)
    monkeypatch.setattr(engine, "WRITE_WAIT_SECONDS", 0.05)
    db._write_lock.acquire()
    try:
        r = client.post("/api/v1/tickets", json=ticket_payload(), headers=h)
    finally:
        db._write_lock.release()
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "1"
    assert r.json()["error"]["code"] == "busy"
    assert count(db, Ticket) == 0
    assert client.post("/api/v1/tickets", json=ticket_payload(), headers=h).status_code == 201
