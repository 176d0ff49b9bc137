"""Where each agent stands now for hand-off: removed or not, on leave, clocked in (a live
clock-in), and how their latest clock-in ended. One query for any number of agents."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, literal, select
from sqlalchemy.orm import Session

from careloop.accounts.tables import User
from careloop.workforce.tables import Agent, ClockInRow, Leave

LAPSED = "lapsed"  # `last_clock_out` of an open clock-in past its expiry


@dataclass(frozen=True)
class AgentDuty:
    agent_id: int
    team_id: int | None
    active: bool  # the agent and its user are both active
    on_leave: bool
    clocked_in: bool  # an open clock-in that has not lapsed (a break does not change it)
    last_clock_out: str | None  # manual, auto, leave, "lapsed", or None: never clocked in


def duty_states_in(
    s: Session, *, now: datetime, agent_ids: Collection[int] | None = None
) -> dict[int, AgentDuty]:
    """The state of these agents (every agent when None) at `now`, by agent id."""
    live = exists().where(
        ClockInRow.agent_id == Agent.user_id,
        ClockInRow.clocked_out_at.is_(None),
        ClockInRow.clocked_in_at <= now,
        ClockInRow.expires_at > now,
    )
    on_leave = exists().where(
        Leave.agent_id == Agent.user_id, Leave.starts_at <= now, Leave.ends_at > now
    )
    # How the latest clock-in ended (ix_clock_ins_agent_id_clocked_in_at finds it).
    last = (
        select(
            case(
                (ClockInRow.clocked_out_at.is_(None), literal(LAPSED)),
                else_=ClockInRow.clock_out_reason,
            )
        )
        .where(ClockInRow.agent_id == Agent.user_id, ClockInRow.clocked_in_at <= now)
        .order_by(ClockInRow.clocked_in_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    stmt = select(
        Agent.user_id,
        Agent.team_id,
        and_(Agent.active, User.active).label("active"),
        on_leave.label("on_leave"),
        live.label("clocked_in"),
        last.label("last_clock_out"),
    ).join(User, User.id == Agent.user_id)
    if agent_ids is not None:
        if not agent_ids:
            return {}
        stmt = stmt.where(Agent.user_id.in_(sorted(agent_ids)))
    return {
        r.user_id: AgentDuty(
            agent_id=r.user_id,
            team_id=r.team_id,
            active=bool(r.active),
            on_leave=bool(r.on_leave),
            clocked_in=bool(r.clocked_in),
            last_clock_out=r.last_clock_out,
        )
        for r in s.execute(stmt)
    }
