"""The anomaly test on seeded synthetic series: a tripled rate is found among hundreds, steady
series are not, Benjamini-Hochberg keeps false alarms down, the minimum count holds, and an
overdispersed background switches to the negative binomial."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats import rates
from statsmodels.stats.multitest import multipletests

from careloop.alerts.anomaly import (
    ANOMALY,
    Decision,
    SeriesCounts,
    detect,
    estimate_dispersion,
    evaluate_arrays,
)

WEEKS = 8


def world(
    seed: int, series: int = 500, *, dispersion: float = 0.0, spike: float = 1.0, mean: float = 20
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Counts and exposures for `series` series: the window (index 0 spiked by `spike`) and
    WEEKS baseline windows; exposures vary by series and week, rates by series, and each
    window's rate by a gamma frailty of variance `dispersion`."""
    rng = np.random.default_rng(seed)
    size = rng.lognormal(0, 0.5, series)
    exposure = np.rint(1000 * size[:, None] * rng.uniform(0.7, 1.3, (series, WEEKS + 1)))
    rate = mean / 1000 * rng.lognormal(0, 0.3, series)
    lam = exposure * rate[:, None]
    if dispersion:
        lam = lam * rng.gamma(1 / dispersion, dispersion, lam.shape)
    lam[0, 0] *= spike
    counts = rng.poisson(lam)
    return counts[:, 0], exposure[:, 0], counts[:, 1:], exposure[:, 1:]


def test_a_tripled_rate_among_hundreds_is_found_and_steady_series_are_not() -> None:
    y, e, by, be = world(1, spike=3.0)
    r = evaluate_arrays(y, e, by, be, min_count=5, fdr=0.01)
    assert r.method == "poisson-exact"
    assert r.anomalous[0]
    assert r.anomalous[1:].sum() == 0
    assert r.ratio[0] > 2
    assert r.expected[0] == pytest.approx(e[0] * by[0].sum() / be[0].sum())


def test_the_rate_not_the_count_is_tested() -> None:
    y, e, by, be = world(2)
    e[0] *= 3  # three times the orders delivered: three times the complaints is normal
    y[0] = np.random.default_rng(0).poisson(3 * y[0])
    assert not evaluate_arrays(y, e, by, be, min_count=5, fdr=0.01).anomalous[0]
    e[0] /= 3  # the same count on the usual orders is a tripled rate
    assert evaluate_arrays(y, e, by, be, min_count=5, fdr=0.01).anomalous[0]


def test_benjamini_hochberg_keeps_false_alarms_down() -> None:
    raw, controlled = 0, 0
    for seed in range(20):
        y, e, by, be = world(100 + seed, 1000)
        r = evaluate_arrays(y, e, by, be, min_count=1, fdr=0.01)
        raw += int((r.p_value < 0.01).sum())
        controlled += int(r.anomalous.sum())
    # 20,000 steady series: a per-series 1% test raises about a hundred alarms (fewer, as
    # the exact test is conservative); FDR control across each pass leaves almost none.
    assert raw > 50
    assert controlled <= 2


def test_q_values_are_the_benjamini_hochberg_adjustment() -> None:
    y, e, by, be = world(3, 300, spike=3.0)
    r = evaluate_arrays(y, e, by, be, min_count=5, fdr=0.05)
    _, q, _, _ = multipletests(r.p_value, method="fdr_bh")
    assert np.allclose(r.q_value, q)
    exact = rates.test_poisson_2indep(y, e, by.sum(1), be.sum(1), method="exact-cond",
                                alternative="larger")  # fmt: skip
    assert np.allclose(r.p_value, exact.pvalue)


def test_the_minimum_count_holds_back_a_significant_handful() -> None:
    y, e, by, be = world(4, 200, mean=0.5)  # about half a complaint per window
    by[0] = 0
    be[0] *= 3
    y[0] = 4  # four complaints where eight weeks (of three times the orders) saw none
    r = evaluate_arrays(y, e, by, be, min_count=5, fdr=0.01)
    assert r.decision[0] == list(Decision).index(Decision.TOO_FEW)
    assert evaluate_arrays(y, e, by, be, min_count=4, fdr=0.01).decision[0] == ANOMALY


def test_an_overdispersed_background_uses_the_negative_binomial() -> None:
    y, e, by, be = world(5, 1000, dispersion=0.3)
    alpha, p = estimate_dispersion(by, be)
    assert alpha == pytest.approx(0.3, abs=0.08)
    assert p < 1e-6
    r = evaluate_arrays(y, e, by, be, min_count=5, fdr=0.01)
    assert r.method == "negative-binomial"
    assert r.dispersion == pytest.approx(alpha)
    assert r.anomalous.sum() <= 1
    # The Poisson test on the same steady series would alarm on dozens of them.
    poisson = rates.test_poisson_2indep(y, e, by.sum(1), be.sum(1), method="exact-cond",
                                  alternative="larger")  # fmt: skip
    assert multipletests(poisson.pvalue, alpha=0.01, method="fdr_bh")[0].sum() > 20


def test_a_large_rise_still_shows_through_overdispersion() -> None:
    y, e, by, be = world(6, 500, dispersion=0.05, spike=4.0, mean=40)
    r = evaluate_arrays(y, e, by, be, min_count=5, fdr=0.01)
    assert r.method == "negative-binomial"
    assert r.anomalous[0]
    assert r.anomalous[1:].sum() <= 1


def test_a_steady_background_has_no_dispersion() -> None:
    _, _, by, be = world(7, 1000)
    alpha, p = estimate_dispersion(by, be)
    assert alpha < 0.02
    assert p > 0.001


def test_series_without_exposure_or_baseline_are_not_tested() -> None:
    series = [
        SeriesCounts(("W-1", "B1"), 12, 500.0, [3, 4, 2], [500.0, 480.0, 510.0]),
        SeriesCounts(("W-1", "B2"), 3, 0.0, [1, 0, 2], [100.0, 90.0, 80.0]),
        SeriesCounts(("W-2", None), 6, 200.0, [0, 0], [0.0, 0.0]),
        SeriesCounts(("W-3", "B1"), 2, 300.0, [2, 3, 1], [300.0, 310.0, 290.0]),
    ]
    d = detect(series, min_count=5, fdr=0.01)
    assert [v.key for v in d.verdicts] == [s.key for s in series]
    assert [v.decision for v in d.verdicts] == [Decision.ANOMALY, Decision.NO_EXPOSURE,
                                                Decision.NO_BASELINE, Decision.NORMAL]  # fmt: skip
    first = d.verdicts[0]
    assert first.expected == pytest.approx(500 * 9 / 1490)
    assert first.ratio == pytest.approx((12 / 500) / (9 / 1490))
    assert first.q_value is not None and first.q_value <= 0.01
    assert d.verdicts[1].p_value is None and d.verdicts[2].ratio is None
    assert detect([], min_count=5, fdr=0.01).verdicts == []


def test_a_drop_is_not_an_anomaly() -> None:
    y, e, by, be = world(8, 300)
    y[0] = 0
    by[0] = 50
    r = evaluate_arrays(y, e, by, be, min_count=1, fdr=0.2)
    assert not r.anomalous[0]
