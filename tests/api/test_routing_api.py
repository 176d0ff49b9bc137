"""Routing through HTTP: a ticket created while an agent is on duty comes back assigned; one
created while nobody is waits until an agent clocks in or ends a break."""

from __future__ import annotations

from datetime import timedelta

from careloop.accounts.model import Role
from careloop.jobs.registry import default_jobs
from careloop.jobs.runner import run_due
from careloop.routing import actions as routing
from careloop.workforce import attendance
from tests.api.test_attendance_api import own_token
from tests.factories import ACTOR, make_agent, make_shift, ticket_payload

H = timedelta(hours=1)


def rostered_agent(db, clock, **kw):
    agent = make_agent(db, clock, **kw)
    make_shift(db, clock, agent.id, clock.now() - H, clock.now() + 7 * H)
    return agent


def create(client, headers, **overrides):
    r = client.post("/api/v1/tickets", json=ticket_payload(**overrides), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_ticket_created_while_an_agent_is_on_duty_comes_back_assigned(client, auth, db, clock):
    agent = rostered_agent(db, clock)
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    t = create(client, auth(Role.INTEGRATOR))
    assert t["assignee_id"] == agent.id
    assert t["status"] == "open"
    assert t["assigned_at"] == t["first_assigned_at"] == "2026-11-02T09:00:00Z"
    audit = client.get(f"/api/v1/tickets/{t['id']}/audit", headers=auth()).json()
    [assigned] = [e for e in audit if e["action"] == "assigned"]
    assert assigned["changes"]["assignee_id"] == {"before": None, "after": agent.id}
    assert assigned["changes"]["reason"] == {"before": None, "after": "least_loaded"}


def test_queued_tickets_are_assigned_when_the_agent_clocks_in(client, auth, db, clock):
    agent = rostered_agent(db, clock, capacity=1)
    headers = auth(Role.INTEGRATOR)
    older_normal = create(client, headers, priority="normal")
    clock.advance(timedelta(minutes=3))
    newer_urgent = create(client, headers, priority="urgent")
    assert older_normal["assignee_id"] is None and newer_urgent["assignee_id"] is None

    r = client.post(f"/api/v1/agents/{agent.id}/clock-in", headers=own_token(db, clock, agent))
    assert r.status_code == 200, r.text

    def assignee(ticket):
        return client.get(f"/api/v1/tickets/{ticket['id']}", headers=headers).json()["assignee_id"]

    assert assignee(newer_urgent) == agent.id
    assert assignee(older_normal) is None  # capacity 1: the urgent one went first


def test_ending_a_break_drains_the_queue(client, auth, db, clock):
    agent = rostered_agent(db, clock)
    me = own_token(db, clock, agent)
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    attendance.start_break(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    t = create(client, auth(Role.INTEGRATOR))
    assert t["assignee_id"] is None
    clock.advance(timedelta(minutes=15))
    assert client.post(f"/api/v1/agents/{agent.id}/break-end", headers=me).status_code == 200
    got = client.get(f"/api/v1/tickets/{t['id']}", headers=auth()).json()
    assert got["assignee_id"] == agent.id


def test_batch_tickets_are_routed_within_capacity(client, auth, db, clock):
    agent = rostered_agent(db, clock, capacity=2)
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    body = {
        "tickets": [
            ticket_payload(priority="low"),
            ticket_payload(priority="urgent"),
            ticket_payload(priority="normal"),
        ]
    }
    r = client.post("/api/v1/tickets/batch", json=body, headers=auth(Role.INTEGRATOR))
    assert r.status_code == 200, r.text
    got = {x["ticket"]["priority"]: x["ticket"]["assignee_id"] for x in r.json()["results"]}
    assert got == {"urgent": agent.id, "normal": agent.id, "low": None}


def test_an_idempotent_replay_does_not_route_again(client, auth, db, clock):
    agent = rostered_agent(db, clock)
    headers = {**auth(Role.INTEGRATOR), "Idempotency-Key": "route-once"}
    first = create(client, headers)
    assert first["assignee_id"] is None
    # The agent comes on duty without the API (so nothing drains the queue), then a retry.
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    r = client.post("/api/v1/tickets", json=ticket_payload(), headers=headers)
    assert r.headers.get("Idempotent-Replayed") == "true"
    assert r.json()["id"] == first["id"] and r.json()["assignee_id"] is None


def test_a_routing_failure_leaves_the_ticket_created_and_queued(
    client, auth, db, clock, monkeypatch
):
    agent = rostered_agent(db, clock)
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)

    def broken(*args, **kwargs):
        raise RuntimeError("routing is down")

    monkeypatch.setattr(routing, "route_batch", broken)
    monkeypatch.setattr(routing, "route_tickets", broken)
    monkeypatch.setattr(routing, "drain_queue", broken)
    t = create(client, auth(Role.INTEGRATOR))
    assert t["assignee_id"] is None
    r = client.post(f"/api/v1/agents/{agent.id}/clock-out", headers=auth())
    r = client.post(f"/api/v1/agents/{agent.id}/clock-in", headers=auth())
    assert r.status_code == 200, r.text


def test_the_periodic_queue_sweep_assigns_a_ticket_whose_language_fallback_came_due(
    client, auth, db, clock
):
    """A German ticket waits while only an English speaker is on duty; ten minutes later the
    app's queue-sweep job gives it to them, flagged for translation."""
    english = rostered_agent(db, clock, languages=("en",))
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=english.id)
    headers = auth(Role.INTEGRATOR)
    german = create(client, headers, language="de")
    assert german["assignee_id"] is None
    assert "queue_sweep" in run_due(db, default_jobs(), now=clock.now(), owner="test")
    assert (
        client.get(f"/api/v1/tickets/{german['id']}", headers=headers).json()["assignee_id"] is None
    )
    clock.advance(timedelta(minutes=10))
    assert "queue_sweep" in run_due(db, default_jobs(), now=clock.now(), owner="test")
    after = client.get(f"/api/v1/tickets/{german['id']}", headers=headers).json()
    assert after["assignee_id"] == english.id
    assert "needs-translation" in after["tags"]


def test_solving_a_ticket_frees_room_for_the_next_in_the_queue(client, auth, db, clock):
    agent = rostered_agent(db, clock, capacity=1)
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    headers = auth(Role.INTEGRATOR)
    first = create(client, headers)
    second = create(client, headers)
    assert (first["assignee_id"], second["assignee_id"]) == (agent.id, None)
    r = client.patch(f"/api/v1/tickets/{first['id']}", json={"status": "solved"}, headers=auth())
    assert r.status_code == 200, r.text
    taken = client.get(f"/api/v1/tickets/{second['id']}", headers=headers).json()
    assert taken["assignee_id"] == agent.id


def test_a_reply_that_solves_the_ticket_frees_room_too(client, auth, db, clock):
    agent = rostered_agent(db, clock, capacity=1)
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    headers = auth(Role.INTEGRATOR)
    first = create(client, headers)
    second = create(client, headers)
    reply = {"body": "A replacement is on its way.", "status": "solved"}
    r = client.post(f"/api/v1/tickets/{first['id']}/replies", json=reply, headers=auth())
    assert r.status_code == 201, r.text
    taken = client.get(f"/api/v1/tickets/{second['id']}", headers=headers).json()
    assert taken["assignee_id"] == agent.id
