"""The in-process job runner of `careloop serve`: started with the app on the real clock and
stopped with it. It runs on SQLite and PostgreSQL alike, since leases make any number of
processes safe; CARELOOP_BACKGROUND=0 leaves the jobs to `careloop worker` processes."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from careloop.alerts.notifier import DeliveryThread
from careloop.alerts.watcher import EvaluatorThread
from careloop.clock import Clock, SystemClock
from careloop.jobs.registry import configured_jobs
from careloop.jobs.runner import Worker


def background_enabled(clock: Clock) -> bool:
    """Jobs run by themselves on real time only: an app on a FakeClock runs them by hand."""
    return isinstance(clock, SystemClock) and os.environ.get("CARELOOP_BACKGROUND", "1") != "0"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the job runner with the app and stop it with it (`app.state.worker`), and the
    routing thread of `app.state.router` on real time (on a FakeClock requests route inline)."""
    worker = None
    evaluator = None
    delivery = None  # alert notifications sent as soon as they are enqueued (alerts/notifier.py)
    if background_enabled(app.state.clock):
        worker = Worker(app.state.db, configured_jobs(), clock=app.state.clock)
        worker.start()
        delivery = DeliveryThread(app.state.db, app.state.clock)
        delivery.start()
        evaluator = EvaluatorThread(app.state.db, app.state.clock)  # alerts on events
        evaluator.start()
    app.state.worker = worker
    router = getattr(app.state, "router", None)
    if router is not None and isinstance(app.state.clock, SystemClock):
        router.start()
    try:
        yield
    finally:
        if router is not None:
            await asyncio.to_thread(router.stop)
        if evaluator is not None:
            await asyncio.to_thread(evaluator.stop)
        if delivery is not None:
            await asyncio.to_thread(delivery.stop)
        if worker is not None:
            # Waiting for a running job must not block the event loop.
            await asyncio.to_thread(worker.stop)
