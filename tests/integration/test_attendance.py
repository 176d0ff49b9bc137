"""Attendance from the database: today's attendance and adherence per day against the roster
(on the same roster around the October DST change as test_on_duty.py), and the attendance
actions that keep the clock-ins those reads and the on-duty rule use consistent."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from careloop.errors import Conflict
from careloop.storage.audit import AuditEntry
from careloop.workforce import attendance
from careloop.workforce.attendance_queries import adherence_by_day, attendance_today
from careloop.workforce.model import AttendanceState
from careloop.workforce.tables import BreakRow, ClockInRow
from tests.factories import ACTOR, make_agent, make_shift
from tests.integration.duty_support import add_leave, counted, dst_roster, staffed, utc


@pytest.fixture
def roster(db, clock):
    """Agents in several zones around the October DST change in Berlin (see dst_roster)."""
    return dst_roster(db, clock)


def test_attendance_today_and_adherence_take_a_constant_number_of_queries(db, clock):
    ids = staffed(db, clock, 1)
    with counted(db) as one:
        attendance_today(db, now=clock.now(), timezone="UTC")
    ids += staffed(db, clock, 9)
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
