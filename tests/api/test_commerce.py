"""Customers and orders upserted by external id, and brands."""

from __future__ import annotations

from sqlalchemy import func, select

from careloop.accounts.model import Role
from careloop.tickets.commerce_tables import Customer, LineItem, Order
from tests.factories import order_payload


def count(db, table) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(table))


def test_customer_upsert_creates_then_updates(client, auth, db):
    h = auth(Role.INTEGRATOR)
    r = client.put(
        "/api/v1/customers/external/crm/c-42",
        json={"email": "nia@example.com", "name": "Nia", "country": "KE", "language": "sw"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert r.json()["external_ids"] == [{"source": "crm", "external_id": "c-42"}]
    r = client.put(
        "/api/v1/customers/external/crm/c-42", json={"phone": "+254700000000"}, headers=h
    )
    assert r.status_code == 200
    assert (
        r.json()["id"] == cid
        and r.json()["phone"] == "+254700000000"
        and r.json()["language"] == "sw"
    )
    assert count(db, Customer) == 1


def test_order_upsert_with_lines_shipments_refunds_returns(client, auth, db):
    h = auth(Role.INTEGRATOR)
    assert (
        client.post(
            "/api/v1/brands", json={"code": "luxe", "name": "Luxe Hair"}, headers=auth(Role.ADMIN)
        ).status_code
        == 201
    )
    body = order_payload(brand="luxe")
    r = client.put("/api/v1/orders/external/shop/o-77", json=body, headers=h)
    assert r.status_code == 201, r.text
    order = r.json()
    assert [li["sku"] for li in order["line_items"]] == ["WIG-BW-16-NAT", "CAP-MESH-M"]
    assert order["line_items"][0]["batch"] == "B2610-02"
    assert order["line_items"][0]["unit_price"] == "159.00" and order["currency"] == "USD"
    assert order["shipments"][0]["carrier"] == "UPS"

    body["shipments"][0]["status"] = "delivered"
    body["refunds"] = [
        {
            "external_id": "r-1",
            "reason": "lace torn",
            "amount": "159.00",
            "created_at": "2026-11-01T10:00:00Z",
        }
    ]
    body["returns"] = [
        {
            "external_id": "ret-1",
            "line_item_external_id": "li-1",
            "reason": "DEFECTIVE",
            "created_at": "2026-11-01T10:00:00Z",
        }
    ]
    r = client.put("/api/v1/orders/external/shop/o-77", json=body, headers=h)
    assert r.status_code == 200, r.text
    order = r.json()
    assert order["shipments"][0]["status"] == "delivered" and len(order["shipments"]) == 1
    assert order["refunds"][0]["amount"] == "159.00" and order["refunds"][0]["currency"] == "USD"
    assert order["returns"][0]["line_item_id"] == order["line_items"][0]["id"]
    assert count(db, Order) == 1 and count(db, LineItem) == 2
    # the same upsert again changes nothing
    again = client.put("/api/v1/orders/external/shop/o-77", json=body, headers=h).json()
    assert len(again["refunds"]) == 1 and len(again["returns"]) == 1

    listed = client.get(
        "/api/v1/orders", params={"sku": "WIG-BW-16-NAT", "batch": "B2610-02"}, headers=h
    ).json()
    assert [o["id"] for o in listed["items"]] == [order["id"]]
    assert client.get("/api/v1/orders", params={"batch": "OTHER"}, headers=h).json()["items"] == []


def test_order_bad_input_writes_nothing(client, auth, db):
    h = auth(Role.INTEGRATOR)
    for bad in (
        order_payload(currency="XYZ"),
        order_payload(placed_at="2026-10-20T15:00:00"),  # naive instant
        order_payload(total_amount="-1"),
        order_payload(brand="missing"),
        order_payload(
            returns=[{"line_item_external_id": "nope", "created_at": "2026-11-01T10:00:00Z"}]
        ),
    ):
        r = client.put("/api/v1/orders/external/shop/o-1", json=bad, headers=h)
        assert 400 <= r.status_code < 500, r.text
        assert "error" in r.json()
    assert count(db, Order) == 0 and count(db, Customer) == 0


def test_duplicate_brand_is_409(client, auth):
    h = auth(Role.ADMIN)
    assert (
        client.post(
            "/api/v1/brands", json={"code": "b2b", "name": "Wholesale", "is_b2b": True}, headers=h
        ).status_code
        == 201
    )
    r = client.post("/api/v1/brands", json={"code": "b2b", "name": "Again"}, headers=h)
    assert r.status_code == 409
    assert [b["code"] for b in client.get("/api/v1/brands", headers=h).json()] == ["b2b"]
