"""Numbers as the dashboards show them, in the viewer's language: counts with separators, rates
as percentages, durations in words a person reads at a glance ("23 min", "1.2 h"), and the
change of a card against the period before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_skeleton
from babel.numbers import format_decimal, format_percent

from careloop.insights.model import Unit
from careloop.web.i18n import Formatter

DASH = "\u2013"  # an en dash: no value


def number(fmt: Formatter, value: float, pattern: str = "#,##0") -> str:
    return str(format_decimal(value, format=pattern, locale=fmt.locale))


def duration(fmt: Formatter, seconds: float) -> str:
    """Seconds under a minute, minutes under an hour, then hours and days to one decimal."""
    if seconds < 60:
        return fmt.gettext("%(n)s s", n=number(fmt, seconds))
    if seconds < 3600:
        return fmt.gettext("%(n)s min", n=number(fmt, seconds / 60))
    if seconds < 86400:
        return fmt.gettext("%(n)s h", n=number(fmt, seconds / 3600, "#,##0.#"))
    return fmt.gettext("%(n)s d", n=number(fmt, seconds / 86400, "#,##0.#"))


def value_text(fmt: Formatter, unit: str, value: float | None) -> str:
    """A metric's value in words; no value (nothing to divide by, no durations) is a dash."""
    if value is None:
        return DASH
    if unit == Unit.RATIO:
        return str(format_percent(value, format="#,##0.0%", locale=fmt.locale))
    if unit == Unit.PER_1000:
        return number(fmt, value, "#,##0.0")
    if unit == Unit.SECONDS:
        return duration(fmt, value)
    return number(fmt, value)


@dataclass(frozen=True)
class Change:
    """How a card's value moved against the previous period, and whether that is good."""

    text: str
    direction: str  # up, down, flat, none
    tone: str  # good, bad, neutral


def change(
    fmt: Formatter, unit: str, current: float | None, previous: float | None, better: str
) -> Change:
    """Rates move in percentage points, everything else relatively; `better` is "up" or
    "down" (more complaints is bad, more SLA attainment good)."""
    if current is None or previous is None:
        return Change(fmt.gettext("no comparison"), "none", "neutral")
    if unit == Unit.RATIO:
        delta = (current - previous) * 100
        text = fmt.gettext("%(n)s pts", n=number(fmt, abs(delta), "#,##0.0"))
    else:
        if previous == 0:
            if current == 0:
                return Change(fmt.gettext("no change"), "flat", "neutral")
            return Change(fmt.gettext("new"), "up", "bad" if better == "down" else "good")
        delta = (current - previous) / previous * 100
        text = str(format_percent(abs(delta) / 100, format="#,##0.0%", locale=fmt.locale))
    if round(delta, 1) == 0:
        return Change(fmt.gettext("no change"), "flat", "neutral")
    direction = "up" if delta > 0 else "down"
    sign = "+" if delta > 0 else "\u2212"  # a minus sign, as wide as the plus
    return Change(f"{sign}{text}", direction, "good" if direction == better else "bad")


def day_label(fmt: Formatter, day: date) -> str:
    """A day on a chart's axis: "Nov 3", "11月3日"."""
    return str(format_skeleton("MMMd", day, locale=fmt.locale))
