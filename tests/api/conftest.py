"""Fixtures of the API tests: an HTTP client of the live server, and a Shopify shop with a
`deliver` that posts signed deliveries to it (the webhook tests)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from careloop.clock import FakeClock
from careloop.integrations import shopify
from careloop.storage.engine import Database
from careloop.tickets import commerce
from careloop.tickets.commerce_schemas import BrandCreate
from careloop.tickets.commerce_tables import Brand, Shop
from tests.api.hooks_support import DOMAIN, SECRET, Post
from tests.conftest import TEST_ACTOR, LiveServer
from tests.shopify_payloads import encode


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        yield client


@pytest.fixture
def brand(db: Database, clock: FakeClock) -> Brand:
    return commerce.create_brand(
        db, actor=TEST_ACTOR, now=clock.now(), data=BrandCreate(code="silk", name="Silk Crown")
    )


@pytest.fixture
def shop(db: Database, clock: FakeClock, brand: Brand) -> Shop:
    return commerce.create_shop(
        db, actor=TEST_ACTOR, now=clock.now(), brand_code=brand.code, domain=DOMAIN, secret=SECRET
    )


@pytest.fixture
def deliver(http: httpx.Client, shop: Shop) -> Post:
    """POST a delivery as Shopify does: signed body, shop domain, topic and ids in headers."""
    counter = iter(range(1, 1000))

    def post(
        topic: str,
        payload: dict[str, Any] | None = None,
        *,
        body: bytes | None = None,
        webhook_id: str | None = None,
        secret: str = SECRET,
        headers: dict[str, str | None] | None = None,
    ) -> httpx.Response:
        raw = encode(payload or {}) if body is None else body
        sent: dict[str, str | None] = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": shopify.sign(raw, secret),
            "X-Shopify-Shop-Domain": DOMAIN,
            "X-Shopify-API-Version": "2025-10",
            "X-Shopify-Webhook-Id": webhook_id or f"b54557e4-{next(counter):04d}",
            "X-Shopify-Triggered-At": "2026-11-06T10:00:00.123456789Z",
        }
        sent.update(headers or {})
        return http.post(
            "/hooks/shopify", content=raw, headers={k: v for k, v in sent.items() if v is not None}
        )

    return post
