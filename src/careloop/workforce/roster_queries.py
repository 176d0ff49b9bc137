"""The read side of rosters for the API: agents, teams, templates, shifts and leave in a window,
one shift and its history. Each list is one query (agents carry their user and team through
joins)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from careloop.accounts.tables import User
from careloop.errors import NotFound
from careloop.storage.audit import AuditEntry
from careloop.storage.engine import Database
from careloop.workforce.model import MAX_SHIFT, ShiftStatus
from careloop.workforce.tables import Agent, Leave, Shift, ShiftTemplate, Team


def list_agents(db: Database, *, team_id: int | None = None) -> list[Agent]:
    """Agents by name, of one team when `team_id` is given."""
    stmt = (
        select(Agent)
        .join(Agent.user)
        .options(contains_eager(Agent.user))
        .order_by(User.name, Agent.user_id)
    )
    if team_id is not None:
        stmt = stmt.where(Agent.team_id == team_id)
    with db.read() as s:
        return list(s.scalars(stmt))


def get_agent(db: Database, agent_id: int) -> Agent:
    with db.read() as s:
        agent = s.scalar(select(Agent).where(Agent.user_id == agent_id))
    if agent is None:
        raise NotFound(f"agent {agent_id} not found")
    return agent


def list_teams(db: Database) -> list[Team]:
    with db.read() as s:
        return list(s.scalars(select(Team).order_by(Team.name)))


def list_templates(db: Database) -> list[ShiftTemplate]:
    with db.read() as s:
        return list(s.scalars(select(ShiftTemplate).order_by(ShiftTemplate.name)))


def list_shifts(
    db: Database,
    *,
    starts: datetime,
    ends: datetime,
    agent_id: int | None = None,
    team_id: int | None = None,
    status: ShiftStatus | None = None,
) -> list[Shift]:
    """Shifts overlapping [starts, ends), in order of start. A shift lasts at most 16 hours,
    so its start is bounded on both sides and the starts_at indexes serve the query."""
    stmt = select(Shift).where(
        Shift.starts_at > starts - MAX_SHIFT,
        Shift.starts_at < ends,
        Shift.ends_at > starts,
    )
    if agent_id is not None:
        stmt = stmt.where(Shift.agent_id == agent_id)
    if status is not None:
        stmt = stmt.where(Shift.status == status)
    if team_id is not None:
        stmt = stmt.join(Agent, Agent.user_id == Shift.agent_id).where(Agent.team_id == team_id)
    with db.read() as s:
        return list(s.scalars(stmt.order_by(Shift.starts_at, Shift.id)))


def get_shift(db: Database, shift_id: int) -> Shift:
    with db.read() as s:
        shift = s.get(Shift, shift_id)
    if shift is None:
        raise NotFound(f"shift {shift_id} not found")
    return shift


def shift_audit(db: Database, shift_id: int) -> list[AuditEntry]:
    """Every change of a shift, oldest first: created, updated, published, deleted. A deleted
    shift keeps its history; a shift that never existed is a 404."""
    with db.read() as s:
        entries = list(
            s.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity_type == "shift", AuditEntry.entity_id == shift_id)
                .order_by(AuditEntry.id)
            )
        )
        if not entries and s.get(Shift, shift_id) is None:
            raise NotFound(f"shift {shift_id} not found")
    return entries


def list_leave(
    db: Database, *, starts: datetime, ends: datetime, agent_id: int | None = None
) -> list[Leave]:
    """Leave overlapping [starts, ends), in order of start."""
    stmt = select(Leave).where(Leave.starts_at < ends, Leave.ends_at > starts)
    if agent_id is not None:
        stmt = stmt.where(Leave.agent_id == agent_id)
    with db.read() as s:
        return list(s.scalars(stmt.order_by(Leave.starts_at, Leave.id)))
