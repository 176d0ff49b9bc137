"""The workforce vocabulary and its rules: shifts in local time, who is on duty at an instant,
and how a day's attendance compares with the roster. Pure: no framework, no session."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from careloop.errors import Invalid
from careloop.tickets.model import Category, Channel

MAX_SHIFT = timedelta(hours=16)
MAX_BREAKS = 6
# A clock-in up to this long before a shift starts counts for that shift; an older open
# clock-in (a forgotten clock-out) does not make anyone on duty in a later shift.
EARLY_CLOCK_IN = timedelta(hours=1)
# An open clock-in is closed automatically this long after the agent's shift ends.
AUTO_CLOCK_OUT_GRACE = timedelta(minutes=30)
# Clocking in this long after the shift starts is late; not clocked in after ABSENT_AFTER is absent.
LATE_TOLERANCE = timedelta(minutes=5)
ABSENT_AFTER = timedelta(minutes=60)


class ShiftStatus(enum.StrEnum):
    DRAFT = "draft"  # being planned; routing ignores it
    PUBLISHED = "published"  # the roster agents and routing go by


class LeaveKind(enum.StrEnum):
    VACATION = "vacation"  # planned: refused over published shifts
    SICK = "sick"  # unplanned: accepted over shifts, which it excuses
    OTHER = "other"  # e.g. training, a personal appointment; planned like a vacation


PLANNED_LEAVE = frozenset({LeaveKind.VACATION, LeaveKind.OTHER})


class SkillKind(enum.StrEnum):
    CATEGORY = "category"
    CHANNEL = "channel"
    BRAND = "brand"


class AttendanceState(enum.StrEnum):
    """Where an agent stands against today's roster, as the attendance page shows it."""

    ON = "on"
    ON_BREAK = "on_break"
    LATE = "late"  # rostered now, not clocked in yet, past the tolerance
    ABSENT = "absent"  # rostered, never clocked in, past ABSENT_AFTER
    ON_LEAVE = "on_leave"
    UPCOMING = "upcoming"  # the next shift today has not started
    DONE = "done"  # today's shifts are over
    OFF = "off"  # not rostered today, not clocked in
    UNSCHEDULED = "unscheduled"  # clocked in with no shift now


def parse_skill(value: str) -> str:
    """A skill as stored: "category:quality", "channel:chat" or "brand:<id>". A bare category or
    channel name is accepted for the category or channel it names."""
    text = value.strip().lower()
    kind, sep, rest = text.partition(":")
    if not sep:
        if text in Category.__members__.values():
            return f"{SkillKind.CATEGORY}:{text}"
        if text in Channel.__members__.values():
            return f"{SkillKind.CHANNEL}:{text}"
        raise Invalid(
            f"unknown skill {value!r}: use category:<name>, channel:<name> or brand:<id>",
            {"field": "skills", "value": value},
        )
    valid = {
        SkillKind.CATEGORY: {c.value for c in Category},
        SkillKind.CHANNEL: {c.value for c in Channel},
    }
    if kind == SkillKind.BRAND and rest.isdigit() and 0 < int(rest) < 2**31:
        return f"{kind}:{int(rest)}"
    if kind in valid and rest in valid[SkillKind(kind)]:
        return f"{kind}:{rest}"
    raise Invalid(
        f"unknown skill {value!r}: use category:<name>, channel:<name> or brand:<id>",
        {"field": "skills", "value": value},
    )


def normalise_skills(values: Iterable[str]) -> list[str]:
    return sorted({parse_skill(v) for v in values})


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open span of time [start, end) between aware instants."""

    start: datetime
    end: datetime

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def check_shift_span(starts_at: datetime, ends_at: datetime) -> None:
    """A shift (or a break) runs forward and lasts at most MAX_SHIFT."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise Invalid("instants need a time zone offset", {"field": "starts_at"})
    if ends_at <= starts_at:
        raise Invalid("a shift must end after it starts", {"field": "ends_at"})
    if ends_at - starts_at > MAX_SHIFT:
        raise Invalid(
            f"a shift lasts at most {int(MAX_SHIFT.total_seconds() // 3600)} hours",
            {"field": "ends_at"},
        )


def local_instant(day: date, at: time, timezone: str) -> datetime:
    """The UTC instant of a wall-clock time on a day in a zone. A time skipped by a DST change
    (02:30 on a spring-forward night) is read with the offset before the change, i.e. it moves
    forward by the gap; a repeated time (autumn) is its first occurrence."""
    local = datetime.combine(day, at, tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC)


def shift_instants(day: date, start: time, end: time, timezone: str) -> Interval:
    """A shift from a template: `start` on `day` to `end` the same day, or the next day when the
    end is not after the start (a night shift). The length follows the zone's DST changes."""
    end_day = day if end > start else day + timedelta(days=1)
    return Interval(local_instant(day, start, timezone), local_instant(end_day, end, timezone))


@dataclass(frozen=True)
class BreakRule:
    """A planned break of a shift template: `after` the shift start, lasting `minutes`."""

    after: timedelta
    minutes: int

    def within(self, shift: Interval) -> Interval:
        start = shift.start + self.after
        return Interval(start, start + timedelta(minutes=self.minutes))


def check_breaks(shift: Interval, breaks: Sequence[Interval]) -> None:
    if len(breaks) > MAX_BREAKS:
        raise Invalid(f"a shift has at most {MAX_BREAKS} breaks", {"field": "breaks"})
    for b in breaks:
        if b.end <= b.start or b.start < shift.start or b.end > shift.end:
            raise Invalid("a break must lie within its shift", {"field": "breaks"})
    ordered = sorted(breaks)
    for a, b in itertools.pairwise(ordered):
        if a.overlaps(b):
            raise Invalid("breaks of a shift must not overlap", {"field": "breaks"})


def local_day(day: date, timezone: str) -> Interval:
    """A calendar day in a zone as instants (23 or 25 hours on DST change days)."""
    return Interval(
        local_instant(day, time(0), timezone),
        local_instant(day + timedelta(days=1), time(0), timezone),
    )


def week_start(day: date) -> date:
    """The Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())
