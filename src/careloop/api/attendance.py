"""Attendance over JSON: clocking in and out, breaks, who is on duty at an instant, today's
attendance and adherence per day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from careloop.accounts.model import Permission, Principal
from careloop.api.deps import DB, Now, PathId, QueryId, bearer_principal, require
from careloop.errors import Forbidden
from careloop.routing.actions import drain_queue_after
from careloop.routing.handoff import hand_off_after
from careloop.storage.engine import Database
from careloop.tickets.schemas import TimeZone
from careloop.workforce import attendance, attendance_queries, queries
from careloop.workforce.attendance_schemas import (
    AdherenceDayOut,
    AdherencePage,
    AttendancePage,
    AttendanceRowOut,
    ClockStatusOut,
    OnDutyOut,
    OnDutyPage,
)

router = APIRouter(prefix="/api/v1", tags=["attendance"])

Caller = Annotated[Principal, Depends(bearer_principal)]
Reader = Annotated[Principal, Depends(require(Permission.WORKFORCE_READ))]
AgentId = PathId
ClockAction = Callable[..., Any]
BECOME_AVAILABLE: tuple[ClockAction, ...] = (attendance.clock_in, attendance.end_break)


def may_clock(principal: Principal, agent_id: int) -> None:
    """One's own clock needs ATTENDANCE_OWN; anyone else's needs WORKFORCE_MANAGE."""
    if principal.can(Permission.WORKFORCE_MANAGE):
        return
    if principal.user_id == agent_id and principal.can(Permission.ATTENDANCE_OWN):
        return
    needed = Permission.ATTENDANCE_OWN if principal.user_id == agent_id else None
    raise Forbidden(
        f"role {principal.role.value} may not change agent {agent_id}'s attendance",
        {
            "required": (needed or Permission.WORKFORCE_MANAGE).value,
            "role": principal.role.value,
        },
    )


def _clock(
    action: ClockAction, principal: Principal, db: Database, now: datetime, agent_id: int
) -> ClockStatusOut:
    may_clock(principal, agent_id)
    action(db, actor=principal.actor, now=now, agent_id=agent_id)
    if action in BECOME_AVAILABLE:
        drain_queue_after(db, now=now)  # the agent may take waiting tickets now
    elif action is attendance.clock_out:
        hand_off_after(db, now=now, agent_id=agent_id)  # unanswered tickets go to others
    status = attendance_queries.clock_status(db, agent_id=agent_id, now=now)
    return ClockStatusOut.model_validate(status)


@router.post("/agents/{agent_id}/clock-in", response_model=ClockStatusOut)
def clock_in(agent_id: AgentId, principal: Caller, db: DB, now: Now) -> ClockStatusOut:
    """Clock in until the shift's end plus a grace period; 409 when already clocked in or on
    leave."""
    return _clock(attendance.clock_in, principal, db, now, agent_id)


@router.post("/agents/{agent_id}/clock-out", response_model=ClockStatusOut)
def clock_out(agent_id: AgentId, principal: Caller, db: DB, now: Now) -> ClockStatusOut:
    """Clock out, ending a break under way; 409 when not clocked in."""
    return _clock(attendance.clock_out, principal, db, now, agent_id)


@router.post("/agents/{agent_id}/break-start", response_model=ClockStatusOut)
def break_start(agent_id: AgentId, principal: Caller, db: DB, now: Now) -> ClockStatusOut:
    """Start a break; 409 when not clocked in or already on a break."""
    return _clock(attendance.start_break, principal, db, now, agent_id)


@router.post("/agents/{agent_id}/break-end", response_model=ClockStatusOut)
def break_end(agent_id: AgentId, principal: Caller, db: DB, now: Now) -> ClockStatusOut:
    """End the break under way; 409 when not on a break."""
    return _clock(attendance.end_break, principal, db, now, agent_id)


@router.get("/on-duty", response_model=OnDutyPage)
def on_duty(
    _: Reader,
    db: DB,
    now: Now,
    at: AwareDatetime | None = None,
    include: Literal["rostered"] | None = None,
    team_id: QueryId = None,
) -> OnDutyPage:
    """The agents on duty at `at` (default now): rostered on a published shift, clocked in, not
    on a break or leave, with their remaining capacity. `include=rostered` lists everyone
    rostered then, clocked in or not."""
    when = queries.checked_instant(at or now)
    items = queries.on_duty_agents(
        db, at=when, include_rostered=include == "rostered", team_id=team_id
    )
    return OnDutyPage(at=when, items=[OnDutyOut.model_validate(i) for i in items])


@router.get("/attendance", response_model=AttendancePage)
def attendance_day(
    principal: Reader,
    db: DB,
    now: Now,
    day: Annotated[date | None, Query(alias="date")] = None,
    timezone: TimeZone | None = None,
    team_id: QueryId = None,
) -> AttendancePage:
    """Each agent rostered on a day (default today) or clocked in: on, on break, late, absent,
    on leave; the day in `timezone`, by default the caller's. A past day is shown as it ended."""
    zone = timezone or principal.timezone
    day = queries.checked_day(day or now.astimezone(ZoneInfo(zone)).date())
    rows = attendance_queries.attendance_today(db, now=now, timezone=zone, team_id=team_id, day=day)
    return AttendancePage(
        date=day, timezone=zone, items=[AttendanceRowOut.model_validate(r) for r in rows]
    )


@router.get("/agents/{agent_id}/adherence", response_model=AdherencePage)
def adherence(
    agent_id: AgentId,
    _: Reader,
    db: DB,
    now: Now,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> AdherencePage:
    """The agent's days from `from` to `to` (at most 31, in the agent's zone) against the roster:
    scheduled, worked, in adherence and overtime minutes, lateness and absences."""
    days = attendance_queries.adherence_by_day(db, agent_id=agent_id, start=start, end=end, now=now)
    return AdherencePage(
        agent_id=agent_id,
        items=[
            AdherenceDayOut(
                date=d,
                scheduled_minutes=a.scheduled,
                worked_minutes=a.worked,
                in_adherence_minutes=a.in_adherence,
                overtime_minutes=a.overtime,
                late_minutes=a.late,
                absent_shifts=a.absent_shifts,
                adherence=a.adherence,
            )
            for d, a in days
        ],
    )
