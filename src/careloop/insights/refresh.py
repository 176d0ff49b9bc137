"""Keeping the rollups equal to the base tables: `refresh_rollups` recomputes the days the
triggers marked, `rebuild_rollups` recomputes everything.

A marked day is recomputed whole from its atoms (facts.py), never patched with a delta, so
a refresh is idempotent and cannot drift. The marks are read and deleted first and the base
read after, in one transaction: a change committed later leaves a mark of its own. One
refresher at a time (a PostgreSQL advisory lock; SQLite serialises writers anyway), so two
workers never interleave a delete and an insert of the same day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from careloop.insights.cubes import FACTS, Fact
from careloop.insights.facts import Atom, atoms, span
from careloop.insights.tables import (
    DIM_COLUMNS,
    MEASURE_COLUMNS,
    InsightChange,
    InsightHistogram,
    InsightRollup,
)
from careloop.storage.engine import Database

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MARKS_PER_PASS = 5000
DAYS_PER_TRANSACTION = 4
REBUILD_SPAN = timedelta(days=7)
_LOCK_KEY = 0x1C5A_0005  # the advisory lock of the rollup writer


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def day_of(at: datetime) -> datetime:
    return hour_of(at).replace(hour=0)


def _lock(s: Session) -> None:
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


@dataclass
class _Sums:
    """Rollup rows being built: sums per (cube, bucket, dims), histograms, distinct keys."""

    fact: Fact
    rows: dict[tuple[int, datetime, tuple[str | None, ...]], list[int]] = field(
        default_factory=dict
    )
    keys: dict[tuple[int, datetime, tuple[str | None, ...]], set[int]] = field(
        default_factory=lambda: defaultdict(set)
    )
    bins: dict[tuple[int, int, datetime, tuple[str | None, ...], int], int] = field(
        default_factory=lambda: defaultdict(int)
    )

    def __post_init__(self) -> None:
        fact = self.fact
        self._positions = [tuple(fact.dims.index(d) for d in dims) for dims in fact.cubes]
        self._summed = [i for i, m in enumerate(fact.measures) if m not in fact.distinct]
        self._width = len(fact.measures)
        self._binned = [dims in fact.histogram_cubes for dims in fact.cubes]

    def add(self, atom: Atom, bucket: datetime) -> None:
        dims, measures = atom.dims, atom.measures
        for cube, positions in enumerate(self._positions):
            values = tuple([dims[p] for p in positions])
            key = (cube, bucket, values)
            row = self.rows.get(key)
            if row is None:
                row = self.rows[key] = [0] * self._width
            for i in self._summed:
                row[i] += measures[i]
            if atom.key is not None:
                self.keys[key].add(atom.key)
            if not self._binned[cube]:
                continue
            for h, b in enumerate(atom.durations):
                if b is not None:
                    self.bins[(h, cube, bucket, values, b)] += 1

    def rollup_rows(self, grain: str) -> list[dict[str, Any]]:
        distinct = [self.fact.measure_index(m) for m in self.fact.distinct]
        out = []
        for (cube, bucket, values), measures in self.rows.items():
            if grain == "h" and cube >= self.fact.hourly:
                continue
            for i in distinct:
                measures[i] = len(self.keys.get((cube, bucket, values), ()))
            row: dict[str, Any] = {
                "fact": self.fact.name,
                "cube": cube,
                "grain": grain,
                "bucket": bucket,
            }
            row.update(_dims(values))
            row.update(zip(MEASURE_COLUMNS, measures, strict=False))
            out.append(row)
        return out

    def histogram_rows(self, grain: str) -> list[dict[str, Any]]:
        out = []
        for (h, cube, bucket, values, b), n in self.bins.items():
            if grain == "h" and cube >= self.fact.hourly:
                continue
            row: dict[str, Any] = {
                "fact": self.fact.name,
                "measure": self.fact.histograms[h],
                "cube": cube,
                "grain": grain,
                "bucket": bucket,
                "bin": b,
                "n": n,
            }
            row.update(_dims(values))
            out.append(row)
        return out


def _dims(values: tuple[str | None, ...]) -> dict[str, str | None]:
    padded = values + (None,) * (len(DIM_COLUMNS) - len(values))
    return dict(zip(DIM_COLUMNS, padded, strict=True))


def _insert(s: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), 2000):
        chunk = rows[i : i + 2000]
        for row in chunk:  # every row names every column, so executemany stays one statement
            for column in (*DIM_COLUMNS, *MEASURE_COLUMNS):
                if table is InsightHistogram and column.startswith("m"):
                    continue
                row.setdefault(column, 0 if column.startswith("m") else None)
        s.connection().execute(table.__table__.insert(), chunk)  # Core: one executemany


def _recompute_range(s: Session, fact: Fact, start: datetime, end: datetime) -> int:
    """Replace every rollup row of `fact` in [start, end) (whole UTC days) with sums of its
    atoms: hour rows for the hourly cubes, day rows for all. Returns the rows written."""
    hourly, daily = _Sums(fact), _Sums(fact)
    for atom in atoms(s, fact.name, start, end):
        hourly.add(atom, hour_of(atom.at))
        daily.add(atom, day_of(atom.at))
    for table in (InsightRollup, InsightHistogram):
        s.execute(
            delete(table).where(table.fact == fact.name, table.bucket >= start, table.bucket < end)
        )
    written = 0
    for grain, sums in (("h", hourly), ("d", daily)):
        rows = sums.rollup_rows(grain)
        _insert(s, InsightRollup, rows)
        _insert(s, InsightHistogram, sums.histogram_rows(grain))
        written += len(rows)
    return written


def refresh_rollups(
    db: Database, *, now: datetime | None = None, limit: int = MARKS_PER_PASS
) -> int:
    """Recompute the days marked since the last refresh; the number of (fact, day) recomputed.

    Up to `limit` marks per call, `DAYS_PER_TRANSACTION` days per transaction, so the write
    lock is held briefly even after a bulk import marked a year of days."""
    del now  # the marks say what to do; kept for the job runner's signature
    total = 0
    with db.write() as s:
        _lock(s)
        marks = s.execute(
            select(InsightChange.id, InsightChange.fact, InsightChange.at)
            .order_by(InsightChange.id)
            .limit(limit)
        ).all()
        if not marks:
            return 0
        ids_by_day: dict[tuple[str, datetime], list[int]] = defaultdict(list)
        for mark_id, fact, at in marks:
            ids_by_day[(fact, day_of(at))].append(mark_id)
    keys = sorted(ids_by_day, key=lambda k: (k[1], k[0]))
    for i in range(0, len(keys), DAYS_PER_TRANSACTION):
        chunk = keys[i : i + DAYS_PER_TRANSACTION]
        with db.write() as s:
            _lock(s)
            ids = [mark_id for k in chunk for mark_id in ids_by_day[k]]
            for j in range(0, len(ids), 500):
                s.execute(delete(InsightChange).where(InsightChange.id.in_(ids[j : j + 500])))
            for fact, day in chunk:
                _recompute_range(s, FACTS[fact], day, day + DAY)
            total += len(chunk)
    return total


def pending_marks(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(InsightChange)) or 0)


def rebuild_rollups(db: Database, *, facts: Iterable[str] | None = None) -> dict[str, int]:
    """Recompute every rollup of `facts` (all by default) from the base tables, a week per
    transaction; the number of rollup rows written per fact."""
    written: dict[str, int] = {}
    names = list(facts) if facts is not None else list(FACTS)
    with db.write() as s:
        _lock(s)
        # Marks visible now are for changes already committed: the reads below include them.
        s.execute(delete(InsightChange).where(InsightChange.fact.in_(names)))
        for table in (InsightRollup, InsightHistogram):
            s.execute(delete(table).where(table.fact.in_(names)))
        spans = {name: span(s, name) for name in names}
    for name in names:
        fact = FACTS[name]
        first, last = spans[name]
        written[name] = 0
        if first is None or last is None:
            continue
        day = day_of(first)
        while day <= last:
            end = day + REBUILD_SPAN
            with db.write() as s:
                _lock(s)
                written[name] += _recompute_range(s, fact, day, end)
            day = end
    return written
