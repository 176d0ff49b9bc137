"""The roster solver: a RosterProblem as a CP-SAT model (a boolean per agent, day and shift type),
solved within a time limit with progress reported; contracts that cannot all hold are named from
a core of CP-SAT assumptions."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from careloop.workforce.model import Interval
from careloop.workforce.roster_model import (
    Assignment,
    Employee,
    Penalty,
    Progress,
    RosterInfeasible,
    RosterProblem,
    RosterSolution,
)

OnProgress = Callable[[Progress], None]
# How long the conflict search may take at most, whatever the solve's own limit.
DIAGNOSIS_SECONDS = 20.0


@dataclass
class _Term:
    """A soft term of the objective: `cost * value(var)` is paid (plus `offset` for a request
    to work, paid when the shift is not worked)."""

    penalty: Penalty
    var: cp_model.IntVar
    coefficient: int
    offset: int = 0


class _Builder:
    """Builds the model. In diagnosis mode every hard rule of an agent is enforced by one literal
    per (agent, rule) and no objective is set, so an infeasible core names rules."""

    def __init__(self, problem: RosterProblem, *, diagnose: bool = False) -> None:
        self.p = problem
        self.diagnose = diagnose
        self.m = cp_model.CpModel()
        self.groups: dict[str, cp_model.IntVar] = {}
        self.x: dict[tuple[int, int, int], cp_model.IntVar] = {}
        self.w: dict[tuple[int, int], cp_model.IntVar] = {}
        self.terms: list[_Term] = []
        self.spans: dict[tuple[str, int, int], Interval | None] = {}
        away: dict[str, set[int]] = {}
        for leave in problem.leave:
            away.setdefault(leave.employee, set()).update(leave.days)
        self.away = away

    def span(self, e: Employee, day: int, s_i: int) -> Interval | None:
        key = (e.timezone, day, s_i)
        if key not in self.spans:
            self.spans[key] = self.p.span(e, day, self.p.shift_types[s_i])
        return self.spans[key]

    def hard(self, constraint: cp_model.Constraint, employee: Employee, rule: str) -> None:
        if self.diagnose:
            name = f"{employee.id}: {rule}"
            if name not in self.groups:
                self.groups[name] = self.m.new_bool_var(name)
            constraint.only_enforce_if(self.groups[name])

    def build(self) -> _Builder:
        p = self.p
        for e_i, e in enumerate(p.employees):
            self._variables(e_i, e)
            self._contract(e_i, e)
        if not self.diagnose:
            self._requests()
            self._cover()
            self._demand()
            self._fairness()
            self.m.minimize(
                sum(t.coefficient * t.var for t in self.terms) + sum(t.offset for t in self.terms)
            )
        return self

    def _variables(self, e_i: int, e: Employee) -> None:
        p, m = self.p, self.m
        banned = e.days_off | self.away.get(e.id, set())
        for d in range(p.days):
            xs = []
            for s_i, s in enumerate(p.shift_types):
                if not self.diagnose and d in banned:
                    continue
                if e.contract.max_shifts.get(s.id, 1) == 0 and not self.diagnose:
                    continue
                self.x[e_i, d, s_i] = v = m.new_bool_var(f"x_{e.id}_{d}_{s.id}")
                xs.append(v)
            self.w[e_i, d] = w = m.new_bool_var(f"w_{e.id}_{d}")
            # Exactly one of: a shift, or the day off: at most one shift a day, and w says which.
            m.add_exactly_one([*xs, w.Not()])
            if self.diagnose and d in e.days_off:
                self.hard(m.add(w == 0), e, "fixed days off")
            if self.diagnose and d in self.away.get(e.id, set()):
                self.hard(m.add(w == 0), e, "leave")

    def _contract(self, e_i: int, e: Employee) -> None:
        p, m, c = self.p, self.m, self.p.employees[e_i].contract
        x = {(d, s): v for (ei, d, s), v in self.x.items() if ei == e_i}
        w = [self.w[e_i, d] for d in range(p.days)]

        def minutes(days: Sequence[int]) -> cp_model.LinearExprT:
            return sum(p.shift_types[s].minutes * v for (d, s), v in x.items() if d in days)

        for s_i, s in enumerate(p.shift_types):
            limit = c.max_shifts.get(s.id)
            if limit is not None:
                self.hard(
                    m.add(sum(v for (_, t), v in x.items() if t == s_i) <= limit),
                    e,
                    f"max shifts {s.id}",
                )
        every = range(p.days)
        if c.max_minutes is not None:
            self.hard(m.add(minutes(every) <= c.max_minutes), e, "max total minutes")
        if c.min_minutes:
            self.hard(m.add(minutes(every) >= c.min_minutes), e, "min total minutes")
        for days, whole in p.weeks():
            if c.max_minutes_per_week is not None:
                self.hard(m.add(minutes(days) <= c.max_minutes_per_week), e, "max minutes per week")
            if c.min_minutes_per_week and whole:
                self.hard(m.add(minutes(days) >= c.min_minutes_per_week), e, "min minutes per week")
        k = c.max_consecutive_shifts
        if k is not None:
            for d in range(p.days - k):
                self.hard(m.add(sum(w[d : d + k + 1]) <= k), e, "max consecutive shifts")
        self._min_runs(e, w, c.min_consecutive_shifts, "min consecutive shifts", working=True)
        self._min_runs(e, w, c.min_consecutive_days_off, "min consecutive days off", working=False)
        if c.max_weekends is not None:
            worked = []
            for days in p.weekends():
                we = m.new_bool_var(f"we_{e.id}_{days[0]}")
                for d in days:
                    m.add_implication(w[d], we)
                worked.append(we)
            self.hard(m.add(sum(worked) <= c.max_weekends), e, "max weekends")
        self._successions(e_i, e, x)

    def _min_runs(
        self, e: Employee, w: list[cp_model.IntVar], least: int, rule: str, *, working: bool
    ) -> None:
        """No run (of work, or of days off) shorter than `least` with days on both sides: a run
        touching the horizon's start or end is exempt. One clause per forbidden run."""
        days = self.p.days
        for length in range(1, least):
            for d in range(1, days - length):
                inside = [w[i].Not() if working else w[i] for i in range(d, d + length)]
                edges = (
                    [w[d - 1], w[d + length]] if working else [w[d - 1].Not(), w[d + length].Not()]
                )
                self.hard(self.m.add_bool_or([*edges, *inside]), e, rule)

    def _successions(
        self, e_i: int, e: Employee, x: dict[tuple[int, int], cp_model.IntVar]
    ) -> None:
        """Forbidden successions and too short a rest, as clauses over consecutive days."""
        p = self.p
        rest = e.contract.min_rest_minutes
        for s_i, s in enumerate(p.shift_types):
            for t_i, t in enumerate(p.shift_types):
                for d in range(p.days - 1):
                    a, b = x.get((d, s_i)), x.get((d + 1, t_i))
                    if a is None or b is None:
                        continue
                    if t.id in s.cannot_follow:
                        self.hard(
                            self.m.add_bool_or([a.Not(), b.Not()]), e, "forbidden successions"
                        )
                        continue
                    first, second = self.span(e, d, s_i), self.span(e, d + 1, t_i)
                    if first is None or second is None:
                        continue
                    gap = (second.start - first.end).total_seconds() / 60
                    if gap < rest or gap < 0:
                        rule = "min rest between shifts" if gap >= 0 else "shifts overlap"
                        self.hard(self.m.add_bool_or([a.Not(), b.Not()]), e, rule)

    def _requests(self) -> None:
        index = {e.id: i for i, e in enumerate(self.p.employees)}
        shift_index = {s.id: i for i, s in enumerate(self.p.shift_types)}
        for r in self.p.requests:
            var = self.x.get((index[r.employee], r.day, shift_index[r.shift]))
            kind = "shift_on_request" if r.on else "shift_off_request"
            penalty = Penalty(kind, r.weight, 1, r.employee, r.day, r.shift)
            if var is None:
                if r.on:  # cannot be granted: paid whatever the roster
                    self.terms.append(_Term(penalty, self.m.new_constant(1), r.weight))
                continue
            if r.on:
                self.terms.append(_Term(penalty, var, -r.weight, r.weight))
            else:
                self.terms.append(_Term(penalty, var, r.weight))

    def _slacks(
        self, name: str, count: cp_model.LinearExpr, required: int, people: int
    ) -> tuple[cp_model.IntVar, cp_model.IntVar]:
        under = self.m.new_int_var(0, required, f"under_{name}")
        over = self.m.new_int_var(0, max(0, people - required), f"over_{name}")
        self.m.add(count + under - over == required)
        return under, over

    def _cover(self) -> None:
        shift_index = {s.id: i for i, s in enumerate(self.p.shift_types)}
        n = len(self.p.employees)
        for c in self.p.cover:
            s_i = shift_index[c.shift]
            count = cp_model.LinearExpr.sum(
                [v for (_, d, s), v in self.x.items() if d == c.day and s == s_i]
            )
            under, over = self._slacks(f"{c.day}_{c.shift}", count, c.requirement, n)
            for var, kind, cost in (
                (under, "cover_under", c.under_weight),
                (over, "cover_over", c.over_weight),
            ):
                self.terms.append(
                    _Term(Penalty(kind, cost, 1, day=c.day, shift=c.shift), var, cost)
                )

    def _demand(self) -> None:
        if not self.p.demand:
            return
        groups = {g.id: g for g in self.p.groups}
        covering: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
        for (e_i, d, s_i), v in self.x.items():
            e = self.p.employees[e_i]
            for i in self.p.intervals_covered(e, d, self.p.shift_types[s_i]):
                covering.setdefault(i, []).append((e_i, v))
        for dm in self.p.demand:
            g = groups[dm.group]
            qualified = [
                v for e_i, v in covering.get(dm.interval, []) if g.qualifies(self.p.employees[e_i])
            ]
            under, over = self._slacks(
                f"{dm.group}_{dm.interval}",
                cp_model.LinearExpr.sum(qualified),
                dm.required,
                len(qualified),
            )
            for var, kind, cost in (
                (under, "demand_under", dm.under_weight),
                (over, "demand_over", dm.over_weight),
            ):
                penalty = Penalty(kind, cost, 1, group=dm.group, interval=dm.interval)
                self.terms.append(_Term(penalty, var, cost))

    def _fairness(self) -> None:
        if not self.p.fairness_weight or not self.p.employees:
            return
        most = self.m.new_int_var(0, self.p.days, "most_shifts")
        least = self.m.new_int_var(0, self.p.days, "least_shifts")
        for e_i in range(len(self.p.employees)):
            worked = sum(self.w[e_i, d] for d in range(self.p.days))
            self.m.add(most >= worked)
            self.m.add(least <= worked)
        spread = self.m.new_int_var(0, self.p.days, "spread")
        self.m.add(spread == most - least)
        cost = self.p.fairness_weight
        self.terms.append(_Term(Penalty("fairness", cost, 1), spread, cost))


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, on_progress: OnProgress, started: float) -> None:
        super().__init__()
        self.on_progress = on_progress
        self.started = started

    def on_solution_callback(self) -> None:
        self.on_progress(
            Progress(
                objective=round(self.objective_value),
                bound=math.ceil(self.best_objective_bound - 1e-6),
                seconds=time.perf_counter() - self.started,
            )
        )


