"""The database of record: one engine, read and write sessions, SQLite tuned for one writer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, Executable, Row, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
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


# A pooled connection unused for this long is pinged before it is handed out again.
PING_AFTER_IDLE_SECONDS = 1.0
_CHECKED_IN = "careloop_checked_in"


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection only when it has sat idle: `pool_pre_ping` pings at every
    checkout, a round trip and about 0.1 ms of CPU three times per ticket under load, when
    connections come back within milliseconds. A server restarted while connections sat idle
    is caught here (the pool is then renewed); one that dies under load fails the statements
    in flight, which ticket intake runs again when it had not reached COMMIT (`lost_connection`)."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_CHECKED_IN)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool replaces this connection and every one pooled before now.
            raise InvalidatePoolError(str(exc)) from exc


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


def lost_connection(exc: BaseException) -> bool:
    """The connection died under the statement (a restarted server): the pool renews itself,
    and a transaction that had not reached COMMIT changed nothing and may run again."""
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


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
        self.engine = create_engine(self.url, **kwargs)
        write_bind: Engine = self.engine
        if self.dialect != "sqlite":
            _ping_when_idle(self.engine)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
            write_bind = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        # SQLite keeps its deferred BEGIN (local, no round trip) for single reads.
        self._single = (
            self.engine
            if self.dialect == "sqlite"
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
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

    def read_row(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> Row[Any] | None:
        """The one row (or None) of one statement, outside a transaction on PostgreSQL: one
        round trip instead of BEGIN, the query and COMMIT, for the read every API request
        makes (its token). A single statement sees one snapshot either way."""
        with self._single.connect() as conn:
            return conn.execute(statement, params or {}).one_or_none()

    def dispose(self) -> None:
        self.engine.dispose()
