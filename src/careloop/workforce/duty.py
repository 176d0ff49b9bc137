"""Who is on duty at an instant, and how a day's attendance compares with the roster: the
rules `queries.on_duty_agents` and the attendance page follow. Pure: no framework, no session."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from careloop.workforce.model import (
    ABSENT_AFTER,
    AUTO_CLOCK_OUT_GRACE,
    EARLY_CLOCK_IN,
    LATE_TOLERANCE,
    MAX_SHIFT,
    AttendanceState,
    Interval,
)

# --- who is on duty ------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockIn:
    """One clock-in to clock-out span. While clocked in (`end` None) it counts until `expires`,
    the end of the shift it was made for plus AUTO_CLOCK_OUT_GRACE, so a forgotten clock-out
    never makes anyone on duty in a later shift, whether or not the clock-out job has run."""

    start: datetime
    end: datetime | None = None
    expires: datetime | None = None

    @property
    def until(self) -> datetime:
        if self.end is not None:
            return self.end
        return self.expires if self.expires is not None else self.start + MAX_SHIFT

    def active(self, at: datetime) -> bool:
        return self.start <= at < self.until


@dataclass(frozen=True)
class Pause:
    """A break taken: `end` is None while it lasts."""

    start: datetime
    end: datetime | None = None

    def active(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)


@dataclass
class AgentTimeline:
    """What is known of one agent around an instant: published shifts, clock-ins, breaks taken
    and leave."""

    shifts: list[Interval] = field(default_factory=list)
    clock_ins: list[ClockIn] = field(default_factory=list)
    breaks: list[Pause] = field(default_factory=list)
    leave: list[Interval] = field(default_factory=list)


def shift_at(timeline: AgentTimeline, at: datetime) -> Interval | None:
    return next((s for s in timeline.shifts if s.contains(at)), None)


def is_rostered(timeline: AgentTimeline, at: datetime) -> bool:
    """Rostered at `at`: a published shift covers the instant."""
    return shift_at(timeline, at) is not None


def is_on_duty(timeline: AgentTimeline, at: datetime) -> bool:
    """On duty: rostered, clocked in, not on a break and not on leave. The SQL of
    `queries.on_duty_agents` says the same."""
    if shift_at(timeline, at) is None:
        return False
    clocked_in = any(c.active(at) for c in timeline.clock_ins)
    on_break = any(b.active(at) for b in timeline.breaks)
    on_leave = any(leave.contains(at) for leave in timeline.leave)
    return clocked_in and not on_break and not on_leave


def clock_in_expiry(shifts: Sequence[Interval], clock_in: datetime) -> datetime:
    """When a clock-in made at `clock_in` lapses if nobody clocks out: the end of the shift it is
    for (one starting within EARLY_CLOCK_IN, or under way), carried over back-to-back shifts,
    plus AUTO_CLOCK_OUT_GRACE. A clock-in with no shift lapses after MAX_SHIFT."""
    ordered = sorted(shifts)
    current = next((s for s in ordered if s.start - EARLY_CLOCK_IN <= clock_in < s.end), None)
    if current is None:
        return clock_in + MAX_SHIFT
    end = current.end
    for s in ordered:
        if s.start > current.start and s.start <= end + AUTO_CLOCK_OUT_GRACE:
            end = max(end, s.end)
    return end + AUTO_CLOCK_OUT_GRACE


# --- attendance against the roster -----------------------------------------------------------


def union(spans: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for span in sorted(s for s in spans if s.end > s.start):
        if out and span.start <= out[-1].end:
            out[-1] = Interval(out[-1].start, max(out[-1].end, span.end))
        else:
            out.append(span)
    return out


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    out = []
    right = union(b)
    for x in union(a):
        for y in right:
            start, end = max(x.start, y.start), min(x.end, y.end)
            if start < end:
                out.append(Interval(start, end))
    return out


def subtract(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    out = []
    cuts = union(b)
    for x in union(a):
        start = x.start
        for y in cuts:
            if y.end <= start or y.start >= x.end:
                continue
            if y.start > start:
                out.append(Interval(start, y.start))
            start = max(start, y.end)
        if start < x.end:
            out.append(Interval(start, x.end))
    return out


def total(spans: Iterable[Interval]) -> timedelta:
    return sum((s.length for s in union(spans)), timedelta())


def minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


@dataclass(frozen=True)
class DayAdherence:
    """One agent's day against the roster, up to `now` (minutes)."""

    scheduled: int  # published shift time minus planned breaks and leave
    worked: int  # clocked in, not on break
    in_adherence: int  # worked while scheduled
    overtime: int  # worked outside any shift
    late: int  # minutes past the start of shifts clocked in late (beyond the tolerance)
    absent_shifts: int  # shifts started more than ABSENT_AFTER ago with no clock-in
    adherence: float | None  # in_adherence / scheduled, None when nothing was scheduled


