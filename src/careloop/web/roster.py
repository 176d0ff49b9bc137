"""The roster calendar: a team's week in the viewer's time zone, agents as rows and shifts as
bars, hourly coverage by language under it; supervisors add and delete draft shifts and publish
the week (the rest of the "Edit roster" panel is in `roster_edit.py`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.dates import format_skeleton
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from careloop.accounts.model import Permission, Principal
from careloop.api.deps import PathId
from careloop.errors import DomainError
from careloop.web import session
from careloop.web.access import Db, Now, WebRoute, require_page
from careloop.web.errors import Problem
from careloop.web.i18n import N_, Formatter
from careloop.web.rendering import formatter_for, is_htmx, render
from careloop.workforce import actions, agent_shifts, calendar, rosters
from careloop.workforce.model import LeaveKind, ShiftStatus, local_day, shift_instants, week_start
from careloop.workforce.roster_queries import list_teams, list_templates

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[Principal, Depends(require_page(Permission.WORKFORCE_READ))]
Manager = Annotated[Principal, Depends(require_page(Permission.WORKFORCE_MANAGE))]
ShiftId = PathId
Short = Annotated[str, Form(max_length=200)]
ALL_TEAMS = "all"
DASH = "\u2013"  # an en dash between two times
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the days the pages open; the rest falls back to today
LEAVE_KINDS = {
    LeaveKind.VACATION: N_("Vacation"),
    LeaveKind.SICK: N_("Sick"),
    LeaveKind.OTHER: N_("Leave"),
}
SHIFT_STATUSES = {ShiftStatus.DRAFT: N_("Draft"), ShiftStatus.PUBLISHED: N_("Published")}
LEAVE_CHOICES = [
    (LeaveKind.VACATION.value, N_("Vacation")),
    (LeaveKind.SICK.value, N_("Sick")),
    (LeaveKind.OTHER.value, N_("Other leave")),
]
PANEL = "edit"  # ?panel=edit opens the "Edit roster" panel


def hm(fmt: Formatter, instant: datetime) -> str:
    """A wall-clock time in the viewer's zone, 24-hour (read the same in English and Chinese)."""
    return instant.astimezone(fmt.zone).strftime("%H:%M")


def span_label(fmt: Formatter, starts_at: datetime, ends_at: datetime) -> str:
    """ "07:00-15:00" (with an en dash) in the viewer's zone; "+1" when it ends on a later
    local day."""
    later = (ends_at.astimezone(fmt.zone).date() - starts_at.astimezone(fmt.zone).date()).days
    return f"{hm(fmt, starts_at)}{DASH}{hm(fmt, ends_at)}" + (f" (+{later})" if later > 0 else "")


def day_label(fmt: Formatter, day: date) -> str:
    return str(format_skeleton("MMMEd", day, locale=fmt.locale))


def parse_day(value: str, default: date) -> date:
    """A YYYY-MM-DD from a query string or form; anything else, or a year far off, is `default`."""
    try:
        day = date.fromisoformat(value.strip()[:10])
    except ValueError:
        return default
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else default


class RosterQuery:
    """The week and team asked for in the query string or a form; what is not understood falls
    back to this week and the viewer's own team."""

    def __init__(self, monday: date, team: str) -> None:
        self.monday = monday
        self.team = team

    @property
    def team_id(self) -> int | None:
        return int(self.team) if self.team.isdigit() else None

    @classmethod
    def parse(
        cls, week: str, team: str, *, principal: Principal, db: Db, now: datetime, fmt: Formatter
    ) -> RosterQuery:
        day = parse_day(week, now.astimezone(fmt.zone).date())
        team = team.strip()
        if team != ALL_TEAMS and not (team.isdigit() and 0 < int(team) < 2**31):
            mine = agent_shifts.agent_of_user(db, principal.user_id)
            if mine is not None and mine.team_id is not None:
                team = str(mine.team_id)
            else:
                teams = list_teams(db)
                team = str(teams[0].id) if teams else ALL_TEAMS
        return cls(day - timedelta(days=day.weekday()), team)

    def params(self) -> str:
        return urlencode({"week": self.monday.isoformat(), "team": self.team})

    def url(self, monday: date | None = None, *, panel: bool = False) -> str:
        params = {"week": (monday or self.monday).isoformat(), "team": self.team}
        if panel:
            params["panel"] = PANEL
        return "/roster?" + urlencode(params)


