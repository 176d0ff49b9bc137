"""Signed Shopify webhooks through a real HTTP server (uvicorn on loopback): orders, refunds and
returns become data, and the refunds and returns with a reason tickets. Refusals and replays are
in test_hook_refusals.py, the generic complaint webhook in test_complaint_hook.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.clock import FakeClock
from careloop.integrations import shopify
from careloop.storage.engine import Database
from careloop.storage.requests import WebhookReceipt
from careloop.tickets import commerce
from careloop.tickets.commerce_tables import Brand, Customer, Order, Shop
from tests.api.hooks_support import DOMAIN, SECRET, Post, counts, messages, the_order, tickets
from tests.conftest import TEST_ACTOR
from tests.shopify_payloads import (
    LINE_A,
    LINE_B,
    encode,
    fulfillment,
    order_payload,
    refund_payload,
    return_payload,
)

# -- orders ----------------------------------------------------------------------------------


def test_orders_create_creates_the_order_with_lines_and_batches(
    deliver: Post, db: Database, brand: Brand
) -> None:
    r = deliver("orders/create", order_payload())
    assert r.status_code == 200, r.text
    ack = r.json()
    assert ack["status"] == "processed" and ack["topic"] == "orders/create"
    order = the_order(db)
    assert ack["order_id"] == order.id
    assert (order.source, order.number, order.currency) == ("shopify:silk-crown", "#1001", "USD")
    assert order.total_amount == Decimal("398.00")
    assert (order.country, order.region, order.brand_id) == ("US", "KY", brand.id)
    assert [(x.external_id, x.sku, x.batch, x.unit_price) for x in order.line_items] == [
        (str(LINE_A), "BW-LF-18", "B2611-07", Decimal("199.00")),
        (str(LINE_B), "ST-BOB-12", "B2610-31", Decimal("199.00")),
    ]
    with db.read() as s:
        customer = s.get_one(Customer, order.customer_id)
        receipt = s.scalars(select(WebhookReceipt)).one()
    assert (customer.email, customer.name, customer.language) == (
        "jon@example.com",
        "Jon Doe",
        "en",
    )
    assert [(x.source, x.external_id) for x in customer.external_ids] == [
        ("shopify:silk-crown", "115310627314723954")
    ]
    assert (receipt.source, receipt.topic) == (f"shopify:{DOMAIN}", "orders/create")


def test_orders_updated_updates_the_order(deliver: Post, db: Database) -> None:
    assert deliver("orders/create", order_payload()).status_code == 200
    updated = order_payload(financial_status="partially_refunded", fulfillments=[fulfillment()])
    updated["line_items"][1]["properties"] = [{"name": "_batch", "value": "B2611-02"}]
    r = deliver("orders/updated", updated)
    assert r.status_code == 200, r.text
    order = the_order(db)
    assert order.financial_status == "partially_refunded"
    assert [x.batch for x in order.line_items] == ["B2611-07", "B2611-02"]
    (shipment,) = order.shipments
    assert (shipment.carrier, shipment.tracking_number, shipment.status) == (
        "USPS",
        "1Z2345",
        "in_transit",
    )
    assert (shipment.destination_country, shipment.destination_region) == ("US", "KY")
    assert counts(db)["orders"] == 1 and counts(db)["customers"] == 1


def test_another_shop_cannot_touch_this_shops_order(
    deliver: Post, db: Database, clock: FakeClock, brand: Brand
) -> None:
    """The same Shopify order id from a second shop (signed with its own secret) is that shop's
    own order; the first shop's order is left as it was."""
    assert deliver("orders/create", order_payload()).status_code == 200
    other_secret = "other-shop-secret-0123456789"
    commerce.create_shop(
        db,
        actor=TEST_ACTOR,
        now=clock.now(),
        brand_code=brand.code,
        domain="other-store.myshopify.com",
        secret=other_secret,
    )
    forged = order_payload(financial_status="refunded")
    r = deliver(
        "orders/updated",
        forged,
        secret=other_secret,
        headers={"X-Shopify-Shop-Domain": "other-store.myshopify.com"},
    )
    assert r.status_code == 200, r.text
    with db.read() as s:
        rows = {o.source: o.financial_status for o in s.scalars(select(Order))}
    assert rows["shopify:silk-crown"] == order_payload()["financial_status"]
    assert rows["shopify:other-store"] == "refunded"


# -- refunds and returns ---------------------------------------------------------------------


