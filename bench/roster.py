"""Roster solver benchmark: the Curtois & Qu instances against their best known values, and a
careloop-shaped roster (agents in three time zones, hourly demand per language group).

Part one solves Instance1 to Instance10 (from --data, by default ../shared/data/shift-scheduling
next to the repository) at --time-limit seconds each (60) with --workers CP-SAT workers (2) and
prints per instance the objective, the solver's bound, the best known value and the gap to it.
Targets on a 2-core machine: 1 to 3 proven optimal; 4 to 10 within 2% of the best known value
(8 within 10%).

Part two (--careloop) generates, from --seed, --agents (150) agents over --days (28) days in
America/New_York, Europe/Berlin and Asia/Shanghai with four 8-hour shift types on their own wall
clock, contracts (18 to 20 shifts, 5 a week, at most 5 in a row, 2 days off in a row, 11 hours of
rest, 2 weekends), a week of leave for one agent in fifteen (the minimum prorated), a few
weighted requests, and an
hourly demand for six language groups (each group's customers in its own zone, a daily curve,
quieter weekends) sized to about 85% of the agent-hours. It prints the time to the first
feasible roster and the objective, bound and gap after 10 s and after 60 s (--careloop-limits).

    .venv/bin/python bench/roster.py [--time-limit 60] [--workers 2] [--instances 1-10]
        [--careloop] [--careloop-only] [--seed 7]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import time
from dataclasses import replace
from datetime import time as clock_time
from pathlib import Path

import ortools

from careloop.workforce.roster import solve_roster
from careloop.workforce.roster_model import (
    Contract,
    Demand,
    DemandGroup,
    Employee,
    Leave,
    Progress,
    RosterProblem,
    ShiftRequest,
    ShiftType,
)
from careloop.workforce.shift_benchmark import benchmark_row

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "shift-scheduling"
ZONES = ("America/New_York", "Europe/Berlin", "Asia/Shanghai")
# Language group: (share of the demand, the customers' UTC offset for the daily curve, the
# agents' zone weights).
GROUPS = {
    "en": (0.40, -5, (0.6, 0.2, 0.2)),
    "es": (0.15, -5, (0.8, 0.2, 0.0)),
    "fr": (0.15, 1, (0.1, 0.8, 0.1)),
    "de": (0.10, 1, (0.0, 0.9, 0.1)),
    "pt": (0.10, -3, (0.7, 0.3, 0.0)),
    "zh": (0.10, 8, (0.0, 0.0, 1.0)),
}


def setup(args: argparse.Namespace) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"setup: {platform.node()} {platform.machine()} {os.cpu_count()} cores,"
        f" load average {load}; Python {platform.python_version()}, OR-Tools"
        f" {ortools.__version__}, {args.workers} workers"
    )


def instances(args: argparse.Namespace) -> None:
    first, _, last = args.instances.partition("-")
    numbers = range(int(first), int(last or first) + 1)
    print(f"Curtois & Qu instances at {args.time_limit:g} s each")
    print(f"{'instance':<12}{'objective':>10}{'bound':>8}{'best':>8}{'gap':>9}{'seconds':>9}")
    for n in numbers:
        row = benchmark_row(
            args.data / f"Instance{n}.txt", time_limit=args.time_limit, workers=args.workers
        )
        gap = "-" if row["gap"] is None else f"{row['gap']:.2%}"
        print(
            f"{row['instance']:<12}{row['objective']!s:>10}{row['bound']!s:>8}"
            f"{row['best_known']!s:>8}{gap:>9}{row['seconds']:>9.1f}",
            flush=True,
        )


def careloop_problem(args: argparse.Namespace) -> RosterProblem:
    """The generated careloop-shaped roster problem (see the module docstring)."""
    rng = random.Random(args.seed)
    shifts = (
        ShiftType("E", 480, clock_time(6)),
        ShiftType("D", 480, clock_time(10)),
        ShiftType("L", 480, clock_time(14)),
        ShiftType("N", 480, clock_time(22)),
    )
    contract = Contract(
        min_minutes=18 * 480 * args.days // 28,
        max_minutes=20 * 480 * args.days // 28,
        max_minutes_per_week=5 * 480,
        max_consecutive_shifts=5,
        min_consecutive_days_off=2,
        min_rest_minutes=11 * 60,
        max_weekends=2 * args.days // 28,
    )
    names = list(GROUPS)
    employees, leave, requests = [], [], []
    for i in range(args.agents):
        lang = rng.choices(names, weights=[GROUPS[g][0] for g in names])[0]
        zone = rng.choices(ZONES, weights=GROUPS[lang][2])[0]
        langs = {lang} | ({"en"} if lang != "en" and rng.random() < 0.3 else set())
        eid = f"a{i:03d}"
        own = contract
        if i % 15 == 0:  # a week of leave, and the contract's minimum prorated
            start = rng.randrange(0, args.days - 7)
            leave.append(Leave(eid, frozenset(range(start, start + 7))))
            own = replace(contract, min_minutes=contract.min_minutes * (args.days - 7) // args.days)
        employees.append(Employee(eid, own, languages=frozenset(langs), timezone=zone))
        for _ in range(2):
            day, shift = rng.randrange(args.days), rng.choice(shifts).id
            requests.append(ShiftRequest(eid, day, shift, rng.randint(1, 3), rng.random() < 0.3))
    hours = args.days * 24
    curve = {}
    for g, (_, offset, _) in GROUPS.items():
        for h in range(hours):
            local = (h + offset) % 24
            weekday = ((h + offset) // 24) % 7
            daily = 0.35 + 0.65 * max(0.0, math.sin((local - 7) / 16 * math.pi))
            curve[g, h] = daily * (0.75 if weekday >= 5 else 1.0)
    agent_hours = args.agents * 19 * 8 * args.days / 28 * 0.85
    demand = []
    for g, (share, _, _) in GROUPS.items():
        scale = agent_hours * share / sum(curve[g, h] for h in range(hours))
        for h in range(hours):
            demand.append(Demand(g, h, max(1, round(scale * curve[g, h])), 10, 1))
    return RosterProblem(
        days=args.days,
        shift_types=shifts,
        employees=tuple(employees),
        leave=tuple(leave),
        requests=tuple(requests),
        groups=tuple(DemandGroup(g, g) for g in names),
        demand=tuple(demand),
        fairness_weight=1,
    )


def careloop(args: argparse.Namespace) -> None:
    problem = careloop_problem(args)
    print(
        f"careloop-shaped: {len(problem.employees)} agents, {problem.days} days,"
        f" {len(problem.groups)} language groups, {len(ZONES)} time zones,"
        f" {sum(d.required for d in problem.demand):,} agent-hours wanted"
    )
    for limit in args.careloop_limits:
        seen: list[Progress] = []
        started = time.perf_counter()
        solution = solve_roster(
            problem, time_limit=limit, workers=args.workers, on_progress=seen.append
        )
        first = f"{seen[0].seconds:.1f} s" if seen else "none"
        gap = "-" if solution.gap is None else f"{solution.gap:.2%}"
        print(
            f"  limit {limit:g} s: first feasible after {first}; objective {solution.objective},"
            f" bound {solution.bound}, gap {gap}; {time.perf_counter() - started:.1f} s in all",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--instances", default="1-10")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--careloop", action="store_true", help="also the careloop-shaped roster")
    parser.add_argument("--careloop-only", action="store_true")
    parser.add_argument("--careloop-limits", default="10,60")
    parser.add_argument("--agents", type=int, default=150)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.careloop_limits = [float(x) for x in args.careloop_limits.split(",")]
    setup(args)
    if not args.careloop_only:
        instances(args)
    if args.careloop or args.careloop_only:
        careloop(args)
    setup(args)  # the load average again, after the runs


if __name__ == "__main__":
    main()
