"""Rosters through the HTTP API: publishing a week of drafts (of a team), shift templates
applied across DST changes with public holidays skipped, one shift and its audit trail. Copying a
week: test_copy_week_api.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from careloop.accounts.model import Role
from careloop.workforce.tables import Shift, ShiftTemplate
from tests.api.workforce_support import (
    MONDAY,
    H,
    audit_of,
    count,
    iso,
    listed,
    notices,
    shift_body,
    utc,
    week_of,
)
from tests.factories import make_agent, make_shift

# --- publishing ----------------------------------------------------------------------------


def test_batch_creates_a_week_of_drafts_then_publish_makes_it_count(client, auth, db, clock):
    a, b = make_agent(db, clock), make_agent(db, clock)
    h = auth()
    r = client.post(
        "/api/v1/shifts/batch", json={"status": "draft", "shifts": week_of([a.id, b.id])}, headers=h
    )
    assert r.status_code == 201, r.text
    items = r.json()["items"]
    assert len(items) == 10 and {x["status"] for x in items} == {"draft"}
    assert notices(db, a.id) == []
    # Publishing Monday to Wednesday publishes those drafts only.
    r = client.post(
        "/api/v1/rosters/publish",
        json={"from": iso(MONDAY), "to": iso(MONDAY + timedelta(days=3))},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["published"] == 6
    assert {x["status"] for x in r.json()["items"]} == {"published"}
    assert len(notices(db, a.id)) == 3 and {n.kind for n in notices(db, a.id)} == {"published"}
    week = listed(client, h, MONDAY, MONDAY + timedelta(days=7))
    assert sorted(x["status"] for x in week) == ["draft"] * 4 + ["published"] * 6
    entry = audit_of(db, items[0]["id"])[-1]
    assert entry.action == "published"
    assert entry.changes["status"] == {"before": "draft", "after": "published"}
    # Published again: nothing left to publish in the window.
    again = client.post(
        "/api/v1/rosters/publish",
        json={"from": iso(MONDAY), "to": iso(MONDAY + timedelta(days=3))},
        headers=h,
    )
    assert again.json() == {"published": 0, "items": []}


def test_publish_only_a_teams_drafts(client, auth, db, clock):
    h = auth()
    emea = client.post("/api/v1/teams", json={"name": "EMEA"}, headers=h).json()
    client.post("/api/v1/teams", json={"name": "APAC"}, headers=h)
    a = make_agent(db, clock, team="EMEA")
    b = make_agent(db, clock, team="APAC")
    client.post(
        "/api/v1/shifts/batch", json={"status": "draft", "shifts": week_of([a.id, b.id])}, headers=h
    )
    r = client.post(
        "/api/v1/rosters/publish",
        json={"from": iso(MONDAY), "to": iso(MONDAY + timedelta(days=7)), "team_id": emea["id"]},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert {x["agent_id"] for x in r.json()["items"]} == {a.id}
    assert (
        listed(client, h, MONDAY, MONDAY + timedelta(days=7), status="published", team_id=b.team_id)
        == []
    )
    assert len(listed(client, h, MONDAY, MONDAY + timedelta(days=7), team_id=emea["id"])) == 5


def test_published_shifts_are_rostered_for_routing(client, auth, db, clock):
    agent = make_agent(db, clock)
    h = auth()
    client.post(
        "/api/v1/shifts", json=shift_body(agent.id, clock.now() - H, status="draft"), headers=h
    )
    client.post(
        "/api/v1/rosters/publish",
        json={"from": iso(clock.now() - 2 * H), "to": iso(clock.now())},
        headers=h,
    )
    on_duty = client.get(
        "/api/v1/on-duty", params={"at": iso(clock.now()), "include": "rostered"}, headers=h
    ).json()["items"]
    assert [x["agent_id"] for x in on_duty] == [agent.id]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"from": "2026-11-09T00:00:00", "to": "2026-11-16T00:00:00+00:00"}, 422),
        ({"from": "2026-11-16T00:00:00+00:00", "to": "2026-11-09T00:00:00+00:00"}, 422),
        ({"from": "2026-11-01T00:00:00+00:00", "to": "2027-02-01T00:00:00+00:00"}, 422),
        (
            {
                "from": "2026-11-09T00:00:00+00:00",
                "to": "2026-11-16T00:00:00+00:00",
                "team_id": 999,
            },
            422,
        ),
        ({"from": "2026-11-09T00:00:00+00:00"}, 422),
    ],
)
def test_bad_publish_is_refused_and_publishes_nothing(client, auth, db, clock, body, status):
    agent = make_agent(db, clock)
    client.post(
        "/api/v1/shifts/batch",
        json={"status": "draft", "shifts": week_of([agent.id])},
        headers=auth(),
    )
    r = client.post("/api/v1/rosters/publish", json=body, headers=auth())
    assert r.status_code == status, r.text
    assert len(listed(client, auth(), MONDAY, MONDAY + timedelta(days=7), status="draft")) == 5


def test_publish_refuses_drafts_in_planned_leave_and_publishes_none(client, auth, db, clock):
    a, b = make_agent(db, clock), make_agent(db, clock)
    h = auth()
    client.post(
        "/api/v1/shifts/batch", json={"status": "draft", "shifts": week_of([a.id, b.id])}, headers=h
    )
    leave = client.post(
        f"/api/v1/agents/{b.id}/leave",
        json={"kind": "vacation", "start_date": "2026-11-12", "end_date": "2026-11-13"},
        headers=h,
    )
    assert leave.status_code == 201, leave.text
    r = client.post(
        "/api/v1/rosters/publish",
        json={"from": iso(MONDAY), "to": iso(MONDAY + timedelta(days=7))},
        headers=h,
    )
    assert r.status_code == 409, r.text
    assert len(r.json()["error"]["details"]["shift_ids"]) == 2
    assert r.json()["error"]["details"]["leave_ids"] == [leave.json()["id"]]
    assert listed(client, h, MONDAY, MONDAY + timedelta(days=7), status="published") == []
    assert notices(db, a.id) == []


# --- templates -----------------------------------------------------------------------------


def make_template(client, headers, **overrides) -> dict:
    body = {
        "name": "EU night",
        "starts": "22:00",
        "ends": "06:00",
        "timezone": "Europe/Berlin",
        "breaks": [{"after_minutes": 240, "minutes": 30}],
        **overrides,
    }
    r = client.post("/api/v1/shift-templates", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_template_shifts_follow_dst_in_the_templates_zone(client, auth, db, clock):
    h = auth()
    template = make_template(client, h)
    assert (template["starts"], template["ends"]) == ("22:00", "06:00")
    agent = make_agent(db, clock, timezone="America/New_York")
    r = client.post(
        "/api/v1/shifts/from-template",
        json={
            "template_id": template["id"],
            "agent_ids": [agent.id],
            "dates": ["2026-10-24", "2026-03-28", "2026-10-17"],
            "status": "published",
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    by_day = {x["starts_at"][:10]: x for x in r.json()["items"]}
    lengths = {
        day: datetime.fromisoformat(x["ends_at"]) - datetime.fromisoformat(x["starts_at"])
        for day, x in by_day.items()
    }
    assert lengths == {"2026-10-24": 9 * H, "2026-03-28": 7 * H, "2026-10-17": 8 * H}
    assert by_day["2026-10-24"]["starts_at"].startswith("2026-10-24T20:00:00")
    assert by_day["2026-10-24"]["ends_at"].startswith("2026-10-25T05:00:00")
    assert by_day["2026-10-24"]["template_id"] == template["id"]
    assert by_day["2026-10-24"]["breaks"][0]["starts_at"].startswith("2026-10-25T00:00:00")
    assert len(notices(db, agent.id)) == 3


def test_template_skips_the_agents_public_holidays(client, auth, db, clock):
    h = auth()
    template = make_template(client, h, name="EU early", starts="07:00", ends="15:00", breaks=[])
    german = make_agent(db, clock)
    client.patch(f"/api/v1/agents/{german.id}", json={"country": "DE"}, headers=h)
    indian = make_agent(db, clock, timezone="Asia/Kolkata")
    client.patch(f"/api/v1/agents/{indian.id}", json={"country": "IN"}, headers=h)
    homeless = make_agent(db, clock)
    body = {
        "template_id": template["id"],
        "agent_ids": [german.id, indian.id, homeless.id],
        "dates": ["2026-12-24", "2026-12-25", "2026-12-26"],
        "status": "draft",
    }
    r = client.post("/api/v1/shifts/from-template", json=body, headers=h)
    assert r.status_code == 201, r.text
    days = {}
    for x in r.json()["items"]:
        days.setdefault(x["agent_id"], []).append(x["starts_at"][:10])
    assert days[german.id] == ["2026-12-24"]  # Christmas Day and the second day are holidays
    assert days[indian.id] == ["2026-12-24", "2026-12-26"]  # Christmas only
    assert days[homeless.id] == ["2026-12-24", "2026-12-25", "2026-12-26"]
    # Not skipping: the German agent gets the remaining days as well.
    r = client.post(
        "/api/v1/shifts/from-template",
        json={
            **body,
            "agent_ids": [german.id],
            "dates": ["2026-12-25", "2026-12-26"],
            "skip_holidays": False,
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert len(r.json()["items"]) == 2


def test_template_application_is_all_or_nothing(client, auth, db, clock):
    h = auth()
    template = make_template(client, h, name="EU early", starts="07:00", ends="15:00")
    a, b = make_agent(db, clock), make_agent(db, clock)
    make_shift(db, clock, b.id, utc(2026, 11, 11, 12), utc(2026, 11, 11, 13))
    r = client.post(
        "/api/v1/shifts/from-template",
        json={
            "template_id": template["id"],
            "agent_ids": [a.id, b.id],
            "dates": ["2026-11-10", "2026-11-11"],
        },
        headers=h,
    )
    assert r.status_code == 409, r.text
    assert r.json()["error"]["details"]["index"] == 3  # day by day, agent by agent
    assert count(db, Shift) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"template_id": 999999, "dates": ["2026-11-10"]},
        {"agent_ids": [999999], "dates": ["2026-11-10"]},
        {"dates": []},
        {"dates": ["2026-11-31"]},
        {"dates": ["9999-12-31"]},
        {"dates": [f"2026-11-{d:02d}" for d in range(1, 31)], "agent_ids": list(range(1, 40))},
        {"dates": ["2026-11-10"], "status": "late"},
    ],
)
def test_bad_template_application_is_422(client, auth, db, clock, body):
    h = auth()
    template = make_template(client, h)
    agent = make_agent(db, clock)
    full = {"template_id": template["id"], "agent_ids": [agent.id], **body}
    r = client.post("/api/v1/shifts/from-template", json=full, headers=h)
    assert r.status_code == 422, r.text
    assert count(db, Shift) == 0


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"name": "eu NIGHT"}, 409),
        ({"name": "Long", "starts": "06:00", "ends": "22:01"}, 422),  # over 16 hours
        ({"name": "Day", "starts": "08:00", "ends": "08:00"}, 422),  # a whole day
        ({"name": "Zone", "timezone": "Europe/Atlantis"}, 422),
        ({"name": "Offset", "starts": "07:00+01:00"}, 422),
        ({"name": "Hour", "starts": "25:00"}, 422),
        ({"name": "Seconds", "starts": "07:00:30"}, 422),
        ({"name": "Break", "breaks": [{"after_minutes": 470, "minutes": 30}]}, 422),
        (
            {
                "name": "Breaks",
                "breaks": [
                    {"after_minutes": 60, "minutes": 30},
                    {"after_minutes": 80, "minutes": 30},
                ],
            },
            422,
        ),
        ({"name": "Skill", "skills": ["colour"]}, 422),
        ({"name": "Team", "team_id": 999999}, 422),
    ],
)
def test_bad_template_is_refused_and_creates_nothing(client, auth, overrides, status, db):
    h = auth()
    make_template(client, h)
    body = {
        "name": "EU night",
        "starts": "22:00",
        "ends": "06:00",
        "timezone": "Europe/Berlin",
        **overrides,
    }
    r = client.post("/api/v1/shift-templates", json=body, headers=h)
    assert r.status_code == status, r.text
    assert count(db, ShiftTemplate) == 1
    assert [
        t["name"]
        for t in client.get("/api/v1/shift-templates", headers=auth(Role.VIEWER)).json()["items"]
    ] == ["EU night"]


# --- one shift and its history -------------------------------------------------------------


def test_a_shift_and_its_audit_trail(client, auth, db, clock):
    agent = make_agent(db, clock)
    h, viewer = auth(), auth(Role.VIEWER)
    start = MONDAY + 8 * H
    r = client.post("/api/v1/shifts", json=shift_body(agent.id, start, status="draft"), headers=h)
    shift_id = r.json()["id"]
    moved = start + H
    r = client.patch(
        f"/api/v1/shifts/{shift_id}",
        json={"starts_at": iso(moved), "ends_at": iso(moved + 8 * H)},
        headers=h,
    )
    assert r.status_code == 200, r.text
    client.post(
        "/api/v1/rosters/publish",
        json={"from": iso(MONDAY), "to": iso(MONDAY + timedelta(days=1))},
        headers=h,
    )

    r = client.get(f"/api/v1/shifts/{shift_id}", headers=viewer)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published" and r.json()["starts_at"] == "2026-11-09T09:00:00Z"
    r = client.get(f"/api/v1/shifts/{shift_id}/audit", headers=viewer)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [x["action"] for x in items] == ["created", "updated", "published"]
    assert items[0]["changes"]["status"] == {"before": None, "after": "draft"}
    assert items[1]["changes"]["starts_at"] == {
        "before": "2026-11-09T08:00:00+00:00",
        "after": "2026-11-09T09:00:00+00:00",
    }
    assert items[2]["changes"]["status"] == {"before": "draft", "after": "published"}
    assert {x["actor_label"] for x in items} != {""}
    assert items[0]["at"] <= items[1]["at"] <= items[2]["at"]

    # A deleted shift is gone, its history stays.
    assert client.delete(f"/api/v1/shifts/{shift_id}", headers=h).status_code == 204
    assert client.get(f"/api/v1/shifts/{shift_id}", headers=viewer).status_code == 404
    r = client.get(f"/api/v1/shifts/{shift_id}/audit", headers=viewer)
    assert [x["action"] for x in r.json()["items"]][-1] == "deleted"


@pytest.mark.parametrize("path", ["/api/v1/shifts/{id}", "/api/v1/shifts/{id}/audit"])
def test_an_unknown_shift_is_404(client, auth, path):
    r = client.get(path.format(id=424242), headers=auth(Role.AGENT))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.get(path.format(id=0), headers=auth()).status_code == 422
