"""Alert rules, pure: threshold, anomaly and event rules over the insights metrics and the
domain's events, checked when built (a bad rule is a 422 before it is stored), the windows
they read at an instant, and the labels and fingerprint of each series they watch.

No session and no clock: a rule is evaluated later through insights.queries.run_query with
the windows given here, and its series' states move through alerts.state.next_state.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from careloop.errors import Invalid
from careloop.insights.model import METRICS, Kind, Unit
from careloop.insights.queries import MAX_GROUPS

HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)
MAX_WINDOW = timedelta(days=31)
MAX_FOR = timedelta(days=7)
MAX_BASELINE_WEEKS = 26
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# Labels every alert carries, set by the rule itself; a rule's own labels may not replace them.
RESERVED_LABELS = frozenset({"alertname", "rule", "severity"})
_DURATION = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")

# The anomaly defaults, chosen with bench/alerts_detection.py (see ARCHITECTURE.md): a week's
# window evaluated every hour, the eight weeks before as baseline, at least five complaints,
# and a false discovery rate of 1% across the rule's series.
DEFAULT_ANOMALY_WINDOW = timedelta(days=7)
DEFAULT_BASELINE_WEEKS = 8
DEFAULT_MIN_COUNT = 5
DEFAULT_FDR = 0.01


class Severity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Comparator(enum.StrEnum):
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="

    def holds(self, value: float, bound: float) -> bool:
        match self:
            case Comparator.GT:
                return value > bound
            case Comparator.GE:
                return value >= bound
            case Comparator.LT:
                return value < bound
            case Comparator.LE:
                return value <= bound


class EventKind(enum.StrEnum):
    LOGISTICS_EXCEPTION = "logistics_exception"
    SLA_BREACH = "sla_breach"


# The labels each kind of event carries, so an event rule's filters and series labels are
# checked against what its events will have.
EVENT_LABELS: dict[EventKind, tuple[str, ...]] = {
    EventKind.LOGISTICS_EXCEPTION: ("brand", "country", "region", "carrier", "status"),
    EventKind.SLA_BREACH: ("brand", "country", "channel", "category", "priority", "team",
                           "target"),
}  # fmt: skip


def parse_duration(value: Any, where: str) -> timedelta:
    """A duration as Alertmanager writes it ("30s", "5m", "1h30m", "1d", "2w", "0") or as
    whole seconds; anything else is Invalid naming the field."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return timedelta(seconds=value)
    if isinstance(value, str) and value:
        m = _DURATION.fullmatch(value)
        if m and any(m.groups()):
            w, d, h, mi, s = (int(g or 0) for g in m.groups())
            return timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=s)
        if value == "0":
            return timedelta()
    raise Invalid(
        f"{where} is a duration such as 30s, 5m, 4h or 1d", {"field": where, "value": value}
    )


def format_duration(d: timedelta) -> str:
    """The shortest Alertmanager spelling of a duration, for storing a parsed rule back."""
    seconds = int(d.total_seconds())
    if seconds == 0:
        return "0"
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out += f"{seconds // size}{unit}"
            seconds %= size
    return out


def _check_labels(labels: Mapping[str, str]) -> None:
    for name, value in labels.items():
        if not LABEL_NAME.fullmatch(name) or name in RESERVED_LABELS:
            raise Invalid(f"label name {name!r} is not allowed", {"field": "labels"})
        if not isinstance(value, str):
            raise Invalid(f"label {name} must be a string", {"field": "labels"})


def _check_window(window: timedelta, where: str = "window") -> None:
    if window < HOUR or window > MAX_WINDOW or window % HOUR:
        raise Invalid(
            f"{where} is a whole number of hours from 1 h to 31 days (rollups are hourly)",
            {"field": where},
        )


def _check_common(rule: ThresholdRule | AnomalyRule | EventRule) -> None:
    if not rule.name.strip() or len(rule.name) > 200:
        raise Invalid("a rule needs a name of at most 200 characters", {"field": "name"})
    if not timedelta() <= rule.for_duration <= MAX_FOR:
        raise Invalid("for is between 0 and 7 days", {"field": "for"})
    _check_labels(rule.labels)


