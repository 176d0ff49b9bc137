"""Rosters: shift templates, shifts from a template, moving and cancelling shifts, and
publishing a week of drafts (shifts in bulk are in `shift_batches.py`, copying a week in
`week_copy.py`, both re-exported here).
Every published change is audited and told to the agent; a published shift never overlaps the
agent's planned leave (see `leave.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from types import EllipsisType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.errors import Conflict, Invalid, NotFound
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.workforce.actions import (
    lock_agents_in,
    overlapping_shift_in,
    planned_breaks,
    tell_agent_in,
)
from careloop.workforce.attendance import refresh_expiries_in, refresh_expiry_in
from careloop.workforce.holidays import public_holidays
from careloop.workforce.leave import planned_leave_clashes_in
from careloop.workforce.model import (
    Interval,
    ShiftStatus,
    check_shift_span,
    normalise_skills,
)
from careloop.workforce.shift_batches import MAX_BATCH as MAX_BATCH
from careloop.workforce.shift_batches import ShiftSpec as ShiftSpec
from careloop.workforce.shift_batches import add_shifts_in as add_shifts_in
from careloop.workforce.shift_batches import create_shifts as create_shifts
from careloop.workforce.tables import Agent, Shift, ShiftTemplate, Team
from careloop.workforce.templates import create_template as create_template
from careloop.workforce.templates import template_day
from careloop.workforce.week_copy import copy_week as copy_week

MAX_PUBLISH_WINDOW = timedelta(days=62)


def _shift_locked(s: Session, shift_id: int) -> Shift:
    """The shift, read again after locking its agent: every change of an agent's roster holds
    that lock, so the row cannot change or vanish under us."""
    agent_id = s.scalar(select(Shift.agent_id).where(Shift.id == shift_id))
    if agent_id is None:
        raise NotFound(f"shift {shift_id} not found")
    s.scalar(select(Agent.user_id).where(Agent.user_id == agent_id).with_for_update())
    shift = s.scalar(
        select(Shift).where(Shift.id == shift_id).execution_options(populate_existing=True)
    )
    if shift is None:
        raise NotFound(f"shift {shift_id} not found")
    return shift


def _breaks_of(shift: Shift) -> list[Interval]:
    return [
        Interval(datetime.fromisoformat(b["starts_at"]), datetime.fromisoformat(b["ends_at"]))
        for b in shift.breaks
    ]


def _refresh_expiry(s: Session, agent_id: int, now: datetime) -> None:
    """An open clock-in lapses at the end of its published shifts: recompute it after a change."""
    s.flush()
    refresh_expiry_in(s, agent_id=agent_id, now=now)


def update_shift(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    shift_id: int,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    skills: Sequence[str] | EllipsisType | None = ...,
    note: str | EllipsisType | None = ...,
    breaks: Sequence[Interval] | EllipsisType = ...,
) -> Shift:
    """Move or edit a shift (`...` leaves a field as it is). Planned breaks move with the start
    unless new ones are given. A published shift's change is audited and told to the agent."""
    with db.write() as s:
        shift = _shift_locked(s, shift_id)
        span = Interval(starts_at or shift.starts_at, ends_at or shift.ends_at)
        check_shift_span(span.start, span.end)
        clash = overlapping_shift_in(s, shift.agent_id, span, ignore_id=shift.id)
        if clash is not None:
            raise Conflict(
                f"agent {shift.agent_id} already has shift {clash.id} then",
                {"field": "starts_at", "shift_id": clash.id},
            )
        if isinstance(breaks, EllipsisType):
            delta = span.start - shift.starts_at
            breaks = [Interval(b.start + delta, b.end + delta) for b in _breaks_of(shift)]
        after: dict[str, Any] = {
            "starts_at": span.start,
            "ends_at": span.end,
            "breaks": planned_breaks(span, breaks),
            "skills": shift.skills
            if isinstance(skills, EllipsisType)
            else (normalise_skills(skills) if skills is not None else None),
            "note": shift.note
            if isinstance(note, EllipsisType)
            else ((note or "").strip() or None),
        }
        if after["note"] is not None and len(after["note"]) > 200:
            raise Invalid("a note has at most 200 characters", {"field": "note"})
        changes = {k: (getattr(shift, k), v) for k, v in after.items() if getattr(shift, k) != v}
        if not changes:
            return shift
        published = shift.status == ShiftStatus.PUBLISHED
        if published:
            away = planned_leave_clashes_in(s, [(shift.agent_id, span.start, span.end)])
            if away:
                item = away[0][1]
                raise Conflict(
                    f"agent {item.agent_id} is on {item.kind.value} leave {item.id} then",
                    {"field": "starts_at", "leave_id": item.id},
                )
        for k, v in after.items():
            setattr(shift, k, v)
        shift.updated_at = now
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="shift",
            entity_id=shift.id,
            action="updated",
            changes=changes,
        )
        if published:
            details: dict[str, Any] = {"fields": sorted(changes)}
            for k in ("starts_at", "ends_at"):
                if k in changes:
                    details[k] = [x.isoformat() for x in changes[k]]
            tell_agent_in(s, now=now, shift=shift, kind="changed", details=details)
            _refresh_expiry(s, shift.agent_id, now)
        return shift


