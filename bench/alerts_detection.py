"""Anomaly detection benchmark: how fast a tripled complaint rate on one batch is found, how
many false alarms the rest raise, and how long one evaluation pass takes.

A seeded synthetic stream, hour by hour, for --series (2,000) SKU/batch series over --weeks
(26) weeks:

- exposure: orders delivered per series and hour, Poisson around the series' size times a
  seasonal order stream (day of week x hour of day: deliveries in the daytime, fewer on
  Sundays); sizes are lognormal (sigma 1), scaled so that the median series expects
  --median-per-day (4) complaints a day;
- background complaints: Poisson per hour on the orders delivered times the series' rate
  times a day-of-week complaint factor (Mondays up, weekends down) times a gamma frailty per
  series and day (mean 1, variance --alpha, 0.05): a negative-binomial background with
  weekly seasonality;
- spikes: --spikes (12) series, drawn at random from those above the median size, get their
  complaint rate multiplied by --factor (3) for --spike-hours (168) hours from a random hour
  in the evaluated weeks (a faulty batch keeps selling until it is contained).

Every hour after the first --baseline-weeks (8) weeks plus the window, each window in
--windows (24, 72, 168 h) is evaluated with alerts.anomaly.evaluate_arrays over all series: the
window's count and orders delivered against the same hours in each of the previous weeks,
BH at --fdr (0.01), at least --min-count (5) complaints. It prints per window: the test the
baseline chose, each spike's detection delay (hours from its start to the first evaluation
that flags its series, and in windows), false alarms (a series starting to be flagged while
its window holds no spike hour) per 1,000 series-weeks, and the time of a pass (window sums
plus the test). A series flagged on consecutive evaluations counts once, as one firing.

    .venv/bin/python bench/alerts_detection.py [--windows 24,72,168] [--fdr 0.01]
        [--min-count 5] [--baseline-weeks 8] [--series 2000] [--weeks 26] [--seed 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from careloop.alerts.anomaly import evaluate_arrays

WEEK_H = 168


def stream(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """Orders delivered and complaints per series and hour, and the spikes (series, start)."""
    rng = np.random.default_rng(args.seed)
    hours = args.weeks * WEEK_H
    h = np.arange(hours)
    hour_of_day, day = h % 24, h // 24
    weekday = day % 7  # day 0 is a Monday
    daytime = np.clip(np.sin((hour_of_day - 6) / 16 * np.pi), 0.05, None)
    day_orders = np.array([1.1, 1.1, 1.0, 1.0, 1.0, 0.9, 0.6])[weekday]
    season = daytime * day_orders
    season /= season.mean()
    day_rate = np.array([1.25, 1.1, 1.0, 1.0, 0.95, 0.85, 0.85])[weekday]
    size = rng.lognormal(0.0, 1.0, args.series)
    orders_per_day = 100 * size  # orders delivered per series and day (mean over the week)
    rate = args.median_per_day / 100.0 * rng.lognormal(0.0, 0.3, args.series)
    exposure = rng.poisson(orders_per_day[:, None] / 24 * season[None, :]).astype(np.int32)
    frailty = rng.gamma(1 / args.alpha, args.alpha, (args.series, hours // 24 + 1))
    lam = exposure * rate[:, None] * day_rate[None, :] * frailty[:, day]
    first = (args.baseline_weeks + 1) * WEEK_H
    big = np.flatnonzero(size > np.median(size))
    spikes = []
    for s in rng.choice(big, args.spikes, replace=False):
        start = int(rng.integers(first, hours - args.spike_hours - 24))
        lam[s, start : start + args.spike_hours] *= args.factor
        spikes.append((int(s), start))
    return exposure, rng.poisson(lam).astype(np.int32), spikes


def evaluate(args: argparse.Namespace, window: int, exposure: np.ndarray,
             complaints: np.ndarray, spikes: list[tuple[int, int]]) -> None:  # fmt: skip
    series, hours = complaints.shape
    ce = np.concatenate([np.zeros((series, 1), np.int64), np.cumsum(exposure, 1)], 1)
    cc = np.concatenate([np.zeros((series, 1), np.int64), np.cumsum(complaints, 1)], 1)
    first = (args.baseline_weeks + 1) * WEEK_H
    ends = range(first, hours + 1)
    spike_of = dict(spikes)
    detected: dict[int, int] = {}
    flagged_before = np.zeros(series, dtype=bool)
    false_alarms, pass_ms = 0, []
    methods: dict[str, int] = {}
    dispersions = []
    weeks = np.arange(1, args.baseline_weeks + 1)
    for t in ends:
        started = time.perf_counter()
        y = cc[:, t] - cc[:, t - window]
        e = ce[:, t] - ce[:, t - window]
        lo, hi = t - window - WEEK_H * weeks, t - WEEK_H * weeks
        by = cc[:, hi] - cc[:, lo]
        be = ce[:, hi] - ce[:, lo]
        r = evaluate_arrays(y, e, by, be, min_count=args.min_count, fdr=args.fdr)
        pass_ms.append((time.perf_counter() - started) * 1000)
        methods[r.method] = methods.get(r.method, 0) + 1
        dispersions.append(r.dispersion)
        flagged = r.anomalous
        rising = flagged & ~flagged_before
        for s in np.flatnonzero(rising):
            t0 = spike_of.get(int(s))
            in_spike = t0 is not None and t0 < t <= t0 + args.spike_hours + window
            if in_spike and t0 is not None:
                detected.setdefault(int(s), t - t0)
            else:
                false_alarms += 1
        flagged_before = flagged
    series_weeks = series * len(ends) / WEEK_H
    used = ", ".join(f"{m} in {n} passes" for m, n in sorted(methods.items()))
    print(
        f"\nwindow {window} h, evaluated hourly: {len(ends)} passes, {series_weeks:,.0f}"
        f" series-weeks; test: {used}; dispersion {np.median(dispersions):.3f} (median)"
    )
    base_rate = []
    for s, t0 in spikes:
        delay = detected.get(s)
        lo, hi = t0 - WEEK_H * weeks - window, t0 - WEEK_H * weeks
        mean_base = float(np.mean(cc[s, hi] - cc[s, lo]))
        base_rate.append(mean_base)
        shown = "missed" if delay is None else f"{delay} h = {delay / window:.2f} windows"
        print(f"  spike on series {s:5d} (baseline {mean_base:5.1f} complaints/window): {shown}")
    within = sum(1 for s, _ in spikes if detected.get(s, 10**9) <= window)
    delays = [d for s, _ in spikes if (d := detected.get(s)) is not None]
    median = f"{np.median(delays):.0f} h" if delays else "-"
    print(f"  detected within one window: {within} of {len(spikes)}; median delay {median}")
    print(f"  false alarms: {false_alarms} = {1000 * false_alarms / series_weeks:.2f} per 1,000"
          f" series-weeks")  # fmt: skip
    ms = np.array(pass_ms)
    print(f"  pass ({series} series): mean {ms.mean():.1f} ms, p99 {np.percentile(ms, 99):.1f} ms")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--windows", default="24,72,168")
    p.add_argument("--fdr", type=float, default=0.01)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--baseline-weeks", type=int, default=8)
    p.add_argument("--series", type=int, default=2000)
    p.add_argument("--weeks", type=int, default=26)
    p.add_argument("--median-per-day", type=float, default=4.0)
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--spikes", type=int, default=12)
    p.add_argument("--spike-hours", type=int, default=168)
    p.add_argument("--factor", type=float, default=3.0)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores,"
          f" Python {platform.python_version()}, numpy {np.__version__}")  # fmt: skip
    print(f"setup: {args.series} series x {args.weeks} weeks hourly, median series"
          f" {args.median_per_day:g} complaints/day, day frailty variance {args.alpha:g},"
          f" {args.spikes} spikes x{args.factor:g} for {args.spike_hours} h; baseline"
          f" {args.baseline_weeks} weeks, FDR {args.fdr:g}, min count {args.min_count},"
          f" seed {args.seed}")  # fmt: skip
    started = time.perf_counter()
    exposure, complaints, spikes = stream(args)
    print(f"stream: {exposure.sum():,} orders delivered, {complaints.sum():,} complaints"
          f" ({time.perf_counter() - started:.1f} s to generate)")  # fmt: skip
    for window in (int(w) for w in args.windows.split(",")):
        evaluate(args, window, exposure, complaints, spikes)


if __name__ == "__main__":
    main()
