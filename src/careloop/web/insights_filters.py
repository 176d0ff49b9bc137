"""The dashboards' global filters, read from and written to the URL so a view can be shared:
a period (a preset of the last 7, 30 or 90 days, or from/to dates, in the viewer's time zone),
a brand, a country and a channel. Each turns into the metric API's parameters (the period,
and the one before it of equal length for the cards' change) and into grid filters for the
drill-downs. Anything not understood is a 422: a shared link never shows silently other numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.datastructures import QueryParams

from careloop import validation
from careloop.errors import Invalid
from careloop.tickets.model import Channel

PRESETS = {"7d": 7, "30d": 30, "90d": 90}
DEFAULT_PRESET = "30d"
MAX_DAYS = 366
PAGE_PARAMS = frozenset({"lang"})  # the language switcher's, not a filter
FILTER_PARAMS = frozenset({"period", "from", "to", "brand", "country", "channel"})
HOUR = timedelta(hours=1)


def _floor_hour(at: datetime) -> datetime:
    """Rollups are hourly: a zone whose midnight is not on a whole UTC hour (India) starts its
    days at the hour before."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _ceil_hour(at: datetime) -> datetime:
    floor = _floor_hour(at)
    return floor if floor == at else floor + HOUR


@dataclass(frozen=True)
class Span:
    """[start, end) in UTC, on whole hours."""

    start: datetime
    end: datetime

    @property
    def previous(self) -> Span:
        """The span of equal length just before this one (the cards' comparison)."""
        return Span(self.start - (self.end - self.start), self.start)


@dataclass(frozen=True)
class Period:
    """Local days first..last (inclusive) in `zone`; `preset` when chosen as "last N days"."""

    first: date
    last: date
    zone: ZoneInfo
    preset: str | None = None

    def day_start(self, day: date) -> datetime:
        return _floor_hour(datetime.combine(day, datetime.min.time(), tzinfo=self.zone))

    def span(self, now: datetime) -> Span:
        """The period's instants, ending now (to the next whole hour) when it runs until today,
        so that the previous period compared with it has the same length."""
        start = self.day_start(self.first)
        end = self.day_start(self.last + timedelta(days=1))
        live = min(end, _ceil_hour(now))
        return Span(start, live if live > start else end)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def params(self) -> list[tuple[str, str]]:
        if self.preset:
            return [("period", self.preset)]
        return [("from", self.first.isoformat()), ("to", self.last.isoformat())]


def _date(name: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        message = f"{name} is a date like 2026-11-25, not {raw[:40]!r}"
        raise Invalid(message, {"field": name}) from None


def parse_period(preset: str, first: str, last: str, *, zone: ZoneInfo, today: date) -> Period:
    """from/to dates when either is given (the other defaults to the preset's edge), else the
    preset (last 30 days by default)."""
    preset = preset.strip()
    if preset and preset not in PRESETS:
        raise Invalid(f"period is one of {', '.join(PRESETS)}", {"field": "period"})
    days = PRESETS[preset or DEFAULT_PRESET]
    first, last = first.strip(), last.strip()
    if not first and not last:
        return Period(today - timedelta(days=days - 1), today, zone, preset or DEFAULT_PRESET)
    end = _date("to", last) if last else today
    start = _date("from", first) if first else end - timedelta(days=days - 1)
    if start > end:
        raise Invalid("from must not come after to", {"field": "from"})
    if (end - start).days + 1 > MAX_DAYS:
        raise Invalid(f"a period is at most {MAX_DAYS} days", {"field": "from"})
    if start.year < 2000 or end.year > 2999:
        raise Invalid("the period must lie between the years 2000 and 2999", {"field": "from"})
    return Period(start, end, zone)


@dataclass(frozen=True)
class DashFilters:
    """What every panel of a dashboard is filtered by. `brand` is a brand's code."""

    period: Period
    brand: str | None = None
    country: str | None = None
    channel: str | None = None

    def params(self) -> list[tuple[str, str]]:
        """The canonical query string (sub-navigation, refresh, shared links)."""
        out = self.period.params()
        out += [(k, v) for k, v in self.dims().items()]
        return out

    @property
    def query(self) -> str:
        return urlencode(self.params())

    def dims(self) -> dict[str, str]:
        """The filters that are dimensions of the metrics."""
        out = {"brand": self.brand, "country": self.country, "channel": self.channel}
        return {k: v for k, v in out.items() if v}


def parse_filters(
    params: Iterable[tuple[str, str]],
    *,
    zone: ZoneInfo,
    now: datetime,
    brands: Iterable[str],
) -> DashFilters:
    """The filters of a request's query string; empty values mean no filter."""
    seen: dict[str, str] = {}
    for key, value in params:
        if key in PAGE_PARAMS:
            continue
        if key not in FILTER_PARAMS:
            raise Invalid(f"unknown parameter {key[:40]!r}", {"field": key[:40]})
        if key in seen and seen[key] != value:
            raise Invalid(f"{key} is given twice", {"field": key})
        if len(value) > 100 or "\x00" in value:
            raise Invalid(f"{key} is too long", {"field": key})
        seen[key] = value
    today = now.astimezone(zone).date()
    period = parse_period(
        seen.get("period", ""), seen.get("from", ""), seen.get("to", ""), zone=zone, today=today
    )
    brand = seen.get("brand", "").strip() or None
    if brand is not None and brand not in set(brands):
        raise Invalid(f"no brand with the code {brand!r}", {"field": "brand"})
    country = seen.get("country", "").strip() or None
    if country is not None:
        country = validation.country(country)
    channel = seen.get("channel", "").strip() or None
    if channel is not None and channel not in Channel._value2member_map_:
        raise Invalid(f"no channel {channel!r}", {"field": "channel"})
    return DashFilters(period, brand, country, channel)


def metric_params(
    filters: DashFilters,
    span: Span,
    dims: Sequence[str],
    *,
    group_by: Sequence[str] = (),
    extra: Mapping[str, Sequence[str]] | None = None,
    interval: str | None = None,
    limit: int | None = None,
) -> QueryParams:
    """The metric API's parameters for one panel: the period, the global filters the metric
    has a dimension for (orders have no channel), the panel's own filters."""
    pairs: list[tuple[str, Any]] = [
        ("from", span.start.isoformat()),
        ("to", span.end.isoformat()),
        ("tz", filters.period.zone.key),
    ]
    wanted = {k: [v] for k, v in filters.dims().items() if k in dims}
    for key, values in (extra or {}).items():
        wanted[key] = list(values)
    pairs += [(f"filter[{k}]", ",".join(v)) for k, v in wanted.items()]
    if group_by:
        pairs.append(("group_by", ",".join(group_by)))
    if interval:
        pairs.append(("interval", interval))
    if limit:
        pairs.append(("limit", str(limit)))
    return QueryParams(pairs)
