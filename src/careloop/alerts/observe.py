"""What each rule sees at an instant, per series: a threshold rule's metric by its dims over
its window (insights.run_query), an anomaly rule's count and exposure over its window and the
baseline weeks tested across all its series at once (anomaly.detect), an event rule's events
over the last `resolve_after`. Nothing is written; evaluate.py and the preview use these."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from careloop.alerts.anomaly import Decision, SeriesCounts, detect
from careloop.alerts.model import (
    AnomalyRule,
    Event,
    EventKind,
    EventRule,
    Rule,
    ThresholdRule,
    fingerprint,
    series_labels,
)
from careloop.alerts.state import Observation
from careloop.errors import Invalid
from careloop.insights.cubes import EXCEPTION_STATUSES
from careloop.insights.model import METRICS, Kind
from careloop.insights.queries import parse_query, run_query

# Event rules read the rows of the SLA and commerce domains directly: one indexed read of a
# short window, which neither domain offers as a query (see ARCHITECTURE.md, decisions).
from careloop.sla.tables import SlaEvent
from careloop.storage.engine import Database
from careloop.tickets.commerce_tables import Brand, Order, Shipment
from careloop.tickets.tables import Ticket
from careloop.workforce.tables import Agent


@dataclass(frozen=True)
class Seen:
    """One series at one evaluation: its labels, whether the rule holds, and the figures the
    message shows (value, expected, ratio, p, q, count, exposure...)."""

    labels: dict[str, str]
    observation: Observation
    figures: dict[str, Any] = field(default_factory=dict)


Seens = dict[str, Seen]  # by fingerprint


def _series(rule: Rule, values: Mapping[str, Any]) -> dict[str, str | None]:
    return {d: (None if values.get(d) is None else str(values[d])) for d in rule.group_by}


def _add(
    out: Seens,
    rule: Rule,
    series: Mapping[str, str | None],
    active: bool,
    value: float | None,
    figures: dict[str, Any],
) -> None:
    labels = series_labels(rule, series)
    out[fingerprint(rule.id, labels)] = Seen(labels, Observation(active, value), figures)


def threshold(db: Database, rule: ThresholdRule, now: datetime) -> Seens:
    start, end = rule.window_at(now)
    q = parse_query(rule.metric, start=start, end=end, group_by=rule.group_by, filters=rule.filters)
    answer = run_query(db, q, now=now)
    out: Seens = {}
    rows = answer["rows"] if rule.group_by else [{"value": answer["total"]}]
    for row in rows:
        value = row["value"]
        _add(
            out,
            rule,
            _series(rule, row),
            rule.holds(value),
            value,
            {"value": value, "bound": rule.value, "comparator": rule.comparator.value},
        )
    return out


def _sums(
    db: Database, metric: str, rule: AnomalyRule, window: tuple[datetime, datetime], now: datetime
) -> dict[tuple[str | None, ...], float]:
    dims = METRICS[metric].dims
    filters = {k: v for k, v in rule.filters.items() if k in dims}
    q = parse_query(metric, start=window[0], end=window[1], group_by=rule.group_by, filters=filters)
    rows = run_query(db, q, now=now)["rows"]
    return {tuple(r[d] for d in rule.group_by): float(r["value"] or 0) for r in rows}


def anomaly(db: Database, rule: AnomalyRule, now: datetime) -> Seens:
    window = rule.window_at(now)
    counts = _sums(db, rule.count_metric, rule, window, now)
    exposures = _sums(db, rule.exposure_metric, rule, window, now)
    bases = [
        (_sums(db, rule.count_metric, rule, w, now), _sums(db, rule.exposure_metric, rule, w, now))
        for w in rule.baseline_windows(now)
    ]
    keys = sorted(counts.keys() | exposures.keys(), key=lambda k: tuple(v or "" for v in k))
    series = [
        SeriesCounts(
            key,
            int(counts.get(key, 0)),
            exposures.get(key, 0.0),
            [int(c.get(key, 0)) for c, _ in bases],
            [e.get(key, 0.0) for _, e in bases],
        )
        for key in keys
    ]
    found = detect(series, min_count=rule.min_count, fdr=rule.fdr)
    out: Seens = {}
    for v in found.verdicts:
        figures = {
            "count": v.count,
            "exposure": v.exposure,
            "expected": v.expected,
            "ratio": v.ratio,
            "p": v.p_value,
            "q": v.q_value,
            "decision": v.decision.value,
            "method": found.method,
        }
        values = dict(zip(rule.group_by, v.key, strict=True))
        _add(
            out,
            rule,
            _series(rule, values),
            v.decision == Decision.ANOMALY,
            float(v.count),
            figures,
        )
    return out


def read_events(db: Database, kind: EventKind, start: datetime, end: datetime) -> list[Event]:
    """The events of one kind in [start, end): SLA breaches at their instant; shipments now in
    an exception status at their order's last change (the shipment keeps no status instant)."""
    with db.read() as s:
        if kind == EventKind.SLA_BREACH:
            rows = s.execute(
                select(
                    SlaEvent.at,
                    SlaEvent.target,
                    Brand.code,
                    Ticket.country,
                    Ticket.channel,
                    Ticket.category,
                    Ticket.priority,
                    Agent.team_id,
                )
                .join(Ticket, Ticket.id == SlaEvent.ticket_id)
                .outerjoin(Brand, Brand.id == Ticket.brand_id)
                .outerjoin(Agent, Agent.user_id == Ticket.assignee_id)
                .where(SlaEvent.kind == "breach", SlaEvent.at >= start, SlaEvent.at < end)
            ).all()
            names = ("target", "brand", "country", "channel", "category", "priority", "team")
            return [Event(kind, r[0], _labels(names, r[1:])) for r in rows]
        shipped = s.execute(
            select(
                Order.updated_at,
                Brand.code,
                Shipment.destination_country,
                Order.country,
                Shipment.destination_region,
                Order.region,
                Shipment.carrier,
                Shipment.status,
            )
            .join(Order, Order.id == Shipment.order_id)
            .outerjoin(Brand, Brand.id == Order.brand_id)
            .where(
                Shipment.status.in_(EXCEPTION_STATUSES),
                Order.updated_at >= start,
                Order.updated_at < end,
            )
        ).all()
        return [
            Event(
                kind,
                r[0],
                _labels(
                    ("brand", "country", "region", "carrier", "status"),
                    (r[1], r[2] or r[3], r[4] or r[5], r[6], r[7]),
                ),
            )
            for r in shipped
        ]


