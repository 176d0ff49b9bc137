"""Hand-off through HTTP: a clock-out, sick leave and removing an agent hand their unanswered
tickets to the others at once; the assignee marks a ticket opened with POST .../seen."""

from __future__ import annotations

from datetime import timedelta

import pytest

from careloop.accounts.model import Role
from careloop.workforce import attendance
from tests.api.test_attendance_api import own_token
from tests.factories import ACTOR, make_agent, make_shift, ticket_payload

H = timedelta(hours=1)


def on_duty(db, clock, **kw):
    agent = make_agent(db, clock, **kw)
    make_shift(db, clock, agent.id, clock.now() - H, clock.now() + 7 * H)
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    return agent


def create(client, auth) -> dict:
    r = client.post("/api/v1/tickets", json=ticket_payload(), headers=auth(Role.INTEGRATOR))
    assert r.status_code == 201, r.text
    return r.json()


def assignee(client, auth, ticket) -> int | None:
    return client.get(f"/api/v1/tickets/{ticket['id']}", headers=auth()).json()["assignee_id"]


def reasons(client, auth, ticket) -> list[str]:
    audit = client.get(f"/api/v1/tickets/{ticket['id']}/audit", headers=auth()).json()
    return [e["changes"]["reason"]["after"] for e in audit if e["action"] == "unassigned"]


@pytest.fixture
def pair(client, auth, db, clock):
    """Alice holds two tickets and has answered one; Bob comes on duty afterwards."""
    alice = on_duty(db, clock)
    answered, unanswered = create(client, auth), create(client, auth)
    assert {answered["assignee_id"], unanswered["assignee_id"]} == {alice.id}
    r = client.post(
        f"/api/v1/tickets/{answered['id']}/replies",
        json={"body": "A replacement is on its way."},
        headers=own_token(db, clock, alice),
    )
    assert r.status_code == 201, r.text
    bob = on_duty(db, clock)
    return alice, bob, answered, unanswered


def test_clocking_out_hands_unanswered_tickets_to_someone_on_duty(client, auth, db, clock, pair):
    alice, bob, answered, unanswered = pair
    r = client.post(f"/api/v1/agents/{alice.id}/clock-out", headers=own_token(db, clock, alice))
    assert r.status_code == 200, r.text
    assert assignee(client, auth, unanswered) == bob.id
    assert assignee(client, auth, answered) == alice.id
    assert reasons(client, auth, unanswered) == ["clocked_out"]


def test_a_break_hands_nothing_off(client, auth, db, clock, pair):
    alice, _, _, unanswered = pair
    r = client.post(f"/api/v1/agents/{alice.id}/break-start", headers=own_token(db, clock, alice))
    assert r.status_code == 200, r.text
    assert assignee(client, auth, unanswered) == alice.id
    assert reasons(client, auth, unanswered) == []


def test_sick_leave_hands_off_at_once(client, auth, db, clock, pair):
    alice, bob, answered, unanswered = pair
    assert answered["assignee_id"] == alice.id
    today = clock.now().date().isoformat()
    r = client.post(
        f"/api/v1/agents/{alice.id}/leave",
        json={"kind": "sick", "start_date": today, "end_date": today},
        headers=auth(Role.SUPERVISOR),
    )
    assert r.status_code == 201, r.text
    assert assignee(client, auth, unanswered) == bob.id
    assert reasons(client, auth, unanswered) == ["on_leave"]
    assert assignee(client, auth, answered) == alice.id


def test_removing_an_agent_hands_off_at_once(client, auth, db, clock, pair):
    alice, bob, answered, unanswered = pair
    r = client.patch(
        f"/api/v1/agents/{alice.id}", json={"active": False}, headers=auth(Role.SUPERVISOR)
    )
    assert r.status_code == 200, r.text
    assert assignee(client, auth, unanswered) == bob.id
    assert assignee(client, auth, answered) == alice.id  # keep_answered, the default
    assert reasons(client, auth, unanswered) == ["agent_removed"]


def test_lowering_capacity_hands_nothing_off(client, auth, db, clock, pair):
    alice, _, _, unanswered = pair
    r = client.patch(
        f"/api/v1/agents/{alice.id}", json={"capacity": 1}, headers=auth(Role.SUPERVISOR)
    )
    assert r.status_code == 200, r.text
    assert assignee(client, auth, unanswered) == alice.id


# --- POST /tickets/{id}/seen -----------------------------------------------------------------


def test_the_assignee_marks_a_ticket_opened(client, auth, db, clock):
    alice = on_duty(db, clock)
    bob = make_agent(db, clock)
    ticket = create(client, auth)
    url = f"/api/v1/tickets/{ticket['id']}/seen"

    r = client.post(url, headers=own_token(db, clock, bob))
    assert r.status_code == 409
    assert r.json()["error"]["details"]["assignee_id"] == alice.id
    assert client.post(url, headers=auth(Role.VIEWER)).status_code == 403
    assert client.post("/api/v1/tickets/999999/seen", headers=auth()).status_code == 404

    mine = own_token(db, clock, alice)
    r = client.post(url, headers=mine)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == ticket["id"]
    clock.advance(timedelta(minutes=5))
    assert client.post(url, headers=mine).status_code == 200  # again: nothing changes
    audit = client.get(f"/api/v1/tickets/{ticket['id']}/audit", headers=auth()).json()
    [seen] = [e for e in audit if e["action"] == "seen"]
    assert seen["changes"]["seen_at"]["after"] == "2026-11-02T09:00:00+00:00"


def test_an_unassigned_ticket_cannot_be_marked_opened(client, auth):
    ticket = create(client, auth)  # nobody on duty: queued
    r = client.post(f"/api/v1/tickets/{ticket['id']}/seen", headers=auth())
    assert r.status_code == 409
