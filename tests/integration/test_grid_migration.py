"""Migration 0007 on both backends: the inbox's saved views from before keep working as inbox
views (entity "inbox", an empty grid configuration, shared as they were)."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import create_engine, text

from careloop.storage.migrate import alembic_config
from careloop.tickets import queries


def test_saved_views_from_before_stay_inbox_views(database_url, db):
    cfg = alembic_config(database_url)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        command.downgrade(cfg, "0006")
        try:
            engine = create_engine(db.url)
            with engine.begin() as c:
                c.execute(
                    text(
                        "INSERT INTO users (email, name, role, password_hash, timezone, locale,"
                        " active, created_at) VALUES ('a@example.com', 'A', 'agent', 'x', 'UTC',"
                        " 'en', true, :at)"
                    ),
                    {"at": datetime(2026, 11, 1, tzinfo=UTC)},
                )
                c.execute(
                    text(
                        "INSERT INTO saved_views (owner_id, name, filters, shared, created_at)"
                        " VALUES (1, 'Urgent NG', :filters, true, :at)"
                    ),
                    {"filters": '{"tab": "all", "country": "NG"}', "at": datetime.now(UTC)},
                )
            engine.dispose()
        finally:
            command.upgrade(cfg, "head")
    [view] = queries.saved_views_for(db, 1)
    assert (view.entity, view.config, view.team_id) == ("inbox", {}, None)
    assert view.filters == {"tab": "all", "country": "NG"} and view.shared
