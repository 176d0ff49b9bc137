"""How many agents an interval needs, pure: Erlang C and Erlang A (M/M/N+M, with abandonment)
for live work (chat, phone), and a backlog model for asynchronous tickets (`staffing_backlog`).

Everything is computed in log space from the Erlang B recursion, never from factorials, so loads
of thousands of erlangs stay finite. Rates are per second; an interval's arrivals become a rate
over its length.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import integrate

from careloop.errors import Invalid

# Far above any contact centre: a bound on the search, so a target that cannot be met ends.
MAX_AGENTS = 100_000


@dataclass(frozen=True)
class LiveTarget:
    """What a live interval must achieve: `service_level` of contacts answered within
    `answer_seconds`, agents busy at most `max_occupancy` of the time, `shrinkage` of paid time
    lost to breaks, training and absence (scheduled = on the phones / (1 - shrinkage))."""

    handle_seconds: float
    service_level: float = 0.8
    answer_seconds: float = 20.0
    max_occupancy: float = 1.0
    shrinkage: float = 0.0
    patience_seconds: float | None = None  # mean patience: Erlang A; None: Erlang C

    def check(self) -> None:
        _positive("handle_seconds", self.handle_seconds)
        _share("service_level", self.service_level)
        _at_least_zero("answer_seconds", self.answer_seconds)
        if not 0 < self.max_occupancy <= 1:
            raise Invalid("max_occupancy must be above 0 and at most 1", {"field": "max_occupancy"})
        if not 0 <= self.shrinkage < 1:
            raise Invalid("shrinkage must be at least 0 and below 1", {"field": "shrinkage"})
        if self.patience_seconds is not None:
            _positive("patience_seconds", self.patience_seconds)


@dataclass(frozen=True)
class LiveStaffing:
    """One interval's answer: agents on the phones, agents to schedule, and how they perform."""

    arrivals: float
    load_erlangs: float
    agents: int
    scheduled: int
    service_level: float
    wait_probability: float
    abandon_probability: float
    average_speed_of_answer: float  # seconds, over all contacts (answered at once count 0)
    occupancy: float


def _positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise Invalid(f"{name} must be a positive number", {"field": name})


