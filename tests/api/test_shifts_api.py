"""Shifts through the HTTP API one at a time: creating, listing, moving and cancelling;
published changes are audited and told to the agent; each bad input is a clear 4xx and changes
nothing. Batches are in test_shift_batches_api.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from careloop.accounts.model import Role
from careloop.storage.audit import SYSTEM
from careloop.workforce import attendance
from careloop.workforce.model import ShiftStatus
from careloop.workforce.tables import ClockInRow, Leave, Shift
from tests.api.workforce_support import (
    MONDAY,
    H,
    audit_of,
    count,
    iso,
    listed,
    notices,
    shift_body,
)
from tests.factories import make_agent, make_shift

# --- one shift -----------------------------------------------------------------------------


def test_post_shift_creates_a_published_shift_and_tells_the_agent(client, auth, db, clock):
    agent = make_agent(db, clock)
    r = client.post(
        "/api/v1/shifts",
        json=shift_body(
            agent.id,
            MONDAY + 7 * H,
            skills=["chat"],
            breaks=[{"starts_at": iso(MONDAY + 11 * H), "ends_at": iso(MONDAY + 11.5 * H)}],
            note="covering for Ade",
        ),
        headers=auth(Role.SUPERVISOR),
    )
    assert r.status_code == 201, r.text
    shift = r.json()
    assert shift["agent_id"] == agent.id
    assert shift["status"] == "published"
    assert shift["starts_at"].startswith("2026-11-09T07:00:00")
    assert shift["ends_at"].startswith("2026-11-09T15:00:00")
    assert shift["skills"] == ["channel:chat"]
    assert [b["starts_at"][:16] for b in shift["breaks"]] == ["2026-11-09T11:00"]
    assert shift["note"] == "covering for Ade"
    assert shift["template_id"] is None
    assert shift["published_at"].startswith("2026-11-02T09:00:00")
    [notice] = notices(db, agent.id)
    assert (notice.kind, notice.shift_id) == ("published", shift["id"])
    assert [e.action for e in audit_of(db, shift["id"])] == ["created"]


def test_a_draft_tells_nobody_and_is_not_rostered(client, auth, db, clock):
    agent = make_agent(db, clock)
    r = client.post(
        "/api/v1/shifts",
        json=shift_body(agent.id, clock.now() - H, status="draft"),
        headers=auth(),
    )
    assert r.status_code == 201, r.text
    assert (r.json()["status"], r.json()["published_at"]) == ("draft", None)
    assert notices(db, agent.id) == []
    on_duty = client.get(
        "/api/v1/on-duty",
        params={"at": iso(clock.now()), "include": "rostered"},
        headers=auth(Role.VIEWER),
    )
    assert on_duty.status_code == 200, on_duty.text
    assert on_duty.json()["items"] == []


def test_shifts_may_touch_but_not_overlap(client, auth, db, clock):
    agent = make_agent(db, clock)
    h = auth()
    first = client.post("/api/v1/shifts", json=shift_body(agent.id, MONDAY + 7 * H), headers=h)
    assert first.status_code == 201
    touching = client.post("/api/v1/shifts", json=shift_body(agent.id, MONDAY + 15 * H), headers=h)
    assert touching.status_code == 201, touching.text
    r = client.post("/api/v1/shifts", json=shift_body(agent.id, MONDAY + 14 * H), headers=h)
    assert r.status_code == 409, r.text
    assert r.json()["error"]["details"]["shift_id"] == first.json()["id"]
    r = client.post(
        "/api/v1/shifts", json=shift_body(agent.id, MONDAY + 8 * H, 1, status="draft"), headers=h
    )
    assert r.status_code == 409
    assert count(db, Shift) == 2


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"ends_at": "2026-11-09T06:00:00+00:00"}, 422),  # ends before it starts
        ({"ends_at": "2026-11-09T07:00:00+00:00"}, 422),  # ends as it starts
        ({"ends_at": "2026-11-09T23:00:01+00:00"}, 422),  # over 16 hours
        ({"starts_at": "2026-11-09T07:00:00"}, 422),  # naive
        ({"ends_at": "2026-11-09T15:00:00"}, 422),  # naive
        ({"starts_at": "yesterday"}, 422),
        ({"starts_at": "0001-01-01T00:00:00+00:00"}, 422),
        ({"agent_id": 999999}, 422),
        ({"agent_id": 0}, 422),
        ({"skills": ["colour"]}, 422),
        ({"status": "cancelled"}, 422),
        ({"note": "x" * 201}, 422),
        ({"colour": "red"}, 422),
        (
            {
                "breaks": [
                    {
                        "starts_at": "2026-11-09T06:00:00+00:00",
                        "ends_at": "2026-11-09T06:30:00+00:00",
                    }
                ]
            },
            422,
        ),
    ],
)
def test_bad_shift_is_refused_and_creates_nothing(client, auth, db, clock, change, status):
    agent = make_agent(db, clock)
    body = {**shift_body(agent.id, MONDAY + 7 * H), **change}
    r = client.post("/api/v1/shifts", json=body, headers=auth())
    assert r.status_code == status, r.text
    assert set(r.json()["error"]) == {"code", "message", "details"}
    assert count(db, Shift) == 0
    assert notices(db, agent.id) == []


def test_unknown_agent_names_the_field(client, auth):
    r = client.post("/api/v1/shifts", json=shift_body(999999, MONDAY), headers=auth())
    assert r.status_code == 422
    assert r.json()["error"]["details"]["field"] == "agent_id"


def test_an_inactive_agent_gets_no_shift(client, auth, db, clock):
    agent = make_agent(db, clock)
    client.patch(f"/api/v1/agents/{agent.id}", json={"active": False}, headers=auth())
    r = client.post("/api/v1/shifts", json=shift_body(agent.id, MONDAY), headers=auth())
    assert r.status_code == 422
    assert count(db, Shift) == 0


def test_a_published_shift_may_not_fall_in_planned_leave(client, auth, db, clock):
    agent = make_agent(db, clock)
    client.post(
        f"/api/v1/agents/{agent.id}/leave",
        json={"kind": "vacation", "start_date": "2026-11-09", "end_date": "2026-11-13"},
        headers=auth(),
    )
    r = client.post("/api/v1/shifts", json=shift_body(agent.id, MONDAY + 7 * H), headers=auth())
    assert r.status_code == 409, r.text
    assert "leave_id" in r.json()["error"]["details"]
    draft = client.post(
        "/api/v1/shifts", json=shift_body(agent.id, MONDAY + 7 * H, status="draft"), headers=auth()
    )
    assert draft.status_code == 201  # a plan may be drafted; publishing it is refused
    assert count(db, Shift) == 1


def test_agents_and_viewers_cannot_write_shifts_but_can_read_them(client, auth, db, clock):
    agent = make_agent(db, clock)
    shift = make_shift(db, clock, agent.id, MONDAY, MONDAY + 8 * H)
    for role in (Role.AGENT, Role.VIEWER, Role.INTEGRATOR):
        h = auth(role)
        r = client.post("/api/v1/shifts", json=shift_body(agent.id, MONDAY + 9 * H), headers=h)
        assert r.status_code == 403, (role, r.text)
        assert (
            client.patch(f"/api/v1/shifts/{shift.id}", json={"note": "x"}, headers=h).status_code
            == 403
        )
        assert client.delete(f"/api/v1/shifts/{shift.id}", headers=h).status_code == 403
        assert [x["id"] for x in listed(client, h, MONDAY, MONDAY + 24 * H)] == [shift.id]
    assert count(db, Shift) == 1


# --- listing -------------------------------------------------------------------------------


def test_list_shifts_in_a_window_with_filters(client, auth, db, clock):
    a, b = make_agent(db, clock), make_agent(db, clock)
    night = make_shift(db, clock, a.id, MONDAY - 2 * H, MONDAY + 6 * H)  # began the day before
    day = make_shift(db, clock, b.id, MONDAY + 8 * H, MONDAY + 16 * H, status=ShiftStatus.DRAFT)
    make_shift(db, clock, a.id, MONDAY + 24 * H, MONDAY + 32 * H)  # the next day
    make_shift(db, clock, a.id, MONDAY - 10 * H, MONDAY - 2 * H)  # ended before the window
    h = auth(Role.VIEWER)
    end = MONDAY + 24 * H
    assert [x["id"] for x in listed(client, h, MONDAY, end)] == [night.id, day.id]
    assert [x["id"] for x in listed(client, h, MONDAY, end, agent_id=b.id)] == [day.id]
    assert [x["id"] for x in listed(client, h, MONDAY, end, status="published")] == [night.id]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"from": "2026-11-09T00:00:00+00:00"},
        {"from": "2026-11-09T00:00:00", "to": "2026-11-10T00:00:00"},
        {"from": "2026-11-10T00:00:00+00:00", "to": "2026-11-09T00:00:00+00:00"},
        {"from": "2026-01-01T00:00:00+00:00", "to": "2026-03-05T00:00:00+00:00"},
        {"from": "0001-01-01T00:00:00+00:00", "to": "0001-01-02T00:00:00+00:00"},
        {"from": "2026-11-09T00:00:00+00:00", "to": "2026-11-10T00:00:00+00:00", "status": "late"},
        {"from": "2026-11-09T00:00:00+00:00", "to": "2026-11-10T00:00:00+00:00", "agent_id": "0"},
    ],
)
def test_list_shifts_needs_a_bounded_aware_window(client, auth, params):
    r = client.get("/api/v1/shifts", params=params, headers=auth(Role.VIEWER))
    assert r.status_code == 422, r.text


# --- moving and cancelling -----------------------------------------------------------------


def test_moving_a_published_shift_is_audited_and_told(client, auth, db, clock):
    agent = make_agent(db, clock)
    h = auth(Role.SUPERVISOR)
    shift = client.post(
        "/api/v1/shifts",
        json=shift_body(
            agent.id,
            MONDAY + 7 * H,
            breaks=[{"starts_at": iso(MONDAY + 11 * H), "ends_at": iso(MONDAY + 11.5 * H)}],
        ),
        headers=h,
    ).json()
    r = client.patch(
        f"/api/v1/shifts/{shift['id']}",
        json={"starts_at": iso(MONDAY + 9 * H), "ends_at": iso(MONDAY + 17 * H), "note": "later"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["starts_at"].startswith("2026-11-09T09:00:00")
    assert moved["breaks"][0]["starts_at"].startswith("2026-11-09T13:00:00")  # moved along
    assert moved["note"] == "later"
    entry = audit_of(db, shift["id"])[-1]
    assert entry.action == "updated"
    assert entry.actor_label == "token:supervisor token"
    assert entry.changes["starts_at"]["before"].startswith("2026-11-09T07:00:00")
    assert entry.changes["starts_at"]["after"].startswith("2026-11-09T09:00:00")
    assert entry.changes["note"] == {"before": None, "after": "later"}
    notice = notices(db, agent.id)[-1]
    assert (notice.kind, notice.shift_id) == ("changed", shift["id"])
    assert [x[:16] for x in notice.details["starts_at"]] == ["2026-11-09T07:00", "2026-11-09T09:00"]


def test_editing_a_draft_tells_nobody(client, auth, db, clock):
    agent = make_agent(db, clock)
    shift = make_shift(db, clock, agent.id, MONDAY, MONDAY + 8 * H, status=ShiftStatus.DRAFT)
    r = client.patch(f"/api/v1/shifts/{shift.id}", json={"skills": ["chat"]}, headers=auth())
    assert r.status_code == 200, r.text
    assert r.json()["skills"] == ["channel:chat"]
    assert notices(db, agent.id) == []
    assert audit_of(db, shift.id)[-1].changes["skills"] == {
        "before": None,
        "after": ["channel:chat"],
    }
    r = client.patch(f"/api/v1/shifts/{shift.id}", json={"skills": None}, headers=auth())
    assert r.json()["skills"] is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"ends_at": "2026-11-09T16:00:00+00:00"}, 409),  # into the next shift
        ({"ends_at": "2026-11-09T06:00:00+00:00"}, 422),
        ({"ends_at": "2026-11-10T00:00:00+00:00"}, 422),  # over 16 hours
        ({"starts_at": "2026-11-09T07:00:00"}, 422),
        ({"starts_at": None}, 422),
        ({"skills": ["colour"]}, 422),
        (
            {
                "breaks": [
                    {
                        "starts_at": "2026-11-09T03:00:00+00:00",
                        "ends_at": "2026-11-09T03:30:00+00:00",
                    }
                ]
            },
            422,
        ),
        ({"ends_at": "2026-11-09T11:15:00+00:00"}, 422),  # the break would fall outside
        ({"agent_id": 1}, 422),
    ],
)
def test_bad_move_is_refused_and_changes_nothing(client, auth, db, clock, body, status):
    agent = make_agent(db, clock)
    h = auth()
    shift = client.post(
        "/api/v1/shifts",
        json=shift_body(
            agent.id,
            MONDAY + 7 * H,
            breaks=[{"starts_at": iso(MONDAY + 11 * H), "ends_at": iso(MONDAY + 11.5 * H)}],
        ),
        headers=h,
    ).json()
    client.post("/api/v1/shifts", json=shift_body(agent.id, MONDAY + 15 * H), headers=h)
    before = listed(client, h, MONDAY, MONDAY + 48 * H)
    r = client.patch(f"/api/v1/shifts/{shift['id']}", json=body, headers=h)
    assert r.status_code == status, r.text
    assert listed(client, h, MONDAY, MONDAY + 48 * H) == before
    assert [e.action for e in audit_of(db, shift["id"])] == ["created"]
    assert [n.kind for n in notices(db, agent.id)] == ["published", "published"]


def test_moving_into_planned_leave_is_refused(client, auth, db, clock):
    agent = make_agent(db, clock)
    shift = make_shift(db, clock, agent.id, MONDAY + 7 * H, MONDAY + 15 * H)
    h = auth()
    client.post(
        f"/api/v1/agents/{agent.id}/leave",
        json={"kind": "other", "starts_at": iso(MONDAY + 24 * H), "ends_at": iso(MONDAY + 48 * H)},
        headers=h,
    )
    r = client.patch(
        f"/api/v1/shifts/{shift.id}",
        json={"starts_at": iso(MONDAY + 31 * H), "ends_at": iso(MONDAY + 39 * H)},
        headers=h,
    )
    assert r.status_code == 409, r.text
    assert count(db, Leave) == 1


def test_moving_the_shift_of_a_clocked_in_agent_moves_the_clock_in_expiry(client, auth, db, clock):
    agent = make_agent(db, clock)
    now = clock.now()
    shift = make_shift(db, clock, agent.id, now - H, now + 3 * H)
    attendance.clock_in(db, actor=SYSTEM, now=now, agent_id=agent.id)
    r = client.patch(
        f"/api/v1/shifts/{shift.id}", json={"ends_at": iso(now + 5 * H)}, headers=auth()
    )
    assert r.status_code == 200, r.text
    with db.read() as s:
        row = s.scalar(select(ClockInRow).where(ClockInRow.agent_id == agent.id))
    assert row.clocked_out_at is None
    assert row.expires_at == now + 5 * H + timedelta(minutes=30)


def test_cancelling_a_published_shift_is_audited_and_told(client, auth, db, clock):
    agent = make_agent(db, clock)
    shift = make_shift(db, clock, agent.id, MONDAY, MONDAY + 8 * H)
    r = client.delete(f"/api/v1/shifts/{shift.id}", headers=auth(Role.SUPERVISOR))
    assert r.status_code == 204, r.text
    assert count(db, Shift) == 0
    published, cancelled = notices(db, agent.id)
    assert published.shift_id is None  # the notice outlives the shift
    assert (cancelled.kind, cancelled.shift_id) == ("cancelled", None)
    assert cancelled.details["starts_at"].startswith("2026-11-09T00:00:00")
    entry = audit_of(db, shift.id)[-1]
    assert entry.action == "deleted"
    assert entry.changes["status"] == {"before": "published", "after": None}
    assert client.delete(f"/api/v1/shifts/{shift.id}", headers=auth()).status_code == 404


def test_cancelling_a_draft_tells_nobody(client, auth, db, clock):
    agent = make_agent(db, clock)
    shift = make_shift(db, clock, agent.id, MONDAY, MONDAY + 8 * H, status=ShiftStatus.DRAFT)
    assert client.delete(f"/api/v1/shifts/{shift.id}", headers=auth()).status_code == 204
    assert notices(db, agent.id) == []
    assert audit_of(db, shift.id)[-1].action == "deleted"


def test_unknown_shift_is_404(client, auth):
    assert (
        client.patch("/api/v1/shifts/999999", json={"note": "x"}, headers=auth()).status_code == 404
    )
    assert client.delete("/api/v1/shifts/999999", headers=auth()).status_code == 404
