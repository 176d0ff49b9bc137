"""Signed Shopify webhooks through a real HTTP server (uvicorn on loopback): every refusal (bad
signature, unknown shop, missing headers, malformed bodies, unsupported topics) writes nothing,
replays and concurrent copies are taken in once, and a shop added with the CLI is heard."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from typer.testing import CliRunner

from careloop.cli import app as cli
from careloop.integrations import shopify
from careloop.storage.engine import Database
from careloop.tickets.commerce_tables import Brand
from tests.api.hooks_support import SECRET, Post, counts, the_order, tickets
from tests.shopify_payloads import encode, order_payload, refund_payload

# -- refusals and replays --------------------------------------------------------------------


def test_a_bad_signature_is_401_and_writes_nothing(deliver: Post, db: Database) -> None:
    before = counts(db)
    r = deliver("orders/create", order_payload(), secret="not-the-shops-secret-at-all")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "bad_signature"
    raw = encode(order_payload())
    tampered = raw.replace(b'"398.00"', b'"1.00"')
    r = deliver(
        "orders/create",
        body=tampered,
        headers={"X-Shopify-Hmac-Sha256": shopify.sign(raw, SECRET)},
    )
    assert r.status_code == 401
    assert set(r.json()["error"]) == {"code", "message", "details"}
    assert counts(db) == before


def test_an_unknown_shop_is_401_and_writes_nothing(deliver: Post, db: Database) -> None:
    before = counts(db)
    r = deliver(
        "orders/create", order_payload(), headers={"X-Shopify-Shop-Domain": "x.myshopify.com"}
    )
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unknown_sender"
    assert counts(db) == before


def test_a_replayed_webhook_id_answers_200_and_writes_nothing(deliver: Post, db: Database) -> None:
    deliver("orders/create", order_payload())
    first = deliver("refunds/create", refund_payload(), webhook_id="d3f0-refund-1")
    assert first.status_code == 200 and first.json()["ticket_created"] is True
    before = counts(db)
    again = deliver("refunds/create", refund_payload(), webhook_id="d3f0-refund-1")
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "duplicate"
    assert counts(db) == before


def test_the_same_event_through_a_second_subscription_is_a_replay(
    deliver: Post, db: Database
) -> None:
    event = {"X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5"}
    assert deliver("orders/create", order_payload(), headers=event).status_code == 200
    before = counts(db)
    r = deliver("orders/create", order_payload(), headers=event)
    assert r.status_code == 200 and r.json()["status"] == "duplicate"
    assert counts(db) == before
    # The same merchant action reaching another topic is news for that topic.
    r = deliver("orders/updated", order_payload(financial_status="refunded"), headers=event)
    assert r.json()["status"] == "processed"
    assert the_order(db).financial_status == "refunded"


def test_malformed_json_is_400_and_wrong_types_422_and_neither_writes(
    deliver: Post, db: Database
) -> None:
    before = counts(db)
    r = deliver("orders/create", body=b'{"id": 820982911946154508, "name": ')
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "malformed_json"
    r = deliver("orders/create", body=b"[]")
    assert r.status_code == 422
    r = deliver("orders/create", order_payload(line_items="BW-LF-18"))
    assert r.status_code == 422
    assert r.json()["error"]["details"] == {"field": "line_items"}
    bad_line = order_payload()
    bad_line["line_items"][0]["quantity"] = "one"
    r = deliver("orders/create", bad_line)
    assert r.status_code == 422
    assert r.json()["error"]["details"] == {"field": "line_items[0].quantity"}
    r = deliver("orders/create", order_payload(currency="EURO"))
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["loc"] == ["currency"]
    assert counts(db) == before


@pytest.mark.parametrize(
    "header, status, code",
    [
        ("X-Shopify-Hmac-Sha256", 401, "unauthenticated"),
        ("X-Shopify-Shop-Domain", 401, "unauthenticated"),
        ("X-Shopify-Topic", 400, "missing_header"),
        ("X-Shopify-Webhook-Id", 400, "missing_header"),
    ],
)
def test_missing_headers(deliver: Post, db: Database, header: str, status: int, code: str) -> None:
    before = counts(db)
    r = deliver("orders/create", order_payload(), headers={header: None})
    assert r.status_code == status
    assert r.json()["error"]["code"] == code
    assert counts(db) == before


def test_an_unsupported_topic_is_400(deliver: Post, db: Database) -> None:
    before = counts(db)
    r = deliver("products/update", {"id": 1})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "unsupported_topic"
    assert counts(db) == before


# -- configuring a shop ----------------------------------------------------------------------


def test_a_shop_added_with_the_cli_takes_in_its_webhooks(
    database_url: str, brand: Brand, http: httpx.Client, db: Database
) -> None:
    runner = CliRunner()
    args = ["shop", "add", "--brand", "silk", "--database-url", database_url]
    result = runner.invoke(cli, [*args, "--domain", "Aurora.myshopify.com", "--secret", SECRET])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, [*args, "--domain", "aurora.example.com", "--secret", SECRET])
    assert result.exit_code != 0
    result = runner.invoke(cli, [*args, "--domain", "b.myshopify.com", "--secret", "short"])
    assert result.exit_code != 0
    raw = encode(order_payload())
    r = http.post(
        "/hooks/shopify",
        content=raw,
        headers={
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": shopify.sign(raw, SECRET),
            "X-Shopify-Shop-Domain": "aurora.myshopify.com",
            "X-Shopify-Webhook-Id": "first",
        },
    )
    assert r.status_code == 200, r.text
    assert the_order(db).brand_id == brand.id


def test_copies_of_one_delivery_arriving_together_are_taken_in_once(
    deliver: Post, db: Database
) -> None:
    deliver("orders/create", order_payload())
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(
            pool.map(
                lambda _: deliver("refunds/create", refund_payload(), webhook_id="same-one"),
                range(4),
            )
        )
    assert [r.status_code for r in answers] == [200] * 4, [r.text for r in answers]
    assert sorted(r.json()["status"] for r in answers) == ["duplicate"] * 3 + ["processed"]
    assert len(tickets(db)) == 1 and len(the_order(db).refunds) == 1
