"""State changes of the workforce: agents (teams in `teams.py`, re-exported here); the shift
rules every roster change shares (no overlap for one agent, at most 16 hours, audited, the
agent told of published changes). Shifts in bulk live in `shift_batches.py`, the rest of the
roster in `rosters.py`, leave in `leave.py`, clocking in `attendance.py`."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop import validation
from careloop.accounts.actions import create_user_in
from careloop.accounts.model import Role
from careloop.errors import Conflict, Invalid
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.workforce.agent_rows import agent_in as agent_in
from careloop.workforce.agent_rows import lock_agents_in as lock_agents_in
from careloop.workforce.attendance import refresh_expiries_in
from careloop.workforce.model import (
    Interval,
    ShiftStatus,
    check_breaks,
    check_shift_span,
    normalise_skills,
)
from careloop.workforce.tables import Agent, Shift, ShiftNotice
from careloop.workforce.teams import create_team as create_team
from careloop.workforce.teams import team_by_name_in
from careloop.workforce.teams import update_team as update_team

MAX_CAPACITY = 200


@dataclass(frozen=True)
class AgentProfile:
    """What makes a user an agent, checked and normalised."""

    languages: list[str]
    skills: list[str]
    timezone: str
    capacity: int
    country: str | None = None

    @classmethod
    def checked(
        cls,
        *,
        languages: Sequence[str],
        skills: Sequence[str] = (),
        timezone: str,
        capacity: int,
        country: str | None = None,
    ) -> AgentProfile:
        if not languages:
            raise Invalid("an agent speaks at least one language", {"field": "languages"})
        langs = list(dict.fromkeys(validation.language(x, "languages") for x in languages))
        if not 0 <= capacity <= MAX_CAPACITY:
            raise Invalid(
                f"capacity is the most open tickets at once, 0 to {MAX_CAPACITY}",
                {"field": "capacity"},
            )
        return cls(
            languages=langs,
            skills=normalise_skills(skills),
            timezone=validation.timezone(timezone),
            capacity=capacity,
            country=validation.country(country) if country else None,
        )


def create_agent(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    name: str,
    email: str,
    profile: AgentProfile,
    team: str | None = None,
    role: Role = Role.AGENT,
    password: str | None = None,
    locale: str = "en",
) -> Agent:
    """A new user with the agent role (or another assignable role) and its working profile."""
    with db.write() as s:
        team_row = team_by_name_in(s, team) if team else None
        user = create_user_in(
            s,
            actor=actor,
            now=now,
            email=email,
            name=name,
            role=role,
            password=password,
            timezone=profile.timezone,
            locale=locale,
        )
        agent = Agent(
            user_id=user.id,
            team_id=team_row.id if team_row else None,
            languages=profile.languages,
            skills=profile.skills,
            timezone=profile.timezone,
            country=profile.country,
            capacity=profile.capacity,
            calendar_token=secrets.token_urlsafe(32),
            active=True,
            created_at=now,
            updated_at=now,
        )
        agent.user = user
        agent.team = team_row
        s.add(agent)
        s.flush()
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="agent",
            entity_id=agent.user_id,
            action="created",
            changes={
                "languages": (None, profile.languages),
                "skills": (None, profile.skills),
                "timezone": (None, profile.timezone),
                "capacity": (None, profile.capacity),
                "team": (None, team_row.name if team_row else None),
            },
        )
        return agent


def update_agent(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    agent_id: int,
    changes: dict[str, Any],
) -> Agent:
    """Change an agent's profile: languages, skills, timezone, capacity, team (a name, None for
    none), country and active, each checked as on creation; audited with before and after."""
    unknown = set(changes) - {*_PROFILE_FIELDS, "team", "active"}
    if unknown:
        raise Invalid(f"cannot change {sorted(unknown)}", {"field": sorted(unknown)[0]})
    with db.write() as s:
        agent = agent_in(s, agent_id, lock=True)
        current = {k: getattr(agent, k) for k in _PROFILE_FIELDS}
        profile = AgentProfile.checked(
            **{**current, **{k: changes[k] for k in current.keys() & changes.keys()}}
        )
        after: dict[str, Any] = {k: getattr(profile, k) for k in _PROFILE_FIELDS}
        if "active" in changes:
            after["active"] = bool(changes["active"])
        team = agent.team
        if "team" in changes:
            team = team_by_name_in(s, changes["team"]) if changes["team"] else None
        diff = {k: (getattr(agent, k), v) for k, v in after.items() if getattr(agent, k) != v}
        if (team.id if team else None) != agent.team_id:
            diff["team"] = (agent.team.name if agent.team else None, team.name if team else None)
            agent.team = team
        if not diff:
            return agent
        for k, v in after.items():
            setattr(agent, k, v)
        agent.updated_at = now
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="agent",
            entity_id=agent.user_id,
            action="updated",
            changes=diff,
        )
        return agent


_PROFILE_FIELDS = ("languages", "skills", "timezone", "capacity", "country")


# --- shifts: the rules every roster change shares --------------------------------------------


def overlapping_shift_in(
    s: Session, agent_id: int, span: Interval, *, ignore_id: int | None = None
) -> Shift | None:
    """Any shift of the agent (draft or published) overlapping the span."""
    stmt = select(Shift).where(
        Shift.agent_id == agent_id, Shift.starts_at < span.end, Shift.ends_at > span.start
    )
    if ignore_id is not None:
        stmt = stmt.where(Shift.id != ignore_id)
    return s.scalars(stmt.order_by(Shift.starts_at).limit(1)).first()


def planned_breaks(shift: Interval, breaks: Sequence[Interval]) -> list[dict[str, str]]:
    check_breaks(shift, breaks)
    return [
        {"starts_at": b.start.isoformat(), "ends_at": b.end.isoformat()} for b in sorted(breaks)
    ]


def new_shift(
    *,
    now: datetime,
    agent_id: int,
    starts_at: datetime,
    ends_at: datetime,
    status: ShiftStatus,
    skills: Sequence[str] | None = None,
    breaks: Sequence[Interval] = (),
    template_id: int | None = None,
    note: str | None = None,
) -> Shift:
    """A shift row checked on its own (span, note, skills, breaks) and not yet added: what
    adding it still needs is the agent's lock and the roster around it."""
    check_shift_span(starts_at, ends_at)
    if note is not None and len(note) > 200:
        raise Invalid("a note has at most 200 characters", {"field": "note"})
    return Shift(
        agent_id=agent_id,
        starts_at=starts_at,
        ends_at=ends_at,
        status=status,
        template_id=template_id,
        skills=normalise_skills(skills) if skills is not None else None,
        breaks=planned_breaks(Interval(starts_at, ends_at), breaks),
        note=(note or "").strip() or None,
        created_at=now,
        updated_at=now,
        published_at=now if status == ShiftStatus.PUBLISHED else None,
    )


