"""The roster problem and its solution as plain data: shift types, agents with contracts, leave,
requests, cover and interval demand, and a solved roster with every penalty itemised. Pure: the
CP-SAT model that solves it lives in roster.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from careloop.errors import Invalid
from careloop.validation import is_language, is_timezone
from careloop.workforce.model import Interval, parse_skill, shift_instants


@dataclass(frozen=True)
class ShiftType:
    """A kind of shift (a template): its length, its local start (None when only days count,
    as in the Curtois & Qu benchmark) and the shift types that may not follow it the next day."""

    id: str
    minutes: int
    start: time | None = None
    cannot_follow: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Contract:
    """What an agent's roster must respect over the horizon (and per week, Monday to Sunday
    from the horizon's first Monday; a part week counts only for the maximum)."""

    max_shifts: Mapping[str, int] = field(default_factory=dict)  # per shift type; absent: none
    min_minutes: int = 0
    max_minutes: int | None = None
    min_minutes_per_week: int = 0
    max_minutes_per_week: int | None = None
    max_consecutive_shifts: int | None = None
    min_consecutive_shifts: int = 1
    min_consecutive_days_off: int = 1
    min_rest_minutes: int = 0  # from one shift's end to the next one's start
    max_weekends: int | None = None


@dataclass(frozen=True)
class Employee:
    """An agent as the solver sees it: contract, skills, languages, time zone, days off."""

    id: str
    contract: Contract = Contract()
    skills: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    timezone: str = "UTC"
    days_off: frozenset[int] = frozenset()  # fixed, hard


@dataclass(frozen=True)
class Leave:
    """Days an agent is away (hard); kept apart from fixed days off to name it in conflicts."""

    employee: str
    days: frozenset[int]


@dataclass(frozen=True)
class ShiftRequest:
    """An agent asking for (`on`) or against a shift on a day; `weight` is paid if not granted."""

    employee: str
    day: int
    shift: str
    weight: int
    on: bool


@dataclass(frozen=True)
class Cover:
    """People wanted on a shift type on a day; each one short or extra costs its weight."""

    day: int
    shift: str
    requirement: int
    under_weight: int
    over_weight: int


@dataclass(frozen=True)
class DemandGroup:
    """Who can answer a stream of tickets: speakers of `language` (None: anyone) holding every
    one of `skills`."""

    id: str
    language: str | None = None
    skills: frozenset[str] = frozenset()

    def qualifies(self, employee: Employee) -> bool:
        speaks = self.language is None or self.language in employee.languages
        return speaks and self.skills <= employee.skills


@dataclass(frozen=True)
class Demand:
    """Agents of a group wanted during one interval (index from the horizon's start)."""

    group: str
    interval: int
    required: int
    under_weight: int
    over_weight: int = 0


