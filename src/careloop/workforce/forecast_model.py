"""The count model behind the arrivals forecast, pure: a log-linear GLM (Poisson, or negative
binomial when the counts are overdispersed) on day-of-week, time-of-day by day type (weekday,
Saturday, Sunday), a trend in weeks, public holidays and promotion days as a known offset.

Why these terms: an hour-of-week profile with one coefficient per slot needs many weeks (a
15-minute week has 672 slots); splitting it into a day level and a time-of-day shape per day
type pools five weekdays into each weekday slot, so eight weeks give 40 observations per
coefficient, and it keeps what matters for staffing (weekends have their own shape).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, sparse, special, stats
from scipy.sparse import linalg as splinalg

Array = NDArray[np.float64]

# Pearson dispersion above this means the Poisson variance is too small for the counts.
OVERDISPERSED = 1.2
# A coefficient's standard error is capped when widening the band: a slot that never saw a
# ticket has a huge one, and its band must stay near zero, not explode.
MAX_SE = 1.0
RIDGE = 1e-6
MAX_ITERATIONS = 60


@dataclass(frozen=True)
class Calendar:
    """Where each interval falls: the zone its local clock is read in, holidays and promotion
    lifts by local day."""

    tz: ZoneInfo
    interval_minutes: int
    holidays: frozenset[date]
    lifts: dict[date, float]


@dataclass(frozen=True)
class Terms:
    """The model's columns: which day-type time-of-day slots, and whether trend and holiday
    are in (each needs the history to identify it)."""

    slots_per_day: int
    trend: bool
    holiday: bool

    @property
    def width(self) -> int:
        return 7 + 3 * (self.slots_per_day - 1) + int(self.trend) + int(self.holiday)


def local_days(starts: Sequence[datetime], cal: Calendar) -> list[date]:
    return [s.astimezone(cal.tz).date() for s in starts]


def design(
    starts: Sequence[datetime], origin: datetime, cal: Calendar, terms: Terms
) -> tuple[sparse.csr_matrix, Array]:
    """The design matrix (sparse: each row has at most four non-zeros) and the offset (log of
    the promotion lift) for interval starts."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []

    def put(i: int, col: int, value: float = 1.0) -> None:
        rows.append(i)
        cols.append(col)
        vals.append(value)

    offset = np.zeros(len(starts))
    extra = 7 + 3 * (terms.slots_per_day - 1)
    for i, start in enumerate(starts):
        local = start.astimezone(cal.tz)
        dow = local.weekday()
        put(i, dow)
        slot = (local.hour * 60 + local.minute) // cal.interval_minutes
        day_type = 0 if dow < 5 else dow - 4  # weekday, Saturday, Sunday
        if slot > 0:  # slot 0 of each day type is the reference
            put(i, 7 + day_type * (terms.slots_per_day - 1) + slot - 1)
        col = extra
        if terms.trend:
            put(i, col, (start - origin).total_seconds() / (7 * 86400))
            col += 1
        day = local.date()
        if terms.holiday and day in cal.holidays:
            put(i, col)
        offset[i] = math.log(cal.lifts.get(day, 1.0))
    x = sparse.csr_matrix((vals, (rows, cols)), shape=(len(starts), terms.width))
    return x, offset


@dataclass(frozen=True)
class Fit:
    """A fitted model: coefficients, their covariance, the columns kept, and the negative
    binomial dispersion alpha (0 for Poisson)."""

    terms: Terms
    params: Array
    cov: Array
    kept: NDArray[np.bool_]
    alpha: float

    def holiday_factor(self) -> float | None:
        if not self.terms.holiday or not self.kept[-1]:
            return None
        return math.exp(float(self.params[-1]))

    def trend_factor(self) -> float:
        """Multiplicative change per week (1 without a trend term)."""
        if not self.terms.trend:
            return 1.0
        col = self.terms.width - 1 - int(self.terms.holiday)
        return math.exp(float(self.params[col])) if self.kept[col] else 1.0

    def predict(self, x: sparse.csr_matrix, offset: Array) -> tuple[Array, Array]:
        """Expected counts and the standard error of their log."""
        xk = x[:, self.kept]
        eta = xk @ self.params[self.kept] + offset
        cov = self.cov[np.ix_(self.kept, self.kept)]
        variance = np.asarray(xk.multiply(xk @ cov).sum(axis=1)).ravel()
        return np.exp(eta), np.sqrt(np.maximum(variance, 0.0))


