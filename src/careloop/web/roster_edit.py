"""Building a week on the roster page: moving a shift from its bar, copying the previous week as
drafts, drafts from a shift template (leave is in `roster_leave.py`). Each change is one
workforce action; a refused change shows its reason on the page and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from careloop.accounts.model import Principal
from careloop.errors import DomainError, NotFound
from careloop.storage.audit import AuditEntry
from careloop.web.access import Db, Now, WebRoute
from careloop.web.errors import Problem
from careloop.web.i18n import N_, Formatter
from careloop.web.rendering import formatter_for
from careloop.web.roster import (
    ALL_TEAMS,
    Manager,
    RosterQuery,
    ShiftId,
    Short,
    done,
    hm,
    parse_day,
    roster_page,
)
from careloop.workforce import roster_queries, rosters
from careloop.workforce.model import ShiftStatus, shift_instants
from careloop.workforce.tables import Shift

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Choices = Annotated[list[str] | None, Form(max_length=200)]  # checked boxes of one name
HISTORY_ACTIONS = {
    "created": N_("Shift created"),
    "updated": N_("Shift changed"),
    "published": N_("Shift published"),
    "deleted": N_("Shift deleted"),
}
HISTORY_FIELDS = {"starts_at": N_("Starts"), "ends_at": N_("Ends"), "note": N_("Note")}


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    actor: str
    action: str  # a msgid of HISTORY_ACTIONS, or the stored action
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (msgid, before, after)


@dataclass(frozen=True)
class ShiftEditor:
    """The form moving one shift: its day and times in the viewer's zone, and its history."""

    shift_id: int
    agent_name: str
    status: ShiftStatus
    values: dict[str, str]
    history: list[HistoryLine]

    @property
    def published(self) -> bool:
        return self.status == ShiftStatus.PUBLISHED


def parse_id(value: str) -> int:
    """A row id from a form field; ValueError when it is not one."""
    number = int(value)
    if not 0 < number < 2**31:
        raise ValueError(value)
    return number


def _shown(fmt: Formatter, value: Any) -> str:
    if isinstance(value, str):
        try:
            return fmt.when(datetime.fromisoformat(value))
        except ValueError:
            return value
    return "" if value is None else str(value)


def _history(fmt: Formatter, entries: list[AuditEntry]) -> list[HistoryLine]:
    lines = []
    for entry in entries:
        changes = []
        if entry.action == "updated":
            for name, msgid in HISTORY_FIELDS.items():
                if name in entry.changes:
                    change = entry.changes[name]
                    before, after = change.get("before"), change.get("after")
                    if name == "note":
                        changes.append((msgid, before or "", after or ""))
                    else:
                        changes.append((msgid, _shown(fmt, before), _shown(fmt, after)))
        lines.append(
            HistoryLine(
                at=entry.at,
                actor=entry.actor_label,
                action=HISTORY_ACTIONS.get(entry.action, entry.action),
                changes=changes,
            )
        )
    return lines


def _editor(db: Db, fmt: Formatter, shift: Shift, typed: dict[str, str] | None) -> ShiftEditor:
    agent = roster_queries.get_agent(db, shift.agent_id)
    values = {
        "day": shift.starts_at.astimezone(fmt.zone).date().isoformat(),
        "starts": hm(fmt, shift.starts_at),
        "ends": hm(fmt, shift.ends_at),
        "note": shift.note or "",
    }
    return ShiftEditor(
        shift_id=shift.id,
        agent_name=agent.name,
        status=shift.status,
        values={**values, **(typed or {})},
        history=_history(fmt, roster_queries.shift_audit(db, shift.id)),
    )


def roster_query(
    request: Request, principal: Principal, db: Db, now: datetime, week: str, team: str
) -> RosterQuery:
    """The week and team the roster form was posted from, to show again after the change."""
    fmt = formatter_for(request, principal)
    return RosterQuery.parse(week[:20], team[:20], principal=principal, db=db, now=now, fmt=fmt)


# --- moving a shift ----------------------------------------------------------------------------


@router.get("/roster/shifts/{shift_id}/edit", response_class=HTMLResponse)
def edit_shift_form(
    request: Request,
    shift_id: ShiftId,
    principal: Manager,
    db: Db,
    now: Now,
    week: str = "",
    team: str = "",
) -> HTMLResponse:
    """The roster with the form moving a shift open above it; without a week or team, the
    shift's own week and its agent's team."""
    fmt = formatter_for(request, principal)
    shift = roster_queries.get_shift(db, shift_id)
    if not week.strip():
        week = shift.starts_at.astimezone(fmt.zone).date().isoformat()
    if not team.strip():
        agent = roster_queries.get_agent(db, shift.agent_id)
        team = str(agent.team_id) if agent.team_id is not None else ALL_TEAMS
    query = roster_query(request, principal, db, now, week, team)
    editor = _editor(db, fmt, shift, None)
    return roster_page(request, principal, db, now, query, editing=editor)