def _labels(names: Iterable[str], values: Iterable[Any]) -> dict[str, str]:
    out = {}
    for name, value in zip(names, values, strict=True):
        if value is not None and value != "":
            out[name] = str(getattr(value, "value", value))
    return out


def events(rule: EventRule, found: Iterable[Event], now: datetime) -> Seens:
    """Series of the rule's events younger than resolve_after at `now`: active, with their
    count and latest instant."""
    latest: dict[tuple[tuple[str, str | None], ...], tuple[datetime, int]] = {}
    for e in found:
        if not rule.matches(e) or e.at > now or not rule.active(e.at, now):
            continue
        key = tuple(sorted(rule.series_of(e).items()))
        at, n = latest.get(key, (e.at, 0))
        latest[key] = (max(at, e.at), n + 1)
    out: Seens = {}
    for key, (at, n) in latest.items():
        _add(out, rule, dict(key), True, float(n), {"count": n, "last_event_at": at.isoformat()})
    return out


def observe(db: Database, rule: Rule, now: datetime) -> Seens:
    """Every series the rule sees at `now`."""
    if isinstance(rule, ThresholdRule):
        return threshold(db, rule, now)
    if isinstance(rule, AnomalyRule):
        return anomaly(db, rule, now)
    return events(rule, read_events(db, rule.event, now - rule.resolve_after, now), now)


def facts_read(rule: Rule) -> frozenset[str]:
    """The tables whose writes can change what the rule sees (for event-driven evaluation)."""
    if isinstance(rule, EventRule):
        if rule.event == EventKind.SLA_BREACH:
            return frozenset({"sla_events"})
        return frozenset({"shipments", "orders"})
    metrics = (
        [rule.metric]
        if isinstance(rule, ThresholdRule)
        else [rule.count_metric, rule.exposure_metric]
    )
    tables: set[str] = set()
    for name in metrics:
        m = METRICS[name]
        if m.kind == Kind.LIVE:
            tables.add("tickets")
        for measure in (m.numerator, m.denominator):
            if measure is not None:
                tables |= FACT_TABLES.get(measure.fact, set())
    return frozenset(tables)


# The base tables each insights fact is computed from (what a write must touch to move it).
FACT_TABLES: dict[str, set[str]] = {
    "tickets": {"tickets"},
    "deliveries": {"shipments", "orders", "line_items"},
    "returns": {"returns"},
    "shipments": {"shipments", "orders"},
    "replies": {"messages"},
    "solves": {"tickets"},
}


def check_previewable(rule: Rule) -> None:
    if isinstance(rule, ThresholdRule) and METRICS[rule.metric].kind == Kind.LIVE:
        raise Invalid(
            f"{rule.metric} is the state now: its past cannot be replayed", {"field": "metric"}
        )
