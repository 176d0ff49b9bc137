"""Attendance through HTTP: clocking in and out, breaks, who is on duty, today's attendance
and adherence; plus the job runner clocking out lapsed clock-ins."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from careloop.accounts import actions as accounts
from careloop.accounts.model import Role
from careloop.jobs.runner import Job, Worker
from careloop.storage.audit import Actor, AuditEntry
from careloop.workforce import attendance
from careloop.workforce.tables import ClockInRow
from tests.factories import make_agent, make_shift, ticket_payload

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # the clock fixture's start


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def own_token(db, clock, agent) -> dict[str, str]:
    """An agent-role token acting as the agent itself (its principal's user id)."""
    issued = accounts.create_token(
        db,
        actor=Actor(user_id=agent.id, label=f"agent {agent.id}"),
        now=clock.now(),
        name=f"agent {agent.id}'s token",
        role=Role.AGENT,
    )
    return {"Authorization": f"Bearer {issued.token}"}


@pytest.fixture
def agent(db, clock):
    a = make_agent(db, clock, name="Amara", capacity=3)
    make_shift(db, clock, a.id, utc(2026, 11, 2, 8), utc(2026, 11, 2, 16))
    return a


def post(client, agent_id: int, what: str, headers):
    return client.post(f"/api/v1/agents/{agent_id}/{what}", headers=headers)


def test_clock_in_break_and_clock_out(client, db, clock, agent):
    me = own_token(db, clock, agent)
    r = post(client, agent.id, "clock-in", me)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "agent_id": agent.id,
        "clocked_in": True,
        "clocked_in_at": "2026-11-02T09:00:00Z",
        "clocked_out_at": None,
        "on_break": False,
        "break_started_at": None,
        "expires_at": "2026-11-02T16:30:00Z",
    }
    clock.advance(timedelta(hours=2))
    r = post(client, agent.id, "break-start", me)
    assert r.status_code == 200, r.text
    assert (r.json()["on_break"], r.json()["break_started_at"]) == (True, "2026-11-02T11:00:00Z")
    assert post(client, agent.id, "break-start", me).status_code == 409
    clock.advance(timedelta(minutes=30))
    r = post(client, agent.id, "break-end", me)
    assert r.status_code == 200, r.text
    assert (r.json()["on_break"], r.json()["clocked_in"]) == (False, True)
    assert post(client, agent.id, "break-end", me).status_code == 409
    clock.advance(timedelta(hours=1))
    r = post(client, agent.id, "clock-out", me)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["clocked_in"], body["clocked_out_at"], body["expires_at"]) == (
        False,
        "2026-11-02T12:30:00Z",
        None,
    )
    with db.read() as s:
        trail = s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity_type == "attendance", AuditEntry.entity_id == agent.id)
            .order_by(AuditEntry.id)
        ).all()
    assert trail == ["clocked_in", "break_started", "break_ended", "clocked_out"]


def test_clock_out_ends_a_break_under_way(client, db, clock, agent):
    me = own_token(db, clock, agent)
    post(client, agent.id, "clock-in", me)
    post(client, agent.id, "break-start", me)
    clock.advance(timedelta(minutes=10))
    body = post(client, agent.id, "clock-out", me).json()
    assert (body["clocked_in"], body["on_break"]) == (False, False)
    assert post(client, agent.id, "break-end", me).status_code == 409


def test_refusals_are_409_and_change_nothing(client, db, clock, agent):
    me = own_token(db, clock, agent)
    for what in ("clock-out", "break-start", "break-end"):
        r = post(client, agent.id, what, me)
        assert r.status_code == 409, (what, r.text)
        assert r.json()["error"]["code"] == "conflict"
    assert post(client, agent.id, "clock-in", me).status_code == 200
    r = post(client, agent.id, "clock-in", me)
    assert r.status_code == 409
    assert "already clocked in" in r.json()["error"]["message"]
    with db.read() as s:
        assert len(s.scalars(select(ClockInRow)).all()) == 1


def test_only_leads_clock_in_someone_else(client, db, clock, agent, auth):
    other = make_agent(db, clock, name="Bo")
    r = post(client, agent.id, "clock-in", own_token(db, clock, other))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    for role in (Role.VIEWER, Role.INTEGRATOR, Role.AGENT):
        assert post(client, agent.id, "clock-in", auth(role)).status_code == 403, role
    r = post(client, agent.id, "clock-in", auth(Role.SUPERVISOR))
    assert r.status_code == 200, r.text
    assert post(client, 999_999, "clock-in", auth(Role.SUPERVISOR)).status_code == 404
    assert client.post(f"/api/v1/agents/{agent.id}/clock-in").status_code == 401