def solve_roster(
    problem: RosterProblem,
    *,
    time_limit: float = 30.0,
    workers: int = 2,
    on_progress: OnProgress | None = None,
    seed: int = 0,
) -> RosterSolution:
    """The best roster found within `time_limit` seconds. Raises Invalid for a malformed problem
    and RosterInfeasible, naming conflicting rules, when the hard rules cannot all hold."""
    problem.validate()
    started = time.perf_counter()
    built = _Builder(problem).build()
    solver = cp_model.CpSolver()
    _configure(solver, time_limit=time_limit, workers=workers, seed=seed)
    reporter = _Reporter(on_progress, started) if on_progress else None
    status = solver.solve(built.m, reporter)
    if status == cp_model.INFEASIBLE:
        left = time_limit - (time.perf_counter() - started)
        raise RosterInfeasible(
            "the contracts, days off and leave cannot all hold",
            {"conflicts": conflicting_rules(problem, max(1.0, min(DIAGNOSIS_SECONDS, left)))},
        )
    seconds = time.perf_counter() - started
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return RosterSolution(
            "unknown", (), (), None, math.ceil(solver.best_objective_bound), seconds
        )
    return _solution(problem, built, solver, status, seconds)


def _configure(solver: cp_model.CpSolver, *, time_limit: float, workers: int, seed: int) -> None:
    """Below four workers CP-SAT's default portfolio leaves out its LP-heavy workers, whose
    bounds are what proves optimality here; so small counts name them (bench/roster.py)."""
    params = solver.parameters
    params.max_time_in_seconds = time_limit
    params.random_seed = seed
    params.num_workers = max(1, workers)
    if workers <= 1:
        params.linearization_level = 2
    elif workers < 4:
        params.subsolvers.extend(["max_lp", "core", "default_lp"][:workers])


