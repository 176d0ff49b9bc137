"""Shopify webhook payloads for the tests, following Shopify's documented REST webhook payloads
(the samples of https://shopify.dev/docs/api/webhooks for orders/create, refunds/create and
returns/request); shared by the unit tests of the mapping (tests/unit/test_shopify*.py) and the
webhook tests through HTTP (tests/api/test_hooks*.py)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from careloop.integrations import parse_json_object

ORDER_ID = 820982911946154508  # above 2**53: must survive as an exact id
LINE_A = 866550311766439020
LINE_B = 141249953214522974


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