def test_on_duty_lists_who_works_with_remaining_capacity(client, db, clock, agent, auth):
    sup = auth(Role.SUPERVISOR)
    for n in range(2):
        r = client.post(
            "/api/v1/tickets",
            json=ticket_payload(subject=f"t{n}", assignee_id=agent.id),
            headers=sup,
        )
        assert r.status_code == 201, r.text
    idle = make_agent(db, clock, name="Zed")
    make_shift(db, clock, idle.id, utc(2026, 11, 2, 8), utc(2026, 11, 2, 16))
    assert client.get("/api/v1/on-duty", headers=sup).json()["items"] == []
    post(client, agent.id, "clock-in", sup)
    r = client.get("/api/v1/on-duty", headers=auth(Role.INTEGRATOR))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["at"] == "2026-11-02T09:00:00Z"
    [item] = body["items"]
    assert item == {
        "agent_id": agent.id,
        "name": "Amara",
        "team": None,
        "team_id": None,
        "languages": ["en"],
        "skills": [],
        "timezone": "Europe/Berlin",
        "capacity": 3,
        "open_tickets": 2,
        "remaining_capacity": 1,
        "shift_id": item["shift_id"],
        "shift_starts_at": "2026-11-02T08:00:00Z",
        "shift_ends_at": "2026-11-02T16:00:00Z",
        "clocked_in": True,
        "on_break": False,
        "on_leave": False,
    }
    rostered = client.get("/api/v1/on-duty", params={"include": "rostered"}, headers=sup).json()
    assert [(i["name"], i["clocked_in"]) for i in rostered["items"]] == [
        ("Amara", True),
        ("Zed", False),
    ]
    # An instant with an offset: 17:30 in Berlin is 16:30 UTC, after the shift.
    later = client.get("/api/v1/on-duty", params={"at": "2026-11-02T17:30:00+01:00"}, headers=sup)
    assert later.json() == {"at": "2026-11-02T16:30:00Z", "items": []}
    earlier = client.get("/api/v1/on-duty", params={"at": "2026-11-02T10:00:00+01:00"}, headers=sup)
    assert [i["name"] for i in earlier.json()["items"]] == ["Amara"]


@pytest.mark.parametrize(
    "params",
    [
        {"at": "2026-11-02T09:00:00"},  # naive
        {"at": "yesterday"},
        {"at": "0001-01-01T00:00:00Z"},
        {"include": "everyone"},
        {"team_id": "0"},
    ],
)
def test_on_duty_refuses_bad_parameters(client, auth, params):
    r = client.get("/api/v1/on-duty", params=params, headers=auth(Role.VIEWER))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "validation_error"


def test_auto_clock_out_closes_a_lapsed_clock_in(client, db, clock, agent, auth):
    sup = auth(Role.SUPERVISOR)
    post(client, agent.id, "clock-in", sup)
    clock.set(utc(2026, 11, 2, 16, 29))
    assert attendance.auto_clock_out(db, now=clock.now()) == 0
    clock.set(utc(2026, 11, 2, 17))
    assert attendance.auto_clock_out(db, now=clock.now()) == 1
    with db.read() as s:
        row = s.scalar(select(ClockInRow))
    assert (row.clocked_out_at, row.clock_out_reason) == (utc(2026, 11, 2, 16, 30), "auto")
    assert post(client, agent.id, "clock-out", sup).status_code == 409
    # The job runner does the same on its own thread.
    post(client, agent.id, "clock-in", sup)  # no shift now: lapses after 16 hours
    clock.set(utc(2026, 11, 3, 9, 1))
    ran = threading.Event()
    counts: list[int] = []

    def tick(db, now) -> None:
        counts.append(attendance.auto_clock_out(db, now=now))
        ran.set()

    worker = Worker(
        db, [Job("auto_clock_out", timedelta(seconds=30), tick)], clock=clock, poll=0.01
    )
    worker.start()
    try:
        assert ran.wait(5)
    finally:
        worker.stop()
    assert counts[0] == 1
    assert not worker.running


