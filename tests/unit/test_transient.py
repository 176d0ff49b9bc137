"""Which database failures are worth running the transaction again."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import IntegrityError, OperationalError

from careloop.storage.engine import Busy, is_transient


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_deadlock_and_serialization_failures_are_transient():
    assert is_transient(OperationalError("x", {}, _PgError("40P01")))
    assert is_transient(OperationalError("x", {}, _PgError("40001")))
    assert is_transient(OperationalError("x", {}, sqlite3.OperationalError("database is locked")))
    assert is_transient(Busy())


def test_other_failures_are_not():
    assert not is_transient(OperationalError("x", {}, _PgError("42P01")))
    assert not is_transient(IntegrityError("x", {}, _PgError("23505")))
    assert not is_transient(ValueError("database is locked"))
