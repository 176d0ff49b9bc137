"""The demo's support team at work: teams with their leads, the shift templates, the roster of
demo/roster_plan.py (published weeks and a week of drafts, written in one transaction), a
vacation and a sick day, and today's clock-ins and breaks. Agents, teams, templates, leave and
attendance go through the workforce actions (each clock-in made at the instant it happened);
the roster and the team leads are written here, with the audit rows the actions would write."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.accounts.tables import User
from careloop.demo.people import TEAM_LEADS, StaffMember
from careloop.demo.roster_plan import (
    PUBLISHED_WEEKS,
    TEMPLATES,
    PlannedShift,
    plan_attendance,
    plan_leave,
    plan_roster,
    roster_start,
)
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.workforce import attendance
from careloop.workforce.actions import (
    AgentProfile,
    create_agent,
    create_team,
    planned_breaks,
    tell_agent_in,
)
from careloop.workforce.leave import leave_for_days
from careloop.workforce.model import Interval, ShiftStatus, check_shift_span
from careloop.workforce.queries import on_duty_agents
from careloop.workforce.tables import Agent, Shift, ShiftTemplate, Team
from careloop.workforce.templates import create_template

DEMO_ACTOR = Actor(user_id=None, label="demo")

_CLOCK: dict[str, Callable[..., Any]] = {
    "clock_in": attendance.clock_in,
    "start_break": attendance.start_break,
    "end_break": attendance.end_break,
    "clock_out": attendance.clock_out,
}


@dataclass
class WorkforceReport:
    """What the demo's workforce part wrote, and what an agent or lead will see today."""

    counts: dict[str, int] = field(default_factory=dict)
    roster_from: date | None = None
    teams: list[str] = field(default_factory=list)  # "Americas (lead Isabelle Tremblay)"
    leave: list[str] = field(default_factory=list)  # "sick: Léa Martin Tue 03 Nov"
    today: list[str] = field(default_factory=list)  # "late: Keisha Brown"
    notes: list[str] = field(default_factory=list)


def ensure_teams(db: Database, *, now: datetime) -> None:
    """The three teams, created without leads: agents join a team when they are created, and
    the leads (agents themselves) are set once they exist (`_set_leads`)."""
    with db.read() as s:
        existing = {n.lower() for n in s.scalars(select(Team.name))}
    for name in TEAM_LEADS:
        if name.lower() not in existing:
            create_team(db, actor=DEMO_ACTOR, now=now, name=name)


def create_demo_agent(
    db: Database, member: StaffMember, *, now: datetime, email: str, password: str | None
) -> None:
    """A staff member who takes tickets: the user and its agent profile in one transaction."""
    assert member.team is not None  # noqa: S101  (people.py gives every rostered member a team)
    create_agent(
        db,
        actor=DEMO_ACTOR,
        now=now,
        name=member.name,
        email=email,
        profile=AgentProfile.checked(
            languages=member.languages,
            skills=member.skills,
            timezone=member.timezone,
            capacity=member.capacity,
            country=member.country,
        ),
        team=member.team,
        role=member.role,
        password=password,
        locale=member.locale,
    )


def load_workforce(
    db: Database, *, seed: int, now: datetime, agents: dict[str, int]
) -> WorkforceReport:
    """Leads, templates, the roster, leave and today's attendance for the demo's agents
    (`agents`: name -> agent id, those with an agent profile). A database whose demo agents
    are rostered already keeps its roster: only the missing leads and templates are added."""
    report = WorkforceReport(roster_from=roster_start(now).date())
    with db.read() as s:
        report.counts["agents"] = s.scalar(select(func.count()).select_from(Agent)) or 0
        report.counts["teams"] = s.scalar(select(func.count()).select_from(Team)) or 0
    _set_leads(db, agents, now)
    with db.read() as s:
        rows = s.execute(
            select(Team.name, User.name).outerjoin(User, User.id == Team.lead_id).order_by(Team.id)
        )
        report.teams = [f"{team} (lead {lead})" if lead else team for team, lead in rows]
    templates = _templates(db, now)
    plan = [p for p in plan_roster(now) if p.member.name in agents]
    if not plan or _rostered_already(db, list(agents.values()), plan):
        report.notes.append("the demo agents were rostered already: roster left alone")
        return report
    with db.write() as s:
        _write_roster(s, plan, agents, templates, now)
    by_status = Counter(p.status for p in plan)
    report.counts["published_shifts"] = by_status[ShiftStatus.PUBLISHED]
    report.counts["draft_shifts"] = by_status[ShiftStatus.DRAFT]

    leave = plan_leave(plan, now, seed)
    for x in leave:
        leave_for_days(
            db,
            actor=DEMO_ACTOR,
            now=now,
            agent_id=agents[x.member.name],
            kind=x.kind,
            start_date=x.first,
            end_date=x.last,
            note="demo",
        )
        report.leave.append(
            f"{x.kind.value}: {x.member.name} {x.first:%a %d %b}"
            + (f" to {x.last:%a %d %b}" if x.last != x.first else "")
        )
    report.counts["leave"] = len(leave)

    events, roles = plan_attendance(plan, leave, now, seed)
    for e in events:
        _CLOCK[e.action](db, actor=DEMO_ACTOR, now=e.at, agent_id=agents[e.member.name])
    report.counts["clock_ins"] = sum(e.action == "clock_in" for e in events)
    report.counts["breaks"] = sum(e.action == "start_break" for e in events)
    report.counts["on_duty_now"] = len(on_duty_agents(db, at=now))
    for name, role in sorted(roles.items(), key=lambda r: r[1]):
        report.today.append(f"{role.replace('_', ' ')}: {name}")
    return report


