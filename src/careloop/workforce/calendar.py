"""The read side of the roster page: a team's week as bars on a timeline with hourly coverage
by language. Positions are computed from instants, so a DST week (167 or 169 hours) lines up
with the wall clock. An agent's own shifts and calendar feed are in `my_shifts.py`."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from careloop.storage.engine import Database
from careloop.workforce.holidays import public_holidays
from careloop.workforce.model import (
    MAX_SHIFT,
    Interval,
    LeaveKind,
    ShiftStatus,
    local_day,
    week_start,
)
from careloop.workforce.tables import Agent, Leave, Shift

HOUR = timedelta(hours=1)
UPCOMING_DAYS = 14
RECENT_NOTICES = 10
FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=90)


def week_of(day: date, timezone: str) -> Interval:
    """The ISO week (Monday start) holding `day`, from local midnight to local midnight."""
    monday = week_start(day)
    return Interval(
        local_day(monday, timezone).start, local_day(monday + timedelta(days=7), timezone).start
    )


@dataclass(frozen=True)
class Placed:
    """A span on the week's timeline: where it starts and how wide it is, in % of the week."""

    starts_at: datetime
    ends_at: datetime
    left: float
    width: float
    clipped_start: bool  # began before the week
    clipped_end: bool  # goes on after the week


def place(span: Interval, week: Interval) -> Placed | None:
    """The part of `span` inside the week, in percent of the week's length; None outside it."""
    start, end = max(span.start, week.start), min(span.end, week.end)
    if start >= end:
        return None
    total = (week.end - week.start).total_seconds()
    return Placed(
        starts_at=span.start,
        ends_at=span.end,
        left=round((start - week.start).total_seconds() / total * 100, 4),
        width=round((end - start).total_seconds() / total * 100, 4),
        clipped_start=span.start < week.start,
        clipped_end=span.end > week.end,
    )


@dataclass(frozen=True)
class ShiftBar:
    shift_id: int
    status: ShiftStatus
    note: str | None
    at: Placed

    @property
    def draft(self) -> bool:
        return self.status == ShiftStatus.DRAFT


@dataclass(frozen=True)
class LeaveBand:
    leave_id: int
    kind: LeaveKind
    at: Placed


@dataclass(frozen=True)
class HolidayMark:
    day: date
    name: str
    at: Placed


@dataclass
class RosterRow:
    """One agent's line of the week."""

    agent_id: int
    name: str
    languages: list[str]
    timezone: str
    country: str | None
    shifts: list[ShiftBar] = field(default_factory=list)
    leave: list[LeaveBand] = field(default_factory=list)
    holidays: list[HolidayMark] = field(default_factory=list)


@dataclass(frozen=True)
class CoverageCell:
    """Agents speaking a language who work the hour: on published shifts, and with drafts."""

    starts_at: datetime
    published: int
    with_drafts: int


@dataclass(frozen=True)
class CoverageRow:
    language: str
    cells: list[CoverageCell]

    @property
    def gaps(self) -> int:
        return sum(1 for c in self.cells if c.published == 0)


@dataclass(frozen=True)
class RosterWeek:
    week: Interval
    team_id: int | None
    rows: list[RosterRow]
    hours: list[datetime]  # the start of each hour of the week (167, 168 or 169)
    coverage: list[CoverageRow]
    drafts: int  # draft shifts starting in the week (what "publish week" would publish)


