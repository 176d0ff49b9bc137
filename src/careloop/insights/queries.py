"""Answering a metric query from the rollups: pick the smallest cube that holds the query's
dims, read whole UTC months from month rows (totals only), whole UTC days from day rows and the
ragged edges from hour rows, fold buckets into the asked interval in the asked time zone, then
combine measures into the metric.

The backlog metrics describe now, not a period; they read the open tickets themselves
(through the status index: only open tickets are touched).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.errors import Invalid, NotFound
from careloop.insights.backlog import backlog
from careloop.insights.cubes import FACTS, Fact
from careloop.insights.facts import Atom, atoms
from careloop.insights.model import (
    DIMENSIONS,
    METRICS,
    Kind,
    Measure,
    Metric,
    Unit,
)
from careloop.insights.percentiles import percentiles
from careloop.insights.plan import Key, Query, cube_rows, period_label, plan_reads
from careloop.insights.refresh import hour_of
from careloop.insights.tables import DIM_COLUMNS, InsightRollup
from careloop.storage.engine import Database

__all__ = [  # Query lives in plan.py; callers take it from here with the rest
    "MAX_GROUPS",
    "Query",
    "dimension_labels",
    "local_day_start",
    "metric_catalogue",
    "parse_query",
    "run_query",
]

INTERVALS = ("hour", "day", "week")
MAX_SPAN = timedelta(days=3 * 366)
MAX_GROUPS = 3


def parse_query(
    metric: str,
    *,
    start: datetime,
    end: datetime,
    group_by: Iterable[str] = (),
    filters: Mapping[str, Iterable[str]] | None = None,
    interval: str | None = None,
    tz: str = "UTC",
    limit: int | None = None,
) -> Query:
    """A checked query: an unknown metric is NotFound, anything else wrong is Invalid."""
    m = METRICS.get(metric)
    if m is None:
        raise NotFound(f"no metric named {metric!r}", {"metric": metric, "known": sorted(METRICS)})
    groups = tuple(dict.fromkeys(g for g in group_by if g))
    clean_filters = {k: tuple(v) for k, v in (filters or {}).items()}
    for where, dims in (("group_by", groups), ("filter", tuple(clean_filters))):
        unknown = [d for d in dims if d not in m.dims]
        if unknown:
            raise Invalid(
                f"{metric} has no dimension {', '.join(map(repr, unknown))}",
                {"field": where, "dimensions": list(m.dims)},
            )
    if len(groups) > MAX_GROUPS:
        raise Invalid(f"group by at most {MAX_GROUPS} dimensions", {"field": "group_by"})
    if interval is not None and interval not in INTERVALS:
        raise Invalid(f"interval is one of {', '.join(INTERVALS)}", {"field": "interval"})
    if interval is not None and m.kind == Kind.LIVE:
        raise Invalid(f"{metric} is the state now: it has no interval", {"field": "interval"})
    for name, at in (("from", start), ("to", end)):
        if at.tzinfo is None:
            raise Invalid(f"{name} needs a time zone offset", {"field": name})
        if at.minute or at.second or at.microsecond:
            raise Invalid(f"{name} must fall on a whole hour (rollups are hourly)", {"field": name})
    if not start < end or end - start > MAX_SPAN:
        raise Invalid("from must come before to, at most three years apart", {"field": "from"})
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError):
        raise Invalid(f"unknown time zone {tz!r}", {"field": "tz"}) from None
    if limit is not None and not 1 <= limit <= 10_000:
        raise Invalid("limit is between 1 and 10000", {"field": "limit"})
    return Query(m, start.astimezone(UTC), end.astimezone(UTC), groups, clean_filters, interval,
                 zone, limit)  # fmt: skip


# --- reading sums from the rollups -----------------------------------------------------------


def _wanted(q: Query, fact: Fact, dims: tuple[str | None, ...]) -> bool:
    for name, values in q.filters.items():
        if name in fact.dims:
            value = dims[fact.dims.index(name)]
            if ("" if value is None else value) not in values:
                return False
    return True


def _atom_keys(
    s: Session, q: Query, fact: Fact, groups: tuple[str, ...], segments: list[Any]
) -> Iterator[tuple[Key, Atom]]:
    """The atoms of the segments straight from the base tables (dims no hourly cube holds),
    filtered, with their (period?, *groups) key."""
    positions = [fact.dims.index(g) for g in groups]
    for _grain, lo, hi in segments:
        for atom in atoms(s, fact.name, lo, hi):
            if not _wanted(q, fact, atom.dims):
                continue
            key = tuple(atom.dims[p] for p in positions)
            if q.interval:
                key = (period_label(q, hour_of(atom.at)), *key)
            yield key, atom


def _sums(s: Session, q: Query, measure: Measure, groups: tuple[str, ...]) -> dict[Key, int]:
    """Sum of `measure` per (period, *groups) over the query's time range and filters."""
    fact = FACTS[measure.fact]
    distinct = measure.measure in fact.distinct
    index = fact.measure_index(measure.measure)
    column = getattr(InsightRollup, f"m{index}")
    out: dict[Key, int] = defaultdict(int)
    for choice, segments in plan_reads(q, measure, groups, distinct=distinct):
        if choice is None:
            seen: dict[Key, set[int]] = defaultdict(set)
            for key, atom in _atom_keys(s, q, fact, groups, segments):
                if distinct and atom.key is not None:
                    seen[key].add(atom.key)
                elif not distinct:
                    out[key] += atom.measures[index]
            for key, keys in seen.items():
                out[key] += len(keys)
            continue
        cols = [getattr(InsightRollup, DIM_COLUMNS[choice.dims.index(g)]) for g in groups]
        if q.interval:
            cols.insert(0, InsightRollup.bucket)
        stmt = (
            select(*cols, func.sum(column))
            .where(*cube_rows(InsightRollup, choice, q, segments))
            .group_by(*cols)
        )
        for row in s.execute(stmt):
            *values, total = row
            if total is None:  # no rows at all (a sum without GROUP BY still answers one)
                continue
            if q.interval:
                values[0] = period_label(q, values[0])
            out[tuple(values)] += int(total)
    return out


