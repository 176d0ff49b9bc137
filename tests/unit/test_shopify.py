"""Shopify and complaint webhooks, the pure part: signatures, bodies and the mapping of orders.
Refunds and returns are in test_shopify_returns.py; the payloads in tests/shopify_payloads.py."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from careloop.errors import Invalid
from careloop.integrations import MalformedJson, complaints, parse_json_object, shopify
from careloop.tickets.model import ShipmentStatus
from tests.shopify_payloads import LINE_A, LINE_B, ORDER_ID, fulfillment, order_payload, parsed

# HMAC-SHA256 with key "key" over this message is a published test vector (RFC 4231 style,
# as quoted on Wikipedia's HMAC page); checking against it keeps `sign` honest.
VECTOR_KEY = "key"
VECTOR_BODY = b"The quick brown fox jumps over the lazy dog"
VECTOR_HEX = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"


# -- signatures ------------------------------------------------------------------------------


def test_shopify_signature_is_the_base64_hmac_sha256_of_the_body() -> None:
    expected = base64.b64encode(bytes.fromhex(VECTOR_HEX)).decode()
    assert shopify.sign(VECTOR_BODY, VECTOR_KEY) == expected
    assert shopify.signature_matches(VECTOR_BODY, VECTOR_KEY, expected)
    assert shopify.signature_matches(VECTOR_BODY, VECTOR_KEY, f" {expected} ")


@pytest.mark.parametrize(
    "body, secret, header",
    [
        (VECTOR_BODY + b" ", VECTOR_KEY, "sign"),  # one byte more
        (VECTOR_BODY, "other-key", "sign"),
        (VECTOR_BODY, VECTOR_KEY, VECTOR_HEX),  # hex where base64 is due
        (VECTOR_BODY, VECTOR_KEY, ""),
        (VECTOR_BODY, VECTOR_KEY, None),
        (VECTOR_BODY, VECTOR_KEY, "ünïcode"),
    ],
)
def test_shopify_signature_mismatches(body: bytes, secret: str, header: str | None) -> None:
    if header == "sign":
        header = shopify.sign(VECTOR_BODY, VECTOR_KEY)
    assert not shopify.signature_matches(body, secret, header)


def test_complaint_signature_is_sha256_equals_hex() -> None:
    assert complaints.sign(VECTOR_BODY, VECTOR_KEY) == f"sha256={VECTOR_HEX}"
    assert complaints.signature_matches(VECTOR_BODY, VECTOR_KEY, f"sha256={VECTOR_HEX}")
    assert complaints.signature_matches(VECTOR_BODY, VECTOR_KEY, f"SHA256={VECTOR_HEX.upper()}")
    assert not complaints.signature_matches(VECTOR_BODY, VECTOR_KEY, VECTOR_HEX)
    assert not complaints.signature_matches(VECTOR_BODY, VECTOR_KEY, f"sha1={VECTOR_HEX}")
    assert not complaints.signature_matches(VECTOR_BODY + b".", VECTOR_KEY, f"sha256={VECTOR_HEX}")
    assert not complaints.signature_matches(VECTOR_BODY, "other", f"sha256={VECTOR_HEX}")


def test_bodies_must_be_json_objects() -> None:
    with pytest.raises(MalformedJson):
        parse_json_object(b'{"id": 1,')
    with pytest.raises(MalformedJson):
        parse_json_object(b'{"amount": NaN}')
    with pytest.raises(MalformedJson):
        parse_json_object(b"\xff\xfe")
    with pytest.raises(Invalid):
        parse_json_object(b"[1, 2]")
    assert parse_json_object(b'{"amount": 0.1}') == {"amount": Decimal("0.1")}


# -- orders ----------------------------------------------------------------------------------


def test_an_order_maps_to_careloop_with_lines_batches_and_customer() -> None:
    external_id, order = shopify.order_upsert(
        parsed(order_payload()), customer_source="shopify:wigs"
    )
    assert external_id == str(ORDER_ID)
    assert order.number == "#1001"
    assert order.currency == "USD"
    assert order.total_amount == Decimal("398.00")
    assert (order.country, order.region) == ("US", "KY")
    assert order.financial_status == "paid"
    assert order.placed_at == datetime(2026, 11, 1, 15, 15, tzinfo=UTC)
    assert [
        (x.external_id, x.sku, x.batch, x.quantity, x.unit_price) for x in order.line_items
    ] == [
        (str(LINE_A), "BW-LF-18", "B2611-07", 1, Decimal("199.00")),
        (str(LINE_B), "ST-BOB-12", "B2610-31", 1, Decimal("199.00")),
    ]
    assert order.customer is not None
    assert order.customer.source == "shopify:wigs"
    assert order.customer.external_id == "115310627314723954"
    assert (order.customer.email, order.customer.name) == ("jon@example.com", "Jon Doe")
    assert (order.customer.language, order.customer.country) == ("en", "US")
    assert order.shipments == []


def test_a_line_without_a_batch_property_or_sku() -> None:
    payload = order_payload()
    payload["line_items"][0].update(sku=None, properties=[])
    payload["line_items"][1].update(sku="", variant_id=None, properties=None)
    _, order = shopify.order_upsert(parsed(payload), customer_source="shopify:wigs")
    assert [(x.sku, x.batch) for x in order.line_items] == [
        ("variant-808950810", None),
        (f"line-{LINE_B}", None),
    ]


def test_fulfillments_become_shipments() -> None:
    payload = order_payload(
        fulfillments=[
            fulfillment(),
            fulfillment(id=2, shipment_status="delivered", tracking_company=None),
            fulfillment(id=3, status="cancelled"),
        ]
    )
    _, order = shopify.order_upsert(parsed(payload), customer_source="shopify:wigs")
    first, second = order.shipments
    assert (first.external_id, first.carrier, first.tracking_number) == (
        "255858046",
        "USPS",
        "1Z2345",
    )
    assert (first.status, first.destination_country, first.destination_region) == (
        ShipmentStatus.IN_TRANSIT,
        "US",
        "KY",
    )
    assert first.delivered_at is None
    assert (second.carrier, second.status) == ("unknown", ShipmentStatus.DELIVERED)
    assert second.delivered_at == datetime(2026, 11, 4, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "shipment_status, fulfillment_status, expected",
    [
        ("label_purchased", "success", ShipmentStatus.LABEL_CREATED),
        ("confirmed", "success", ShipmentStatus.LABEL_CREATED),
        ("in_transit", "success", ShipmentStatus.IN_TRANSIT),
        ("out_for_delivery", "success", ShipmentStatus.OUT_FOR_DELIVERY),
        ("attempted_delivery", "success", ShipmentStatus.OUT_FOR_DELIVERY),
        ("delivered", "success", ShipmentStatus.DELIVERED),
        ("FAILURE", "success", ShipmentStatus.EXCEPTION),
        (None, "success", ShipmentStatus.IN_TRANSIT),
        (None, "failure", ShipmentStatus.EXCEPTION),
    ],
)
def test_shipment_statuses(
    shipment_status: str | None, fulfillment_status: str, expected: ShipmentStatus
) -> None:
    assert shopify.shipment_status_of(shipment_status, fulfillment_status) == expected.value


@pytest.mark.parametrize(
    "change, field",
    [
        ({"id": True}, "id"),
        ({"id": "12ab"}, "id"),
        ({"total_price": "lots"}, "total_price"),
        ({"total_price": None}, "total_price"),
        ({"line_items": "BW-LF-18"}, "line_items"),
        ({"created_at": "yesterday", "processed_at": None}, "created_at"),
        ({"created_at": "2026-11-01T10:15:00", "processed_at": None}, "created_at"),
        ({"shipping_address": ["US"]}, "shipping_address"),
        ({"customer": "jon"}, "customer"),
    ],
)
def test_wrong_types_name_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as caught:
        shopify.order_upsert(parsed(order_payload(**change)), customer_source="s")
    assert caught.value.details == {"field": field}


def test_a_payload_that_does_not_fit_an_order_lists_the_problems() -> None:
    payload = order_payload(currency="EURO")
    payload["line_items"][0]["quantity"] = 0
    with pytest.raises(Invalid) as caught:
        shopify.order_upsert(parsed(payload), customer_source="s")
    locations = {tuple(d["loc"]) for d in caught.value.details}
    assert ("currency",) in locations
    assert ("line_items", "0", "quantity") in locations


def test_batch_property_names() -> None:
    assert shopify.batch_of([{"name": "_batch", "value": " B1 "}]) == "B1"
    assert shopify.batch_of([{"name": "Batch", "value": "B2"}]) == "B2"
    assert shopify.batch_of([{"name": "batch_no", "value": "B3"}]) is None
    assert shopify.batch_of(None) is None
    with pytest.raises(Invalid):
        shopify.batch_of({"batch": "B4"})
