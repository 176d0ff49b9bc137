"""Group routing in the request: concurrent POST /api/v1/tickets hand their tickets to the
process's router thread, which routes everything pending as one batch; each request still
answers with its `assignee_id`, each ticket is assigned once, and a request that waits too
long answers with its ticket queued, which the router assigns all the same."""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.accounts.model import Role
from careloop.app import create_app
from careloop.clock import SystemClock
from careloop.routing import actions
from careloop.routing.dispatch import Dispatcher
from careloop.storage.audit import AuditEntry
from tests.factories import ticket_payload
from tests.integration.test_routing import on_duty_agent, stored

REQUESTS = 12


@pytest.fixture
def router(app, live_server):
    """The app's router with its thread running (an app on a FakeClock starts none)."""
    dispatcher: Dispatcher = app.state.router
    dispatcher.wait = 10.0  # generous: these tests are about grouping, not time
    dispatcher.start()
    yield dispatcher
    dispatcher.stop()


def hold_first_batch_until(router: Dispatcher, monkeypatch, count: int) -> None:
    """Keep the router's first batch from starting until `count` tickets in all have been
    handed in, so the rest are pending together (the pile-up a busy server has)."""
    route_new = actions.route_new
    first = threading.Event()

    def held(db, *, tickets, now, policy=None, snapshot=None):
        if not first.is_set():
            first.set()
            deadline = time.monotonic() + 10
            while len(tickets) + router.pending < count and time.monotonic() < deadline:
                time.sleep(0.01)
        return route_new(db, tickets=tickets, now=now, policy=policy, snapshot=snapshot)

    monkeypatch.setattr(actions, "route_new", held)


def post_concurrently(url: str, headers: dict[str, str], count: int) -> list[httpx.Response]:
    responses: list[httpx.Response] = []
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def post(n: int) -> None:
        try:
            with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
                start.wait()
                payload = ticket_payload(subject=f"concurrent {n}")
                payload.pop("customer")  # concurrent intakes of one customer are not the point
                responses.append(http.post("/api/v1/tickets", json=payload))
        except BaseException as exc:  # reported on the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return responses


def test_concurrent_requests_are_routed_together_and_each_answers_assigned(
    db, clock, auth, live_server, router, monkeypatch
):
    agents = {on_duty_agent(db, clock, capacity=5).id for _ in range(3)}
    hold_first_batch_until(router, monkeypatch, REQUESTS)

    responses = post_concurrently(live_server.url, auth(Role.INTEGRATOR), REQUESTS)

    assert [r.status_code for r in responses] == [201] * REQUESTS
    got = {r.json()["id"]: r.json()["assignee_id"] for r in responses}
    assert set(got.values()) <= agents
    assert all(stored(db, i).assignee_id == a for i, a in got.items())
    assert max(Counter(got.values()).values()) <= 5
    with db.read() as s:
        assigned = Counter(
            s.scalars(
                select(AuditEntry.entity_id).where(
                    AuditEntry.entity_type == "ticket", AuditEntry.action == "assigned"
                )
            )
        )
    assert assigned == dict.fromkeys(got, 1)  # each once
    # The first request's batch, then everyone who arrived meanwhile in one more.
    assert (router.batches, router.tickets) == (2, REQUESTS)


def test_a_request_that_waits_too_long_answers_queued_and_the_ticket_is_still_routed(
    db, clock, auth, live_server, router, monkeypatch
):
    agent = on_duty_agent(db, clock)
    route_new = actions.route_new
    release = threading.Event()

    def slow(db, *, tickets, now, policy=None, snapshot=None):
        release.wait(10)
        return route_new(db, tickets=tickets, now=now, policy=policy, snapshot=snapshot)

    monkeypatch.setattr(actions, "route_new", slow)
    router.wait = 0.05
    payload = ticket_payload()
    r = httpx.post(
        f"{live_server.url}/api/v1/tickets",
        json=payload,
        headers=auth(Role.INTEGRATOR),
        timeout=30,
    )
    assert r.status_code == 201, r.text
    assert r.json()["assignee_id"] is None  # answered before routing was done
    release.set()
    router.stop()  # routes what is pending, then ends
    assert stored(db, r.json()["id"]).assignee_id == agent.id


def test_the_app_runs_the_router_thread_on_real_time_only(settings, db, monkeypatch):
    monkeypatch.setenv("CARELOOP_BACKGROUND", "0")
    app = create_app(settings, db=db, clock=SystemClock())
    with TestClient(app):
        assert app.state.router.running
    assert not app.state.router.running
