"""What the simulator replays, pure: arrival traces (from history rows, from a forecast, or a
seeded synthetic process with daily and weekly cycles per language), the agents each plan staffs,
the roster solver's plan from per-hour demand, and the fixed three-shift baseline with the same
agent-hours."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from careloop.errors import Invalid
from careloop.routing.model import RoutingPolicy, Strategy
from careloop.workforce.model import Interval
from careloop.workforce.roster import solve_roster
from careloop.workforce.roster_model import (
    Contract,
    Demand,
    DemandGroup,
    Employee,
    RosterProblem,
    RosterSolution,
    ShiftType,
)
from careloop.workforce.simulate import Plan, SimAgent, SimTicket
from careloop.workforce.staffing import LiveTarget, live_staffing

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Durations:
    """How long agents take, drawn per ticket from log-normal distributions with these means
    (seconds) and the spread `sigma` of the underlying normal: answering (first response), then
    holding the ticket open until it is resolved."""

    handle_mean: float = 240.0
    resolve_mean: float = 900.0
    sigma: float = 0.6

    def draw(self, rng: random.Random) -> tuple[float, float]:
        mu = -(self.sigma**2) / 2  # a log-normal with mean 1
        return (
            self.handle_mean * rng.lognormvariate(mu, self.sigma),
            self.resolve_mean * rng.lognormvariate(mu, self.sigma),
        )


@dataclass(frozen=True)
class LanguageLoad:
    """One language's customers: their share of the tickets and their UTC offset (hours), which
    places their daily peak."""

    language: str
    share: float
    utc_offset: int = 0


def expected_per_hour(
    start: datetime, days: int, daily_volume: float, loads: Sequence[LanguageLoad]
) -> dict[str, list[float]]:
    """Expected arrivals per hour and language: a daytime curve on each language's local clock,
    quieter weekends (0.7); scaled so an average weekday brings `daily_volume` tickets."""
    out: dict[str, list[float]] = {}
    for load in loads:
        curve = []
        for h in range(days * 24):
            local = start + timedelta(hours=h + load.utc_offset)
            curve.append(_daily(local.hour) * (0.7 if local.weekday() >= 5 else 1.0))
        weekday_mean = sum(
            0.25 + math.sin(max(0, min(1, (h - 7) / 16)) * math.pi) for h in range(24)
        )
        scale = daily_volume * load.share / weekday_mean
        out[load.language] = [c * scale for c in curve]
    return out


def _daily(hour: int) -> float:
    """The daily curve: a floor at night, a peak in the local afternoon (07:00 to 23:00)."""
    return 0.25 + math.sin(max(0.0, min(1.0, (hour - 7) / 16)) * math.pi)


def trace_from_rates(
    start: datetime,
    rates: Mapping[str | None, Sequence[float]],
    durations: Durations,
    seed: int,
    interval: timedelta = HOUR,
) -> list[SimTicket]:
    """Arrivals drawn from expected counts per interval (a forecast, or `expected_per_hour`):
    a Poisson count per interval and group, at uniform instants inside it; seeded."""
    rng = random.Random(seed)  # noqa: S311 (a seeded simulation, not a secret)
    arrivals: list[tuple[datetime, str | None]] = []
    for language, counts in rates.items():
        for i, mean in enumerate(counts):
            for _ in range(_poisson(rng, mean)):
                arrivals.append((start + i * interval + rng.random() * interval, language))
    arrivals.sort(key=lambda a: (a[0], a[1] or ""))
    return [_ticket(i + 1, at, lang, durations, rng) for i, (at, lang) in enumerate(arrivals)]


def trace_from_history(
    rows: Sequence[tuple[datetime, str | None]], durations: Durations, seed: int
) -> list[SimTicket]:
    """Arrivals replayed from history rows (created_at, language); handling times drawn."""
    rng = random.Random(seed)  # noqa: S311 (a seeded simulation, not a secret)
    if any(at.tzinfo is None for at, _ in rows):
        raise Invalid("history instants need a time zone", {"field": "rows"})
    ordered = sorted(rows, key=lambda r: r[0])
    return [_ticket(i + 1, at, lang, durations, rng) for i, (at, lang) in enumerate(ordered)]


def _ticket(
    ticket_id: int, at: datetime, language: str | None, durations: Durations, rng: random.Random
) -> SimTicket:
    handle, resolve = durations.draw(rng)
    return SimTicket(ticket_id, at.astimezone(UTC), language, round(handle), round(resolve))


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 50:  # normal approximation: Knuth's product would underflow
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def required_per_hour(
    rates: Mapping[str, Sequence[float]],
    durations: Durations,
    *,
    capacity: int,
    answer_seconds: float,
    service_level: float = 0.9,
) -> dict[str, list[int]]:
    """Agents each language group needs per hour: Erlang C over the agents' ticket slots (each
    slot holds a ticket for handling plus resolution), asking `service_level` of tickets to be
    taken within `answer_seconds`; slots rounded up to whole agents of `capacity`."""
    hold = durations.handle_mean + durations.resolve_mean
    target = LiveTarget(hold, service_level=service_level, answer_seconds=answer_seconds)
    return {
        group: [math.ceil(live_staffing(a, 3600, target).agents / capacity) for a in counts]
        for group, counts in rates.items()
    }


def agent_pool(
    count: int, loads: Sequence[LanguageLoad], seed: int, *, capacity: int, second_en: float = 0.3
) -> tuple[SimAgent, ...]:
    """`count` agents whose main languages follow the loads' shares; a share `second_en` of the
    others also speak English (the usual fallback)."""
    rng = random.Random(seed)  # noqa: S311 (a seeded simulation, not a secret)
    languages = [lo.language for lo in loads]
    weights = [lo.share for lo in loads]
    agents = []
    for i in range(count):
        main = languages[i % len(languages)] if i < len(languages) else None
        main = main or rng.choices(languages, weights)[0]
        spoken = (main, "en") if main != "en" and rng.random() < second_en else (main,)
        agents.append(SimAgent(i + 1, spoken, capacity))
    return tuple(agents)


def roster_problem(
    agents: Sequence[SimAgent],
    required: Mapping[str, Sequence[int]],
    start: datetime,
    days: int,
    *,
    shift_every_hours: int = 2,
) -> RosterProblem:
    """The roster problem for a simulation: 8-hour shift types starting every
    `shift_every_hours` (UTC), contracts of 5 shifts a week and 11 hours of rest, and the hourly
    demand per language group (under-cover costs 10 an agent-hour, over-cover 1)."""
    if start.astimezone(UTC).time() != time(0):
        raise Invalid("a simulated roster starts at midnight UTC", {"field": "start"})
    shifts = tuple(ShiftType(f"S{h:02d}", 480, time(h)) for h in range(0, 24, shift_every_hours))
    contract = Contract(
        max_minutes_per_week=5 * 480, max_consecutive_shifts=5, min_rest_minutes=11 * 60
    )
    employees = tuple(
        Employee(str(a.id), contract, languages=frozenset(a.languages)) for a in agents
    )
    demand = tuple(
        Demand(group, h, need, 10, 1)
        for group, needs in required.items()
        for h, need in enumerate(needs[: days * 24])
        if need
    )
    return RosterProblem(
        days=days,
        shift_types=shifts,
        employees=employees,
        start=start.astimezone(UTC).date(),
        groups=tuple(DemandGroup(g, g) for g in required),
        demand=demand,
    )


def solver_plan(
    agents: Sequence[SimAgent],
    problem: RosterProblem,
    *,
    time_limit: float,
    policy: RoutingPolicy = RoutingPolicy(),
    name: str = "solver",
    solve: Callable[..., RosterSolution] = solve_roster,
) -> tuple[Plan, RosterSolution]:
    """The roster solver's shifts for `agents` as a plan, with the solution it came from."""
    solution = solve(problem, time_limit=time_limit)
    employees = {e.id: e for e in problem.employees}
    shifts = []
    for a in solution.assignments:
        span = problem.span(employees[a.employee], a.day, problem.shift_by_id[a.shift])
        if span is not None:
            shifts.append((int(a.employee), span))
    return Plan(name, tuple(agents), tuple(shifts), policy), solution


