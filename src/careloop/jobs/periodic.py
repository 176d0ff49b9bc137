"""A small in-process periodic runner: a daemon thread that calls its ticks every `interval`
seconds until stopped. The app starts one in its lifespan (the automatic clock-out and the
queue sweep); it runs on real time only (an app on a FakeClock runs its jobs by hand), and
CARELOOP_BACKGROUND=0 switches it off, e.g. for all but one of several processes. Leased jobs
on PostgreSQL will replace it."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from careloop.clock import Clock, SystemClock
from careloop.routing.actions import drain_queue
from careloop.storage.engine import Database
from careloop.workforce.attendance import auto_clock_out

log = logging.getLogger(__name__)
AUTO_CLOCK_OUT_INTERVAL = 30.0  # seconds


@dataclass(frozen=True)
class Tick:
    name: str
    run: Callable[[], object]


class Runner:
    """Calls each tick every `interval` seconds on a daemon thread; a failing tick is logged
    and the others, and the next rounds, still run."""

    def __init__(self, ticks: Sequence[Tick], *, interval: float) -> None:
        self.ticks = list(ticks)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> None:
        for tick in self.ticks:
            if self._stop.is_set():
                return
            try:
                tick.run()
            except Exception:
                log.exception("periodic job %s failed", tick.name)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.run_once()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="careloop-periodic", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


def background_enabled(clock: Clock) -> bool:
    return isinstance(clock, SystemClock) and os.environ.get("CARELOOP_BACKGROUND", "1") != "0"


def runner_for(db: Database, clock: Clock, *, interval: float = AUTO_CLOCK_OUT_INTERVAL) -> Runner:
    """The app's periodic jobs: the automatic clock-out of lapsed clock-ins, then the queue
    sweep, which assigns what the event-driven routing missed (a ticket whose language fallback
    came due, capacity freed by a solved ticket)."""
    return Runner(
        [
            Tick("auto_clock_out", lambda: auto_clock_out(db, now=clock.now())),
            Tick("queue_sweep", lambda: drain_queue(db, now=clock.now())),
        ],
        interval=interval,
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the periodic jobs with the app and stop them with it."""
    runner = None
    if background_enabled(app.state.clock):
        runner = runner_for(app.state.db, app.state.clock)
        runner.start()
    app.state.periodic = runner
    try:
        yield
    finally:
        if runner is not None:
            runner.stop()