def blank_forms(monday: date) -> dict[str, dict[str, Any]]:
    """What the panel's forms hold before anything is typed."""
    day = monday.isoformat()
    return {
        "draft": {"day": day, "starts": "07:00", "ends": "15:00"},
        "template": {"skip_holidays": "1", "agent_ids": [], "days": []},
        "copy": {},
        "leave": {"kind": LeaveKind.VACATION.value, "first_day": day, "last_day": day},
    }


def roster_page(
    request: Request,
    principal: Principal,
    db: Db,
    now: datetime,
    query: RosterQuery,
    *,
    problem: Problem | None = None,
    failed: str | None = None,
    form: dict[str, Any] | None = None,
    notice: tuple[str, dict[str, str]] | None = None,
    panel: bool = False,
    editing: Any = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The week; `failed` names the panel form (or "edit" for the shift editor) that `problem`
    is about, and `form` what was typed in it. `editing` is the shift being moved."""
    fmt = formatter_for(request, principal)
    manage = principal.can(Permission.WORKFORCE_MANAGE)
    forms = blank_forms(query.monday)
    if failed in forms:
        forms[failed] = {**forms[failed], **(form or {})}
    panel = panel or failed in forms
    zone = fmt.zone.key
    week = calendar.week_of(query.monday, zone)
    roster = calendar.roster_week(
        db, week_start_instant=week.start, week_end_instant=week.end, team_id=query.team_id
    )
    days = []
    for i in range(7):
        day = query.monday + timedelta(days=i)
        placed = calendar.place(local_day(day, zone), week)
        days.append({"day": day, "label": day_label(fmt, day), "at": placed})
    last = query.monday + timedelta(days=6)
    labels = {d["day"]: d["label"] for d in days}
    hour_labels = []
    for start in roster.hours:
        local = start.astimezone(fmt.zone)
        hour_labels.append(f"{labels.get(local.date(), local.date().isoformat())} {local:%H:%M}")
    context: dict[str, Any] = {
        "query": query,
        "roster": roster,
        "teams": list_teams(db),
        "all_teams": ALL_TEAMS,
        "days": days,
        "hour_labels": hour_labels,
        "day_starts": {
            i for i, h in enumerate(roster.hours) if i and h.astimezone(fmt.zone).hour == 0
        },
        "title_range": f"{day_label(fmt, query.monday)} {DASH} {day_label(fmt, last)}",
        "previous_range": f"{day_label(fmt, query.monday - timedelta(days=7))} {DASH} "
        f"{day_label(fmt, query.monday - timedelta(days=1))}",
        "prev_url": query.url(query.monday - timedelta(days=7)),
        "next_url": query.url(query.monday + timedelta(days=7)),
        "this_url": query.url(week_start(now.astimezone(fmt.zone).date())),
        "hm": lambda instant: hm(fmt, instant),
        "span": lambda a, b: span_label(fmt, a, b),
        "leave_kinds": LEAVE_KINDS,
        "leave_choices": LEAVE_CHOICES,
        "statuses": SHIFT_STATUSES,
        "zone": zone,
        "problem": problem,
        "forms": forms,
        "notice": notice,
        "manage": manage,
        "panel_open": panel,
        "editing": editing,
        "edit_url": lambda shift_id: f"/roster/shifts/{shift_id}/edit?{query.params()}",
        "templates": _templates_of(db, query.team_id) if manage else [],
    }
    return render(
        request,
        "workforce/roster.html",
        context,
        principal=principal,
        status=problem.status if problem else 200,
        page_url=query.url(panel=panel) if request.method != "GET" else None,
        headers=headers,
    )


def _templates_of(db: Db, team_id: int | None) -> list[dict[str, str]]:
    """The shift templates a team may use (its own and the shared ones), labelled with their
    local times and zone."""
    return [
        {
            "id": str(t.id),
            "label": f"{t.name} ({t.starts:%H:%M}{DASH}{t.ends:%H:%M} {t.timezone})",
        }
        for t in list_templates(db)
        if team_id is None or t.team_id in (None, team_id)
    ]


def done(
    request: Request,
    principal: Principal,
    db: Db,
    now: datetime,
    query: RosterQuery,
    notice: str,
    *,
    panel: bool = False,
    **params: str,
) -> Response:
    """After a change: htmx gets the page to swap in, a plain form a redirect back to it; a
    change made from the "Edit roster" panel keeps the panel open for the next one."""
    url = query.url(panel=panel)
    if is_htmx(request):
        return roster_page(
            request,
            principal,
            db,
            now,
            query,
            notice=(notice, params),
            panel=panel,
            headers={"HX-Push-Url": url},
        )
    session.flash(request, notice, **params)
    return RedirectResponse(url, status_code=303)


def change_then_show(
    request: Request,
    principal: Principal,
    db: Db,
    now: datetime,
    query: RosterQuery,
    change: Callable[[], object],
    notice: str,
) -> Response:
    """Run a one-click change (delete a draft, cancel leave): its refusal is shown on the
    roster with nothing changed, its success as `done`."""
    try:
        change()
    except DomainError as exc:
        return roster_page(request, principal, db, now, query, problem=Problem.of(exc))
    return done(request, principal, db, now, query, notice)


@router.get("/roster", response_class=HTMLResponse)
def roster(
    request: Request,
    principal: Reader,
    db: Db,
    now: Now,
    week: str = "",
    team: str = "",
    panel: str = "",
) -> HTMLResponse:
    fmt = formatter_for(request, principal)
    query = RosterQuery.parse(week[:20], team[:20], principal=principal, db=db, now=now, fmt=fmt)
    return roster_page(request, principal, db, now, query, panel=panel == PANEL)


@router.post("/roster/shifts", response_class=HTMLResponse)
def add_draft(
    request: Request,
    principal: Manager,
    db: Db,
    now: Now,
    week: Short = "",
    team: Short = "",
    agent_id: Short = "",
    day: Short = "",
    starts: Short = "",
    ends: Short = "",
    note: Short = "",
) -> Response:
    """A draft shift from wall-clock times in the viewer's zone; an end not after the start is
    the next day (a night shift)."""
    fmt = formatter_for(request, principal)
    query = RosterQuery.parse(week, team, principal=principal, db=db, now=now, fmt=fmt)
    form = {"agent_id": agent_id, "day": day, "starts": starts, "ends": ends, "note": note}
    try:
        on = parse_day(day, date.min)
        start, end = time.fromisoformat(starts), time.fromisoformat(ends)
        agent = int(agent_id)
        if on == date.min or not 0 < agent < 2**31:
            raise ValueError(day)
    except ValueError:
        problem = Problem(N_("Choose an agent, a day and the start and end times."))
        return roster_page(
            request, principal, db, now, query, problem=problem, failed="draft", form=form
        )
    span = shift_instants(on, start, end, fmt.zone.key)
    try:
        actions.create_shift(
            db,
            actor=principal.actor,
            now=now,
            agent_id=agent,
            starts_at=span.start,
            ends_at=span.end,
            status=ShiftStatus.DRAFT,
            note=note.strip() or None,
        )
    except DomainError as exc:
        problem = Problem.of(exc)
        return roster_page(
            request, principal, db, now, query, problem=problem, failed="draft", form=form
        )
    return done(request, principal, db, now, query, N_("Draft shift added."), panel=True)


@router.post("/roster/shifts/{shift_id}/delete", response_class=HTMLResponse)
def delete_draft(
    request: Request,
    shift_id: ShiftId,
    principal: Manager,
    db: Db,
    now: Now,
    week: Short = "",
    team: Short = "",
) -> Response:
    fmt = formatter_for(request, principal)
    query = RosterQuery.parse(week, team, principal=principal, db=db, now=now, fmt=fmt)
    return change_then_show(
        request,
        principal,
        db,
        now,
        query,
        partial(rosters.delete_shift, db, actor=principal.actor, now=now, shift_id=shift_id),
        N_("Shift deleted."),
    )


@router.post("/roster/publish", response_class=HTMLResponse)
def publish_week(
    request: Request,
    principal: Manager,
    db: Db,
    now: Now,
    week: Short = "",
    team: Short = "",
) -> Response:
    """Publish the drafts starting in the shown week (of the shown team): agents are told."""
    fmt = formatter_for(request, principal)
    query = RosterQuery.parse(week, team, principal=principal, db=db, now=now, fmt=fmt)
    span = calendar.week_of(query.monday, fmt.zone.key)
    try:
        published = rosters.publish_shifts(
            db,
            actor=principal.actor,
            now=now,
            starts=span.start,
            ends=span.end,
            team_id=query.team_id,
        )
    except DomainError as exc:
        return roster_page(request, principal, db, now, query, problem=Problem.of(exc))
    return done(
        request,
        principal,
        db,
        now,
        query,
        N_("Shifts published: %(count)s."),
        count=str(len(published)),
    )
