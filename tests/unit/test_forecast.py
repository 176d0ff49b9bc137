"""The arrivals forecast on seeded synthetic data with a known weekly and daily cycle and trend:
it recovers the profile, its backtest WAPE is near the noise floor, promotions and holidays
move their days, a short history falls back to a stated default, and the intraday re-forecast
follows today's actuals."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
import statsmodels.api as sm

from careloop.errors import Invalid
from careloop.workforce import forecast_model as fm
from careloop.workforce.forecast import (
    ForecastSettings,
    IntervalForecast,
    Promotion,
    forecast_arrivals,
    reforecast_today,
)

FIRST = datetime(2026, 8, 3, tzinfo=UTC)  # a Monday
DAY_LEVEL = [1.2, 1.1, 1.0, 1.0, 0.95, 0.7, 0.6]
GROWTH = 1.02  # per week


def shape(hour: float, weekday: int) -> float:
    """A daytime peak, later on weekends; a floor at night."""
    peak = 14 if weekday < 5 else 17
    return 0.9 * math.exp(-((hour - peak) ** 2) / 18) + 0.1


def true_rate(at: datetime, per_hour: float = 30.0, minutes: int = 60) -> float:
    weeks = (at - FIRST).total_seconds() / (7 * 86400)
    local_hour = at.hour + at.minute / 60
    scale = per_hour * minutes / 60
    return scale * DAY_LEVEL[at.weekday()] * shape(local_hour, at.weekday()) * GROWTH**weeks


def history(weeks: int, *, minutes: int = 60, seed: int = 7, per_hour: float = 30.0):
    rng = np.random.default_rng(seed)
    step = timedelta(minutes=minutes)
    n = weeks * 7 * 24 * 60 // minutes
    rates = [true_rate(FIRST + i * step, per_hour, minutes) for i in range(n)]
    return [int(c) for c in rng.poisson(rates)], rates


def test_the_forecast_recovers_the_weekly_profile_and_trend():
    counts, _ = history(8)
    f = forecast_arrivals(counts, FIRST, ForecastSettings(weeks=2))
    assert f.method == "poisson_glm"  # the data are Poisson: no overdispersion found
    assert f.fallback is None
    assert len(f.intervals) == 2 * 168
    assert f.intervals[0].start == FIRST + timedelta(weeks=8)
    truth = np.array([true_rate(i.start) for i in f.intervals[:168]])
    est = np.array([i.expected for i in f.intervals[:168]])
    # Each weekday slot's shape pools 8 weeks x 5 days, a weekend slot 8 weeks x 1 day: the
    # standard error of an estimated mean is about sqrt(rate / observations). Four of them
    # (plus 2% for the trend extrapolated) bounds every slot; the week's total is far tighter.
    obs = np.array([8 * (5 if i.start.weekday() < 5 else 1) for i in f.intervals[:168]])
    assert np.all(np.abs(est - truth) <= 4 * np.sqrt(truth / obs) + 0.02 * truth)
    assert est.sum() == pytest.approx(truth.sum(), rel=0.03)
    assert f.trend_per_week == pytest.approx(GROWTH, abs=0.01)
    # The peak hour of a weekday and of a Sunday.
    monday, sunday = est[:24], est[144:168]
    assert int(np.argmax(monday)) in (13, 14, 15)  # the true peak is 14, 13 and 15 are close
    assert int(np.argmax(sunday)) in (16, 17, 18)


def test_the_backtest_wape_is_near_the_noise_floor():
    counts, rates = history(8)
    f = forecast_arrivals(counts, FIRST, ForecastSettings(weeks=1, backtest_weeks=3))
    assert f.backtest_folds == 3
    # Even the true rates cannot predict Poisson noise: their WAPE on the same three weeks is
    # the floor (a fitted model may even land a little under it by chance). A good model is
    # within 15% of it.
    last = slice(len(counts) - 3 * 168, len(counts))
    actual, truth = np.array(counts[last]), np.array(rates[last])
    floor = np.abs(actual - truth).sum() / actual.sum()
    assert f.backtest_wape is not None
    assert 0.9 * floor < f.backtest_wape < floor * 1.15
    # A model without the weekly cycle (a flat rate) is much worse.
    flat = np.abs(actual - actual.mean()).sum() / actual.sum()
    assert f.backtest_wape < 0.6 * flat


def test_the_band_covers_about_its_level():
    counts, _ = history(8)
    f = forecast_arrivals(counts, FIRST, ForecastSettings(weeks=1, level=0.9))
    rng = np.random.default_rng(11)
    future = rng.poisson([true_rate(i.start) for i in f.intervals])
    inside = np.mean([i.lower <= c <= i.upper for i, c in zip(f.intervals, future, strict=True)])
    assert 0.85 <= inside <= 0.99


def test_fifteen_minute_intervals():
    counts, _ = history(4, minutes=15)
    f = forecast_arrivals(counts, FIRST, ForecastSettings(weeks=1, interval_minutes=15))
    assert len(f.intervals) == 7 * 96
    day = np.array([i.expected for i in f.intervals[:96]])
    hourly = day.reshape(24, 4).sum(axis=1)
    assert int(np.argmax(hourly)) in (13, 14)  # the peak is at 14:00, between the two hours


def test_a_promotion_lifts_its_day_in_the_forecast_and_is_discounted_in_the_history():
    counts, _ = history(6)
    step = timedelta(hours=1)
    # A past sale day (week 4, Friday) tripled arrivals; the coming Friday will too.
    past_friday = (FIRST + timedelta(weeks=4, days=4)).date()
    start = int((datetime.combine(past_friday, datetime.min.time(), UTC) - FIRST) / step)
    lifted = list(counts)
    for i in range(start, start + 24):
        lifted[i] *= 3
    future_friday = (FIRST + timedelta(weeks=6, days=4)).date()
    promos = (Promotion(past_friday, 3.0, "summer sale"), Promotion(future_friday, 3.0, "sale"))
    plain = forecast_arrivals(counts, FIRST, ForecastSettings(weeks=1))
    promo = forecast_arrivals(lifted, FIRST, ForecastSettings(weeks=1, promotions=promos))

    def day_total(f, day: date) -> float:
        return sum(i.expected for i in f.intervals if i.start.date() == day)

    assert day_total(promo, future_friday) == pytest.approx(
        3 * day_total(plain, future_friday), rel=0.03
    )
    thursday = future_friday - timedelta(days=1)  # the past sale day did not leak elsewhere
    assert day_total(promo, thursday) == pytest.approx(day_total(plain, thursday), rel=0.03)


def test_a_holiday_seen_in_the_history_lowers_the_coming_one():
    counts, _ = history(8)
    step = timedelta(hours=1)
    past = [(FIRST + timedelta(weeks=w, days=2)).date() for w in (2, 5)]  # two Wednesdays
    for day in past:
        start = int((datetime.combine(day, datetime.min.time(), UTC) - FIRST) / step)
        for i in range(start, start + 24):
            counts[i] = counts[i] // 2
    coming = (FIRST + timedelta(weeks=8, days=2)).date()
    holidays = frozenset([*past, coming])
    f = forecast_arrivals(counts, FIRST, ForecastSettings(weeks=1, holidays=holidays))
    assert f.holiday_factor == pytest.approx(0.5, abs=0.06)
    plain = forecast_arrivals(counts, FIRST, ForecastSettings(weeks=1))
    assert plain.holiday_factor is None  # no holiday given: no term

    def total(fc, day: date) -> float:
        return sum(i.expected for i in fc.intervals if i.start.date() == day)

    assert total(f, coming) < 0.6 * total(plain, coming)


def test_too_little_history_falls_back_to_a_flat_rate():
    counts, _ = history(2)
    f = forecast_arrivals(counts[:240], FIRST, ForecastSettings(weeks=1))
    assert (f.method, f.fallback) == ("flat_rate", "short_history")
    assert f.backtest_wape is None
    rate = sum(counts[:240]) / 240
    assert {round(i.expected, 9) for i in f.intervals} == {round(rate, 9)}
    assert f.intervals[0].start == FIRST + timedelta(hours=240)
    assert f.notes and "2 weeks" in f.notes[0]


def test_no_history_uses_the_given_daily_volume():
    f = forecast_arrivals([], FIRST, ForecastSettings(weeks=1, default_daily_volume=240))
    assert (f.method, f.fallback) == ("flat_rate", "no_history")
    assert all(i.expected == pytest.approx(10.0) for i in f.intervals)
    assert all(i.lower <= 10 <= i.upper for i in f.intervals)


def test_overdispersed_counts_get_a_negative_binomial():
    rng = np.random.default_rng(5)
    _, rates = history(8)
    gamma = rng.gamma(shape=4.0, scale=0.25, size=len(rates))  # alpha = 0.25
    counts = [int(c) for c in rng.poisson(np.array(rates) * gamma)]
    f = forecast_arrivals(counts, FIRST, ForecastSettings(weeks=1))
    assert f.method == "negative_binomial_glm"
    # Even at the true means the estimate from 1,344 counts spreads about +-0.03 across seeds,
    # and the fitted means absorb a little of the noise (about 6% fewer degrees of freedom).
    assert f.dispersion == pytest.approx(0.25, abs=0.07)
    poisson = forecast_arrivals(history(8)[0], FIRST, ForecastSettings(weeks=1))
    width = np.mean([i.upper - i.lower for i in f.intervals])
    assert width > 1.5 * np.mean([i.upper - i.lower for i in poisson.intervals])


def test_the_sparse_fit_agrees_with_statsmodels():
    counts, _ = history(4, seed=3)
    starts = [FIRST + timedelta(hours=i) for i in range(len(counts))]
    origin = starts[-1] + timedelta(hours=1)
    cal = fm.Calendar(ForecastSettings().check(), 60, frozenset(), {})
    terms = fm.Terms(slots_per_day=24, trend=True, holiday=False)
    ours = fm.fit(counts, starts, origin, cal, terms)
    x, offset = fm.design(starts, origin, cal, terms)
    ref = sm.GLM(np.array(counts), x.toarray(), family=sm.families.Poisson(), offset=offset).fit()
    assert np.allclose(ours.params, ref.params, atol=1e-5)
    assert np.allclose(np.sqrt(np.diag(ours.cov)), ref.bse, rtol=1e-4)


def test_the_intraday_reforecast_moves_towards_the_actuals():
    today = [IntervalForecast(FIRST + timedelta(hours=h), 10.0, 5, 16) for h in range(24)]
    # Early: 2 hours at double the forecast move the rest of the day by a quarter only.
    early = reforecast_today(today, [20, 20])
    assert early.factor == pytest.approx((40 + 60) / (20 + 60))  # k = 25% of 240
    # Late: 16 hours at double the forecast nearly double it.
    late = reforecast_today(today, [20] * 16)
    assert 1.7 < late.factor < 2.0
    assert len(late.remaining) == 8
    assert late.remaining[0].expected == pytest.approx(10 * late.factor)
    assert late.remaining[0].start == FIRST + timedelta(hours=16)
    # Quiet so far: the rest goes down; exactly on forecast: unchanged.
    assert reforecast_today(today, [2] * 12).factor < 0.6
    assert reforecast_today(today, [10] * 12).factor == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (ForecastSettings(weeks=0), "weeks"),
        (ForecastSettings(weeks=9), "weeks"),
        (ForecastSettings(interval_minutes=20), "interval"),
        (ForecastSettings(tz="Mars/Olympus"), "tz"),
        (ForecastSettings(tz="America"), "tz"),  # a directory of the zone database
        (ForecastSettings(level=1.0), "level"),
        (ForecastSettings(promotions=(Promotion(date(2026, 11, 27), 0.0),)), "promo"),
    ],
)
def test_bad_settings_are_refused(settings, field):
    with pytest.raises(Invalid) as err:
        forecast_arrivals([1] * 400, FIRST, settings)
    assert err.value.details == {"field": field}
