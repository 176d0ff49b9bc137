"""The Curtois & Qu employee shift scheduling benchmark: its text format read into a
RosterProblem, and the best known objective values the solver is measured against."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from careloop.errors import Invalid
from careloop.workforce.roster_model import (
    Contract,
    Cover,
    Employee,
    RosterProblem,
    ShiftRequest,
    ShiftType,
)

# Best known objectives (lower is better) from the data folder's README; 1 to 3 proven optimal.
BEST_KNOWN = {
    "Instance1": 607,
    "Instance2": 828,
    "Instance3": 1001,
    "Instance4": 1716,
    "Instance5": 1143,
    "Instance6": 1950,
    "Instance7": 1056,
    "Instance8": 1308,
    "Instance9": 439,
    "Instance10": 4631,
}

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)
_ID = re.compile(r"^[A-Za-z0-9_]+$")


class BenchmarkFormatError(Invalid):
    """A benchmark file that does not follow the format; the message names the line."""

    code = "malformed_benchmark"


@dataclass
class _Line:
    number: int
    fields: list[str]


def best_known(path: str | Path) -> int | None:
    """The best known objective of an instance, by its file name (Instance7.txt: 1056)."""
    return BEST_KNOWN.get(Path(path).stem)


def read_instance(path: str | Path) -> RosterProblem:
    """Read one instance file (UTF-8, LF or CRLF)."""
    return parse_instance(Path(path).read_text(encoding="utf-8-sig"), source=str(path))


def parse_instance(text: str, source: str = "<text>") -> RosterProblem:
    """Parse an instance's text; a malformed line raises BenchmarkFormatError naming it."""
    sections = _sections(text, source)

    def fail(line: _Line, reason: str) -> BenchmarkFormatError:
        return BenchmarkFormatError(
            f"{source}, line {line.number}: {reason}", {"line": line.number, "reason": reason}
        )

    def number(line: _Line, value: str, what: str) -> int:
        if not re.fullmatch(r"-?\d+", value.strip()):
            raise fail(line, f"{what} must be a whole number, not {value.strip()!r}")
        n = int(value)
        if n < 0:
            raise fail(line, f"{what} cannot be negative")
        return n

    def arity(line: _Line, wanted: int, what: str) -> list[str]:
        fields = line.fields
        if len(fields) != wanted:
            raise fail(line, f"{what} needs {wanted} fields, found {len(fields)}")
        return [f.strip() for f in fields]

    horizon = sections["SECTION_HORIZON"]
    if len(horizon) != 1 or len(horizon[0].fields) != 1:
        at = horizon[1] if len(horizon) > 1 else horizon[0]
        raise fail(at, "the horizon is one number of days")
    days = number(horizon[0], horizon[0].fields[0], "the horizon")
    if days == 0:
        raise fail(horizon[0], "the horizon needs at least one day")

    shifts: dict[str, ShiftType] = {}
    follows: list[tuple[_Line, str, list[str]]] = []
    for line in sections["SECTION_SHIFTS"]:
        sid, minutes, banned = arity(line, 3, "a shift")
        _check_id(line, sid, "shift", fail)
        if sid in shifts:
            raise fail(line, f"shift {sid} is defined twice")
        length = number(line, minutes, "the shift length")
        if not 0 < length <= 16 * 60:
            raise fail(line, "the shift length is 1 to 960 minutes (16 hours)")
        shifts[sid] = ShiftType(sid, length)
        follows.append((line, sid, [b.strip() for b in banned.split("|") if b.strip()]))
    for line, sid, ids in follows:
        for other in ids:
            _known(line, other, shifts, "shift", fail)
        shifts[sid] = ShiftType(sid, shifts[sid].minutes, cannot_follow=frozenset(ids))

    def known_day(line: _Line, value: str) -> int:
        day = number(line, value, "the day")
        if day >= days:
            raise fail(line, f"day {day} is outside the horizon of {days} days")
        return day

    staff: dict[str, Employee] = {}
    for line in sections["SECTION_STAFF"]:
        eid, max_shifts, max_min, min_min, max_cons, min_cons, min_off, max_we = arity(
            line, 8, "an employee"
        )
        _check_id(line, eid, "employee", fail)
        if eid in staff:
            raise fail(line, f"employee {eid} is defined twice")
        limits: dict[str, int] = {}
        for part in filter(None, (p.strip() for p in max_shifts.split("|"))):
            sid, sep, value = part.partition("=")
            if not sep:
                raise fail(line, f"max shifts {part!r} is not ShiftID=number")
            _known(line, sid.strip(), shifts, "shift", fail)
            limits[sid.strip()] = number(line, value, f"max shifts of {sid.strip()}")
        contract = Contract(
            max_shifts=limits,
            max_minutes=number(line, max_min, "MaxTotalMinutes"),
            min_minutes=number(line, min_min, "MinTotalMinutes"),
            max_consecutive_shifts=number(line, max_cons, "MaxConsecutiveShifts"),
            min_consecutive_shifts=max(1, number(line, min_cons, "MinConsecutiveShifts")),
            min_consecutive_days_off=max(1, number(line, min_off, "MinConsecutiveDaysOff")),
            max_weekends=number(line, max_we, "MaxWeekends"),
        )
        if contract.max_minutes is not None and contract.min_minutes > contract.max_minutes:
            raise fail(line, "MinTotalMinutes is above MaxTotalMinutes")
        staff[eid] = Employee(eid, contract)

    for line in sections["SECTION_DAYS_OFF"]:
        if len(line.fields) < 2:
            raise fail(line, "days off need an employee and at least one day")
        eid = line.fields[0].strip()
        _known(line, eid, staff, "employee", fail)
        off = frozenset(known_day(line, v) for v in line.fields[1:] if v.strip())
        e = staff[eid]
        staff[eid] = Employee(e.id, e.contract, days_off=e.days_off | off)

    requests: list[ShiftRequest] = []
    for key, on in (("SECTION_SHIFT_ON_REQUESTS", True), ("SECTION_SHIFT_OFF_REQUESTS", False)):
        for line in sections[key]:
            eid, day, sid, weight = arity(line, 4, "a request")
            _known(line, eid, staff, "employee", fail)
            _known(line, sid, shifts, "shift", fail)
            requests.append(
                ShiftRequest(eid, known_day(line, day), sid, number(line, weight, "the weight"), on)
            )

    cover: list[Cover] = []
    for line in sections["SECTION_COVER"]:
        day, sid, need, under, over = arity(line, 5, "a cover requirement")
        _known(line, sid, shifts, "shift", fail)
        cover.append(
            Cover(
                known_day(line, day),
                sid,
                number(line, need, "the requirement"),
                number(line, under, "the weight for under"),
                number(line, over, "the weight for over"),
            )
        )
    return RosterProblem(
        days=days,
        shift_types=tuple(shifts.values()),
        employees=tuple(staff.values()),
        requests=tuple(requests),
        cover=tuple(cover),
    )