def irls(y: Array, x: sparse.csr_matrix, offset: Array, alpha: float) -> tuple[Array, Array, Array]:
    """Maximum likelihood of a log-link Poisson (alpha = 0) or NB2 GLM by iteratively
    reweighted least squares on the sparse design: coefficients, their covariance (the inverse
    Fisher information) and the fitted means. statsmodels' GLM gives the same estimates (the
    tests check it) but solves each step densely; the design is one-hot, at most four non-zeros
    a row, so a sparse LU solves the same normal equations with far less work.
    A tiny ridge keeps a slot that never saw a ticket finite (about zero) instead of drifting
    to minus infinity."""
    mu = y + 0.5
    eta = np.log(mu) - offset
    beta = np.zeros(x.shape[1])
    ridge = RIDGE * sparse.identity(x.shape[1], format="csr")
    for _ in range(MAX_ITERATIONS):
        w = mu / (1 + alpha * mu)
        z = eta + (y - mu) / mu
        xw = x.multiply(w[:, None]).tocsr()
        new = splinalg.splu((x.T @ xw + ridge).tocsc()).solve(xw.T @ z)
        eta = x @ new
        mu = np.exp(np.minimum(eta + offset, 50.0))
        done = np.max(np.abs(new - beta)) < 1e-8
        beta = new
        if done:
            break
    w = mu / (1 + alpha * mu)
    info = splinalg.splu((x.T @ x.multiply(w[:, None]).tocsr() + ridge).tocsc())
    return beta, info.solve(np.eye(x.shape[1])), mu


def nb_alpha(y: Array, mu: Array) -> float:
    """The NB2 dispersion alpha maximising the likelihood of the counts at the given means."""

    def minus_loglik(log_alpha: float) -> float:
        r = math.exp(-log_alpha)  # 1 / alpha
        ll = (
            special.gammaln(y + r)
            - special.gammaln(r)
            + r * np.log(r / (r + mu))
            + y * np.log(np.maximum(mu, 1e-300) / (r + mu))
        )
        return -float(ll.sum())

    best = optimize.minimize_scalar(minus_loglik, bounds=(-12.0, 3.0), method="bounded")
    return math.exp(float(best.x))


def fit(
    counts: Sequence[int], starts: Sequence[datetime], origin: datetime, cal: Calendar, terms: Terms
) -> Fit:
    """Fit Poisson first; when the Pearson dispersion shows overdispersion, estimate the
    negative binomial alpha by maximum likelihood at those means and refit as an NB2 GLM."""
    x, offset = design(starts, origin, cal, terms)
    y = np.asarray(counts, dtype=float)
    kept = np.asarray(x.getnnz(axis=0) > 0)  # a day type or slot never seen has no column
    xk = x[:, kept]
    params_k, cov_k, mu = irls(y, xk, offset, 0.0)
    df = max(len(y) - int(kept.sum()), 1)
    dispersion = float(np.sum((y - mu) ** 2 / np.maximum(mu, 1e-9)) / df)
    alpha = 0.0
    if dispersion > OVERDISPERSED:
        alpha = nb_alpha(y, mu)
        params_k, cov_k, mu = irls(y, xk, offset, alpha)
        alpha = nb_alpha(y, mu)  # once more at the NB means: the estimate settles
    params = np.zeros(terms.width)
    params[kept] = params_k
    cov = np.zeros((terms.width, terms.width))
    cov[np.ix_(kept, kept)] = cov_k
    return Fit(terms=terms, params=params, cov=cov, kept=kept, alpha=alpha)


def band(expected: Array, se: Array, alpha: float, level: float) -> tuple[Array, Array]:
    """The prediction interval of each count: negative binomial quantiles whose extra variance
    adds the estimate's own uncertainty (Var = mu + (alpha + se^2) mu^2, by the delta method);
    Poisson quantiles when both are negligible."""
    tail = (1 - level) / 2
    a = alpha + np.minimum(se, MAX_SE) ** 2
    mu = np.maximum(expected, 1e-12)
    lower = np.empty_like(mu)
    upper = np.empty_like(mu)
    small = a < 1e-8
    lower[small] = stats.poisson.ppf(tail, mu[small])
    upper[small] = stats.poisson.ppf(1 - tail, mu[small])
    n = 1 / a[~small]
    p = n / (n + mu[~small])
    lower[~small] = stats.nbinom.ppf(tail, n, p)
    upper[~small] = stats.nbinom.ppf(1 - tail, n, p)
    return lower, upper