@dataclass(frozen=True)
class RosterProblem:
    """Everything one solve needs. Day d is `start + d` on each agent's own wall clock; demand
    intervals are `interval_minutes` long from midnight UTC of `start`."""

    days: int
    shift_types: tuple[ShiftType, ...]
    employees: tuple[Employee, ...]
    start: date = date(2024, 1, 1)  # a Monday, as the benchmark's instances start
    leave: tuple[Leave, ...] = ()
    requests: tuple[ShiftRequest, ...] = ()
    cover: tuple[Cover, ...] = ()
    groups: tuple[DemandGroup, ...] = ()
    demand: tuple[Demand, ...] = ()
    interval_minutes: int = 60
    fairness_weight: int = 0  # per shift between the busiest and the idlest agent

    @cached_property
    def shift_by_id(self) -> dict[str, ShiftType]:
        return {s.id: s for s in self.shift_types}

    @cached_property
    def horizon_start(self) -> datetime:
        return datetime.combine(self.start, time(0), tzinfo=UTC)

    def weekends(self) -> list[tuple[int, ...]]:
        """The horizon's days grouped by weekend (Saturday and Sunday, either when cut)."""
        found: dict[int, list[int]] = {}
        for d in range(self.days):
            day = self.start + timedelta(days=d)
            if day.weekday() >= 5:
                found.setdefault((day - timedelta(days=day.weekday() - 5)).toordinal(), []).append(
                    d
                )
        return [tuple(days) for _, days in sorted(found.items())]

    def weeks(self) -> list[tuple[tuple[int, ...], bool]]:
        """Monday-to-Sunday weeks of the horizon's days, each with whether it is whole."""
        found: dict[int, list[int]] = {}
        for d in range(self.days):
            day = self.start + timedelta(days=d)
            found.setdefault((day - timedelta(days=day.weekday())).toordinal(), []).append(d)
        return [(tuple(days), len(days) == 7) for _, days in sorted(found.items())]

    def span(self, employee: Employee, day: int, shift: ShiftType) -> Interval | None:
        """The instants of a shift on the agent's wall clock (DST-exact), if it has a start."""
        if shift.start is None:
            return None
        end = (datetime.combine(self.start, shift.start) + timedelta(minutes=shift.minutes)).time()
        return shift_instants(self.start + timedelta(days=day), shift.start, end, employee.timezone)

    def intervals_covered(self, employee: Employee, day: int, shift: ShiftType) -> list[int]:
        """Indices of the demand intervals a shift covers whole."""
        span = self.span(employee, day, shift)
        if span is None:
            return []
        step = timedelta(minutes=self.interval_minutes)
        first = -(-(span.start - self.horizon_start) // step)  # ceiling
        last = (span.end - self.horizon_start) // step  # exclusive
        total = self.days * 24 * 60 // self.interval_minutes
        return list(range(max(first, 0), min(last, total)))

    def validate(self) -> None:
        """Raise Invalid naming the first fault: unknown ids, skills or languages, days out of
        range, negative weights, contradictory contracts."""
        _check(self.days > 0, "the horizon needs at least one day", "days")
        _check(self.interval_minutes in (15, 30, 60), "intervals are 15, 30 or 60 minutes", "")
        _unique([s.id for s in self.shift_types], "shift type")
        _unique([e.id for e in self.employees], "employee")
        _unique([g.id for g in self.groups], "demand group")
        shifts = self.shift_by_id
        for s in self.shift_types:
            _check(0 < s.minutes <= 16 * 60, f"shift {s.id}: 1 minute to 16 hours", "shift_types")
            for other in s.cannot_follow:
                _check(other in shifts, f"shift {s.id}: unknown shift {other!r}", "shift_types")
        employees = {e.id: e for e in self.employees}
        for e in self.employees:
            _check_employee(self, e)
        for item in self.leave:
            _check(
                item.employee in employees, f"leave: unknown employee {item.employee!r}", "leave"
            )
            _check_days(self, item.days, f"leave of {item.employee}")
        for r in self.requests:
            where = f"request of {r.employee} on day {r.day}"
            _check(r.employee in employees, f"{where}: unknown employee", "requests")
            _check(r.shift in shifts, f"{where}: unknown shift {r.shift!r}", "requests")
            _check_days(self, {r.day}, where)
            _check(r.weight >= 0, f"{where}: the weight cannot be negative", "requests")
        for c in self.cover:
            where = f"cover of shift {c.shift} on day {c.day}"
            _check(c.shift in shifts, f"{where}: unknown shift", "cover")
            _check_days(self, {c.day}, where)
            _check(min(c.requirement, c.under_weight, c.over_weight) >= 0, f"{where}: < 0", "cover")
        groups = {g.id for g in self.groups}
        for g in self.groups:
            if g.language is not None:
                _check(is_language(g.language), f"group {g.id}: unknown language", "groups")
            for skill in g.skills:
                _check(parse_skill(skill) == skill, f"group {g.id}: skill {skill!r}?", "groups")
        if self.demand:
            _check(
                all(s.start is not None for s in self.shift_types),
                "interval demand needs every shift type's start time",
                "shift_types",
            )
        total = self.days * 24 * 60 // self.interval_minutes
        for dm in self.demand:
            where = f"demand of {dm.group} in interval {dm.interval}"
            _check(dm.group in groups, f"{where}: unknown group", "demand")
            _check(0 <= dm.interval < total, f"{where}: outside the horizon", "demand")
            _check(
                min(dm.required, dm.under_weight, dm.over_weight) >= 0, f"{where}: < 0", "demand"
            )
        _check(self.fairness_weight >= 0, "the fairness weight cannot be negative", "")


def _check_employee(problem: RosterProblem, e: Employee) -> None:
    c = e.contract
    who = f"employee {e.id}"
    for skill in e.skills:
        _check(parse_skill(skill) == skill, f"{who}: unknown skill {skill!r}", "skills")
    for lang in e.languages:
        _check(is_language(lang), f"{who}: unknown language {lang!r}", "languages")
    _check(is_timezone(e.timezone), f"{who}: unknown time zone {e.timezone!r}", "timezone")
    _check_days(problem, e.days_off, f"days off of {e.id}")
    for s, n in c.max_shifts.items():
        _check(s in problem.shift_by_id, f"{who}: max shifts of unknown shift {s!r}", "contract")
        _check(n >= 0, f"{who}: max shifts of {s} cannot be negative", "contract")
    pairs = [
        ("minutes", c.min_minutes, c.max_minutes),
        ("minutes per week", c.min_minutes_per_week, c.max_minutes_per_week),
        ("consecutive shifts", c.min_consecutive_shifts, c.max_consecutive_shifts),
    ]
    for what, low, high in pairs:
        _check(low >= 0 and (high is None or high >= 0), f"{who}: negative {what}", "contract")
        _check(high is None or low <= high, f"{who}: min {what} above the max", "contract")
    _check(c.min_consecutive_shifts >= 1, f"{who}: min consecutive shifts >= 1", "contract")
    _check(c.min_consecutive_days_off >= 1, f"{who}: min consecutive days off >= 1", "contract")
    _check(c.max_weekends is None or c.max_weekends >= 0, f"{who}: max weekends < 0", "contract")
    _check(c.min_rest_minutes >= 0, f"{who}: min rest < 0", "contract")
    if c.min_rest_minutes:
        _check(
            all(s.start is not None for s in problem.shift_types),
            f"{who}: a minimum rest needs every shift type's start time",
            "contract",
        )


def _check(ok: bool, message: str, where: str) -> None:
    if not ok:
        raise Invalid(message, {"field": where} if where else None)


def _check_days(problem: RosterProblem, days: frozenset[int] | set[int], what: str) -> None:
    bad = sorted(d for d in days if not 0 <= d < problem.days)
    _check(not bad, f"{what}: day {bad[0] if bad else ''} is outside the horizon", "days")


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        _check(i not in seen, f"duplicate {what} id {i!r}", what.replace(" ", "_"))
        seen.add(i)


@dataclass(frozen=True)
class Assignment:
    employee: str
    day: int
    shift: str


@dataclass(frozen=True)
class Penalty:
    """One paid soft term: `kind` is shift_on_request, shift_off_request, cover_under,
    cover_over, demand_under, demand_over or fairness; `amount` people (or shifts of spread)."""

    kind: str
    cost: int
    amount: int = 1
    employee: str | None = None
    day: int | None = None
    shift: str | None = None
    group: str | None = None
    interval: int | None = None


@dataclass(frozen=True)
class Progress:
    """An improving solution as the solver finds it."""

    objective: int
    bound: int
    seconds: float


@dataclass(frozen=True)
class RosterSolution:
    """The best roster found: `status` is optimal, feasible or unknown (none found in time)."""

    status: str
    assignments: tuple[Assignment, ...]
    penalties: tuple[Penalty, ...]
    objective: int | None
    bound: int
    seconds: float

    @property
    def gap(self) -> float | None:
        """Relative distance from the bound: 0 when optimal."""
        if self.objective is None:
            return None
        return (self.objective - self.bound) / max(1, abs(self.objective))


class RosterInfeasible(Invalid):
    """The hard rules cannot all hold; `details["conflicts"]` names a set of them that cannot
    hold together (each "employee: rule")."""

    code = "roster_infeasible"
