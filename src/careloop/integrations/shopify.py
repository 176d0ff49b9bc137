"""Shopify webhooks, pure: check a delivery's signature and turn its payload into careloop data.

Formats followed, as Shopify documents them:
- headers (X-Shopify-Topic, -Hmac-Sha256, -Shop-Domain, -Webhook-Id, -Event-Id, -Triggered-At)
  and the signature (base64 HMAC-SHA256 of the raw body, keyed with the shop's secret):
  https://shopify.dev/docs/apps/build/webhooks/delivery-structure and
  https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates
- payloads are the REST resources of https://shopify.dev/docs/api/webhooks: an Order for
  orders/create and orders/updated, a Refund for refunds/create, a Return (with `order` and
  `return_line_items`) for returns/request and returns/approve.
- return reasons are the ReturnReason enum (COLOR, DEFECTIVE, NOT_AS_DESCRIBED, OTHER,
  SIZE_TOO_LARGE, SIZE_TOO_SMALL, STYLE, UNKNOWN, UNWANTED, WRONG_ITEM); webhooks send them in
  lower case, and both spellings are accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from careloop import validation
from careloop.errors import Invalid
from careloop.integrations import (
    as_id,
    as_instant,
    as_int,
    as_list,
    as_money,
    as_object,
    as_text,
    opt_id,
    opt_instant,
    opt_object,
    validated,
)
from careloop.tickets.commerce_schemas import OrderUpsert, RefundIn, ReturnIn
from careloop.tickets.model import Category, ShipmentStatus

SOURCE = "shopify"


def shop_source(domain: str, shop_id: int) -> str:
    """Each shop is its own source of order and customer ids: one shop's webhook can never
    touch another shop's orders, whatever ids it sends."""
    source = f"{SOURCE}:{domain.strip().lower().removesuffix('.myshopify.com')}"
    return source if len(source) <= 60 else f"{SOURCE}:shop-{shop_id}"


ORDER_TOPICS = frozenset({"orders/create", "orders/updated"})
REFUND_TOPICS = frozenset({"refunds/create"})
RETURN_TOPICS = frozenset({"returns/request", "returns/approve"})
TOPICS = ORDER_TOPICS | REFUND_TOPICS | RETURN_TOPICS
BATCH_PROPERTIES = frozenset({"batch", "_batch"})

_RETURN_CATEGORIES = {
    "size_too_small": Category.SIZE_COLOR,
    "size_too_large": Category.SIZE_COLOR,
    "color": Category.SIZE_COLOR,
    # Style (curl, length, cut) is a matter of the product's look, like its colour.
    "style": Category.SIZE_COLOR,
    "defective": Category.QUALITY,
    "wrong_item": Category.WRONG_ITEM,
    "not_as_described": Category.NOT_AS_DESCRIBED,
    "unwanted": Category.OTHER,
    "other": Category.OTHER,
    "unknown": Category.OTHER,
}

_SHIPMENT_STATUSES = {
    "label_printed": ShipmentStatus.LABEL_CREATED,
    "label_purchased": ShipmentStatus.LABEL_CREATED,
    "confirmed": ShipmentStatus.LABEL_CREATED,
    "carrier_picked_up": ShipmentStatus.IN_TRANSIT,
    "in_transit": ShipmentStatus.IN_TRANSIT,
    "delayed": ShipmentStatus.IN_TRANSIT,
    "out_for_delivery": ShipmentStatus.OUT_FOR_DELIVERY,
    "attempted_delivery": ShipmentStatus.OUT_FOR_DELIVERY,
    "ready_for_pickup": ShipmentStatus.OUT_FOR_DELIVERY,
    "delivered": ShipmentStatus.DELIVERED,
    "picked_up": ShipmentStatus.DELIVERED,
    "failure": ShipmentStatus.EXCEPTION,
}


# -- signatures ------------------------------------------------------------------------------


