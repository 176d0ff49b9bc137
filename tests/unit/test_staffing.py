"""Staffing: Erlang C on the published worked example, Erlang A against the birth-death chain
solved numerically, monotonicity, large loads, and the backlog model for asynchronous tickets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import linalg

from careloop.errors import Invalid
from careloop.workforce.staffing import (
    ErlangA,
    LiveTarget,
    agents_measures,
    erlang_c,
    live_plan,
    live_staffing,
    scheduled_agents,
)
from careloop.workforce.staffing_backlog import BacklogTarget, backlog_plan

HALF_HOUR = 1800.0
EXAMPLE = LiveTarget(handle_seconds=180, service_level=0.8, answer_seconds=20, shrinkage=0.3)


def test_the_published_worked_example():
    # 100 contacts in 30 minutes, 180 s handling, 80% answered in 20 s.
    m = live_staffing(100, HALF_HOUR, EXAMPLE)
    assert m.load_erlangs == pytest.approx(10.0)
    assert m.agents == 14
    assert round(m.service_level, 3) == 0.888
    assert round(m.occupancy, 3) == 0.714
    assert round(m.wait_probability, 3) == 0.174
    assert m.scheduled == 20  # 30% shrinkage
    # 13 agents miss the target: 14 is the smallest.
    assert agents_measures(13, 100, HALF_HOUR, EXAMPLE).service_level < 0.8


def test_shrinkage_rounds_up_only_when_needed():
    assert scheduled_agents(14, 0.3) == 20
    assert scheduled_agents(15, 0.3) == 22
    assert scheduled_agents(0, 0.3) == 0
    assert scheduled_agents(7, 0.0) == 7


def test_an_occupancy_cap_adds_agents():
    capped = live_staffing(100, HALF_HOUR, LiveTarget(handle_seconds=180, max_occupancy=0.65))
    assert capped.agents == 16  # 10 / 16 = 0.625; 15 would be 0.667
    assert capped.occupancy <= 0.65


def test_large_loads_stay_finite():
    # 500 erlangs: factorials would overflow; the log-space recursion does not.
    m = live_staffing(5000, HALF_HOUR, LiveTarget(handle_seconds=180))
    assert 500 < m.agents < 530
    assert 0.8 <= m.service_level < 0.83
    assert agents_measures(m.agents - 1, 5000, HALF_HOUR, LiveTarget(180)).service_level < 0.8
    a = live_staffing(5000, HALF_HOUR, LiveTarget(handle_seconds=180, patience_seconds=300))
    assert all(math.isfinite(v) for v in (a.service_level, a.abandon_probability))
    assert a.agents <= m.agents


def test_no_arrivals_need_no_one():
    assert live_staffing(0, HALF_HOUR, EXAMPLE).agents == 0
    assert [p.agents for p in live_plan([0, 100], HALF_HOUR, EXAMPLE)] == [0, 14]


@pytest.mark.parametrize(
    ("field", "target"),
    [
        ("handle_seconds", LiveTarget(handle_seconds=-1)),
        ("service_level", LiveTarget(handle_seconds=180, service_level=1.0)),
        ("service_level", LiveTarget(handle_seconds=180, service_level=0.0)),
        ("max_occupancy", LiveTarget(handle_seconds=180, max_occupancy=1.2)),
        ("shrinkage", LiveTarget(handle_seconds=180, shrinkage=1.0)),
        ("patience_seconds", LiveTarget(handle_seconds=180, patience_seconds=0)),
        ("answer_seconds", LiveTarget(handle_seconds=180, answer_seconds=-5)),
    ],
)
def test_bad_targets_are_refused(field, target):
    with pytest.raises(Invalid) as err:
        live_staffing(10, HALF_HOUR, target)
    assert err.value.details == {"field": field}


def test_negative_arrivals_are_refused():
    with pytest.raises(Invalid):
        live_staffing(-1, HALF_HOUR, EXAMPLE)


# --- Erlang A against the chain ---------------------------------------------------------------


def chain(agents: int, rate: float, mu: float, theta: float) -> tuple[np.ndarray, int]:
    """Stationary distribution of the M/M/N+M birth-death chain, truncated far in the tail,
    solved as the null space of its generator (no product formula)."""
    size = agents + 400
    q = np.zeros((size, size))
    for n in range(size):
        if n + 1 < size:
            q[n, n + 1] = rate
        if n > 0:
            q[n, n - 1] = min(n, agents) * mu + max(n - agents, 0) * theta
        q[n, n] = -q[n].sum()
    pi = linalg.null_space(q.T)[:, 0]
    return pi / pi.sum(), size


def chain_measures(agents: int, rate: float, mu: float, theta: float, t: float):
    """P(wait), P(abandon) and P(answered within t) from the chain: the arrival sees the
    stationary state (PASTA); a waiting arrival's position is then an absorbing chain (moves
    up at N mu + (k-1) theta, abandons at theta), whose transient law comes from expm."""
    pi, size = chain(agents, rate, mu, theta)
    waiting = pi[agents:]
    p_wait = waiting.sum()
    p_abandon = sum(k * theta * pi[agents + k] for k in range(size - agents)) / rate
    # Positions 1..K, then "served" and "abandoned" absorbing states.
    k_max = size - agents
    g = np.zeros((k_max + 2, k_max + 2))
    served, gone = k_max, k_max + 1
    for k in range(1, k_max + 1):
        i = k - 1
        up = agents * mu + (k - 1) * theta
        g[i, served if k == 1 else i - 1] += up
        g[i, gone] += theta
        g[i, i] = -(up + theta)
    start = np.zeros(k_max + 2)
    start[:k_max] = waiting  # k-1 ahead -> position k
    later = start @ linalg.expm(g * t)
    return p_wait, p_abandon, (1 - p_wait) + later[served]


@pytest.mark.parametrize(
    ("agents", "per_half_hour", "handle", "patience", "answer"),
    [
        (12, 100, 180, 120, 20),
        (9, 100, 180, 60, 30),  # under-staffed: stable only thanks to abandonment
        (30, 500, 120, 300, 15),
        (5, 20, 600, 900, 60),
    ],
)
def test_erlang_a_matches_the_chain(agents, per_half_hour, handle, patience, answer):
    rate, mu, theta = per_half_hour / HALF_HOUR, 1 / handle, 1 / patience
    model = ErlangA(agents, rate, mu, theta)
    p_wait, p_abandon, sl = chain_measures(agents, rate, mu, theta, answer)
    assert model.wait_probability() == pytest.approx(p_wait, rel=1e-6)
    assert model.abandon_probability() == pytest.approx(p_abandon, rel=1e-6)
    assert model.service_level(answer) == pytest.approx(sl, abs=1e-6)


def test_erlang_a_tends_to_erlang_c_as_patience_grows():
    a = ErlangA(14, 100 / HALF_HOUR, 1 / 180, 1e-9)
    assert a.wait_probability() == pytest.approx(erlang_c(14, 10.0), rel=1e-5)
    assert a.service_level(20) == pytest.approx(0.888, abs=5e-4)


def test_erlang_a_needs_fewer_agents_when_people_give_up():
    target = LiveTarget(handle_seconds=180, service_level=0.8, answer_seconds=20)
    patient = live_staffing(100, HALF_HOUR, target)
    impatient = live_staffing(100, HALF_HOUR, LiveTarget(180, 0.8, 20, patience_seconds=60))
    assert impatient.agents < patient.agents
    assert impatient.abandon_probability > 0
    assert impatient.service_level >= 0.8
    less = agents_measures(impatient.agents - 1, 100, HALF_HOUR, impatient_target())
    assert less.service_level < 0.8


def impatient_target() -> LiveTarget:
    return LiveTarget(180, 0.8, 20, patience_seconds=60)


@settings(max_examples=40, deadline=None)
@given(
    arrivals=st.floats(1, 2000),
    handle=st.floats(30, 900),
    level=st.floats(0.5, 0.95),
    answer=st.floats(0, 120),
    patience=st.one_of(st.none(), st.floats(30, 1200)),
)
def test_more_work_never_needs_fewer_agents(arrivals, handle, level, answer, patience):
    target = LiveTarget(handle, level, answer, patience_seconds=patience)
    base = live_staffing(arrivals, HALF_HOUR, target)
    assert base.service_level >= level
    more = live_staffing(arrivals * 1.2, HALF_HOUR, target)
    assert more.agents >= base.agents
    stricter = live_staffing(
        arrivals, HALF_HOUR, LiveTarget(handle, level + 0.04, answer, 1.0, 0, patience)
    )
    assert stricter.agents >= base.agents
    # Each extra agent raises the service level.
    one_more = agents_measures(base.agents + 1, arrivals, HALF_HOUR, target)
    assert one_more.service_level >= base.service_level - 1e-12


# --- the backlog model ------------------------------------------------------------------------


def test_backlog_meets_every_deadline_with_the_fewest_agents():
    hour = 3600.0
    target = BacklogTarget(first_response_seconds=1800, tickets_per_hour=6)
    plan = backlog_plan([60, 60, 0, 0, 120, 10], hour, target)
    assert [p.agents for p in plan] == [5, 10, 10, 0, 10, 20]
    # The first half hour's 30 tickets are due within the first hour; the rest carries over.
    assert (plan[0].answered, plan[0].backlog) == (30, 30)
    assert plan[2].backlog == 0
    assert sum(p.answered for p in plan) + plan[-1].backlog == pytest.approx(250)


def test_backlog_concurrency_and_shrinkage():
    target = BacklogTarget(1800, tickets_per_hour=6, concurrency=2, shrinkage=0.3)
    plan = backlog_plan([60, 60], 3600, target)
    assert [p.agents for p in plan] == [3, 5]  # 12 tickets an hour each
    assert [p.scheduled for p in plan] == [5, 8]


def test_backlog_carries_the_initial_backlog_and_a_long_target():
    target = BacklogTarget(4 * 3600, tickets_per_hour=6, initial_backlog=30)
    plan = backlog_plan([60, 60, 0, 0, 120, 10], 3600, target)
    assert [p.agents for p in plan][:3] == [0, 0, 0]  # nothing is due in the first 3 hours
    assert plan[2].backlog == 150
    assert plan[3].agents == 5  # the initial 30 fall due at hour 4


@settings(max_examples=60, deadline=None)
@given(
    arrivals=st.lists(st.integers(0, 200), min_size=1, max_size=24),
    due_minutes=st.integers(5, 600),
    rate=st.floats(1, 30),
)
def test_backlog_never_misses_a_deadline(arrivals, due_minutes, rate):
    length, due = 3600.0, due_minutes * 60.0
    plan = backlog_plan(arrivals, length, BacklogTarget(due, tickets_per_hour=rate))
    answered = np.cumsum([p.answered for p in plan])
    cum = np.concatenate([[0], np.cumsum(arrivals)])
    for i in range(len(plan)):
        end = (i + 1) * length
        u = end - due  # everything that arrived before u is due by the end of interval i
        if u > 0:
            k = min(int(u // length), len(arrivals))
            arrived = cum[k] + (arrivals[k] * (u - k * length) / length if k < len(arrivals) else 0)
            assert answered[i] >= arrived - 1e-6
        assert plan[i].backlog >= -1e-9


def test_backlog_refuses_bad_parameters():
    with pytest.raises(Invalid):
        backlog_plan([1], 3600, BacklogTarget(0, tickets_per_hour=6))
    with pytest.raises(Invalid):
        backlog_plan([1], 3600, BacklogTarget(1800, tickets_per_hour=-1))
    with pytest.raises(Invalid):
        backlog_plan([-1], 3600, BacklogTarget(1800, tickets_per_hour=6))
