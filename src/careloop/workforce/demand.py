"""Demand for planning: the ticket arrival history per interval and group read in one query,
each group's forecast, and the agents each forecast interval needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from careloop.errors import Invalid
from careloop.storage.engine import Database
from careloop.tickets.queries import ARRIVAL_GROUPS, arrivals_per_interval
from careloop.workforce.forecast import Forecast, ForecastSettings, forecast_arrivals
from careloop.workforce.holidays import public_holidays
from careloop.workforce.staffing import LiveTarget, live_plan
from careloop.workforce.staffing_backlog import BacklogTarget, backlog_plan

GROUPS = tuple(ARRIVAL_GROUPS)
MAX_HISTORY_WEEKS = 52
ACTUAL_DAYS = 7  # the recent actuals returned with a forecast, for its chart


@dataclass(frozen=True)
class GroupDemand:
    """One group's forecast, its recent actuals (interval start, count), and the agents each
    forecast interval needs: working, and scheduled after shrinkage (None without a target)."""

    group: dict[str, str | None]
    forecast: Forecast
    actuals: tuple[tuple[datetime, int], ...]
    agents: tuple[int, ...] | None = None
    scheduled: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Demand:
    """Every group's demand from the same origin (the current interval's start) and history."""

    origin: datetime
    history_start: datetime
    interval_minutes: int
    group_by: tuple[str, ...]
    groups: tuple[GroupDemand, ...]


def parse_group_by(raw: str | None) -> tuple[str, ...]:
    """`language,channel` -> the group dims; empty means all tickets together."""
    dims = tuple(d.strip() for d in (raw or "").split(",") if d.strip())
    for d in dims:
        if d not in GROUPS:
            raise Invalid(f"group_by takes {', '.join(GROUPS)}, not {d!r}", {"field": "group_by"})
    if len(set(dims)) != len(dims):
        raise Invalid("group_by names a dimension twice", {"field": "group_by"})
    return dims


def plan_demand(
    db: Database,
    *,
    now: datetime,
    settings: ForecastSettings,
    group_by: Sequence[str] = ("language",),
    history_weeks: int = 8,
    country: str | None = None,
    target: LiveTarget | BacklogTarget | None = None,
) -> Demand:
    """Forecast each group from up to `history_weeks` of its tickets before the current
    interval. The history starts at the first interval holding any ticket: weeks before the
    first ticket are no history, so a new installation is flagged as short, not as silent."""
    settings.check()
    group_by = parse_group_by(",".join(group_by))
    if not settings.min_history_weeks <= history_weeks <= MAX_HISTORY_WEEKS:
        raise Invalid(
            f"history_weeks must be {settings.min_history_weeks} to {MAX_HISTORY_WEEKS}",
            {"field": "history_weeks"},
        )
    step = settings.step
    seconds = int(step.total_seconds())
    at = now.astimezone(UTC)
    origin = datetime.fromtimestamp(int(at.timestamp()) // seconds * seconds, UTC)
    since = origin - timedelta(weeks=history_weeks)
    rows = arrivals_per_interval(db, since=since, until=origin, seconds=seconds, group_by=group_by)
    size = history_weeks * 7 * 24 * 60 // settings.interval_minutes
    first = min((bucket for bucket, _, _ in rows), default=size)
    series: dict[tuple[str | None, ...], list[int]] = {}
    for bucket, key, count in rows:
        series.setdefault(key, [0] * (size - first))[bucket - first] = count
    if not series and not group_by:
        series[()] = []  # no tickets yet: the total still gets its stated default
    history_start = since + first * step
    if country:
        end = (origin + timedelta(weeks=settings.weeks)).date()
        days = public_holidays(country, history_start.date() - timedelta(days=1), end)
        settings = replace(settings, holidays=settings.holidays | frozenset(days))
    per_actual = ACTUAL_DAYS * 24 * 60 // settings.interval_minutes
    out = []
    for key in sorted(series, key=lambda k: tuple((v is None, v or "") for v in k)):
        counts = series[key]
        forecast = forecast_arrivals(counts, history_start, settings)
        recent = range(max(0, len(counts) - per_actual), len(counts))
        out.append(
            _staffed(
                GroupDemand(
                    group=dict(zip(group_by, key, strict=True)),
                    forecast=forecast,
                    actuals=tuple((history_start + i * step, counts[i]) for i in recent),
                ),
                target,
                seconds,
            )
        )
    return Demand(origin, history_start, settings.interval_minutes, group_by, tuple(out))


def _staffed(
    demand: GroupDemand, target: LiveTarget | BacklogTarget | None, seconds: int
) -> GroupDemand:
    if target is None:
        return demand
    arrivals = [i.expected for i in demand.forecast.intervals]
    if isinstance(target, LiveTarget):
        live = live_plan(arrivals, seconds, target)
        return replace(
            demand,
            agents=tuple(s.agents for s in live),
            scheduled=tuple(s.scheduled for s in live),
        )
    plan = backlog_plan(arrivals, seconds, target)
    return replace(
        demand, agents=tuple(p.agents for p in plan), scheduled=tuple(p.scheduled for p in plan)
    )
