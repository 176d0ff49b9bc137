"""Keeping the rollups equal to the base tables: `refresh_rollups` recomputes the hours the
triggers marked, `rebuild_rollups` recomputes everything.

A marked hour is recomputed whole from its atoms (facts.py), never patched with a delta, so
a refresh is idempotent and cannot drift. The marks are read and deleted first and the base
read after, in one transaction: a change committed later leaves a mark of its own. One
refresher at a time (a PostgreSQL advisory lock; SQLite serialises writers anyway), so two
workers never interleave a delete and an insert of the same hour.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, text
from sqlalchemy.orm import Session

from careloop.insights.facts import Atom, atoms, span
from careloop.insights.model import FACTS, Fact
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
HOURS_PER_TRANSACTION = 48
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

    def add(self, atom: Atom, bucket: datetime) -> None:
        fact = self.fact
        distinct = [fact.measure_index(m) for m in fact.distinct]
        for cube, dims in enumerate(fact.cubes):
            values = tuple(atom.dims[fact.dims.index(d)] for d in dims)
            key = (cube, bucket, values)
            row = self.rows.get(key)
            if row is None:
                row = self.rows[key] = [0] * len(fact.measures)
            for i, v in enumerate(atom.measures):
                if i not in distinct:
                    row[i] += v
            if distinct and atom.key is not None:
                self.keys[key].add(atom.key)
            for h, b in enumerate(atom.durations):
                if b is not None:
                    self.bins[(h, cube, bucket, values, b)] += 1

    def rollup_rows(self, grain: str) -> list[dict[str, Any]]:
        distinct = [self.fact.measure_index(m) for m in self.fact.distinct]
        out = []
        for (cube, bucket, values), measures in self.rows.items():
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
        s.execute(insert(table), chunk)


def _recompute_hours(s: Session, fact: Fact, hours: list[datetime]) -> None:
    """Replace the hour rows of `fact` for `hours` with sums of their atoms."""
    sums = _Sums(fact)
    for start in hours:
        for atom in atoms(s, fact.name, start, start + HOUR):
            sums.add(atom, start)
    for table in (InsightRollup, InsightHistogram):
        s.execute(
            delete(table).where(
                table.fact == fact.name, table.grain == "h", table.bucket.in_(hours)
            )
        )
    _insert(s, InsightRollup, sums.rollup_rows("h"))
    _insert(s, InsightHistogram, sums.histogram_rows("h"))


def _recompute_day(s: Session, fact: Fact, day: datetime) -> None:
    """Replace the day rows of `fact` for `day` with sums of its hour rows."""
    for table in (InsightRollup, InsightHistogram):
        s.execute(
            delete(table).where(table.fact == fact.name, table.grain == "d", table.bucket == day)
        )
    dims = [getattr(InsightRollup, c) for c in DIM_COLUMNS]
    sums = [func.sum(getattr(InsightRollup, c)) for c in MEASURE_COLUMNS]
    r = InsightRollup
    rows = (
        select(r.fact, r.cube, literal("d"), literal(day, r.bucket.type), *dims, *sums)
        .where(r.fact == fact.name, r.grain == "h", r.bucket >= day, r.bucket < day + DAY)
        .group_by(r.fact, r.cube, *dims)
    )
    s.execute(
        insert(InsightRollup).from_select(
            ["fact", "cube", "grain", "bucket", *DIM_COLUMNS, *MEASURE_COLUMNS], rows
        )
    )
    if not fact.histograms:
        return
    h = InsightHistogram
    hdims = [getattr(h, c) for c in DIM_COLUMNS]
    hrows = (
        select(h.fact, h.measure, h.cube, literal("d"), literal(day, h.bucket.type), *hdims)
        .add_columns(h.bin, func.sum(h.n))
        .where(h.fact == fact.name, h.grain == "h", h.bucket >= day, h.bucket < day + DAY)
        .group_by(h.fact, h.measure, h.cube, *hdims, h.bin)
    )
    s.execute(
        insert(h).from_select(
            ["fact", "measure", "cube", "grain", "bucket", *DIM_COLUMNS, "bin", "n"], hrows
        )
    )


def _recompute(s: Session, marked: dict[str, set[datetime]]) -> int:
    done = 0
    for name, hours in marked.items():
        fact = FACTS[name]
        ordered = sorted(hours)
        _recompute_hours(s, fact, ordered)
        for day in sorted({day_of(h) for h in ordered}):
            _recompute_day(s, fact, day)
        done += len(ordered)
    return done


def refresh_rollups(
    db: Database, *, now: datetime | None = None, limit: int = MARKS_PER_PASS
) -> int:
    """Recompute the hours marked since the last refresh; the number of hours recomputed.

    Up to `limit` marks per call, `HOURS_PER_TRANSACTION` distinct hours per transaction, so
    the write lock is held briefly even after a bulk import marked a year of hours."""
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
        pending: dict[str, set[datetime]] = defaultdict(set)
        ids_by_hour: dict[tuple[str, datetime], list[int]] = defaultdict(list)
        for mark_id, fact, at in marks:
            key = (fact, hour_of(at))
            ids_by_hour[key].append(mark_id)
            pending[fact].add(key[1])
    keys = sorted(ids_by_hour, key=lambda k: (k[1], k[0]))
    for i in range(0, len(keys), HOURS_PER_TRANSACTION):
        chunk = keys[i : i + HOURS_PER_TRANSACTION]
        with db.write() as s:
            _lock(s)
            ids = [mark_id for k in chunk for mark_id in ids_by_hour[k]]
            for j in range(0, len(ids), 500):
                s.execute(delete(InsightChange).where(InsightChange.id.in_(ids[j : j + 500])))
            marked: dict[str, set[datetime]] = defaultdict(set)
            for fact, hour in chunk:
                marked[fact].add(hour)
            total += _recompute(s, marked)
    return total


def pending_marks(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(InsightChange)) or 0)


def rebuild_rollups(db: Database, *, facts: Iterable[str] | None = None) -> dict[str, int]:
    """Recompute every rollup of `facts` (all by default) from the base tables, a day per
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
            with db.write() as s:
                _lock(s)
                hourly, daily = _Sums(fact), _Sums(fact)
                for atom in atoms(s, name, day, day + DAY):
                    hourly.add(atom, hour_of(atom.at))
                    daily.add(atom, day)
                for grain, sums in (("h", hourly), ("d", daily)):
                    for table in (InsightRollup, InsightHistogram):
                        s.execute(
                            delete(table).where(
                                table.fact == name,
                                table.grain == grain,
                                table.bucket >= day,
                                table.bucket < day + DAY,
                            )
                        )
                    rows = sums.rollup_rows(grain)
                    _insert(s, InsightRollup, rows)
                    _insert(s, InsightHistogram, sums.histogram_rows(grain))
                    written[name] += len(rows)
            day += DAY
    return written
