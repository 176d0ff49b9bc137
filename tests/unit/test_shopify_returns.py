"""Shopify webhooks, the pure part: the mapping of refunds and returns (amounts, notes, lines and
return reasons as ticket categories)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from careloop.errors import Invalid
from careloop.integrations import shopify
from careloop.tickets.model import Category
from tests.shopify_payloads import LINE_A, ORDER_ID, parsed, refund_payload, return_payload

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
