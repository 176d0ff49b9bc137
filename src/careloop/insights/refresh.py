"""Keeping the rollups equal to the base tables: `refresh_rollups` recomputes the days the
triggers marked, `rebuild_rollups` recomputes everything.

A marked day is recomputed whole from its atoms (facts.py), never patched with a delta, so
a refresh is idempotent and cannot drift; its UTC month's rows are then summed again from the
month's day rows, in SQL, in the same transaction. The marks are read and deleted first and
the base read after, in one transaction: a change committed later leaves a mark of its own. One
refresher at a time (a PostgreSQL advisory lock; SQLite serialises writers anyway), so two
workers never interleave a delete and an insert of the same day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, text
from sqlalchemy.orm import Session

from careloop.insights.cubes import FACTS, Fact
from careloop.insights.facts import Atom, atoms, span
from careloop.insights.model import coarse_bin
from careloop.insights.tables import (
    DIM_COLUMNS,
    MEASURE_COLUMNS,
    InsightChange,
    InsightHistogram,
    InsightRollup,
    fine_key,
    histogram_keys,
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
    """Rollup rows of one grain being built: sums per (cube, bucket, dims), histograms (coarse
    and fine bins), distinct keys."""

    fact: Fact
    grain: str
    rows: dict[tuple[int, datetime, tuple[str | None, ...]], list[int]] = field(
        default_factory=dict
    )
    keys: dict[tuple[int, datetime, tuple[str | None, ...]], set[int]] = field(
        default_factory=lambda: defaultdict(set)
    )
    bins: dict[tuple[str, int, datetime, tuple[str | None, ...], int], int] = field(
        default_factory=lambda: defaultdict(int)
    )

    def __post_init__(self) -> None:
        fact, grain = self.fact, self.grain
        kept = [i for i in range(len(fact.cubes)) if fact.kept(i, grain)]
        self._cubes = [(i, tuple(fact.dims.index(d) for d in fact.cubes[i])) for i in kept]
        self._summed = [i for i, m in enumerate(fact.measures) if m not in fact.distinct]
        self._width = len(fact.measures)
        self._binned = {i for i in kept if fact.kept(i, grain, histogram=True)}

    def add(self, atom: Atom, bucket: datetime) -> None:
        dims, measures = atom.dims, atom.measures
        names = self.fact.histograms
        for cube, positions in self._cubes:
            values = tuple([dims[p] for p in positions])
            key = (cube, bucket, values)
            row = self.rows.get(key)
            if row is None:
                row = self.rows[key] = [0] * self._width
            for i in self._summed:
                row[i] += measures[i]
            if atom.key is not None:
                self.keys[key].add(atom.key)
            if cube not in self._binned:
                continue
            for h, b in enumerate(atom.durations):
                if b is not None:
                    coarse = coarse_bin(b)
                    self.bins[(names[h], cube, bucket, values, coarse)] += 1
                    self.bins[(fine_key(names[h], coarse), cube, bucket, values, b)] += 1

    # Rows are written in index order (cube, bucket; histograms by measure first), so the rows
    # one index range finds sit together on disk: a query reads a few pages, not one per row.

    def rollup_rows(self) -> list[tuple[Any, ...]]:
        """Rows in `ROLLUP_COLUMNS` order, sorted by cube and bucket."""
        distinct = [self.fact.measure_index(m) for m in self.fact.distinct]
        pad = (0,) * (len(MEASURE_COLUMNS) - self._width)
        head = (self.fact.name,)
        out = []
        for (cube, bucket, values), measures in sorted(
            self.rows.items(), key=lambda item: item[0][:2]
        ):
            for i in distinct:
                measures[i] = len(self.keys.get((cube, bucket, values), ()))
            dims = values + (None,) * (len(DIM_COLUMNS) - len(values))
            out.append((*head, cube, self.grain, bucket, *dims, *measures, *pad))
        return out

    def histogram_rows(self) -> list[tuple[Any, ...]]:
        """Rows in `HISTOGRAM_COLUMNS` order, sorted by measure key, cube and bucket."""
        out = []
        for (measure, cube, bucket, values, b), n in sorted(
            self.bins.items(), key=lambda item: item[0][:3]
        ):
            dims = values + (None,) * (len(DIM_COLUMNS) - len(values))
            out.append((self.fact.name, measure, cube, self.grain, bucket, *dims, b, n))
        return out


ROLLUP_COLUMNS = ("fact", "cube", "grain", "bucket", *DIM_COLUMNS, *MEASURE_COLUMNS)
HISTOGRAM_COLUMNS = ("fact", "measure", "cube", "grain", "bucket", *DIM_COLUMNS, "bin", "n")


def _insert(s: Session, table: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Write rows given as tuples straight through the driver (bucket, the fourth or fifth
    column, converted as the column type would): COPY on PostgreSQL, executemany on SQLite.
    SQLAlchemy's per-row parameter processing cost more than the sums themselves."""
    if not rows:
        return
    connection = s.connection()
    dialect = connection.dialect
    at = columns.index("bucket")
    convert = table.__table__.c.bucket.type.dialect_impl(dialect).bind_processor(dialect)
    if convert is not None:
        buckets = {b: convert(b) for b in {r[at] for r in rows}}
        rows = [(*r[:at], buckets[r[at]], *r[at + 1 :]) for r in rows]
    name, names = table.__tablename__, ", ".join(columns)
    raw: Any = connection.connection.driver_connection
    if dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    raw.cursor().executemany(f"INSERT INTO {name} ({names}) VALUES ({marks})", rows)  # noqa: S608