# --- combining measures into the metric ------------------------------------------------------


def _ratio(num: int, den: int, metric: Metric) -> float | None:
    if den == 0:
        return None
    value = num / den
    return (1 - value if metric.complement else value) * metric.scale


def _values(s: Session, q: Query, groups: tuple[str, ...]) -> dict[Key, float | None]:
    m = q.metric
    if m.kind == Kind.SUM:
        return {k: float(v) for k, v in _sums(s, q, _need(m.numerator), groups).items()}
    if m.kind == Kind.PERCENTILE:
        return percentiles(s, q, _need(m.histogram), groups)
    numerators = _sums(s, q, _need(m.numerator), groups)
    denominator = _need(m.denominator)
    den_fact = FACTS[denominator.fact]
    shared = tuple(g for g in groups if g in den_fact.dims)
    positions = [i for i, g in enumerate(groups) if g in den_fact.dims]
    denominators = _sums(s, q, denominator, shared)
    offset = 1 if q.interval else 0

    def den_key(key: Key) -> Key:
        return (*key[:offset], *(key[offset + i] for i in positions))

    keys = set(numerators)
    if len(shared) == len(groups):
        keys |= set(denominators)
    return {k: _ratio(numerators.get(k, 0), denominators.get(den_key(k), 0), m) for k in keys}


def _need(measure: Measure | None) -> Measure:
    if measure is None:
        raise ValueError("the metric's definition lacks a measure")
    return measure


def _float(value: int | None) -> float | None:
    return None if value is None else float(value)


def run_query(db: Database, q: Query, *, now: datetime) -> dict[str, Any]:
    """The answer: {"metric", "rows": [{<dim>: value, ..., "value"}], "total"}, with "period"
    in each row when an interval is asked."""
    with db.read() as s:
        if q.metric.kind == Kind.LIVE:
            values = backlog(s, q.metric, q.group_by, q.filters, now)
            totals = backlog(s, q.metric, (), q.filters, now) if q.group_by else values
        else:
            values = _values(s, q, q.group_by)
            if q.group_by or q.interval:
                totals = _values(s, replace(q, interval=None), ())
            else:
                totals = values
    names = (("period",) if q.interval else ()) + q.group_by
    ordered = sorted(values.items(), key=lambda kv: _order(q, kv[0], kv[1]))
    rows: list[dict[str, Any]] = [
        {**dict(zip(names, key, strict=True)), "value": value} for key, value in ordered
    ]
    if q.limit is not None:
        rows = rows[: q.limit]
    return {
        "metric": q.metric.name,
        "unit": q.metric.unit.value,
        "from": q.start.isoformat(),
        "to": q.end.isoformat(),
        "interval": q.interval,
        "group_by": list(q.group_by),
        "rows": rows,
        "total": totals.get((), 0.0 if q.metric.unit == Unit.COUNT else None),
    }


def _order(q: Query, key: Key, value: float | None) -> tuple[Any, ...]:
    """Periods in time order; without an interval, the largest value first."""
    labels = tuple("" if v is None else v for v in key)
    if q.interval:
        return labels
    return (-(value or 0.0), *labels)


def metric_catalogue() -> list[dict[str, Any]]:
    """Every metric with its unit, formula and dims, for the API and the pages' help."""
    return [
        {
            "name": m.name,
            "label": m.label,
            "unit": m.unit.value,
            "kind": m.kind.value,
            "formula": m.formula,
            "dimensions": list(m.dims),
        }
        for m in METRICS.values()
    ]


def dimension_labels() -> dict[str, str]:
    return {d.name: d.label for d in DIMENSIONS.values()}


def local_day_start(day: date, tz: ZoneInfo) -> datetime:
    """The instant a local day starts, in UTC (pages turn a chosen period into from/to)."""
    return datetime.combine(day, datetime.min.time(), tzinfo=tz).astimezone(UTC)
