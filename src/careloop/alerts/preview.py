"""How often a rule would have fired over the last 90 days: the rule evaluated at past
instants (one step apart) through the same observation code as the live evaluation, its
series moved through their states in memory; nothing is written."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from careloop.alerts import observe
from careloop.alerts.model import AnomalyRule, EventRule, Rule, ThresholdRule
from careloop.alerts.state import Change, Observation, SeriesState, evaluate_series
from careloop.storage.engine import Database

SPAN = timedelta(days=90)
HOUR = timedelta(hours=1)
MAX_INTERVALS = 500
# Evaluations per preview: a threshold rule costs a query each, an anomaly rule two per
# baseline week, an event rule nothing beyond one read of the 90 days.
MOST = {"threshold": 540, "anomaly": 26, "event": 2160}


def step_of(rule: Rule) -> timedelta:
    kind = (
        "threshold"
        if isinstance(rule, ThresholdRule)
        else ("anomaly" if isinstance(rule, AnomalyRule) else "event")
    )
    window = rule.resolve_after if isinstance(rule, EventRule) else rule.window
    least = SPAN / MOST[kind]
    step = max(window, least, HOUR) if kind != "event" else max(least, HOUR)
    return timedelta(hours=-(-step // HOUR))  # whole hours, rounded up


def preview(db: Database, rule: Rule, now: datetime) -> dict[str, Any]:
    """{"from", "to", "step", "evaluations", "fired" (how many times), "intervals": [{labels,
    fired_at, resolved_at}]}."""
    observe.check_previewable(rule)
    step = step_of(rule)
    end = now.replace(minute=0, second=0, microsecond=0)
    start = end - SPAN
    events = (
        observe.read_events(db, rule.event, start - rule.resolve_after, end)
        if isinstance(rule, EventRule)
        else None
    )
    states: dict[str, SeriesState] = {}
    labels: dict[str, dict[str, str]] = {}
    open_: dict[str, datetime] = {}
    intervals: list[dict[str, Any]] = []
    fired = evaluations = 0
    at = start + step
    while at <= end:
        if events is not None and isinstance(rule, EventRule):
            seen = observe.events(rule, events, at)
        else:
            seen = observe.observe(db, rule, at)
        observations: dict[str, Observation] = {}
        for fp, v in seen.items():
            if v.observation.active or fp in states:
                observations[fp] = v.observation
                labels[fp] = v.labels
        for fp, (state, change) in evaluate_series(
            states, observations, at, for_duration=rule.for_duration
        ).items():
            states[fp] = state
            if change == Change.FIRED:
                fired += 1
                open_[fp] = at
            elif change == Change.RESOLVED and fp in open_:
                intervals.append(
                    {"labels": labels[fp], "fired_at": open_.pop(fp), "resolved_at": at}
                )
        evaluations += 1
        at += step
    intervals += [
        {"labels": labels[fp], "fired_at": t, "resolved_at": None} for fp, t in open_.items()
    ]
    intervals.sort(key=lambda i: i["fired_at"])
    return {
        "from": start,
        "to": end,
        "step": int(step.total_seconds()),
        "evaluations": evaluations,
        "fired": fired,
        "intervals": intervals[:MAX_INTERVALS],
    }