def _rows_of(table: Any, fact: Fact, grains: Iterable[str]) -> list[Any]:
    """The WHERE of a fact's rows at these grains, spelled out along the index (every cube, every
    histogram key) so both databases seek to the buckets instead of scanning the fact."""
    clauses = [
        table.fact == fact.name,
        table.cube.in_(range(len(fact.cubes))),
        table.grain.in_(list(grains)),
    ]
    if table is InsightHistogram:
        clauses.append(table.measure.in_(histogram_keys(fact.histograms)))
    return clauses


def _recompute_range(s: Session, fact: Fact, start: datetime, end: datetime) -> int:
    """Replace the hour and day rows of `fact` in [start, end) (whole UTC days) with sums of its
    atoms. Returns the rows written."""
    hourly, daily = _Sums(fact, "h"), _Sums(fact, "d")
    for atom in atoms(s, fact.name, start, end):
        hourly.add(atom, hour_of(atom.at))
        daily.add(atom, day_of(atom.at))
    for table in (InsightRollup, InsightHistogram):
        if table is InsightHistogram and not fact.histograms:
            continue
        s.execute(
            delete(table).where(
                *_rows_of(table, fact, ("h", "d")), table.bucket >= start, table.bucket < end
            )
        )
    written = 0
    for sums in (hourly, daily):
        rows = sums.rollup_rows()
        _insert(s, InsightRollup, ROLLUP_COLUMNS, rows)
        _insert(s, InsightHistogram, HISTOGRAM_COLUMNS, sums.histogram_rows())
        written += len(rows)
    return written


def month_of(at: datetime) -> datetime:
    return day_of(at).replace(day=1)


def next_month(month: datetime) -> datetime:
    return (month + timedelta(days=32)).replace(day=1)


def _recompute_month(s: Session, fact: Fact, month: datetime) -> None:
    """Replace the month rows of `fact` for the UTC month starting at `month` with the sums of
    its day rows, in SQL (a distinct measure sums too: each order is delivered on one day)."""
    end = next_month(month)
    tables: tuple[Any, ...] = (InsightRollup, InsightHistogram)
    for table in tables:
        if table is InsightHistogram and not fact.histograms:
            continue
        s.execute(delete(table).where(*_rows_of(table, fact, ("m",)), table.bucket == month))
        dims = [getattr(table, c) for c in DIM_COLUMNS]
        bucket = literal(month, type_=table.__table__.c.bucket.type)
        if table is InsightRollup:
            cubes = [i for i in range(len(fact.cubes)) if fact.kept(i, "m")]
            names = ["fact", "cube", "grain", "bucket", *DIM_COLUMNS, *MEASURE_COLUMNS]
            keys = [table.cube, *dims]
            columns = [literal(fact.name), table.cube, literal("m"), bucket, *dims]
            columns += [func.sum(getattr(table, c)) for c in MEASURE_COLUMNS]
        else:
            cubes = [i for i in range(len(fact.cubes)) if fact.kept(i, "m", histogram=True)]
            names = ["fact", "measure", "cube", "grain", "bucket", *DIM_COLUMNS, "bin", "n"]
            keys = [table.measure, table.cube, *dims, table.bin]
            columns = [literal(fact.name), table.measure, table.cube, literal("m"), bucket, *dims]
            columns += [table.bin, func.sum(table.n)]
        if not cubes:
            continue
        source = (
            select(*columns)
            .where(*_rows_of(table, fact, ("d",)), table.bucket >= month, table.bucket < end)
            .where(table.cube.in_(cubes))
            .group_by(*keys)
        )
        s.execute(insert(table).from_select(names, source))


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
    # Up to DAYS_PER_TRANSACTION days of one fact and month per transaction: its month once.
    by_month: dict[tuple[str, datetime], list[tuple[str, datetime]]] = defaultdict(list)
    for fact, day in sorted(ids_by_day):
        by_month[(fact, month_of(day))].append((fact, day))
    chunks = [
        days[i : i + DAYS_PER_TRANSACTION]
        for days in by_month.values()
        for i in range(0, len(days), DAYS_PER_TRANSACTION)
    ]
    for chunk in chunks:
        with db.write() as s:
            _lock(s)
            ids = [mark_id for k in chunk for mark_id in ids_by_day[k]]
            for j in range(0, len(ids), 500):
                s.execute(delete(InsightChange).where(InsightChange.id.in_(ids[j : j + 500])))
            for fact, day in chunk:
                _recompute_range(s, FACTS[fact], day, day + DAY)
            # The month rows follow their days in the same transaction: never stale after it.
            for fact, month in sorted({(fact, month_of(day)) for fact, day in chunk}):
                _recompute_month(s, FACTS[fact], month)
            total += len(chunk)
    return total


def pending_marks(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(InsightChange)) or 0)


def rebuild_rollups(db: Database, *, facts: Iterable[str] | None = None) -> dict[str, int]:
    """Recompute every rollup of `facts` (all by default) from the base tables, a week per
    transaction, then month by month; the number of hour and day rollup rows written per fact
    (month rows are summed in SQL)."""
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
        month = month_of(first)
        while month <= last:
            with db.write() as s:
                _lock(s)
                _recompute_month(s, fact, month)
            month = next_month(month)
    with db.write() as s:
        if s.get_bind().dialect.name == "postgresql":
            # Fresh statistics: planned with those of the emptied tables, a query over a few
            # buckets scans its whole cube until autovacuum comes round (seconds against ms).
            s.execute(text("ANALYZE insight_rollups"))
            s.execute(text("ANALYZE insight_histograms"))
    return written
