"""Every metric answered from the rollups equals the straight computation over the base
tables: after the first refresh, after changes of every kind, and after a rebuild; on SQLite
and PostgreSQL."""

from __future__ import annotations

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from careloop.insights.model import METRICS, Kind, Unit
from careloop.insights.queries import parse_query, run_query
from careloop.insights.refresh import pending_marks, rebuild_rollups, refresh_rollups
from careloop.insights.tables import InsightHistogram, InsightRollup
from careloop.storage.engine import Database
from tests.integration.insights_support import (
    DAYS,
    EARLY,
    T0,
    base_rows,
    close,
    live_reference,
    mutate,
    reference,
    seed,
)

NOW = T0 + timedelta(days=DAYS + 2)
FILTER_VALUES = {
    "brand": ["luxe"],
    "country": ["US", ""],
    "carrier": ["dhl", "ups"],
    "sku": ["W-1"],
    "batch": ["B1"],
    "channel": ["email", "chat"],
    "category": ["quality"],
    "team": ["1"],
    "language": ["en"],
    "region": ["CA"],
    "priority": ["high"],
    "agent": ["2"],
    "reason": ["shedding"],
    "status": ["delivered"],
}


def _drain(db: Database) -> None:
    while refresh_rollups(db, limit=700):
        pass
    assert pending_marks(db) == 0


def _cases(rng: random.Random) -> list[dict[str, object]]:
    """Per metric: whole days, ragged hours, groups, filters, intervals and a zone."""
    cases: list[dict[str, object]] = []
    for name, metric in METRICS.items():
        for i in range(6):
            dims = list(metric.dims)
            group_by = rng.sample(dims, k=min(len(dims), [0, 1, 1, 2, 0, 1][i]))
            filters = {d: FILTER_VALUES[d] for d in rng.sample(dims, k=[0, 0, 1, 1, 2, 1][i])}
            start = T0 + timedelta(hours=[0, 5, 24, 13, 0, 30][i])
            end = T0 + timedelta(hours=[DAYS * 24, 100, 72, 150, 48, DAYS * 24 + 7][i])
            interval = [None, None, "day", "hour", "week", "day"][i]
            tz = ["UTC", "UTC", "America/New_York", "UTC", "UTC", "Asia/Shanghai"][i]
            if metric.kind == Kind.LIVE:
                interval = None
            cases.append(
                {
                    "metric": name,
                    "start": start,
                    "end": end,
                    "group_by": group_by,
                    "filters": filters,
                    "interval": interval,
                    "tz": tz,
                }
            )
        # Spans over whole UTC months (month rows for totals, never for days or weeks).
        for i in range(4):
            dims = list(metric.dims)
            group_by = rng.sample(dims, k=min(len(dims), [1, 2, 0, 1][i]))
            filters = {d: FILTER_VALUES[d] for d in rng.sample(dims, k=[0, 1, 1, 0][i])}
            start = EARLY + timedelta(hours=[-11, 9 * 24, 0, 2 * 24][i])
            end = T0 + timedelta(hours=[77, 24, 24 * DAYS, 24 * DAYS][i])
            interval = [None, None, "day", "week"][i] if metric.kind != Kind.LIVE else None
            tz = ["UTC", "Asia/Shanghai", "UTC", "UTC"][i]
            cases.append(
                {
                    "metric": name,
                    "start": start,
                    "end": end,
                    "group_by": group_by,
                    "filters": filters,
                    "interval": interval,
                    "tz": tz,
                }
            )
    return cases


def _check(db: Database, rng: random.Random) -> int:
    facts = base_rows(db)
    checked = 0
    for case in _cases(rng):
        metric = METRICS[str(case["metric"])]
        q = parse_query(
            metric.name,
            start=case["start"],  # type: ignore[arg-type]
            end=case["end"],  # type: ignore[arg-type]
            group_by=case["group_by"],  # type: ignore[arg-type]
            filters=case["filters"],  # type: ignore[arg-type]
            interval=case["interval"],  # type: ignore[arg-type]
            tz=str(case["tz"]),
        )
        answer = run_query(db, q, now=NOW)
        names = (["period"] if q.interval else []) + list(q.group_by)
        got = {tuple(r[n] for n in names): r["value"] for r in answer["rows"]}
        if metric.kind == Kind.LIVE:
            want = live_reference(db, metric, list(q.group_by), NOW)
            if q.filters:
                continue  # the live filters are checked in the API tests
            total = live_reference(db, metric, [], NOW).get((), None)
        else:
            want = reference(
                facts,
                metric,
                q.start,
                q.end,
                list(q.group_by),
                {k: list(v) for k, v in q.filters.items()},
                q.interval,
                q.tz,
            )
            total = reference(
                facts,
                metric,
                q.start,
                q.end,
                [],
                {k: list(v) for k, v in q.filters.items()},
                None,
                ZoneInfo("UTC"),
            ).get((), None)
        if total is None and metric.unit == Unit.COUNT:
            total = 0.0
        assert set(got) == set(want), (case, sorted(set(got) ^ set(want), key=str)[:5])
        for key, value in want.items():
            assert close(got[key], value), (case, key, got[key], value)
        assert close(answer["total"], total), (case, answer["total"], total)
        checked += 1
    return checked


def _rollup_contents(db: Database) -> list[tuple[str, ...]]:
    """Every rollup and histogram row (ids aside), in a stable order."""
    out: list[tuple[str, ...]] = []
    with db.read() as s:
        for table in (InsightRollup, InsightHistogram):
            columns = [c for c in table.__table__.c if c.name != "id"]
            rows = s.execute(select(*columns)).all()
            out += sorted((table.__tablename__, *map(str, r)) for r in rows)
    return out


@pytest.mark.parametrize("seed_value", [3])
def test_every_metric_equals_the_straight_computation(db: Database, seed_value: int) -> None:
    rng = random.Random(seed_value)
    seed(db, rng)
    assert pending_marks(db) > 0  # the triggers marked what the writes touched
    _drain(db)
    assert _check(db, random.Random(1)) > 100

    mutate(db, rng)
    assert pending_marks(db) > 0
    _drain(db)
    assert _check(db, random.Random(2)) > 100

    refreshed = _rollup_contents(db)
    assert any(r[3] == "m" for r in refreshed)  # month rows were kept (rollups' grain column)
    rebuild_rollups(db)
    assert _rollup_contents(db) == refreshed


def test_a_change_without_a_refresh_is_not_seen_and_the_refresh_catches_up(db: Database) -> None:
    rng = random.Random(5)
    seed(db, rng, orders=20, tickets=30)
    _drain(db)
    q = parse_query("complaints", start=T0, end=T0 + timedelta(days=DAYS))
    before = run_query(db, q, now=NOW)["total"]
    mutate(db, rng)  # changes categories and channels, not the number of tickets
    seed_more = random.Random(9)
    from tests.integration.insights_support import Ticket  # the same mapped class

    with db.write() as s:
        for _ in range(4):
            at = T0 + timedelta(seconds=seed_more.randrange(86400))
            s.add(
                Ticket(
                    subject="x",
                    body="x",
                    channel="email",
                    priority="normal",
                    status="new",
                    created_at=at,
                    updated_at=at,
                )
            )
    assert run_query(db, q, now=NOW)["total"] == before
    _drain(db)
    assert run_query(db, q, now=NOW)["total"] == before + 4
