"""Root-cause (CAPA) tasks, pure: the eight 8D stages, which stage waits for which, where a
task stands, and the verification rule (a watched series under its bound for N whole weeks)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from careloop.errors import Conflict, Invalid

STAGES: tuple[str, ...] = ("d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8")
STAGE_NAMES: dict[str, str] = {
    "d1": "Team",
    "d2": "Problem description",
    "d3": "Containment",
    "d4": "Root cause",
    "d5": "Corrective action",
    "d6": "Verification",
    "d7": "Prevention",
    "d8": "Closure",
}
# Containment and root-cause analysis may run side by side once the problem is described, and
# prevention may be written while verification still watches; everything else is in order.
DEPENDS: dict[str, tuple[str, ...]] = {
    "d1": (),
    "d2": ("d1",),
    "d3": ("d2",),
    "d4": ("d2",),
    "d5": ("d3", "d4"),
    "d6": ("d5",),
    "d7": ("d5",),
    "d8": ("d6", "d7"),
}
VERIFICATION = "d6"
CLOSURE = "d8"
CATEGORIES: tuple[str, ...] = ("quality", "logistics", "other")
WEEK = timedelta(days=7)
MAX_VERIFY_WEEKS = 26
DEFAULT_VERIFY_METRIC = "complaints_per_1000_orders"
DEFAULT_VERIFY_WEEKS = 4


def check_stage(stage: str) -> str:
    if stage not in STAGES:
        raise Invalid(f"stage is one of {', '.join(STAGES)}", {"field": "stage"})
    return stage


def check_category(category: str) -> str:
    if category not in CATEGORIES:
        raise Invalid(f"category is one of {', '.join(CATEGORIES)}", {"field": "category"})
    return category


def current_stage(done: Collection[str]) -> str:
    """The board column of a task: the first stage in order that is not done (d8 when all are,
    the task then being closed)."""
    for stage in STAGES:
        if stage not in done:
            return stage
    return CLOSURE


def check_can_complete(stage: str, done: Collection[str]) -> None:
    """Refuse (409) a stage already done or one whose prerequisites are not."""
    check_stage(stage)
    if stage in done:
        raise Conflict(f"stage {stage} is already done", {"field": "stage"})
    missing = [d for d in DEPENDS[stage] if d not in done]
    if missing:
        raise Conflict(
            f"stage {stage} waits for {', '.join(missing)}",
            {"field": "stage", "waiting_for": missing},
        )


def undone_by_reopening(stage: str) -> tuple[str, ...]:
    """Reopening at `stage` undoes it and every stage after it."""
    check_stage(stage)
    return STAGES[STAGES.index(stage) :]


def whole_hour_after(at: datetime) -> datetime:
    """The first whole hour at or after `at` (insights rollups are hourly)."""
    at = at.astimezone(UTC)
    floor = at.replace(minute=0, second=0, microsecond=0)
    return floor if floor == at else floor + timedelta(hours=1)


def verification_weeks(started_at: datetime, now: datetime, weeks: int) -> list[datetime]:
    """The starts of the last `weeks` whole weeks since verification started (counted from the
    whole hour after it started), oldest first; empty while fewer have passed."""
    anchor = whole_hour_after(started_at)
    passed = int((now - anchor) / WEEK) if now > anchor else 0
    if passed < weeks:
        return []
    return [anchor + WEEK * k for k in range(passed - weeks, passed)]


@dataclass(frozen=True)
class WeekValue:
    start: datetime
    value: float | None


def weeks_under(values: Sequence[WeekValue], bound: float) -> int:
    """How many of the latest weeks in a row are under the bound (at or below it counts as
    back under); a week without deliveries (no value) gives no evidence and ends the run."""
    run = 0
    for week in reversed(values):
        if week.value is None or week.value > bound:
            break
        run += 1
    return run


def verified(values: Sequence[WeekValue], bound: float, weeks: int) -> bool:
    return len(values) >= weeks and weeks_under(values, bound) >= weeks
