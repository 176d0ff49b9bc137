"""Test data builders: each test makes what it needs, nothing is shared between tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from careloop.clock import FakeClock
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.tickets import commerce
from careloop.tickets.commerce_schemas import BrandCreate, OrderUpsert
from careloop.tickets.commerce_tables import Brand, Order
from careloop.workforce import actions
from careloop.workforce.model import ShiftStatus
from careloop.workforce.tables import Agent, Shift

ACTOR = Actor(user_id=None, label="factory")


def ticket_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "subject": "The lace is tearing after one wash",
        "body": "I bought the 16 inch body wave wig and the lace tore on the first wash.",
        "channel": "email",
        "category": "quality",
        "priority": "normal",
        "language": "en",
        "country": "US",
        "customer": {"email": "amara@example.com", "name": "Amara Obi", "country": "US"},
        "tags": ["lace"],
    }
    payload.update(overrides)
    return payload


def make_brand(db: Database, clock: FakeClock, code: str = "luxe", *, b2b: bool = False) -> Brand:
    return commerce.create_brand(
        db, actor=ACTOR, now=clock.now(), data=BrandCreate(code=code, name=code.title(), is_b2b=b2b)
    )


def order_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "number": "#1001",
        "currency": "USD",
        "total_amount": "189.00",
        "country": "US",
        "region": "TX",
        "placed_at": datetime(2026, 10, 20, 15, 0, tzinfo=UTC).isoformat(),
        "customer": {
            "email": "amara@example.com",
            "name": "Amara Obi",
            "source": "shop",
            "external_id": "c-1",
        },
        "line_items": [
            {
                "external_id": "li-1",
                "sku": "WIG-BW-16-NAT",
                "batch": "B2610-02",
                "quantity": 1,
                "unit_price": "159.00",
            },
            {"external_id": "li-2", "sku": "CAP-MESH-M", "quantity": 2, "unit_price": "15.00"},
        ],
        "shipments": [
            {
                "carrier": "UPS",
                "tracking_number": "1Z999",
                "destination_country": "US",
                "destination_region": "TX",
                "status": "in_transit",
            }
        ],
    }
    payload.update(overrides)
    return payload


def make_order(db: Database, clock: FakeClock, external_id: str = "o-1", **overrides: Any) -> Order:
    order, _ = commerce.upsert_order(
        db,
        actor=ACTOR,
        now=clock.now(),
        source="shop",
        external_id=external_id,
        data=OrderUpsert.model_validate(order_payload(**overrides)),
    )
    return order


def money(value: str) -> Decimal:
    return Decimal(value)


_agent_counter = iter(range(1, 1_000_000))


def make_agent(
    db: Database,
    clock: FakeClock,
    *,
    name: str | None = None,
    languages: tuple[str, ...] = ("en",),
    skills: tuple[str, ...] = (),
    timezone: str = "Europe/Berlin",
    capacity: int = 5,
    team: str | None = None,
) -> Agent:
    """An agent (a user with the agent role and its working profile)."""
    n = next(_agent_counter)
    return actions.create_agent(
        db,
        actor=ACTOR,
        now=clock.now(),
        name=name or f"Agent {n}",
        email=f"agent{n}-{id(db)}@careloop.example",
        profile=actions.AgentProfile.checked(
            languages=languages, skills=skills, timezone=timezone, capacity=capacity
        ),
        team=team,
    )


def make_shift(
    db: Database,
    clock: FakeClock,
    agent_id: int,
    starts_at: datetime,
    ends_at: datetime,
    *,
    status: ShiftStatus = ShiftStatus.PUBLISHED,
) -> Shift:
    return actions.create_shift(
        db,
        actor=ACTOR,
        now=clock.now(),
        agent_id=agent_id,
        starts_at=starts_at,
        ends_at=ends_at,
        status=status,
    )