@router.post("/roster/shifts/{shift_id}/edit", response_class=HTMLResponse)
def edit_shift(
    request: Request,
    shift_id: ShiftId,
    principal: Manager,
    db: Db,
    now: Now,
    week: Short = "",
    team: Short = "",
    day: Short = "",
    starts: Short = "",
    ends: Short = "",
    note: Short = "",
) -> Response:
    """Move a shift to a day and times in the viewer's zone (an end not after the start is the
    next day) and set its note; a published shift's agent is told of the change."""
    fmt = formatter_for(request, principal)
    query = roster_query(request, principal, db, now, week, team)
    typed = {"day": day, "starts": starts, "ends": ends, "note": note}
    try:
        shift = roster_queries.get_shift(db, shift_id)
    except NotFound as exc:
        return roster_page(request, principal, db, now, query, problem=Problem.of(exc))
    try:
        on = parse_day(day, date.min)
        start, end = time.fromisoformat(starts), time.fromisoformat(ends)
        if on == date.min:
            raise ValueError(day)
    except ValueError:
        problem = Problem(N_("Choose a day and the start and end times."))
        editor = _editor(db, fmt, shift, typed)
        return roster_page(
            request, principal, db, now, query, problem=problem, failed="edit", editing=editor
        )
    span = shift_instants(on, start, end, fmt.zone.key)
    try:
        rosters.update_shift(
            db,
            actor=principal.actor,
            now=now,
            shift_id=shift_id,
            starts_at=span.start,
            ends_at=span.end,
            note=note.strip() or None,
        )
    except NotFound as exc:
        return roster_page(request, principal, db, now, query, problem=Problem.of(exc))
    except DomainError as exc:
        problem = Problem.of(exc)
        editor = _editor(db, fmt, shift, typed)
        return roster_page(
            request, principal, db, now, query, problem=problem, failed="edit", editing=editor
        )
    return done(request, principal, db, now, query, N_("Shift saved."))


# --- the "Edit roster" panel ---------------------------------------------------------------


@router.post("/roster/copy-week", response_class=HTMLResponse)
def copy_previous_week(
    request: Request, principal: Manager, db: Db, now: Now, week: Short = "", team: Short = ""
) -> Response:
    """The previous week's shifts (of the shown team) as drafts in the shown week, at the same
    wall-clock times in each agent's zone; what would overlap or fall in leave is skipped."""
    fmt = formatter_for(request, principal)
    query = roster_query(request, principal, db, now, week, team)
    try:
        result = rosters.copy_week(
            db,
            actor=principal.actor,
            now=now,
            source_start=query.monday - timedelta(days=7),
            target_start=query.monday,
            timezone=fmt.zone.key,
            team_id=query.team_id,
        )
    except DomainError as exc:
        problem = Problem.of(exc)
        return roster_page(request, principal, db, now, query, problem=problem, failed="copy")
    return done(
        request,
        principal,
        db,
        now,
        query,
        N_("Copied from the previous week as drafts: %(created)s; skipped: %(skipped)s."),
        panel=True,
        created=str(len(result.created)),
        skipped=str(len(result.skipped)),
    )


@router.post("/roster/template-shifts", response_class=HTMLResponse)
def shifts_from_template(
    request: Request,
    principal: Manager,
    db: Db,
    now: Now,
    week: Short = "",
    team: Short = "",
    template_id: Short = "",
    agent_ids: Choices = None,
    days: Choices = None,
    skip_holidays: Short = "",
) -> Response:
    """Draft shifts from a template for the chosen agents on the chosen days, all or nothing."""
    query = roster_query(request, principal, db, now, week, team)
    form: dict[str, Any] = {
        "template_id": template_id,
        "agent_ids": list(agent_ids or []),
        "days": list(days or []),
        "skip_holidays": skip_holidays,
    }
    try:
        template = parse_id(template_id)
        agents = [parse_id(x) for x in agent_ids or []]
        chosen = [parse_day(x, date.min) for x in days or []]
        if not agents or not chosen or date.min in chosen:
            raise ValueError(template_id)
    except ValueError:
        problem = Problem(N_("Choose a template, at least one agent and at least one day."))
        return roster_page(
            request, principal, db, now, query, problem=problem, failed="template", form=form
        )
    try:
        shifts = rosters.shifts_from_template(
            db,
            actor=principal.actor,
            now=now,
            template_id=template,
            agent_ids=agents,
            days=chosen,
            status=ShiftStatus.DRAFT,
            skip_holidays=bool(skip_holidays),
        )
    except DomainError as exc:
        problem = Problem.of(exc)
        return roster_page(
            request, principal, db, now, query, problem=problem, failed="template", form=form
        )
    return done(
        request,
        principal,
        db,
        now,
        query,
        N_("Draft shifts added from the template: %(count)s."),
        panel=True,
        count=str(len(shifts)),
    )
