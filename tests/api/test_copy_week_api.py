"""Copying a week of the roster through the HTTP API: drafts at the same wall-clock times in each
agent's zone across DST changes, overlaps and planned leave skipped and counted, bad requests
refused with nothing copied."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from careloop.accounts.model import Role
from careloop.workforce import leave
from careloop.workforce.model import LeaveKind, ShiftStatus, local_day, shift_instants
from careloop.workforce.tables import Shift
from tests.api.workforce_support import audit_of, count
from tests.factories import ACTOR, make_agent, make_shift

SOURCE = date(2026, 10, 19)  # Europe leaves summer time on Sunday 25 October at 03:00
TARGET = date(2026, 10, 26)


def _local(day: date, start: str, end: str, zone: str = "Europe/Berlin"):
    return shift_instants(day, time.fromisoformat(start), time.fromisoformat(end), zone)


def _copy(client, headers, source: date = SOURCE, target: date = TARGET, **extra):
    body = {"source_week": source.isoformat(), "target_week": target.isoformat(), **extra}
    return client.post("/api/v1/rosters/copy-week", json=body, headers=headers)


def _times(items: list[dict]) -> list[tuple[str, str]]:
    return sorted((x["starts_at"], x["ends_at"]) for x in items)


def test_copy_keeps_berlin_wall_clock_across_the_october_change(client, auth, db, clock):
    agent = make_agent(db, clock, timezone="Europe/Berlin")
    early = _local(SOURCE, "07:00", "15:00")  # summer time: 05:00-13:00 UTC
    night = _local(SOURCE + timedelta(days=5), "22:00", "06:00")  # the 9-hour night
    sunday = _local(SOURCE + timedelta(days=6), "07:00", "15:00")  # winter time already
    published = make_shift(db, clock, agent.id, early.start, early.end)
    make_shift(db, clock, agent.id, night.start, night.end, status=ShiftStatus.DRAFT)
    make_shift(db, clock, agent.id, sunday.start, sunday.end)
    assert night.end - night.start == timedelta(hours=9)

    r = _copy(client, auth(), source=SOURCE + timedelta(days=3), target=TARGET + timedelta(days=6))
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["created"], body["skipped"], body["skipped_items"]) == (3, 0, [])
    assert {x["status"] for x in body["items"]} == {"draft"}
    assert {x["agent_id"] for x in body["items"]} == {agent.id}
    # 07:00-15:00 and 22:00-06:00 in Berlin, now at UTC+1; the night is 8 hours again.
    assert _times(body["items"]) == [
        ("2026-10-26T06:00:00Z", "2026-10-26T14:00:00Z"),
        ("2026-10-31T21:00:00Z", "2026-11-01T05:00:00Z"),
        ("2026-11-01T06:00:00Z", "2026-11-01T14:00:00Z"),
    ]
    # Audited as created; the source week is untouched.
    assert [e.action for e in audit_of(db, body["items"][0]["id"])] == ["created"]
    assert count(db, Shift) == 6
    r = client.get(f"/api/v1/shifts/{published.id}", headers=auth(Role.VIEWER))
    assert (r.json()["status"], r.json()["starts_at"]) == ("published", "2026-10-19T05:00:00Z")


def test_copy_back_into_summer_time_and_other_zones(client, auth, db, clock):
    """Copied backwards, 07:00 in Berlin is 05:00 UTC again; New York changes a week later."""
    berlin = make_agent(db, clock, timezone="Europe/Berlin")
    new_york = make_agent(db, clock, timezone="America/New_York")
    b = _local(TARGET, "07:00", "15:00")
    n = _local(TARGET + timedelta(days=6), "09:00", "17:00", "America/New_York")  # 1 Nov, EST
    make_shift(db, clock, berlin.id, b.start, b.end)
    make_shift(db, clock, new_york.id, n.start, n.end)
    r = _copy(client, auth(), source=TARGET, target=SOURCE)
    assert r.status_code == 201, r.text
    assert _times(r.json()["items"]) == [
        ("2026-10-19T05:00:00Z", "2026-10-19T13:00:00Z"),
        ("2026-10-25T13:00:00Z", "2026-10-25T21:00:00Z"),  # 09:00 EDT
    ]


def test_overlaps_and_planned_leave_are_skipped_and_counted(client, auth, db, clock):
    a = make_agent(db, clock, name="Ana")
    b = make_agent(db, clock, name="Ben")
    first = {}
    for agent, days in ((a, (0, 1)), (b, (0, 2))):
        for d in days:
            span = _local(SOURCE + timedelta(days=d), "07:00", "15:00")
            first[(agent.id, d)] = make_shift(db, clock, agent.id, span.start, span.end).id
    taken = _local(TARGET, "14:00", "20:00")  # overlaps Ana's Monday copy
    make_shift(db, clock, a.id, taken.start, taken.end, status=ShiftStatus.DRAFT)
    for kind, d in ((LeaveKind.VACATION, 2), (LeaveKind.SICK, 0)):
        day = local_day(TARGET + timedelta(days=d), "Europe/Berlin")
        leave.add_leave(
            db,
            actor=ACTOR,
            now=clock.now(),
            agent_id=b.id,
            kind=kind,
            starts_at=day.start,
            ends_at=day.end,
        )
    before = count(db, Shift)

    r = _copy(client, auth())
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["created"], body["skipped"]) == (2, 2)
    assert body["skipped_items"] == sorted(
        [
            {"shift_id": first[(a.id, 0)], "reason": "overlap"},
            {"shift_id": first[(b.id, 2)], "reason": "leave"},
        ],
        key=lambda x: x["shift_id"],
    )
    # Ana's Tuesday, and Ben's Monday (sick leave does not stop a draft).
    assert sorted((x["agent_id"], x["starts_at"][:10]) for x in body["items"]) == sorted(
        [(a.id, "2026-10-27"), (b.id, "2026-10-26")]
    )
    assert count(db, Shift) == before + 2
    # Copied again: every copy now overlaps the first copies.
    again = _copy(client, auth()).json()
    assert (again["created"], again["skipped"]) == (0, 4)
    assert count(db, Shift) == before + 2


def test_only_the_teams_shifts_and_the_week_in_the_given_zone(client, auth, db, clock):
    h = auth()
    emea = client.post("/api/v1/teams", json={"name": "EMEA"}, headers=h).json()["id"]
    client.post("/api/v1/teams", json={"name": "APAC"}, headers=h)
    mine = make_agent(db, clock, team="EMEA")
    other = make_agent(db, clock, team="APAC")
    sunday = _local(SOURCE + timedelta(days=6), "20:00", "23:00")  # Sunday evening in Berlin
    # Monday 01:00 in Berlin: the next week there, still Sunday 19:00 in New York.
    monday = _local(SOURCE + timedelta(days=7), "01:00", "09:00")
    for agent in (mine, other):
        make_shift(db, clock, agent.id, sunday.start, sunday.end)
    make_shift(db, clock, mine.id, monday.start, monday.end)

    r = _copy(client, h, target=date(2026, 11, 2), team_id=emea)
    assert r.status_code == 201, r.text
    assert [x["agent_id"] for x in r.json()["items"]] == [mine.id]  # the Sunday evening only
    r = _copy(client, h, target=date(2026, 11, 9), team_id=emea, timezone="America/New_York")
    assert r.status_code == 201, r.text
    assert _times(r.json()["items"]) == [
        ("2026-11-15T19:00:00Z", "2026-11-15T22:00:00Z"),
        ("2026-11-16T00:00:00Z", "2026-11-16T08:00:00Z"),
    ]


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"target_week": "2026-10-21"}, 422),  # the same week
        ({"team_id": 999_999}, 422),
        ({"timezone": "Mars/Olympus"}, 422),
        ({"source_week": "2026-02-30"}, 422),
        ({"source_week": "1999-12-27"}, 422),
        ({"target_week": None}, 422),
        ({"publish": True}, 422),
    ],
)
def test_bad_copy_is_refused_and_copies_nothing(client, auth, db, clock, extra, status):
    agent = make_agent(db, clock)
    span = _local(SOURCE, "07:00", "15:00")
    make_shift(db, clock, agent.id, span.start, span.end)
    body = {"source_week": SOURCE.isoformat(), "target_week": TARGET.isoformat(), **extra}
    r = client.post("/api/v1/rosters/copy-week", json=body, headers=auth())
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == "validation_error"
    assert count(db, Shift) == 1


def test_agents_may_not_copy_a_week(client, auth, db, clock):
    agent = make_agent(db, clock)
    span = _local(SOURCE, "07:00", "15:00")
    make_shift(db, clock, agent.id, span.start, span.end)
    r = _copy(client, auth(Role.AGENT))
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert count(db, Shift) == 1
