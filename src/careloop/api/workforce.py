"""Agents, teams, leave and public holidays over JSON. Shifts and rosters are in `rosters.py`,
clocking in and who is on duty in `attendance.py`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from careloop.accounts.model import Permission, Principal
from careloop.api.deps import DB, Now, PathId, QueryId, require
from careloop.errors import Invalid
from careloop.routing.handoff import hand_off_after
from careloop.workforce import actions, leave, roster_queries
from careloop.workforce.holidays import holidays_of_year
from careloop.workforce.schemas import (
    FIRST_YEAR,
    LAST_YEAR,
    AgentCreate,
    AgentList,
    AgentOut,
    AgentUpdate,
    HolidayList,
    HolidayOut,
    LeaveCreate,
    LeaveList,
    LeaveOut,
    TeamCreate,
    TeamList,
    TeamOut,
    TeamUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["workforce"])

Reader = Annotated[Principal, Depends(require(Permission.WORKFORCE_READ))]
Manager = Annotated[Principal, Depends(require(Permission.WORKFORCE_MANAGE))]
From = Annotated[AwareDatetime, Query(alias="from", description="aware ISO 8601 instant")]
To = Annotated[AwareDatetime, Query(alias="to", description="aware ISO 8601 instant")]
MAX_LEAVE_WINDOW = timedelta(days=400)


def window(starts: datetime, ends: datetime, *, most: timedelta) -> tuple[datetime, datetime]:
    """A query window [from, to): forward, within the years the API speaks, at most `most`."""
    for name, value in (("from", starts), ("to", ends)):
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise Invalid(f"'{name}' must lie in {FIRST_YEAR} to {LAST_YEAR}", {"param": name})
    if ends <= starts:
        raise Invalid("'to' must be after 'from'", {"param": "to"})
    if ends - starts > most:
        raise Invalid(f"a window spans at most {most.days} days", {"param": "to"})
    return starts, ends


# --- agents --------------------------------------------------------------------------------


@router.post("/agents", status_code=201, response_model=AgentOut, tags=["agents"])
def create_agent(body: AgentCreate, principal: Manager, db: DB, now: Now) -> AgentOut:
    """A new user with the agent role and its working profile; its id is the id a ticket's
    assignee_id holds."""
    profile = actions.AgentProfile.checked(
        languages=body.languages,
        skills=body.skills,
        timezone=body.timezone,
        capacity=body.capacity,
        country=body.country,
    )
    agent = actions.create_agent(
        db,
        actor=principal.actor,
        now=now,
        name=body.name,
        email=body.email,
        profile=profile,
        team=body.team,
    )
    return AgentOut.of(roster_queries.get_agent(db, agent.user_id))


@router.get("/agents", response_model=AgentList, tags=["agents"])
def list_agents(_: Reader, db: DB, team_id: QueryId = None) -> AgentList:
    return AgentList(
        items=[AgentOut.of(a) for a in roster_queries.list_agents(db, team_id=team_id)]
    )


@router.get("/agents/{agent_id}", response_model=AgentOut, tags=["agents"])
def get_agent(agent_id: PathId, _: Reader, db: DB) -> AgentOut:
    return AgentOut.of(roster_queries.get_agent(db, agent_id))


@router.patch("/agents/{agent_id}", response_model=AgentOut, tags=["agents"])
def update_agent(
    agent_id: PathId, body: AgentUpdate, principal: Manager, db: DB, now: Now
) -> AgentOut:
    """Change only the fields sent; `null` clears team and country."""
    agent = actions.update_agent(
        db,
        actor=principal.actor,
        now=now,
        agent_id=agent_id,
        changes=body.model_dump(include=body.model_fields_set),
    )
    if not agent.active:
        hand_off_after(db, now=now, agent_id=agent_id)  # removed: their tickets go to others
    return AgentOut.of(agent)


# --- teams ---------------------------------------------------------------------------------


@router.post("/teams", status_code=201, response_model=TeamOut, tags=["agents"])
def create_team(body: TeamCreate, principal: Manager, db: DB, now: Now) -> TeamOut:
    team = actions.create_team(
        db, actor=principal.actor, now=now, name=body.name, lead_id=body.lead_id
    )
    return TeamOut.of(team)


@router.patch("/teams/{team_id}", response_model=TeamOut, tags=["agents"])
def update_team(team_id: PathId, body: TeamUpdate, principal: Manager, db: DB, now: Now) -> TeamOut:
    """Rename a team or change its lead (an agent); only the fields sent change, `null` lead_id
    leaves it without one. A name another team has, in any case, is a 409."""
    sent = body.model_fields_set
    team = actions.update_team(
        db,
        actor=principal.actor,
        now=now,
        team_id=team_id,
        name=body.name if body.name is not None else ...,
        lead_id=body.lead_id if "lead_id" in sent else ...,
    )
    return TeamOut.of(team)


@router.get("/teams", response_model=TeamList, tags=["agents"])
def list_teams(_: Reader, db: DB) -> TeamList:
    return TeamList(items=[TeamOut.of(t) for t in roster_queries.list_teams(db)])


# --- leave ---------------------------------------------------------------------------------


@router.post("/agents/{agent_id}/leave", status_code=201, response_model=LeaveOut, tags=["leave"])
def add_leave(
    agent_id: PathId, body: LeaveCreate, principal: Manager, db: DB, now: Now
) -> LeaveOut:
    """Leave as instants, or whole days in the agent's zone (end_date included). Vacation and
    other leave over a published shift is a 409 naming the shifts; sick leave is accepted."""
    if body.starts_at is not None and body.ends_at is not None:
        item = leave.add_leave(
            db,
            actor=principal.actor,
            now=now,
            agent_id=agent_id,
            kind=body.kind,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            note=body.note,
        )
    elif body.start_date is not None and body.end_date is not None:
        item = leave.leave_for_days(
            db,
            actor=principal.actor,
            now=now,
            agent_id=agent_id,
            kind=body.kind,
            start_date=body.start_date,
            end_date=body.end_date,
            note=body.note,
        )
    else:  # the schema lets only one of the two forms through
        raise Invalid("send starts_at and ends_at, or start_date and end_date", None)
    if item.starts_at <= now < item.ends_at:
        hand_off_after(db, now=now, agent_id=agent_id)  # on leave now: their tickets go back
    return LeaveOut.of(item)


@router.get("/leave", response_model=LeaveList, tags=["leave"])
def list_leave(_: Reader, db: DB, starts: From, ends: To, agent_id: QueryId = None) -> LeaveList:
    """Leave overlapping [from, to), a window of at most 400 days."""
    starts, ends = window(starts, ends, most=MAX_LEAVE_WINDOW)
    rows = roster_queries.list_leave(db, starts=starts, ends=ends, agent_id=agent_id)
    return LeaveList(items=[LeaveOut.of(x) for x in rows])


@router.delete("/leave/{leave_id}", status_code=204, tags=["leave"])
def cancel_leave(leave_id: PathId, principal: Manager, db: DB, now: Now) -> None:
    leave.cancel_leave(db, actor=principal.actor, now=now, leave_id=leave_id)


# --- public holidays -----------------------------------------------------------------------


@router.get("/holidays", response_model=HolidayList, tags=["leave"])
def list_holidays(
    _: Reader,
    country: Annotated[str, Query(min_length=2, max_length=2)],
    year: Annotated[int, Query(ge=FIRST_YEAR, le=LAST_YEAR)],
) -> HolidayList:
    """A country's public holidays in a year, from the `holidays` package."""
    days = holidays_of_year(country.upper(), year)
    return HolidayList(items=[HolidayOut(date=d, name=n) for d, n in sorted(days.items())])
