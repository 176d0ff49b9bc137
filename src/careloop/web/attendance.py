"""Attendance pages: today's attendance of a team (refreshed every minute), and "my shifts",
where an agent sees the coming roster and its changes, clocks in and out and takes breaks; and
the agent's iCalendar feed, opened by its secret address without a login."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from careloop.accounts.model import Permission, Principal
from careloop.api.deps import PathId
from careloop.errors import DomainError
from careloop.routing.actions import drain_queue_after
from careloop.routing.handoff import hand_off_after
from careloop.storage.engine import Database
from careloop.web import session
from careloop.web.access import Db, Now, WebRoute, require_page
from careloop.web.errors import Problem
from careloop.web.i18n import DEFAULT_LOCALE, N_, Formatter, normal_locale, translations
from careloop.web.rendering import formatter_for, is_htmx, render
from careloop.web.roster import ALL_TEAMS, day_label, hm, parse_day, span_label
from careloop.workforce import agent_shifts, attendance, attendance_queries
from careloop.workforce.model import AttendanceState, local_day
from careloop.workforce.roster_queries import list_teams
from careloop.workforce.tables import Shift

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[Principal, Depends(require_page(Permission.WORKFORCE_READ))]
Manager = Annotated[Principal, Depends(require_page(Permission.WORKFORCE_MANAGE))]
Own = Annotated[Principal, Depends(require_page(Permission.ATTENDANCE_OWN))]
AgentId = PathId
Short = Annotated[str, Form(max_length=200)]
REFRESH_SECONDS = 60
STATES = {
    AttendanceState.ON: N_("On"),
    AttendanceState.ON_BREAK: N_("On break"),
    AttendanceState.LATE: N_("Late"),
    AttendanceState.ABSENT: N_("Absent"),
    AttendanceState.ON_LEAVE: N_("On leave"),
    AttendanceState.UPCOMING: N_("Upcoming"),
    AttendanceState.DONE: N_("Done"),
    AttendanceState.UNSCHEDULED: N_("Unscheduled"),
    AttendanceState.OFF: N_("Off"),
}
CLOCKED_IN = frozenset({AttendanceState.ON, AttendanceState.ON_BREAK, AttendanceState.UNSCHEDULED})
NOTICE_KINDS = {
    "published": N_("New shift"),
    "changed": N_("Shift changed"),
    "cancelled": N_("Shift cancelled"),
}
CLOCK_STATES = {"on": N_("Clocked in"), "on_break": N_("On break"), "off": N_("Not clocked in")}


def _helpers(fmt: Formatter) -> dict[str, Any]:
    return {
        "hm": lambda instant: hm(fmt, instant),
        "span": lambda a, b: span_label(fmt, a, b),
        "day": lambda instant: day_label(fmt, instant.astimezone(fmt.zone).date()),
    }


# --- today's attendance ------------------------------------------------------------------------


def _team(team: str, principal: Principal, db: Database) -> str:
    team = team.strip()[:20]
    if team == ALL_TEAMS or (team.isdigit() and 0 < int(team) < 2**31):
        return team
    mine = agent_shifts.agent_of_user(db, principal.user_id)
    if mine is not None and mine.team_id is not None:
        return str(mine.team_id)
    teams = list_teams(db)
    return str(teams[0].id) if teams else ALL_TEAMS


def attendance_context(
    request: Request, principal: Principal, db: Database, now: datetime, team: str, day: str
) -> dict[str, Any]:
    """The table of the day asked for: today as it stands now; a past day as it ended; a coming
    day as it begins."""
    fmt = formatter_for(request, principal)
    team = _team(team, principal, db)
    today = now.astimezone(fmt.zone).date()
    shown = parse_day(day, today)
    rows = attendance_queries.attendance_today(
        db,
        now=now,
        timezone=fmt.zone.key,
        team_id=int(team) if team.isdigit() else None,
        day=shown,
    )
    counts = Counter(r.state for r in rows)
    params = urlencode({"team": team, "date": shown.isoformat()})
    return {
        "rows": rows,
        "summary": [(s, counts[s]) for s in STATES if counts[s]],
        "states": STATES,
        "clocked_in": CLOCKED_IN,
        "team": team,
        "teams": list_teams(db),
        "all_teams": ALL_TEAMS,
        "shown": shown,
        "is_today": shown == today,
        "day_title": day_label(fmt, shown),
        "as_of": hm(fmt, min(now, local_day(shown, fmt.zone.key).end)),
        "params": params,
        "prev_url": _day_url(team, shown - timedelta(days=1)),
        "next_url": _day_url(team, shown + timedelta(days=1)),
        "refresh": REFRESH_SECONDS,
        "zone": fmt.zone.key,
        "manage": principal.can(Permission.WORKFORCE_MANAGE),
        **_helpers(fmt),
    }


def _day_url(team: str, day: date) -> str:
    return "/attendance?" + urlencode({"team": team, "date": day.isoformat()})


@router.get("/attendance", response_class=HTMLResponse)
def attendance_page(
    request: Request, principal: Reader, db: Db, now: Now, team: str = "", date: str = ""
) -> HTMLResponse:
    context = attendance_context(request, principal, db, now, team, date)
    return render(request, "workforce/attendance.html", context, principal=principal)


@router.get("/attendance/live", response_class=HTMLResponse)
def attendance_live(
    request: Request, principal: Reader, db: Db, now: Now, team: str = "", date: str = ""
) -> HTMLResponse:
    """The summary and table alone, which the page polls every minute."""
    context = attendance_context(request, principal, db, now, team, date)
    return render(request, "workforce/_attendance_live.html", context, principal=principal)


@router.post("/attendance/{agent_id}/clock-out", response_class=HTMLResponse)
def clock_out_agent(
    request: Request,
    agent_id: AgentId,
    principal: Manager,
    db: Db,
    now: Now,
    team: Short = "",
    date: Short = "",
) -> Response:
    """A lead clocks out an agent who forgot to; their unanswered tickets go to others."""
    attendance.clock_out(db, actor=principal.actor, now=now, agent_id=agent_id)
    hand_off_after(db, now=now, agent_id=agent_id)
    url = "/attendance?" + urlencode({"team": team[:20], "date": date[:10]})
    if is_htmx(request):
        context = attendance_context(request, principal, db, now, team, date)
        return render(request, "workforce/_attendance_live.html", context, principal=principal)
    session.flash(request, N_("Clocked out."))
    return RedirectResponse(url, status_code=303)


# --- my shifts -------------------------------------------------------------------------------


def my_shifts_page(
    request: Request,
    principal: Principal,
    db: Database,
    now: datetime,
    *,
    problem: Problem | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    fmt = formatter_for(request, principal)
    agent = agent_shifts.agent_of_user(db, principal.user_id)
    mine = agent_shifts.my_shifts(db, agent_id=agent.user_id, now=now) if agent else None
    status = attendance_queries.clock_status(db, agent_id=agent.user_id, now=now) if agent else None
    feed = None
    if agent is not None:
        feed = str(request.base_url).rstrip("/") + f"/calendar/{agent.calendar_token}.ics"
    state = "off"
    if status is not None and status.clocked_in:
        state = "on_break" if status.on_break else "on"
    context: dict[str, Any] = {
        "mine": mine,
        "clock": status,
        "state": state,
        "now": now,
        "feed_url": feed,
        "webcal_url": "webcal://" + feed.split("://", 1)[1] if feed else None,
        "notice_kinds": NOTICE_KINDS,
        "clock_states": CLOCK_STATES,
        "problem": problem,
        "notice": notice,
        "zone": fmt.zone.key,
        **_helpers(fmt),
    }
    return render(
        request,
        "workforce/my_shifts.html",
        context,
        principal=principal,
        status=problem.status if problem else 200,
        page_url="/me/shifts",
    )


@router.get("/me/shifts", response_class=HTMLResponse)
def my_shifts(request: Request, principal: Own, db: Db, now: Now) -> HTMLResponse:
    return my_shifts_page(request, principal, db, now)


ClockAction = Callable[..., object]
CLOCK_ACTIONS: dict[str, tuple[ClockAction, str]] = {
    "clock-in": (attendance.clock_in, N_("Clocked in.")),
    "clock-out": (attendance.clock_out, N_("Clocked out.")),
    "break-start": (attendance.start_break, N_("Break started.")),
    "break-end": (attendance.end_break, N_("Break ended.")),
}


@router.post("/me/shifts/{action}", response_class=HTMLResponse)
def clock(
    request: Request,
    action: Annotated[str, Path(pattern="^(clock-in|clock-out|break-start|break-end)$")],
    principal: Own,
    db: Db,
    now: Now,
) -> Response:
    """Clock oneself in or out, start or end a break; a refusal is shown on the page."""
    run, done = CLOCK_ACTIONS[action]
    agent = agent_shifts.agent_of_user(db, principal.user_id)
    if agent is None:
        problem = Problem(
            N_("You have no agent profile, so there is nothing to clock."), status=404
        )
        return my_shifts_page(request, principal, db, now, problem=problem)
    try:
        run(db, actor=principal.actor, now=now, agent_id=agent.user_id)
    except DomainError as exc:
        return my_shifts_page(request, principal, db, now, problem=Problem.of(exc))
    if action in ("clock-in", "break-end"):
        drain_queue_after(db, now=now)  # the agent may take waiting tickets now
    elif action == "clock-out":
        hand_off_after(db, now=now, agent_id=agent.user_id)  # unanswered tickets go to others
    if is_htmx(request):
        return my_shifts_page(request, principal, db, now, notice=done)
    session.flash(request, done)
    return RedirectResponse("/me/shifts", status_code=303)


# --- the iCalendar feed ----------------------------------------------------------------------


@router.get("/calendar/{token}.ics")
def ics_feed(request: Request, token: str, db: Db, now: Now) -> Response:
    """No login: the secret in the address is the key, as with a calendar app's secret address.
    Titles are in the agent's own language."""
    agent = agent_shifts.agent_by_calendar_token(db, token)
    tr = translations(normal_locale(agent.user.locale) or DEFAULT_LOCALE)
    shift_title = tr.gettext("Shift")

    def summary(shift: Shift) -> str:
        return f"{shift_title}: {shift.note}" if shift.note else shift_title

    body = agent_shifts.ics_feed(
        db,
        agent=agent,
        now=now,
        calendar_name=tr.gettext("careloop shifts: %(name)s") % {"name": agent.name},
        summary=summary,
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'inline; filename="shifts.ics"',
            "Cache-Control": "private, max-age=300",
        },
    )