BASELINE_STARTS = (6, 14, 22)


def baseline_plan(
    agents: Sequence[SimAgent],
    start: datetime,
    days: int,
    agent_hours: float,
    *,
    weights: Sequence[float] = (1.0, 1.0, 1.0),
    name: str = "3x8 round robin",
) -> Plan:
    """Fixed 8-hour shifts at 06, 14 and 22 UTC each day, as many as `agent_hours` buys (spread
    evenly over the days, split between the three by `weights`), agents taken in turn from the
    pool so each shift's language mix is the pool's; routed round robin. Contracts are not
    checked: the baseline is what a lead writes in a spreadsheet."""
    if not agents or days <= 0:
        raise Invalid("a plan needs agents and days", {"field": "agents"})
    total = math.floor(agent_hours / 8 + 1e-9)
    order, turn, shifts = list(agents), 0, []
    for d in range(days):
        counts = apportion(total // days + (d < total % days), weights)
        taken: set[int] = set()
        for hour, count in zip(BASELINE_STARTS, counts, strict=True):
            at = start + timedelta(days=d, hours=hour)
            for _ in range(count):
                agent = order[turn % len(order)]
                turn += 1
                if agent.id in taken:
                    continue  # fewer agents than shifts in a day: the day runs short
                taken.add(agent.id)
                shifts.append((agent.id, Interval(at, at + timedelta(hours=8))))
    policy = RoutingPolicy(strategy=Strategy.ROUND_ROBIN)
    return Plan(name, tuple(agents), tuple(shifts), policy)


def apportion(whole: int, weights: Sequence[float]) -> list[int]:
    """`whole` split in proportion to `weights` by largest remainder (summing to `whole`)."""
    total = sum(weights)
    raw = [whole * w / total for w in weights]
    counts = [math.floor(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: counts[i] - raw[i])
    for i in by_remainder[: whole - sum(counts)]:
        counts[i] += 1
    return counts
