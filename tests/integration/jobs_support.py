"""Job lists for tests, named through CARELOOP_JOBS=tests.integration.jobs_support:<function>
so a real `careloop worker` process, or the app, runs them instead of the default jobs."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from careloop.jobs.runner import Job
from careloop.storage.engine import Database

HANG_LEASE = timedelta(seconds=1.5)
MARKER_ENV = "CARELOOP_TEST_JOB_MARKER"
ran = threading.Event()  # set by `counting_jobs` in this process


def _hang(_db: Database, _now: datetime) -> None:
    """Say it started (the file named by CARELOOP_TEST_JOB_MARKER), then never finish."""
    Path(os.environ[MARKER_ENV]).write_text(str(os.getpid()))
    time.sleep(600)


def hanging_jobs() -> list[Job]:
    return [Job("hang", every=timedelta(seconds=1), run=_hang, lease=HANG_LEASE)]


def _fail(_db: Database, _now: datetime) -> None:
    raise RuntimeError("the carrier API is down")


def failing_jobs() -> list[Job]:
    return [
        Job("broken", every=timedelta(seconds=30), run=_fail),
        Job("fine", every=timedelta(seconds=30), run=lambda _db, _now: None),
    ]


def counting_jobs() -> list[Job]:
    return [Job("count", every=timedelta(seconds=30), run=lambda _db, _now: ran.set())]
