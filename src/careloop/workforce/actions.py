"""State changes of the workforce: teams and agents; the shift rules every roster change
shares (no overlap for one agent, at most 16 hours, audited, the agent told of published
changes). Rosters in bulk live in `rosters.py`, leave in `leave.py`, clocking in `attendance.py`."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop import validation
from careloop.accounts.actions import create_user_in
from careloop.accounts.model import Role
from careloop.errors import Conflict, Invalid, NotFound
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.workforce.model import (
    Interval,
    ShiftStatus,
    check_breaks,
    check_shift_span,
    normalise_skills,
)
from careloop.workforce.tables import Agent, Shift, ShiftNotice, Team

MAX_CAPACITY = 200


def create_team(
    db: Database, *, actor: Actor, now: datetime, name: str, lead_id: int | None = None
) -> Team:
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("a team needs a name of 1 to 100 characters", {"field": "name"})
    with db.write() as s:
        if s.scalar(select(Team.id).where(func.lower(Team.name) == name.lower())) is not None:
            raise Conflict(f"a team named {name!r} exists", {"field": "name"})
        if lead_id is not None and s.get(Agent, lead_id) is None:
            raise Invalid(f"team lead {lead_id} is not an agent", {"field": "lead_id"})
        team = Team(name=name, lead_id=lead_id, created_at=now)
        s.add(team)
        s.flush()
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="team",
            entity_id=team.id,
            action="created",
            changes={"name": (None, name), "lead_id": (None, lead_id)},
        )
        return team


def team_by_name_in(s: Session, name: str) -> Team:
    team = s.scalar(select(Team).where(func.lower(Team.name) == name.strip().lower()))
    if team is None:
        raise Invalid(f"unknown team {name!r}", {"field": "team"})
    return team


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


def agent_in(s: Session, agent_id: int, *, lock: bool = False) -> Agent:
    """The agent, optionally locked (FOR UPDATE on PostgreSQL) so that one agent's roster and
    attendance change one transaction at a time."""
    stmt = select(Agent).where(Agent.user_id == agent_id)
    if lock:
        stmt = stmt.with_for_update(of=Agent)
    agent = s.scalar(stmt)
    if agent is None:
        raise NotFound(f"agent {agent_id} not found")
    return agent


def lock_agents_in(s: Session, agent_ids: Collection[int], *, field: str) -> dict[int, Agent]:
    """Lock the agents in id order (so two batches never deadlock); an unknown id is a 422,
    as it is a reference in the request body."""
    ids = sorted(set(agent_ids))
    rows = s.scalars(
        select(Agent)
        .where(Agent.user_id.in_(ids))
        .order_by(Agent.user_id)
        .with_for_update(of=Agent)
    )
    agents = {a.user_id: a for a in rows.unique()}
    missing = [i for i in ids if i not in agents]
    if missing:
        raise Invalid(f"agent {missing[0]} not found", {"field": field, "agent_id": missing[0]})
    return agents


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
    it is published. The agent's row is locked so two writers cannot both slip in an overlap."""
    check_shift_span(starts_at, ends_at)
    span = Interval(starts_at, ends_at)
    agent = agent_in(s, agent_id, lock=True)
    if not agent.active:
        raise Invalid(f"agent {agent_id} is inactive", {"field": "agent_id"})
    clash = overlapping_shift_in(s, agent_id, span)
    if clash is not None:
        raise Conflict(
            f"agent {agent_id} already has shift {clash.id} from "
            f"{clash.starts_at.isoformat()} to {clash.ends_at.isoformat()}",
            {"field": "starts_at", "shift_id": clash.id},
        )
    shift = Shift(
        agent_id=agent_id,
        starts_at=starts_at,
        ends_at=ends_at,
        status=status,
        template_id=template_id,
        skills=normalise_skills(skills) if skills is not None else None,
        breaks=planned_breaks(span, breaks),
        note=note,
        created_at=now,
        updated_at=now,
        published_at=now if status == ShiftStatus.PUBLISHED else None,
    )
    s.add(shift)
    s.flush()
    audit.record(
        s,
        at=now,
        actor=actor,
        entity_type="shift",
        entity_id=shift.id,
        action="created",
        changes={
            "agent_id": (None, agent_id),
            "starts_at": (None, starts_at),
            "ends_at": (None, ends_at),
            "status": (None, status.value),
        },
    )
    if status == ShiftStatus.PUBLISHED:
        tell_agent_in(s, now=now, shift=shift, kind="published")
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
