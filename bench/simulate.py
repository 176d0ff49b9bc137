"""Staffing simulation benchmark: the roster solver's plan with careloop routing (least loaded,
language fallback) against fixed 3x8 shifts (06, 14, 22 UTC) with round robin, on the same
arrivals and the same agent-hours.

From --seed it draws --history-weeks (6) of hourly ticket history for six languages (each with
its customers' UTC offset for the daily peak, quieter weekends, --daily tickets on a weekday),
forecasts the next --weeks (1) per language with careloop's forecast, turns the forecast into
agents per hour and language (Erlang C over the agents' ticket slots: 90% taken within
--answer-seconds, 180), solves the roster for --agents (80) agents (8-hour shifts every 2
hours, 5 a week, 11 hours of rest) in --time-limit (30) seconds, and builds the baseline with the
solver's agent-hours. Both plans then replay one trace drawn from the true process (not the
forecast), with log-normal handling (--handle mean) and resolution (--resolve mean) times and
capacity --capacity. The measured window starts at 06:00 UTC of the first day (the baseline's first
shift). Prints first-response p50/p90, SLA attainment (first response within --sla minutes,
24/7), the largest backlog, fallback assignments, occupancy and agent-hours of both plans.
Target (issue 7): the solver's plan at a first-response p90 under 10 minutes with no more
agent-hours than the baseline.

    .venv/bin/python bench/simulate.py [--weeks 1] [--agents 80] [--daily 1500]
        [--time-limit 30] [--seed 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime, timedelta

import ortools

from careloop.sla.model import Terms
from careloop.workforce.forecast import ForecastSettings, forecast_arrivals
from careloop.workforce.simulate import Report, compare
from careloop.workforce.simulate_plans import (
    BASELINE_STARTS,
    Durations,
    LanguageLoad,
    agent_pool,
    apportion,
    baseline_plan,
    expected_per_hour,
    required_per_hour,
    roster_problem,
    solver_plan,
    trace_from_rates,
)

LOADS = (
    LanguageLoad("en", 0.40, -5),
    LanguageLoad("es", 0.15, -5),
    LanguageLoad("fr", 0.15, 1),
    LanguageLoad("de", 0.10, 1),
    LanguageLoad("pt", 0.10, -3),
    LanguageLoad("zh", 0.10, 8),
)
START = datetime(2024, 3, 4, tzinfo=UTC)  # a Monday
WARM_UP = timedelta(hours=BASELINE_STARTS[0])


def setup(args: argparse.Namespace) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"setup: {platform.node()} {platform.machine()} {os.cpu_count()} cores,"
        f" load average {load}; Python {platform.python_version()}, OR-Tools {ortools.__version__}"
    )


def forecast(args: argparse.Namespace) -> dict[str, list[float]]:
    """Each language's hourly forecast for the simulated weeks, from seeded history."""
    weeks = args.history_weeks
    first = START - timedelta(weeks=weeks)
    truth = expected_per_hour(first, weeks * 7, args.daily, LOADS)
    history = trace_from_rates(first, dict(truth), Durations(), args.seed + 1)
    out = {}
    for load in LOADS:
        counts = [0] * (weeks * 7 * 24)
        for t in history:
            if t.language == load.language:
                counts[int((t.arrived_at - first) // timedelta(hours=1))] += 1
        made = forecast_arrivals(counts, first, ForecastSettings(weeks=args.weeks))
        out[load.language] = [i.expected for i in made.intervals]
    return out


def show(report: Report, hours: float) -> None:
    p50 = report.first_response_p50 or 0
    p90 = report.first_response_p90 or 0
    attainment = report.sla_attainment
    busy = sorted(a.occupancy for a in report.agents if a.on_duty_hours)
    mean_occ = sum(busy) / len(busy) if busy else 0.0
    when = report.largest_backlog_at.strftime("%a %H:%M") if report.largest_backlog_at else "-"
    print(
        f"  {report.plan:<18} p50 {p50 / 60:6.1f} min  p90 {p90 / 60:6.1f} min  SLA"
        f" {0 if attainment is None else attainment:7.2%}  answered {report.answered:,}/"
        f"{report.tickets:,} (open {report.open_at_end})  largest backlog"
        f" {report.largest_backlog} ({when})  fallback {report.fallback_assignments}  handed off"
        f" {report.handed_off}  occupancy {mean_occ:.0%}  agent-hours {hours:,.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=1)
    parser.add_argument("--history-weeks", type=int, default=6)
    parser.add_argument("--agents", type=int, default=80)
    parser.add_argument("--daily", type=float, default=1500.0)
    parser.add_argument("--capacity", type=int, default=3)
    parser.add_argument("--handle", type=float, default=240.0)
    parser.add_argument("--resolve", type=float, default=600.0)
    parser.add_argument("--answer-seconds", type=float, default=180.0)
    parser.add_argument("--sla", type=float, default=30.0)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    setup(args)
    days = args.weeks * 7
    durations = Durations(args.handle, args.resolve)
    started = time.perf_counter()
    rates = forecast(args)
    required = required_per_hour(
        rates, durations, capacity=args.capacity, answer_seconds=args.answer_seconds
    )
    for need in required.values():
        need[: WARM_UP // timedelta(hours=1)] = [0] * (WARM_UP // timedelta(hours=1))
    print(
        f"forecast and staffing: {len(LOADS)} languages, {days} days, about {args.daily:,.0f}"
        f" tickets a weekday; {sum(map(sum, required.values())):,} agent-hours wanted"
        f" ({time.perf_counter() - started:.1f} s)"
    )
    agents = agent_pool(args.agents, LOADS, args.seed, capacity=args.capacity)
    problem = roster_problem(agents, required, START, days)
    started = time.perf_counter()
    solver, solution = solver_plan(agents, problem, time_limit=args.time_limit)
    hours = solver.agent_hours()
    print(
        f"roster: {args.agents} agents, {len(problem.shift_types)} shift types, status"
        f" {solution.status}, objective {solution.objective}, bound {solution.bound},"
        f" {len(solution.assignments)} shifts ({hours:,.0f} agent-hours) in"
        f" {time.perf_counter() - started:.1f} s; under-cover"
        f" {sum(x.amount for x in solution.penalties if x.kind == 'demand_under'):,} agent-hours"
    )
    windows = [0.0, 0.0, 0.0]
    for need in rates.values():
        for h, n in enumerate(need):
            windows[((h % 24 - 6) % 24) // 8] += n
    baseline = baseline_plan(agents, START, days, hours, weights=windows)
    print(
        f"baseline: shifts at {', '.join(f'{h:02d}:00' for h in BASELINE_STARTS)} UTC with"
        f" {apportion(round(hours / 8 / days), windows)} agents a day (split by forecast volume),"
        f" {baseline.agent_hours():,.0f} agent-hours"
    )
    truth = expected_per_hour(START, days, args.daily, LOADS)
    for series in truth.values():
        series[: WARM_UP // timedelta(hours=1)] = [0.0] * (WARM_UP // timedelta(hours=1))
    trace = trace_from_rates(START, dict(truth), durations, args.seed)
    end = START + timedelta(days=days, hours=8)
    print(
        f"trace: {len(trace):,} tickets from {START:%Y-%m-%d} 06:00 UTC for {days} days (seed"
        f" {args.seed}); handling mean {args.handle:.0f} s, resolution mean {args.resolve:.0f} s,"
        f" capacity {args.capacity}; SLA first response {args.sla:g} min, 24/7"
    )
    started = time.perf_counter()
    sla = Terms(None, first_response=round(args.sla * 60))
    a, b = compare(solver, baseline, trace, end=end, sla=sla)
    print(f"simulated both plans in {time.perf_counter() - started:.1f} s:")
    show(a, solver.agent_hours())
    show(b, baseline.agent_hours())
    p90 = (a.first_response_p90 or 0) / 60
    verdict = "met" if p90 < 10 and solver.agent_hours() <= baseline.agent_hours() else "missed"
    print(f"target (solver p90 < 10 min, agent-hours <= baseline): {verdict}")
    setup(args)


if __name__ == "__main__":
    main()
