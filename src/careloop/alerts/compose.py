"""The words of an alert notification: an AlertMessage for a group flush (its firing and
resolved alerts, key figures, drill-down and acknowledgement links) and for an escalation
step. Pure: the caller passes the series, rules and links."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from careloop.alerts.message import MAX_TITLE, AlertMessage, Figure, Severity
from careloop.alerts.model import AnomalyRule, EventRule, Rule, ThresholdRule, format_duration

MAX_LISTED = 8  # alerts listed one per figure in a group's message
_RANK = {Severity.CRITICAL: 3, Severity.WARNING: 2, Severity.INFO: 1}


@dataclass(frozen=True)
class AlertView:
    """One alert series as a message shows it."""

    series_id: int
    fingerprint: str
    rule: Rule | None
    labels: Mapping[str, str]
    figures: Mapping[str, Any]
    fired_at: datetime | None
    drill_url: str | None


def number(value: Any) -> str:
    """A figure as people read it: whole numbers plainly, others to three significant
    digits; none as a dash."""
    if value is None:
        return "-"
    if isinstance(value, int) or (
        isinstance(value, float) and value.is_integer() and abs(value) < 1e12
    ):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def series_name(view: AlertView) -> str:
    """The series' own dimension values ("sku=W-1, batch=B2"), or the rule's name alone."""
    dims = view.rule.group_by if view.rule is not None else ()
    parts = [f"{d}={view.labels[d]}" for d in dims if view.labels.get(d)]
    return ", ".join(parts)


def _severity(views: Sequence[AlertView]) -> Severity:
    found = [
        Severity(v.labels.get("severity", "warning"))
        for v in views
        if v.labels.get("severity") in ("critical", "warning", "info")
    ]
    return max(found, key=lambda s: _RANK[s], default=Severity.WARNING)


def _window(rule: Rule) -> str:
    if isinstance(rule, EventRule):
        return format_duration(rule.resolve_after)
    return format_duration(rule.window)


def key_figures(view: AlertView) -> list[Figure]:
    """Value, bound or expected, ratio and window of one alert."""
    rule, f = view.rule, view.figures
    out: list[Figure] = []
    if isinstance(rule, ThresholdRule):
        out.append(Figure(rule.metric, number(f.get("value"))))
        out.append(Figure("Threshold", f"{rule.comparator.value} {number(rule.value)}"))
    elif isinstance(rule, AnomalyRule):
        out.append(Figure(rule.count_metric, number(f.get("count"))))
        out.append(Figure("Expected (baseline)", number(f.get("expected"))))
        out.append(Figure("Ratio to baseline", number(f.get("ratio"))))
        out.append(Figure(rule.exposure_metric, number(f.get("exposure"))))
        out.append(Figure("q-value", number(f.get("q"))))
    elif isinstance(rule, EventRule):
        out.append(Figure("Events", number(f.get("count"))))
    if rule is not None:
        out.append(Figure("Window", _window(rule)))
    return out


def _title(text: str) -> str:
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1] + "…"


def group_message(
    firing: Sequence[AlertView],
    resolved: Sequence[AlertView],
    group_labels: Mapping[str, str],
    ack_url: Callable[[Sequence[int]], str],
) -> AlertMessage:
    """One group flush: a single firing alert with its figures, several as a list, or the
    resolution of everything the receiver was told about."""
    shown = list(firing) or list(resolved)
    first = shown[0]
    name = first.labels.get("alertname", "alert")
    if not firing:
        severity, title = Severity.RESOLVED, f"Resolved: {name}"
    else:
        severity = _severity(firing)
        title = (
            f"{name}: {series_name(first)}"
            if len(firing) == 1
            else (f"{len(firing)} alerts firing: {name}")
        )
    if len(shown) == 1:
        figures = key_figures(first)
        labels = dict(first.labels)
    else:
        figures = [
            Figure(
                series_name(v) or v.labels.get("alertname", "alert"),
                number(v.figures.get("value", v.figures.get("count"))),
            )
            for v in shown[:MAX_LISTED]
        ]
        labels = dict(group_labels)
    lines = []
    if firing and resolved:
        lines.append(f"{len(resolved)} resolved since the last notification.")
    if len(shown) > MAX_LISTED:
        lines.append(f"{len(shown) - MAX_LISTED} more not listed.")
    return AlertMessage(
        title=_title(title.rstrip(": ")),
        severity=severity,
        summary=" ".join(lines),
        figures=tuple(figures)[:20],
        labels=dict(list(labels.items())[:30]),
        drill_url=first.drill_url,
        ack_url=ack_url([v.series_id for v in firing]) if firing else None,
    )


def escalation_message(
    view: AlertView, step: int, waited: timedelta, who: str | None, ack_url: str
) -> AlertMessage:
    """An escalation step: the alert, how long it went unacknowledged and whom it now
    reaches."""
    name = view.labels.get("alertname", "alert")
    minutes = int(waited.total_seconds() // 60)
    summary = f"Not acknowledged after {minutes} min (escalation step {step})."
    if who:
        summary += f" On duty now: {who}."
    title = f"Escalation: {name}: {series_name(view)}".rstrip(": ")
    return AlertMessage(
        title=_title(title),
        severity=_severity([view]),
        summary=summary,
        figures=tuple(key_figures(view)),
        labels=dict(list(view.labels.items())[:30]),
        drill_url=view.drill_url,
        ack_url=ack_url,
    )
