"""Insights benchmark: each dashboard panel read from the rollups against the same numbers by
a plain GROUP BY over the base tables, at growing sizes, on SQLite and PostgreSQL.

For each backend and each size (--orders, e.g. 100000,1000000; tickets are 30% of orders):
a fresh migrated database (a temporary SQLite file; a scratch PostgreSQL database
`careloop_bench_insights`, dropped afterwards) is filled by `load_large_demo` at a fixed `now`
(a year of orders with seasonality and the planted problems), the rollups rebuilt from
scratch (fact by fact, each timed), then every panel below is answered --repeat (15) times
each way, alternating, after one warm-up of each:

- rollups: `insights.queries.run_query` (the API's path, the total included);
- plain: one GROUP BY per measure over the fact's base-table SELECT (`insights.facts`: the
  same joins, filters and period), durations fetched and ranked in Python for percentiles.

Both answers are compared; a mismatch is printed and the run exits 1. Printed per panel:
p50 and p95 in ms of each, and the ratio of the p95s. The default period is the 30 days
before `now`, as the dashboards open; one panel reads the whole year, and one ends 10 hours
before `now`, so its first and last days are partly read from hour rows or the base tables.

    .venv/bin/python bench/insights.py [--backends sqlite,postgresql] [--orders 100000,1000000]
                                       [--repeat 15] [--postgres-url URL] [--keep DIR]
                                       [--no-rebuild] [--panels WORD,WORD]

--keep DIR keeps the loaded data for the next run (SQLite: a file in DIR; PostgreSQL: the
database `insights_bench_<orders>`, not dropped) and loads it only when it is not there yet;
--no-rebuild then measures the rollups as they are; --panels runs the panels whose names hold
one of the words.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import case, distinct, func, select, text
from sqlalchemy.engine import make_url

from careloop.demo.large import load_large_demo
from careloop.insights import facts
from careloop.insights.cubes import EXCEPTION_STATUSES, FACTS
from careloop.insights.model import METRICS, Kind, Measure, nearest_rank
from careloop.insights.queries import Query, parse_query, run_query
from careloop.insights.refresh import rebuild_rollups
from careloop.insights.tables import InsightChange, InsightHistogram, InsightRollup
from careloop.storage.engine import Database
from careloop.storage.migrate import upgrade
from careloop.tickets.commerce_tables import Order
from intake import _database, _machine, _postgres_facts  # bench/ is on the path of its scripts

NOW = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
START = NOW - timedelta(days=30)
BENCH_DB = "careloop_bench_insights"
KEPT_DB = "insights_bench"


@dataclass(frozen=True)
class Panel:
    name: str
    metric: str
    group_by: tuple[str, ...] = ()
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    interval: str | None = None
    days: int = 30
    limit: int | None = None
    ragged: int = 0  # the period ends this many hours before now (edges of whole hours)


PANELS = [
    Panel("overview: complaints card", "complaints"),
    Panel("overview: orders delivered card", "orders_delivered"),
    Panel("overview: return rate card", "return_rate"),
    Panel("overview: first response p50 card", "first_response_time_p50"),
    Panel("overview: complaints by day", "complaints", interval="day"),
    Panel("overview: complaint type mix", "complaints", ("category",)),
    Panel("overview: complaints by country", "complaints", ("country",)),
    Panel("overview: return rate by country", "return_rate", ("country",)),
    Panel(
        "overview: top SKU/batch per 1,000 orders",
        "complaints_per_1000_orders",
        ("sku", "batch"),
        limit=10,
    ),
    Panel("support: first response p90 by team", "first_response_time_p90", ("team",)),
    Panel(
        "support: the same, ending at 14:00 (ragged hours)",
        "first_response_time_p90",
        ("team",),
        ragged=10,
    ),
    Panel("support: SLA attainment by agent", "sla_first_response_attainment", ("agent",)),
    Panel(
        "quality: quality complaints by SKU, batch",
        "complaints",
        ("sku", "batch"),
        {"category": ("quality",)},
    ),
    Panel("quality: return rate by SKU, batch, a year", "return_rate", ("sku", "batch"), days=365),
    Panel(
        "logistics: exception rate by carrier, region",
        "logistics_exception_rate",
        ("carrier", "region"),
    ),
    Panel(
        "filtered: complaints by channel, one country",
        "complaints",
        ("channel",),
        {"country": ("US",)},
    ),
]

# Where each dim and value sits in a fact's base SELECT (insights/facts.py), by position.
DIM_AT = {
    "tickets": {d: i + 1 for i, d in enumerate(METRICS["complaints"].dims)},
    "deliveries": {
        d: i + 1 for i, d in enumerate(("brand", "country", "region", "carrier", "sku", "batch"))
    },
    "returns": {
        d: i + 1
        for i, d in enumerate(("brand", "country", "region", "carrier", "sku", "batch", "reason"))
    },
    "shipments": {
        d: i + 1 for i, d in enumerate(("brand", "country", "region", "carrier", "status"))
    },
}


def _measure(sub: Any, fact: str, measure: str) -> Any:
    c = list(sub.c)
    if fact == "tickets" and measure == "complaints":
        return func.count()
    if fact == "tickets" and measure == "fr_breached":
        return func.sum(case((c[16], 1), else_=0))
    if fact == "tickets" and measure == "fr_due":
        return func.sum(case((c[16], 1), (c[14].is_not(None) & c[12].is_not(None), 1), else_=0))
    if fact == "deliveries" and measure == "orders":
        return func.count(distinct(c[8]))
    if fact == "deliveries" and measure == "units":
        return func.sum(c[7])
    if fact == "returns" and measure == "returned_units":
        return func.sum(c[8])
    if fact == "shipments" and measure == "shipments":
        return func.count()
    if fact == "shipments" and measure == "exceptions":
        return func.sum(case((c[5].in_(EXCEPTION_STATUSES), 1), else_=0))
    raise ValueError(f"no plain measure for {fact}.{measure}")


def _plain_sums(
    s: Any, q: Query, fact: str, measure: str, groups: tuple[str, ...]
) -> dict[Any, float]:
    sub = facts.base_query(fact, q.start, q.end).subquery()
    c = list(sub.c)
    keys = [c[DIM_AT[fact][g]] for g in groups]
    if q.interval == "day":
        day = (
            func.date(c[0])
            if s.get_bind().dialect.name == "sqlite"
            else func.date(func.timezone("UTC", c[0]))
        )
        keys.insert(0, day)
    stmt = select(*keys, _measure(sub, fact, measure)).select_from(sub)
    for name, values in q.filters.items():
        if name in DIM_AT[fact]:
            stmt = stmt.where(c[DIM_AT[fact][name]].in_(values))
    if keys:
        stmt = stmt.group_by(*keys)
    out: dict[Any, float] = {}
    for row in s.execute(stmt):
        *values, total = row
        if total is None:
            continue
        out[tuple(str(v) if v is not None and not isinstance(v, str) else v for v in values)] = (
            float(total)
        )
    return out


def _need(measure: Measure | None) -> Measure:
    if measure is None:
        raise ValueError("the metric lacks a measure")
    return measure


def _plain(db: Database, q: Query) -> dict[Any, float | None]:
    m = q.metric
    with db.read() as s:
        if m.kind == Kind.SUM:
            n = _need(m.numerator)
            return dict(_plain_sums(s, q, n.fact, n.measure, q.group_by))
        if m.kind == Kind.PERCENTILE:
            sub = facts.base_query("tickets", q.start, q.end).subquery()
            c = list(sub.c)
            at = {"time_to_assignment": 11, "first_response_time": 12, "resolution_time": 13}
            which = at[_need(m.histogram).measure]
            stmt = select(*[c[DIM_AT["tickets"][g]] for g in q.group_by], c[0], c[which])
            stmt = stmt.where(c[at[m.histogram.measure]].is_not(None))
            hist: dict[Any, dict[int, int]] = defaultdict(lambda: defaultdict(int))
            from careloop.insights.model import duration_bin

            for row in s.execute(stmt):
                *values, created, later = row
                key = tuple(None if v is None else str(v) for v in values)
                hist[key][duration_bin((later - created).total_seconds())] += 1
            return {k: float(nearest_rank(h, m.quantile) or 0) for k, h in hist.items()}
        n, d = _need(m.numerator), _need(m.denominator)
        num = _plain_sums(s, q, n.fact, n.measure, q.group_by)
        shared = tuple(g for g in q.group_by if g in DIM_AT[d.fact])
        den = _plain_sums(s, q, d.fact, d.measure, shared)
        pos = [i for i, g in enumerate(q.group_by) if g in shared]
        keys = set(num) | (set(den) if len(shared) == len(q.group_by) else set())
        out: dict[Any, float | None] = {}
        for k in keys:
            d = den.get(tuple(k[i] for i in pos), 0.0)
            v = None if not d else num.get(k, 0.0) / d
            out[k] = None if v is None else (1 - v if m.complement else v) * m.scale
        return out


def _rollup(db: Database, q: Query) -> dict[Any, float | None]:
    answer = run_query(db, q, now=NOW)
    names = (["period"] if q.interval else []) + list(q.group_by)
    return {tuple(r[n] for n in names): r["value"] for r in answer["rows"]}


def _same(a: dict[Any, float | None], b: dict[Any, float | None], limit: int | None) -> bool:
    if limit is not None:  # the rollup answer keeps the largest `limit`
        return all(k in b and _close(v, b[k]) for k, v in a.items())
    return set(a) == set(b) and all(_close(a[k], b[k]) for k in a)


def _close(x: float | None, y: float | None) -> bool:
    if x is None or y is None:
        return x is y or (x or 0) == (y or 0)
    return abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(0.95 * len(times)))]


@contextmanager
def _kept(backend: str, postgres_url: str, keep: Path, orders: int) -> Iterator[str]:
    """A database kept between runs: a file in `keep`, or a PostgreSQL database left in place."""
    if backend == "sqlite":
        keep.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{keep / f'{KEPT_DB}_{orders}.db'}"
        return
    admin = make_url(postgres_url).set(drivername="postgresql")
    name = f"{KEPT_DB}_{orders}"
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield admin.set(database=name).render_as_string(hide_password=False)


def _wipe_rollups(db: Database) -> None:
    """Empty the rollup tables (not timed): DELETE without WHERE is SQLite's truncate."""
    with db.write() as s:
        for table in (InsightRollup, InsightHistogram, InsightChange):
            if s.get_bind().dialect.name == "postgresql":
                s.execute(text(f"TRUNCATE {table.__tablename__}"))
            else:
                s.execute(table.__table__.delete())


