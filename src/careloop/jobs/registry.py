"""The jobs careloop runs: `default_jobs()`, one line per job. CARELOOP_JOBS=module:function
replaces the list with the jobs that function returns (tests use it to run a job that hangs
in a real `careloop worker`; an operator could use it to run a subset)."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from datetime import timedelta

from careloop.alerts.capa_verify import verify_capa_tasks
from careloop.alerts.dispatch import run_dispatch
from careloop.alerts.escalate import run_escalation
from careloop.alerts.evaluate import run_evaluation
from careloop.insights.refresh import refresh_rollups
from careloop.jobs.runner import Job, with_now
from careloop.routing.actions import drain_queue
from careloop.routing.handoff import hand_off
from careloop.sla.sweep import sla_sweep
from careloop.workforce.attendance import auto_clock_out

JOBS_ENV = "CARELOOP_JOBS"


def default_jobs() -> list[Job]:
    """Every periodic job; each runs once per tick across all processes."""
    return [
        # Close clock-ins past their expiry (a forgotten clock-out).
        Job("auto_clock_out", every=timedelta(seconds=30), run=with_now(auto_clock_out)),
        # Assign what event-driven routing missed: a language fallback come due, freed room.
        Job("queue_sweep", every=timedelta(seconds=15), run=with_now(drain_queue)),
        # Hand back the unanswered tickets of agents gone off duty, and unopened assignments.
        Job("hand_off", every=timedelta(seconds=30), run=with_now(hand_off)),
        # Warn before SLA targets and escalate their breaches.
        Job("sla_sweep", every=timedelta(minutes=1), run=with_now(sla_sweep)),
        # Recompute the dashboard rollups of the hours that changed since the last tick.
        Job("insights_refresh", every=timedelta(seconds=10), run=with_now(refresh_rollups)),
        # Send due alert notifications (behind the in-process delivery thread of alerts/notifier).
        Job("alert_dispatch", every=timedelta(seconds=1), run=run_dispatch),
        # Evaluate every alert rule (behind the event-driven evaluator of alerts/watcher).
        Job("alert_evaluate", every=timedelta(minutes=1), run=run_evaluation),
        # Escalate unacknowledged firing alerts whose wait passed; flush alert groups come due.
        Job("alert_escalate", every=timedelta(seconds=30), run=run_escalation),
        # Mark root-cause verification done where the watched series stayed under its bound.
        Job("capa_verify", every=timedelta(hours=1), run=verify_capa_tasks),
    ]


def configured_jobs() -> list[Job]:
    """The default jobs, or those of the function CARELOOP_JOBS names (module:function)."""
    spec = os.environ.get(JOBS_ENV, "").strip()
    if not spec:
        return default_jobs()
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ValueError(f"{JOBS_ENV} must name a function as module:function, not {spec!r}")
    factory: Callable[[], Iterable[Job]] = getattr(importlib.import_module(module_name), attr)
    jobs = list(factory())
    if not all(isinstance(j, Job) for j in jobs):
        raise ValueError(f"{JOBS_ENV}={spec} must return Job objects")
    return jobs
