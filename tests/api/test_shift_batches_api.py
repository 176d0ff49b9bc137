"""Shift batches through the HTTP API: all or nothing, bounded, each item checked against the
stored roster, and a constant number of statements whatever the batch's size."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import event

from careloop.workforce.model import ShiftStatus
from careloop.workforce.tables import Shift, ShiftNotice
from tests.api.workforce_support import (
    MONDAY,
    H,
    count,
    iso,
    notices,
    shift_body,
    week_of,
)
from tests.factories import make_agent, make_shift


def test_batch_is_all_or_nothing(client, auth, db, clock):
    a, b = make_agent(db, clock), make_agent(db, clock)
    friday = MONDAY + timedelta(days=4)
    make_shift(db, clock, b.id, friday + 16 * H, friday + 18 * H)
    h = auth()
    r = client.post(
        "/api/v1/shifts/batch",
        json={"status": "published", "shifts": week_of([a.id, b.id])},
        headers=h,
    )
    assert r.status_code == 409, r.text
    assert r.json()["error"]["details"]["index"] == 9
    assert count(db, Shift) == 1
    assert notices(db, a.id) == []


@pytest.mark.parametrize(
    ("mutate", "status", "index"),
    [
        (
            lambda s: s.append(
                {**s[0], "starts_at": iso(MONDAY + 10 * H), "ends_at": iso(MONDAY + 11 * H)}
            ),
            409,
            5,
        ),
        (lambda s: s[3].update(ends_at=s[3]["starts_at"]), 422, 3),
        (lambda s: s[2].update(agent_id=999999), 422, 2),
        (lambda s: s[1].update(ends_at=iso(MONDAY + 48 * H)), 422, 1),
        (lambda s: s[4].update(starts_at="2026-11-13T07:00:00"), 422, None),
    ],
)
def test_one_bad_item_refuses_the_batch(client, auth, db, clock, mutate, status, index):
    agent = make_agent(db, clock)
    shifts = week_of([agent.id])
    mutate(shifts)
    r = client.post(
        "/api/v1/shifts/batch", json={"status": "published", "shifts": shifts}, headers=auth()
    )
    assert r.status_code == status, r.text
    if index is not None:
        assert r.json()["error"]["details"]["index"] == index
    assert count(db, Shift) == 0
    assert count(db, ShiftNotice) == 0


def test_batch_size_is_bounded(client, auth, db, clock):
    agent = make_agent(db, clock)
    shifts = [shift_body(agent.id, MONDAY + n * H, 0.5) for n in range(1001)]
    r = client.post(
        "/api/v1/shifts/batch", json={"status": "draft", "shifts": shifts}, headers=auth()
    )
    assert r.status_code == 422
    assert (
        client.post(
            "/api/v1/shifts/batch", json={"status": "draft", "shifts": []}, headers=auth()
        ).status_code
        == 422
    )
    assert count(db, Shift) == 0


def test_batch_items_are_checked_against_the_stored_roster(client, auth, db, clock):
    agent, other = make_agent(db, clock), make_agent(db, clock)
    early = make_shift(db, clock, agent.id, MONDAY + 7 * H, MONDAY + 15 * H)
    late = make_shift(
        db, clock, agent.id, MONDAY + 15 * H, MONDAY + 23 * H, status=ShiftStatus.DRAFT
    )
    long = make_shift(db, clock, agent.id, MONDAY + 48 * H, MONDAY + 64 * H)  # 16 hours
    make_shift(db, clock, other.id, MONDAY + 14 * H, MONDAY + 16 * H)
    h = auth()

    def batch(*shifts):
        return client.post(
            "/api/v1/shifts/batch", json={"status": "draft", "shifts": list(shifts)}, headers=h
        )

    # Each item against the earliest stored shift of its own agent that it overlaps.
    for i, (start, hours, clash) in enumerate(
        [
            (MONDAY + 14 * H, 2, early),  # overlaps both: the earlier is named
            (MONDAY + 16 * H, 1, late),  # inside the second (a draft counts too)
            (MONDAY + 63 * H, 0.5, long),  # late in a 16-hour shift that began long before
        ]
    ):
        r = batch(shift_body(agent.id, MONDAY + 100 * H), shift_body(agent.id, start, hours))
        assert r.status_code == 409, (i, r.text)
        assert (
            r.json()["error"]["details"] | {"index": 1, "shift_id": clash.id}
            == (r.json()["error"]["details"])
        )
        assert r.json()["error"]["message"].startswith(f"shift 1: agent {agent.id} already has")
    assert count(db, Shift) == 4

    # Touching stored shifts, or overlapping another agent's, is fine.
    r = batch(
        shift_body(agent.id, MONDAY + 23 * H),
        shift_body(agent.id, MONDAY - 1 * H, 8),
        shift_body(agent.id, MONDAY + 64 * H, 1),
        shift_body(other.id, MONDAY + 16 * H, 2),
        shift_body(agent.id, MONDAY + 32 * H, 16),
    )
    assert r.status_code == 201, r.text
    assert count(db, Shift) == 9


def test_a_batch_takes_the_same_statements_whatever_its_size(client, auth, db, clock):
    """Agents locked once, one read each for leave and the roster, rows inserted in one flush:
    ten times the shifts, not ten times the round trips."""
    agents = [make_agent(db, clock) for _ in range(3)]
    for a in agents:
        make_shift(db, clock, a.id, MONDAY - 24 * H, MONDAY - 16 * H)
    h = auth()
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_):
        seen.append(statement.split(None, 1)[0].upper())

    def statements(days: range) -> Counter[str]:
        shifts = [
            shift_body(a.id, MONDAY + d * 24 * H + n * 8 * H)
            for d in days
            for n, a in enumerate(agents)
        ]
        seen.clear()
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            r = client.post(
                "/api/v1/shifts/batch", json={"status": "published", "shifts": shifts}, headers=h
            )
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        assert r.status_code == 201, r.text
        assert len(r.json()["items"]) == len(shifts)
        return Counter(seen)

    small, large = statements(range(2)), statements(range(2, 22))
    assert small["SELECT"] == large["SELECT"]
    if db.is_postgres:  # SQLite's RETURNING order is not trusted: the ORM inserts row by row
        assert small == large
    assert count(db, ShiftNotice) == 3 + 66