def _panels(words: str) -> list[Panel]:
    wanted = [w for w in words.split(",") if w]
    return [p for p in PANELS if not wanted or any(w in p.name for w in wanted)]


def run(backend: str, orders: int, args: argparse.Namespace, scratch: Path) -> list[dict[str, Any]]:
    results = []
    where = (
        _kept(backend, args.postgres_url, Path(args.keep), orders)
        if args.keep
        else _database(backend, args.postgres_url, scratch, f"{BENCH_DB}_{orders}")
    )
    with where as url:
        upgrade(url)
        db = Database(url)
        with db.read() as s:
            held = s.scalar(select(func.count()).select_from(Order))
        t = time.perf_counter()
        if not held:
            load_large_demo(db, seed=7, orders=orders, tickets=int(orders * 0.3), now=NOW)
        loaded = time.perf_counter() - t
        if held and not args.no_rebuild:
            _wipe_rollups(db)  # kept data: rebuild from scratch as after a fresh load
        t = time.perf_counter()
        written: dict[str, int] = {}
        seconds: dict[str, float] = {}
        for name in [] if args.no_rebuild else list(FACTS):
            one = time.perf_counter()
            written.update(rebuild_rollups(db, facts=[name]))
            seconds[name] = round(time.perf_counter() - one)
        rebuilt = time.perf_counter() - t
        with db.read() as s:
            rows = s.scalar(select(func.count()).select_from(InsightRollup))
            hist = s.scalar(select(func.count()).select_from(InsightHistogram))
        print(
            f"\n{backend}, {orders:,} orders, {int(orders * 0.3):,} tickets:"
            f" loaded in {loaded:.0f} s{'' if not held else ' (kept from before)'},"
            f" rollups rebuilt in {rebuilt:.0f} s{' (no rebuild)' if args.no_rebuild else ''}"
            f" ({rows:,} rollup rows, {hist:,} histogram rows;"
            f" rows written per fact {written}; seconds per fact {seconds})",
            flush=True,
        )
        print(
            f"  {'panel':52} {'rollup p50':>10} {'p95':>7}"
            f" {'plain p50':>10} {'p95':>8} {'x p95':>6}"
        )
        for p in _panels(args.panels):
            end = NOW - timedelta(hours=p.ragged)
            q = parse_query(
                p.metric,
                start=end - timedelta(days=p.days),
                end=end,
                group_by=p.group_by,
                filters=p.filters,
                interval=p.interval,
                limit=p.limit,
            )
            fast, slow = _rollup(db, q), _plain(db, q)
            ok = _same(fast, slow, p.limit)
            r50, r95 = _time(lambda q=q: run_query(db, q, now=NOW), args.repeat)
            p50, p95 = _time(lambda q=q: _plain(db, q), args.repeat)
            print(
                f"  {p.name:52} {r50:10.1f} {r95:7.1f} {p50:10.1f} {p95:8.1f} {p95 / r95:6.1f}"
                f"{'' if ok else '  MISMATCH'}",
                flush=True,
            )
            results.append(
                {
                    "backend": backend,
                    "orders": orders,
                    "panel": p.name,
                    "ok": ok,
                    "rollup_p95": r95,
                    "plain_p95": p95,
                }
            )
        db.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--orders", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", default="", help="keep the loaded data here and reuse it")
    parser.add_argument("--no-rebuild", action="store_true", help="measure the rollups as kept")
    parser.add_argument("--panels", default="", help="only panels whose names hold these words")
    args = parser.parse_args()
    backends = [b for b in args.backends.split(",") if b]
    sizes = [int(x) for x in args.orders.split(",") if x]
    print("setup:")
    print("  machine: " + ", ".join(f"{k}={v}" for k, v in _machine().items()))
    print(
        f"  sizes: {', '.join(f'{n:,}' for n in sizes)} orders (tickets 30%),"
        f" now={NOW.isoformat()},"
        f" period: the 30 days before now unless the panel says; {args.repeat} timed runs each"
    )
    if "postgresql" in backends:
        print(
            "  postgresql: "
            + ", ".join(f"{k}={v}" for k, v in _postgres_facts(args.postgres_url).items())
        )
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            for n in sizes:
                results += run(backend, n, args, Path(tmp))
    worst = max((r["rollup_p95"] for r in results), default=0.0)
    slowest = min((r["plain_p95"] / r["rollup_p95"] for r in results), default=0.0)
    print(
        f"\nworst panel p95 from rollups: {worst:.1f} ms;"
        f" smallest speed-up over plain: {slowest:.1f}x"
    )
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
