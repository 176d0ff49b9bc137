"""Leave and public holidays through the HTTP API: part days and whole local days, planned leave
refused over published shifts, sick leave accepted and ending a running clock-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from careloop.accounts.model import Role
from careloop.storage.audit import SYSTEM
from careloop.workforce import attendance
from careloop.workforce.model import ShiftStatus
from careloop.workforce.tables import ClockInRow, Leave, Shift
from tests.api.workforce_support import MONDAY, H, audit_of, count, iso
from tests.factories import make_agent, make_shift


def post_leave(client, headers, agent_id: int, **body):
    return client.post(f"/api/v1/agents/{agent_id}/leave", json=body, headers=headers)


# --- adding leave --------------------------------------------------------------------------


def test_part_day_leave_from_instants(client, auth, db, clock):
    agent = make_agent(db, clock)
    r = post_leave(
        client,
        auth(Role.SUPERVISOR),
        agent.id,
        kind="other",
        starts_at="2026-11-09T14:00:00+01:00",
        ends_at="2026-11-09T16:30:00+01:00",
        note="dentist",
    )
    assert r.status_code == 201, r.text
    leave = r.json()
    assert leave["agent_id"] == agent.id
    assert leave["kind"] == "other"
    assert leave["starts_at"].startswith("2026-11-09T13:00:00")
    assert leave["ends_at"].startswith("2026-11-09T15:30:00")
    assert leave["note"] == "dentist"
    [entry] = audit_of(db, entity_type="leave", entity_id=leave["id"])
    assert entry.action == "created"
    assert entry.changes["kind"] == {"before": None, "after": "other"}


def test_whole_days_are_the_agents_local_days_end_included(client, auth, db, clock):
    agent = make_agent(db, clock, timezone="America/New_York")
    r = post_leave(
        client, auth(), agent.id, kind="vacation", start_date="2026-11-09", end_date="2026-11-13"
    )
    assert r.status_code == 201, r.text
    assert r.json()["starts_at"].startswith("2026-11-09T05:00:00")  # midnight in New York
    assert r.json()["ends_at"].startswith("2026-11-14T05:00:00")


def test_whole_days_across_a_dst_change_follow_the_zone(client, auth, db, clock):
    agent = make_agent(db, clock, timezone="Europe/Berlin")
    r = post_leave(
        client, auth(), agent.id, kind="vacation", start_date="2026-10-24", end_date="2026-10-25"
    )
    assert r.status_code == 201, r.text
    starts = datetime.fromisoformat(r.json()["starts_at"])
    ends = datetime.fromisoformat(r.json()["ends_at"])
    assert starts == datetime(2026, 10, 23, 22, tzinfo=UTC)  # midnight CEST
    assert ends - starts == 49 * H  # 24 hours and the 25-hour day of the change


def test_planned_leave_over_a_published_shift_is_409_naming_the_shifts(client, auth, db, clock):
    agent = make_agent(db, clock)
    first = make_shift(db, clock, agent.id, MONDAY + 7 * H, MONDAY + 15 * H)
    second = make_shift(db, clock, agent.id, MONDAY + 31 * H, MONDAY + 39 * H)
    make_shift(db, clock, agent.id, MONDAY + 55 * H, MONDAY + 63 * H, status=ShiftStatus.DRAFT)
    h = auth()
    for kind in ("vacation", "other"):
        r = post_leave(
            client, h, agent.id, kind=kind, start_date="2026-11-09", end_date="2026-11-11"
        )
        assert r.status_code == 409, r.text
        assert r.json()["error"]["details"]["shift_ids"] == [first.id, second.id]
    assert count(db, Leave) == 0


def test_planned_leave_over_drafts_only_is_accepted(client, auth, db, clock):
    agent = make_agent(db, clock)
    make_shift(db, clock, agent.id, MONDAY + 7 * H, MONDAY + 15 * H, status=ShiftStatus.DRAFT)
    r = post_leave(
        client, auth(), agent.id, kind="vacation", start_date="2026-11-09", end_date="2026-11-09"
    )
    assert r.status_code == 201, r.text


def test_leave_touching_a_shift_is_accepted(client, auth, db, clock):
    agent = make_agent(db, clock)
    make_shift(db, clock, agent.id, MONDAY + 7 * H, MONDAY + 15 * H)
    r = post_leave(
        client,
        auth(),
        agent.id,
        kind="other",
        starts_at=iso(MONDAY + 15 * H),
        ends_at=iso(MONDAY + 18 * H),
    )
    assert r.status_code == 201, r.text


def test_sick_leave_is_accepted_over_published_shifts(client, auth, db, clock):
    agent = make_agent(db, clock)
    make_shift(db, clock, agent.id, MONDAY + 7 * H, MONDAY + 15 * H)
    r = post_leave(
        client, auth(), agent.id, kind="sick", start_date="2026-11-09", end_date="2026-11-10"
    )
    assert r.status_code == 201, r.text
    assert count(db, Shift) == 1  # the shift stays; adherence excuses it


def test_sick_leave_starting_now_ends_the_running_clock_in(client, auth, db, clock):
    agent = make_agent(db, clock)
    now = clock.now()
    make_shift(db, clock, agent.id, now - 2 * H, now + 6 * H)
    attendance.clock_in(db, actor=SYSTEM, now=now - 2 * H, agent_id=agent.id)
    r = post_leave(
        client, auth(), agent.id, kind="sick", starts_at=iso(now - H), ends_at=iso(now + 6 * H)
    )
    assert r.status_code == 201, r.text
    with db.read() as s:
        row = s.scalar(select(ClockInRow).where(ClockInRow.agent_id == agent.id))
    assert row.clocked_out_at == now
    assert row.clock_out_reason == "leave"
    on_duty = client.get("/api/v1/on-duty", params={"at": iso(now)}, headers=auth()).json()
    assert on_duty["items"] == []


def test_sick_leave_from_tomorrow_leaves_the_clock_in_running(client, auth, db, clock):
    agent = make_agent(db, clock)
    now = clock.now()
    make_shift(db, clock, agent.id, now - 2 * H, now + 6 * H)
    attendance.clock_in(db, actor=SYSTEM, now=now - 2 * H, agent_id=agent.id)
    r = post_leave(
        client, auth(), agent.id, kind="sick", starts_at=iso(now + 8 * H), ends_at=iso(now + 30 * H)
    )
    assert r.status_code == 201, r.text
    with db.read() as s:
        row = s.scalar(select(ClockInRow).where(ClockInRow.agent_id == agent.id))
    assert row.clocked_out_at is None


def test_leave_may_not_overlap_the_agents_leave(client, auth, db, clock):
    agent, other = make_agent(db, clock), make_agent(db, clock)
    h = auth()
    first = post_leave(
        client, h, agent.id, kind="vacation", start_date="2026-11-09", end_date="2026-11-13"
    )
    assert first.status_code == 201
    r = post_leave(
        client,
        h,
        agent.id,
        kind="sick",
        starts_at=iso(MONDAY + 50 * H),
        ends_at=iso(MONDAY + 60 * H),
    )
    assert r.status_code == 409, r.text
    assert r.json()["error"]["details"]["leave_id"] == first.json()["id"]
    # Another agent's leave is no obstacle.
    assert (
        post_leave(
            client, h, other.id, kind="vacation", start_date="2026-11-09", end_date="2026-11-13"
        ).status_code
        == 201
    )
    assert count(db, Leave) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "holiday", "start_date": "2026-11-09", "end_date": "2026-11-09"},
        {"kind": "vacation"},
        {"kind": "vacation", "start_date": "2026-11-09"},
        {"kind": "vacation", "starts_at": "2026-11-09T08:00:00+00:00"},
        {
            "kind": "vacation",
            "start_date": "2026-11-09",
            "end_date": "2026-11-10",
            "starts_at": "2026-11-09T08:00:00+00:00",
            "ends_at": "2026-11-09T12:00:00+00:00",
        },
        {"kind": "vacation", "start_date": "2026-11-10", "end_date": "2026-11-09"},
        {"kind": "vacation", "start_date": "2026-01-01", "end_date": "2027-01-05"},
        {"kind": "vacation", "start_date": "9999-12-31", "end_date": "9999-12-31"},
        {"kind": "vacation", "start_date": "2026-02-30", "end_date": "2026-03-01"},
        {
            "kind": "other",
            "starts_at": "2026-11-09T12:00:00+00:00",
            "ends_at": "2026-11-09T08:00:00+00:00",
        },
        {"kind": "other", "starts_at": "2026-11-09T08:00:00", "ends_at": "2026-11-09T12:00:00"},
        {"kind": "sick", "start_date": "2026-11-09", "end_date": "2026-11-09", "note": "x" * 201},
        {"kind": "sick", "start_date": "2026-11-09", "end_date": "2026-11-09", "paid": True},
    ],
)
def test_bad_leave_is_422_and_adds_nothing(client, auth, db, clock, body):
    agent = make_agent(db, clock)
    r = post_leave(client, auth(), agent.id, **body)
    assert r.status_code == 422, r.text
    assert count(db, Leave) == 0


def test_leave_of_an_unknown_agent_is_404(client, auth, db):
    r = post_leave(
        client, auth(), 999999, kind="sick", start_date="2026-11-09", end_date="2026-11-09"
    )
    assert r.status_code == 404
    assert count(db, Leave) == 0


def test_only_managers_add_or_cancel_leave(client, auth, db, clock):
    agent = make_agent(db, clock)
    body = {"kind": "sick", "start_date": "2026-11-09", "end_date": "2026-11-09"}
    for role in (Role.AGENT, Role.VIEWER, Role.INTEGRATOR):
        assert post_leave(client, auth(role), agent.id, **body).status_code == 403
    leave = post_leave(client, auth(Role.SUPERVISOR), agent.id, **body).json()
    r = client.delete(f"/api/v1/leave/{leave['id']}", headers=auth(Role.AGENT))
    assert r.status_code == 403
    assert count(db, Leave) == 1


# --- listing and cancelling ----------------------------------------------------------------


def test_list_leave_in_a_window(client, auth, db, clock):
    a, b = make_agent(db, clock), make_agent(db, clock)
    h = auth()
    early = post_leave(
        client, h, a.id, kind="vacation", start_date="2026-11-02", end_date="2026-11-10"
    ).json()
    later = post_leave(
        client, h, b.id, kind="sick", start_date="2026-11-12", end_date="2026-11-12"
    ).json()
    post_leave(client, h, a.id, kind="other", start_date="2026-12-01", end_date="2026-12-01")
    viewer = auth(Role.VIEWER)
    window = {"from": iso(MONDAY), "to": iso(MONDAY + timedelta(days=7))}
    r = client.get("/api/v1/leave", params=window, headers=viewer)
    assert r.status_code == 200, r.text
    assert [x["id"] for x in r.json()["items"]] == [early["id"], later["id"]]
    r = client.get("/api/v1/leave", params={**window, "agent_id": b.id}, headers=viewer)
    assert [x["id"] for x in r.json()["items"]] == [later["id"]]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"from": "2026-11-09T00:00:00+00:00"},
        {"from": "2026-11-09T00:00:00", "to": "2026-11-10T00:00:00"},
        {"from": "2026-11-10T00:00:00+00:00", "to": "2026-11-09T00:00:00+00:00"},
        {"from": "2026-01-01T00:00:00+00:00", "to": "2028-01-01T00:00:00+00:00"},
    ],
)
def test_list_leave_needs_a_bounded_aware_window(client, auth, params):
    assert client.get("/api/v1/leave", params=params, headers=auth()).status_code == 422


def test_cancel_leave_is_audited_and_gone(client, auth, db, clock):
    agent = make_agent(db, clock)
    h = auth()
    leave = post_leave(
        client, h, agent.id, kind="vacation", start_date="2026-11-09", end_date="2026-11-10"
    ).json()
    assert client.delete(f"/api/v1/leave/{leave['id']}", headers=h).status_code == 204
    assert count(db, Leave) == 0
    assert [e.action for e in audit_of(db, entity_type="leave", entity_id=leave["id"])] == [
        "created",
        "deleted",
    ]
    assert client.delete(f"/api/v1/leave/{leave['id']}", headers=h).status_code == 404
    # The days are free again for a shift.
    make_shift(db, clock, agent.id, MONDAY + 7 * H, MONDAY + 15 * H)


# --- public holidays -----------------------------------------------------------------------


def test_public_holidays_of_a_country_and_year(client, auth):
    r = client.get(
        "/api/v1/holidays", params={"country": "DE", "year": 2026}, headers=auth(Role.AGENT)
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert {"date": "2026-12-25", "name": "Christmas Day"} in items
    assert {"date": "2026-10-03", "name": "German Unity Day"} in items
    assert [x["date"] for x in items] == sorted(x["date"] for x in items)
    assert all(x["date"].startswith("2026-") for x in items)
    lower = client.get("/api/v1/holidays", params={"country": "ng", "year": 2026}, headers=auth())
    assert lower.status_code == 200
    assert any(x["date"] == "2026-10-01" for x in lower.json()["items"])  # Independence Day


@pytest.mark.parametrize(
    "params",
    [
        {"country": "XX", "year": 2026},
        {"country": "DEU", "year": 2026},
        {"country": "D", "year": 2026},
        {"country": "DE", "year": 1066},
        {"country": "DE", "year": "next"},
        {"country": "DE"},
        {"year": 2026},
    ],
)
def test_unknown_country_or_year_is_422(client, auth, params):
    r = client.get("/api/v1/holidays", params=params, headers=auth())
    assert r.status_code == 422, r.text
