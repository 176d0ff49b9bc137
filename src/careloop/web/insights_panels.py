"""Running a dashboard: each card is its metric over the period and over the period before
(one query each; the state-now metrics only once), each chart one grouped query; then the rows
become what the template and ECharts need: labels in the viewer's language, formatted values,
and the drill-down address of every bar, slice, point and country.

Everything goes through the metric API's own parsing (`api.insights.parse_request`) and
`run_query`, so a dashboard shows exactly what GET /api/v1/insights/{metric} answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from careloop.api.insights import parse_request
from careloop.insights.model import METRICS, Kind, Unit
from careloop.insights.queries import run_query
from careloop.storage.engine import Database
from careloop.web.i18n import Formatter
from careloop.web.insights_drill import Names
from careloop.web.insights_filters import DashFilters, Span, metric_params
from careloop.web.insights_format import Change, change, day_label, value_text
from careloop.web.insights_pages import DIM_TITLES, METRIC_TITLES, Card, Chart, Dashboard

MAX_SERIES = 8  # a stack or a trend shows its largest series; the table lists every row
LABEL_KINDS = {"channel": "channel", "category": "category", "priority": "priority",
               "status": "shipment"}  # fmt: skip


@dataclass(frozen=True)
class CardView:
    key: str
    title: str
    unit: str
    value: float | None
    text: str
    previous_text: str | None
    change: Change | None
    url: str | None


@dataclass(frozen=True)
class TableRow:
    labels: tuple[str, ...]
    value: float | None
    text: str
    url: str | None


@dataclass(frozen=True)
class ChartView:
    key: str
    title: str
    kind: str
    unit: str
    wide: bool
    note: str | None
    columns: tuple[str, ...]
    value_title: str
    rows: tuple[TableRow, ...]
    total_text: str
    entity: str
    data: dict[str, Any]  # what insights.js gives ECharts

    @property
    def has_data(self) -> bool:
        """Some row has a value (a rate over nothing or a day without durations has none)."""
        return any(r.value is not None for r in self.rows)


class Runner:
    """One dashboard request: the filters, the viewer's formatting, names and the clock."""

    def __init__(
        self, db: Database, filters: DashFilters, fmt: Formatter, names: Names, now: datetime
    ) -> None:
        self.db, self.filters, self.fmt, self.names, self.now = db, filters, fmt, names, now
        self.span = filters.period.span(now)

    def query(
        self,
        metric: str,
        span: Span,
        *,
        group_by: Sequence[str] = (),
        extra: Mapping[str, Sequence[str]] | None = None,
        interval: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        params = metric_params(
            self.filters, span, METRICS[metric].dims, group_by=group_by, extra=extra,
            interval=interval, limit=limit,
        )  # fmt: skip
        return run_query(self.db, parse_request(metric, params, self.now), now=self.now)

    def title(self, metric: str, msgid: str | None = None) -> str:
        return self.fmt.gettext(msgid or METRIC_TITLES[metric])

    # --- labels -----------------------------------------------------------------------------

    def label(self, dim: str, value: str | None) -> str:
        """A dimension's value in words: names for codes and ids, countries and languages in
        the viewer's language."""
        if value is None or value == "":
            return self.fmt.gettext("(not set)")
        if dim == "brand":
            return self.names.brands.get(value, value)
        if dim == "team":
            return self.names.teams.get(value, value)
        if dim == "agent":
            return self.names.agents.get(value, value)
        if dim == "country":
            return self.fmt.country(value)
        if dim == "language":
            return self.fmt.language(value)
        if dim in LABEL_KINDS:
            return self.fmt.label(LABEL_KINDS[dim], value)
        return value

    def url(self, panel: Card | Chart, span: Span, values: Mapping[str, str | None]) -> str | None:
        return panel.drill.url(
            self.filters, span, self.names, values, panel.extra, METRICS[panel.metric].dims
        )

    # --- cards ------------------------------------------------------------------------------

    def card(self, card: Card) -> CardView:
        metric = METRICS[card.metric]
        unit = metric.unit.value
        current = self.query(card.metric, self.span, extra=card.extra)["total"]
        view = {
            "key": card.metric,
            "title": self.title(card.metric, card.title),
            "unit": unit,
            "value": current,
            "text": value_text(self.fmt, unit, current),
            "url": self.url(card, self.span, {}),
        }
        if metric.kind == Kind.LIVE:  # the state now has no period before it
            return CardView(**view, previous_text=None, change=None)
        previous = self.query(card.metric, self.span.previous, extra=card.extra)["total"]
        return CardView(
            **view,
            previous_text=value_text(self.fmt, unit, previous),
            change=change(self.fmt, unit, current, previous, card.better),
        )

    # --- charts -----------------------------------------------------------------------------

    def chart(self, chart: Chart) -> ChartView:
        answer = self.query(
            chart.metric, self.span, group_by=chart.group_by, extra=chart.extra,
            interval=chart.interval, limit=chart.limit,
        )  # fmt: skip
        unit = answer["unit"]
        rows = self._days(chart, answer["rows"]) if chart.interval else answer["rows"]
        table: list[TableRow] = []
        for row in rows:
            span = self._day_span(row["period"]) if chart.interval else self.span
            values = {g: row.get(g) for g in chart.group_by}
            labels = tuple(self.label(g, row.get(g)) for g in chart.group_by)
            if chart.interval:
                labels = (day_label(self.fmt, date.fromisoformat(row["period"])), *labels)
            table.append(
                TableRow(labels, row["value"], value_text(self.fmt, unit, row["value"]),
                         self.url(chart, span, values))
            )  # fmt: skip
        columns = (("period",) if chart.interval else ()) + chart.group_by
        return ChartView(
            key=chart.key,
            title=self.fmt.gettext(chart.title),
            kind=chart.kind,
            unit=unit,
            wide=chart.wide,
            note=self.fmt.gettext(chart.note) if chart.note else None,
            columns=tuple(self.fmt.gettext(DIM_TITLES[c]) for c in columns),
            value_title=self.title(chart.metric),
            rows=tuple(table),
            total_text=value_text(self.fmt, unit, answer["total"]),
            entity=chart.drill.entity,
            data=self._data(chart, unit, rows, table),
        )

    def _days(self, chart: Chart, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every day of the period, so a quiet day shows as zero (counts) or a gap."""
        if chart.group_by:
            return rows
        zone = self.filters.period.zone
        first = self.span.start.astimezone(zone).date()
        last = (self.span.end - timedelta(seconds=1)).astimezone(zone).date()
        by_day = {r["period"]: r for r in rows}
        empty = 0.0 if METRICS[chart.metric].unit == Unit.COUNT else None
        out = []
        day = first
        while day <= last:
            out.append(by_day.get(day.isoformat(), {"period": day.isoformat(), "value": empty}))
            day += timedelta(days=1)
        return out

    def _day_span(self, period: str) -> Span:
        day = date.fromisoformat(period)
        p = self.filters.period
        start = max(p.day_start(day), self.span.start)
        end = min(p.day_start(day + timedelta(days=1)), self.span.end)
        return Span(start, end)

    def _data(
        self, chart: Chart, unit: str, rows: list[dict[str, Any]], table: list[TableRow]
    ) -> dict[str, Any]:
        base: dict[str, Any] = {"kind": chart.kind, "unit": unit, "name": self.title(chart.metric)}
        points = [
            {"value": r["value"], "text": t.text, "url": t.url, "label": " · ".join(t.labels)}
            for r, t in zip(rows, table, strict=True)
        ]
        if chart.kind == "map":
            for point, row in zip(points, rows, strict=True):
                point["name"] = row.get("country") or ""
            values = [p["value"] for p in points if p["value"] is not None]
            return {**base, "points": points, "max": max(values, default=0)}
        if chart.kind == "stack":
            return {**base, **_stack(points, rows, chart.group_by, table)}
        return {**base, "points": points}


def _stack(
    points: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    dims: tuple[str, ...],
    table: list[TableRow],
) -> dict[str, Any]:
    """Two dims as stacked bars: categories of the first, one series per value of the second
    (the largest few)."""
    first, second = dims
    categories: dict[str | None, str] = {}
    totals: dict[str | None, float] = {}
    for row, t in zip(rows, table, strict=True):
        categories.setdefault(row.get(first), t.labels[0])
        totals[row.get(second)] = totals.get(row.get(second), 0.0) + (row["value"] or 0.0)
    kept = sorted(totals, key=lambda k: (-totals[k], k or ""))[:MAX_SERIES]
    names = {row.get(second): t.labels[1] for row, t in zip(rows, table, strict=True)}
    cells = {(r.get(first), r.get(second)): p for r, p in zip(rows, points, strict=True)}
    series = [{"name": names[s], "points": [cells.get((c, s)) for c in categories]} for s in kept]
    return {"categories": list(categories.values()), "series": series}


def run_dashboard(
    db: Database, board: Dashboard, filters: DashFilters, fmt: Formatter, names: Names,
    now: datetime,
) -> dict[str, Any]:  # fmt: skip
    """Every card and chart of a dashboard, in the order it defines them."""
    runner = Runner(db, filters, fmt, names, now)
    return {
        "span": runner.span,
        "cards": [runner.card(c) for c in board.cards],
        "charts": [runner.chart(c) for c in board.charts],
    }