def _solution(
    problem: RosterProblem,
    built: _Builder,
    solver: cp_model.CpSolver,
    status: cp_model.CpSolverStatus,
    seconds: float,
) -> RosterSolution:
    assignments = tuple(
        Assignment(problem.employees[e_i].id, d, problem.shift_types[s_i].id)
        for (e_i, d, s_i), v in sorted(built.x.items())
        if solver.boolean_value(v)
    )
    penalties = []
    for t in built.terms:
        value = solver.value(t.var)
        paid = t.coefficient * value + t.offset
        if paid:
            amount = value if t.offset == 0 else 1
            penalties.append(Penalty(**{**t.penalty.__dict__, "cost": paid, "amount": amount}))
    objective = round(solver.objective_value)
    bound = (
        objective if status == cp_model.OPTIMAL else math.ceil(solver.best_objective_bound - 1e-6)
    )
    name = "optimal" if status == cp_model.OPTIMAL else "feasible"
    return RosterSolution(name, assignments, tuple(penalties), objective, bound, seconds)


def conflicting_rules(problem: RosterProblem, time_limit: float = DIAGNOSIS_SECONDS) -> list[str]:
    """A small set of hard rules ("employee: rule") that cannot hold together, from CP-SAT's
    assumptions core, shrunk by dropping each rule the rest still conflict without."""
    built = _Builder(problem, diagnose=True).build()
    names = sorted(built.groups)
    deadline = time.perf_counter() + time_limit

    def core(active: list[str]) -> list[str] | None:
        built.m.clear_assumptions()
        built.m.add_assumptions([built.groups[n] for n in active])
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.1, deadline - time.perf_counter())
        solver.parameters.num_workers = 1  # the core comes from the single-thread search
        if solver.solve(built.m) != cp_model.INFEASIBLE:
            return None
        by_index = {built.groups[n].index: n for n in active}
        return [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()]

    found = core(names)
    if found is None:
        return []
    for name in list(found):
        if time.perf_counter() > deadline or len(found) == 1:
            break
        smaller = core([n for n in found if n != name])
        if smaller is not None:
            found = smaller
    return sorted(found)
