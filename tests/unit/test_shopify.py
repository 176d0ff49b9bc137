"""Shopify and complaint webhooks, the pure part: signatures and payload mapping.

The payload builders follow Shopify's documented REST webhook payloads (the samples of
https://shopify.dev/docs/api/webhooks for orders/create, refunds/create and returns/request) and
are shared with tests/api/test_hooks.py."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from careloop.errors import Invalid
from careloop.integrations import MalformedJson, complaints, parse_json_object, shopify
from careloop.tickets.model import Category, ShipmentStatus

ORDER_ID = 820982911946154508  # above 2**53: must survive as an exact id
LINE_A = 866550311766439020
LINE_B = 141249953214522974

# HMAC-SHA256 with key "key" over this message is a published test vector (RFC 4231 style,
# as quoted on Wikipedia's HMAC page); checking against it keeps `sign` honest.
VECTOR_KEY = "key"
VECTOR_BODY = b"The quick brown fox jumps over the lazy dog"
VECTOR_HEX = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"


def order_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": ORDER_ID,
        "admin_graphql_api_id": f"gid://shopify/Order/{ORDER_ID}",
        "name": "#1001",
        "order_number": 1001,
        "email": "jon@example.com",
        "created_at": "2026-11-01T10:15:00-05:00",
        "processed_at": "2026-11-01T10:15:00-05:00",
        "currency": "USD",
        "total_price": "398.00",
        "subtotal_price": "398.00",
        "financial_status": "paid",
        "fulfillment_status": None,
        "customer_locale": "en-US",
        "customer": {
            "id": 115310627314723954,
            "email": "jon@example.com",
            "first_name": "Jon",
            "last_name": "Doe",
            "phone": None,
            "default_address": {"country_code": "US", "province_code": "KY"},
        },
        "shipping_address": {
            "first_name": "Steve",
            "address1": "123 Shipping Street",
            "city": "Shippington",
            "province": "Kentucky",
            "province_code": "KY",
            "country": "United States",
            "country_code": "US",
            "zip": "40003",
        },
        "line_items": [
            {
                "id": LINE_A,
                "variant_id": 808950810,
                "title": "Body Wave Lace Front Wig",
                "quantity": 1,
                "price": "199.00",
                "sku": "BW-LF-18",
                "properties": [{"name": "_batch", "value": "B2611-07"}],
            },
            {
                "id": LINE_B,
                "variant_id": 808950811,
                "title": "Straight Bob Wig",
                "quantity": 1,
                "price": "199.00",
                "sku": "ST-BOB-12",
                "properties": [
                    {"name": "Gift note", "value": "Happy birthday"},
                    {"name": "batch", "value": "B2610-31"},
                ],
            },
        ],
        "fulfillments": [],
        "refunds": [],
    }
    payload.update(changes)
    return payload


def fulfillment(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": 255858046,
        "order_id": ORDER_ID,
        "status": "success",
        "created_at": "2026-11-02T08:00:00-05:00",
        "updated_at": "2026-11-04T12:00:00-05:00",
        "shipment_status": "in_transit",
        "tracking_company": "USPS",
        "tracking_number": "1Z2345",
        "tracking_numbers": ["1Z2345"],
    }
    item.update(changes)
    return item


def refund_payload(
    refund_id: int = 890088186047892319, *, note: str | None = "Hair sheds a lot", **changes: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": refund_id,
        "order_id": ORDER_ID,
        "created_at": "2026-11-05T09:00:00-05:00",
        "note": note,
        "user_id": 548380009,
        "processed_at": "2026-11-05T09:00:00-05:00",
        "restock": False,
        "duties": [],
        "return": None,
        "refund_shipping_lines": [],
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
        "order_adjustments": [],
        "refund_line_items": [
            {
                "id": 487817672276298627,
                "quantity": 1,
                "line_item_id": LINE_A,
                "location_id": None,
                "restock_type": "no_restock",
                "subtotal": Decimal("199.00"),
                "total_tax": Decimal("0.00"),
                "line_item": {"id": LINE_A, "sku": "BW-LF-18", "quantity": 1, "price": "199.00"},
            }
        ],
        "transactions": [
            {
                "id": 245135271310201194,
                "order_id": ORDER_ID,
                "kind": "refund",
                "gateway": "bogus",
                "status": "success",
                "amount": "199.00",
                "currency": "USD",
            }
        ],
    }
    payload.update(changes)
    return payload


def return_payload(
    return_id: int = 3547267221,
    *,
    reason: str | None = "size_too_small",
    status: str = "requested",
    line_id: int = LINE_A,
    return_line_id: int = 6200524949,
    note: str = "",
) -> dict[str, Any]:
    return {
        "id": return_id,
        "admin_graphql_api_id": f"gid://shopify/Return/{return_id}",
        "status": status,
        "order": {"id": ORDER_ID, "admin_graphql_api_id": f"gid://shopify/Order/{ORDER_ID}"},
        "total_return_line_items": 1,
        "name": "#1001-R1",
        "return_line_items": [
            {
                "id": return_line_id,
                "admin_graphql_api_id": f"gid://shopify/ReturnLineItem/{return_line_id}",
                "fulfillment_line_item": {
                    "id": 10736341352597,
                    "admin_graphql_api_id": "gid://shopify/FulfillmentLineItem/10736341352597",
                    "line_item": {
                        "id": line_id,
                        "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
                    },
                },
                "quantity": 1,
                "return_reason": reason,
                "return_reason_note": note,
                "customer_note": None,
            }
        ],
    }


def encode(payload: dict[str, Any]) -> bytes:
    """JSON as Shopify sends it; Decimals go out as JSON numbers, not text."""
    return json.dumps(payload, default=lambda d: float(d) if isinstance(d, Decimal) else d).encode()


def parsed(payload: dict[str, Any]) -> dict[str, Any]:
    return parse_json_object(encode(payload))


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


# -- refunds and returns ---------------------------------------------------------------------


def test_a_refund_counts_its_successful_refund_transactions() -> None:
    payload = refund_payload()
    payload["transactions"] += [
        {"kind": "refund", "status": "failure", "amount": "50.00", "currency": "USD"},
        {"kind": "refund", "status": "success", "amount": "10.50", "currency": "USD"},
        {"kind": "sale", "status": "success", "amount": "999.00", "currency": "USD"},
    ]
    refund = shopify.refund_of(parsed(payload))
    assert refund.order_external_id == str(ORDER_ID)
    assert refund.refund.external_id == "890088186047892319"
    assert refund.refund.amount == Decimal("209.50")
    assert refund.refund.currency == "USD"
    assert refund.refund.reason == refund.note == "Hair sheds a lot"
    assert refund.refund.created_at == datetime(2026, 11, 5, 14, 0, tzinfo=UTC)
    assert refund.line_external_ids == (str(LINE_A),)


def test_a_refund_without_note_or_transactions() -> None:
    refund = shopify.refund_of(parsed(refund_payload(note="  ", transactions=[])))
    assert refund.note is None
    assert refund.refund.amount == Decimal("0.00")
    assert refund.refund.currency is None


@pytest.mark.parametrize(
    "reason, category",
    [
        ("SIZE_TOO_SMALL", Category.SIZE_COLOR),
        ("size_too_large", Category.SIZE_COLOR),
        ("COLOR", Category.SIZE_COLOR),
        ("DEFECTIVE", Category.QUALITY),
        ("wrong_item", Category.WRONG_ITEM),
        ("NOT_AS_DESCRIBED", Category.NOT_AS_DESCRIBED),
        ("UNWANTED", Category.OTHER),
        ("other", Category.OTHER),
        ("something_new", Category.OTHER),
        (None, Category.OTHER),
    ],
)
def test_return_reasons_map_to_categories(reason: str | None, category: Category) -> None:
    assert shopify.category_for_return_reason(reason) == category


def test_a_return_request_maps_its_lines() -> None:
    ret = shopify.return_of(parsed(return_payload(reason="DEFECTIVE", note=" Lace torn ")))
    assert (ret.return_id, ret.name, ret.order_external_id, ret.status) == (
        "3547267221",
        "#1001-R1",
        str(ORDER_ID),
        "requested",
    )
    (line,) = ret.lines
    assert (line.external_id, line.line_item_external_id, line.quantity) == (
        "6200524949",
        str(LINE_A),
        1,
    )
    assert (line.reason, line.note) == ("defective", "Lace torn")
    assert shopify.has_reason(line)
    rows = shopify.return_rows(
        ret, created_at=datetime(2026, 11, 6, tzinfo=UTC), known_line_ids=frozenset()
    )
    assert rows[0].line_item_external_id is None  # careloop never saw that line
    assert (rows[0].reason, rows[0].status) == ("defective", "requested")


def test_a_return_without_a_reason() -> None:
    (line,) = shopify.return_of(parsed(return_payload(reason="unknown"))).lines
    assert not shopify.has_reason(line)
    (line,) = shopify.return_of(parsed(return_payload(reason=None))).lines
    assert not shopify.has_reason(line)


def test_a_return_needs_its_order_and_lines() -> None:
    payload = return_payload()
    del payload["order"]
    with pytest.raises(Invalid) as caught:
        shopify.return_of(parsed(payload))
    assert caught.value.details == {"field": "order"}
    payload = copy.deepcopy(return_payload())
    payload["return_line_items"] = []
    with pytest.raises(Invalid):
        shopify.return_of(parsed(payload))