def delete_shift(db: Database, *, actor: Actor, now: datetime, shift_id: int) -> None:
    """Remove a shift; a published one is audited and its agent told it was cancelled."""
    with db.write() as s:
        shift = _shift_locked(s, shift_id)
        published = shift.status == ShiftStatus.PUBLISHED
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="shift",
            entity_id=shift.id,
            action="deleted",
            changes={
                "agent_id": (shift.agent_id, None),
                "starts_at": (shift.starts_at, None),
                "ends_at": (shift.ends_at, None),
                "status": (shift.status.value, None),
            },
        )
        if published:
            tell_agent_in(s, now=now, shift=shift, kind="cancelled")
        s.delete(shift)
        if published:
            _refresh_expiry(s, shift.agent_id, now)


def publish_shifts(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    starts: datetime,
    ends: datetime,
    team_id: int | None = None,
) -> list[Shift]:
    """Publish the drafts starting in [starts, ends) (of one team's agents when `team_id` is
    given): from now on routing counts them, and each agent is told of each shift."""
    if starts.tzinfo is None or ends.tzinfo is None:
        raise Invalid("instants need a time zone offset", {"field": "from"})
    if ends <= starts or ends - starts > MAX_PUBLISH_WINDOW:
        raise Invalid(
            f"publish a window of up to {MAX_PUBLISH_WINDOW.days} days, 'to' after 'from'",
            {"field": "to"},
        )
    with db.write() as s:
        stmt = select(Shift.agent_id).where(
            Shift.status == ShiftStatus.DRAFT, Shift.starts_at >= starts, Shift.starts_at < ends
        )
        if team_id is not None:
            if s.get(Team, team_id) is None:
                raise Invalid(f"team {team_id} not found", {"field": "team_id"})
            stmt = stmt.join(Agent, Agent.user_id == Shift.agent_id).where(Agent.team_id == team_id)
        agent_ids = set(s.scalars(stmt.distinct()))
        if not agent_ids:
            return []
        lock_agents_in(s, agent_ids, field="agent_id")
        drafts = list(
            s.scalars(
                select(Shift)
                .where(
                    Shift.status == ShiftStatus.DRAFT,
                    Shift.starts_at >= starts,
                    Shift.starts_at < ends,
                    Shift.agent_id.in_(agent_ids),
                )
                .order_by(Shift.starts_at, Shift.id)
                .execution_options(populate_existing=True)
            )
        )
        if not drafts:
            return []
        clashes = planned_leave_clashes_in(
            s, [(x.agent_id, x.starts_at, x.ends_at) for x in drafts]
        )
        if clashes:
            raise Conflict(
                f"{len(clashes)} draft shift(s) fall in planned leave: move or cancel them first",
                {
                    "shift_ids": sorted({drafts[i].id for i, _ in clashes}),
                    "leave_ids": sorted({item.id for _, item in clashes}),
                },
            )
        for shift in drafts:
            shift.status = ShiftStatus.PUBLISHED
            shift.published_at = now
            shift.updated_at = now
            audit.record(
                s,
                at=now,
                actor=actor,
                entity_type="shift",
                entity_id=shift.id,
                action="published",
                changes={"status": (ShiftStatus.DRAFT.value, ShiftStatus.PUBLISHED.value)},
            )
            tell_agent_in(s, now=now, shift=shift, kind="published")
        s.flush()
        refresh_expiries_in(s, agent_ids={x.agent_id for x in drafts}, now=now)
        return drafts


def shifts_from_template(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    template_id: int,
    agent_ids: Sequence[int],
    days: Sequence[date],
    status: ShiftStatus,
    skip_holidays: bool = True,
) -> list[Shift]:
    """The template's shift for each agent on each day, through the template's zone (so a night
    across a DST change is 9 or 7 hours), all or nothing. With `skip_holidays` an agent gets no
    shift on a public holiday of their country. A break that a short DST night cannot hold is
    left out."""
    with db.write() as s:
        template = s.get(ShiftTemplate, template_id)
        if template is None:
            raise Invalid(f"shift template {template_id} not found", {"field": "template_id"})
        agents = lock_agents_in(s, agent_ids, field="agent_ids")
        ordered_days = sorted(set(days))
        if not ordered_days:
            return []
        holidays: dict[str, dict[date, str]] = {}
        if skip_holidays:
            for country in sorted({a.country for a in agents.values() if a.country}):
                holidays[country] = public_holidays(country, ordered_days[0], ordered_days[-1])
        specs = []
        for day in ordered_days:
            span, planned = template_day(template, day)
            for agent_id in dict.fromkeys(agent_ids):
                home = agents[agent_id].country
                if home and day in holidays.get(home, {}):
                    continue
                specs.append(
                    ShiftSpec(
                        agent_id=agent_id,
                        starts_at=span.start,
                        ends_at=span.end,
                        skills=list(template.skills) if template.skills is not None else None,
                        breaks=planned,
                        template_id=template.id,
                    )
                )
        return add_shifts_in(s, actor=actor, now=now, specs=specs, status=status)
