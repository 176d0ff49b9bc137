"""`careloop worker`: the job runner in the foreground of its own process, stopped cleanly by
SIGTERM or Ctrl-C (a second signal stops it at once; the lease then runs out by itself)."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from types import FrameType

from sqlalchemy.exc import SQLAlchemyError

from careloop.clock import Clock, SystemClock
from careloop.jobs.queries import job_leases
from careloop.jobs.registry import configured_jobs
from careloop.jobs.runner import Worker
from careloop.storage.engine import Database

log = logging.getLogger(__name__)


def _stop_on_signals(worker: Worker) -> None:
    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: finishing the running job, then stopping", signum)
        worker.stop(timeout=0)
        # A second signal acts as usual: SIGTERM ends the process, Ctrl-C raises.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def main(
    db: Database, *, once: bool, echo: Callable[[str], object], clock: Clock | None = None
) -> int:
    """Run the configured jobs until stopped, or with `once` what is due now; the exit code:
    0, 1 when a job failed in a `once` run, 2 when the job leases cannot be read (migrate)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        job_leases(db)
    except SQLAlchemyError as exc:
        echo(f"cannot read the job leases ({type(exc).__name__}); run `careloop migrate` first")
        return 2
    worker = Worker(db, configured_jobs(), clock=clock or SystemClock())
    if once:
        runs = worker.run_once()
        for run in runs:
            echo(f"{run.name}: {'ok' if run.error is None else 'failed: ' + run.error}")
        if not runs:
            echo("nothing was due")
        return 1 if any(r.error is not None for r in runs) else 0
    _stop_on_signals(worker)
    worker.run_forever()
    return 0