def _at_least_zero(name: str, value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise Invalid(f"{name} must be zero or more", {"field": name})


def _share(name: str, value: float) -> None:
    if not 0 < value < 1:
        raise Invalid(f"{name} must lie strictly between 0 and 1", {"field": name})


def scheduled_agents(agents: int, shrinkage: float) -> int:
    """Agents to schedule so that `agents` remain after shrinkage (14 at 30% -> 20)."""
    if agents <= 0:
        return 0
    # The small tolerance keeps 14 / 0.7 = 20.000000000000004 at 20.
    return math.ceil(agents / (1 - shrinkage) - 1e-9)


# --- Erlang B and C ---------------------------------------------------------------------------


def log_erlang_b(agents: int, load: float) -> float:
    """log of Erlang B (blocking with `agents` servers and `load` erlangs), by the recursion
    1/B(n) = 1 + (n / load) / B(n-1) carried in log space: exact and finite at any load."""
    if load <= 0:
        return 0.0 if agents == 0 else -math.inf
    log_inv, log_load = 0.0, math.log(load)
    for n in range(1, agents + 1):
        log_inv = float(np.logaddexp(0.0, math.log(n) - log_load + log_inv))
    return -log_inv


def erlang_c(agents: int, load: float) -> float:
    """Probability that a contact waits (Erlang C); 1 when the load reaches the agents."""
    if load <= 0:
        return 0.0
    if agents <= load:
        return 1.0
    b = math.exp(log_erlang_b(agents, load))
    rho = load / agents
    return b / (1 - rho * (1 - b))


def _erlang_c_measures(
    agents: int, load: float, target: LiveTarget, arrivals: float
) -> LiveStaffing:
    pw = erlang_c(agents, load)
    h = target.handle_seconds
    if agents <= load:
        sl, asa = 0.0, math.inf
    else:
        sl = 1 - pw * math.exp(-(agents - load) * target.answer_seconds / h)
        asa = pw * h / (agents - load)
    return LiveStaffing(
        arrivals=arrivals,
        load_erlangs=load,
        agents=agents,
        scheduled=scheduled_agents(agents, target.shrinkage),
        service_level=sl,
        wait_probability=pw,
        abandon_probability=0.0,
        average_speed_of_answer=asa,
        occupancy=min(1.0, load / agents) if agents else 0.0,
    )


# --- Erlang A (M/M/N+M) -----------------------------------------------------------------------


def _log_a(x: float, y: float) -> float:
    """log of A(x, y) = sum over k >= 0 of prod_{j=1..k} y / (x + j): the queue's stationary
    weights relative to the state with every agent busy (x = N mu / theta, y = lambda / theta)."""
    if y <= 0:
        return 0.0
    peak = max(0.0, y - x)
    terms = int(peak + 60 + 20 * math.sqrt(x + y + 1))
    while True:
        j = np.arange(1, terms + 1, dtype=float)
        logs = np.cumsum(math.log(y) - np.log(x + j))
        total = float(np.logaddexp(0.0, np.logaddexp.reduce(logs)))
        if logs[-1] < total - 40:  # the remaining tail is below e^-40 of the sum
            return total
        terms *= 2


@dataclass(frozen=True)
class ErlangA:
    """Erlang A for `agents`: arrival rate `rate`, service rate `mu`, abandonment rate `theta`
    (1 / mean patience), all per second."""

    agents: int
    rate: float
    mu: float
    theta: float

    @property
    def x(self) -> float:
        return self.agents * self.mu / self.theta

    @property
    def y(self) -> float:
        return self.rate / self.theta

    def wait_probability(self) -> float:
        """P(W > 0) = A B / (1 + (A - 1) B), with B Erlang B at load rate / mu."""
        if self.rate <= 0:
            return 0.0
        if self.agents == 0:
            return 1.0
        log_b = log_erlang_b(self.agents, self.rate / self.mu)
        log_a = _log_a(self.x, self.y)
        # 1 / (1 + (1 - B) / (A B)), in logs so a huge A (overload) stays finite.
        return 1.0 / (1.0 + math.exp(math.log1p(-math.exp(log_b)) - log_a - log_b))

    def abandon_probability(self) -> float:
        """P(abandon) = P(W > 0) (1 - 1/rho + 1/(rho A)), rho = rate / (N mu), from the flow
        balance of the queue states."""
        if self.rate <= 0:
            return 0.0
        if self.agents == 0:
            return 1.0
        rho = self.rate / (self.agents * self.mu)
        a = math.exp(_log_a(self.x, self.y))
        return self.wait_probability() * (1 - 1 / rho + 1 / (rho * a))

    def still_waiting(self, t: float) -> float:
        """P(W > t): still in the queue t seconds after arriving. Given it waits, the time until
        an infinitely patient contact is served has survival A(x, y e^-theta t) / A(x, y)
        * exp(y (1 - e^-theta t) - N mu t); the contact's own patience adds e^-theta t."""
        if self.agents == 0:
            return math.exp(-self.theta * t) if self.rate > 0 else 0.0
        pw = self.wait_probability()
        if pw == 0.0:
            return 0.0
        decay = math.exp(-self.theta * t)
        log_ratio = _log_a(self.x, self.y * decay) - _log_a(self.x, self.y)
        exponent = log_ratio + self.y * (1 - decay) - self.agents * self.mu * t - self.theta * t
        return pw * math.exp(exponent)

    def service_level(self, answer_seconds: float) -> float:
        """Share of all contacts answered within `answer_seconds`: 1 - P(W > t) - P(abandoned
        by t), where abandoning by t is the integral of theta P(W > s) over [0, t]."""
        if self.rate <= 0:
            return 1.0
        t = answer_seconds
        abandoned, _ = integrate.quad(lambda s: self.theta * self.still_waiting(s), 0.0, t)
        return max(0.0, 1.0 - self.still_waiting(t) - float(abandoned))

    def measures(self, target: LiveTarget) -> LiveStaffing:
        pw, pab = self.wait_probability(), self.abandon_probability()
        load = self.rate / self.mu
        # Waiting contacts leave at rate theta, so the mean queue time is P(abandon) / theta
        # (Little's law on the queue); ASA here is the mean wait of every contact.
        asa = pab / self.theta
        return LiveStaffing(
            arrivals=self.rate,
            load_erlangs=load,
            agents=self.agents,
            scheduled=scheduled_agents(self.agents, target.shrinkage),
            service_level=self.service_level(target.answer_seconds),
            wait_probability=pw,
            abandon_probability=pab,
            average_speed_of_answer=asa,
            occupancy=min(1.0, load * (1 - pab) / self.agents) if self.agents else 0.0,
        )


# --- the search -------------------------------------------------------------------------------


def _smallest(lo: int, meets: Callable[[int], bool]) -> int:
    """The smallest n >= lo with meets(n), for a predicate that stays true once true."""
    hi = max(lo, 1)
    while not meets(hi):
        lo = hi + 1
        hi *= 2
        if hi > MAX_AGENTS:
            raise Invalid(f"the target needs more than {MAX_AGENTS} agents", {"field": "arrivals"})
    while lo < hi:
        mid = (lo + hi) // 2
        if meets(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi


def live_staffing(arrivals: float, interval_seconds: float, target: LiveTarget) -> LiveStaffing:
    """The fewest agents for `arrivals` contacts in an interval meeting the service level and
    the occupancy cap: Erlang C, or Erlang A when the target has a patience."""
    target.check()
    _at_least_zero("arrivals", arrivals)
    _positive("interval_seconds", interval_seconds)
    load = arrivals / interval_seconds * target.handle_seconds
    if arrivals == 0:
        return agents_measures(0, arrivals, interval_seconds, target)
    floor_occ = math.ceil(load / target.max_occupancy - 1e-9)
    if target.patience_seconds is None:
        lo = max(floor_occ, math.floor(load) + 1)
    else:
        lo = max(floor_occ, 1)

    def meets(n: int) -> bool:
        m = agents_measures(n, arrivals, interval_seconds, target)
        return m.service_level >= target.service_level and m.occupancy <= target.max_occupancy

    return agents_measures(_smallest(lo, meets), arrivals, interval_seconds, target)


def agents_measures(
    agents: int, arrivals: float, interval_seconds: float, target: LiveTarget
) -> LiveStaffing:
    """How `agents` perform on `arrivals` contacts in an interval (Erlang C or A)."""
    rate = arrivals / interval_seconds
    mu = 1 / target.handle_seconds
    if target.patience_seconds is None:
        return _erlang_c_measures(agents, rate / mu, target, arrivals)
    model = ErlangA(agents, rate, mu, 1 / target.patience_seconds)
    return replace(model.measures(target), arrivals=arrivals)


def live_plan(
    arrivals: Sequence[float], interval_seconds: float, target: LiveTarget
) -> list[LiveStaffing]:
    """Required agents for each interval of a forecast (one language or skill group)."""
    return [live_staffing(a, interval_seconds, target) for a in arrivals]
