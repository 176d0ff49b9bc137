"""The database of record: one engine, read and write sessions, SQLite tuned for one writer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use psycopg 3 for them."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # The driver's own transaction handling is switched off; we emit BEGIN ourselves.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front so two writers never deadlock on upgrade.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


# SQLSTATEs PostgreSQL uses when a transaction lost a race and may simply be run again.
_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization, deadlock, lock not available
WRITE_WAIT_SECONDS = 30.0


class Busy(Exception):
    """The database could not take this write in time; nothing was written, retry later."""


def is_transient(exc: BaseException) -> bool:
    """A failure that says nothing about the request: running the transaction again may work."""
    if isinstance(exc, Busy):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig)


class Database:
    """Owns the engine and hands out sessions: `write()` (one transaction) and `read()`."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = normalise_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.dialect == "sqlite":
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
            if ":memory:" in self.url or self.url.endswith("sqlite://"):
                raise ValueError(
                    "careloop needs a file for SQLite; in-memory databases are per-connection"
                )
            if pool_size == 0:
                kwargs["poolclass"] = NullPool
            else:
                # Keep as many connections as a busy server's threads use at once: a connection
                # opened beyond the pool is closed on return, and opening one (with its PRAGMAs)
                # costs more than the request it serves.
                kwargs["pool_size"] = 2 * pool_size
                kwargs["max_overflow"] = 2 * pool_size
        else:
            kwargs["pool_size"] = pool_size
            kwargs["max_overflow"] = pool_size
            kwargs["pool_pre_ping"] = True
        self.engine = create_engine(self.url, **kwargs)
        write_bind: Engine = self.engine
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
            write_bind = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._write_lock = threading.Lock() if self.dialect == "sqlite" else None
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write = sessionmaker(bind=write_bind, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any exception."""
        if self._write_lock is None:
            with self._write() as session, session.begin():
                yield session
            return
        # SQLite has one writer: writers of this process queue here, in order, rather than
        # spinning on the file lock (busy_timeout still covers other processes).
        if not self._write_lock.acquire(timeout=WRITE_WAIT_SECONDS):
            raise Busy("the database is busy with other writes")
        try:
            with self._write() as session, session.begin():
                yield session
        finally:
            self._write_lock.release()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
