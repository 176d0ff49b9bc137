"""The job runner: a job runs when due and not before, each tick once however many runners
race for it, a failing job is recorded without stopping the others, and the lease of a
runner that died is taken over only once it has run out (also with a real killed process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from careloop.cli import app as cli
from careloop.jobs import leases
from careloop.jobs.registry import JOBS_ENV, configured_jobs, default_jobs
from careloop.jobs.runner import Job, run_due, run_due_jobs
from careloop.jobs.tables import JobLease
from careloop.storage.engine import Database
from tests.integration import jobs_support

ROOT = Path(__file__).resolve().parents[2]
S = timedelta(seconds=1)


def lease_row(db: Database, name: str) -> JobLease:
    with db.read() as s:
        row = s.scalar(select(JobLease).where(JobLease.name == name))
    assert row is not None
    return row


def recording(name: str, calls: list[datetime], *, every: timedelta = 15 * S, **kw) -> Job:
    return Job(name, every=every, run=lambda _db, now: calls.append(now), **kw)


def ticks(calls: list[datetime], start: datetime, every: timedelta = 15 * S) -> list[int]:
    """Which tick each call ran in: a job gets the tick's instant plus the little time the
    runner spent getting to it."""
    return sorted((at - start) // every for at in calls)


def test_a_job_runs_when_due_and_not_before(db, clock):
    calls: list[datetime] = []
    job = recording("sweep", calls)
    t0 = clock.now()
    assert run_due(db, [job], now=t0, owner="a") == ["sweep"]  # first sight: due at once
    clock.advance(14 * S)
    assert run_due(db, [job], now=clock.now(), owner="a") == []
    clock.advance(1 * S)
    assert run_due(db, [job], now=clock.now(), owner="b") == ["sweep"]
    assert ticks(calls, t0) == [0, 1]
    row = lease_row(db, "sweep")
    assert (row.owner, row.runs, row.leased_until, row.last_error) == ("b", 2, None, None)
    assert t0 + 15 * S <= row.last_started_at < t0 + 16 * S
    assert row.next_run_at == t0 + 30 * S  # the schedule keeps to the tick
    assert row.last_finished_at >= row.last_started_at


@pytest.mark.parametrize("databases", ["shared", "one each"])
def test_racing_runners_run_each_tick_exactly_once(db, clock, database_url, databases):
    """Four runners (threads, sharing one Database or each with its own engine on the same
    file or PostgreSQL database) race over ten ticks: each tick runs exactly once."""
    runners, rounds = 4, 10
    calls: list[datetime] = []
    lock = threading.Lock()

    def record(_db: Database, now: datetime) -> None:
        with lock:
            calls.append(now)

    job = Job("sweep", every=15 * S, run=record)
    dbs = [db if databases == "shared" else Database(database_url) for _ in range(runners)]
    start = threading.Barrier(runners)
    won: Counter[str] = Counter()
    errors: list[BaseException] = []

    def runner(n: int) -> None:
        try:
            for tick in range(rounds):
                start.wait(10)
                now = clock.now() + tick * 15 * S
                for name in run_due(dbs[n], [job], now=now, owner=f"runner-{n}"):
                    with lock:
                        won[f"runner-{n}"] += 1
                    assert name == "sweep"
        except BaseException as exc:
            errors.append(exc)
            start.abort()

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(runners)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if databases != "shared":
        for d in dbs:
            d.dispose()
    assert not errors
    assert ticks(calls, clock.now()) == list(range(rounds))  # each tick exactly once
    assert sum(won.values()) == rounds
    assert lease_row(db, "sweep").runs == rounds


def test_a_failing_job_records_its_error_and_the_others_still_run(db, clock):
    calls: list[str] = []

    def flaky(_db: Database, _now: datetime) -> None:
        calls.append("flaky")
        if calls.count("flaky") == 1:
            raise RuntimeError("the carrier API is down")

    jobs = [Job("flaky", every=15 * S, run=flaky), recording("fine", [])]
    runs = run_due_jobs(db, jobs, now=clock.now(), owner="a")
    assert [(r.name, r.error) for r in runs] == [
        ("flaky", "RuntimeError: the carrier API is down"),
        ("fine", None),
    ]
    failed = lease_row(db, "flaky")
    assert failed.last_error == "RuntimeError: the carrier API is down"
    assert failed.leased_until is None  # the lease is freed: the next tick runs as usual
    assert lease_row(db, "fine").last_error is None
    clock.advance(15 * S)
    assert run_due(db, jobs, now=clock.now(), owner="a") == ["flaky", "fine"]
    assert lease_row(db, "flaky").last_error is None  # the next success clears it


def test_a_crashed_runners_lease_is_taken_over_only_after_it_expires(db, clock):
    calls: list[datetime] = []
    job = recording("sweep", calls, lease=60 * S)
    t0 = clock.now()
    leases.add_missing(db, ["sweep"], now=t0)
    # Runner "crashed" claims the tick and dies before finishing it.
    assert leases.claim(
        db, "sweep", now=t0, owner="crashed", lease=job.lease, next_run_at=t0 + job.every
    )
    for later in (15 * S, 30 * S, 59 * S):  # due again, but the lease still holds
        assert run_due(db, [job], now=t0 + later, owner="b") == []
        # The claim itself refuses too (run_due's read only spares idle ticks a write).
        assert not leases.claim(
            db, "sweep", now=t0 + later, owner="b", lease=job.lease, next_run_at=t0 + later
        )
    assert run_due(db, [job], now=t0 + 61 * S, owner="b") == ["sweep"]
    assert ticks(calls, t0 + 61 * S) == [0]
    row = lease_row(db, "sweep")
    assert (row.owner, row.runs, row.leased_until) == ("b", 2, None)
    # Should the crashed runner come back and finish, it changes nothing.
    assert not leases.finish(db, "sweep", now=t0 + 62 * S, owner="crashed", error="late")
    assert lease_row(db, "sweep").last_error is None


def test_a_long_run_renews_its_lease_so_nobody_takes_it_over(db, clock):
    """A job running past its lease keeps it through the heartbeat (without one a second
    runner would take over after `lease`)."""
    release = threading.Event()
    job = Job("long", every=S, run=lambda _db, _now: release.wait(20), lease=S)
    t0 = clock.now()
    started = time.monotonic()
    first = threading.Thread(target=run_due, args=(db, [job]), kwargs={"now": t0, "owner": "a"})
    first.start()
    try:
        time.sleep(1.5)
        now = t0 + timedelta(seconds=time.monotonic() - started)
        assert run_due(db, [job], now=now, owner="b") == []
        row = lease_row(db, "long")
        assert row.owner == "a"
        assert row.leased_until > now
    finally:
        release.set()
        first.join(10)
    row = lease_row(db, "long")
    assert (row.owner, row.runs, row.leased_until, row.last_error) == ("a", 1, None, None)


def test_the_default_jobs_run_against_a_migrated_database(db, clock):
    names = [j.name for j in default_jobs()]
    assert names == [
        "auto_clock_out",
        "queue_sweep",
        "hand_off",
        "sla_sweep",
        "insights_refresh",
        "alert_dispatch",
        "alert_evaluate",
        "alert_escalate",
        "capa_verify",
    ]
    assert run_due(db, default_jobs(), now=clock.now(), owner="a") == names
    assert all(lease_row(db, n).last_error is None for n in names)


def test_careloop_jobs_names_the_job_list(monkeypatch):
    monkeypatch.setenv(JOBS_ENV, "tests.integration.jobs_support:failing_jobs")
    assert [j.name for j in configured_jobs()] == ["broken", "fine"]
    monkeypatch.setenv(JOBS_ENV, "tests.integration.jobs_support")
    with pytest.raises(ValueError, match="module:function"):
        configured_jobs()
    monkeypatch.delenv(JOBS_ENV)
    assert [j.name for j in configured_jobs()] == [j.name for j in default_jobs()]


def test_careloop_worker_once_runs_what_is_due_and_exits(db, database_url):
    runner = CliRunner()
    args = ["worker", "--once", "--database-url", database_url]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "auto_clock_out: ok" in first.output and "queue_sweep: ok" in first.output
    assert lease_row(db, "queue_sweep").runs == 1
    again = runner.invoke(cli, args)  # nothing is due a moment later
    assert again.exit_code == 0, again.output
    assert "nothing was due" in again.output
    assert lease_row(db, "queue_sweep").runs == 1


def test_careloop_worker_once_fails_with_a_failing_job_or_no_schema(
    db, database_url, monkeypatch, tmp_path
):
    monkeypatch.setenv(JOBS_ENV, "tests.integration.jobs_support:failing_jobs")
    runner = CliRunner()
    failed = runner.invoke(cli, ["worker", "--once", "--database-url", database_url])
    assert failed.exit_code == 1, failed.output
    assert "broken: failed: RuntimeError: the carrier API is down" in failed.output
    assert "fine: ok" in failed.output
    empty = runner.invoke(cli, ["worker", "--once", "--database-url", f"sqlite:///{tmp_path}/x.db"])
    assert empty.exit_code == 2, empty.output
    assert "careloop migrate" in empty.output


@pytest.mark.slow
def test_a_killed_worker_process_loses_its_job_to_another_runner(db, database_url, tmp_path):
    """`careloop worker` runs a job that hangs, renewing its lease while alive; killed with
    SIGKILL mid-job, its lease runs out and another runner takes the job over."""
    marker = tmp_path / "started"
    env = {
        **os.environ,
        JOBS_ENV: "tests.integration.jobs_support:hanging_jobs",
        jobs_support.MARKER_ENV: str(marker),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    log = (tmp_path / "worker.log").open("w")
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "careloop.cli", "worker", "--database-url", database_url],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    calls: list[datetime] = []
    taker = recording("hang", calls, every=S, lease=jobs_support.HANG_LEASE)
    try:
        deadline = time.monotonic() + 20
        while not marker.exists():
            assert proc.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, "the worker never started its job"
            time.sleep(0.05)
        assert marker.read_text() == str(proc.pid)
        assert lease_row(db, "hang").owner.split(":")[-2] == str(proc.pid)
        # Alive, the worker keeps renewing its lease past the lease's length.
        time.sleep(2 * jobs_support.HANG_LEASE.total_seconds())
        assert run_due(db, [taker], now=datetime.now(UTC), owner="taker") == []
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        log.close()
    held_until = lease_row(db, "hang").leased_until
    deadline = time.monotonic() + 10
    while not calls:
        assert time.monotonic() < deadline, "nobody took the job over"
        now = datetime.now(UTC)
        if run_due(db, [taker], now=now, owner="taker"):
            # Not before the dead worker's lease ran out. Once in CI on PostgreSQL the take-over
            # came 0.7 ms before the instant read here (unexplained so far, see the closing
            # note of 2026-11-25), so a few milliseconds of slack keep this from flaking.
            assert now > held_until - timedelta(milliseconds=10)
        time.sleep(0.05)
    row = lease_row(db, "hang")
    assert (row.owner, row.runs, row.leased_until) == ("taker", 2, None)
