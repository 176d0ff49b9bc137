"""The staffing simulator: tickets conserved, a timeline checked by hand, routing decisions equal
to routing/model.py's, more agents never slower, the language fallback, shift-end hand-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from careloop.routing.model import Policies, RoutingPolicy, Strategy, choose_many, queue_key
from careloop.sla.model import Terms
from careloop.tickets.model import Priority
from careloop.workforce.model import Interval
from careloop.workforce.simulate import Plan, SimAgent, SimTicket, compare, simulate
from careloop.workforce.simulate_plans import (
    Durations,
    LanguageLoad,
    agent_pool,
    apportion,
    baseline_plan,
    expected_per_hour,
    trace_from_history,
    trace_from_rates,
)

DAY = datetime(2024, 3, 4, tzinfo=UTC)  # a Monday
LOADS = (LanguageLoad("en", 0.5, -5), LanguageLoad("fr", 0.3, 1), LanguageLoad("zh", 0.2, 8))


def at(hour: int, minute: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute)


def shift(agent_id: int, start: datetime, end: datetime) -> tuple[int, Interval]:
    return agent_id, Interval(start, end)


def synthetic(seed: int, daily: float = 600, days: int = 2) -> list[SimTicket]:
    rates = expected_per_hour(DAY, days, daily, LOADS)
    return trace_from_rates(DAY, dict(rates), Durations(240, 600), seed)


def round_the_clock(
    agents: tuple[SimAgent, ...], days: int = 2
) -> tuple[tuple[int, Interval], ...]:
    """Agents spread over three 8-hour shifts a day, in turn."""
    out = []
    for d in range(days):
        for i, agent in enumerate(agents):
            start = DAY + timedelta(days=d, hours=8 * (i % 3))
            out.append(shift(agent.id, start, start + timedelta(hours=8)))
    return tuple(out)


def test_every_ticket_is_answered_or_still_open() -> None:
    trace = synthetic(seed=3, daily=1500)
    agents = agent_pool(9, LOADS, seed=3, capacity=2)
    plan = Plan("thin", agents, round_the_clock(agents))
    end = DAY + timedelta(days=1, hours=13)  # mid-run: a backlog and tickets in hand
    report = simulate(plan, trace, end=end)
    arrived = {t.id for t in trace if t.arrived_at <= end}
    answered = set(report.first_response_at)
    assert answered <= arrived
    assert report.open_at_end > 0  # the case is tight enough to leave some open
    assert report.answered + report.open_at_end == report.tickets == len(arrived)
    assert len(answered) == report.answered


def test_one_agent_three_tickets_timeline_by_hand() -> None:
    # A waits for the shift; urgent C overtakes B in the queue when A's slot frees at 09:15.
    trace = [
        SimTicket(1, at(8, 50), None, handle_seconds=300, resolve_seconds=600),
        SimTicket(2, at(9, 2), None, handle_seconds=120, resolve_seconds=60),
        SimTicket(3, at(9, 3), None, 60, 60, priority=Priority.URGENT),
    ]
    plan = Plan("one", (SimAgent(7, ("en",), capacity=1),), (shift(7, at(9), at(17)),))
    report = simulate(plan, trace, end=at(18), sla=Terms(None, first_response=15 * 60))
    assert report.first_response_at == {1: at(9, 5), 3: at(9, 16), 2: at(9, 19)}
    assert report.first_response_p50 == 15 * 60  # waits: 15, 13 and 17 minutes
    assert report.first_response_p90 == 17 * 60
    assert (report.sla_met, report.sla_missed) == (2, 1)  # B was due 09:17
    assert (report.largest_backlog, report.largest_backlog_at) == (2, at(9, 3))
    (agent,) = report.agents
    assert agent.on_duty_hours == 8
    assert agent.answered == 3
    assert agent.occupancy == pytest.approx(20 / 480)  # held one ticket 09:00 to 09:20
    assert report.agent_hours == plan.agent_hours() == 8


def test_routing_decisions_are_routing_models() -> None:
    trace = synthetic(seed=5)
    agents = agent_pool(12, LOADS, seed=5, capacity=3)
    for strategy in Strategy:
        plan = Plan("p", agents, round_the_clock(agents), RoutingPolicy(strategy=strategy))
        report = simulate(plan, trace, end=DAY + timedelta(days=2), record_passes=True)
        assert report.passes
        last: dict[int, int] = {}
        for p in report.passes:
            assert list(p.queue) == sorted(p.queue, key=queue_key)
            made, _ = choose_many(
                p.queue, p.candidates, Policies(plan.policy), p.at, after_agent_id=p.after_agent_id
            )
            assert made == p.decisions
            last.update({t: d.agent_id for t, d in made.items()})
        assert report.assignee == {t: a for t, a in last.items() if t in report.assignee}


def test_more_agents_never_worsen_p90() -> None:
    for seed in range(4):
        trace = synthetic(seed, daily=700)
        agents = agent_pool(15, LOADS, seed=seed, capacity=3)
        extra = tuple(SimAgent(100 + i, a.languages, a.capacity) for i, a in enumerate(agents[:6]))
        few = Plan("few", agents, round_the_clock(agents))
        many = Plan("many", agents + extra, few.shifts + round_the_clock(extra))
        a, b = compare(few, many, trace, end=DAY + timedelta(days=2, hours=8))
        assert a.first_response_p90 is not None and b.first_response_p90 is not None
        assert b.first_response_p90 <= a.first_response_p90, seed
        assert b.agent_hours > a.agent_hours


def test_a_language_nobody_speaks_waits_for_the_fallback() -> None:
    trace = [SimTicket(1, at(9), "sw", 60, 60), SimTicket(2, at(9), "en", 60, 60)]
    plan = Plan("en only", (SimAgent(1, ("en",), capacity=2),), (shift(1, at(8), at(16)),))
    report = simulate(plan, trace, end=at(12))
    assert report.first_response_at == {2: at(9, 1), 1: at(9, 11)}  # 10 minutes, then 1
    assert report.fallback_assignments == 1
    assert report.open_at_end == 0


def test_unanswered_tickets_go_back_at_shift_end() -> None:
    trace = [SimTicket(1, at(9, 55), None, handle_seconds=600, resolve_seconds=60)]
    agents = (SimAgent(1, ("en",)), SimAgent(2, ("en",)))
    plan = Plan("two", agents, (shift(1, at(9), at(10)), shift(2, at(10), at(18))))
    report = simulate(plan, trace, end=at(12))
    assert report.handed_off == 1
    assert report.assignee == {1: 2}
    assert report.first_response_at == {1: at(10, 10)}  # the new agent starts over


def test_trace_and_baseline_builders() -> None:
    assert trace_from_rates(DAY, {"en": [3.0] * 24}, Durations(), 1) == trace_from_rates(
        DAY, {"en": [3.0] * 24}, Durations(), 1
    )
    rows = [(at(10), "fr"), (at(9), "en")]
    assert [t.language for t in trace_from_history(rows, Durations(), 1)] == ["en", "fr"]
    assert apportion(7, [1, 2, 1]) == [2, 3, 2]
    agents = agent_pool(30, LOADS, seed=1, capacity=3)
    base = baseline_plan(agents, DAY, 7, 7 * 24 * 8, weights=(1, 2, 1))
    assert base.agent_hours() == 7 * 24 * 8
    assert base.policy.strategy == Strategy.ROUND_ROBIN
    starts = sorted({s.start.hour for _, s in base.shifts})
    assert starts == [6, 14, 22]
