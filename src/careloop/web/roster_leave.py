"""Leave on the roster page: adding it (whole days in the agent's zone, or part of a day in the
viewer's) and cancelling it. A refused change shows its reason on the page and changes
nothing."""

from __future__ import annotations

from datetime import date, time
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from careloop.api.deps import PathId
from careloop.errors import DomainError
from careloop.web.access import Db, Now, WebRoute
from careloop.web.errors import Problem
from careloop.web.i18n import N_
from careloop.web.rendering import formatter_for
from careloop.web.roster import Manager, Short, change_then_show, done, parse_day, roster_page
from careloop.web.roster_edit import parse_id, roster_query
from careloop.workforce import leave
from careloop.workforce.model import LeaveKind, local_instant

router = APIRouter(route_class=WebRoute, include_in_schema=False)
LeaveId = PathId


@router.post("/roster/leave", response_class=HTMLResponse)
def add_leave(
    request: Request,
    principal: Manager,
    db: Db,
    now: Now,
    week: Short = "",
    team: Short = "",
    agent_id: Short = "",
    kind: Short = "",
    first_day: Short = "",
    last_day: Short = "",
    starts: Short = "",
    ends: Short = "",
    note: Short = "",
) -> Response:
    """Whole days of leave in the agent's own zone, or, with both times, from the first day at
    the start to the last day at the end in the viewer's zone."""
    fmt = formatter_for(request, principal)
    query = roster_query(request, principal, db, now, week, team)
    form = {
        "agent_id": agent_id,
        "kind": kind,
        "first_day": first_day,
        "last_day": last_day,
        "starts": starts,
        "ends": ends,
        "note": note,
    }

    def refused(problem: Problem) -> HTMLResponse:
        return roster_page(
            request, principal, db, now, query, problem=problem, failed="leave", form=form
        )

    try:
        agent, what = parse_id(agent_id), LeaveKind(kind)
        first = parse_day(first_day, date.min)
        last = parse_day(last_day, first) if last_day.strip() else first
        if date.min in (first, last):
            raise ValueError(first_day)
    except ValueError:
        return refused(Problem(N_("Choose an agent, a kind of leave and the days.")))
    try:
        times = [time.fromisoformat(x) for x in (starts, ends) if x.strip()]
    except ValueError:
        times = []
    if len(times) == 1 or (not times and (starts.strip() or ends.strip())):
        return refused(Problem(N_("Give both times for part of a day, or neither for whole days.")))
    try:
        if times:
            leave.add_leave(
                db,
                actor=principal.actor,
                now=now,
                agent_id=agent,
                kind=what,
                starts_at=local_instant(first, times[0], fmt.zone.key),
                ends_at=local_instant(last, times[1], fmt.zone.key),
                note=note,
            )
        else:
            leave.leave_for_days(
                db,
                actor=principal.actor,
                now=now,
                agent_id=agent,
                kind=what,
                start_date=first,
                end_date=last,
                note=note,
            )
    except DomainError as exc:
        return refused(Problem.of(exc))
    return done(request, principal, db, now, query, N_("Leave added."), panel=True)


@router.post("/roster/leave/{leave_id}/cancel", response_class=HTMLResponse)
def cancel_leave(
    request: Request,
    leave_id: LeaveId,
    principal: Manager,
    db: Db,
    now: Now,
    week: Short = "",
    team: Short = "",
) -> Response:
    query = roster_query(request, principal, db, now, week, team)
    cancel = partial(leave.cancel_leave, db, actor=principal.actor, now=now, leave_id=leave_id)
    return change_then_show(request, principal, db, now, query, cancel, N_("Leave cancelled."))
