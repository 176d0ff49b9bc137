"""The demo's roster, planned in memory: shift templates around the world, who works which days
(days off rotating), a vacation and a sick day, and today's clock-ins. Pure: the same for a
seed and `now`; demo/workforce.py writes it through the workforce actions.

Every hour is covered: each hour of the week falls in at least two templates, in summer and in
winter time, and every template has at least one English speaker every day.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from careloop.demo.people import (
    AMERICAS,
    ASIA_PACIFIC,
    EUROPE_AFRICA,
    STAFF,
    TEAM_LEADS,
    StaffMember,
)
from careloop.workforce.model import (
    BreakRule,
    Interval,
    LeaveKind,
    ShiftStatus,
    shift_instants,
    week_start,
)

PUBLISHED_WEEKS = 3  # this week and the next two
DRAFT_WEEKS = 1  # then a week being planned, for the roster page to publish


@dataclass(frozen=True)
class Template:
    """A demo shift template: a local working day of one team, with a 30-minute break."""

    name: str
    starts: time
    ends: time
    timezone: str
    team: str
    break_after: timedelta = timedelta(hours=4)
    break_minutes: int = 30

    @property
    def break_rule(self) -> BreakRule:
        return BreakRule(self.break_after, self.break_minutes)


# In UTC (winter / summer): Asia early 22-06, Asia day 01-09, Africa east 05-13, EU early
# 06-14 / 05-13, Africa day 07-15, EU late 14-22 / 13-21, Americas day 15-23 / 14-22,
# Americas late 18-02 / 17-01: every hour lies in two templates at least, in either season.
TEMPLATES = (
    Template("Asia early", time(6), time(14), "Asia/Manila", ASIA_PACIFIC),
    Template("Asia day", time(9), time(17), "Asia/Manila", ASIA_PACIFIC),
    Template("Africa east", time(8), time(16), "Africa/Nairobi", EUROPE_AFRICA),
    Template("EU early", time(7), time(15), "Europe/Berlin", EUROPE_AFRICA),
    Template("Africa day", time(8), time(16), "Africa/Lagos", EUROPE_AFRICA),
    Template("EU late", time(15), time(23), "Europe/Berlin", EUROPE_AFRICA),
    Template("Americas day", time(10), time(18), "America/New_York", AMERICAS),
    Template("Americas late", time(12), time(20), "America/Chicago", AMERICAS),
)
TEMPLATE_BY_NAME = {t.name: t for t in TEMPLATES}

# Days off (Monday is 0) of the people of one template, by how many work it. Each person moves
# one pattern on every week, so days off rotate; every day someone works, weekends thinner.
DAYS_OFF: dict[int, tuple[frozenset[int], ...]] = {
    2: (frozenset({5, 6}), frozenset({1, 2})),
    3: (frozenset({5, 6}), frozenset({6, 0}), frozenset({4, 5})),
}

# The planned leave: a vacation in the middle of next week (the roster was made around it).
VACATION = ("Jonas Weber", (1, 2, 3))  # Tuesday to Thursday of the first roster week after this


@dataclass(frozen=True)
class PlannedShift:
    member: StaffMember
    template: Template
    day: date  # the local day of the template's zone the shift starts on
    span: Interval
    status: ShiftStatus


@dataclass(frozen=True)
class PlannedLeave:
    member: StaffMember
    kind: LeaveKind
    first: date  # whole days in the member's own zone, both included
    last: date


@dataclass(frozen=True)
class ClockEvent:
    """One attendance action at a past instant: clock_in, start_break, end_break, clock_out."""

    at: datetime
    member: StaffMember
    action: str


def roster_start(now: datetime) -> datetime:
    """Midnight UTC of the Monday of `now`'s week: where the published roster begins."""
    return datetime.combine(week_start(now.astimezone(UTC).date()), time(), UTC)


def rostered_members(members: Iterable[StaffMember] = STAFF) -> dict[str, list[StaffMember]]:
    """The people of each template, in staff order."""
    out: dict[str, list[StaffMember]] = defaultdict(list)
    for m in members:
        if m.shift is not None:
            out[m.shift].append(m)
    return out


def plan_roster(now: datetime, members: Iterable[StaffMember] = STAFF) -> list[PlannedShift]:
    """The shifts from this Monday (UTC) on: PUBLISHED_WEEKS published, then DRAFT_WEEKS of
    drafts, by the instant a shift starts. Shifts starting on the Sunday before but still
    running on Monday are included, so the first hours of the roster are covered too."""
    start = roster_start(now)
    published_end = start + timedelta(weeks=PUBLISHED_WEEKS)
    end = published_end + timedelta(weeks=DRAFT_WEEKS)
    monday = start.date()
    vacation_member, vacation_weekdays = VACATION
    out = []
    for name, people in rostered_members(members).items():
        template = TEMPLATE_BY_NAME[name]
        patterns = DAYS_OFF[len(people)]
        for offset in range(-1, 7 * (PUBLISHED_WEEKS + DRAFT_WEEKS) + 1):
            day = monday + timedelta(days=offset)
            span = shift_instants(day, template.starts, template.ends, template.timezone)
            if span.end <= start or span.start >= end:
                continue
            status = ShiftStatus.PUBLISHED if span.start < published_end else ShiftStatus.DRAFT
            week = offset // 7
            for i, member in enumerate(people):
                if day.weekday() in patterns[(i + week) % len(patterns)]:
                    continue
                on_vacation = week == 1 and day.weekday() in vacation_weekdays
                if on_vacation and member.name == vacation_member:
                    continue
                out.append(PlannedShift(member, template, day, span, status))
    out.sort(key=lambda p: (p.span.start, p.member.name))
    return out


