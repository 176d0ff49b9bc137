"""Who is on duty, from the database: the one SQL query of `on_duty_agents` must agree with the
pure rule `duty.is_on_duty` at every instant, across DST, breaks, leave and lapsed clock-ins.
Attendance against the roster and the clock actions are in test_attendance.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from careloop.workforce import actions, attendance, duty
from careloop.workforce.model import Interval
from careloop.workforce.queries import agent_timelines, on_duty_agents
from tests.factories import ACTOR, make_agent, make_shift
from tests.integration.duty_support import BERLIN, counted, dst_roster, staffed, utc

US = timedelta(microseconds=1)


@pytest.fixture
def roster(db, clock):
    """Agents in several zones around the October DST change in Berlin (see dst_roster)."""
    return dst_roster(db, clock)


def instants(db, ids) -> list[datetime]:
    """Every 10 minutes over the scenario, plus each boundary and a microsecond either side."""
    start, end = utc(2026, 10, 24, 18), utc(2026, 10, 26, 8)
    step = timedelta(minutes=10)
    points = {start + n * step for n in range((end - start) // step)}
    with db.read() as s:
        timelines = agent_timelines(s, ids, Interval(start, end))
    for tl in timelines.values():
        edges = [x for i in tl.shifts + tl.leave for x in (i.start, i.end)]
        edges += [x for c in tl.clock_ins for x in (c.start, c.until)]
        edges += [x for b in tl.breaks for x in (b.start, b.end) if x is not None]
        points |= {e + d for e in edges for d in (-US, timedelta(0), US)}
    return sorted(points)


def test_on_duty_query_agrees_with_the_pure_rule_at_every_instant(db, roster):
    ids = list(roster.values())
    with db.read() as s:
        timelines = agent_timelines(s, ids, Interval(utc(2026, 10, 23), utc(2026, 10, 27)))
    seen_on_duty = set()
    for at in instants(db, ids):
        expected_on = {i for i in ids if duty.is_on_duty(timelines[i], at)}
        expected_rostered = {i for i in ids if duty.is_rostered(timelines[i], at)}
        on = on_duty_agents(db, at=at)
        assert {o.agent_id for o in on} == expected_on, at
        rostered = on_duty_agents(db, at=at, include_rostered=True)
        assert {o.agent_id for o in rostered} == expected_rostered, at
        assert [o.agent_id for o in on] == [o.agent_id for o in rostered if o.on_duty], at
        for o in rostered:
            tl = timelines[o.agent_id]
            clocked_in = any(c.active(at) for c in tl.clock_ins)
            assert o.clocked_in == clocked_in, (at, o)
            assert o.on_break == (clocked_in and any(b.active(at) for b in tl.breaks)), (at, o)
            assert o.on_leave == any(x.contains(at) for x in tl.leave), (at, o)
            assert Interval(o.shift_starts_at, o.shift_ends_at).contains(at)
        seen_on_duty |= expected_on
    # The scenario is not vacuous: everyone with a published shift and a clock-in works.
    assert seen_on_duty == set(ids) - {roster["dora"]}


def test_berlin_night_shift_across_the_october_change(db, roster):
    anna = roster["anna"]

    def on(at):
        return anna in {o.agent_id for o in on_duty_agents(db, at=at)}

    assert on(datetime(2026, 10, 24, 22, 0, tzinfo=ZoneInfo(BERLIN)))
    assert not on(utc(2026, 10, 24, 23, 15))  # on a break
    assert on(datetime(2026, 10, 25, 2, 30, tzinfo=ZoneInfo(BERLIN), fold=1))
    assert on(datetime(2026, 10, 25, 5, 30, tzinfo=ZoneInfo(BERLIN)))  # 9 hours after 22:00
    assert not on(datetime(2026, 10, 25, 6, 0, tzinfo=ZoneInfo(BERLIN)))
    # The forgotten clock-out does not put her on duty the next night, though rostered.
    next_night = utc(2026, 10, 25, 23)
    assert not on(next_night)
    rostered = on_duty_agents(db, at=next_night, include_rostered=True)
    assert [(o.agent_id, o.clocked_in) for o in rostered] == [(anna, False)]


def test_on_duty_rows_carry_what_routing_needs(db, clock, roster):
    at = utc(2026, 10, 25, 13, 30)
    rows = on_duty_agents(db, at=at, include_rostered=True)
    assert [o.name for o in rows] == ["Ben", "Gus", "Hana"]  # by name
    hana = rows[2]
    assert (hana.team, hana.languages, hana.skills) == ("EU", ["en"], [])
    assert (hana.capacity, hana.open_tickets, hana.remaining_capacity) == (5, 0, 5)
    assert (hana.shift_starts_at, hana.shift_ends_at) == (
        utc(2026, 10, 25, 10),
        utc(2026, 10, 25, 18),
    )
    assert [o.name for o in on_duty_agents(db, at=at, team_id=hana.team_id)] == ["Hana"]
    # Ben clocked in 20 minutes late: rostered but not on duty before.
    assert rows[0].clocked_in
    [ben] = on_duty_agents(db, at=utc(2026, 10, 25, 13, 10), include_rostered=True)[:1]
    assert (ben.name, ben.clocked_in) == ("Ben", False)
    assert "Ben" not in {o.name for o in on_duty_agents(db, at=utc(2026, 10, 25, 13, 10))}


def test_shift_skills_replace_the_agents_own(db, clock):
    agent = make_agent(db, clock, skills=("category:quality",))
    actions.create_shift(
        db,
        actor=ACTOR,
        now=clock.now(),
        agent_id=agent.id,
        starts_at=utc(2026, 11, 2, 8),
        ends_at=utc(2026, 11, 2, 16),
        skills=["channel:chat"],
    )
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    [row] = on_duty_agents(db, at=clock.now())
    assert row.skills == ["channel:chat"]


def test_inactive_agents_are_not_on_duty(db, clock):
    agent = make_agent(db, clock)
    make_shift(db, clock, agent.id, utc(2026, 11, 2, 8), utc(2026, 11, 2, 16))
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    assert len(on_duty_agents(db, at=clock.now())) == 1
    with db.write() as s:
        actions.agent_in(s, agent.id).active = False
    assert on_duty_agents(db, at=clock.now(), include_rostered=True) == []


def test_on_duty_is_one_query_plus_the_ticket_load_whatever_the_number_of_agents(db, clock):
    staffed(db, clock, 1)
    with counted(db) as one:
        assert len(on_duty_agents(db, at=clock.now())) == 1
    staffed(db, clock, 19)
    with counted(db) as twenty:
        assert len(on_duty_agents(db, at=clock.now())) == 20
    assert len(one) == len(twenty) == 2
    with counted(db) as timelines, db.read() as s:
        agent_timelines(s, list(range(1, 100)), Interval(utc(2026, 11, 2), utc(2026, 11, 3)))
    assert len(timelines) == 4
