"""The job runner: periodic jobs whose ticks run once across every process, by leases kept as
rows in the database (`jobs.leases`). `run_due` runs what this process wins now; a `Worker`
calls it about every second, on a thread in the app or in the foreground in `careloop worker`.

A running job's lease is renewed every third of its length (the heartbeat), so a long run
keeps it and a killed process loses it within one lease, after which another takes over."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from careloop.clock import Clock
from careloop.jobs import leases
from careloop.jobs.queries import job_leases
from careloop.jobs.tables import JobLease
from careloop.storage.engine import Database

log = logging.getLogger(__name__)
DEFAULT_LEASE = timedelta(minutes=1)
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Job:
    """A periodic job: `run(db, now)` every `every`, holding a lease of `lease` while it runs
    (renewed as it runs, so `lease` bounds only how long a dead process blocks the job)."""

    name: str
    every: timedelta
    run: Callable[[Database, datetime], object]
    lease: timedelta = DEFAULT_LEASE

    def __post_init__(self) -> None:
        if not 0 < len(self.name) <= 64:
            raise ValueError("a job's name has 1 to 64 characters")
        if self.every <= timedelta(0) or self.lease <= timedelta(0):
            raise ValueError(f"job {self.name}: every and lease must be positive")


@dataclass(frozen=True)
class JobRun:
    """One run this process made: the job's name and its error text (None on success)."""

    name: str
    error: str | None


def with_now(action: Callable[..., object]) -> Callable[[Database, datetime], object]:
    """Adapt a domain function `f(db, *, now)` to a job's `run(db, now)`."""

    def run(db: Database, now: datetime) -> object:
        return action(db, now=now)

    return run


def owner_id() -> str:
    """A name for this runner unique across machines and restarts: host:pid:random."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"


class _Elapsed:
    """The time of a run: the `now` it was given plus the real time spent since, so claims,
    heartbeats and finishes after a long job stay in step with the caller's (possibly fake)
    clock without needing it."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._t0)


def is_due(row: JobLease, now: datetime) -> bool:
    """The same test `leases.claim` makes, read without a write lock to skip idle ticks."""
    return row.next_run_at <= now and (row.leased_until is None or row.leased_until < now)


class _Heartbeat:
    """Renews a running job's lease every third of it, on a thread, until stopped."""

    def __init__(self, db: Database, job: Job, owner: str, clock: Clock) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, args=(db, job, owner, clock), name=f"lease-{job.name}", daemon=True
        )

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self, db: Database, job: Job, owner: str, clock: Clock) -> None:
        while not self._stop.wait(job.lease.total_seconds() / 3):
            try:
                if not leases.renew(db, job.name, now=clock.now(), owner=owner, lease=job.lease):
                    log.warning("job %s: %s lost its lease to another runner", job.name, owner)
                    return
            except Exception:
                log.exception("job %s: renewing the lease failed; will try again", job.name)


def _run_claimed(db: Database, job: Job, owner: str, clock: Clock) -> JobRun:
    error: str | None = None
    started = time.monotonic()
    with _Heartbeat(db, job, owner, clock):
        try:
            job.run(db, clock.now())
        except Exception as exc:
            # A failing job is recorded and logged; the other jobs, and its next tick, still run.
            log.exception("job %s failed", job.name)
            error = f"{type(exc).__name__}: {exc}"
    if not leases.finish(db, job.name, now=clock.now(), owner=owner, error=error):
        log.warning(
            "job %s ran past its lease and was taken over; its end is not recorded", job.name
        )
    log.debug("job %s ran in %.3f s", job.name, time.monotonic() - started)
    return JobRun(job.name, error)


def run_due_jobs(
    db: Database,
    jobs: Sequence[Job],
    *,
    now: datetime,
    owner: str,
    keep_going: Callable[[], bool] = lambda: True,
) -> list[JobRun]:
    """Run, once, every job that is due at `now` and that this owner claims first; a job
    another process holds or already ran for this tick is skipped. `keep_going` lets a
    stopping worker claim nothing more."""
    if len({j.name for j in jobs}) != len(jobs):
        raise ValueError("two jobs share a name")
    clock = _Elapsed(now)
    rows = {row.name: row for row in job_leases(db)}
    leases.add_missing(db, [j.name for j in jobs if j.name not in rows], now=now)
    ran: list[JobRun] = []
    for job in jobs:
        if not keep_going():
            break
        row = rows.get(job.name)
        if row is not None and not is_due(row, clock.now()):
            continue
        # The schedule keeps to the tick; the lease starts when the claim is really made,
        # which may be later if an earlier job of this tick ran long.
        if leases.claim(
            db, job.name, now=clock.now(), owner=owner, lease=job.lease, next_run_at=now + job.every
        ):
            ran.append(_run_claimed(db, job, owner, clock))
    return ran


def run_due(db: Database, jobs: Sequence[Job], *, now: datetime, owner: str) -> list[str]:
    """The names of the due jobs this owner won and ran (see `run_due_jobs`)."""
    return [r.name for r in run_due_jobs(db, jobs, now=now, owner=owner)]


class Worker:
    """Runs the due jobs about every `poll` seconds until stopped: `start()` on a daemon
    thread (the app), or `run_forever()` in the foreground (`careloop worker`)."""

    def __init__(
        self,
        db: Database,
        jobs: Sequence[Job],
        *,
        clock: Clock,
        owner: str | None = None,
        poll: float = POLL_SECONDS,
    ) -> None:
        self.db = db
        self.jobs = list(jobs)
        self.clock = clock
        self.owner = owner or owner_id()
        self.poll = poll
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> list[JobRun]:
        return run_due_jobs(
            self.db,
            self.jobs,
            now=self.clock.now(),
            owner=self.owner,
            keep_going=lambda: not self._stop.is_set(),
        )

    def run_forever(self) -> None:
        log.info("worker %s runs %s", self.owner, ", ".join(j.name for j in self.jobs))
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                # The database may be restarting: keep polling rather than die.
                log.exception("worker %s could not run its jobs; trying again", self.owner)
            self._stop.wait(self.poll)
        log.info("worker %s stopped", self.owner)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self.run_forever, name="careloop-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Claim nothing more and wait for a running job to end (its lease covers the rest)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
