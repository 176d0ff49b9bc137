"""Service levels, pure: business calendars (24/7 or windows per weekday in a zone, minus
holidays), which policy a ticket gets, and its due instants. No session and no clock reads,
so the same code runs in the simulator on virtual time."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from careloop.tickets.model import Priority, Status
from careloop.workforce.model import local_instant

SECOND = timedelta(seconds=1)
# A walk through a calendar gives up after this many days: a calendar with no open hour in ten
# years is a configuration fault, not a reason to loop for ever.
MAX_WALK_DAYS = 3660
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
# Statuses that stop the resolution clock: the ticket waits on the customer or a third party.
PAUSING = frozenset({Status.PENDING, Status.ON_HOLD})
PRIORITY_STEPS = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)


class Target(enum.StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class EventKind(enum.StrEnum):
    WARNING = "warning"
    BREACH = "breach"


@dataclass(frozen=True)
class Calendar:
    """Business hours in one zone: per weekday (0 Monday) a sorted tuple of windows in minutes
    after local midnight, [start, end) with end up to 1440; closed on the dates in `holidays`."""

    timezone: str
    windows: Mapping[int, tuple[tuple[int, int], ...]]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def open_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's windows as instants; a wall-clock time a DST change skips or repeats is
        resolved as workforce.model.local_instant does (forward by the gap, first occurrence)."""
        if day in self.holidays:
            return []
        spans = []
        for start, end in self.windows.get(day.weekday(), ()):
            a = local_instant(day, _clock(start), self.timezone)
            b = (
                local_instant(day + timedelta(days=1), time(0), self.timezone)
                if end == DAY_MINUTES
                else local_instant(day, _clock(end), self.timezone)
            )
            if b > a:
                spans.append((a, b))
        return spans

    def local_day(self, at: datetime) -> date:
        return at.astimezone(ZoneInfo(self.timezone)).date()


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def _days(cal: Calendar, start: datetime, step: int) -> Iterator[date]:
    day = cal.local_day(start)
    for _ in range(MAX_WALK_DAYS):
        yield day
        day += timedelta(days=step)
    raise ValueError(
        f"calendar in {cal.timezone} has no business hours within {MAX_WALK_DAYS} days"
    )


def add_business_time(start: datetime, seconds: int, cal: Calendar | None) -> datetime:
    """The instant `seconds` of business time after `start` (before it when negative). Ending
    exactly at a window's close gives the close, so adding then measuring round-trips."""
    if cal is None:
        return start + timedelta(seconds=seconds)
    remaining = timedelta(seconds=abs(seconds))
    if seconds >= 0:
        for day in _days(cal, start, 1):
            for a, b in cal.open_spans(day):
                begin = max(a, start)
                if b <= begin:
                    continue
                if remaining <= b - begin:
                    return begin + remaining
                remaining -= b - begin
    else:
        for day in _days(cal, start, -1):
            for a, b in reversed(cal.open_spans(day)):
                end = min(b, start)
                if end <= a:
                    continue
                if remaining <= end - a:
                    return end - remaining
                remaining -= end - a
    raise AssertionError("unreachable")  # _days raises first


def business_seconds_between(a: datetime, b: datetime, cal: Calendar | None) -> int:
    """Whole seconds of business time from `a` to `b`; negative when `b` is before `a`."""
    if b < a:
        return -business_seconds_between(b, a, cal)
    if cal is None:
        return (b - a) // SECOND
    total = timedelta(0)
    last = cal.local_day(b)
    for day in _days(cal, a, 1):
        if day > last:
            break
        for start, end in cal.open_spans(day):
            lo, hi = max(start, a), min(end, b)
            if hi > lo:
                total += hi - lo
    return total // SECOND


# --- windows as people write them ------------------------------------------------------------


def parse_windows(raw: Mapping[str, Any]) -> dict[int, tuple[tuple[int, int], ...]]:
    """{"mon": [["09:00", "12:30"], ["13:30", "18:00"]], ...} as minutes per weekday. Raises
    ValueError naming the problem: an unknown day, a bad time, an end not after its start, or
    windows of one day that overlap. "24:00" ends a window at midnight."""
    out: dict[int, tuple[tuple[int, int], ...]] = {}
    for key, spans in raw.items():
        day = str(key).strip().lower()[:3]
        if day not in WEEKDAYS or len(str(key).strip()) > 9:
            raise ValueError(f"unknown weekday {key!r}: use mon, tue, wed, thu, fri, sat, sun")
        if not isinstance(spans, list | tuple):
            raise ValueError(f"{key}: give a list of [start, end] pairs")
        parsed = []
        for span in spans:
            if not isinstance(span, list | tuple) or len(span) != 2:
                raise ValueError(f'{key}: a window is a pair like ["09:00", "17:00"]')
            start, end = _minutes(span[0], end=False), _minutes(span[1], end=True)
            if end <= start:
                raise ValueError(f"{key}: window {span[0]}-{span[1]} must end after it starts")
            parsed.append((start, end))
        parsed.sort()
        for (_, end), (start, _) in itertools.pairwise(parsed):
            if start < end:
                raise ValueError(f"{key}: windows overlap")
        if parsed:
            out[WEEKDAYS.index(day)] = tuple(parsed)
    return out


def _minutes(value: Any, *, end: bool) -> int:
    text = str(value).strip()
    hours, sep, minutes = text.partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{value!r} is not a time like 09:00")
    total = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or total > DAY_MINUTES or (total == DAY_MINUTES and not end):
        raise ValueError(f"{value!r} is not a time of day")
    return total