def speakers_by_hour(
    plan: Sequence[PlannedShift],
    language: str,
    window: Interval,
    leave: Sequence[PlannedLeave] = (),
) -> dict[datetime, int]:
    """How many published shifts of speakers of `language` cover each whole UTC hour of the
    window (a shift counts for an hour it covers entirely); shifts under leave do not count."""
    away = [(x.member, _leave_span(x)) for x in leave]
    counts: Counter[datetime] = Counter()
    for p in plan:
        if p.status != ShiftStatus.PUBLISHED or language not in p.member.languages:
            continue
        if any(m == p.member and a.overlaps(p.span) for m, a in away):
            continue
        hour = max(p.span.start, window.start)
        while hour + timedelta(hours=1) <= min(p.span.end, window.end):
            counts[hour] += 1
            hour += timedelta(hours=1)
    out = {}
    hour = window.start
    while hour < window.end:
        out[hour] = counts[hour]
        hour += timedelta(hours=1)
    return out


def _leave_span(leave: PlannedLeave) -> Interval:
    zone = ZoneInfo(leave.member.timezone)
    return Interval(
        datetime.combine(leave.first, time(), zone).astimezone(UTC),
        datetime.combine(leave.last + timedelta(days=1), time(), zone).astimezone(UTC),
    )


def plan_leave(plan: Sequence[PlannedShift], now: datetime, seed: int) -> list[PlannedLeave]:
    """The vacation of next week, and a sick day: today for someone rostered today whose
    template keeps another person that day (else the latest such day of this week)."""
    start = roster_start(now)
    member = next(m for m in STAFF if m.name == VACATION[0])
    days = [start.date() + timedelta(days=7 + d) for d in VACATION[1]]
    out = [PlannedLeave(member, LeaveKind.VACATION, days[0], days[-1])]
    on_day: Counter[tuple[str, date]] = Counter((p.template.name, p.day) for p in plan)
    rng = random.Random(f"{seed}:sick")
    leads = set(TEAM_LEADS.values())
    for back in range(7):
        candidates = [
            p
            for p in plan
            if p.status == ShiftStatus.PUBLISHED
            and p.span.start >= start
            and p.span.start.astimezone(ZoneInfo(p.member.timezone)).date()
            == (now - timedelta(days=back)).astimezone(ZoneInfo(p.member.timezone)).date()
            and p.span.start <= now + timedelta(hours=12)
            and on_day[(p.template.name, p.day)] >= 2
            and p.member.name not in leads
        ]
        if candidates:
            pick = candidates[rng.randrange(len(candidates))]
            local = pick.span.start.astimezone(ZoneInfo(pick.member.timezone)).date()
            out.append(PlannedLeave(pick.member, LeaveKind.SICK, local, local))
            break
    return out


def plan_attendance(
    plan: Sequence[PlannedShift], leave: Sequence[PlannedLeave], now: datetime, seed: int
) -> tuple[list[ClockEvent], dict[str, str]]:
    """Clock-ins for the shifts that started in the 24 hours before `now`: most a few minutes
    early or on time, with their break taken and, when over, clocked out; one agent late by
    about 20 minutes, one absent and one on a break now, while at least two stay on duty.
    Returns the events in time order and the special roles by member name."""
    rng = random.Random(f"{seed}:attendance")
    away = [(x.member, _leave_span(x)) for x in leave]
    started = [
        p
        for p in plan
        if p.status == ShiftStatus.PUBLISHED
        and now - timedelta(hours=24) < p.span.start <= now
        and not any(m == p.member and a.overlaps(p.span) for m, a in away)
    ]
    running = [p for p in started if p.span.end > now]
    roles: dict[str, str] = {}
    # Oldest first: the absent one has been missing longest, the late one is clocked in by now.
    by_age = sorted(running, key=lambda p: (p.span.start, p.member.name))
    if len(by_age) >= 3:
        roles[by_age[0].member.name] = "absent"
    if len(by_age) >= 4:
        on_break = next(
            (p for p in by_age[1:] if now - p.span.start >= timedelta(minutes=45)), None
        )
        if on_break is not None:
            roles[on_break.member.name] = "on_break"
    # Late: preferably someone still at work, so the attendance page shows it.
    late = next(
        (
            p
            for p in sorted(started, key=lambda p: (p.span.end <= now, p.span.start, p.member.name))
            if p.member.name not in roles and now - p.span.start >= timedelta(minutes=25)
        ),
        None,
    )
    if late is not None:
        roles[late.member.name] = "late"
    events = []
    for p in started:
        role = roles.get(p.member.name)
        if role == "absent":
            continue
        early = timedelta(minutes=rng.randint(0, 8))
        arrived = (
            p.span.start + timedelta(minutes=20 + rng.randint(0, 3))
            if role == "late"
            else (p.span.start - early)
        )
        events.append(ClockEvent(arrived, p.member, "clock_in"))
        if role == "on_break":
            events.append(ClockEvent(now - timedelta(minutes=12), p.member, "start_break"))
            continue
        pause = p.template.break_rule.within(p.span)
        pause_start = pause.start + timedelta(minutes=rng.randint(-10, 10))
        pause_end = pause_start + timedelta(minutes=p.template.break_minutes + rng.randint(-3, 4))
        if arrived < pause_start and pause_end <= now:  # a break under way is taken later
            events.append(ClockEvent(pause_start, p.member, "start_break"))
            events.append(ClockEvent(pause_end, p.member, "end_break"))
        left = p.span.end + timedelta(minutes=rng.randint(0, 6))
        if left <= now and pause_end <= now:
            events.append(ClockEvent(left, p.member, "clock_out"))
    events.sort(key=lambda e: (e.at, e.member.name))
    return events, roles
