"""The anomaly test, pure and vectorised: per series, the count in the recent window against
its exposure (orders or units delivered), compared with the same hours of the week over the
previous weeks; p-values per series, Benjamini-Hochberg q-values across them, a decision.

Why this test. Complaints are counts whose expected size scales with what was delivered, so
the question is whether the rate count / exposure rose, not whether the count did: a series
whose deliveries doubled should not alert for doubling its complaints. Comparing two Poisson
rates, the exact conditional test (statsmodels' test_poisson_2indep, "exact-cond") is exact
for small counts and never liberal, which matters when thousands of series are tested every
hour. Real complaint streams are often overdispersed (a bad day, a viral post): the same
rate then varies more than Poisson allows and that test would fire on noise. So the baselines
are first checked for overdispersion (a pooled Pearson statistic across every series with at
least one event per baseline window); when present, the test uses a negative binomial with
the pooled dispersion instead: the recent count's predictive distribution given the baseline
rate, with its variance widened by the recent window's dispersion, the baseline's own
dispersion and the uncertainty of the baseline rate. Without dispersion that predictive is
the Poisson-gamma one, close to the exact test; one dispersion for all series is estimated
because eight baseline weeks per series are too few to estimate one each.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import chi2, nbinom
from statsmodels.stats import rates
from statsmodels.stats.multitest import multipletests

Floats = NDArray[np.float64]
# Overdispersion is acted on when the pooled Pearson statistic is this unlikely under Poisson
# (it runs over thousands of baseline windows, so a real excess shows far below it).
OVERDISPERSION_P = 0.001
# Half an event added to the baseline count: a series whose baseline saw nothing still has a
# finite expected rate (Jeffreys' prior on a Poisson rate).
PRIOR_COUNT = 0.5


class Decision(enum.StrEnum):
    ANOMALY = "anomaly"  # significant after FDR control, at least min_count events, rate up
    NORMAL = "normal"
    TOO_FEW = "too_few"  # significant, but fewer events than the rule's minimum count
    NO_EXPOSURE = "no_exposure"  # nothing delivered in the window: no rate to compare
    NO_BASELINE = "no_baseline"  # nothing delivered in the baseline weeks (a new batch)


_CODES = (Decision.ANOMALY, Decision.NORMAL, Decision.TOO_FEW, Decision.NO_EXPOSURE,
          Decision.NO_BASELINE)  # fmt: skip
ANOMALY, NORMAL, TOO_FEW, NO_EXPOSURE, NO_BASELINE = range(5)


@dataclass(frozen=True)
class SeriesCounts:
    """One series (its dimension values) in one evaluation: the window's count and exposure,
    and those of each baseline window (the same hours, one week back, two weeks back...)."""

    key: tuple[str | None, ...]
    count: int
    exposure: float
    baseline_counts: Sequence[int]
    baseline_exposures: Sequence[float]


@dataclass(frozen=True)
class SeriesVerdict:
    key: tuple[str | None, ...]
    count: int
    exposure: float
    expected: float | None  # the count the baseline rate predicts for this exposure
    ratio: float | None  # observed rate / baseline rate (None: no baseline events)
    p_value: float | None
    q_value: float | None
    decision: Decision


@dataclass(frozen=True)
class ArrayResult:
    """The vectorised answer, one entry per series in input order (NaN where not tested)."""

    p_value: Floats
    q_value: Floats
    expected: Floats
    ratio: Floats
    decision: NDArray[np.int64]  # indexes into Decision order: anomaly, normal, too_few, ...
    dispersion: float  # pooled negative-binomial dispersion of the baselines (0: Poisson)
    method: str  # "poisson-exact" or "negative-binomial"

    @property
    def anomalous(self) -> NDArray[np.bool_]:
        return np.asarray(self.decision == ANOMALY, dtype=np.bool_)


@dataclass(frozen=True)
class Detection:
    verdicts: list[SeriesVerdict]
    dispersion: float
    method: str


def estimate_dispersion(base_counts: Floats, base_exposures: Floats) -> tuple[float, float]:
    """The pooled NB2 dispersion alpha (Var = mu + alpha mu^2 per window) of the baseline
    windows, by moments on each series' Pearson statistic, and the p-value of "no
    overdispersion". Series with fewer than two baseline windows with exposure, or under one
    event per window on average, carry too little to tell and are left out."""
    y = np.asarray(base_counts, dtype=np.float64)
    e = np.asarray(base_exposures, dtype=np.float64)
    seen = e > 0
    n = seen.sum(axis=1)
    total_y = np.where(seen, y, 0.0).sum(axis=1)
    total_e = np.where(seen, e, 0.0).sum(axis=1)
    use = (n >= 2) & (total_y >= n)
    if not use.any():
        return 0.0, 1.0
    y, e, seen = y[use], e[use], seen[use]
    rate = total_y[use] / total_e[use]
    mu = e * rate[:, None]
    weight = e / total_e[use][:, None]  # each window's share of its series' exposure
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = np.where(seen & (mu > 0), (y - mu) ** 2 / mu, 0.0).sum(axis=1)
    df = (n[use] - 1).astype(np.float64)
    # E[Pearson] ~ df + alpha * sum(mu_k (1 - w_k)) once the rate is fitted from the same windows
    scale = np.where(seen, mu * (1 - weight), 0.0).sum(axis=1)
    alpha = float(max(0.0, (pearson - df).sum() / scale.sum()))
    return alpha, float(chi2.sf(pearson.sum(), df.sum()))


def evaluate_arrays(
    counts: Sequence[int] | NDArray[Any],
    exposures: Sequence[float] | NDArray[Any],
    base_counts: Sequence[Sequence[int]] | NDArray[Any],
    base_exposures: Sequence[Sequence[float]] | NDArray[Any],
    *,
    min_count: int,
    fdr: float,
) -> ArrayResult:
    """Test every series at once: `counts`, `exposures` of shape (m,), baseline arrays of
    shape (m, weeks); weeks without exposure are simply missing. One-sided (only a rise is an
    anomaly); BH across the series that could be tested."""
    y = np.asarray(counts, dtype=np.float64)
    e = np.asarray(exposures, dtype=np.float64)
    by = np.asarray(base_counts, dtype=np.float64).reshape(len(y), -1)
    be = np.asarray(base_exposures, dtype=np.float64).reshape(len(y), -1)
    by = np.where(be > 0, by, 0.0)
    yb, eb = by.sum(axis=1), np.where(be > 0, be, 0.0).sum(axis=1)
    decision = np.full(len(y), NORMAL, dtype=np.int64)
    decision[eb <= 0] = NO_BASELINE
    decision[e <= 0] = NO_EXPOSURE
    tested = decision == NORMAL
    p = np.full(len(y), np.nan)
    q = np.full(len(y), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(tested, e * yb / eb, np.nan)
        ratio = np.where(tested, (y / e) / (yb / eb), np.nan)
    alpha, p_over = estimate_dispersion(by, be)
    overdispersed = alpha > 0 and p_over < OVERDISPERSION_P
    method = "negative-binomial" if overdispersed else "poisson-exact"
    if tested.any():
        t = tested
        if overdispersed:
            p[t] = _negative_binomial_p(y[t], e[t], yb[t], eb[t], be[t], alpha)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                res = rates.test_poisson_2indep(y[t], e[t], yb[t], eb[t], method="exact-cond",
                                          alternative="larger")  # fmt: skip
            p[t] = np.clip(np.asarray(res.pvalue, dtype=np.float64), 0.0, 1.0)
        reject, q_t, _, _ = multipletests(p[t], alpha=fdr, method="fdr_bh")
        q[t] = q_t
        significant = np.zeros(len(y), dtype=bool)
        significant[t] = reject & (ratio[t] > 1)
        decision[significant & (y >= min_count)] = ANOMALY
        decision[significant & (y < min_count)] = TOO_FEW
    if not overdispersed:
        alpha = 0.0
    return ArrayResult(p, q, expected, ratio, decision, alpha, method)


def _negative_binomial_p(
    y: Floats, e: Floats, yb: Floats, eb: Floats, be: Floats, alpha: float
) -> Floats:
    """P(count >= y) under a negative binomial with the baseline rate's mean for this exposure
    and the variance of: the window's dispersion, the baseline sum's (alpha times the spread
    of its windows' exposures) and the baseline rate's Poisson uncertainty."""
    shape = yb + PRIOR_COUNT
    mean = e * shape / eb
    base_share = np.where(be > 0, be, 0.0) ** 2
    alpha_base = alpha * base_share.sum(axis=1) / eb**2
    size = 1.0 / (alpha + alpha_base + 1.0 / shape)
    prob = size / (size + mean)
    return np.asarray(nbinom.sf(y - 1, size, prob), dtype=np.float64)


def detect(series: Sequence[SeriesCounts], *, min_count: int, fdr: float) -> Detection:
    """The test over plain series records (what a rule's evaluation reads from the metrics),
    each verdict keyed as its input; baselines of different lengths are padded as missing."""
    if not series:
        return Detection([], 0.0, "poisson-exact")
    weeks = max(1, *(len(s.baseline_exposures) for s in series))
    base_y = np.zeros((len(series), weeks))
    base_e = np.zeros((len(series), weeks))
    for i, s in enumerate(series):
        if len(s.baseline_counts) != len(s.baseline_exposures):
            raise ValueError(f"series {s.key}: baseline counts and exposures differ in length")
        base_y[i, : len(s.baseline_counts)] = s.baseline_counts
        base_e[i, : len(s.baseline_exposures)] = s.baseline_exposures
    r = evaluate_arrays([s.count for s in series], [s.exposure for s in series], base_y, base_e,
                    min_count=min_count, fdr=fdr)  # fmt: skip
    verdicts = [
        SeriesVerdict(
            s.key,
            s.count,
            s.exposure,
            _maybe(r.expected[i]),
            _maybe(r.ratio[i]),
            _maybe(r.p_value[i]),
            _maybe(r.q_value[i]),
            _CODES[int(r.decision[i])],
        )
        for i, s in enumerate(series)
    ]
    return Detection(verdicts, r.dispersion, r.method)


def _maybe(x: np.float64) -> float | None:
    value = float(x)
    return value if np.isfinite(value) else None
