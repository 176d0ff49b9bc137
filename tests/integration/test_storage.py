"""The storage layer on each backend: aware UTC instants, SQLite tuning, atomic writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from careloop.errors import Invalid
from careloop.tickets.commerce_tables import Brand
from tests.factories import ACTOR, make_brand


def test_instants_round_trip_as_aware_utc(db):
    berlin = timezone(timedelta(hours=1))
    with db.write() as s:
        s.add(
            Brand(
                code="x",
                name="X",
                is_b2b=False,
                created_at=datetime(2026, 3, 29, 2, 30, tzinfo=berlin),
            )
        )
    with db.read() as s:
        got = s.scalar(select(Brand.created_at))
    assert got == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert got.tzinfo is not None and got.utcoffset() == timedelta(0)


def test_naive_instants_are_refused(db):
    with pytest.raises(Exception, match="naive"), db.write() as s:
        s.add(Brand(code="y", name="Y", is_b2b=False, created_at=datetime(2026, 1, 1)))  # noqa: DTZ001
        s.flush()


def test_sqlite_runs_wal_with_foreign_keys(db):
    if db.dialect != "sqlite":
        pytest.skip("SQLite settings")
    with db.read() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert s.execute(text("PRAGMA busy_timeout")).scalar() == 10000


def test_a_failed_action_changes_nothing(db, clock):
    make_brand(db, clock, "luxe")
    from careloop.tickets.commerce import create_shop

    with pytest.raises(Invalid):
        create_shop(
            db,
            actor=ACTOR,
            now=clock.now(),
            brand_code="nope",
            domain="a.myshopify.com",
            secret="s" * 20,
        )
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM shops")).scalar() == 0
        assert (
            s.execute(
                text("SELECT count(*) FROM audit_entries WHERE entity_type = 'shop'")
            ).scalar()
            == 0
        )
