"""What the planning page draws, pure: for each group its forecast (recent actuals, expected
arrivals and the prediction band), the agents each interval needs, and the published roster's
agents per hour against the requirement with the hours short marked. Every chart is a JSON
document that static/planning.js draws; axis labels are the viewer's wall clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_skeleton

from careloop.web.i18n import N_, Formatter
from careloop.workforce.demand import GroupDemand
from careloop.workforce.planning import Plan, Rostered, required_per_hour

FALLBACKS = {
    "short_history": N_(
        "Too little history for the model (under two weeks of tickets): the forecast falls "
        "back to a flat rate, the history's average per interval."
    ),
    "no_history": N_(
        "No tickets in the history yet: the forecast falls back to a flat default of zero."
    ),
}
# Series names planning.js puts on the charts.
WORDS = {
    "actual": N_("Actual"),
    "expected": N_("Forecast"),
    "band": N_("Prediction band"),
    "scheduled": N_("To schedule"),
    "working": N_("Working"),
    "required": N_("Required"),
    "rostered": N_("Rostered"),
    "short": N_("Short"),
}


@dataclass(frozen=True)
class Panel:
    """One group's section of the page."""

    key: str
    title: str
    notice: str | None  # the fallback, stated
    wape: str | None  # the backtest error, formatted
    folds: int
    method: str
    peak: int  # the most agents any interval needs scheduled
    agent_hours: float
    forecast: dict[str, Any]
    staffing: dict[str, Any]
    coverage: dict[str, Any] | None
    short_hours: int


class Labels:
    """Interval starts as the viewer's wall clock ("Tue, Nov 3 09:00"); each day's words are
    formatted once."""

    def __init__(self, fmt: Formatter) -> None:
        self.fmt = fmt
        self._days: dict[date, str] = {}

    def __call__(self, instant: datetime) -> str:
        local = instant.astimezone(self.fmt.zone)
        day = local.date()
        if day not in self._days:
            self._days[day] = format_skeleton("MMMEd", local, locale=self.fmt.locale)
        return f"{self._days[day]} {local:%H:%M}"


def group_title(fmt: Formatter, group: dict[str, str | None]) -> str:
    if not group:
        return fmt.gettext(N_("All tickets"))
    dim, value = next(iter(group.items()))
    if value is None:
        return fmt.gettext(N_("No language")) if dim == "language" else fmt.gettext(N_("None"))
    if dim == "language":
        return f"{fmt.language(value)} ({value})"
    return fmt.label(dim, value)


def _key(group: dict[str, str | None]) -> str:
    return "-".join((v or "none") for v in group.values()) or "all"


def _forecast(g: GroupDemand, label: Labels) -> dict[str, Any]:
    past = [(label(start), count) for start, count in g.actuals]
    ahead = g.forecast.intervals
    gap: list[None] = [None] * len(ahead)
    before: list[None] = [None] * len(past)
    return {
        "kind": "forecast",
        "labels": [text for text, _ in past] + [label(i.start) for i in ahead],
        "actual": [count for _, count in past] + gap,
        "expected": before + [round(i.expected, 3) for i in ahead],
        "lower": before + [i.lower for i in ahead],
        "upper": before + [i.upper for i in ahead],
        "split": len(past),
    }


def _staffing(g: GroupDemand, label: Labels) -> dict[str, Any]:
    return {
        "kind": "staffing",
        "labels": [label(i.start) for i in g.forecast.intervals],
        "scheduled": list(g.scheduled or ()),
        "agents": list(g.agents or ()),
    }


def _coverage(
    required: Sequence[int], rostered: Sequence[int], r: Rostered, label: Labels
) -> dict[str, Any]:
    return {
        "kind": "coverage",
        "labels": [label(h) for h in r.hours],
        "required": list(required),
        "rostered": list(rostered),
        "short": [have < need for need, have in zip(required, rostered, strict=True)],
    }


def panels(plan: Plan, fmt: Formatter, dims: tuple[str, ...]) -> tuple[list[Panel], Panel | None]:
    """A panel per group; with a roster published and groups that are not languages, one more
    panel comparing all groups' requirement with every agent rostered."""
    label = Labels(fmt)
    demand, rostered = plan.demand, plan.rostered
    minutes = demand.interval_minutes
    with_roster = rostered.shifts > 0
    out = []
    total_required = [0] * len(rostered.hours)
    for g in demand.groups:
        f = g.forecast
        scheduled = g.scheduled or ()
        required = required_per_hour([i.start for i in f.intervals], scheduled, rostered.hours)
        total_required = [a + b for a, b in zip(total_required, required, strict=True)]
        coverage = None
        language = g.group.get("language") if dims == ("language",) else None
        if with_roster and language:
            coverage = _coverage(required, rostered.of_language(language), rostered, label)
        out.append(
            Panel(
                key=_key(g.group),
                title=group_title(fmt, g.group),
                notice=fmt.gettext(FALLBACKS[f.fallback]) if f.fallback in FALLBACKS else None,
                wape=None if f.backtest_wape is None else f"{f.backtest_wape * 100:.1f}%",
                folds=f.backtest_folds,
                method=f.method,
                peak=max(scheduled, default=0),
                agent_hours=round(sum(scheduled) * minutes / 60, 1),
                forecast=_forecast(g, label),
                staffing=_staffing(g, label),
                coverage=coverage,
                short_hours=sum(coverage["short"]) if coverage else 0,
            )
        )
    combined = None
    if with_roster and dims != ("language",) and out:
        coverage = _coverage(total_required, rostered.total, rostered, label)
        combined = Panel(
            key="all-groups",
            title=fmt.gettext(N_("All groups together")),
            notice=None,
            wape=None,
            folds=0,
            method="",
            peak=max(total_required, default=0),
            agent_hours=0.0,
            forecast={},
            staffing={},
            coverage=coverage,
            short_hours=sum(coverage["short"]),
        )
    return out, combined
