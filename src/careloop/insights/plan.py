"""Where a metric query's numbers are read: the period split into month, day and hour rows,
the cube read for each, and the WHERE of a cube's rows in them.

Shared by the sums and the percentiles (queries.py, percentiles.py); no session here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_

from careloop.insights.cubes import FACTS, CubeChoice, choose_cube
from careloop.insights.model import Measure, Metric
from careloop.insights.refresh import month_of, next_month
from careloop.insights.tables import DIM_COLUMNS

Key = tuple[str | None, ...]  # (period?, *group values)


@dataclass(frozen=True)
class Query:
    metric: Metric
    start: datetime
    end: datetime
    group_by: tuple[str, ...] = ()
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    interval: str | None = None
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    limit: int | None = None


def time_segments(q: Query) -> list[tuple[str, datetime, datetime]]:
    """[start, end) as hour, day and month ranges: month rows for whole UTC months when no
    interval is asked (a total is the same in any zone), day rows for whole UTC days, hour rows
    at the edges; only hour rows when the buckets must fold into hours or into days of another
    zone, and never month rows for days or weeks."""
    if q.interval == "hour" or (q.interval is not None and q.tz.key != "UTC"):
        return [("h", q.start, q.end)]
    first_day = q.start.replace(hour=0) + (timedelta(days=1) if q.start.hour else timedelta())
    last_day = q.end.replace(hour=0)
    if first_day >= last_day:
        return [("h", q.start, q.end)]
    out = [("d", first_day, last_day)]
    first_month = month_of(first_day) if first_day.day == 1 else next_month(first_day)
    last_month = month_of(last_day)
    if q.interval is None and first_month < last_month:
        out = [("m", first_month, last_month)]
        if first_day < first_month:
            out.append(("d", first_day, first_month))
        if last_month < last_day:
            out.append(("d", last_month, last_day))
    if q.start < first_day:
        out.append(("h", q.start, first_day))
    if last_day < q.end:
        out.append(("h", last_day, q.end))
    return out


def period_label(q: Query, bucket: datetime) -> str:
    if q.interval == "hour":
        return bucket.astimezone(UTC).isoformat()
    local = bucket.astimezone(q.tz).date()
    if q.interval == "week":
        local = local - timedelta(days=local.weekday())
    return local.isoformat()


def cube_rows(
    table: Any,
    choice: CubeChoice,
    q: Query,
    segments: list[tuple[str, datetime, datetime]],
    *keys: Any,
) -> list[Any]:
    """The rows of one cube in the segments, filtered. Each segment is a whole index range
    (fact, [measure keys,] cube, grain, bucket) of its own: an OR of such terms lets SQLite seek
    each range (MULTI-INDEX OR) rather than scan the cube's every grain and bucket."""
    ranges = [
        and_(
            table.fact == choice.fact.name,
            *keys,
            table.cube == choice.index,
            table.grain == g,
            table.bucket >= lo,
            table.bucket < hi,
        )
        for g, lo, hi in segments
    ]
    clauses = [or_(*ranges)]
    for name, values in q.filters.items():
        if name not in choice.dims:
            continue
        column = getattr(table, DIM_COLUMNS[choice.dims.index(name)])
        real = [v for v in values if v != ""]
        either = [column.in_(real)] if real else []
        if "" in values:  # filter[dim]= selects the rows without a value
            either.append(column.is_(None))
        clauses.append(or_(*either))
    return clauses


FINER = {"m": ("m", "d", "h"), "d": ("d", "h"), "h": ("h",)}
Plan = list[tuple[CubeChoice | None, list[tuple[str, datetime, datetime]]]]


def plan_reads(
    q: Query,
    measure: Measure,
    groups: tuple[str, ...],
    *,
    distinct: bool,
    histogram: bool = False,
) -> Plan:
    """Which cube reads which time segments: for each, the smallest cube holding the dims that
    is kept at its grain (or, failing that, at a finer one); None where no cube fits (the base
    tables)."""
    fact = FACTS[measure.fact]
    needed = set(groups) | {f for f in q.filters if f in fact.dims}
    by_cube: dict[int | None, tuple[CubeChoice | None, list[tuple[str, datetime, datetime]]]] = {}
    for grain, lo, hi in time_segments(q):
        choice = None
        for finer in FINER[grain]:  # a grain no fitting cube keeps is read from finer rows
            choice = choose_cube(fact, needed, distinct=distinct, grain=finer, histogram=histogram)
            if choice is not None:
                grain = finer
                break
        segment = (grain, lo, hi)
        key = None if choice is None else choice.index
        by_cube.setdefault(key, (choice, []))[1].append(segment)
    return list(by_cube.values())
