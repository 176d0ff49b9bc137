"""Who-is-on-duty benchmark: latency of `on_duty_agents(at)` against the size of the roster.

For each backend it creates a fresh database (a temporary SQLite file; a scratch PostgreSQL
database `careloop_bench_duty`, dropped afterwards), migrates it, and fills it directly with
a round-the-clock roster: AGENTS agents in 24 start hours, each working 5 shifts of 8 hours a
week for WEEKS weeks (the first half in the past, clocked in with a break in each shift),
plus sick leave for one agent in 50 per week. It then asks who is on duty at random
instants, on duty only and with `include=rostered`, and prints p50/p95/max in ms, the
number of rows returned, and the database's plan for the query.

    .venv/bin/python bench/on_duty.py [--backends sqlite,postgresql] [--agents 1000]
                                      [--weeks 12] [--queries 300] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, text

from careloop.accounts.model import Role
from careloop.accounts.tables import User
from careloop.storage.engine import Database
from careloop.storage.migrate import upgrade
from careloop.workforce.model import LeaveKind, ShiftStatus
from careloop.workforce.queries import on_duty_agents
from careloop.workforce.tables import Agent, BreakRow, ClockInRow, Leave, Shift, Team
from intake import (  # bench/ is on the path of its scripts
    _database,
    _load,
    _machine,
    _postgres_facts,
)

BENCH_DB = "careloop_bench_duty"
START = datetime(2026, 9, 7, tzinfo=UTC)  # a Monday
LANGS = ["en", "fr", "de", "es", "pt", "sw", "yo", "zh"]


def _fill(db: Database, agents: int, weeks: int, rng: random.Random) -> dict[str, int]:
    """A roster written in bulk (the actions would audit every row; this measures reads)."""
    users, profiles, shifts, clock_ins, breaks, leave = [], [], [], [], [], []
    for n in range(1, agents + 1):
        users.append(
            {
                "id": n,
                "email": f"agent{n}@bench.example",
                "name": f"Agent {n:05d}",
                "role": Role.AGENT,
                "password_hash": None,
                "timezone": "UTC",
                "locale": "en",
                "active": True,
                "created_at": START,
            }
        )
        profiles.append(
            {
                "user_id": n,
                "team_id": 1 + n % 10,
                "languages": ["en", rng.choice(LANGS)],
                "skills": [],
                "timezone": "UTC",
                "country": None,
                "capacity": 10,
                "calendar_token": f"bench-{n}",
                "active": True,
                "created_at": START,
                "updated_at": START,
            }
        )
        start_hour = n % 24
        days_off = {rng.randrange(7), rng.randrange(7)}
        for week in range(weeks):
            for day in range(7):
                if day in days_off:
                    continue
                begins = START + timedelta(weeks=week, days=day, hours=start_hour)
                ends = begins + timedelta(hours=8)
                shifts.append(
                    {
                        "agent_id": n,
                        "starts_at": begins,
                        "ends_at": ends,
                        "status": ShiftStatus.PUBLISHED,
                        "skills": None,
                        "breaks": [],
                        "created_at": START,
                        "updated_at": START,
                        "published_at": START,
                    }
                )
                clock_ins.append(
                    {
                        "id": len(clock_ins) + 1,
                        "agent_id": n,
                        "clocked_in_at": begins - timedelta(minutes=rng.randrange(10)),
                        "clocked_out_at": ends + timedelta(minutes=rng.randrange(10)),
                        "expires_at": ends + timedelta(minutes=30),
                        "clock_out_reason": "manual",
                    }
                )
                pause = begins + timedelta(hours=4)
                breaks.append(
                    {
                        "agent_id": n,
                        "clock_in_id": len(clock_ins),
                        "started_at": pause,
                        "ended_at": pause + timedelta(minutes=30),
                    }
                )
        for week in range(weeks):
            if rng.randrange(50) == 0:
                day = START + timedelta(weeks=week, days=rng.randrange(7))
                leave.append(
                    {
                        "agent_id": n,
                        "kind": LeaveKind.SICK,
                        "starts_at": day,
                        "ends_at": day + timedelta(days=1),
                        "created_at": START,
                    }
                )
    with db.write() as s:
        s.execute(
            insert(Team),
            [{"id": t, "name": f"Team {t}", "created_at": START} for t in range(1, 11)],
        )
        for table, rows in (
            (User, users),
            (Agent, profiles),
            (Shift, shifts),
            (ClockInRow, clock_ins),
            (BreakRow, breaks),
            (Leave, leave),
        ):
            for i in range(0, len(rows), 5000):
                s.execute(insert(table), rows[i : i + 5000])
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    return {"agents": agents, "shifts": len(shifts), "clock_ins": len(clock_ins)}


def _plan(db: Database, at: datetime) -> str:
    """The database's plan for the on-duty query itself, captured as it runs."""
    statements: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        statements.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        on_duty_agents(db, at=at)
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    statement, params = next(s for s in statements if "FROM shifts" in s[0])
    sqlite = db.engine.dialect.name == "sqlite"
    with db.engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement, params)
        lines = [str(row[-1]) for row in cursor.fetchall()]
    return "\n    ".join(lines)


def _measure(db: Database, weeks: int, queries: int, rng: random.Random) -> list[dict[str, Any]]:
    span = timedelta(weeks=weeks).total_seconds()
    out = []
    for include in (False, True):
        times, sizes = [], []
        for _ in range(queries):
            at = START + timedelta(seconds=rng.uniform(0, span))
            began = time.perf_counter()
            items = on_duty_agents(db, at=at, include_rostered=include)
            times.append((time.perf_counter() - began) * 1000)
            sizes.append(len(items))
        times.sort()
        out.append(
            {
                "mode": "rostered" if include else "on duty",
                "p50": statistics.median(times),
                "p95": times[int(len(times) * 0.95) - 1],
                "max": times[-1],
                "rows": statistics.median(sizes),
            }
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print("machine:", _machine())
    print(f"load average at start: {_load()}")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for backend in args.backends.split(","):
            if backend == "postgresql":
                print("postgresql:", _postgres_facts(args.postgres_url))
            with _database(backend, args.postgres_url, Path(scratch), BENCH_DB) as url:
                upgrade(url)
                db = Database(url)
                rng = random.Random(7)
                began = time.perf_counter()
                counts = _fill(db, args.agents, args.weeks, rng)
                print(
                    f"{backend}: {counts['agents']:,} agents, {counts['shifts']:,} shifts,"
                    f" {counts['clock_ins']:,} clock-ins written in"
                    f" {time.perf_counter() - began:.1f} s"
                )
                print(f"{backend} plan:\n    {_plan(db, START + timedelta(weeks=1, hours=3))}")
                for row in _measure(db, args.weeks, args.queries, rng):
                    rows.append({"backend": backend, **row})
                db.engine.dispose()
    print(f"\n{'backend':<11} {'mode':<9} {'rows':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for r in rows:
        print(
            f"{r['backend']:<11} {r['mode']:<9} {r['rows']:>6.0f} {r['p50']:>8.2f}"
            f" {r['p95']:>8.2f} {r['max']:>8.2f}"
        )
    print(f"load average at end: {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