def format_windows(windows: Mapping[int, Sequence[tuple[int, int]]]) -> dict[str, list[list[str]]]:
    return {
        WEEKDAYS[day]: [
            [f"{a // 60:02d}:{a % 60:02d}", f"{b // 60:02d}:{b % 60:02d}"] for a, b in spans
        ]
        for day, spans in sorted(windows.items())
    }


# --- policies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketFacts:
    """What a policy's conditions look at."""

    brand_id: int | None
    priority: str
    channel: str
    category: str | None
    customer_tier: str | None


CONDITION_FIELDS = ("brand_ids", "priorities", "channels", "categories", "customer_tiers")


def matches(conditions: Mapping[str, Any], facts: TicketFacts) -> bool:
    """Every listed condition must hold; an absent or empty list matches anything."""
    values = {
        "brand_ids": facts.brand_id,
        "priorities": facts.priority,
        "channels": facts.channel,
        "categories": facts.category,
        "customer_tiers": facts.customer_tier,
    }
    return all(
        not conditions.get(name) or values[name] in conditions[name] for name in CONDITION_FIELDS
    )


@dataclass(frozen=True)
class Terms:
    """What a policy promises, in seconds of its calendar's business time (None: no target)."""

    policy_id: int | None
    first_response: int | None = None
    next_response: int | None = None
    resolution: int | None = None
    calendar: Calendar | None = None
    warn_before: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class PolicyRule:
    position: int
    conditions: Mapping[str, Any]
    terms: Terms


def select_policy(rules: Sequence[PolicyRule], facts: TicketFacts) -> Terms | None:
    """The terms of the first matching policy by position (then by id), or None."""
    for rule in sorted(rules, key=lambda r: (r.position, r.terms.policy_id or 0)):
        if matches(rule.conditions, facts):
            return rule.terms
    return None


# --- due instants -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Clocks:
    """A ticket's SLA state as stored on it."""

    policy_id: int | None = None
    first_response_due: datetime | None = None
    next_response_due: datetime | None = None
    resolution_due: datetime | None = None
    resolution_remaining: int | None = None  # business seconds left while paused (may be < 0)


@dataclass(frozen=True)
class TicketTimes:
    """The instants the targets count from. `waiting_since` is the first customer message after
    the last public reply, when the ticket has had a first response and awaits the agent again."""

    status: Status
    created_at: datetime
    first_response_at: datetime | None
    waiting_since: datetime | None


def clocks_for(
    prev: Clocks, old: Terms | None, new: Terms | None, ticket: TicketTimes, now: datetime
) -> Clocks:
    """The ticket's clocks after a change at `now`, from its clocks before under `old` terms.

    First and next response count from their own instants (creation, the customer's message)
    and never pause: they measure the customer waiting on us. Resolution pauses while pending,
    on hold or solved (a reopen continues it) and ends when closed; time already spent stays
    spent when the policy changes, since only the difference of targets moves the clock."""
    if new is None or ticket.status == Status.CLOSED:
        return Clocks(policy_id=None if new is None else new.policy_id)
    active = ticket.status != Status.SOLVED
    first = None
    if active and ticket.first_response_at is None and new.first_response is not None:
        first = add_business_time(ticket.created_at, new.first_response, new.calendar)
    nxt = None
    if (
        active
        and ticket.first_response_at is not None
        and ticket.waiting_since is not None
        and new.next_response is not None
    ):
        nxt = add_business_time(ticket.waiting_since, new.next_response, new.calendar)
    due, remaining = _resolution(prev, old, new, ticket, now)
    return Clocks(new.policy_id, first, nxt, due, remaining)


def _resolution(
    prev: Clocks, old: Terms | None, new: Terms, ticket: TicketTimes, now: datetime
) -> tuple[datetime | None, int | None]:
    if new.resolution is None:
        return None, None
    same = old is not None and old.resolution == new.resolution and old.calendar == new.calendar
    if prev.resolution_due is not None and old is not None and old.resolution is not None:
        if same and ticket.status not in PAUSING and ticket.status != Status.SOLVED:
            return prev.resolution_due, None  # running, unchanged: keep the instant exactly
        left = business_seconds_between(now, prev.resolution_due, old.calendar)
    elif prev.resolution_remaining is not None and old is not None and old.resolution is not None:
        left = prev.resolution_remaining
    else:
        # No resolution clock before (a new ticket, or a policy without the target): it has
        # run since creation on the new calendar.
        left = new.resolution - business_seconds_between(ticket.created_at, now, new.calendar)
        old = new
    if old is not None and old.resolution is not None:
        left += new.resolution - old.resolution
    if ticket.status in PAUSING or ticket.status == Status.SOLVED:
        return None, left
    return add_business_time(now, left, new.calendar), None


def earliest_due(clocks: Clocks) -> datetime | None:
    """The soonest of the ticket's due instants (the queue orders by it), or None."""
    dues = [
        d
        for d in (clocks.first_response_due, clocks.next_response_due, clocks.resolution_due)
        if d is not None
    ]
    return min(dues) if dues else None


def raised(priority: Priority) -> Priority:
    """One step up, urgent staying urgent."""
    index = PRIORITY_STEPS.index(priority)
    return PRIORITY_STEPS[min(index + 1, len(PRIORITY_STEPS) - 1)]


def warning_due(due: datetime, warn_before: timedelta, now: datetime) -> bool:
    """A target is at risk from `warn_before` ahead of its due instant until it is due."""
    return due - warn_before <= now < due