def _sections(text: str, source: str) -> dict[str, list[_Line]]:
    found: dict[str, list[_Line]] = {}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("SECTION_"):
            if line not in SECTIONS:
                raise _error(source, number, f"unknown section {line}")
            if line in found:
                raise _error(source, number, f"section {line} appears twice")
            current = line
            found[line] = []
            continue
        if current is None:
            raise _error(source, number, "data before the first SECTION_ line")
        found[current].append(_Line(number, line.split(",")))
    for name in ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF"):
        if not found.get(name):
            raise BenchmarkFormatError(
                f"{source}: section {name} is missing or empty", {"section": name}
            )
    for name in SECTIONS:
        found.setdefault(name, [])
    return found


def _error(source: str, number: int, reason: str) -> BenchmarkFormatError:
    return BenchmarkFormatError(
        f"{source}, line {number}: {reason}", {"line": number, "reason": reason}
    )


_Fail = Callable[[_Line, str], BenchmarkFormatError]


def _check_id(line: _Line, value: str, what: str, fail: _Fail) -> None:
    if not _ID.match(value):
        raise fail(line, f"{what} id {value!r} must be letters, digits or _")


def _known(
    line: _Line,
    value: str,
    known: dict[str, object] | dict[str, ShiftType] | dict[str, Employee],
    what: str,
    fail: _Fail,
) -> None:
    if value not in known:
        raise fail(line, f"unknown {what} {value!r}")


def benchmark_row(path: str | Path, *, time_limit: float, workers: int) -> dict[str, object]:
    """Solve one instance file and measure it against its best known value: the row of
    `careloop roster benchmark` (gap: (objective - best known) / best known)."""
    from careloop.workforce.roster import solve_roster

    problem = read_instance(path)
    solution = solve_roster(problem, time_limit=time_limit, workers=workers)
    known = best_known(path)
    gap = None
    if known and solution.objective is not None:
        gap = round((solution.objective - known) / known, 6)
    return {
        "instance": Path(path).stem,
        "objective": solution.objective,
        "bound": solution.bound,
        "best_known": known,
        "gap": gap,
        "seconds": round(solution.seconds, 3),
    }