def roster_week(
    db: Database,
    *,
    week_start_instant: datetime,
    week_end_instant: datetime,
    team_id: int | None,
) -> RosterWeek:
    """A team's active agents (all active agents when `team_id` is None) with their shifts, leave
    and public holidays of the week, and hourly coverage by language. Three queries whatever the
    number of agents."""
    week = Interval(week_start_instant, week_end_instant)
    ids = select(Agent.user_id).where(Agent.active.is_(True))
    if team_id is not None:
        ids = ids.where(Agent.team_id == team_id)
    with db.read() as s:
        agents = sorted(
            s.scalars(select(Agent).where(Agent.user_id.in_(ids))),
            key=lambda a: (a.user.name.lower(), a.user_id),
        )
        # A shift starts at most MAX_SHIFT before the week: the bound keeps the index useful.
        shifts = s.scalars(
            select(Shift)
            .where(Shift.agent_id.in_(ids), Shift.starts_at > week.start - MAX_SHIFT)
            .where(Shift.starts_at < week.end, Shift.ends_at > week.start)
            .order_by(Shift.starts_at, Shift.id)
        ).all()
        leave = s.scalars(
            select(Leave)
            .where(Leave.agent_id.in_(ids))
            .where(Leave.starts_at < week.end, Leave.ends_at > week.start)
            .order_by(Leave.starts_at, Leave.id)
        ).all()
    rows = {a.user_id: _row(a) for a in agents}
    for shift in shifts:
        placed = place(Interval(shift.starts_at, shift.ends_at), week)
        if placed is not None and shift.agent_id in rows:
            bar = ShiftBar(shift_id=shift.id, status=shift.status, note=shift.note, at=placed)
            rows[shift.agent_id].shifts.append(bar)
    for item in leave:
        placed = place(Interval(item.starts_at, item.ends_at), week)
        if placed is not None and item.agent_id in rows:
            rows[item.agent_id].leave.append(LeaveBand(leave_id=item.id, kind=item.kind, at=placed))
    _mark_holidays(rows.values(), week)
    hours = hours_of(week)
    return RosterWeek(
        week=week,
        team_id=team_id,
        rows=list(rows.values()),
        hours=hours,
        coverage=coverage(agents, shifts, leave, hours),
        drafts=sum(
            1 for x in shifts if x.status == ShiftStatus.DRAFT and week.contains(x.starts_at)
        ),
    )


def _row(agent: Agent) -> RosterRow:
    return RosterRow(
        agent_id=agent.user_id,
        name=agent.user.name,
        languages=list(agent.languages),
        timezone=agent.timezone,
        country=agent.country,
    )


def _mark_holidays(rows: Iterable[RosterRow], week: Interval) -> None:
    """Public holidays of each agent's country, as the agent's own local day."""
    first = (week.start - timedelta(days=1)).date()
    last = (week.end + timedelta(days=1)).date()
    by_country: dict[str, dict[date, str]] = {}
    for row in rows:
        if not row.country:
            continue
        if row.country not in by_country:
            by_country[row.country] = public_holidays(row.country, first, last)
        for day, name in sorted(by_country[row.country].items()):
            placed = place(local_day(day, row.timezone), week)
            if placed is not None:
                row.holidays.append(HolidayMark(day=day, name=name, at=placed))


def hours_of(week: Interval) -> list[datetime]:
    count = math.ceil((week.end - week.start) / HOUR)
    return [week.start + i * HOUR for i in range(count)]


def coverage(
    agents: Sequence[Agent],
    shifts: Sequence[Shift],
    leave: Sequence[Leave],
    hours: Sequence[datetime],
) -> list[CoverageRow]:
    """For each language the agents speak (most speakers first), how many of its speakers work
    each hour. An agent works an hour when a shift covers its middle (so a 07:30 start counts
    from 08:00) and no leave does."""
    if not hours:
        return []
    origin = hours[0]
    published: dict[int, set[int]] = defaultdict(set)
    planned: dict[int, set[int]] = defaultdict(set)
    off: dict[int, set[int]] = defaultdict(set)
    for item in leave:
        off[item.agent_id] |= _hours_covered(item.starts_at, item.ends_at, origin, len(hours))
    for shift in shifts:
        covered = _hours_covered(shift.starts_at, shift.ends_at, origin, len(hours))
        covered -= off[shift.agent_id]
        planned[shift.agent_id] |= covered
        if shift.status == ShiftStatus.PUBLISHED:
            published[shift.agent_id] |= covered
    speakers = Counter(lang for a in agents for lang in dict.fromkeys(a.languages))
    languages = sorted(speakers, key=lambda lang: (-speakers[lang], lang))
    rows = []
    for lang in languages:
        who = [a.user_id for a in agents if lang in a.languages]
        cells = [
            CoverageCell(
                starts_at=start,
                published=sum(1 for a in who if i in published[a]),
                with_drafts=sum(1 for a in who if i in planned[a]),
            )
            for i, start in enumerate(hours)
        ]
        rows.append(CoverageRow(language=lang, cells=cells))
    return rows


def _hours_covered(start: datetime, end: datetime, origin: datetime, count: int) -> set[int]:
    """Indexes of the hours whose middle lies in [start, end)."""
    first = max(0, math.ceil((start - origin - HOUR / 2) / HOUR))
    stop = min(count, math.ceil((end - origin - HOUR / 2) / HOUR))
    return set(range(first, stop))
