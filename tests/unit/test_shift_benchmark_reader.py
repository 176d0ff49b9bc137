"""The Curtois & Qu format reader: sections, comments and CRLF read into a RosterProblem, and a
malformed file refused with its line number and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from careloop.workforce.shift_benchmark import (
    BenchmarkFormatError,
    best_known,
    parse_instance,
    read_instance,
)

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "shift-scheduling"

SMALL = """# a comment
SECTION_HORIZON
# days
7

SECTION_SHIFTS
# ShiftID, Length in mins, Shifts which cannot follow this shift | separated
E,480,
L,480,E
N,600,E|L

SECTION_STAFF
A,E=3|L=2|N=0,2400,960,4,2,2,1
B,E=5,1920,0,5,1,1,2

SECTION_DAYS_OFF
A,0,6
B,3

SECTION_SHIFT_ON_REQUESTS
A,2,E,2

SECTION_SHIFT_OFF_REQUESTS
B,4,L,3   # trailing comment

SECTION_COVER
0,E,2,100,1
1,L,1,50,2
"""


def test_reads_every_section() -> None:
    problem = parse_instance(SMALL)
    assert problem.days == 7
    assert [(s.id, s.minutes, sorted(s.cannot_follow)) for s in problem.shift_types] == [
        ("E", 480, []),
        ("L", 480, ["E"]),
        ("N", 600, ["E", "L"]),
    ]
    a, b = problem.employees
    assert dict(a.contract.max_shifts) == {"E": 3, "L": 2, "N": 0}
    assert (a.contract.max_minutes, a.contract.min_minutes) == (2400, 960)
    assert (a.contract.max_consecutive_shifts, a.contract.min_consecutive_shifts) == (4, 2)
    assert (a.contract.min_consecutive_days_off, a.contract.max_weekends) == (2, 1)
    assert a.days_off == {0, 6} and b.days_off == {3}
    assert [(r.employee, r.day, r.shift, r.weight, r.on) for r in problem.requests] == [
        ("A", 2, "E", 2, True),
        ("B", 4, "L", 3, False),
    ]
    assert [
        (c.day, c.shift, c.requirement, c.under_weight, c.over_weight) for c in problem.cover
    ] == [
        (0, "E", 2, 100, 1),
        (1, "L", 1, 50, 2),
    ]
    problem.validate()


def test_crlf_reads_the_same() -> None:
    assert parse_instance(SMALL.replace("\n", "\r\n")) == parse_instance(SMALL)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("L,480,E", "L,480", "a shift needs 3 fields, found 2"),
        ("L,480,E", "L,eight,E", "the shift length must be a whole number, not 'eight'"),
        ("N,600,E|L", "N,600,E|X", "unknown shift 'X'"),
        ("B,E=5,1920", "B,E5,1920", "max shifts 'E5' is not ShiftID=number"),
        ("B,E=5,1920,0,5,1,1,2", "B,E=5,1920,0,5,1,1", "an employee needs 8 fields, found 7"),
        ("A,E=3|L=2|N=0,2400,960", "A,E=3|L=2|N=0,900,960", "MinTotalMinutes is above"),
        ("B,3", "B,7", "day 7 is outside the horizon of 7 days"),
        ("A,2,E,2", "C,2,E,2", "unknown employee 'C'"),
        ("B,4,L,3", "B,4,L,-3", "the weight cannot be negative"),
        ("1,L,1,50,2", "1,L,1,50", "a cover requirement needs 5 fields, found 4"),
        ("SECTION_COVER", "SECTION_CUVER", "unknown section SECTION_CUVER"),
        ("A,E=3", "A,E=3|E=1", None),
    ],
)
def test_malformed_line_named(old: str, new: str, reason: str | None) -> None:
    text = SMALL.replace(old, new, 1)
    if reason is None:  # a repeated limit is harmless: the last one counts
        assert dict(parse_instance(text).employees[0].contract.max_shifts)["E"] == 1
        return
    with pytest.raises(BenchmarkFormatError) as caught:
        parse_instance(text, source="small.txt")
    number = line_of(text, new)
    assert caught.value.details == {"line": number, "reason": caught.value.details["reason"]}
    assert reason in caught.value.message
    assert caught.value.message.startswith(f"small.txt, line {number}: ")
    assert caught.value.status == 422


def test_data_before_any_section() -> None:
    with pytest.raises(BenchmarkFormatError, match="line 2: data before the first SECTION_"):
        parse_instance("# header\n14\nSECTION_HORIZON\n14\n")


def test_missing_section() -> None:
    with pytest.raises(BenchmarkFormatError, match="SECTION_STAFF is missing"):
        parse_instance("SECTION_HORIZON\n7\nSECTION_SHIFTS\nD,480,\n")


def test_two_horizons_refused() -> None:
    text = SMALL.replace("7\n", "7\n8\n", 1)
    with pytest.raises(BenchmarkFormatError, match="line 5: the horizon is one number"):
        parse_instance(text)


@pytest.mark.skipif(not DATA.is_dir(), reason=f"benchmark instances not found in {DATA}")
@pytest.mark.parametrize(
    ("number", "days", "staff", "shifts"),
    [
        (1, 14, 8, 1),
        (2, 14, 14, 2),
        (3, 14, 20, 3),
        (4, 28, 10, 2),
        (8, 28, 30, 4),
        (10, 28, 40, 5),
    ],
)
def test_reads_the_instances(number: int, days: int, staff: int, shifts: int) -> None:
    path = DATA / f"Instance{number}.txt"
    problem = read_instance(path)
    assert (problem.days, len(problem.employees), len(problem.shift_types)) == (days, staff, shifts)
    assert len(problem.cover) == days * shifts
    assert best_known(path) is not None
    problem.validate()