def evaluate_day(
    timeline: AgentTimeline,
    window: Interval,
    now: datetime,
    planned_breaks: Sequence[Interval] = (),
) -> DayAdherence:
    """Compare a day (`window`, e.g. local midnight to midnight) with its roster, counting only
    what has happened by `now`. Open clock-ins and breaks run until `now`."""
    upto = Interval(window.start, min(window.end, now))
    closed = [Interval(c.start, min(c.until, now)) for c in timeline.clock_ins]
    on_breaks = [Interval(b.start, b.end or now) for b in timeline.breaks]
    scheduled = intersect(
        subtract(subtract(timeline.shifts, planned_breaks), timeline.leave), [upto]
    )
    worked = intersect(subtract(closed, on_breaks), [upto])
    in_adherence = intersect(worked, scheduled)
    overtime = subtract(worked, timeline.shifts)
    late = timedelta()
    absent = 0
    for shift in timeline.shifts:
        if not window.contains(shift.start) or shift.start > now:
            continue
        if _excused(timeline, shift):
            continue
        arrived = _arrival(timeline, shift)
        if arrived is not None:
            if arrived - shift.start > LATE_TOLERANCE:
                late += arrived - shift.start
        elif now - shift.start > ABSENT_AFTER:
            absent += 1
    planned = total(scheduled)
    return DayAdherence(
        scheduled=minutes(planned),
        worked=minutes(total(worked)),
        in_adherence=minutes(total(in_adherence)),
        overtime=minutes(total(overtime)),
        late=minutes(late),
        absent_shifts=absent,
        adherence=(total(in_adherence) / planned) if planned else None,
    )


def _excused(timeline: AgentTimeline, shift: Interval) -> bool:
    """Leave (e.g. sick leave) covering a shift's start excuses it: never late, never absent."""
    return any(leave.contains(shift.start) for leave in timeline.leave)


def _arrival(timeline: AgentTimeline, shift: Interval) -> datetime | None:
    """When the agent turned up for a shift: its start if already clocked in then (early, or
    from a back-to-back shift), else the first clock-in during it; None if never."""
    if any(c.active(shift.start) for c in timeline.clock_ins):
        return shift.start
    return min((c.start for c in timeline.clock_ins if shift.contains(c.start)), default=None)


def attendance_state(timeline: AgentTimeline, day: Interval, now: datetime) -> AttendanceState:
    """Where an agent stands now against today's shifts (those starting within `day`)."""
    if any(leave.contains(now) for leave in timeline.leave):
        return AttendanceState.ON_LEAVE
    clocked_in = any(c.active(now) for c in timeline.clock_ins)
    if clocked_in and any(b.active(now) for b in timeline.breaks):
        return AttendanceState.ON_BREAK
    current = shift_at(timeline, now)
    if current is not None:
        if clocked_in:
            return AttendanceState.ON
        if _excused(timeline, current):
            return AttendanceState.ON_LEAVE
        if now - current.start > ABSENT_AFTER:
            return AttendanceState.ABSENT
        if now - current.start > LATE_TOLERANCE:
            return AttendanceState.LATE
        return AttendanceState.UPCOMING
    if clocked_in:
        return AttendanceState.UNSCHEDULED
    today = [s for s in timeline.shifts if day.contains(s.start)]
    if any(s.start > now for s in today):
        return AttendanceState.UPCOMING
    if today:
        if any(_arrival(timeline, s) is not None for s in today):
            return AttendanceState.DONE
        # Shifts excused by leave (sick leave over them) are not absences, as in evaluate_day.
        if all(_excused(timeline, s) for s in today):
            return AttendanceState.ON_LEAVE
        return AttendanceState.ABSENT
    return AttendanceState.OFF