def test_attendance_today(client, db, clock, agent, auth):
    late = make_agent(db, clock, name="Bea")
    make_shift(db, clock, late.id, utc(2026, 11, 2, 8), utc(2026, 11, 2, 16))
    clock.set(utc(2026, 11, 2, 8, 30))
    post(client, late.id, "clock-in", auth(Role.SUPERVISOR))
    clock.set(NOW)
    r = client.get("/api/v1/attendance", headers=auth(Role.AGENT))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["date"], body["timezone"]) == ("2026-11-02", "UTC")
    rows = {i["name"]: i for i in body["items"]}
    assert rows["Amara"]["state"] == "late"
    assert rows["Bea"]["state"] == "on"
    assert rows["Bea"]["late_minutes"] == 30
    assert rows["Bea"]["clocked_in_at"] == "2026-11-02T08:30:00Z"
    assert rows["Bea"]["shift_starts_at"] == "2026-11-02T08:00:00Z"
    clock.set(utc(2026, 11, 3, 12))
    past = client.get(
        "/api/v1/attendance", params={"date": "2026-11-02"}, headers=auth(Role.VIEWER)
    ).json()
    states = {i["name"]: i["state"] for i in past["items"]}
    assert states == {"Amara": "absent", "Bea": "done"}  # Bea's clock-in lapsed at 16:30
    tokyo = client.get(
        "/api/v1/attendance", params={"timezone": "Asia/Tokyo"}, headers=auth(Role.VIEWER)
    ).json()
    assert tokyo["date"] == "2026-11-03"
    for params in ({"date": "2026-13-01"}, {"timezone": "Mars/Olympus"}, {"date": "0001-01-01"}):
        r = client.get("/api/v1/attendance", params=params, headers=auth(Role.VIEWER))
        assert r.status_code == 422, (params, r.text)


def test_adherence_per_day(client, db, clock, agent, auth):
    sup = auth(Role.SUPERVISOR)
    clock.set(utc(2026, 11, 2, 8, 10))
    post(client, agent.id, "clock-in", sup)
    clock.set(utc(2026, 11, 2, 15))
    post(client, agent.id, "clock-out", sup)
    clock.set(utc(2026, 11, 4, 12))
    r = client.get(
        f"/api/v1/agents/{agent.id}/adherence",
        params={"from": "2026-11-01", "to": "2026-11-03"},
        headers=auth(Role.AGENT),
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["date"] for i in items] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert items[0]["adherence"] is None
    assert items[1] == {
        "date": "2026-11-02",
        "scheduled_minutes": 480,
        "worked_minutes": 410,
        "in_adherence_minutes": 410,
        "overtime_minutes": 0,
        "late_minutes": 10,
        "absent_shifts": 0,
        "adherence": pytest.approx(410 / 480),
    }
    url = f"/api/v1/agents/{agent.id}/adherence"
    for params in (
        {"from": "2026-10-01", "to": "2026-11-03"},  # over 31 days
        {"from": "2026-11-03", "to": "2026-11-01"},
        {"from": "2026-11-01"},
    ):
        assert client.get(url, params=params, headers=sup).status_code == 422, params
    missing = client.get(
        "/api/v1/agents/999999/adherence",
        params={"from": "2026-11-01", "to": "2026-11-01"},
        headers=sup,
    )
    assert missing.status_code == 404


@pytest.mark.parametrize("how", ["single", "batch", "publish"])
def test_a_back_to_back_shift_added_while_clocked_in_extends_the_clock_in(
    client, db, clock, auth, agent, how
):
    """Clocked in for 08:00-16:00, the agent is given 16:00-20:00 as well: the clock-in now
    lapses at 20:30 and the agent is on duty at 17:00, whichever way the shift was added."""
    lead = auth(Role.SUPERVISOR)
    assert post(client, agent.id, "clock-in", lead).status_code == 200
    extra = {
        "agent_id": agent.id,
        "starts_at": "2026-11-02T16:00:00Z",
        "ends_at": "2026-11-02T20:00:00Z",
    }
    if how == "single":
        r = client.post("/api/v1/shifts", json=extra, headers=lead)
    elif how == "batch":
        r = client.post("/api/v1/shifts/batch", json={"shifts": [extra]}, headers=lead)
    else:
        draft = client.post("/api/v1/shifts", json={**extra, "status": "draft"}, headers=lead)
        assert draft.status_code == 201, draft.text
        window = {"from": "2026-11-02T00:00:00Z", "to": "2026-11-03T00:00:00Z"}
        r = client.post("/api/v1/rosters/publish", json=window, headers=lead)
    assert r.status_code in (200, 201), r.text
    with db.read() as s:
        expires = s.scalar(select(ClockInRow.expires_at).where(ClockInRow.agent_id == agent.id))
    assert expires == utc(2026, 11, 2, 20, 30)
    on_duty = client.get("/api/v1/on-duty?at=2026-11-02T17:00:00Z", headers=lead).json()
    assert [x["agent_id"] for x in on_duty["items"]] == [agent.id]
