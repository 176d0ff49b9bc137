"""Copying a week of the roster into another as drafts, at the same wall-clock times in each
agent's own zone: a Berlin 07:00-15:00 stays 07:00-15:00 across a DST change, and a 22:00-06:00
night lasts 9 hours only on the October night itself."""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop import validation
from careloop.errors import DomainError, Invalid
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.workforce.actions import lock_agents_in
from careloop.workforce.leave import leave_between_in
from careloop.workforce.model import (
    MAX_SHIFT,
    PLANNED_LEAVE,
    Interval,
    ShiftStatus,
    check_shift_span,
    local_day,
    local_instant,
    week_start,
)
from careloop.workforce.shift_batches import ShiftSpec, add_shifts_in
from careloop.workforce.tables import Agent, Shift, Team

# The widest a local week can sit from the UTC week: zones run from UTC-12 to UTC+14.
ZONE_SLACK = timedelta(hours=14)


class SkipReason(enum.StrEnum):
    OVERLAP = "overlap"  # the agent already has a shift then (or an earlier copy does)
    LEAVE = "leave"  # the copy falls in the agent's planned leave
    SPAN = "span"  # not a valid shift at the new date (a DST change made it over 16 hours)
    INACTIVE = "inactive"  # the agent no longer works


@dataclass(frozen=True)
class SkippedCopy:
    """A shift of the source week that was not copied, and why."""

    shift_id: int
    reason: SkipReason


@dataclass(frozen=True)
class WeekCopy:
    created: list[Shift]
    skipped: list[SkippedCopy]


def copy_week(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    source_start: date,
    target_start: date,
    timezone: str | None = None,
    team_id: int | None = None,
) -> WeekCopy:
    """Copy every shift (draft or published) of a team's agents (all agents without `team_id`)
    starting in the source week into the target week as drafts, audited as created. Each date
    names its ISO week (Monday to Sunday) in `timezone`, or in each agent's own zone when None.

    A copy that would overlap a shift of the agent, fall in planned leave or not be a valid shift
    any more is skipped and reported rather than refusing the whole copy: the rest of the week is
    still worth having, and the lead places the few skipped shifts by hand."""
    source, target = week_start(source_start), week_start(target_start)
    if source == target:
        raise Invalid("copy a week into another week", {"field": "target_week"})
    if timezone is not None:
        validation.timezone(timezone)
    offset = target - source
    with db.write() as s:
        if team_id is not None and s.get(Team, team_id) is None:
            raise Invalid(f"team {team_id} not found", {"field": "team_id"})
        widest = Interval(
            local_day(source, "UTC").start - ZONE_SLACK,
            local_day(source + timedelta(days=7), "UTC").start + ZONE_SLACK,
        )
        stmt = select(Shift.agent_id).where(
            Shift.starts_at >= widest.start, Shift.starts_at < widest.end
        )
        if team_id is not None:
            stmt = stmt.join(Agent, Agent.user_id == Shift.agent_id).where(Agent.team_id == team_id)
        agent_ids = set(s.scalars(stmt.distinct()))
        if not agent_ids:
            return WeekCopy(created=[], skipped=[])
        agents = lock_agents_in(s, agent_ids, field="agent_id")
        originals = s.scalars(
            select(Shift)
            .where(
                Shift.agent_id.in_(agent_ids),
                Shift.starts_at >= widest.start,
                Shift.starts_at < widest.end,
            )
            .order_by(Shift.starts_at, Shift.id)
            .execution_options(populate_existing=True)
        ).all()
        candidates: list[tuple[Shift, ShiftSpec]] = []
        skipped: list[SkippedCopy] = []
        for shift in originals:
            agent = agents[shift.agent_id]
            week = _week(source, timezone or agent.timezone)
            if not week.contains(shift.starts_at):
                continue
            if not agent.active:
                skipped.append(SkippedCopy(shift.id, SkipReason.INACTIVE))
                continue
            try:
                candidates.append((shift, _copy_of(shift, agent.timezone, offset)))
            except DomainError:
                skipped.append(SkippedCopy(shift.id, SkipReason.SPAN))
        specs = _free_of_clashes_in(s, candidates, skipped)
        created = add_shifts_in(s, actor=actor, now=now, specs=specs, status=ShiftStatus.DRAFT)
        skipped.sort(key=lambda x: x.shift_id)
        return WeekCopy(created=created, skipped=skipped)


