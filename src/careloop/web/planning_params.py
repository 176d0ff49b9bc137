"""The planning page's controls as they stand in its URL, pure: weeks ahead, interval, grouping
and the staffing model with its targets. Shares are given in percent, as the form shows them;
anything not understood is a 422, and the canonical query leaves out defaults and the other
models' fields so a shared link stays short."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

from careloop.errors import Invalid
from careloop.workforce.forecast import ForecastSettings
from careloop.workforce.staffing import LiveTarget
from careloop.workforce.staffing_backlog import BacklogTarget

MODELS = ("erlang_c", "erlang_a", "backlog")
GROUPINGS = ("language", "category", "channel", "none")
INTERVALS = (60, 30, 15)
LIVE = ("service_level", "answer_seconds", "handle_seconds", "max_occupancy", "shrinkage")
# The fields each model reads (the others are accepted from the form and left out of the URL).
MODEL_FIELDS = {
    "erlang_c": LIVE,
    "erlang_a": (*LIVE, "patience_seconds"),
    "backlog": ("first_response_minutes", "tickets_per_hour", "concurrency", "shrinkage"),
}
# Numeric fields: (lowest, highest, whether the lowest itself is allowed).
BOUNDS: dict[str, tuple[float, float, bool]] = {
    "weeks": (1, 8, True),
    "service_level": (0, 99.9, False),
    "answer_seconds": (0, 3600, True),
    "handle_seconds": (0, 7200, False),
    "patience_seconds": (0, 7200, False),
    "max_occupancy": (0, 100, False),
    "shrinkage": (0, 90, True),
    "first_response_minutes": (0, 10_080, False),
    "tickets_per_hour": (0, 1000, False),
    "concurrency": (0, 50, False),
}


@dataclass(frozen=True)
class PlanningParams:
    """What the page plans: the forecast's horizon, interval and grouping, and the target."""

    weeks: int = 2
    interval: int = 60
    group_by: str = "language"
    model: str = "erlang_c"
    service_level: float = 80.0  # percent answered within answer_seconds
    answer_seconds: float = 20.0
    handle_seconds: float = 300.0
    patience_seconds: float = 120.0
    max_occupancy: float = 85.0  # percent
    shrinkage: float = 30.0  # percent
    first_response_minutes: float = 60.0
    tickets_per_hour: float = 6.0
    concurrency: float = 1.0

    @property
    def dims(self) -> tuple[str, ...]:
        return () if self.group_by == "none" else (self.group_by,)

    def settings(self, tz: str) -> ForecastSettings:
        return ForecastSettings(weeks=self.weeks, interval_minutes=self.interval, tz=tz)

    def target(self) -> LiveTarget | BacklogTarget:
        if self.model == "backlog":
            return BacklogTarget(
                first_response_seconds=self.first_response_minutes * 60,
                tickets_per_hour=self.tickets_per_hour,
                concurrency=self.concurrency,
                shrinkage=self.shrinkage / 100,
            )
        return LiveTarget(
            handle_seconds=self.handle_seconds,
            service_level=self.service_level / 100,
            answer_seconds=self.answer_seconds,
            max_occupancy=self.max_occupancy / 100,
            shrinkage=self.shrinkage / 100,
            patience_seconds=self.patience_seconds if self.model == "erlang_a" else None,
        )

    @property
    def query(self) -> str:
        """The canonical query: the fields that differ from the defaults and that the model
        reads, in a fixed order."""
        default = PlanningParams()
        keep = ("weeks", "interval", "group_by", "model", *MODEL_FIELDS[self.model])
        pairs = [
            (f.name, number_text(getattr(self, f.name)))
            for f in fields(self)
            if f.name in keep and getattr(self, f.name) != getattr(default, f.name)
        ]
        return urlencode(pairs)


def number_text(value: object) -> str:
    """80.0 -> '80', 45.5 -> '45.5': numbers as a person types them."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _number(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise Invalid(f"{name} must be a number, not {raw[:20]!r}", {"field": name}) from None
    low, high, inclusive = BOUNDS[name]
    if not math.isfinite(value) or value > high or value < low or (value == low and not inclusive):
        lowest = f"{'from' if inclusive else 'above'} {number_text(float(low))}"
        raise Invalid(f"{name} must be {lowest} to {number_text(float(high))}", {"field": name})
    return value


def _choice(name: str, raw: str, allowed: Iterable[object]) -> str:
    options = [str(a) for a in allowed]
    if raw not in options:
        raise Invalid(f"{name} takes {', '.join(options)}, not {raw[:20]!r}", {"field": name})
    return raw


def parse_params(items: Iterable[tuple[str, str]]) -> PlanningParams:
    """The controls from the query string. An empty value means the default (a form sends
    every field); a field named twice or unknown is a 422, as is a value out of range."""
    known = {f.name for f in fields(PlanningParams)}
    seen: set[str] = set()
    changes: dict[str, object] = {}
    for name, raw in items:
        if name == "lang":
            continue
        if name not in known:
            raise Invalid(f"the planning page has no control {name[:40]!r}", {"field": name[:40]})
        if name in seen:
            raise Invalid(f"{name} is given twice", {"field": name})
        seen.add(name)
        value = raw.strip()
        if not value:
            continue
        if name == "interval":
            changes[name] = int(_choice(name, value, INTERVALS))
        elif name == "group_by":
            changes[name] = _choice(name, value, GROUPINGS)
        elif name == "model":
            changes[name] = _choice(name, value, MODELS)
        elif name == "weeks":
            number = _number(name, value)
            if not number.is_integer():
                raise Invalid("weeks must be a whole number", {"field": name})
            changes[name] = int(number)
        else:
            changes[name] = _number(name, value)
    return replace(PlanningParams(), **changes)  # type: ignore[arg-type]
