"""The pure on-duty and attendance rules, with explicit instants: overnight shifts, the DST
changes in Europe and America, breaks, leave, clock-in expiry, adherence and the day's state."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from careloop.workforce import duty
from careloop.workforce.duty import AgentTimeline, ClockIn, Pause
from careloop.workforce.model import AttendanceState, Interval, local_day, shift_instants

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
H = timedelta(hours=1)
M = timedelta(minutes=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


def worked(shift: Interval, *, early: timedelta = timedelta(0)) -> AgentTimeline:
    """A timeline of an agent rostered on `shift` and clocked in for it (expiring as the app
    sets it)."""
    start = shift.start - early
    expires = duty.clock_in_expiry([shift], start)
    return AgentTimeline(shifts=[shift], clock_ins=[ClockIn(start, None, expires)])


# --- overnight shifts and DST -----------------------------------------------------------------


def test_overnight_shift_is_on_duty_across_midnight_and_not_after_it_ends():
    shift = Interval(utc(2026, 11, 2, 22), utc(2026, 11, 3, 6))
    tl = worked(shift)
    assert not duty.is_on_duty(tl, utc(2026, 11, 2, 21, 59))
    assert duty.is_on_duty(tl, utc(2026, 11, 2, 22))
    assert duty.is_on_duty(tl, utc(2026, 11, 3, 0))
    assert duty.is_on_duty(tl, utc(2026, 11, 3, 5, 59, 59))
    assert not duty.is_on_duty(tl, utc(2026, 11, 3, 6))  # half-open: the end is off
    # Still clocked in during the grace period, but no longer rostered.
    assert tl.clock_ins[0].active(utc(2026, 11, 3, 6, 15))
    assert not duty.is_rostered(tl, utc(2026, 11, 3, 6, 15))


def test_template_night_shift_is_overnight():
    shift = shift_instants(date(2026, 11, 2), time(22), time(6), "UTC")
    assert shift == Interval(utc(2026, 11, 2, 22), utc(2026, 11, 3, 6))


def test_berlin_october_night_shift_lasts_nine_hours():
    shift = shift_instants(date(2026, 10, 24), time(22), time(6), BERLIN)
    assert shift.start == utc(2026, 10, 24, 20)  # 22:00 CEST
    assert shift.end == utc(2026, 10, 25, 5)  # 06:00 CET
    assert shift.length == 9 * H
    tl = worked(shift)
    # 02:30 happens twice; both are in the shift.
    assert duty.is_on_duty(tl, local(BERLIN, 2026, 10, 25, 2, 30, fold=0))
    assert duty.is_on_duty(tl, local(BERLIN, 2026, 10, 25, 2, 30, fold=1))
    assert duty.is_on_duty(tl, local(BERLIN, 2026, 10, 25, 5, 30))  # after the change
    assert local(BERLIN, 2026, 10, 25, 5, 30) == utc(2026, 10, 25, 4, 30)
    assert not duty.is_on_duty(tl, local(BERLIN, 2026, 10, 25, 6))
    assert not duty.is_on_duty(tl, local(BERLIN, 2026, 10, 24, 21, 59))
    # The clock-in lapses 30 minutes after the real end, not after 8 hours.
    assert tl.clock_ins[0].expires == utc(2026, 10, 25, 5, 30)


def test_berlin_march_night_shift_lasts_seven_hours():
    shift = shift_instants(date(2026, 3, 28), time(22), time(6), BERLIN)
    assert shift.start == utc(2026, 3, 28, 21)  # 22:00 CET
    assert shift.end == utc(2026, 3, 29, 4)  # 06:00 CEST
    assert shift.length == 7 * H
    tl = worked(shift)
    assert duty.is_on_duty(tl, local(BERLIN, 2026, 3, 29, 5, 59))
    assert not duty.is_on_duty(tl, local(BERLIN, 2026, 3, 29, 6))
    # 02:30 does not exist that night; read with the offset before the change it is 03:30 CEST.
    assert local(BERLIN, 2026, 3, 29, 2, 30) == local(BERLIN, 2026, 3, 29, 3, 30)


def test_new_york_march_change_shortens_the_night_and_november_lengthens_it():
    spring = shift_instants(date(2026, 3, 7), time(22), time(6), NEW_YORK)
    assert (spring.start, spring.end) == (utc(2026, 3, 8, 3), utc(2026, 3, 8, 10))
    assert spring.length == 7 * H
    autumn = shift_instants(date(2026, 10, 31), time(22), time(6), NEW_YORK)
    assert (autumn.start, autumn.end) == (utc(2026, 11, 1, 2), utc(2026, 11, 1, 11))
    assert autumn.length == 9 * H
    tl = worked(autumn)
    assert duty.is_on_duty(tl, local(NEW_YORK, 2026, 11, 1, 1, 30, fold=1))  # second 01:30
    assert duty.is_on_duty(tl, local(NEW_YORK, 2026, 11, 1, 5, 59))
    assert not duty.is_on_duty(tl, local(NEW_YORK, 2026, 11, 1, 6))
    tl = worked(spring)
    assert duty.is_on_duty(tl, local(NEW_YORK, 2026, 3, 8, 5, 59))
    assert not duty.is_on_duty(tl, local(NEW_YORK, 2026, 3, 8, 6))


def test_day_shift_on_a_dst_day_keeps_its_wall_clock():
    # 09:00-17:00 in New York on the day the clocks go forward is still 8 hours of work.
    shift = shift_instants(date(2026, 3, 8), time(9), time(17), NEW_YORK)
    assert shift.length == 8 * H
    assert shift.start == utc(2026, 3, 8, 13)
    assert local_day(date(2026, 3, 8), NEW_YORK).length == 23 * H
    assert local_day(date(2026, 11, 1), NEW_YORK).length == 25 * H


# --- who is on duty ---------------------------------------------------------------------------

SHIFT = Interval(utc(2026, 11, 2, 8), utc(2026, 11, 2, 16))


def test_not_on_duty_without_a_shift_or_without_a_clock_in():
    clocked = AgentTimeline(clock_ins=[ClockIn(utc(2026, 11, 2, 8))])
    assert not duty.is_on_duty(clocked, utc(2026, 11, 2, 9))
    rostered = AgentTimeline(shifts=[SHIFT])
    assert duty.is_rostered(rostered, utc(2026, 11, 2, 9))
    assert not duty.is_on_duty(rostered, utc(2026, 11, 2, 9))


def test_clocked_out_agent_is_off_duty_from_the_clock_out():
    tl = AgentTimeline(shifts=[SHIFT], clock_ins=[ClockIn(SHIFT.start, utc(2026, 11, 2, 12))])
    assert duty.is_on_duty(tl, utc(2026, 11, 2, 11, 59))
    assert not duty.is_on_duty(tl, utc(2026, 11, 2, 12))


def test_off_duty_during_a_break_and_on_duty_after_it():
    tl = worked(SHIFT)
    tl.breaks.append(Pause(utc(2026, 11, 2, 12), utc(2026, 11, 2, 12, 30)))
    assert duty.is_on_duty(tl, utc(2026, 11, 2, 11, 59))
    assert not duty.is_on_duty(tl, utc(2026, 11, 2, 12))
    assert not duty.is_on_duty(tl, utc(2026, 11, 2, 12, 29))
    assert duty.is_on_duty(tl, utc(2026, 11, 2, 12, 30))
    # A break under way (not ended) keeps the agent off duty.
    tl.breaks.append(Pause(utc(2026, 11, 2, 14)))
    assert not duty.is_on_duty(tl, utc(2026, 11, 2, 15))


def test_sick_leave_mid_shift_takes_the_agent_off_duty():
    tl = worked(SHIFT)
    tl.leave.append(Interval(utc(2026, 11, 2, 11), utc(2026, 11, 2, 13)))
    assert duty.is_on_duty(tl, utc(2026, 11, 2, 10, 59))
    assert not duty.is_on_duty(tl, utc(2026, 11, 2, 11))
    assert not duty.is_on_duty(tl, utc(2026, 11, 2, 12, 59))
    assert duty.is_on_duty(tl, utc(2026, 11, 2, 13))  # a part-day leave ends


def test_lapsed_clock_in_is_not_on_duty_in_a_later_shift():
    first = Interval(utc(2026, 11, 2, 8), utc(2026, 11, 2, 16))
    second = Interval(utc(2026, 11, 3, 8), utc(2026, 11, 3, 16))
    start = first.start
    forgot = ClockIn(start, None, duty.clock_in_expiry([first, second], start))
    tl = AgentTimeline(shifts=[first, second], clock_ins=[forgot])
    assert forgot.expires == utc(2026, 11, 2, 16, 30)
    assert duty.is_on_duty(tl, utc(2026, 11, 2, 15))
    assert not duty.is_on_duty(tl, utc(2026, 11, 3, 9))
    # A clock-in without an expiry lapses after 16 hours.
    bare = AgentTimeline(shifts=[first, second], clock_ins=[ClockIn(start)])
    assert not duty.is_on_duty(bare, utc(2026, 11, 3, 9))


# --- clock-in expiry --------------------------------------------------------------------------


def test_expiry_is_the_shift_end_plus_grace():
    assert duty.clock_in_expiry([SHIFT], utc(2026, 11, 2, 8, 5)) == utc(2026, 11, 2, 16, 30)
    # Up to an hour early counts for the shift; earlier does not.
    assert duty.clock_in_expiry([SHIFT], utc(2026, 11, 2, 7, 0)) == utc(2026, 11, 2, 16, 30)
    assert duty.clock_in_expiry([SHIFT], utc(2026, 11, 2, 6, 59)) == utc(2026, 11, 2, 22, 59)


def test_expiry_without_a_shift_is_sixteen_hours():
    at = utc(2026, 11, 2, 8)
    assert duty.clock_in_expiry([], at) == at + 16 * H
    assert duty.clock_in_expiry([SHIFT], utc(2026, 11, 2, 17)) == utc(2026, 11, 3, 9)


def test_expiry_carries_over_back_to_back_shifts():
    early = Interval(utc(2026, 11, 2, 6), utc(2026, 11, 2, 14))
    late = Interval(utc(2026, 11, 2, 14), utc(2026, 11, 2, 22))
    night = Interval(utc(2026, 11, 2, 22, 20), utc(2026, 11, 3, 6))  # 20 minutes apart
    far = Interval(utc(2026, 11, 3, 8), utc(2026, 11, 3, 16))  # a real gap
    at = utc(2026, 11, 2, 6)
    assert duty.clock_in_expiry([early], at) == utc(2026, 11, 2, 14, 30)
    assert duty.clock_in_expiry([late, early], at) == utc(2026, 11, 2, 22, 30)
    assert duty.clock_in_expiry([far, night, late, early], at) == utc(2026, 11, 3, 6, 30)


# --- the day against the roster ---------------------------------------------------------------

DAY = local_day(date(2026, 11, 2), "UTC")


def test_evaluate_day_counts_lateness_worked_time_and_adherence():
    tl = AgentTimeline(
        shifts=[SHIFT], clock_ins=[ClockIn(utc(2026, 11, 2, 8, 20), utc(2026, 11, 2, 16))]
    )
    result = duty.evaluate_day(tl, DAY, utc(2026, 11, 2, 20))
    assert result.scheduled == 480
    assert result.worked == 460
    assert result.in_adherence == 460
    assert result.overtime == 0
    assert result.late == 20
    assert result.absent_shifts == 0
    assert result.adherence == pytest.approx(460 / 480)


def test_a_clock_in_within_the_tolerance_is_not_late():
    tl = AgentTimeline(shifts=[SHIFT], clock_ins=[ClockIn(utc(2026, 11, 2, 8, 5))])
    assert duty.evaluate_day(tl, DAY, utc(2026, 11, 2, 9)).late == 0
    tl = AgentTimeline(shifts=[SHIFT], clock_ins=[ClockIn(utc(2026, 11, 2, 8, 6))])
    assert duty.evaluate_day(tl, DAY, utc(2026, 11, 2, 9)).late == 6


def test_evaluate_day_counts_overtime_outside_shifts_and_subtracts_breaks():
    tl = AgentTimeline(
        shifts=[SHIFT],
        clock_ins=[ClockIn(utc(2026, 11, 2, 7, 30), utc(2026, 11, 2, 17))],
        breaks=[Pause(utc(2026, 11, 2, 12), utc(2026, 11, 2, 12, 45))],
    )
    planned = [Interval(utc(2026, 11, 2, 12), utc(2026, 11, 2, 12, 30))]
    result = duty.evaluate_day(tl, DAY, utc(2026, 11, 2, 20), planned)
    assert result.scheduled == 450  # 8 hours minus the planned half hour
    assert result.worked == 9 * 60 + 30 - 45
    assert result.overtime == 90  # 07:30-08:00 and 16:00-17:00
    assert result.in_adherence == 480 - 45
    assert result.late == 0
    assert result.adherence == pytest.approx(435 / 450)


def test_evaluate_day_counts_only_what_has_happened_by_now():
    tl = AgentTimeline(shifts=[SHIFT], clock_ins=[ClockIn(SHIFT.start)])  # still in
    result = duty.evaluate_day(tl, DAY, utc(2026, 11, 2, 10))
    assert (result.scheduled, result.worked, result.adherence) == (120, 120, 1.0)


def test_absent_after_an_hour_without_a_clock_in():
    tl = AgentTimeline(shifts=[SHIFT])
    assert duty.evaluate_day(tl, DAY, utc(2026, 11, 2, 9)).absent_shifts == 0
    result = duty.evaluate_day(tl, DAY, utc(2026, 11, 2, 9, 1))
    assert result.absent_shifts == 1
    assert result.adherence == 0.0
    nothing = duty.evaluate_day(AgentTimeline(), DAY, utc(2026, 11, 2, 12))
    assert nothing.adherence is None
    assert nothing.scheduled == 0


def test_sick_leave_excuses_the_shift_it_covers():
    tl = AgentTimeline(shifts=[SHIFT], leave=[Interval(utc(2026, 11, 2), utc(2026, 11, 3))])
    result = duty.evaluate_day(tl, DAY, utc(2026, 11, 2, 20))
    assert (result.scheduled, result.absent_shifts, result.adherence) == (0, 0, None)


def test_evaluate_day_in_a_zone_counts_a_25_hour_day():
    day = local_day(date(2026, 10, 25), BERLIN)
    shift = shift_instants(date(2026, 10, 24), time(22), time(6), BERLIN)
    tl = AgentTimeline(shifts=[shift], clock_ins=[ClockIn(shift.start, shift.end)])
    result = duty.evaluate_day(tl, day, utc(2026, 10, 26))
    assert day.length == 25 * H
    assert result.scheduled == 7 * 60  # 00:00 to 06:00 local on the day of the change
    assert result.late == 0  # the shift started the day before


# --- the day's state --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timeline", "now", "state"),
    [
        (worked(SHIFT), utc(2026, 11, 2, 9), AttendanceState.ON),
        (
            AgentTimeline(
                shifts=[SHIFT],
                clock_ins=[ClockIn(SHIFT.start)],
                breaks=[Pause(utc(2026, 11, 2, 12))],
            ),
            utc(2026, 11, 2, 12, 10),
            AttendanceState.ON_BREAK,
        ),
        (AgentTimeline(shifts=[SHIFT]), utc(2026, 11, 2, 8, 3), AttendanceState.UPCOMING),
        (AgentTimeline(shifts=[SHIFT]), utc(2026, 11, 2, 8, 6), AttendanceState.LATE),
        (AgentTimeline(shifts=[SHIFT]), utc(2026, 11, 2, 9, 1), AttendanceState.ABSENT),
        (
            AgentTimeline(shifts=[SHIFT], leave=[Interval(utc(2026, 11, 2, 10), utc(2026, 11, 3))]),
            utc(2026, 11, 2, 11),
            AttendanceState.ON_LEAVE,
        ),
        (AgentTimeline(shifts=[SHIFT]), utc(2026, 11, 2, 7), AttendanceState.UPCOMING),
        (
            AgentTimeline(shifts=[SHIFT], clock_ins=[ClockIn(SHIFT.start, SHIFT.end)]),
            utc(2026, 11, 2, 18),
            AttendanceState.DONE,
        ),
        (AgentTimeline(shifts=[SHIFT]), utc(2026, 11, 2, 18), AttendanceState.ABSENT),
        (AgentTimeline(), utc(2026, 11, 2, 12), AttendanceState.OFF),
        (
            AgentTimeline(clock_ins=[ClockIn(utc(2026, 11, 2, 11))]),
            utc(2026, 11, 2, 12),
            AttendanceState.UNSCHEDULED,
        ),
        (
            # Sick in the morning: the excused shift is not an absence once the leave ends.
            AgentTimeline(
                shifts=[Interval(utc(2026, 11, 2, 6), utc(2026, 11, 2, 10))],
                leave=[Interval(utc(2026, 11, 2, 6), utc(2026, 11, 2, 10))],
            ),
            utc(2026, 11, 2, 12),
            AttendanceState.ON_LEAVE,
        ),
        (
            # A part-day leave covering the shift's start excuses it, also while it runs.
            AgentTimeline(
                shifts=[SHIFT], leave=[Interval(utc(2026, 11, 2, 7), utc(2026, 11, 2, 9))]
            ),
            utc(2026, 11, 2, 11),
            AttendanceState.ON_LEAVE,
        ),
    ],
    ids=[
        "on",
        "on-break",
        "within-tolerance",
        "late",
        "absent-now",
        "on-leave",
        "upcoming",
        "done",
        "absent-after",
        "off",
        "unscheduled",
        "excused-after",
        "excused-during",
    ],
)
def test_attendance_state(timeline, now, state):
    assert duty.attendance_state(timeline, DAY, now) == state
