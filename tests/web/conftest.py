"""Factories and helpers for the page tests: signing in through the login form, tickets, orders."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from careloop.accounts.tables import User
from careloop.clock import FakeClock
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.tickets import actions, commerce
from careloop.tickets.commerce_schemas import BrandCreate, OrderUpsert
from careloop.tickets.commerce_tables import Order
from careloop.tickets.schemas import TicketCreate
from careloop.tickets.tables import Ticket

PASSWORD = "correct horse battery"
ACTOR = Actor(user_id=None, label="test")
HTML = {"Accept": "text/html"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


@dataclass
class Browser:
    """A TestClient signed in as one user, with the session's CSRF token at hand."""

    client: TestClient
    csrf: str

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=HTML | kw.pop("headers", {}), **kw)

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        form = {"csrf_token": self.csrf, **(data or {})}
        kw.setdefault("follow_redirects", False)
        return self.client.post(url, data=form, headers=HTML | kw.pop("headers", {}), **kw)


@pytest.fixture
def sign_in(client: TestClient) -> Callable[[User], Browser]:
    """Sign in through the login form, as a person would."""

    def login(user: User, password: str = PASSWORD) -> Browser:
        page = client.get("/login")
        r = client.post(
            "/login",
            data={"email": user.email, "password": password, "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return Browser(client, csrf_of(client.get("/tickets", headers=HTML).text))

    return login


@pytest.fixture
def make_ticket(db: Database, clock: FakeClock) -> Callable[..., Ticket]:
    def make(**fields: Any) -> Ticket:
        fields.setdefault("subject", "Wig shedding after one wash")
        fields.setdefault("body", "Hair falls out when I brush it.")
        ticket, _ = actions.create_ticket(
            db, actor=ACTOR, now=clock.now(), data=TicketCreate.model_validate(fields)
        )
        clock.advance(timedelta(minutes=1))
        return ticket

    return make


@pytest.fixture
def make_brand(db: Database, clock: FakeClock) -> Callable[[str, str], int]:
    def make(code: str, name: str) -> int:
        data = BrandCreate(code=code, name=name)
        return commerce.create_brand(db, actor=ACTOR, now=clock.now(), data=data).id

    return make


@pytest.fixture
def make_order(db: Database, clock: FakeClock) -> Callable[..., Order]:
    """An order of a lace wig in euros, with a batch and a shipment, for a known customer."""
    counter = iter(range(1, 10_000))

    def make(**fields: Any) -> Order:
        n = next(counter)
        data: dict[str, Any] = {
            "number": f"#10{n:02d}",
            "currency": "EUR",
            "total_amount": Decimal("189.90"),
            "country": "FR",
            "placed_at": clock.now() - timedelta(days=3),
            "customer": {"email": f"amina{n}@example.com", "name": f"Amina Diallo {n}"},
            "line_items": [
                {
                    "sku": "LACE-18-NAT",
                    "title": "Lace front wig 18in",
                    "batch": "B2026-10-07",
                    "quantity": 1,
                    "unit_price": "189.90",
                }
            ],
            "shipments": [
                {
                    "carrier": "DHL",
                    "tracking_number": f"JD0146{n:04d}",
                    "status": "delivered",
                    "shipped_at": clock.now() - timedelta(days=2),
                    "delivered_at": clock.now() - timedelta(hours=20),
                }
            ],
        }
        data.update(fields)
        order, _ = commerce.upsert_order(
            db,
            actor=ACTOR,
            now=clock.now(),
            source="shopify",
            external_id=f"ord-{n}",
            data=OrderUpsert.model_validate(data),
        )
        return order

    return make


@pytest.fixture
def count_queries(db: Database) -> Callable[[], Any]:
    """A context manager collecting the SQL statements the engine runs inside it."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        seen: list[str] = []

        def before(_conn: Any, _cur: Any, statement: str, *_args: Any) -> None:
            if statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
                seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield seen
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting
