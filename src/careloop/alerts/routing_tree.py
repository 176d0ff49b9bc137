"""Routing alerts by their labels, as Prometheus Alertmanager does, pure: label matchers, the
routing tree (first matching child wins unless it says `continue`; unset settings come from
the parent), the group an alert joins, inhibition rules and silences. The tree is parsed from
the JSON the API stores; a bad tree is a 422 naming the part at fault.

Regular expressions are anchored at both ends, as Alertmanager's are; they are Python's `re`
rather than RE2, so a pattern that only one of the two accepts is refused or read slightly
differently (look-arounds, for instance, are Python-only)."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from careloop.alerts.model import LABEL_NAME, parse_duration
from careloop.errors import Invalid

Labels = Mapping[str, str]
ALL_LABELS = "..."  # group_by: ["..."] groups by every label (one group per alert)
MAX_DEPTH = 8
MAX_ROUTES = 500
DEFAULT_GROUP_WAIT = timedelta(seconds=30)
DEFAULT_GROUP_INTERVAL = timedelta(minutes=5)
DEFAULT_REPEAT_INTERVAL = timedelta(hours=4)
_MATCHER = re.compile(r"\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*")
_ROUTE_KEYS = {"receiver", "group_by", "continue", "matchers", "group_wait", "group_interval",
               "repeat_interval", "routes"}  # fmt: skip


class Op(enum.StrEnum):
    EQ = "="
    NE = "!="
    RE = "=~"
    NRE = "!~"


@dataclass(frozen=True)
class Matcher:
    """One condition on one label; a missing label reads as the empty string."""

    name: str
    op: Op
    value: str
    pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def matches(self, labels: Labels) -> bool:
        have = labels.get(self.name, "")
        match self.op:
            case Op.EQ:
                return have == self.value
            case Op.NE:
                return have != self.value
            case _:
                found = self.pattern is not None and self.pattern.fullmatch(have) is not None
                return found if self.op == Op.RE else not found

    def __str__(self) -> str:
        return f'{self.name}{self.op.value}"{self.value}"'


def matcher(name: str, op: str, value: str, where: str = "matchers") -> Matcher:
    """A checked matcher: a label name as Prometheus allows, a known operator, a regex that
    compiles (anchored)."""
    if not LABEL_NAME.fullmatch(name):
        raise Invalid(f"{name!r} is not a label name", {"field": where})
    try:
        kind = Op(op)
    except ValueError:
        raise Invalid(f"{op!r} is not one of =, !=, =~, !~", {"field": where}) from None
    pattern = None
    if kind in (Op.RE, Op.NRE):
        try:
            pattern = re.compile(f"(?:{value})")
        except re.error as e:
            raise Invalid(f"bad regular expression {value!r}: {e}", {"field": where}) from None
    return Matcher(name, kind, value, pattern)


def parse_matcher(text: Any, where: str = "matchers") -> Matcher:
    """`name=value`, `name!="value"`, `name=~"regex"` (value optionally double-quoted, with
    \\" and \\\\ escapes) or {"name", "op", "value"}."""
    if isinstance(text, Mapping):
        parts = (text.get("name"), text.get("op", "="), text.get("value", ""))
        if not all(isinstance(p, str) for p in parts):
            raise Invalid("a matcher has a name, an op and a value", {"field": where})
        return matcher(*parts, where=where)  # type: ignore[arg-type]
    m = _MATCHER.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        raise Invalid(f"{text!r} is not a matcher such as category=\"quality\"",
                      {"field": where})  # fmt: skip
    name, op, value = m.groups()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = re.sub(r"\\(.)", r"\1", value[1:-1])
    return matcher(name, op, value, where)


def parse_matchers(value: Any, where: str) -> tuple[Matcher, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise Invalid(f"{where} is a list of matchers", {"field": where})
    return tuple(parse_matcher(v, where) for v in value)


def matches_all(matchers: Iterable[Matcher], labels: Labels) -> bool:
    return all(m.matches(labels) for m in matchers)


@dataclass(frozen=True)
class Route:
    """A node of the routing tree with its settings already inherited; `key` names the node
    (its path of positions and matchers) in group keys."""

    key: str
    receiver: str
    matchers: tuple[Matcher, ...] = ()
    group_by: tuple[str, ...] = ()
    group_by_all: bool = False
    continue_matching: bool = False
    group_wait: timedelta = DEFAULT_GROUP_WAIT
    group_interval: timedelta = DEFAULT_GROUP_INTERVAL
    repeat_interval: timedelta = DEFAULT_REPEAT_INTERVAL
    routes: tuple[Route, ...] = ()


@dataclass(frozen=True)
class InhibitRule:
    """While an alert matching `source` fires, alerts matching `target` with the same values
    of the `equal` labels are muted."""

    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoutingConfig:
    route: Route
    inhibit_rules: tuple[InhibitRule, ...] = ()


def _positive(value: Any, where: str, *, zero: bool = False) -> timedelta:
    d = parse_duration(value, where)
    if d < timedelta() or (d == timedelta() and not zero) or d > timedelta(days=30):
        raise Invalid(f"{where} is {'0' if zero else 'above 0'} to 30 days", {"field": where})
    return d


def _route(data: Any, parent: Route | None, index: int, depth: int, count: list[int],
           receivers: frozenset[str] | None) -> Route:  # fmt: skip
    where = "route" if parent is None else f"route {parent.key}/{index}"
    if not isinstance(data, Mapping):
        raise Invalid(f"{where} is an object", {"field": where})
    unknown = sorted(set(data) - _ROUTE_KEYS)
    if unknown:
        raise Invalid(f"{where}: unknown field {', '.join(unknown)}", {"field": unknown[0]})
    count[0] += 1
    if depth > MAX_DEPTH or count[0] > MAX_ROUTES:
        raise Invalid(f"a routing tree is at most {MAX_DEPTH} deep and {MAX_ROUTES} routes",
                      {"field": "routes"})  # fmt: skip
    matchers = parse_matchers(data.get("matchers"), f"{where} matchers")
    inner = "{" + ",".join(map(str, matchers)) + "}"
    key = inner if parent is None else f"{parent.key}/{index}{inner}"
    if parent is None and matchers:
        raise Invalid("the root route matches every alert: it takes no matchers",
                      {"field": "matchers"})  # fmt: skip
    if parent is None and data.get("continue"):
        raise Invalid("the root route cannot continue", {"field": "continue"})
    receiver = data.get("receiver", parent.receiver if parent else None)
    if not isinstance(receiver, str) or not receiver:
        raise Invalid(f"{where} needs a receiver", {"field": "receiver"})
    if receivers is not None and receiver not in receivers:
        raise Invalid(f"no receiver named {receiver!r}", {"field": "receiver"})
    group_by, group_all = (parent.group_by, parent.group_by_all) if parent else ((), False)
    if "group_by" in data:
        names = data["group_by"]
        if isinstance(names, str) or not isinstance(names, list | tuple):
            raise Invalid(f"{where}: group_by is a list of label names", {"field": "group_by"})
        group_all = ALL_LABELS in names
        if group_all and len(names) != 1:
            raise Invalid("'...' must be the only name in group_by", {"field": "group_by"})
        if not group_all and not all(isinstance(n, str) and LABEL_NAME.fullmatch(n)
                                     for n in names):  # fmt: skip
            raise Invalid(f"{where}: group_by has a bad label name", {"field": "group_by"})
        group_by = () if group_all else tuple(dict.fromkeys(names))
    cont = data.get("continue", False)
    if not isinstance(cont, bool):
        raise Invalid(f"{where}: continue is true or false", {"field": "continue"})
    base = parent or Route("", "")
    node = Route(
        key=key,
        receiver=receiver,
        matchers=matchers,
        group_by=group_by,
        group_by_all=group_all,
        continue_matching=cont,
        group_wait=_positive(data["group_wait"], "group_wait", zero=True)
        if "group_wait" in data else base.group_wait,
        group_interval=_positive(data["group_interval"], "group_interval")
        if "group_interval" in data else base.group_interval,
        repeat_interval=_positive(data["repeat_interval"], "repeat_interval")
        if "repeat_interval" in data else base.repeat_interval,
    )  # fmt: skip
    children = data.get("routes", [])
    if not isinstance(children, list | tuple):
        raise Invalid(f"{where}: routes is a list", {"field": "routes"})
    built = tuple(_route(c, node, i, depth + 1, count, receivers) for i, c in enumerate(children))
    return replace(node, routes=built)


def parse_config(data: Any, *, receivers: Iterable[str] | None = None) -> RoutingConfig:
    """{"route": {...}, "inhibit_rules": [...]} checked whole; `receivers`, when given, are the
    names a route may send to."""
    if not isinstance(data, Mapping) or not isinstance(data.get("route"), Mapping):
        raise Invalid("a routing configuration has a route", {"field": "route"})
    unknown = sorted(set(data) - {"route", "inhibit_rules"})
    if unknown:
        raise Invalid(f"unknown field {', '.join(unknown)}", {"field": unknown[0]})
    names = None if receivers is None else frozenset(receivers)
    root = _route(data["route"], None, 0, 0, [0], names)
    rules = data.get("inhibit_rules", [])
    if not isinstance(rules, list | tuple):
        raise Invalid("inhibit_rules is a list", {"field": "inhibit_rules"})
    return RoutingConfig(root, tuple(_inhibit_rule(r, i) for i, r in enumerate(rules)))


def _inhibit_rule(data: Any, i: int) -> InhibitRule:
    where = f"inhibit_rules[{i}]"
    if not isinstance(data, Mapping):
        raise Invalid(f"{where} is an object", {"field": where})
    unknown = sorted(set(data) - {"source_matchers", "target_matchers", "equal"})
    if unknown:
        raise Invalid(f"{where}: unknown field {', '.join(unknown)}", {"field": where})
    source = parse_matchers(data.get("source_matchers"), f"{where}.source_matchers")
    target = parse_matchers(data.get("target_matchers"), f"{where}.target_matchers")
    if not source or not target:
        raise Invalid(f"{where} needs source and target matchers", {"field": where})
    equal = data.get("equal", [])
    if (
        isinstance(equal, str)
        or not isinstance(equal, list | tuple)
        or not all(isinstance(n, str) and LABEL_NAME.fullmatch(n) for n in equal)
    ):
        raise Invalid(f"{where}: equal is a list of label names", {"field": where})
    return InhibitRule(source, target, tuple(equal))


def routes_for(route: Route, labels: Labels) -> list[Route]:
    """The routes an alert goes to: depth first, the first matching child of each node (and
    the following ones while the matched child says continue); a node none of whose children
    match takes the alert itself. Empty only when `route` itself does not match."""
    if not matches_all(route.matchers, labels):
        return []
    found: list[Route] = []
    for child in route.routes:
        matched = routes_for(child, labels)
        found.extend(matched)
        if matched and not child.continue_matching:
            break
    return found or [route]


def group_labels(route: Route, labels: Labels) -> dict[str, str]:
    """The labels that name the alert's group on this route: those of group_by the alert has
    (all of them for '...'; none for an empty group_by: one group per route)."""
    if route.group_by_all:
        return dict(labels)
    return {n: labels[n] for n in route.group_by if labels.get(n, "") != ""}


def group_key(route: Route, labels: Labels) -> str:
    """The id of the alert's group: the route's key and its group labels, sorted."""
    grouped = group_labels(route, labels)
    inner = ",".join(f'{n}="{grouped[n]}"' for n in sorted(grouped))
    return f"{route.key}:{{{inner}}}"


def is_inhibited(labels: Labels, firing: Iterable[Labels], rules: Sequence[InhibitRule]) -> bool:
    """Whether an alert is muted by another firing alert: a rule whose target it matches and
    a firing source with the same `equal` values (a missing label equals an empty one). An
    alert matching both sides of a rule is not muted by alerts that also match both."""
    firing = list(firing)
    for rule in rules:
        if not matches_all(rule.target, labels):
            continue
        both = matches_all(rule.source, labels)
        for source in firing:
            if not matches_all(rule.source, source):
                continue
            if any(source.get(n, "") != labels.get(n, "") for n in rule.equal):
                continue
            if both and matches_all(rule.target, source):
                continue
            return True
    return False


@dataclass(frozen=True)
class Silence:
    """Alerts matching every matcher are muted from `starts_at` until `ends_at`."""

    id: int
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def mutes(self, labels: Labels, now: datetime) -> bool:
        return self.active(now) and matches_all(self.matchers, labels)


def parse_silence(data: Any, *, silence_id: int = 0) -> Silence:
    """A silence from its JSON ({"matchers", "starts_at", "ends_at", "created_by",
    "comment"}); a silence that would match every alert is refused, as Alertmanager does."""
    if not isinstance(data, Mapping):
        raise Invalid("a silence is an object", {"field": "silence"})
    matchers = parse_matchers(data.get("matchers"), "matchers")
    if not matchers or all(m.matches({}) for m in matchers):
        raise Invalid("a silence needs a matcher that an empty label would not match",
                      {"field": "matchers"})  # fmt: skip
    instants = []
    for name in ("starts_at", "ends_at"):
        value = data.get(name)
        try:
            at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        except ValueError:
            raise Invalid(f"{name} is an ISO 8601 instant", {"field": name}) from None
        if at.tzinfo is None:
            raise Invalid(f"{name} needs a time zone offset", {"field": name})
        instants.append(at)
    if instants[1] <= instants[0]:
        raise Invalid("ends_at must come after starts_at", {"field": "ends_at"})
    texts = []
    for name in ("created_by", "comment"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise Invalid(f"a silence needs {name.replace('_', ' ')}", {"field": name})
        texts.append(value.strip())
    return Silence(silence_id, matchers, instants[0], instants[1], texts[0], texts[1])


def is_silenced(labels: Labels, silences: Iterable[Silence], now: datetime) -> bool:
    return any(s.mutes(labels, now) for s in silences)
