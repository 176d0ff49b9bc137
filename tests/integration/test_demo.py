"""`careloop demo`: a believable brand, the same for a seed, loaded into empty databases only."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text
from typer.testing import CliRunner

from careloop.accounts.actions import authenticate_password, create_user
from careloop.accounts.model import Role
from careloop.accounts.tables import User
from careloop.cli import app as cli
from careloop.clock import FakeClock
from careloop.demo import workforce as demo_workforce
from careloop.demo.generate import load_demo
from careloop.demo.people import STAFF, TEAM_LEADS
from careloop.demo.roster_plan import (
    PUBLISHED_WEEKS,
    plan_attendance,
    plan_leave,
    plan_roster,
    roster_start,
    speakers_by_hour,
)
from careloop.errors import Unauthenticated
from careloop.storage.audit import Actor, AuditEntry
from careloop.storage.base import Base
from careloop.storage.engine import Database
from careloop.tickets.commerce_queries import count_rows
from careloop.tickets.commerce_tables import Brand, Customer, LineItem, Order, Refund, Shipment
from careloop.tickets.model import MessageKind, Status
from careloop.tickets.tables import Message, Ticket, TicketTag
from careloop.workforce.model import Interval, LeaveKind, ShiftStatus
from careloop.workforce.queries import on_duty_agents
from careloop.workforce.roster_queries import list_agents, list_leave, list_shifts, list_teams
from careloop.workforce.tables import Agent, ClockInRow, Shift, ShiftNotice, Team

MARKETS = {"US", "CA", "GB", "FR", "DE", "NG", "ZA", "KE"}
CURRENCIES = {"US": "USD", "CA": "CAD", "GB": "GBP", "FR": "EUR", "DE": "EUR", "NG": "NGN"}
SMALL = {"orders": 300, "tickets": 60}


def _empty(db: Database) -> None:
    """Back to a freshly migrated, empty database (ids start at 1 again)."""
    tables = [t.name for t in Base.metadata.sorted_tables if t.name != "alembic_version"]
    with db.write() as s:
        if db.is_postgres:
            names = ", ".join(f'"{name}"' for name in tables)
            s.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                s.execute(delete(table))


def _contents(db: Database) -> dict[str, list[str]]:
    with db.read() as s:
        return {
            "subjects": list(s.scalars(select(Ticket.subject).order_by(Ticket.id))),
            "skus": list(s.scalars(select(LineItem.sku).order_by(LineItem.id))),
            "emails": list(s.scalars(select(Customer.email).order_by(Customer.id))),
            "numbers": list(s.scalars(select(Order.number).order_by(Order.id))),
        }


def _roster(db: Database) -> dict[str, list[tuple[object, ...]]]:
    with db.read() as s:
        return {
            "shifts": [
                tuple(row)
                for row in s.execute(
                    select(User.email, Shift.starts_at, Shift.ends_at, Shift.status)
                    .join(User, User.id == Shift.agent_id)
                    .order_by(Shift.starts_at, User.email)
                )
            ],
            "clock_ins": [
                tuple(row)
                for row in s.execute(
                    select(User.email, ClockInRow.clocked_in_at, ClockInRow.clocked_out_at)
                    .join(User, User.id == ClockInRow.agent_id)
                    .order_by(ClockInRow.clocked_in_at, User.email)
                )
            ],
        }


def test_demo_fills_a_believable_brand(db: Database) -> None:
    report = load_demo(db, seed=11, **SMALL)

    assert report.counts["orders"] == 300 and report.counts["tickets"] == 60
    with db.read() as s:
        brands = s.scalars(select(Brand)).all()
        assert len(brands) == 3 and [b.is_b2b for b in brands].count(True) == 1
        by_country = dict(
            s.execute(select(Order.country, func.min(Order.currency)).group_by(Order.country)).all()
        )
        assert set(by_country) == MARKETS
        assert {c: by_country[c] for c in CURRENCIES} == CURRENCIES
        assert (
            s.scalar(select(func.count()).select_from(LineItem).where(LineItem.batch.is_(None)))
            == 0
        )
        assert s.scalar(select(func.count()).select_from(Shipment)) == 300
        assert len(set(s.scalars(select(Shipment.carrier)))) >= 8
        assert s.scalar(select(func.count()).select_from(Refund)) > 0
        languages = set(s.scalars(select(Ticket.language)))
        assert {"en", "fr", "de"} <= languages and len(languages) >= 4
        assert len(set(s.scalars(select(Ticket.category)))) == 7
        assert s.scalar(select(func.count()).select_from(TicketTag)) >= 60
        tickets = s.scalars(select(Ticket)).all()
        kinds = set(s.scalars(select(Message.kind)))
        created = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity_type == "ticket", AuditEntry.action == "created")
            .where(AuditEntry.actor_label == "demo")
        )
    assert kinds == {MessageKind.CUSTOMER, MessageKind.REPLY, MessageKind.NOTE}
    assert created == 60
    statuses = {t.status for t in tickets}
    assert {Status.CLOSED, Status.SOLVED} <= statuses and len(statuses) >= 3
    for t in tickets:
        # The life cycle's instants are consistent with the status, and never in the future.
        assert t.created_at <= t.updated_at <= report.now
        assert (t.status == Status.NEW) == (t.assignee_id is None)
        if t.first_response_at is not None:
            assert t.created_at < t.first_response_at <= t.updated_at
        if t.status in (Status.SOLVED, Status.CLOSED):
            assert t.first_response_at is not None and t.solved_at is not None
            assert t.solved_at >= t.first_response_at
        else:
            assert t.solved_at is None
        assert (t.closed_at is not None) == (t.status == Status.CLOSED)
    summary = report.summary()
    assert "planted problems" in summary


def test_one_user_per_role_signs_in_with_the_printed_password(db: Database) -> None:
    report = load_demo(db, seed=3, orders=40, tickets=10)

    assert {u.role for u in report.users if u.signs_in} == set(Role)
    assert sum(u.role == Role.AGENT and u.signs_in for u in report.users) >= 6
    assert len({u.timezone for u in report.users}) >= 6
    summary = report.summary()
    for user in report.users:
        assert user.email in summary
        if not user.signs_in:  # agents added to fill the roster: no password to hash
            assert user.password is None
            continue
        assert user.password is not None and user.password in summary
        assert authenticate_password(db, user.email, user.password).role == user.role
    filler = next(u for u in report.users if not u.signs_in)
    with pytest.raises(Unauthenticated):
        authenticate_password(db, filler.email, "no password at all")


def test_same_seed_same_brand_other_seed_another(db: Database) -> None:
    now = datetime.now(UTC)
    report = load_demo(db, seed=5, **SMALL, now=now)
    first, first_roster = _contents(db), _roster(db)
    _empty(db)
    again = load_demo(db, seed=5, **SMALL, now=now)
    assert _contents(db) == first
    assert _roster(db) == first_roster and len(first_roster["shifts"]) > 300
    assert again.users == report.users

    # Loaded on another weekday: the instants move, the contents stay.
    _empty(db)
    load_demo(db, seed=5, **SMALL, now=now + timedelta(days=3, hours=5))
    later = _contents(db)
    assert {k: sorted(v) for k, v in later.items()} == {k: sorted(v) for k, v in first.items()}

    _empty(db)
    another = load_demo(db, seed=6, **SMALL, now=now)
    other = _contents(db)
    assert other["subjects"] != first["subjects"]
    assert other["skus"] != first["skus"]
    assert set(other["emails"]) != set(first["emails"])
    assert [u.password for u in another.users] != [u.password for u in report.users]


def test_cli_loads_once_and_if_empty_leaves_a_filled_database_alone(
    db: Database, database_url: str
) -> None:
    runner = CliRunner()
    args = ["demo", "--database-url", database_url, "--orders", "30", "--tickets", "8"]

    loaded = runner.invoke(cli, [*args, "--seed", "2"])
    assert loaded.exit_code == 0, loaded.output
    assert "admin" in loaded.output and "@lumahair.example" in loaded.output
    assert "published shifts" in loaded.output and "on duty now" in loaded.output
    before = count_rows(db)
    assert before == {"tickets": 8, "orders": 30}

    again = runner.invoke(cli, [*args, "--if-empty"])
    assert again.exit_code == 0, again.output
    assert "demo not loaded" in again.output
    assert count_rows(db) == before
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(User)) == len(STAFF)

    refused = runner.invoke(cli, args)
    assert refused.exit_code != 0
    assert count_rows(db) == before


# A Wednesday afternoon in the week the United States leave summer time (1 November 2026) and a
# week after Europe did: the roster's first week runs on mixed offsets.
ROSTER_NOW = datetime(2026, 10, 28, 15, 30, tzinfo=UTC)


def test_demo_rosters_every_hour_with_english_speakers_and_clocks_in_today(db: Database) -> None:
    report = load_demo(db, seed=4, orders=40, tickets=10, now=ROSTER_NOW)
    monday = datetime(2026, 10, 26, tzinfo=UTC)
    published_end = monday + timedelta(weeks=PUBLISHED_WEEKS)

    agents = list_agents(db)
    assert 16 <= len(agents) <= 24
    assert {a.timezone.split("/")[0] for a in agents} == {"Europe", "Africa", "America", "Asia"}
    assert all(8 <= a.capacity <= 15 and a.country and a.team_id for a in agents)
    assert {"category:quality"} in [set(a.skills) for a in agents]
    assert {"channel:chat"} in [set(a.skills) for a in agents]
    supervisors = [a for a in agents if a.user.role == Role.SUPERVISOR]
    assert len(supervisors) == 2
    teams = list_teams(db)
    assert {t.name for t in teams} == set(TEAM_LEADS)
    by_id = {a.id: a for a in agents}
    for team in teams:
        assert team.lead_id is not None and by_id[team.lead_id].team_id == team.id
        assert by_id[team.lead_id].name == TEAM_LEADS[team.name]
    # The roster and the leads went through the actions: audited, the agents told.
    with db.read() as s:
        shift_ids = set(s.scalars(select(Shift.id)))
        audited = set(
            s.scalars(
                select(AuditEntry.entity_id).where(
                    AuditEntry.entity_type == "shift", AuditEntry.action == "created"
                )
            )
        )
        told = s.scalar(
            select(func.count()).select_from(ShiftNotice).where(ShiftNotice.kind == "published")
        )
        templated = s.scalar(
            select(func.count()).select_from(Shift).where(Shift.template_id.is_not(None))
        )
        led = s.scalars(
            select(AuditEntry.entity_id).where(
                AuditEntry.entity_type == "team",
                AuditEntry.action == "updated",
                AuditEntry.actor_label == "demo",
            )
        )
        assert sorted(led) == sorted(t.id for t in teams)
    assert audited == shift_ids and templated == len(shift_ids)
    assert told == report.counts["published_shifts"]

    # Every instant of the published weeks (every 90 minutes: on and between the hours shifts
    # change) has two English speakers rostered and not on leave.
    at = monday
    while at < published_end:
        rostered = on_duty_agents(db, at=at, include_rostered=True)
        english = [r for r in rostered if "en" in r.languages and not r.on_leave]
        assert len(english) >= 2, (at, [r.name for r in rostered])
        at += timedelta(minutes=90)

    drafts = list_shifts(
        db, starts=published_end, ends=published_end + timedelta(weeks=1), status=ShiftStatus.DRAFT
    )
    assert len(drafts) > 80
    assert not [
        x
        for x in list_shifts(db, starts=published_end, ends=published_end + timedelta(weeks=1))
        if x.starts_at >= published_end and x.status == ShiftStatus.PUBLISHED
    ]
    assert report.counts["shifts"] == report.counts["published_shifts"] + len(drafts)

    # Today: most clocked in, one absent, one late by about 20 minutes, one on a break.
    now_rostered = {r.name: r for r in on_duty_agents(db, at=ROSTER_NOW, include_rostered=True)}
    on_duty = on_duty_agents(db, at=ROSTER_NOW)
    assert len(on_duty) >= 2 and report.counts["on_duty_now"] == len(on_duty)
    roles = {line.split(": ")[1]: line.split(": ")[0] for line in report.workforce.today}
    assert sorted(roles.values()) == ["absent", "late", "on break"]
    for name, role in roles.items():
        if role == "absent":
            assert not now_rostered[name].clocked_in
        if role == "on break":
            assert now_rostered[name].on_break
    late = next(a for a in agents if roles.get(a.name) == "late")
    with db.read() as s:
        late_shift, late_in = s.execute(
            select(Shift.starts_at, ClockInRow.clocked_in_at)
            .join(ClockInRow, ClockInRow.agent_id == Shift.agent_id)
            .where(Shift.agent_id == late.id, ClockInRow.clocked_in_at >= Shift.starts_at)
            .where(ClockInRow.clocked_in_at < Shift.ends_at)
        ).one()
        clocked_out = s.scalar(
            select(func.count())
            .select_from(ClockInRow)
            .where(ClockInRow.clocked_out_at.is_not(None))
        )
    assert timedelta(minutes=19) <= late_in - late_shift <= timedelta(minutes=24)
    assert clocked_out and report.counts["clock_ins"] >= len(on_duty) + 2

    # A vacation next week with no shift during it, and a sick day.
    leave = list_leave(db, starts=monday, ends=published_end)
    assert sorted(x.kind for x in leave) == [LeaveKind.SICK, LeaveKind.VACATION]
    vacation = next(x for x in leave if x.kind == LeaveKind.VACATION)
    assert not list_shifts(
        db, starts=vacation.starts_at, ends=vacation.ends_at, agent_id=vacation.agent_id
    )
    summary = report.summary()
    assert "3 teams" in summary and "on duty now" in summary and "sick:" in summary


def test_demo_roster_covers_every_hour_of_the_year() -> None:
    """The plan alone, loaded on any day of a year (DST weeks included): two English speakers
    every hour, French, Spanish and German for most of it, five shifts a week per agent."""
    for days in range(0, 371, 9):  # each roster spans three weeks: every week is seen
        now = datetime(2026, 1, 1, 10, tzinfo=UTC) + timedelta(days=days, hours=days % 24)
        plan = plan_roster(now)
        start = roster_start(now)
        window = Interval(start, start + timedelta(weeks=PUBLISHED_WEEKS))
        leave = plan_leave(plan, now, seed=7)
        english = speakers_by_hour(plan, "en", window, leave)
        assert min(english.values()) >= 2, now
        for language in ("fr", "es", "de"):
            hours = speakers_by_hour(plan, language, window, leave)
            assert sum(1 for n in hours.values() if n) / len(hours) > 0.55, (now, language)
        next_monday = start.date() + timedelta(weeks=1)
        per_agent = Counter(p.member.name for p in plan if 0 <= (p.day - next_monday).days < 7)
        on_vacation = {x.member.name for x in leave if x.kind == LeaveKind.VACATION}
        assert len(per_agent) == 23 and on_vacation == {"Jonas Weber"}
        assert all(n == (2 if name in on_vacation else 5) for name, n in per_agent.items())
        events, _ = plan_attendance(plan, leave, now, seed=7)
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert all(e.at <= now for e in events)


def test_demo_on_a_database_with_staff_already(db: Database, clock: FakeClock) -> None:
    """An existing user with a staff e-mail is left alone (no agent profile, not rostered), and
    loading the workforce again leaves the roster as it is."""
    amara = create_user(
        db,
        actor=Actor(user_id=None, label="test"),
        now=clock.now(),
        email="amara.okoye@lumahair.example",
        name="Amara (her own account)",
        role=Role.VIEWER,
        password=None,
    )
    report = load_demo(db, seed=2, orders=20, tickets=4, now=ROSTER_NOW)
    assert next(u for u in report.users if u.name == "Amara Okoye").password is None
    roster = _roster(db)
    with db.read() as s:
        assert s.get(Agent, amara.id) is None
        assert s.get(User, amara.id).role == Role.VIEWER
        europe = s.scalar(select(Team).where(Team.name == "Europe & Africa"))
        assert europe is not None and europe.lead_id is None
    agents = {a.name: a.id for a in list_agents(db)}
    assert len(agents) == 22 and "Amara Okoye" not in agents
    again = demo_workforce.load_workforce(db, seed=2, now=ROSTER_NOW, agents=agents)
    assert "rostered already" in " ".join(again.notes)
    assert _roster(db) == roster
