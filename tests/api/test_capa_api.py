"""Root-cause tasks through HTTP: the 8D stages in order, links, trace back and forward, CSV;
every refused request (4xx) changes nothing."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from careloop.accounts.model import Role
from careloop.alerts.capa_tables import CapaLink, CapaMember, CapaStage, CapaTask, CapaVerification
from careloop.storage.audit import AuditEntry
from tests.factories import make_order, order_payload, ticket_payload

DELIVERED = datetime(2026, 10, 25, 12, tzinfo=UTC).isoformat()


def snapshot(db) -> tuple:
    """Everything a CAPA request may change, to compare before and after a refusal."""
    with db.read() as s:
        tasks = s.execute(
            select(
                CapaTask.id,
                CapaTask.title,
                CapaTask.stage,
                CapaTask.owner_id,
                CapaTask.closed_at,
                CapaTask.updated_at,
            )
        ).all()
        stages = s.execute(
            select(
                CapaStage.task_id,
                CapaStage.stage,
                CapaStage.done_at,
                CapaStage.owner_id,
                CapaStage.notes,
                CapaStage.due_on,
            )
        ).all()
        links = s.execute(select(CapaLink.task_id, CapaLink.ticket_id, CapaLink.order_id)).all()
        members = s.execute(select(CapaMember.task_id, CapaMember.user_id)).all()
        ver = s.execute(
            select(CapaVerification.task_id, CapaVerification.metric, CapaVerification.started_at)
        ).all()
        audits = s.scalar(select(func.count()).select_from(AuditEntry))
    return tuple(sorted(map(repr, rows)) for rows in (tasks, stages, links, members, ver)), audits


def delivered_order(db, clock, external_id: str, batch: str, email: str):
    ship = dict(order_payload()["shipments"][0], status="delivered", delivered_at=DELIVERED)
    return make_order(
        db,
        clock,
        external_id,
        number=f"#{external_id}",
        shipments=[ship],
        customer={
            "email": email,
            "name": email.split("@")[0],
            "source": "shop",
            "external_id": f"c-{external_id}",
        },
        line_items=[
            {
                "external_id": f"{external_id}-1",
                "sku": "WIG-BW-16-NAT",
                "batch": batch,
                "quantity": 2,
                "unit_price": "159.00",
            },
        ],
    )


def open_task(client, h, **body):
    payload = {
        "title": "Lace tears on batch B2610-02",
        "category": "quality",
        "sku": "WIG-BW-16-NAT",
        "batch": "B2610-02",
        **body,
    }
    r = client.post("/api/v1/capa", json=payload, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def done(client, h, task_id, stage):
    return client.post(f"/api/v1/capa/{task_id}/stages/{stage}/done", json={}, headers=h)


def test_stages_complete_in_order_and_closure_needs_verification(client, auth, db):
    h = auth(Role.SUPERVISOR)
    task = open_task(client, h)
    assert task["stage"] == "d1" and [s["stage"] for s in task["stages"]][-1] == "d8"
    assert task["verification"]["filters"] == {
        "sku": ["WIG-BW-16-NAT"],
        "category": ["quality"],
        "batch": ["B2610-02"],
    }
    before = snapshot(db)
    r = done(client, h, task["id"], "d3")
    assert r.status_code == 409 and r.json()["error"]["details"]["waiting_for"] == ["d2"]
    assert snapshot(db) == before
    for stage in ("d1", "d2", "d4"):
        assert done(client, h, task["id"], stage).status_code == 200
    # D4 may be done before D3: the board still shows the task at containment.
    assert client.get(f"/api/v1/capa/{task['id']}", headers=h).json()["stage"] == "d3"
    for stage in ("d3", "d5", "d7"):
        assert done(client, h, task["id"], stage).status_code == 200
    before = snapshot(db)
    r = client.post(f"/api/v1/capa/{task['id']}/close", json={}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["details"]["waiting_for"] == ["d6"]
    assert snapshot(db) == before
    assert done(client, h, task["id"], "d6").status_code == 200
    closed = client.post(f"/api/v1/capa/{task['id']}/close", json={"notes": "ok"}, headers=h)
    assert closed.status_code == 200 and closed.json()["closed_at"] is not None
    reopened = client.post(f"/api/v1/capa/{task['id']}/reopen", json={"stage": "d5"}, headers=h)
    body = reopened.json()
    assert body["stage"] == "d5" and body["closed_at"] is None
    assert [s["stage"] for s in body["stages"] if s["done_at"]] == ["d1", "d2", "d3", "d4"]


def test_links_trace_back_and_forward(client, auth, db, clock):
    h = auth(Role.ADMIN)
    o1 = delivered_order(db, clock, "o-1", "B2610-02", "amara@example.com")
    o2 = delivered_order(db, clock, "o-2", "B2610-02", "bea@example.com")
    delivered_order(db, clock, "o-3", "B2610-01", "cai@example.com")  # another batch
    make_order(
        db, clock, "o-4", number="#o-4", customer={"email": "dee@example.com"}
    )  # not delivered
    line = o1.line_items[0].id
    t1 = client.post(
        "/api/v1/tickets", json=ticket_payload(order_id=o1.id, line_item_id=line), headers=h
    ).json()["id"]
    t2 = client.post(
        "/api/v1/tickets", json=ticket_payload(sku="WIG-BW-16-NAT", batch="B2610-02"), headers=h
    ).json()["id"]
    task = open_task(client, h, ticket_ids=[t1], order_ids=[o2.id])
    assert {(k["ticket_id"], k["order_id"]) for k in task["links"]} == {(t1, None), (None, o2.id)}

    back = client.get(f"/api/v1/tickets/{t1}/trace", headers=auth(Role.AGENT)).json()
    assert (back["order_id"], back["line_item_id"], back["sku"], back["batch"]) == (
        o1.id,
        line,
        "WIG-BW-16-NAT",
        "B2610-02",
    )
    assert back["complaints_on_batch"] == 2
    assert [c["id"] for c in back["other_complaints"]] == [t2]
    assert back["capa_task_ids"] == [task["id"]]

    fwd = client.get(
        "/api/v1/capa/trace-forward?sku=WIG-BW-16-NAT&batch=B2610-02&limit=1", headers=h
    ).json()
    assert (fwd["orders"], fwd["customers"], fwd["units"]) == (2, 2, 4)
    assert [i["order_id"] for i in fwd["items"]] == [o1.id]
    nxt = client.get(
        "/api/v1/capa/trace-forward",
        headers=h,
        params={"sku": "WIG-BW-16-NAT", "batch": "B2610-02", "after": fwd["next_cursor"]},
    ).json()
    assert [i["email"] for i in nxt["items"]] == ["bea@example.com"] and not nxt["next_cursor"]
    r = client.get("/api/v1/capa/trace-forward.csv?sku=WIG-BW-16-NAT&batch=B2610-02", headers=h)
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert r.headers["content-type"].startswith("text/csv")
    assert [(x["order_number"], x["email"], x["units"]) for x in rows] == [
        ("#o-1", "amara@example.com", "2"),
        ("#o-2", "bea@example.com", "2"),
    ]

    link_id = next(k["id"] for k in task["links"] if k["ticket_id"] == t1)
    before = snapshot(db)
    assert (
        client.post(
            f"/api/v1/capa/{task['id']}/links", json={"ticket_id": t1}, headers=h
        ).status_code
        == 409
    )
    assert snapshot(db) == before
    r = client.delete(f"/api/v1/capa/{task['id']}/links/{link_id}", headers=h)
    assert r.status_code == 200 and [k["order_id"] for k in r.json()["links"]] == [o2.id]


REFUSALS = [
    ("POST", "/api/v1/capa", {"title": "", "category": "quality"}, 422),
    ("POST", "/api/v1/capa", {"title": "x", "category": "weather"}, 422),
    ("POST", "/api/v1/capa", {"title": "x", "category": "other", "owner_id": 99999}, 422),
    ("POST", "/api/v1/capa", {"title": "x", "category": "other", "ticket_ids": [99999]}, 404),
    ("POST", "/api/v1/capa", {"title": "x", "category": "other", "surprise": 1}, 422),
    (
        "POST",
        "/api/v1/capa",
        {"title": "x", "category": "other", "verification": {"metric": "nope"}},
        422,
    ),
    (
        "POST",
        "/api/v1/capa",
        {"title": "x", "category": "other", "verification": {"metric": "backlog_open"}},
        422,
    ),
    (
        "POST",
        "/api/v1/capa",
        {"title": "x", "category": "other", "verification": {"filters": {"carrier": ["UPS"]}}},
        422,
    ),
    ("PATCH", "/api/v1/capa/{id}", {"title": None}, 422),
    ("PATCH", "/api/v1/capa/{id}", {"member_ids": [99999]}, 422),
    ("PATCH", "/api/v1/capa/99999", {"title": "y"}, 404),
    ("PATCH", "/api/v1/capa/{id}/stages/d9", {"notes": "n"}, 422),
    ("PATCH", "/api/v1/capa/{id}/stages/d2", {"owner_id": 99999}, 422),
    ("PATCH", "/api/v1/capa/{id}/stages/d2", {"due_on": "tomorrow"}, 422),
    ("POST", "/api/v1/capa/{id}/stages/d8/done", {}, 409),
    ("POST", "/api/v1/capa/{id}/stages/d1/done", {"notes": "a\u0000b"}, 422),
    ("POST", "/api/v1/capa/{id}/reopen", {"stage": "d2"}, 409),
    ("POST", "/api/v1/capa/{id}/links", {"ticket_id": 1, "order_id": 1}, 422),
    ("POST", "/api/v1/capa/{id}/links", {"order_id": 99999}, 404),
    ("DELETE", "/api/v1/capa/{id}/links/99999", None, 404),
    ("PUT", "/api/v1/capa/{id}/verification", {"weeks": 0}, 422),
    ("GET", "/api/v1/capa/trace-forward?sku=&batch=B1", None, 422),
    ("GET", "/api/v1/tickets/99999/trace", None, 404),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"), REFUSALS, ids=[f"{m} {p} {b}" for m, p, b, _ in REFUSALS]
)
def test_every_refusal_changes_nothing(client, auth, db, method, path, body, status):
    h = auth(Role.ADMIN)
    task = open_task(client, h)
    before = snapshot(db)
    r = client.request(method, path.format(id=task["id"]), json=body, headers=h)
    assert r.status_code == status, r.text
    assert "error" in r.json()
    assert snapshot(db) == before


def test_readers_read_and_only_managers_change(client, auth):
    task = open_task(client, auth(Role.SUPERVISOR))
    for role in (Role.VIEWER, Role.AGENT):
        assert client.get(f"/api/v1/capa/{task['id']}", headers=auth(role)).status_code == 200
        r = client.post(f"/api/v1/capa/{task['id']}/stages/d1/done", json={}, headers=auth(role))
        assert r.status_code == 403
    assert client.get("/api/v1/capa", headers=auth(Role.INTEGRATOR)).status_code == 403


def test_list_filters_and_pages(client, auth):
    h = auth(Role.ADMIN)
    a = open_task(client, h)
    b = open_task(
        client, h, title="Parcels lost", category="logistics", sku=None, batch=None, carrier="DHL"
    )
    page = client.get("/api/v1/capa?limit=1", headers=h).json()
    assert [i["id"] for i in page["items"]] == [b["id"]] and page["next_cursor"]
    rest = client.get(f"/api/v1/capa?limit=1&cursor={page['next_cursor']}", headers=h).json()
    assert [i["id"] for i in rest["items"]] == [a["id"]]
    only = client.get("/api/v1/capa?category=logistics", headers=h).json()
    assert [i["id"] for i in only["items"]] == [b["id"]]
