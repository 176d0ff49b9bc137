"""The generic complaint webhook through a real HTTP server: signed deliveries open tickets,
replays return them, and every refusal writes nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from careloop.app import create_app
from careloop.clock import FakeClock
from careloop.config import Settings
from careloop.integrations import complaints
from careloop.storage.engine import Database
from careloop.workforce import attendance
from tests.api.hooks_support import counts
from tests.factories import ACTOR, make_agent, make_shift

# -- the generic complaint webhook -----------------------------------------------------------

COMPLAINT = {
    "subject": "Wig arrived tangled",
    "body": "The curls were matted when I opened the box.",
    "category": "quality",
    "language": "en",
    "customer": {"email": "ada@example.com", "name": "Ada"},
    "tags": ["marketplace"],
}


def post_complaint(
    http: httpx.Client | TestClient,
    payload: dict[str, Any] | bytes,
    *,
    delivery: str | None = "dlv-0001",
    secret: str = "complaint-webhook-secret-for-tests",
) -> httpx.Response:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Careloop-Signature": complaints.sign(raw, secret),
    }
    if delivery is not None:
        headers["X-Careloop-Delivery"] = delivery
    return http.post("/hooks/complaints", content=raw, headers=headers)


def test_a_signed_complaint_opens_a_ticket_and_its_replay_returns_it(
    http: httpx.Client, db: Database
) -> None:
    r = post_complaint(http, COMPLAINT)
    assert r.status_code == 201, r.text
    ticket = r.json()
    assert (ticket["subject"], ticket["category"], ticket["status"]) == (
        "Wig arrived tangled",
        "quality",
        "new",
    )
    assert ticket["source"] == "webhook" and ticket["tags"] == ["marketplace"]
    before = counts(db)
    again = post_complaint(http, COMPLAINT)
    assert again.status_code == 200, again.text
    assert again.json() == ticket
    assert counts(db) == before
    other_body = post_complaint(http, {**COMPLAINT, "subject": "Something else"})
    assert other_body.status_code == 409
    assert counts(db) == before


def test_a_badly_signed_complaint_is_401_and_writes_nothing(
    http: httpx.Client, db: Database
) -> None:
    before = counts(db)
    r = post_complaint(http, COMPLAINT, secret="wrong-secret")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "bad_signature"
    raw = json.dumps(COMPLAINT).encode()
    r = http.post("/hooks/complaints", content=raw, headers={"X-Careloop-Delivery": "d"})
    assert r.status_code == 401
    assert counts(db) == before


def test_complaint_input_errors(http: httpx.Client, db: Database) -> None:
    before = counts(db)
    assert post_complaint(http, COMPLAINT, delivery=None).status_code == 400
    assert post_complaint(http, b'{"subject": "x",').status_code == 400
    r = post_complaint(http, {**COMPLAINT, "category": "rude"})
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["loc"] == ["category"]
    r = post_complaint(http, {**COMPLAINT, "priority": ["high"], "surprise": 1})
    assert r.status_code == 422
    assert counts(db) == before


def test_the_complaint_webhook_is_off_without_a_secret(
    settings: Settings, db: Database, clock: FakeClock
) -> None:
    app = create_app(replace(settings, complaint_webhook_secret=None), db=db, clock=clock)
    with TestClient(app) as client:
        r = post_complaint(client, COMPLAINT)
    assert r.status_code == 404
    assert counts(db)["tickets"] == 0


def test_a_complaint_is_offered_to_the_agents_on_duty(
    http: httpx.Client, db: Database, clock: FakeClock
) -> None:
    """A webhook ticket is routed like an API one: it comes back with the agent on duty."""
    agent = make_agent(db, clock, languages=("en",))
    make_shift(
        db, clock, agent.id, clock.now() - timedelta(hours=1), clock.now() + timedelta(hours=7)
    )
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    r = post_complaint(http, COMPLAINT)
    assert r.status_code == 201, r.text
    assert r.json()["assignee_id"] == agent.id
    replay = post_complaint(http, COMPLAINT)
    assert (replay.status_code, replay.json()["assignee_id"]) == (200, agent.id)
