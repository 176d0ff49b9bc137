"""The migrations build exactly the schema the tables describe, on each backend."""

from __future__ import annotations

import warnings

from alembic import command

from careloop.storage.migrate import alembic_config


def test_models_and_migrations_agree(database_url):
    with warnings.catch_warnings():
        # SQLite cannot reflect expression indexes; PostgreSQL compares them too.
        warnings.simplefilter("ignore", UserWarning)
        command.check(alembic_config(database_url))  # raises when they differ
