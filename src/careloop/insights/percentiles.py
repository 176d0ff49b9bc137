"""Percentiles of durations from the histograms, exact on the bins: the coarse bins find the
bin holding the rank, then the fine bins of that coarse bin alone are read; hours no histogram
keeps are read from the tickets themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.insights.cubes import TICKET_DIMS, CubeChoice
from careloop.insights.facts import durations
from careloop.insights.model import Measure, coarse_bin, quantile_rank, rank_bin
from careloop.insights.plan import Key, Query, cube_rows, period_label, plan_reads
from careloop.insights.refresh import hour_of
from careloop.insights.tables import DIM_COLUMNS, InsightHistogram, fine_key


def percentiles(
    s: Session, q: Query, measure: Measure, groups: tuple[str, ...]
) -> dict[Key, float | None]:
    """The nearest-rank quantile of a duration per (period?, *groups), in two reads: the coarse
    bins of every group find the coarse bin holding the rank, then only the fine bins of those
    coarse bins are read. Segments no histogram cube keeps come from the base tables."""
    plan = plan_reads(q, measure, groups, distinct=False, histogram=True)
    coarse: dict[Key, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    loose: dict[Key, dict[int, int]] = defaultdict(lambda: defaultdict(int))  # base-table bins
    for choice, segments in plan:
        if choice is None:
            for key, b in _duration_keys(s, q, measure.measure, groups, segments):
                loose[key][b] += 1
                coarse[key][coarse_bin(b)] += 1
            continue
        for key, b, n in _bins(s, q, choice, groups, segments, [measure.measure]):
            coarse[key][b] += n
    wanted: dict[Key, tuple[int, int]] = {}  # the coarse bin holding the rank, the rank left
    for key, hist in coarse.items():
        rank = quantile_rank(sum(hist.values()), q.metric.quantile)
        if rank is not None:
            wanted[key] = rank_bin(hist, rank)
    fine: dict[Key, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for key, hist in loose.items():
        if key in wanted:
            for b, n in hist.items():
                if coarse_bin(b) == wanted[key][0]:
                    fine[key][b] += n
    names = sorted({fine_key(measure.measure, c) for c, _ in wanted.values()})
    for choice, segments in plan:
        if choice is None or not names:
            continue
        for key, b, n in _bins(s, q, choice, groups, segments, names):
            if key in wanted and coarse_bin(b) == wanted[key][0]:
                fine[key][b] += n
    return {key: float(rank_bin(fine[key], left)[0]) for key, (_, left) in wanted.items()}


def _bins(
    s: Session,
    q: Query,
    choice: CubeChoice,
    groups: tuple[str, ...],
    segments: list[tuple[str, datetime, datetime]],
    keys: list[str],
) -> Iterator[tuple[Key, int, int]]:
    """(period?, *groups), bin and count of the histogram rows under these `measure` keys."""
    h = InsightHistogram
    cols = [getattr(h, DIM_COLUMNS[choice.dims.index(g)]) for g in groups]
    if q.interval:
        cols.insert(0, h.bucket)
    stmt = (
        select(*cols, h.bin, func.sum(h.n))
        .where(*cube_rows(h, choice, q, segments, h.measure.in_(keys)))
        .group_by(*cols, h.bin)
    )
    for row in s.execute(stmt):
        *values, b, n = row
        if q.interval:
            values[0] = period_label(q, values[0])
        yield tuple(values), int(b), int(n)


def _duration_keys(
    s: Session, q: Query, histogram: str, groups: tuple[str, ...], segments: list[Any]
) -> Iterator[tuple[Key, int]]:
    """The duration bins of the tickets of the segments straight from the base tables, reading
    only the columns the groups and filters need, filtered, with their (period?, *groups) key."""
    filters = [(name, values) for name, values in q.filters.items() if name in TICKET_DIMS]
    dims = list(dict.fromkeys([*groups, *(name for name, _ in filters)]))
    checks = [(dims.index(name), values) for name, values in filters]
    positions = [dims.index(g) for g in groups]
    for _grain, lo, hi in segments:
        for created, values, b in durations(s, histogram, dims, lo, hi):
            if any(("" if values[i] is None else values[i]) not in wanted for i, wanted in checks):
                continue
            key = tuple(values[p] for p in positions)
            if q.interval:
                key = (period_label(q, hour_of(created)), *key)
            yield key, b