def _week(monday: date, timezone: str) -> Interval:
    return Interval(
        local_day(monday, timezone).start, local_day(monday + timedelta(days=7), timezone).start
    )


def wall_clock_moved(
    starts_at: datetime, ends_at: datetime, timezone: str, offset: timedelta
) -> Interval:
    """The same local start and end times `offset` (whole days) later in the zone: the length
    follows the wall clock, so a shift across a DST change gains or loses that hour."""
    zone = ZoneInfo(timezone)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    return Interval(
        local_instant(start.date() + offset, start.time(), timezone),
        local_instant(end.date() + offset, end.time(), timezone),
    )


def _copy_of(shift: Shift, timezone: str, offset: timedelta) -> ShiftSpec:
    """The draft copy of a shift; planned breaks keep their distance from the start, and one a
    shorter (DST) shift cannot hold is left out."""
    span = wall_clock_moved(shift.starts_at, shift.ends_at, timezone, offset)
    check_shift_span(span.start, span.end)
    breaks = []
    for b in shift.breaks:
        start = span.start + (datetime.fromisoformat(b["starts_at"]) - shift.starts_at)
        end = span.start + (datetime.fromisoformat(b["ends_at"]) - shift.starts_at)
        if end <= span.end:
            breaks.append(Interval(start, end))
    return ShiftSpec(
        agent_id=shift.agent_id,
        starts_at=span.start,
        ends_at=span.end,
        skills=list(shift.skills) if shift.skills is not None else None,
        breaks=breaks,
        note=shift.note,
        template_id=shift.template_id,
    )


def _free_of_clashes_in(
    s: Session, candidates: list[tuple[Shift, ShiftSpec]], skipped: list[SkippedCopy]
) -> list[ShiftSpec]:
    """The copies that overlap neither a shift the agent has (nor an earlier copy) nor planned
    leave; the others are added to `skipped`. Two queries for the whole week."""
    if not candidates:
        return []
    window = Interval(
        min(spec.starts_at for _, spec in candidates), max(spec.ends_at for _, spec in candidates)
    )
    agent_ids = sorted({spec.agent_id for _, spec in candidates})
    taken: dict[int, list[Interval]] = defaultdict(list)
    rows = s.execute(
        select(Shift.agent_id, Shift.starts_at, Shift.ends_at).where(
            Shift.agent_id.in_(agent_ids),
            # No shift lasts over MAX_SHIFT: a bounded range of ix_shifts_agent_id_starts_at.
            Shift.starts_at > window.start - MAX_SHIFT,
            Shift.starts_at < window.end,
            Shift.ends_at > window.start,
        )
    )
    for agent_id, starts_at, ends_at in rows:
        taken[agent_id].append(Interval(starts_at, ends_at))
    away: dict[int, list[Interval]] = defaultdict(list)
    for item in leave_between_in(s, agent_ids, window, kinds=PLANNED_LEAVE):
        away[item.agent_id].append(Interval(item.starts_at, item.ends_at))
    specs = []
    for shift, spec in candidates:
        span = Interval(spec.starts_at, spec.ends_at)
        if any(span.overlaps(x) for x in taken[spec.agent_id]):
            skipped.append(SkippedCopy(shift.id, SkipReason.OVERLAP))
        elif any(span.overlaps(x) for x in away[spec.agent_id]):
            skipped.append(SkippedCopy(shift.id, SkipReason.LEAVE))
        else:
            taken[spec.agent_id].append(span)
            specs.append(spec)
    return specs
