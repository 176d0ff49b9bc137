"""State changes of teams: creating, renaming and changing the lead. A team's name is unique in
any case ("EMEA" and "emea" are one team, as agents are put in a team by its name); its lead is
an agent. `actions` re-exports these with the other workforce actions."""

from __future__ import annotations

from datetime import datetime
from types import EllipsisType
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.errors import Conflict, Invalid, NotFound
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.workforce.tables import Agent, Team


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("a team needs a name of 1 to 100 characters", {"field": "name"})
    return name


def _check_free_in(s: Session, name: str, *, ignore_id: int | None = None) -> None:
    stmt = select(Team.id).where(func.lower(Team.name) == name.lower())
    if ignore_id is not None:
        stmt = stmt.where(Team.id != ignore_id)
    if s.scalar(stmt) is not None:
        raise Conflict(f"a team named {name!r} exists", {"field": "name"})


def _check_lead_in(s: Session, lead_id: int | None) -> None:
    if lead_id is not None and s.get(Agent, lead_id) is None:
        raise Invalid(f"team lead {lead_id} is not an agent", {"field": "lead_id"})


def create_team(
    db: Database, *, actor: Actor, now: datetime, name: str, lead_id: int | None = None
) -> Team:
    name = _checked_name(name)
    with db.write() as s:
        _check_free_in(s, name)
        _check_lead_in(s, lead_id)
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


def update_team(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    team_id: int,
    name: str | EllipsisType = ...,
    lead_id: int | EllipsisType | None = ...,
) -> Team:
    """Rename a team or change its lead (None: no lead); `...` leaves a field as it is. Audited
    with before and after; a name another team has, in any case, is a 409."""
    if not isinstance(name, EllipsisType):
        name = _checked_name(name)
    with db.write() as s:
        team = s.scalar(select(Team).where(Team.id == team_id).with_for_update())
        if team is None:
            raise NotFound(f"team {team_id} not found")
        after: dict[str, Any] = {}
        if not isinstance(name, EllipsisType):
            _check_free_in(s, name, ignore_id=team.id)
            after["name"] = name
        if not isinstance(lead_id, EllipsisType):
            _check_lead_in(s, lead_id)
            after["lead_id"] = lead_id
        changes = {k: (getattr(team, k), v) for k, v in after.items() if getattr(team, k) != v}
        if not changes:
            return team
        for k, (_, v) in changes.items():
            setattr(team, k, v)
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="team",
            entity_id=team.id,
            action="updated",
            changes=changes,
        )
        return team


def team_by_name_in(s: Session, name: str) -> Team:
    team = s.scalar(select(Team).where(func.lower(Team.name) == name.strip().lower()))
    if team is None:
        raise Invalid(f"unknown team {name!r}", {"field": "team"})
    return team
