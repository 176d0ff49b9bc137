"""The pure parts of the alert engine: acknowledgement tokens (signed, tamper-evident,
expiring), drill-down links, escalation schedules, the preview's step, message wording."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from careloop.alerts import compose, links
from careloop.alerts.escalate import schedule
from careloop.alerts.message import Severity
from careloop.alerts.preview import step_of
from careloop.alerts.rule_config import parse_rule
from careloop.errors import Invalid

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
RULE = parse_rule({"kind": "threshold", "name": "Batch complaints", "metric": "complaints",
                   "comparator": ">", "value": 3, "window": "4h", "group_by": ["sku", "batch"],
                   "filters": {"category": "quality"}}, rule_id=7)  # fmt: skip


def test_an_ack_token_names_its_series_and_refuses_tampering_and_age():
    token = links.sign_ack("key", [3, 5], NOW)
    assert links.read_ack("key", token, NOW + timedelta(days=29)) == [3, 5]
    body, mac = token.split(".")
    for bad in (f"{body}x.{mac}", f"{body}.{mac[:-2]}", "", "no-dot", "é.é", token + "."):
        with pytest.raises(Invalid):
            links.read_ack("key", bad, NOW)
    with pytest.raises(Invalid):
        links.read_ack("other key", token, NOW)
    with pytest.raises(Invalid, match="expired"):
        links.read_ack("key", token, NOW + timedelta(days=31))


def test_the_drill_down_filters_the_grid_to_the_series_and_window():
    labels = {"alertname": "Batch complaints", "sku": "W-1", "batch": "B2"}
    url = links.drill_url("https://care.example", RULE, labels, RULE.window_at(NOW))
    assert url is not None and url.startswith("https://care.example/views/tickets?")
    filters = parse_qs(urlsplit(url).query)["f"]
    assert "sku:eq:W-1" in filters and "batch:eq:B2" in filters
    assert "category:eq:quality" in filters
    assert any(f.startswith("created:after:2026-11-02T06:00") for f in filters)


def test_an_escalation_schedule_adds_up_its_waits_and_repeats():
    steps = [{"after": "10m", "receiver": "a"}, {"after": "5m", "receiver": "b"}]
    plan = schedule(steps, 1)
    assert [int(w.total_seconds() // 60) for w, _ in plan] == [10, 15, 25, 30]
    assert [s["receiver"] for _, s in plan] == ["a", "b", "a", "b"]


def test_the_preview_steps_by_the_window_and_caps_its_evaluations():
    assert step_of(RULE) == timedelta(hours=4)
    hourly = parse_rule({"kind": "threshold", "name": "x", "metric": "complaints",
                         "comparator": ">", "value": 1, "window": "1h"})  # fmt: skip
    assert step_of(hourly) == timedelta(hours=4)  # 90 days in at most 540 evaluations


def view(n: int, severity: str = "warning") -> compose.AlertView:
    labels = {"alertname": "Batch complaints", "severity": severity, "sku": f"W-{n}", "batch": "B"}
    return compose.AlertView(n, f"fp{n}", RULE, labels, {"value": 4.0}, NOW, None)


def test_a_group_message_shows_one_alert_with_figures_and_several_as_a_list():
    one = compose.group_message([view(1)], [], {}, lambda ids: f"ack{ids}")
    assert one.title == "Batch complaints: sku=W-1, batch=B" and one.ack_url == "ack[1]"
    assert ("complaints", "4") in [(f.label, f.value) for f in one.figures]
    many = compose.group_message([view(1), view(2, "critical")], [], {"sku": "W"}, str)
    assert many.severity == Severity.CRITICAL and many.title.startswith("2 alerts firing")
    done = compose.group_message([], [view(1)], {}, str)
    assert done.severity == Severity.RESOLVED and done.ack_url is None
