"""The planning page's read: each group's forecast with the agents every interval needs, and the
agents the published roster puts on each hour of the horizon, by language and in total."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from careloop.storage.engine import Database
from careloop.workforce.calendar import HOUR, _hours_covered, hours_of
from careloop.workforce.demand import Demand, plan_demand
from careloop.workforce.forecast import ForecastSettings
from careloop.workforce.model import MAX_SHIFT, Interval, ShiftStatus
from careloop.workforce.staffing import LiveTarget
from careloop.workforce.staffing_backlog import BacklogTarget
from careloop.workforce.tables import Agent, Leave, Shift


@dataclass(frozen=True)
class Rostered:
    """Agents working each hour of a span on published shifts (leave taken out): per language
    they speak, and in total (an agent speaking two languages counts once there)."""

    hours: tuple[datetime, ...]
    by_language: dict[str, tuple[int, ...]]
    total: tuple[int, ...]
    shifts: int  # published shifts touching the span

    def of_language(self, language: str) -> tuple[int, ...]:
        return self.by_language.get(language, (0,) * len(self.hours))


@dataclass(frozen=True)
class Plan:
    """The demand (forecast and required agents per group) and the published roster's hours."""

    demand: Demand
    rostered: Rostered


def plan_staffing(
    db: Database,
    *,
    now: datetime,
    settings: ForecastSettings,
    target: LiveTarget | BacklogTarget,
    group_by: Sequence[str] = ("language",),
    history_weeks: int = 8,
    country: str | None = None,
) -> Plan:
    """Forecast each group, staff every forecast interval for `target`, and read the published
    roster over the same weeks (from the hour holding the first interval). Four queries."""
    demand = plan_demand(
        db,
        now=now,
        settings=settings,
        group_by=group_by,
        history_weeks=history_weeks,
        country=country,
        target=target,
    )
    start = datetime.fromtimestamp(int(demand.origin.timestamp()) // 3600 * 3600, UTC)
    rostered = rostered_hours(db, start, demand.origin + timedelta(weeks=settings.weeks))
    return Plan(demand, rostered)


def rostered_hours(db: Database, start: datetime, end: datetime) -> Rostered:
    """Active agents on published shifts each hour of [start, end): an agent works an hour when
    a shift covers its middle and no leave does (the roster page's coverage rule). Three
    queries whatever the number of agents and shifts."""
    hours = hours_of(Interval(start, end))
    with db.read() as s:
        agents = s.execute(
            select(Agent.user_id, Agent.languages).where(Agent.active.is_(True))
        ).all()
        shifts = s.execute(
            select(Shift.agent_id, Shift.starts_at, Shift.ends_at)
            .where(Shift.status == ShiftStatus.PUBLISHED)
            .where(Shift.starts_at > start - MAX_SHIFT, Shift.starts_at < end)
            .where(Shift.ends_at > start)
        ).all()
        leave = s.execute(
            select(Leave.agent_id, Leave.starts_at, Leave.ends_at).where(
                Leave.starts_at < end, Leave.ends_at > start
            )
        ).all()
    off: dict[int, set[int]] = {}
    for agent_id, since, until in leave:
        off.setdefault(agent_id, set()).update(_hours_covered(since, until, start, len(hours)))
    working: dict[int, set[int]] = {}
    for agent_id, since, until in shifts:
        covered = _hours_covered(since, until, start, len(hours)) - off.get(agent_id, set())
        working.setdefault(agent_id, set()).update(covered)
    total = [0] * len(hours)
    by_language: dict[str, list[int]] = {}
    for agent_id, languages in agents:
        for i in working.get(agent_id, ()):
            total[i] += 1
            for lang in dict.fromkeys(languages or ()):
                by_language.setdefault(lang, [0] * len(hours))[i] += 1
    return Rostered(
        hours=tuple(hours),
        by_language={k: tuple(v) for k, v in sorted(by_language.items())},
        total=tuple(total),
        shifts=len(shifts),
    )


def required_per_hour(
    starts: Sequence[datetime], scheduled: Sequence[int], hours: Sequence[datetime]
) -> tuple[int, ...]:
    """The agents to schedule in each hour: the most any interval starting in it needs."""
    if not hours:
        return ()
    origin = hours[0]
    out = [0] * len(hours)
    for start, need in zip(starts, scheduled, strict=True):
        i = int((start - origin) // HOUR)
        if 0 <= i < len(out):
            out[i] = max(out[i], need)
    return tuple(out)
