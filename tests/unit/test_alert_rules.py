"""Alert rules, pure: checking, the JSON form, windows, series labels and fingerprints, and
the life of a series (pending, firing, resolved)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from careloop.alerts.model import (
    AnomalyRule,
    Comparator,
    Event,
    EventKind,
    EventRule,
    ThresholdRule,
    fingerprint,
    format_duration,
    parse_duration,
    series_labels,
)
from careloop.alerts.rule_config import parse_rule, rule_document
from careloop.alerts.state import (
    AlertState,
    Change,
    Observation,
    SeriesState,
    evaluate_series,
    next_state,
)
from careloop.errors import Invalid

NOW = datetime(2026, 3, 4, 10, 20, tzinfo=UTC)
H = timedelta(hours=1)


def threshold(**kw: object) -> ThresholdRule:
    args: dict[str, object] = {
        "id": 1,
        "name": "Batch complaints",
        "metric": "complaints_per_1000_orders",
        "comparator": Comparator.GT,
        "value": 30.0,
        "group_by": ("sku", "batch"),
        "filters": {"category": ("quality",)},
    }
    return ThresholdRule(**{**args, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30s", timedelta(seconds=30)), ("5m", timedelta(minutes=5)), ("1h30m", 90 * 60),
     ("1d", 86400), ("2w", 14 * 86400), ("0", 0), (600, 600)],
)  # fmt: skip
def test_durations_read_as_alertmanager_writes_them(text: object, expected: object) -> None:
    want = expected if isinstance(expected, timedelta) else timedelta(seconds=expected)  # type: ignore[arg-type]
    assert parse_duration(text, "window") == want
    assert parse_duration(format_duration(want), "window") == want


@pytest.mark.parametrize("text", ["", "5", "1x", "h", "-5m", -3, True, None, 1.5])
def test_a_bad_duration_is_invalid_naming_the_field(text: object) -> None:
    with pytest.raises(Invalid) as e:
        parse_duration(text, "group_wait")
    assert e.value.details["field"] == "group_wait"


def test_a_threshold_rule_checks_its_metric_dimensions_and_window() -> None:
    assert threshold().holds(31.0) and not threshold().holds(30.0)
    assert not threshold().holds(None)  # no orders delivered: no rate, no alert
    cases = [
        ({"metric": "nope"}, "metric"),
        ({"group_by": ("sku", "carrier")}, "group_by"),  # carrier is not a complaint dim
        ({"filters": {"reason": ("x",)}}, "filters"),
        ({"window": timedelta(minutes=30)}, "window"),
        ({"window": timedelta(hours=1, minutes=30)}, "window"),
        ({"window": timedelta(days=40)}, "window"),
        ({"value": float("nan")}, "value"),
        ({"name": " "}, "name"),
        ({"labels": {"severity": "x"}}, "labels"),  # reserved: the rule sets it
        ({"labels": {"bad-name": "x"}}, "labels"),
        ({"for_duration": timedelta(days=8)}, "for"),
    ]
    for change, field in cases:
        with pytest.raises(Invalid) as e:
            threshold(**change)
        assert e.value.details["field"] == field, change


def test_a_live_metric_needs_no_window() -> None:
    rule = threshold(metric="backlog_unassigned", group_by=("team",), filters={}, window=H / 2)
    assert rule.holds(31)


def test_an_anomaly_rule_needs_counts_split_by_its_series() -> None:
    rule = AnomalyRule(1, "Batch anomaly", filters={"category": ("quality",)})
    assert rule.group_by == ("sku", "batch")
    cases = [
        ({"count_metric": "complaints_per_1000_orders"}, "count_metric"),
        ({"exposure_metric": "return_rate"}, "exposure_metric"),
        ({"group_by": ("sku", "category")}, "group_by"),  # deliveries have no category
        ({"group_by": ()}, "group_by"),
        ({"fdr": 0.0}, "fdr"),
        ({"fdr": 0.5}, "fdr"),
        ({"min_count": 0}, "min_count"),
        ({"baseline_weeks": 0}, "baseline_weeks"),
        ({"window": timedelta(days=8)}, "window"),
    ]
    for change, field in cases:
        with pytest.raises(Invalid) as e:
            AnomalyRule(1, "x", **change)  # type: ignore[arg-type]
        assert e.value.details["field"] == field, change


def test_windows_end_at_the_next_whole_hour_and_baselines_are_whole_weeks_back() -> None:
    rule = AnomalyRule(1, "x", window=4 * H, baseline_weeks=3)
    end = datetime(2026, 3, 4, 11, tzinfo=UTC)
    assert rule.window_at(NOW) == (end - 4 * H, end)
    assert rule.baseline_windows(NOW) == [
        (end - 4 * H - timedelta(days=7 * k), end - timedelta(days=7 * k)) for k in (1, 2, 3)
    ]
    assert threshold().window_at(end) == (end - 3 * H, end + H)  # the hour under way counts
    with pytest.raises(ValueError):
        rule.window_at(datetime(2026, 3, 4, 10))  # noqa: DTZ001


def test_an_event_rule_matches_filters_and_stays_active_for_resolve_after() -> None:
    rule = EventRule(3, "Carrier X exceptions", EventKind.LOGISTICS_EXCEPTION,
                     filters={"carrier": ("X",)}, group_by=("carrier", "region"))  # fmt: skip
    hit = Event(EventKind.LOGISTICS_EXCEPTION, NOW, {"carrier": "X", "region": "EU"})
    assert rule.matches(hit)
    assert not rule.matches(Event(EventKind.LOGISTICS_EXCEPTION, NOW, {"carrier": "Y"}))
    assert not rule.matches(Event(EventKind.SLA_BREACH, NOW, {"carrier": "X"}))
    assert rule.series_of(hit) == {"carrier": "X", "region": "EU"}
    assert rule.active(NOW, NOW + 59 * timedelta(minutes=1))
    assert not rule.active(NOW, NOW + H)
    assert not rule.active(None, NOW)
    with pytest.raises(Invalid) as e:
        EventRule(3, "x", EventKind.SLA_BREACH, filters={"carrier": ("X",)})
    assert e.value.details["field"] == "filters"


def test_rules_round_trip_through_their_json_document() -> None:
    rules = [
        threshold(for_duration=10 * 60 * timedelta(seconds=1), labels={"category": "quality"}),
        AnomalyRule(2, "Anomaly", window=24 * H, min_count=3, fdr=0.05),
        EventRule(3, "SLA", EventKind.SLA_BREACH, group_by=("team",), filters={"priority":
                  ("urgent",)}),
    ]  # fmt: skip
    for rule in rules:
        assert parse_rule(rule_document(rule)) == rule
    assert parse_rule(rule_document(rules[0]), rule_id=9).id == 9


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"kind": "cron", "name": "x"}, "kind"),
        ({"kind": "threshold", "name": "x", "metric": "complaints", "comparator": ">",
          "value": 1, "windw": "4h"}, "windw"),
        ({"kind": "threshold", "name": "x", "metric": "complaints", "comparator": "~",
          "value": 1}, "comparator"),
        ({"kind": "threshold", "name": "x", "metric": "complaints", "comparator": ">",
          "value": "1"}, "value"),
        ({"kind": "threshold", "name": "x", "metric": "complaints", "comparator": ">",
          "value": 1, "group_by": "sku"}, "group_by"),
        ({"kind": "anomaly", "name": "x", "min_count": 2.5}, "min_count"),
        ({"kind": "anomaly", "name": "x", "filters": {"category": 3}}, "filters"),
        ({"kind": "event", "name": "x", "event": "ad_status"}, "event"),
        ({"kind": "event", "name": "x", "event": "sla_breach", "severity": "huge"}, "severity"),
    ],
)  # fmt: skip
def test_a_bad_rule_document_is_invalid_naming_the_field(doc: dict[str, object],
                                                         field: str) -> None:  # fmt: skip
    with pytest.raises(Invalid) as e:
        parse_rule(doc)
    assert e.value.details["field"] == field


def test_series_labels_and_fingerprints() -> None:
    rule = threshold(labels={"category": "quality", "team": "line-2"})
    labels = series_labels(rule, {"sku": "W-1", "batch": "B7", "brand": None})
    assert labels == {
        "alertname": "Batch complaints",
        "rule": "1",
        "severity": "warning",
        "category": "quality",
        "team": "line-2",
        "sku": "W-1",
        "batch": "B7",
    }
    fp = fingerprint(1, labels)
    assert fp == fingerprint(1, dict(reversed(labels.items())))  # order does not matter
    assert fp == fingerprint("1", labels)
    assert fp != fingerprint(2, labels)
    assert fp != fingerprint(1, {**labels, "batch": "B8"})
    # Names and values cannot run into each other.
    assert fingerprint(1, {"ab": "c"}) != fingerprint(1, {"a": "bc"})
    # Stable across processes and releases: stored alert rows are keyed by it.
    assert fingerprint(7, {"sku": "W-1"}) == "8e9453f7c5101cad"


def test_a_series_fires_at_once_without_for_and_resolves_when_it_stops() -> None:
    s, change = next_state(None, Observation(True, 40.0), NOW)
    assert (s.state, change, s.fired_at, s.value) == (AlertState.FIRING, Change.FIRED, NOW, 40)
    s, change = next_state(s, Observation(True, 45.0), NOW + H)
    assert (s.state, change, s.fired_at, s.value) == (AlertState.FIRING, Change.STILL_FIRING,
                                                      NOW, 45)  # fmt: skip
    s, change = next_state(s, Observation(False, 10.0), NOW + 2 * H)
    assert (s.state, change, s.resolved_at) == (AlertState.RESOLVED, Change.RESOLVED, NOW + 2 * H)
    s, change = next_state(s, Observation(False), NOW + 3 * H)
    assert (s.state, change) == (AlertState.RESOLVED, Change.NONE)
    s, change = next_state(s, Observation(True), NOW + 4 * H)
    assert (s.state, change, s.fired_at) == (AlertState.FIRING, Change.FIRED, NOW + 4 * H)


def test_a_series_waits_for_its_for_duration_and_a_short_blip_never_fires() -> None:
    wait = timedelta(minutes=10)
    s, change = next_state(SeriesState(), Observation(True), NOW, for_duration=wait)
    assert (s.state, change, s.active_since) == (AlertState.PENDING, Change.PENDING, NOW)
    s, change = next_state(s, Observation(True), NOW + wait / 2, for_duration=wait)
    assert (s.state, change) == (AlertState.PENDING, Change.NONE)
    fired, change = next_state(s, Observation(True), NOW + wait, for_duration=wait)
    assert (fired.state, change, fired.fired_at) == (AlertState.FIRING, Change.FIRED, NOW + wait)
    gone, change = next_state(s, Observation(False), NOW + wait, for_duration=wait)
    assert (gone.state, change, gone.active_since) == (AlertState.INACTIVE, Change.CANCELLED, None)
    with pytest.raises(ValueError):
        next_state(None, Observation(True), datetime(2026, 1, 1))  # noqa: DTZ001


def test_a_rule_evaluation_resolves_the_series_that_vanished() -> None:
    firing, _ = next_state(None, Observation(True), NOW)
    out = evaluate_series({"a": firing, "b": SeriesState()}, {"c": Observation(True)}, NOW + H)
    assert out["a"][1] == Change.RESOLVED
    assert out["b"][1] == Change.NONE
    assert out["c"][1] == Change.FIRED
