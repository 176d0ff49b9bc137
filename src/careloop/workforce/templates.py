"""Shift templates: a named shift in local wall-clock time ("EU early" 07:00-15:00
Europe/Berlin) with its breaks, and the instants it stands for on a given day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from careloop import validation
from careloop.errors import Conflict, Invalid
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.workforce.model import (
    MAX_BREAKS,
    MAX_SHIFT,
    BreakRule,
    Interval,
    check_breaks,
    normalise_skills,
    shift_instants,
)
from careloop.workforce.tables import ShiftTemplate, Team


def template_length(starts: time, ends: time) -> timedelta:
    """A template's length on a day without a DST change; an end not after the start is the
    next day."""
    day = date(2000, 1, 3)
    start = datetime.combine(day, starts, tzinfo=UTC)
    end = datetime.combine(day if ends > starts else day + timedelta(days=1), ends, tzinfo=UTC)
    return end - start


def create_template(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    name: str,
    starts: time,
    ends: time,
    timezone: str,
    breaks: Sequence[BreakRule] = (),
    skills: Sequence[str] | None = None,
    team_id: int | None = None,
) -> ShiftTemplate:
    """A named shift in local wall-clock time, e.g. "EU early" 07:00-15:00 Europe/Berlin."""
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("a template needs a name of 1 to 100 characters", {"field": "name"})
    validation.timezone(timezone)
    if starts.tzinfo is not None or ends.tzinfo is not None:
        raise Invalid("template times are local wall-clock times", {"field": "starts"})
    length = template_length(starts, ends)
    if length > MAX_SHIFT:
        raise Invalid(
            f"a shift lasts at most {int(MAX_SHIFT.total_seconds() // 3600)} hours",
            {"field": "ends"},
        )
    if len(breaks) > MAX_BREAKS:
        raise Invalid(f"a shift has at most {MAX_BREAKS} breaks", {"field": "breaks"})
    sample = Interval(datetime(2000, 1, 3, tzinfo=UTC), datetime(2000, 1, 3, tzinfo=UTC) + length)
    check_breaks(sample, [b.within(sample) for b in breaks])
    normal_skills = normalise_skills(skills) if skills is not None else None
    with db.write() as s:
        if team_id is not None and s.get(Team, team_id) is None:
            raise Invalid(f"team {team_id} not found", {"field": "team_id"})
        taken = s.scalar(
            select(ShiftTemplate.id).where(func.lower(ShiftTemplate.name) == name.lower())
        )
        if taken is not None:
            raise Conflict(f"a shift template named {name!r} exists", {"field": "name"})
        template = ShiftTemplate(
            name=name,
            team_id=team_id,
            starts=starts,
            ends=ends,
            timezone=timezone,
            breaks=[
                {"after_minutes": int(b.after.total_seconds() // 60), "minutes": b.minutes}
                for b in sorted(breaks, key=lambda b: b.after)
            ],
            skills=normal_skills,
            created_at=now,
        )
        s.add(template)
        s.flush()
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="shift_template",
            entity_id=template.id,
            action="created",
            changes={
                "name": (None, name),
                "starts": (None, starts.isoformat()),
                "ends": (None, ends.isoformat()),
                "timezone": (None, timezone),
                "breaks": (None, template.breaks),
            },
        )
        return template


def template_day(template: ShiftTemplate, day: date) -> tuple[Interval, list[Interval]]:
    """The template's shift on `day` as instants, through its zone (a 22:00-06:00 night lasts 9
    hours across the October change in Europe/Berlin, 7 in March), and its breaks. A break that
    a DST-short night cannot hold is left out."""
    span = shift_instants(day, template.starts, template.ends, template.timezone)
    rules = [
        BreakRule(after=timedelta(minutes=b["after_minutes"]), minutes=b["minutes"])
        for b in template.breaks
    ]
    return span, [b for b in (r.within(span) for r in rules) if b.end <= span.end]