def sign(body: bytes, secret: str) -> str:
    """What Shopify sends in X-Shopify-Hmac-Sha256 for this body."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(body: bytes, secret: str, header: str | None) -> bool:
    """True when the header is the signature of exactly these bytes (constant-time compare)."""
    if not header:
        return False
    return hmac.compare_digest(sign(body, secret).encode("ascii"), header.strip().encode("utf-8"))


# -- orders ----------------------------------------------------------------------------------


def batch_of(properties: Any, path: str = "properties") -> str | None:
    """The production batch, from a line item property named `batch` or `_batch`."""
    for index, raw in enumerate(as_list(properties, path)):
        prop = as_object(raw, f"{path}[{index}]")
        name = as_text(prop.get("name"), f"{path}[{index}].name")
        if name is not None and name.lower() in BATCH_PROPERTIES:
            value = prop.get("value")
            return as_text(value, f"{path}[{index}].value")
    return None


def shipment_status_of(shipment_status: str | None, fulfillment_status: str | None) -> str:
    """careloop's shipment status from a fulfillment's carrier status (or, before the carrier
    reports anything, from the fulfillment's own status)."""
    if shipment_status:
        return _SHIPMENT_STATUSES.get(shipment_status.lower(), ShipmentStatus.IN_TRANSIT).value
    if fulfillment_status in {"failure", "error"}:
        return ShipmentStatus.EXCEPTION.value
    return ShipmentStatus.IN_TRANSIT.value


def _line(raw: Any, path: str) -> dict[str, Any]:
    item = as_object(raw, path)
    line_id = as_id(item.get("id"), f"{path}.id")
    variant = opt_id(item.get("variant_id"), f"{path}.variant_id")
    sku = as_text(item.get("sku"), f"{path}.sku")
    return {
        "external_id": line_id,
        # A product without a SKU is still a product: name it by its variant (or the line).
        "sku": sku or (f"variant-{variant}" if variant else f"line-{line_id}"),
        "title": as_text(item.get("title"), f"{path}.title", 300)
        or as_text(item.get("name"), f"{path}.name", 300),
        "batch": batch_of(item.get("properties"), f"{path}.properties"),
        "quantity": as_int(item.get("quantity"), f"{path}.quantity"),
        "unit_price": as_money(item.get("price"), f"{path}.price"),
    }


def _shipment(
    raw: Any, path: str, country: str | None, region: str | None
) -> dict[str, Any] | None:
    item = as_object(raw, path)
    status = as_text(item.get("status"), f"{path}.status")
    if status == "cancelled":
        return None
    tracking = as_text(item.get("tracking_number"), f"{path}.tracking_number", 100)
    if tracking is None:
        numbers = as_list(item.get("tracking_numbers"), f"{path}.tracking_numbers")
        tracking = as_text(numbers[0], f"{path}.tracking_numbers[0]", 100) if numbers else None
    shipment_status = shipment_status_of(
        as_text(item.get("shipment_status"), f"{path}.shipment_status"), status
    )
    delivered = shipment_status == ShipmentStatus.DELIVERED.value
    carrier = as_text(item.get("tracking_company"), f"{path}.tracking_company", 60)
    return {
        "external_id": as_id(item.get("id"), f"{path}.id"),
        "carrier": carrier or "unknown",
        "tracking_number": tracking,
        "destination_country": country,
        "destination_region": region,
        "status": shipment_status,
        "shipped_at": opt_instant(item.get("created_at"), f"{path}.created_at"),
        "delivered_at": opt_instant(item.get("updated_at"), f"{path}.updated_at")
        if delivered
        else None,
    }


def _country(value: Any, path: str) -> str | None:
    code = as_text(value, path)
    return code.upper() if code and validation.is_country(code.upper()) else None


def _is_email(value: str) -> bool:
    try:
        validation.email(value)
    except Invalid:
        return False
    return True


def _customer(order: Mapping[str, Any], source: str) -> dict[str, Any] | None:
    raw = order.get("customer")
    if raw is None:
        return None
    customer = as_object(raw, "customer")
    customer_id = opt_id(customer.get("id"), "customer.id")
    email = as_text(customer.get("email"), "customer.email") or as_text(order.get("email"), "email")
    if email is not None and not _is_email(email):
        email = None
    if customer_id is None and email is None:
        return None
    name = " ".join(
        part
        for part in (
            as_text(customer.get("first_name"), "customer.first_name"),
            as_text(customer.get("last_name"), "customer.last_name"),
        )
        if part
    )
    locale = as_text(order.get("customer_locale"), "customer_locale") or ""
    language = locale.split("-")[0].lower()
    address = opt_object(customer.get("default_address"), "customer.default_address")
    ref: dict[str, Any] = {
        "email": email,
        "name": name[:200] or None,
        "phone": as_text(customer.get("phone"), "customer.phone", 40),
        "country": _country(address.get("country_code"), "customer.default_address.country_code"),
        "language": language if validation.is_language(language) else None,
    }
    if customer_id is not None:
        ref |= {"source": source, "external_id": customer_id}
    return {k: v for k, v in ref.items() if v is not None}


def order_upsert(payload: Mapping[str, Any], *, customer_source: str) -> tuple[str, OrderUpsert]:
    """An orders/create or orders/updated payload as (Shopify order id, careloop order)."""
    order_id = as_id(payload.get("id"), "id")
    address = opt_object(payload.get("shipping_address"), "shipping_address")
    country = _country(address.get("country_code"), "shipping_address.country_code")
    region = as_text(address.get("province_code"), "shipping_address.province_code", 60)
    placed = payload.get("processed_at") or payload.get("created_at")
    shipments = [
        _shipment(raw, f"fulfillments[{i}]", country, region)
        for i, raw in enumerate(as_list(payload.get("fulfillments"), "fulfillments"))
    ]
    data = {
        "number": as_text(payload.get("name"), "name", 60)
        or as_text(payload.get("order_number"), "order_number")
        or order_id,
        "customer": _customer(payload, customer_source),
        "currency": as_text(payload.get("currency"), "currency"),
        "total_amount": as_money(payload.get("total_price"), "total_price"),
        "country": country,
        "region": region,
        "financial_status": as_text(payload.get("financial_status"), "financial_status", 30),
        "placed_at": as_instant(placed, "created_at"),
        "line_items": [
            _line(raw, f"line_items[{i}]")
            for i, raw in enumerate(as_list(payload.get("line_items"), "line_items"))
        ],
        "shipments": [s for s in shipments if s is not None],
    }
    return order_id, validated(OrderUpsert, data, "the Shopify order")


# -- refunds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShopifyRefund:
    """A refunds/create payload: the refund as careloop data, the refunded lines, the note."""

    order_external_id: str
    refund: RefundIn
    line_external_ids: tuple[str, ...]
    note: str | None


def refund_of(payload: Mapping[str, Any]) -> ShopifyRefund:
    """The refund's amount is what its successful refund transactions moved."""
    refund_id = as_id(payload.get("id"), "id")
    order_id = as_id(payload.get("order_id"), "order_id")
    amount = Decimal("0.00")
    currency = None
    for i, raw in enumerate(as_list(payload.get("transactions"), "transactions")):
        tx = as_object(raw, f"transactions[{i}]")
        kind = as_text(tx.get("kind"), f"transactions[{i}].kind")
        status = as_text(tx.get("status"), f"transactions[{i}].status")
        if kind != "refund" or status not in (None, "success"):
            continue
        amount += as_money(tx.get("amount"), f"transactions[{i}].amount")
        currency = currency or as_text(tx.get("currency"), f"transactions[{i}].currency")
    lines = []
    for i, raw in enumerate(as_list(payload.get("refund_line_items"), "refund_line_items")):
        item = as_object(raw, f"refund_line_items[{i}]")
        line_id = opt_id(item.get("line_item_id"), f"refund_line_items[{i}].line_item_id")
        if line_id is not None:
            lines.append(line_id)
    note = as_text(payload.get("note"), "note", 10_000)
    created = payload.get("created_at") or payload.get("processed_at")
    refund = validated(
        RefundIn,
        {
            "external_id": refund_id,
            "reason": note[:2000] if note else None,
            "amount": amount,
            "currency": currency,
            "created_at": as_instant(created, "created_at"),
        },
        "the Shopify refund",
    )
    return ShopifyRefund(order_id, refund, tuple(lines), note)


# -- returns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnLine:
    external_id: str
    line_item_external_id: str | None
    quantity: int
    reason: str | None  # Shopify's ReturnReason, lower case
    note: str | None  # the reason note and the customer's note


@dataclass(frozen=True)
class ShopifyReturn:
    return_id: str
    name: str | None
    order_external_id: str
    status: str
    lines: tuple[ReturnLine, ...]


def category_for_return_reason(reason: str | None) -> Category:
    return _RETURN_CATEGORIES.get((reason or "").lower(), Category.OTHER)


def has_reason(line: ReturnLine) -> bool:
    """A line says why it comes back: a reason other than UNKNOWN, or a note."""
    return (line.reason not in (None, "unknown")) or line.note is not None


def return_of(payload: Mapping[str, Any]) -> ShopifyReturn:
    return_id = as_id(payload.get("id"), "id")
    order = as_object(payload.get("order"), "order")
    lines = []
    for i, raw in enumerate(as_list(payload.get("return_line_items"), "return_line_items")):
        path = f"return_line_items[{i}]"
        item = as_object(raw, path)
        fulfilled = opt_object(item.get("fulfillment_line_item"), f"{path}.fulfillment_line_item")
        line = opt_object(fulfilled.get("line_item"), f"{path}.fulfillment_line_item.line_item")
        notes = [
            as_text(item.get("return_reason_note"), f"{path}.return_reason_note", 1000),
            as_text(item.get("customer_note"), f"{path}.customer_note", 1000),
        ]
        reason = as_text(item.get("return_reason"), f"{path}.return_reason", 60)
        lines.append(
            ReturnLine(
                external_id=as_id(item.get("id"), f"{path}.id"),
                line_item_external_id=opt_id(
                    line.get("id"), f"{path}.fulfillment_line_item.line_item.id"
                ),
                quantity=as_int(item.get("quantity"), f"{path}.quantity"),
                reason=reason.lower() if reason else None,
                note="\n".join(n for n in notes if n) or None,
            )
        )
    if not lines:
        raise Invalid("a return needs return_line_items", {"field": "return_line_items"})
    return ShopifyReturn(
        return_id=return_id,
        name=as_text(payload.get("name"), "name", 60),
        order_external_id=as_id(order.get("id"), "order.id"),
        status=(as_text(payload.get("status"), "status", 30) or "requested").lower(),
        lines=tuple(lines),
    )


def return_rows(
    ret: ShopifyReturn, *, created_at: datetime, known_line_ids: frozenset[str]
) -> list[ReturnIn]:
    """One careloop return per return line; a line item careloop never saw is left unlinked."""
    return [
        validated(
            ReturnIn,
            {
                "external_id": line.external_id,
                "line_item_external_id": line.line_item_external_id
                if line.line_item_external_id in known_line_ids
                else None,
                "quantity": line.quantity,
                "reason": line.reason,
                "note": line.note,
                "status": ret.status,
                "created_at": created_at,
            },
            "the Shopify return",
        )
        for line in ret.lines
    ]