def _check_dims(metric: str, dims: tuple[str, ...], where: str) -> None:
    unknown = [d for d in dims if d not in METRICS[metric].dims]
    if unknown:
        raise Invalid(
            f"{metric} has no dimension {', '.join(map(repr, unknown))}",
            {"field": where, "dimensions": list(METRICS[metric].dims)},
        )


def _check_metric(metric: str, where: str) -> None:
    if metric not in METRICS:
        raise Invalid(f"no metric named {metric!r}", {"field": where, "known": sorted(METRICS)})


def _last_hours(window: timedelta, now: datetime) -> tuple[datetime, datetime]:
    """[start, end): the window ending at the next whole hour after now, as the dashboards'
    periods do, so the hour under way counts at once."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    end = now.replace(minute=0, second=0, microsecond=0) + HOUR
    return end - window, end


@dataclass(frozen=True)
class ThresholdRule:
    """An insights metric per series of `group_by` over the last `window`, compared with a
    bound, e.g. complaints per 1,000 orders by SKU and batch over 4 h above 30."""

    id: int
    name: str
    metric: str
    comparator: Comparator
    value: float
    window: timedelta = timedelta(hours=4)
    group_by: tuple[str, ...] = ()
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    for_duration: timedelta = timedelta()
    severity: Severity = Severity.WARNING
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_common(self)
        _check_metric(self.metric, "metric")
        _check_dims(self.metric, self.group_by, "group_by")
        _check_dims(self.metric, tuple(self.filters), "filters")
        if len(self.group_by) > MAX_GROUPS or len(set(self.group_by)) != len(self.group_by):
            raise Invalid(f"group by at most {MAX_GROUPS} distinct dimensions",
                          {"field": "group_by"})  # fmt: skip
        if METRICS[self.metric].kind != Kind.LIVE:  # the state now has no window
            _check_window(self.window)
        if self.value != self.value or abs(self.value) == float("inf"):
            raise Invalid("value must be a finite number", {"field": "value"})

    def holds(self, value: float | None) -> bool:
        """Whether a series' value crosses the bound; no value (no orders under a rate) never
        does."""
        return value is not None and self.comparator.holds(value, self.value)

    def window_at(self, now: datetime) -> tuple[datetime, datetime]:
        return _last_hours(self.window, now)


@dataclass(frozen=True)
class AnomalyRule:
    """A count (complaints) against its exposure (orders or units delivered) per series of
    `group_by` (SKU and batch): the last `window` against the same hours of the week over the
    `baseline_weeks` before, tested per series with false discoveries held to `fdr` across
    them (alerts.anomaly), firing only from `min_count` events in the window."""

    id: int
    name: str
    count_metric: str = "complaints"
    exposure_metric: str = "orders_delivered"
    group_by: tuple[str, ...] = ("sku", "batch")
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    window: timedelta = DEFAULT_ANOMALY_WINDOW
    baseline_weeks: int = DEFAULT_BASELINE_WEEKS
    min_count: int = DEFAULT_MIN_COUNT
    fdr: float = DEFAULT_FDR
    for_duration: timedelta = timedelta()
    severity: Severity = Severity.WARNING
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_common(self)
        for where, metric in (("count_metric", self.count_metric),
                              ("exposure_metric", self.exposure_metric)):  # fmt: skip
            _check_metric(metric, where)
            m = METRICS[metric]
            if m.kind != Kind.SUM or m.unit != Unit.COUNT:
                raise Invalid(f"{where} must be a count (such as complaints or orders_delivered)",
                              {"field": where})  # fmt: skip
            # Each series needs its own exposure, so both metrics must split by the series dims.
            _check_dims(metric, self.group_by, "group_by")
        _check_dims(self.count_metric, tuple(self.filters), "filters")
        if not 1 <= len(self.group_by) <= MAX_GROUPS or len(set(self.group_by)) != len(
            self.group_by
        ):
            raise Invalid(f"an anomaly rule's series are 1 to {MAX_GROUPS} distinct dimensions",
                          {"field": "group_by"})  # fmt: skip
        _check_window(self.window)
        if self.window > WEEK:
            raise Invalid("an anomaly window is at most a week", {"field": "window"})
        if not 1 <= self.baseline_weeks <= MAX_BASELINE_WEEKS:
            raise Invalid(f"baseline_weeks is 1 to {MAX_BASELINE_WEEKS}",
                          {"field": "baseline_weeks"})  # fmt: skip
        if not 1 <= self.min_count <= 10_000:
            raise Invalid("min_count is 1 to 10000", {"field": "min_count"})
        if not 0 < self.fdr <= 0.2:
            raise Invalid("fdr is above 0 and at most 0.2", {"field": "fdr"})

    def window_at(self, now: datetime) -> tuple[datetime, datetime]:
        return _last_hours(self.window, now)

    def baseline_windows(self, now: datetime) -> list[tuple[datetime, datetime]]:
        """The same hours of the week in each of the previous weeks, latest first (UTC weeks:
        168 h apart)."""
        start, end = self.window_at(now)
        return [(start - k * WEEK, end - k * WEEK) for k in range(1, self.baseline_weeks + 1)]


@dataclass(frozen=True)
class Event:
    """Something that happened once and may alert at once: a shipment in exception, an SLA
    target breached."""

    kind: EventKind
    at: datetime
    labels: Mapping[str, str]


@dataclass(frozen=True)
class EventRule:
    """Alerts on events of one kind whose labels pass `filters`; the events sharing the values
    of `group_by` make one series, firing from its first event and resolved once
    `resolve_after` passes without another."""

    id: int
    name: str
    event: EventKind
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    group_by: tuple[str, ...] = ()
    resolve_after: timedelta = timedelta(hours=1)
    for_duration: timedelta = timedelta()
    severity: Severity = Severity.WARNING
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_common(self)
        known = EVENT_LABELS[self.event]
        for where, names in (("filters", tuple(self.filters)), ("group_by", self.group_by)):
            unknown = [n for n in names if n not in known]
            if unknown:
                raise Invalid(
                    f"{self.event} events have no label {', '.join(map(repr, unknown))}",
                    {"field": where, "labels": list(known)},
                )
        if not timedelta(minutes=1) <= self.resolve_after <= MAX_FOR:
            raise Invalid("resolve_after is between 1 minute and 7 days",
                          {"field": "resolve_after"})  # fmt: skip

    def matches(self, event: Event) -> bool:
        return event.kind == self.event and all(
            event.labels.get(name, "") in values for name, values in self.filters.items()
        )

    def series_of(self, event: Event) -> dict[str, str | None]:
        return {name: event.labels.get(name) for name in self.group_by}

    def active(self, last_event_at: datetime | None, now: datetime) -> bool:
        """A series stays active while its latest event is younger than resolve_after."""
        return last_event_at is not None and now - last_event_at < self.resolve_after


Rule = ThresholdRule | AnomalyRule | EventRule


def series_labels(rule: Rule, series: Mapping[str, str | None]) -> dict[str, str]:
    """An alert's labels: the rule's name, id and severity, its own labels, then the series'
    dimension values (a missing value is left out, as an empty label is in Alertmanager)."""
    out = {"alertname": rule.name, "rule": str(rule.id), "severity": rule.severity.value}
    out.update(rule.labels)
    out.update({k: v for k, v in series.items() if v})
    return out


def fingerprint(rule_id: int | str, labels: Mapping[str, str]) -> str:
    """A stable id for one series of one rule: SHA-256 over the rule id and the sorted labels
    (names and values separated by bytes that cannot occur in text), 16 hex digits."""
    h = hashlib.sha256(str(rule_id).encode())
    for name in sorted(labels):
        h.update(b"\xff" + name.encode() + b"\xfe" + labels[name].encode())
    return h.hexdigest()[:16]
