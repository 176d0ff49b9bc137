"""Ticket arrivals per interval for the next 1 to 8 weeks, pure: from one group's history of
counts (a language, a category, a channel) to expected counts with a prediction band, the
backtest error (rolling-origin WAPE) and an intraday re-forecast from today's actuals.

The count model lives in `forecast_model.py`. A history shorter than `min_history_weeks` cannot
separate the week's seasonality from noise, so the forecast falls back to a flat rate (the
history's mean per interval, or `default_daily_volume` when there is no history) and says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from scipy import stats

from careloop import validation
from careloop.errors import Invalid
from careloop.workforce import forecast_model as fm

INTERVAL_MINUTES = (15, 30, 60)
MAX_WEEKS = 8
WEEK = timedelta(days=7)
# History needed for a trend: with fewer weeks it cannot be told from the weekly cycle's noise.
TREND_WEEKS = 4


@dataclass(frozen=True)
class Promotion:
    """A day (local to the forecast's zone) when a sale multiplies arrivals by `lift`."""

    day: date
    lift: float
    name: str = ""


@dataclass(frozen=True)
class ForecastSettings:
    """What to forecast and how: horizon, interval length, the zone whose wall clock the daily
    and weekly cycles follow, holidays and promotions, the band's level, the backtest."""

    weeks: int = 2
    interval_minutes: int = 60
    tz: str = "UTC"
    holidays: frozenset[date] = frozenset()
    promotions: tuple[Promotion, ...] = ()
    level: float = 0.9
    backtest_weeks: int = 3
    min_history_weeks: int = 2
    default_daily_volume: float = 0.0

    def check(self) -> ZoneInfo:
        if not 1 <= self.weeks <= MAX_WEEKS:
            raise Invalid(f"weeks must be 1 to {MAX_WEEKS}", {"field": "weeks"})
        if self.interval_minutes not in INTERVAL_MINUTES:
            raise Invalid("interval must be 15, 30 or 60 minutes", {"field": "interval"})
        if not 0 < self.level < 1:
            raise Invalid("level must lie strictly between 0 and 1", {"field": "level"})
        if not 0 <= self.backtest_weeks <= 8:
            raise Invalid("backtest_weeks must be 0 to 8", {"field": "backtest_weeks"})
        if self.min_history_weeks < 1:
            raise Invalid("min_history_weeks must be at least 1", {"field": "min_history_weeks"})
        if not (math.isfinite(self.default_daily_volume) and self.default_daily_volume >= 0):
            raise Invalid("default_daily_volume must be zero or more", {"field": "daily_volume"})
        for promo in self.promotions:
            if not (math.isfinite(promo.lift) and promo.lift > 0):
                raise Invalid("a promotion's lift must be a positive number", {"field": "promo"})
        if not validation.is_timezone(self.tz):  # ZoneInfo("America") is a directory error
            raise Invalid(f"unknown time zone {self.tz!r}", {"field": "tz"})
        return ZoneInfo(self.tz)

    @property
    def step(self) -> timedelta:
        return timedelta(minutes=self.interval_minutes)


@dataclass(frozen=True)
class IntervalForecast:
    """One interval: its start (UTC), the expected count and the prediction band."""

    start: datetime
    expected: float
    lower: int
    upper: int


@dataclass(frozen=True)
class Forecast:
    """A group's forecast: the intervals from the origin, how it was made (`method`,
    `fallback` when the history was too short), and how well the method did on the recent past
    (`backtest_wape` over `backtest_folds` one-week folds; None when nothing could be tested)."""

    origin: datetime
    interval_minutes: int
    intervals: tuple[IntervalForecast, ...]
    method: str  # poisson_glm, negative_binomial_glm or flat_rate
    fallback: str | None = None  # short_history or no_history
    backtest_wape: float | None = None
    backtest_folds: int = 0
    dispersion: float = 0.0  # the negative binomial alpha; 0 for Poisson
    trend_per_week: float = 1.0
    holiday_factor: float | None = None
    notes: tuple[str, ...] = field(default=())


def _starts(first: datetime, count: int, step: timedelta) -> list[datetime]:
    return [first + i * step for i in range(count)]


def _calendar(settings: ForecastSettings, tz: ZoneInfo) -> fm.Calendar:
    lifts: dict[date, float] = {}
    for promo in settings.promotions:
        lifts[promo.day] = lifts.get(promo.day, 1.0) * promo.lift
    return fm.Calendar(tz, settings.interval_minutes, settings.holidays, lifts)


def _terms(settings: ForecastSettings, starts: Sequence[datetime], cal: fm.Calendar) -> fm.Terms:
    weeks = len(starts) * settings.step / WEEK
    days = set(fm.local_days(starts, cal))
    return fm.Terms(
        slots_per_day=24 * 60 // settings.interval_minutes,
        trend=weeks >= TREND_WEEKS,
        holiday=bool(days & cal.holidays),
    )


def _model_forecast(
    counts: Sequence[int],
    first: datetime,
    settings: ForecastSettings,
    cal: fm.Calendar,
    horizon: int,
) -> tuple[fm.Fit, list[datetime], np.ndarray, np.ndarray]:
    starts = _starts(first, len(counts), settings.step)
    origin = first + len(counts) * settings.step
    fitted = fm.fit(counts, starts, origin, cal, _terms(settings, starts, cal))
    future = _starts(origin, horizon, settings.step)
    x, offset = fm.design(future, origin, cal, fitted.terms)
    expected, se = fitted.predict(x, offset)
    return fitted, future, expected, se


def _backtest(
    counts: Sequence[int], first: datetime, settings: ForecastSettings, cal: fm.Calendar
) -> tuple[float | None, int]:
    """Rolling origin: for each of the last `backtest_weeks` weeks, fit on everything before it
    and forecast it. WAPE = sum |actual - forecast| / sum actual over all folds."""
    per_week = int(WEEK / settings.step)
    need = settings.min_history_weeks * per_week
    errors = total = 0.0
    folds = 0
    for k in range(settings.backtest_weeks, 0, -1):
        cut = len(counts) - k * per_week
        if cut < need:
            continue
        test = np.asarray(counts[cut : cut + per_week], dtype=float)
        _, _, expected, _ = _model_forecast(counts[:cut], first, settings, cal, len(test))
        errors += float(np.abs(test - expected).sum())
        total += float(test.sum())
        folds += 1
    if folds == 0 or total == 0:
        return None, folds
    return errors / total, folds


def forecast_arrivals(
    counts: Sequence[int], first: datetime, settings: ForecastSettings
) -> Forecast:
    """Forecast the `settings.weeks` weeks after a history of consecutive interval counts that
    starts at `first` (aligned to the interval); the forecast starts where the history ends."""
    tz = settings.check()
    if first.tzinfo is None:
        raise Invalid("the history's start needs a time zone", {"field": "first"})
    if any(c < 0 for c in counts):
        raise Invalid("counts must be zero or more", {"field": "counts"})
    cal = _calendar(settings, tz)
    per_week = int(WEEK / settings.step)
    horizon = settings.weeks * per_week
    origin = first.astimezone(UTC) + len(counts) * settings.step
    if len(counts) < settings.min_history_weeks * per_week:
        return _flat(counts, origin, settings, cal, horizon)
    fitted, future, expected, se = _model_forecast(counts, first, settings, cal, horizon)
    lower, upper = fm.band(expected, se, fitted.alpha, settings.level)
    wape, folds = _backtest(counts, first, settings, cal)
    return Forecast(
        origin=origin,
        interval_minutes=settings.interval_minutes,
        intervals=tuple(
            IntervalForecast(s, float(e), int(lo), int(hi))
            for s, e, lo, hi in zip(future, expected, lower, upper, strict=True)
        ),
        method="negative_binomial_glm" if fitted.alpha > 0 else "poisson_glm",
        backtest_wape=wape,
        backtest_folds=folds,
        dispersion=fitted.alpha,
        trend_per_week=fitted.trend_factor(),
        holiday_factor=fitted.holiday_factor(),
        notes=() if fitted.terms.trend else ("no trend: under 4 weeks of history",),
    )


def _flat(
    counts: Sequence[int],
    origin: datetime,
    settings: ForecastSettings,
    cal: fm.Calendar,
    horizon: int,
) -> Forecast:
    """The stated default for a short history: the mean count per interval of what there is
    (at least a day of it), else `default_daily_volume` spread evenly; promotions still lift."""
    per_day = 24 * 60 // settings.interval_minutes
    if len(counts) >= per_day:
        rate, fallback = sum(counts) / len(counts), "short_history"
    else:
        rate, fallback = settings.default_daily_volume / per_day, "no_history"
    future = _starts(origin, horizon, settings.step)
    lifts = [cal.lifts.get(d, 1.0) for d in fm.local_days(future, cal)]
    expected = np.asarray([rate * lift for lift in lifts])
    tail = (1 - settings.level) / 2
    lower = stats.poisson.ppf(tail, np.maximum(expected, 1e-12))
    upper = stats.poisson.ppf(1 - tail, np.maximum(expected, 1e-12))
    return Forecast(
        origin=origin,
        interval_minutes=settings.interval_minutes,
        intervals=tuple(
            IntervalForecast(s, float(e), int(lo), int(hi))
            for s, e, lo, hi in zip(future, expected, lower, upper, strict=True)
        ),
        method="flat_rate",
        fallback=fallback,
        notes=(
            f"under {settings.min_history_weeks} weeks of history: a flat rate of "
            f"{rate:.2f} per interval",
        ),
    )


@dataclass(frozen=True)
class Reforecast:
    """The rest of today scaled by what today has shown so far: `factor` multiplies the
    forecast of the remaining intervals."""

    factor: float
    actual_so_far: int
    forecast_so_far: float
    remaining: tuple[IntervalForecast, ...]


def reforecast_today(
    today: Sequence[IntervalForecast], actuals: Sequence[int], *, prior_share: float = 0.25
) -> Reforecast:
    """Scale today's remaining intervals by (A + k) / (F + k): A the actual count so far, F the
    forecast so far, k = `prior_share` of the day's forecast. That is the posterior mean of a
    gamma-Poisson day factor whose prior (mean 1) weighs k tickets: early in the day the factor
    stays near 1, and it follows the actuals as they outweigh k."""
    if not prior_share > 0:
        raise Invalid("prior_share must be positive", {"field": "prior_share"})
    if len(actuals) > len(today) or any(a < 0 for a in actuals):
        raise Invalid("actuals must be counts for today's first intervals", {"field": "actuals"})
    seen = sum(actuals)
    expected_so_far = sum(i.expected for i in today[: len(actuals)])
    k = max(prior_share * sum(i.expected for i in today), 1e-9)
    factor = (seen + k) / (expected_so_far + k)
    remaining = tuple(
        replace(
            i,
            expected=i.expected * factor,
            lower=math.floor(i.lower * factor),
            upper=math.ceil(i.upper * factor),
        )
        for i in today[len(actuals) :]
    )
    return Reforecast(factor, seen, expected_so_far, remaining)
