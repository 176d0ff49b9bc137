"""Alert rules to and from the JSON the API stores: parse_rule checks every field (unknown or
ill-typed ones are a 422 naming the field) and builds the rule, which checks itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from careloop.alerts.model import (
    AnomalyRule,
    Comparator,
    EventKind,
    EventRule,
    Rule,
    Severity,
    ThresholdRule,
    format_duration,
    parse_duration,
)
from careloop.errors import Invalid

_COMMON = {"kind", "id", "name", "for", "severity", "labels", "group_by", "filters"}
_KEYS = {
    "threshold": _COMMON | {"metric", "comparator", "value", "window"},
    "anomaly": _COMMON
    | {"count_metric", "exposure_metric", "window", "baseline_weeks", "min_count", "fdr"},
    "event": _COMMON | {"event", "resolve_after"},
}


def _enum(cls: Any, value: Any, where: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        known = [m.value for m in cls]
        raise Invalid(f"{where} is one of {', '.join(known)}", {"field": where}) from None


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise Invalid(f"{where} is a list of names", {"field": where})
    if not all(isinstance(v, str) and v for v in value):
        raise Invalid(f"{where} is a list of names", {"field": where})
    return tuple(value)


def _filters(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise Invalid("filters maps a dimension to its values", {"field": "filters"})
    out: dict[str, tuple[str, ...]] = {}
    for name, values in value.items():
        vals = [values] if isinstance(values, str) else values
        if (
            not isinstance(vals, list | tuple)
            or not vals
            or not all(isinstance(v, str) for v in vals)
        ):
            raise Invalid(f"filter {name} is a value or a list of values", {"field": "filters"})
        out[str(name)] = tuple(vals)
    return out


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{where} is a whole number", {"field": where})
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"{where} is a number", {"field": where})
    return float(value)


def parse_rule(data: Mapping[str, Any], *, rule_id: int | None = None) -> Rule:
    """A rule from its JSON document ({"kind": "threshold" | "anomaly" | "event", ...});
    `rule_id` (the stored row's) wins over an "id" in the document."""
    if not isinstance(data, Mapping):
        raise Invalid("a rule is a JSON object", {"field": "rule"})
    kind = data.get("kind")
    if kind not in _KEYS:
        raise Invalid("kind is one of threshold, anomaly, event", {"field": "kind"})
    unknown = sorted(set(data) - _KEYS[kind])
    if unknown:
        raise Invalid(f"unknown field {', '.join(unknown)}", {"field": unknown[0]})
    name = data.get("name")
    if not isinstance(name, str):
        raise Invalid("a rule needs a name", {"field": "name"})
    labels = data.get("labels", {})
    if not isinstance(labels, Mapping):
        raise Invalid("labels maps names to values", {"field": "labels"})
    common: dict[str, Any] = {
        "id": rule_id if rule_id is not None else _int(data.get("id", 0), "id"),
        "name": name,
        "for_duration": parse_duration(data.get("for", 0), "for"),
        "severity": _enum(Severity, data.get("severity", "warning"), "severity"),
        "labels": dict(labels),
        "filters": _filters(data.get("filters", {})),
    }
    if "group_by" in data:
        common["group_by"] = _strings(data["group_by"], "group_by")
    if kind == "threshold":
        if not isinstance(data.get("metric"), str):
            raise Invalid("a threshold rule needs a metric", {"field": "metric"})
        return ThresholdRule(
            metric=data["metric"],
            comparator=_enum(Comparator, data.get("comparator"), "comparator"),
            value=_number(data.get("value"), "value"),
            window=parse_duration(data.get("window", "4h"), "window"),
            **common,
        )
    if kind == "anomaly":
        extra: dict[str, Any] = {}
        for key in ("count_metric", "exposure_metric"):
            if key in data:
                if not isinstance(data[key], str):
                    raise Invalid(f"{key} is a metric name", {"field": key})
                extra[key] = data[key]
        if "window" in data:
            extra["window"] = parse_duration(data["window"], "window")
        for key in ("baseline_weeks", "min_count"):
            if key in data:
                extra[key] = _int(data[key], key)
        if "fdr" in data:
            extra["fdr"] = _number(data["fdr"], "fdr")
        return AnomalyRule(**common, **extra)
    return EventRule(
        event=_enum(EventKind, data.get("event"), "event"),
        resolve_after=parse_duration(data.get("resolve_after", "1h"), "resolve_after"),
        **common,
    )


def rule_document(rule: Rule) -> dict[str, Any]:
    """The JSON document of a rule, which parse_rule reads back to an equal rule."""
    out: dict[str, Any] = {
        "id": rule.id,
        "name": rule.name,
        "for": format_duration(rule.for_duration),
        "severity": rule.severity.value,
        "labels": dict(rule.labels),
        "filters": {k: list(v) for k, v in rule.filters.items()},
        "group_by": list(rule.group_by),
    }
    if isinstance(rule, ThresholdRule):
        return {**out, "kind": "threshold", "metric": rule.metric,
                "comparator": rule.comparator.value, "value": rule.value,
                "window": format_duration(rule.window)}  # fmt: skip
    if isinstance(rule, AnomalyRule):
        return {**out, "kind": "anomaly", "count_metric": rule.count_metric,
                "exposure_metric": rule.exposure_metric, "window": format_duration(rule.window),
                "baseline_weeks": rule.baseline_weeks, "min_count": rule.min_count,
                "fdr": rule.fdr}  # fmt: skip
    return {**out, "kind": "event", "event": rule.event.value,
            "resolve_after": format_duration(rule.resolve_after)}  # fmt: skip
