"""Who is on duty, from the database: the one SQL query of `on_duty_agents` must agree with the
pure rule `duty.is_on_duty` at every instant, across DST, breaks, leave and lapsed clock-ins;
and the attendance actions keep the clock-ins that rule reads consistent."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from careloop.errors import Conflict
from careloop.storage.audit import AuditEntry
from careloop.workforce import actions, attendance, duty
from careloop.workforce.model import (
    AttendanceState,
    Interval,
    LeaveKind,
    ShiftStatus,
    shift_instants,
)
from careloop.workforce.queries import (
    adherence_by_day,
    agent_timelines,
    attendance_today,
    on_duty_agents,
)
from careloop.workforce.tables import BreakRow, ClockInRow, Leave
from tests.factories import ACTOR, make_agent, make_shift

BERLIN = "Europe/Berlin"
US = timedelta(microseconds=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def add_leave(db, agent_id: int, starts_at: datetime, ends_at: datetime, kind=LeaveKind.SICK):
    """Leave written straight to the table: these tests are about reading it."""
    with db.write() as s:
        s.add(
            Leave(
                agent_id=agent_id,
                kind=kind,
                starts_at=starts_at,
                ends_at=ends_at,
                created_at=starts_at,
            )
        )


class Clocking:
    """The attendance actions at instants of the fake clock."""

    def __init__(self, db, clock) -> None:
        self.db, self.clock = db, clock

    def __call__(self, action, agent_id: int, at: datetime):
        self.clock.set(at)
        return action(self.db, actor=ACTOR, now=at, agent_id=agent_id)


@contextlib.contextmanager
def counted(db) -> Iterator[list[str]]:
    statements: list[str] = []

    def listener(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


@pytest.fixture
def roster(db, clock):
    """Agents in several zones around the October DST change in Berlin (2026-10-25)."""
    at = Clocking(db, clock)
    people = {}
    # Anna: a Berlin night shift across the change (9 hours), clocked in, a break, never
    # clocked out (lapses 30 minutes after the shift); rostered the next night, not clocked in.
    anna = make_agent(db, clock, name="Anna", timezone=BERLIN, team=None)
    night = shift_instants(date(2026, 10, 24), time(22), time(6), BERLIN)
    make_shift(db, clock, anna.id, night.start, night.end)
    next_night = shift_instants(date(2026, 10, 25), time(22), time(6), BERLIN)
    make_shift(db, clock, anna.id, next_night.start, next_night.end)
    at(attendance.clock_in, anna.id, night.start - timedelta(minutes=5))
    at(attendance.start_break, anna.id, utc(2026, 10, 24, 23))
    at(attendance.end_break, anna.id, utc(2026, 10, 24, 23, 30))
    people["anna"] = anna.id
    # Ben: New York 09:00-17:00, late, a break, clocks out early.
    ben = make_agent(db, clock, name="Ben", timezone="America/New_York")
    day = shift_instants(date(2026, 10, 25), time(9), time(17), "America/New_York")
    make_shift(db, clock, ben.id, day.start, day.end)
    at(attendance.clock_in, ben.id, day.start + timedelta(minutes=20))
    at(attendance.start_break, ben.id, utc(2026, 10, 25, 17))
    at(attendance.end_break, ben.id, utc(2026, 10, 25, 17, 45))
    at(attendance.clock_out, ben.id, utc(2026, 10, 25, 20))
    people["ben"] = ben.id
    # Chen: Shanghai 08:00-16:00, clocked in, sick from 11:00 to 13:00 local.
    chen = make_agent(db, clock, name="Chen", timezone="Asia/Shanghai")
    make_shift(db, clock, chen.id, utc(2026, 10, 25, 0), utc(2026, 10, 25, 8))
    at(attendance.clock_in, chen.id, utc(2026, 10, 25, 0))
    add_leave(db, chen.id, utc(2026, 10, 25, 3), utc(2026, 10, 25, 5))
    people["chen"] = chen.id
    # Dora: clocked in without a published shift (only a draft): never on duty.
    dora = make_agent(db, clock, name="Dora", timezone="Africa/Lagos")
    make_shift(
        db, clock, dora.id, utc(2026, 10, 25, 10), utc(2026, 10, 25, 14), status=ShiftStatus.DRAFT
    )
    at(attendance.clock_in, dora.id, utc(2026, 10, 25, 10))
    at(attendance.clock_out, dora.id, utc(2026, 10, 25, 12))
    people["dora"] = dora.id
    # Gus: back-to-back shifts, clocked in early once; the clock-in carries over both.
    gus = make_agent(db, clock, name="Gus", timezone="UTC")
    make_shift(db, clock, gus.id, utc(2026, 10, 25, 6), utc(2026, 10, 25, 14))
    make_shift(db, clock, gus.id, utc(2026, 10, 25, 14), utc(2026, 10, 25, 22))
    at(attendance.clock_in, gus.id, utc(2026, 10, 25, 5, 30))
    people["gus"] = gus.id
    # Hana: out for an hour mid-shift, then back.
    actions.create_team(db, actor=ACTOR, now=clock.now(), name="EU")
    hana = make_agent(db, clock, name="Hana", timezone=BERLIN, team="EU")
    make_shift(db, clock, hana.id, utc(2026, 10, 25, 10), utc(2026, 10, 25, 18))
    at(attendance.clock_in, hana.id, utc(2026, 10, 25, 10))
    at(attendance.clock_out, hana.id, utc(2026, 10, 25, 11))
    at(attendance.clock_in, hana.id, utc(2026, 10, 25, 12))
    people["hana"] = hana.id
    return people


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


def _staffed(db, clock, n: int) -> list[int]:
    ids = []
    for _ in range(n):
        agent = make_agent(db, clock)
        make_shift(db, clock, agent.id, utc(2026, 11, 2, 8), utc(2026, 11, 2, 16))
        attendance.clock_in(db, actor=ACTOR, now=utc(2026, 11, 2, 8), agent_id=agent.id)
        attendance.start_break(db, actor=ACTOR, now=utc(2026, 11, 2, 10), agent_id=agent.id)
        attendance.end_break(db, actor=ACTOR, now=utc(2026, 11, 2, 10, 15), agent_id=agent.id)
        add_leave(db, agent.id, utc(2026, 11, 2, 14), utc(2026, 11, 2, 15))
        ids.append(agent.id)
    return ids


def test_on_duty_is_one_query_plus_the_ticket_load_whatever_the_number_of_agents(db, clock):
    _staffed(db, clock, 1)
    with counted(db) as one:
        assert len(on_duty_agents(db, at=clock.now())) == 1
    _staffed(db, clock, 19)
    with counted(db) as twenty:
        assert len(on_duty_agents(db, at=clock.now())) == 20
    assert len(one) == len(twenty) == 2
    with counted(db) as timelines, db.read() as s:
        agent_timelines(s, list(range(1, 100)), Interval(utc(2026, 11, 2), utc(2026, 11, 3)))
    assert len(timelines) == 4


def test_attendance_today_and_adherence_take_a_constant_number_of_queries(db, clock):
    ids = _staffed(db, clock, 1)
    with counted(db) as one:
        attendance_today(db, now=clock.now(), timezone="UTC")
    ids += _staffed(db, clock, 9)
    with counted(db) as ten:
        rows = attendance_today(db, now=clock.now(), timezone="UTC")
    assert len(rows) == 10
    assert len(one) == len(ten) == 5
    with counted(db) as adherence:
        days = adherence_by_day(
            db, agent_id=ids[0], start=date(2026, 10, 1), end=date(2026, 10, 31), now=clock.now()
        )
    assert len(days) == 31
    assert len(adherence) == 5


def test_attendance_today_states(db, clock, roster):
    clock.set(utc(2026, 10, 25, 14))
    rows = {r.name: r for r in attendance_today(db, now=clock.now(), timezone="UTC")}
    # Anna's night shift ended at 05:00, she never clocked out: it lapsed; her next shift is
    # tonight. Dora is neither rostered (a draft) nor clocked in now.
    assert set(rows) == {"Anna", "Ben", "Chen", "Gus", "Hana"}
    assert rows["Anna"].state == AttendanceState.UPCOMING
    assert rows["Ben"].state == AttendanceState.ON
    assert rows["Ben"].late_minutes == 20
    assert rows["Ben"].clocked_in_at == utc(2026, 10, 25, 13, 20)
    assert rows["Chen"].state == AttendanceState.DONE
    assert rows["Gus"].state == AttendanceState.ON
    assert (rows["Gus"].shift_starts_at, rows["Gus"].shift_ends_at) == (
        utc(2026, 10, 25, 6),
        utc(2026, 10, 25, 22),
    )
    assert rows["Hana"].state == AttendanceState.ON
    assert rows["Hana"].clocked_in_at == utc(2026, 10, 25, 12)  # the current clock-in
    assert rows["Hana"].adherence == pytest.approx(3 / 4)  # 10-11 and 12-14 of 10-14
    # A past day is read as it ended.
    clock.set(utc(2026, 10, 28, 9))
    past = {
        r.name: r
        for r in attendance_today(db, now=clock.now(), timezone="UTC", day=date(2026, 10, 25))
    }
    assert past["Ben"].state == AttendanceState.DONE
    assert past["Hana"].adherence == pytest.approx(7 / 8)


def test_adherence_by_day_in_the_agents_zone(db, roster):
    days = dict(
        adherence_by_day(
            db,
            agent_id=roster["anna"],
            start=date(2026, 10, 24),
            end=date(2026, 10, 26),
            now=utc(2026, 10, 27),
        )
    )
    # Berlin days: the night shift runs 22:00-24:00 on the 24th and 00:00-06:00 on the 25th (7
    # hours of the clock on the day of the change); the next night is missed.
    assert days[date(2026, 10, 24)].scheduled == 120
    assert days[date(2026, 10, 24)].worked == 125  # from 21:55
    assert days[date(2026, 10, 24)].overtime == 5
    day = days[date(2026, 10, 25)]
    assert day.scheduled == 7 * 60 + 120
    # From midnight to the lapse at 06:30 local, less the break at 01:00.
    assert (day.worked, day.overtime, day.in_adherence) == (7 * 60, 30, 7 * 60 - 30)
    assert day.absent_shifts == 1
    assert days[date(2026, 10, 26)].scheduled == 6 * 60


# --- the actions ------------------------------------------------------------------------------


def test_clocking_in_twice_is_refused_and_changes_nothing(db, clock):
    agent = make_agent(db, clock)
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    with pytest.raises(Conflict):
        attendance.clock_in(
            db, actor=ACTOR, now=clock.now() + timedelta(hours=1), agent_id=agent.id
        )
    with db.read() as s:
        assert len(s.scalars(select(ClockInRow)).all()) == 1


def test_a_lapsed_clock_in_is_closed_at_its_expiry_by_the_next_clock_in(db, clock):
    agent = make_agent(db, clock)
    make_shift(db, clock, agent.id, utc(2026, 11, 2, 8), utc(2026, 11, 2, 16))
    make_shift(db, clock, agent.id, utc(2026, 11, 3, 8), utc(2026, 11, 3, 16))
    first = attendance.clock_in(db, actor=ACTOR, now=utc(2026, 11, 2, 8), agent_id=agent.id)
    attendance.start_break(db, actor=ACTOR, now=utc(2026, 11, 2, 15), agent_id=agent.id)
    assert first.expires_at == utc(2026, 11, 2, 16, 30)
    # The next morning: not clocked in any more, so no clock-out, but a fresh clock-in.
    with pytest.raises(Conflict):
        attendance.clock_out(db, actor=ACTOR, now=utc(2026, 11, 3, 7, 55), agent_id=agent.id)
    second = attendance.clock_in(db, actor=ACTOR, now=utc(2026, 11, 3, 7, 55), agent_id=agent.id)
    assert second.expires_at == utc(2026, 11, 3, 16, 30)
    with db.read() as s:
        old = s.get(ClockInRow, first.id)
        assert (old.clocked_out_at, old.clock_out_reason) == (utc(2026, 11, 2, 16, 30), "auto")
        brk = s.scalar(select(BreakRow))
        assert brk.ended_at == utc(2026, 11, 2, 16, 30)


def test_auto_clock_out_closes_lapsed_clock_ins_and_their_breaks(db, clock):
    a, b = make_agent(db, clock), make_agent(db, clock)
    make_shift(db, clock, a.id, utc(2026, 11, 2, 8), utc(2026, 11, 2, 12))
    make_shift(db, clock, b.id, utc(2026, 11, 2, 8), utc(2026, 11, 2, 16))
    for agent in (a, b):
        attendance.clock_in(db, actor=ACTOR, now=utc(2026, 11, 2, 8), agent_id=agent.id)
        attendance.start_break(db, actor=ACTOR, now=utc(2026, 11, 2, 11), agent_id=agent.id)
    assert attendance.auto_clock_out(db, now=utc(2026, 11, 2, 12, 29)) == 0
    assert attendance.auto_clock_out(db, now=utc(2026, 11, 2, 13)) == 1
    assert attendance.auto_clock_out(db, now=utc(2026, 11, 2, 13)) == 0
    with db.read() as s:
        rows = {r.agent_id: r for r in s.scalars(select(ClockInRow))}
        breaks = {r.agent_id: r for r in s.scalars(select(BreakRow))}
        audits = s.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_type == "attendance", AuditEntry.action == "clocked_out"
            )
        ).all()
    assert (rows[a.id].clocked_out_at, rows[a.id].clock_out_reason) == (
        utc(2026, 11, 2, 12, 30),
        "auto",
    )
    assert breaks[a.id].ended_at == utc(2026, 11, 2, 12, 30)
    assert rows[b.id].clocked_out_at is None
    assert breaks[b.id].ended_at is None
    assert [e.entity_id for e in audits] == [a.id]


def test_refresh_expiry_follows_a_changed_shift_but_never_rewrites_the_past(db, clock):
    agent = make_agent(db, clock)
    shift = make_shift(db, clock, agent.id, utc(2026, 11, 2, 8), utc(2026, 11, 2, 16))
    row = attendance.clock_in(db, actor=ACTOR, now=utc(2026, 11, 2, 8), agent_id=agent.id)
    assert row.expires_at == utc(2026, 11, 2, 16, 30)

    def move_end(ends_at: datetime, now: datetime) -> datetime:
        with db.write() as s:
            s.get(type(shift), shift.id).ends_at = ends_at
            attendance.refresh_expiry_in(s, agent_id=agent.id, now=now)
        with db.read() as s:
            return s.get(ClockInRow, row.id).expires_at

    assert move_end(utc(2026, 11, 2, 18), utc(2026, 11, 2, 9)) == utc(2026, 11, 2, 18, 30)
    # Shortened to end before now: the clock-in lapses now, not in the past.
    assert move_end(utc(2026, 11, 2, 9), utc(2026, 11, 2, 10)) == utc(2026, 11, 2, 10)


def test_end_clock_in_closes_the_clock_in_and_break_at_the_instant(db, clock):
    agent = make_agent(db, clock)
    make_shift(db, clock, agent.id, utc(2026, 11, 2, 8), utc(2026, 11, 2, 16))
    row = attendance.clock_in(db, actor=ACTOR, now=utc(2026, 11, 2, 8), agent_id=agent.id)
    attendance.start_break(db, actor=ACTOR, now=utc(2026, 11, 2, 10), agent_id=agent.id)
    with db.write() as s:
        attendance.end_clock_in_in(
            s, actor=ACTOR, agent_id=agent.id, at=utc(2026, 11, 2, 10, 30), reason="leave"
        )
    with db.read() as s:
        closed = s.get(ClockInRow, row.id)
        assert (closed.clocked_out_at, closed.clock_out_reason) == (
            utc(2026, 11, 2, 10, 30),
            "leave",
        )
        assert s.scalar(select(BreakRow)).ended_at == utc(2026, 11, 2, 10, 30)


def test_clocking_in_on_leave_is_refused(db, clock):
    agent = make_agent(db, clock)
    add_leave(db, agent.id, utc(2026, 11, 2), utc(2026, 11, 3))
    with pytest.raises(Conflict):
        attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)


def test_racing_clock_ins_make_one_clock_in(db, clock):
    agent = make_agent(db, clock)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["conflict"] * 3 + ["ok"]
    with db.read() as s:
        assert len(s.scalars(select(ClockInRow)).all()) == 1


def test_the_open_clock_in_index_is_the_last_line_of_defence(db, clock, monkeypatch):
    agent = make_agent(db, clock)
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    # As if the check had raced: the partial unique index refuses a second open clock-in.
    monkeypatch.setattr(attendance, "open_clock_in_in", lambda _s, _agent_id: None)
    with pytest.raises(Conflict):
        attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    with db.read() as s:
        assert len(s.scalars(select(ClockInRow)).all()) == 1