def test_a_refund_with_a_note_opens_a_refund_ticket_and_a_second_refund_adds_to_it(
    deliver: Post, db: Database
) -> None:
    deliver("orders/create", order_payload())
    r = deliver("refunds/create", refund_payload())
    assert r.status_code == 200, r.text
    ack = r.json()
    assert ack["ticket_created"] is True
    (ticket,) = tickets(db)
    order = the_order(db)
    assert ack["ticket_id"] == ticket.id
    assert (ticket.order_id, ticket.customer_id, ticket.brand_id) == (
        order.id,
        order.customer_id,
        order.brand_id,
    )
    assert (ticket.category, ticket.source, ticket.status) == ("refund", "shopify", "new")
    assert (ticket.sku, ticket.batch) == ("BW-LF-18", "B2611-07")
    assert ticket.tags == ["refund", "shopify"]
    assert "Hair sheds a lot" in ticket.body and "199.00 USD" in ticket.body
    (refund,) = order.refunds
    assert (refund.amount, refund.currency, refund.reason) == (
        Decimal("199.00"),
        "USD",
        "Hair sheds a lot",
    )

    r = deliver("refunds/create", refund_payload(890088186047892320, note="Second wig too"))
    assert r.status_code == 200, r.text
    assert r.json()["ticket_created"] is False and r.json()["ticket_id"] == ticket.id
    assert [t.id for t in tickets(db)] == [ticket.id]
    assert [m.body.splitlines()[1] for m in messages(db, ticket.id)] == [
        "Note: Hair sheds a lot",
        "Note: Second wig too",
    ]
    assert len(the_order(db).refunds) == 2


def test_a_refund_without_a_note_is_data_only(deliver: Post, db: Database) -> None:
    deliver("orders/create", order_payload())
    r = deliver("refunds/create", refund_payload(note=None))
    assert r.status_code == 200, r.text
    assert r.json()["ticket_id"] is None
    assert tickets(db) == []
    assert len(the_order(db).refunds) == 1


def test_a_refund_for_an_order_not_yet_received_is_refused_and_writes_nothing(
    deliver: Post, db: Database
) -> None:
    before = counts(db)
    r = deliver("refunds/create", refund_payload())
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "unknown_order"
    assert counts(db) == before


def test_a_return_with_a_reason_opens_a_ticket_and_its_approval_changes_only_the_data(
    deliver: Post, db: Database
) -> None:
    deliver("orders/create", order_payload())
    r = deliver("returns/request", return_payload(reason="DEFECTIVE", note="Lace torn"))
    assert r.status_code == 200, r.text
    (ticket,) = tickets(db)
    assert r.json()["ticket_id"] == ticket.id
    assert (ticket.category, ticket.batch) == ("quality", "B2611-07")
    assert ticket.tags == ["return", "shopify"]
    assert "Lace torn" in ticket.body
    (ret,) = the_order(db).returns
    assert (ret.reason, ret.status, ret.note) == ("defective", "requested", "Lace torn")
    assert ret.line_item_id == the_order(db).line_items[0].id

    before = counts(db)
    r = deliver("returns/approve", return_payload(reason="DEFECTIVE", status="open"))
    assert r.status_code == 200, r.text
    (ret,) = the_order(db).returns
    assert ret.status == "open"
    after = counts(db)
    assert after["tickets"] == before["tickets"] and after["messages"] == before["messages"]


@pytest.fixture
def signed_client(app: FastAPI, shop: Shop) -> Iterator[Callable[..., Any]]:
    with TestClient(app) as client:

        def post(topic: str, payload: dict[str, Any], webhook_id: str) -> Any:
            raw = encode(payload)
            return client.post(
                "/hooks/shopify",
                content=raw,
                headers={
                    "X-Shopify-Topic": topic,
                    "X-Shopify-Hmac-Sha256": shopify.sign(raw, SECRET),
                    "X-Shopify-Shop-Domain": DOMAIN,
                    "X-Shopify-Webhook-Id": webhook_id,
                },
            )

        yield post


@pytest.mark.parametrize(
    "reason, category",
    [
        ("SIZE_TOO_SMALL", "size_color"),
        ("color", "size_color"),
        ("wrong_item", "wrong_item"),
        ("NOT_AS_DESCRIBED", "not_as_described"),
        ("unwanted", "other"),
    ],
)
def test_return_reasons_set_the_ticket_category(
    signed_client: Callable[..., Any], db: Database, reason: str, category: str
) -> None:
    assert signed_client("orders/create", order_payload(), "w1").status_code == 200
    r = signed_client("returns/request", return_payload(reason=reason), "w2")
    assert r.status_code == 200, r.text
    (ticket,) = tickets(db)
    assert ticket.category == category


def test_a_second_return_on_an_order_with_an_open_ticket_adds_a_message(
    deliver: Post, db: Database
) -> None:
    deliver("orders/create", order_payload())
    deliver("refunds/create", refund_payload())
    (ticket,) = tickets(db)
    r = deliver("returns/request", return_payload(line_id=LINE_B, reason="color"))
    assert r.status_code == 200, r.text
    assert r.json()["ticket_id"] == ticket.id and r.json()["ticket_created"] is False
    (ticket,) = tickets(db)
    assert ticket.tags == ["refund", "return", "shopify"]
    assert len(messages(db, ticket.id)) == 2


def test_a_return_without_a_reason_opens_no_ticket(deliver: Post, db: Database) -> None:
    deliver("orders/create", order_payload())
    r = deliver("returns/request", return_payload(reason="unknown"))
    assert r.status_code == 200, r.text
    assert tickets(db) == [] and len(the_order(db).returns) == 1
