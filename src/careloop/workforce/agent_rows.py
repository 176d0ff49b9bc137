"""Finding and locking agents: the first step of every change to one agent's roster or
attendance, so that two writers never check the same agent's shifts at once; and the routing
pause (who gets nothing new for a while)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.errors import Invalid, NotFound
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.workforce.tables import Agent


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


def locked_agents_in(
    s: Session, agent_ids: Collection[int], *, skip_locked: bool = False
) -> dict[int, Agent]:
    """The agents with these ids, locked in id order (two lockers never deadlock), unknown ids
    left out; with `skip_locked` also those another transaction holds, so that a caller already
    holding other agents' locks never waits out of order (routing's second choices)."""
    rows = s.scalars(
        select(Agent)
        .where(Agent.user_id.in_(sorted(set(agent_ids))))
        .order_by(Agent.user_id)
        .with_for_update(of=Agent, skip_locked=skip_locked)
    )
    return {a.user_id: a for a in rows.unique()}


def paused_agents_in(s: Session, now: datetime) -> dict[int, datetime]:
    """The agents routing gives nothing new for now, with until when: a cool-down after
    leaving an assignment unopened, over at its end or at the agent's next clock-in."""
    rows = s.execute(
        select(Agent.user_id, Agent.routing_paused_until).where(Agent.routing_paused_until > now)
    )
    return {agent_id: until for agent_id, until in rows if until is not None}


def pause_routing_in(
    s: Session, *, agent_id: int, until: datetime, actor: Actor, now: datetime, reason: str
) -> None:
    """Give the agent no new tickets until `until` (a cool-down after leaving an assignment
    unopened), audited; a later pause already set is kept."""
    agent = s.get(Agent, agent_id)
    if agent is None:
        return
    before = agent.routing_paused_until
    if before is not None and before >= until:
        return
    agent.routing_paused_until = until
    audit.record(
        s,
        at=now,
        actor=actor,
        entity_type="agent",
        entity_id=agent_id,
        action="routing_paused",
        changes={"routing_paused_until": (before, until), "reason": (None, reason)},
    )
