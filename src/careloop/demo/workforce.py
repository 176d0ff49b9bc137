"""The demo's support team at work: teams with their leads, the shift templates, the roster of
demo/roster_plan.py (published weeks and a week of drafts, added in one transaction), a
vacation and a sick day, and today's clock-ins and breaks, all through the workforce actions
(each clock-in made at the instant it happened)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

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
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.workforce import attendance
from careloop.workforce.actions import AgentProfile, create_agent, create_team, update_team
from careloop.workforce.leave import leave_for_days
from careloop.workforce.model import ShiftStatus
from careloop.workforce.queries import on_duty_agents
from careloop.workforce.shift_batches import ShiftSpec, add_shifts_in
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
    _add_roster(db, plan, agents, templates, now)
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


def _add_roster(
    db: Database,
    plan: Sequence[PlannedShift],
    agents: dict[str, int],
    templates: dict[str, int],
    now: datetime,
) -> None:
    """The planned shifts through `add_shifts_in`, one batch per status in one transaction, so
    the roster is checked, audited and told to the agents as any other."""
    with db.write() as s:
        for status in (ShiftStatus.PUBLISHED, ShiftStatus.DRAFT):
            specs = [
                ShiftSpec(
                    agent_id=agents[p.member.name],
                    starts_at=p.span.start,
                    ends_at=p.span.end,
                    breaks=[p.template.break_rule.within(p.span)],
                    template_id=templates[p.template.name],
                )
                for p in plan
                if p.status == status
            ]
            add_shifts_in(s, actor=DEMO_ACTOR, now=now, specs=specs, status=status)


def _set_leads(db: Database, agents: dict[str, int], now: datetime) -> None:
    """Each team's lead, when the team has none and the lead is an agent."""
    with db.read() as s:
        teams = s.execute(
            select(Team.id, Team.name, Team.lead_id)
            .where(Team.name.in_(list(TEAM_LEADS)))
            .order_by(Team.id)
        ).all()
    for team_id, name, lead_id in teams:
        lead = agents.get(TEAM_LEADS[name])
        if lead_id is None and lead is not None:
            update_team(db, actor=DEMO_ACTOR, now=now, team_id=team_id, lead_id=lead)


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
