"""Fixtures shared by every test: a migrated database per test (SQLite, and PostgreSQL when
CARELOOP_TEST_DATABASE_URL is set), a fake clock, the app, API tokens and a live server."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from careloop.accounts import actions as accounts
from careloop.accounts.model import Role
from careloop.accounts.tables import User
from careloop.app import create_app
from careloop.clock import FakeClock
from careloop.config import Settings
from careloop.storage.audit import Actor
from careloop.storage.base import Base
from careloop.storage.engine import Database, normalise_url
from careloop.storage.migrate import upgrade

PG_URL = os.environ.get("CARELOOP_TEST_DATABASE_URL")
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TEST_ACTOR = Actor(user_id=None, label="test")

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not PG_URL, reason="CARELOOP_TEST_DATABASE_URL is not set"),
    ),
]


def _worker() -> str:
    """A name unique to this worker of this run, so parallel runs never share a database."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:8]
    return f"{run}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    eng = create_engine(f"sqlite:///{path}")
    with eng.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        c.exec_driver_sql("PRAGMA journal_mode=DELETE")
    eng.dispose()
    return path


@pytest.fixture(scope="session")
def pg_test_url() -> Iterator[str]:
    """A PostgreSQL database of this test worker's own, migrated once."""
    assert PG_URL is not None
    admin = make_url(normalise_url(PG_URL))
    name = f"careloop_test_{_worker()}"
    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    eng.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "careloop.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("pg_test_url")
    eng = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with eng.begin() as c:
        c.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    eng.dispose()
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key-not-for-production",
        max_body_bytes=200_000,
        complaint_webhook_secret="complaint-webhook-secret-for-tests",
    )


@pytest.fixture
def app(settings: Settings, db: Database, clock: FakeClock) -> FastAPI:
    return create_app(settings, db=db, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def make_user(db: Database, clock: FakeClock) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(
        role: Role = Role.AGENT, *, password: str = "correct horse battery", **kw: str
    ) -> User:
        n = next(counter)
        return accounts.create_user(
            db,
            actor=TEST_ACTOR,
            now=clock.now(),
            email=kw.get("email", f"{role.value}{n}@example.com"),
            name=kw.get("name", f"{role.value.title()} {n}"),
            role=role,
            password=password,
            timezone=kw.get("timezone", "UTC"),
        )

    return make


@pytest.fixture
def make_token(
    db: Database, clock: FakeClock, make_user: Callable[..., User]
) -> Callable[[Role], str]:
    """An API token with a role; tokens are made by an admin user, as the UI does."""

    admins: list[User] = []

    def make(role: Role) -> str:
        if not admins:
            admins.append(make_user(Role.ADMIN))
        admin = admins[0]
        return accounts.create_token(
            db,
            actor=Actor(user_id=admin.id, label=admin.name),
            now=clock.now(),
            name=f"{role.value} token",
            role=role,
        ).token

    return make


@pytest.fixture
def auth(make_token: Callable[[Role], str]) -> Callable[[Role], dict[str, str]]:
    """Authorization headers for a fresh token of the given role."""

    def headers(role: Role = Role.ADMIN) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_token(role)}"}

    return headers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """The app served by uvicorn on a real loopback port, in a thread."""

    def __init__(self, app: FastAPI) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()
