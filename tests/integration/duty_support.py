"""Helpers of the on-duty and attendance integration tests: instants, leave written straight to
the table, the attendance actions on the fake clock, counted SELECTs, and the roster around the
October DST change that both files read."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import event

from careloop.workforce import actions, attendance
from careloop.workforce.model import LeaveKind, ShiftStatus, shift_instants
from careloop.workforce.tables import Leave
from tests.factories import ACTOR, make_agent, make_shift

BERLIN = "Europe/Berlin"


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


def dst_roster(db, clock) -> dict[str, int]:
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


def staffed(db, clock, n: int) -> list[int]:
    """`n` agents on an 8-hour shift today, each clocked in, with a break and an hour's leave."""
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
