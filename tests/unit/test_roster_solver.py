"""The roster solver on problems small enough to solve by hand (each hard rule shown binding:
the optimum moves when it holds), conflicting contracts named, interval demand across time
zones, and the proven optima of the Curtois & Qu instances 1 to 3."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from careloop.cli import app
from careloop.errors import Invalid
from careloop.workforce.roster import solve_roster
from careloop.workforce.roster_model import (
    Contract,
    Cover,
    Demand,
    DemandGroup,
    Employee,
    Leave,
    Penalty,
    Progress,
    RosterInfeasible,
    RosterProblem,
    RosterSolution,
    ShiftRequest,
    ShiftType,
)
from careloop.workforce.shift_benchmark import read_instance

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "shift-scheduling"
D = ShiftType("D", 480)


def covers(
    days: range | list[int], shift: str = "D", under: int = 10, over: int = 0
) -> tuple[Cover, ...]:
    return tuple(Cover(d, shift, 1, under, over) for d in days)


def solve(problem: RosterProblem) -> RosterSolution:
    solution = solve_roster(problem, time_limit=10, workers=2)
    assert solution.status == "optimal"
    assert solution.objective == sum(p.cost for p in solution.penalties)
    return solution


def one(contract: Contract = Contract(), days_off: frozenset[int] = frozenset()) -> Employee:
    return Employee("A", contract, days_off=days_off)


def worked(solution: RosterSolution) -> list[int]:
    return [a.day for a in solution.assignments]


def test_one_shift_a_day() -> None:
    late = ShiftType("L", 480)
    problem = RosterProblem(
        days=1,
        shift_types=(D, late),
        employees=(one(),),
        cover=(Cover(0, "D", 1, 10, 0), Cover(0, "L", 1, 4, 0)),
    )
    solution = solve(problem)
    assert solution.objective == 4
    assert solution.penalties == (Penalty("cover_under", 4, 1, day=0, shift="L"),)


def test_forbidden_succession() -> None:
    night = ShiftType("N", 480, cannot_follow=frozenset({"E"}))
    early = ShiftType("E", 480)
    cover = (Cover(0, "N", 1, 10, 0), Cover(1, "E", 1, 7, 0))
    plain = (ShiftType("N", 480), ShiftType("E", 480))
    free = RosterProblem(days=2, shift_types=plain, employees=(one(),), cover=cover)
    assert solve(free).objective == 0
    problem = RosterProblem(days=2, shift_types=(night, early), employees=(one(),), cover=cover)
    assert solve(problem).objective == 7


def test_max_shifts_per_type() -> None:
    problem = RosterProblem(
        days=2,
        shift_types=(D,),
        employees=(one(Contract(max_shifts={"D": 1})),),
        cover=covers(range(2)),
    )
    assert solve(problem).objective == 10


def test_max_and_min_total_minutes() -> None:
    capped = RosterProblem(
        days=3,
        shift_types=(D,),
        employees=(one(Contract(max_minutes=960)),),
        cover=covers(range(3)),
    )
    assert len(solve(capped).assignments) == 2
    assert solve(capped).objective == 10
    idle = tuple(Cover(d, "D", 0, 10, 2) for d in range(3))
    floor = RosterProblem(
        days=3, shift_types=(D,), employees=(one(Contract(min_minutes=960)),), cover=idle
    )
    solution = solve(floor)
    assert solution.objective == 4
    assert {p.kind for p in solution.penalties} == {"cover_over"}


def test_minutes_per_week() -> None:
    contract = Contract(max_minutes_per_week=960, min_minutes_per_week=480)
    idle = tuple(Cover(d, "D", 0, 10, 1) for d in range(7, 10))
    problem = RosterProblem(
        days=10, shift_types=(D,), employees=(one(contract),), cover=covers(range(7)) + idle
    )
    solution = solve(problem)
    # Week one: 2 of 7 covered (50 short); the part week (days 7 to 9) has no minimum.
    assert solution.objective == 50
    assert not [d for d in worked(solution) if d >= 7]


def test_max_consecutive_shifts() -> None:
    problem = RosterProblem(
        days=3,
        shift_types=(D,),
        employees=(one(Contract(max_consecutive_shifts=2)),),
        cover=covers(range(3)),
    )
    assert solve(problem).objective == 10


def test_min_consecutive_shifts_with_the_horizon_edges_exempt() -> None:
    contract = Contract(min_consecutive_shifts=3)
    idle = [Cover(d, "D", 0, 10, 3) for d in range(5) if d != 2]
    middle = RosterProblem(
        days=5, shift_types=(D,), employees=(one(contract),), cover=(Cover(2, "D", 1, 10, 0), *idle)
    )
    solution = solve(middle)
    assert solution.objective == 6  # a lone day 2 is too short a run: two more days worked
    assert len(worked(solution)) == 3
    edge = [Cover(d, "D", 0, 10, 3) for d in range(4)]
    last = RosterProblem(
        days=5, shift_types=(D,), employees=(one(contract),), cover=(*edge, Cover(4, "D", 1, 10, 0))
    )
    assert solve(last).objective == 0  # a run that touches the end is not held to the minimum


def test_min_consecutive_days_off_with_the_horizon_edges_exempt() -> None:
    contract = Contract(min_consecutive_days_off=2)
    middle = RosterProblem(
        days=5,
        shift_types=(D,),
        employees=(one(contract, days_off=frozenset({2})),),
        cover=covers(range(5)),
    )
    assert solve(middle).objective == 20  # day 2 off alone is too short: another day off
    first = RosterProblem(
        days=5,
        shift_types=(D,),
        employees=(one(contract, days_off=frozenset({0})),),
        cover=covers(range(5)),
    )
    assert solve(first).objective == 10


def test_max_worked_weekends() -> None:
    # Day 0 is a Monday: days 5 and 6, 12 and 13 are the weekends.
    problem = RosterProblem(
        days=14,
        shift_types=(D,),
        employees=(one(Contract(max_weekends=1)),),
        cover=(Cover(6, "D", 1, 10, 0), Cover(12, "D", 1, 9, 0)),
    )
    solution = solve(problem)
    assert solution.objective == 9
    assert worked(solution) == [6]


def test_days_off_and_leave() -> None:
    problem = RosterProblem(
        days=3,
        shift_types=(D,),
        employees=(one(days_off=frozenset({0})),),
        leave=(Leave("A", frozenset({2})),),
        cover=covers(range(3)),
    )
    solution = solve(problem)
    assert solution.objective == 20
    assert worked(solution) == [1]


def test_min_rest_between_shifts() -> None:
    late = ShiftType("L", 480, start=time(14))
    early = ShiftType("E", 480, start=time(6))
    cover = (Cover(0, "L", 1, 10, 0), Cover(1, "E", 1, 7, 0))
    rested = RosterProblem(
        days=2,
        shift_types=(late, early),
        employees=(one(Contract(min_rest_minutes=8 * 60)),),
        cover=cover,
    )
    assert solve(rested).objective == 0  # 22:00 to 06:00 is exactly 8 hours
    problem = RosterProblem(
        days=2,
        shift_types=(late, early),
        employees=(one(Contract(min_rest_minutes=11 * 60)),),
        cover=cover,
    )
    assert solve(problem).objective == 7


def test_requests_itemised() -> None:
    problem = RosterProblem(
        days=2,
        shift_types=(D,),
        employees=(one(),),
        requests=(
            ShiftRequest("A", 0, "D", 3, on=True),
            ShiftRequest("A", 0, "D", 2, on=False),
            ShiftRequest("A", 1, "D", 5, on=False),
        ),
    )
    solution = solve(problem)
    assert solution.objective == 2
    assert solution.penalties == (Penalty("shift_off_request", 2, 1, "A", 0, "D"),)


def test_interval_demand_across_time_zones() -> None:
    day = ShiftType("D", 480, start=time(9))
    shanghai = Employee("zh1", languages=frozenset({"zh"}), timezone="Asia/Shanghai")
    new_york = Employee("en1", languages=frozenset({"en"}), timezone="America/New_York")
    groups = (DemandGroup("zh", "zh"), DemandGroup("en", "en"))
    # 09:00 in Shanghai is 01:00 UTC; 09:00 in New York (EST in January) is 14:00 UTC.
    demand = (Demand("zh", 1, 1, 10, 1), Demand("zh", 9, 1, 10, 1), Demand("en", 14, 1, 10, 1))
    problem = RosterProblem(
        days=1, shift_types=(day,), employees=(shanghai, new_york), groups=groups, demand=demand
    )
    solution = solve(problem)
    assert solution.objective == 10  # 01:00 to 09:00 UTC covers intervals 1 to 8, never 9
    assert solution.penalties == (Penalty("demand_under", 10, 1, group="zh", interval=9),)
    assert {a.employee for a in solution.assignments} == {"zh1", "en1"}


def test_fairness_spreads_the_shifts() -> None:
    twins = (Employee("A"), Employee("B"))
    uneven = tuple(Cover(d, "D", 1, 10, 5) for d in range(3))
    problem = RosterProblem(
        days=3, shift_types=(D,), employees=twins, cover=uneven, fairness_weight=4
    )
    solution = solve(problem)
    assert solution.objective == 4  # 2 and 1 shifts, spread 1
    assert solution.penalties == (Penalty("fairness", 4, 1),)
    assert len(solution.assignments) == 3


def test_progress_is_reported() -> None:
    seen: list[Progress] = []
    problem = RosterProblem(days=3, shift_types=(D,), employees=(one(),), cover=covers(range(3)))
    solve_roster(problem, time_limit=10, workers=2, on_progress=seen.append)
    assert seen and seen[-1].objective == 0


def test_conflicting_contract_named() -> None:
    contract = Contract(max_shifts={"D": 1}, min_minutes=960, max_weekends=0)
    problem = RosterProblem(
        days=7, shift_types=(D,), employees=(one(contract), Employee("B")), cover=covers(range(7))
    )
    with pytest.raises(RosterInfeasible) as caught:
        solve_roster(problem, time_limit=10, workers=2)
    assert caught.value.status == 422
    assert caught.value.details["conflicts"] == ["A: max shifts D", "A: min total minutes"]


def test_conflict_with_days_off_named() -> None:
    contract = Contract(min_minutes=3 * 480, max_consecutive_shifts=5)
    problem = RosterProblem(
        days=4, shift_types=(D,), employees=(one(contract, days_off=frozenset({1, 2})),)
    )
    with pytest.raises(RosterInfeasible) as caught:
        solve_roster(problem, time_limit=10, workers=2)
    assert caught.value.details["conflicts"] == ["A: fixed days off", "A: min total minutes"]


@pytest.mark.parametrize(
    ("employee", "message"),
    [
        (Employee("A", languages=frozenset({"xx"})), "unknown language"),
        (Employee("A", skills=frozenset({"category:nonsense"})), "unknown skill"),
        (Employee("A", Contract(min_minutes=600, max_minutes=500)), "min minutes above the max"),
        (Employee("A", Contract(max_shifts={"Z": 1})), "unknown shift"),
        (Employee("A", timezone="Mars/Base"), "unknown time zone"),
    ],
)
def test_invalid_problems(employee: Employee, message: str) -> None:
    problem = RosterProblem(days=2, shift_types=(D,), employees=(employee,))
    with pytest.raises(Invalid, match=message):
        solve_roster(problem, time_limit=1, workers=1)


def test_demand_for_an_unknown_language() -> None:
    problem = RosterProblem(
        days=1,
        shift_types=(ShiftType("D", 480, start=time(9)),),
        employees=(Employee("A"),),
        groups=(DemandGroup("q", "qq"),),
        demand=(Demand("q", 0, 1, 1),),
    )
    with pytest.raises(Invalid, match="unknown language"):
        solve_roster(problem, time_limit=1, workers=1)


needs_data = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"benchmark instances not found in {DATA} (../shared/data)"
)


@needs_data
@pytest.mark.slow
@pytest.mark.parametrize(("number", "optimum"), [(1, 607), (2, 828), (3, 1001)])
def test_benchmark_optimum_proven(number: int, optimum: int) -> None:
    problem = read_instance(DATA / f"Instance{number}.txt")
    solution = solve_roster(problem, time_limit=30, workers=2)
    assert (solution.status, solution.objective, solution.bound) == ("optimal", optimum, optimum)
    assert sum(p.cost for p in solution.penalties) == optimum


@needs_data
def test_cli_benchmark_json() -> None:
    result = CliRunner().invoke(
        app,
        [
            "roster",
            "benchmark",
            str(DATA / "Instance1.txt"),
            "--time-limit",
            "20",
            "--json",
            "--workers",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [sorted(r) for r in rows] == [
        ["best_known", "bound", "gap", "instance", "objective", "seconds"]
    ]
    row = rows[0]
    assert (row["instance"], row["objective"], row["bound"], row["best_known"]) == (
        "Instance1",
        607,
        607,
        607,
    )
    assert row["gap"] == 0.0
    assert isinstance(row["seconds"], float)


def test_cli_benchmark_malformed_file(tmp_path: Path) -> None:
    bad = tmp_path / "Bad.txt"
    bad.write_text("SECTION_HORIZON\n14\nSECTION_SHIFTS\nD,480\nSECTION_STAFF\nA,D=1,1,0,1,1,1,1\n")
    result = CliRunner().invoke(app, ["roster", "benchmark", str(bad), "--time-limit", "1"])
    assert result.exit_code != 0
    assert "line 4: a shift needs 3 fields, found 2" in result.output