def _write_roster(
    s: Session,
    plan: Sequence[PlannedShift],
    agents: dict[str, int],
    templates: dict[str, int],
    now: datetime,
) -> None:
    """The planned shifts in one flush, each with the audit row and (when published) the notice
    that `actions.add_shift_in` writes. Written here in bulk because add_shift_in locks and
    queries per shift (about 4 ms each, seconds for the demo's 460 shifts); the plan cannot
    overlap itself (checked below) and the weeks hold no shift of these agents yet."""
    by_agent: dict[str, list[Interval]] = defaultdict(list)
    for p in plan:
        check_shift_span(p.span.start, p.span.end)
        by_agent[p.member.name].append(p.span)
    for name, spans in by_agent.items():
        for a, b in itertools.pairwise(sorted(spans)):
            if a.overlaps(b):
                raise ValueError(f"the demo roster overlaps for {name}: {a} and {b}")
    rows = [
        Shift(
            agent_id=agents[p.member.name],
            starts_at=p.span.start,
            ends_at=p.span.end,
            status=p.status,
            template_id=templates[p.template.name],
            skills=None,
            breaks=planned_breaks(p.span, [p.template.break_rule.within(p.span)]),
            note=None,
            created_at=now,
            updated_at=now,
            published_at=now if p.status == ShiftStatus.PUBLISHED else None,
        )
        for p in plan
    ]
    s.add_all(rows)
    s.flush()
    for shift in rows:
        audit.record(
            s,
            at=now,
            actor=DEMO_ACTOR,
            entity_type="shift",
            entity_id=shift.id,
            action="created",
            changes={
                "agent_id": (None, shift.agent_id),
                "starts_at": (None, shift.starts_at),
                "ends_at": (None, shift.ends_at),
                "status": (None, shift.status.value),
            },
        )
        if shift.status == ShiftStatus.PUBLISHED:
            tell_agent_in(s, now=now, shift=shift, kind="published")


def _set_leads(db: Database, agents: dict[str, int], now: datetime) -> None:
    """Each team's lead, when the team has none and the lead is an agent. There is no action to
    change a team's lead yet, so the demo writes it here, with its audit row."""
    with db.write() as s:
        for team in s.scalars(select(Team).where(Team.name.in_(list(TEAM_LEADS)))):
            lead = agents.get(TEAM_LEADS[team.name])
            if team.lead_id is not None or lead is None:
                continue
            team.lead_id = lead
            audit.record(
                s,
                at=now,
                actor=DEMO_ACTOR,
                entity_type="team",
                entity_id=team.id,
                action="lead_changed",
                changes={"lead_id": (None, lead)},
            )


def _templates(db: Database, now: datetime) -> dict[str, int]:
    """The demo's shift templates by name, created when missing (with their team)."""
    with db.read() as s:
        teams: dict[str, int] = dict(s.execute(select(Team.name, Team.id)).all())
        existing = {
            n.lower(): i for n, i in s.execute(select(ShiftTemplate.name, ShiftTemplate.id))
        }
    out = {}
    for t in TEMPLATES:
        found = existing.get(t.name.lower())
        if found is None:
            found = create_template(
                db,
                actor=DEMO_ACTOR,
                now=now,
                name=t.name,
                starts=t.starts,
                ends=t.ends,
                timezone=t.timezone,
                breaks=[t.break_rule],
                team_id=teams.get(t.team),
            ).id
        out[t.name] = found
    return out


def _rostered_already(db: Database, agent_ids: Sequence[int], plan: Sequence[PlannedShift]) -> bool:
    """Any shift of the demo agents in the planned weeks (the demo never doubles a roster)."""
    start = min(p.span.start for p in plan)
    end = max(p.span.end for p in plan)
    with db.read() as s:
        found = s.scalar(
            select(Shift.id)
            .where(Shift.agent_id.in_(agent_ids), Shift.starts_at < end, Shift.ends_at > start)
            .limit(1)
        )
    return found is not None


def summary_lines(report: WorkforceReport) -> list[str]:
    """The workforce part of `careloop demo`'s summary."""
    c = report.counts
    lines = [
        f"  agents: {c.get('agents', 0)} in {c.get('teams', 0)} teams: {', '.join(report.teams)}",
    ]
    if "published_shifts" in c:
        lines += [
            f"  roster: {c['published_shifts']:,} published shifts over {PUBLISHED_WEEKS} weeks"
            f" from Monday {report.roster_from:%d %b %Y} (UTC), {c['draft_shifts']:,} draft"
            f" shifts the week after; {len(TEMPLATES)} shift templates",
            f"  leave: {'; '.join(report.leave)}",
            f"  today: {c['clock_ins']} clock-ins, {c['breaks']} breaks, {c['on_duty_now']}"
            f" agents on duty now ({', '.join(report.today) or 'all on time'})",
        ]
    lines += [f"  {n}" for n in report.notes]
    return lines
