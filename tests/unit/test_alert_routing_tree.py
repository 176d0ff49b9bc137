"""Alert routing as Alertmanager documents it: matchers, first match and continue, inherited
settings, group_by (and '...'), the group timers, silences and inhibition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from careloop.alerts.grouping import (
    Group,
    GroupAlert,
    due_notifications,
    next_due,
    open_group,
    with_alert,
)
from careloop.alerts.routing_tree import (
    InhibitRule,
    Op,
    group_key,
    is_inhibited,
    is_silenced,
    parse_config,
    parse_matcher,
    parse_silence,
    routes_for,
)
from careloop.errors import Invalid

T0 = datetime(2026, 3, 4, 9, tzinfo=UTC)
S = timedelta(seconds=1)
M = timedelta(minutes=1)

CONFIG: dict[str, Any] = {
    "route": {
        "receiver": "support-leads",
        "group_by": ["alertname"],
        "group_wait": "30s",
        "group_interval": "5m",
        "repeat_interval": "4h",
        "routes": [
            {"matchers": ['category="quality"'], "receiver": "production-line",
             "group_by": ["alertname", "sku"], "continue": True,
             "routes": [{"matchers": ["severity=critical"], "receiver": "line-manager",
                         "group_wait": "0"}]},
            {"matchers": ["category=~quality|logistics"], "receiver": "quality-audit",
             "group_by": ["..."]},
            {"matchers": ["category=logistics", "carrier=X"], "receiver": "logistics"},
            {"matchers": ["category=logistics"], "receiver": "logistics-other",
             "repeat_interval": "1h"},
        ],
    },
    "inhibit_rules": [
        {"source_matchers": ["severity=critical"], "target_matchers": ["severity=warning"],
         "equal": ["sku"]},
    ],
}  # fmt: skip


def receivers(labels: dict[str, str]) -> list[str]:
    return [r.receiver for r in routes_for(parse_config(CONFIG).route, labels)]


def test_matchers_are_anchored_and_a_missing_label_reads_empty() -> None:
    assert parse_matcher("category=~qual").matches({"category": "qual"})
    assert not parse_matcher("category=~qual").matches({"category": "quality"})
    assert parse_matcher('carrier!~"D.L"').matches({"carrier": "UPS"})
    assert not parse_matcher('carrier!~"D.L"').matches({"carrier": "DHL"})
    assert parse_matcher('team!="a"').matches({})
    assert parse_matcher('team=""').matches({})
    quoted = parse_matcher(r'note = "say \"hi\", ok"')
    assert (quoted.name, quoted.op, quoted.value) == ("note", Op.EQ, 'say "hi", ok')
    assert parse_matcher({"name": "sku", "op": "=~", "value": "W-.*"}).matches({"sku": "W-1"})
    for bad in ["1abc=x", "a=~(", "nothing", 5]:
        with pytest.raises(Invalid):
            parse_matcher(bad)


def test_first_matching_child_wins_unless_it_continues() -> None:
    # quality continues to the next sibling that matches (the audit), which does not continue
    assert receivers({"category": "quality"}) == ["production-line", "quality-audit"]
    assert receivers({"category": "quality", "severity": "critical"}) == [
        "line-manager", "quality-audit"]  # fmt: skip
    # the audit route matches logistics too and stops there: carrier X never gets it
    assert receivers({"category": "logistics", "carrier": "X"}) == ["quality-audit"]
    assert receivers({"category": "billing"}) == ["support-leads"]  # the root takes the rest


def test_settings_are_inherited_from_the_parent() -> None:
    root = parse_config(CONFIG).route
    quality, audit, carrier, other = root.routes
    manager = quality.routes[0]
    assert manager.group_by == ("alertname", "sku")  # from the quality route
    assert manager.group_wait == timedelta() and quality.group_wait == 30 * S
    assert manager.group_interval == 5 * M and manager.repeat_interval == timedelta(hours=4)
    assert other.repeat_interval == timedelta(hours=1)
    assert carrier.group_by == ("alertname",) and carrier.receiver == "logistics"
    assert audit.group_by_all


def test_group_keys_follow_group_by() -> None:
    root = parse_config(CONFIG).route
    quality, audit, _, _ = root.routes
    a = {"alertname": "Batch", "category": "quality", "sku": "W-1", "batch": "B1"}
    b = {**a, "batch": "B2"}
    assert group_key(quality, a) == group_key(quality, b)  # same alertname and sku
    assert group_key(quality, a) != group_key(quality, {**a, "sku": "W-2"})
    assert group_key(audit, a) != group_key(audit, b)  # '...': one group per alert
    assert group_key(quality, a) != group_key(audit, a)  # routes never share a group
    assert group_key(root, a) == group_key(root, {"alertname": "Batch"})
    assert group_key(quality, a).startswith('{}/0{category="quality"}:')


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"matchers": ["a=b"]}, "matchers"),  # the root matches everything
        ({"receiver": None}, "receiver"),
        ({"group_wait": "soon"}, "group_wait"),
        ({"group_interval": "0"}, "group_interval"),
        ({"group_by": ["...", "sku"]}, "group_by"),
        ({"group_by": "sku"}, "group_by"),
        ({"groupby": ["sku"]}, "groupby"),
        ({"routes": [{"matchers": ["a=~("]}]}, "route {}/0 matchers"),
        ({"routes": [{"continue": "yes"}]}, "continue"),
        ({"routes": [{"receiver": "nobody"}]}, "receiver"),
    ],
)
def test_a_bad_tree_is_invalid_naming_the_part(change: dict[str, Any], field: str) -> None:
    route = {k: v for k, v in {**CONFIG["route"], **change}.items() if v is not None}
    with pytest.raises(Invalid) as e:
        parse_config({"route": route}, receivers=["support-leads", "production-line"])
    assert e.value.details["field"] == field


def test_a_deep_tree_and_bad_inhibit_rules_are_invalid() -> None:
    node: dict[str, Any] = {"receiver": "r"}
    for _ in range(12):
        node = {"receiver": "r", "routes": [node]}
    with pytest.raises(Invalid):
        parse_config({"route": node})
    for rule in [{"source_matchers": ["a=b"]}, {"source_matchers": ["a=b"],
                 "target_matchers": ["c=d"], "equal": "sku"}, "x"]:  # fmt: skip
        with pytest.raises(Invalid):
            parse_config({"route": {"receiver": "r"}, "inhibit_rules": [rule]})


def test_inhibition_needs_a_firing_source_with_equal_labels() -> None:
    rules = parse_config(CONFIG).inhibit_rules
    warning = {"severity": "warning", "sku": "W-1"}
    assert is_inhibited(warning, [{"severity": "critical", "sku": "W-1"}], rules)
    assert not is_inhibited(warning, [{"severity": "critical", "sku": "W-2"}], rules)
    assert not is_inhibited(warning, [], rules)
    assert not is_inhibited({"severity": "critical", "sku": "W-1"}, [warning], rules)
    # the equal label missing on both sides counts as equal
    assert is_inhibited({"severity": "warning"}, [{"severity": "critical"}], rules)


def test_an_alert_on_both_sides_is_not_inhibited_by_its_like() -> None:
    rule = InhibitRule(
        (parse_matcher("category=quality"),), (parse_matcher("category=quality"),), ("sku",)
    )
    me = {"category": "quality", "sku": "W-1"}
    assert not is_inhibited(me, [me, {**me, "batch": "B2"}], [rule])


def test_silences_mute_matching_alerts_while_active() -> None:
    silence = parse_silence(
        {"matchers": ["sku=W-1", "category=~qual.*"], "starts_at": T0.isoformat(),
         "ends_at": (T0 + timedelta(hours=2)).isoformat(), "created_by": "lead",
         "comment": "batch recalled"}, silence_id=4)  # fmt: skip
    labels = {"sku": "W-1", "category": "quality"}
    assert silence.id == 4
    assert not is_silenced(labels, [silence], T0 - S)
    assert is_silenced(labels, [silence], T0)
    assert not is_silenced({**labels, "sku": "W-2"}, [silence], T0)
    assert not is_silenced(labels, [silence], T0 + timedelta(hours=2))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"matchers": ['sku=~".*"']}, "matchers"),  # would silence everything
        ({"matchers": []}, "matchers"),
        ({"ends_at": T0.isoformat()}, "ends_at"),
        ({"starts_at": "2026-03-04T09:00:00"}, "starts_at"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"created_by": " "}, "created_by"),
        ({"comment": None}, "comment"),
    ],
)
def test_a_bad_silence_is_invalid(change: dict[str, Any], field: str) -> None:
    data = {
        "matchers": ["sku=W-1"],
        "starts_at": T0.isoformat(),
        "ends_at": (T0 + M).isoformat(),
        "created_by": "lead",
        "comment": "c",
        **change,
    }
    with pytest.raises(Invalid) as e:
        parse_silence(data)
    assert e.value.details["field"] == field


def alert(fp: str, at: datetime, resolved: datetime | None = None) -> GroupAlert:
    return GroupAlert(fp, {"alertname": "Batch", "sku": fp}, at, resolved)


def tick(groups: list[Group], at: datetime, **kw: Any) -> tuple[list[Group], list[Any]]:
    return due_notifications(groups, at, **kw)


def test_group_wait_then_group_interval_then_repeat_interval() -> None:
    route = parse_config(CONFIG).route  # wait 30 s, interval 5 min, repeat 4 h
    g = with_alert(open_group(route, {"alertname": "Batch"}, T0), alert("a", T0), T0)
    groups, notes = tick([g], T0 + 29 * S)
    assert notes == [] and next_due(groups) == T0 + 30 * S
    groups = [with_alert(groups[0], alert("b", T0 + 10 * S), T0 + 10 * S)]
    groups, notes = tick(groups, T0 + 30 * S)
    assert [[a.fingerprint for a in n.firing] for n in notes] == [["a", "b"]]  # batched
    assert not notes[0].repeat and notes[0].receiver == "support-leads"
    groups = [with_alert(groups[0], alert("c", T0 + M), T0 + M)]
    groups, notes = tick(groups, T0 + 5 * M)  # the interval has not run out
    assert notes == []
    groups, notes = tick(groups, T0 + 30 * S + 5 * M)
    assert [a.fingerprint for a in notes[0].firing] == ["a", "b", "c"]
    # nothing new: silence until the repeat interval, checked on each group interval
    at = T0 + 30 * S + 5 * M
    for _ in range(47):
        at += 5 * M
        groups, notes = tick(groups, at)
        assert notes == []
    groups, notes = tick(groups, at + 5 * M)
    assert notes[0].repeat and len(notes[0].firing) == 3


def test_resolved_alerts_are_sent_once_and_the_empty_group_goes() -> None:
    route = parse_config(CONFIG).route
    g = with_alert(open_group(route, {"alertname": "Batch"}, T0), alert("a", T0), T0)
    groups, notes = tick([g], T0 + 30 * S)
    groups = [with_alert(groups[0], alert("a", T0, T0 + M), T0 + M)]
    groups, notes = tick(groups, T0 + 30 * S + 5 * M)
    assert notes[0].firing == () and [a.fingerprint for a in notes[0].resolved] == ["a"]
    assert groups == []


def test_an_alert_resolved_within_group_wait_is_never_sent() -> None:
    route = parse_config(CONFIG).route
    g = with_alert(open_group(route, {"alertname": "Batch"}, T0), alert("a", T0, T0 + 5 * S), T0)
    groups, notes = tick([g], T0 + 30 * S)
    assert notes == [] and groups == []


def test_an_alert_older_than_group_wait_goes_out_at_once() -> None:
    route = parse_config(CONFIG).route
    g = with_alert(open_group(route, {"alertname": "Batch"}, T0), alert("a", T0 - M), T0)
    assert next_due([g]) == T0
    assert len(tick([g], T0)[1]) == 1


def test_muted_alerts_are_left_out_and_an_all_muted_group_sends_nothing() -> None:
    route = parse_config(CONFIG).route
    g = with_alert(open_group(route, {"alertname": "Batch"}, T0), alert("a", T0), T0)
    g = with_alert(g, alert("b", T0), T0)
    groups, notes = tick([g], T0 + 30 * S, muted=frozenset({"a", "b"}))
    assert notes == [] and len(groups) == 1
    groups, notes = tick(groups, T0 + 30 * S + 5 * M, muted=frozenset({"a"}))
    assert [a.fingerprint for a in notes[0].firing] == ["b"]
    groups, notes = tick(groups, T0 + 30 * S + 10 * M)  # the silence ended: "a" is new
    assert [a.fingerprint for a in notes[0].firing] == ["a", "b"]