def roster_clash(agent_id: int, shift_id: int, starts_at: datetime, ends_at: datetime) -> Conflict:
    """The 409 of a new shift overlapping one the agent has."""
    return Conflict(
        f"agent {agent_id} already has shift {shift_id} from "
        f"{starts_at.isoformat()} to {ends_at.isoformat()}",
        {"field": "starts_at", "shift_id": shift_id},
    )


def record_new_shifts_in(
    s: Session, *, actor: Actor, now: datetime, shifts: Sequence[Shift]
) -> None:
    """Add checked shifts in one flush (the audit rows and notices need their ids), then the
    audit row of each and, when published, the agent's notice, which the commit writes."""
    s.add_all(shifts)
    s.flush()
    for shift in shifts:
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="shift",
            entity_id=shift.id,
            action="created",
            changes={
                "agent_id": (None, shift.agent_id),
                "starts_at": (None, shift.starts_at),
                "ends_at": (None, shift.ends_at),
                "status": (None, shift.status.value),
            },
        )
        if shift.status == ShiftStatus.PUBLISHED:
            tell_agent_in(s, now=now, shift=shift, kind="published")
    # A clocked-in agent given a back-to-back shift stays clocked in through it.
    published = {x.agent_id for x in shifts if x.status == ShiftStatus.PUBLISHED}
    refresh_expiries_in(s, agent_ids=published, now=now)


def add_shift_in(
    s: Session,
    *,
    actor: Actor,
    now: datetime,
    agent_id: int,
    starts_at: datetime,
    ends_at: datetime,
    status: ShiftStatus,
    skills: Sequence[str] | None = None,
    breaks: Sequence[Interval] = (),
    template_id: int | None = None,
    note: str | None = None,
) -> Shift:
    """Add one shift inside the caller's transaction: checked, audited, and the agent told when
    it is published. The agent's row is locked so two writers cannot both slip in an overlap.
    Many at once: `shift_batches.add_shifts_in`."""
    shift = new_shift(
        now=now,
        agent_id=agent_id,
        starts_at=starts_at,
        ends_at=ends_at,
        status=status,
        skills=skills,
        breaks=breaks,
        template_id=template_id,
        note=note,
    )
    agent = agent_in(s, agent_id, lock=True)
    if not agent.active:
        raise Invalid(f"agent {agent_id} is inactive", {"field": "agent_id"})
    clash = overlapping_shift_in(s, agent_id, Interval(starts_at, ends_at))
    if clash is not None:
        raise roster_clash(agent_id, clash.id, clash.starts_at, clash.ends_at)
    record_new_shifts_in(s, actor=actor, now=now, shifts=[shift])
    return shift


def create_shift(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    agent_id: int,
    starts_at: datetime,
    ends_at: datetime,
    status: ShiftStatus = ShiftStatus.PUBLISHED,
    skills: Sequence[str] | None = None,
    breaks: Sequence[Interval] = (),
    note: str | None = None,
) -> Shift:
    with db.write() as s:
        return add_shift_in(
            s,
            actor=actor,
            now=now,
            agent_id=agent_id,
            starts_at=starts_at,
            ends_at=ends_at,
            status=status,
            skills=skills,
            breaks=breaks,
            note=note,
        )


def tell_agent_in(
    s: Session,
    *,
    now: datetime,
    shift: Shift,
    kind: str,
    details: dict[str, Any] | None = None,
) -> ShiftNotice:
    """A notice on the agent's "my shifts" page that a published shift was added (published),
    moved (changed) or removed (cancelled). The message is in English UTC; pages render the
    shift in the agent's own zone and language from `details`."""
    verbs = {"published": "New shift", "changed": "Shift changed", "cancelled": "Shift cancelled"}
    message = (
        f"{verbs.get(kind, kind)}: {shift.starts_at:%Y-%m-%d %H:%M} to "
        f"{shift.ends_at:%Y-%m-%d %H:%M} UTC"
    )
    notice = ShiftNotice(
        agent_id=shift.agent_id,
        shift_id=shift.id if kind != "cancelled" else None,
        kind=kind,
        at=now,
        details={
            "starts_at": shift.starts_at.isoformat(),
            "ends_at": shift.ends_at.isoformat(),
            **(details or {}),
        },
        message=message,
    )
    s.add(notice)
    return notice


def mark_assigned_in(agent: Agent, now: datetime) -> None:
    """Routing gave the (locked) agent a ticket: the longest idle come first among equals."""
    agent.last_assigned_at = now
