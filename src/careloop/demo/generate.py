"""`careloop demo`: plan a believable brand in memory, then write it in one transaction.

Same seed, same brand: ids, names, e-mails, order numbers, SKUs, amounts, subjects and texts
repeat. Instants are relative to the real current time (see careloop.demo), so the demo looks
alive on the day it is loaded.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from careloop.accounts.actions import create_user
from careloop.accounts.model import Role
from careloop.accounts.tables import User
from careloop.clock import SystemClock
from careloop.demo import aftersales, people, store
from careloop.demo import alerts as demo_alerts
from careloop.demo import orders as order_plans
from careloop.demo import sla as demo_sla
from careloop.demo import workforce as demo_workforce
from careloop.demo.calendar import Window, batch_code
from careloop.demo.catalog import BRANDS
from careloop.demo.tickets import TicketPlan, plan_tickets
from careloop.demo.workforce import DEMO_ACTOR, WorkforceReport
from careloop.storage.engine import Database
from careloop.workforce.tables import Agent

__all__ = ["DEMO_ACTOR", "DemoReport", "DemoUser", "load_demo"]


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: Role
    timezone: str
    password: str | None  # None when the user existed already, or signs in with no password
    signs_in: bool = True  # False: an agent added to fill the roster, given no password


@dataclass
class DemoReport:
    """What the demo loaded: counts, the users with their passwords, the planted problems."""

    seed: int
    now: datetime
    counts: dict[str, int] = field(default_factory=dict)
    users: list[DemoUser] = field(default_factory=list)
    orders_by_country: dict[str, int] = field(default_factory=dict)
    tickets_by_language: dict[str, int] = field(default_factory=dict)
    tickets_by_status: dict[str, int] = field(default_factory=dict)
    planted: list[str] = field(default_factory=list)
    workforce: WorkforceReport = field(default_factory=WorkforceReport)
    seconds: float = 0.0
    workforce_seconds: float = 0.0

    def summary(self) -> str:
        c = self.counts

        def mix(values: dict[str, int]) -> str:
            return ", ".join(f"{k} {v:,}" for k, v in sorted(values.items(), key=lambda x: -x[1]))

        lines = [
            f"careloop demo loaded (seed {self.seed}) in {self.seconds:.1f} s",
            f"  brands: {c.get('brands', 0)} ({c.get('b2b_brands', 0)} B2B);"
            f" customers: {c.get('customers', 0):,}",
            f"  orders: {c.get('orders', 0):,} with {c.get('line_items', 0):,} line items,"
            f" {c.get('shipments', 0):,} shipments, {c.get('refunds', 0):,} refunds,"
            f" {c.get('returns', 0):,} returns",
            f"  orders by market: {mix(self.orders_by_country)}",
            f"  tickets: {c.get('tickets', 0):,} with {c.get('messages', 0):,} messages"
            f" ({c.get('notes', 0):,} internal notes)",
            f"  tickets by status: {mix(self.tickets_by_status)}",
            f"  tickets by language: {mix(self.tickets_by_language)}",
            *demo_workforce.summary_lines(self.workforce),
            "  planted problems:",
            *(f"    - {p}" for p in self.planted),
            "  Names, e-mails, SKUs, amounts and texts repeat with the same --seed;"
            " instants are relative to now.",
            "",
            "Users (passwords follow from the seed: change them before exposing this instance):",
        ]
        width = max((len(u.email) for u in self.users), default=10)
        for u in self.users:
            password = u.password or ("(existed already)" if u.signs_in else "(no password)")
            lines.append(
                f"  {u.role.value:<11} {u.email:<{width}}  {password:<24} {u.name} ({u.timezone})"
            )
        return "\n".join(lines)


def load_demo(
    db: Database,
    *,
    seed: int = 7,
    orders: int = 5000,
    tickets: int = 800,
    now: datetime | None = None,
) -> DemoReport:
    """Fill the database with the demo brand; `now` defaults to the real current time."""
    started = time.perf_counter()
    if orders < 1 or tickets < 0:
        raise ValueError("the demo needs at least one order and no negative number of tickets")
    window = Window.ending(now or SystemClock().now())
    report = DemoReport(seed=seed, now=window.now)
    demo_workforce.ensure_teams(db, now=window.now)
    report.users = _users(db, seed, window.now)
    agent_ids = _agent_ids(db)
    order_list, book = order_plans.plan_orders(seed, orders, window)
    ticket_list = plan_tickets(seed, tickets, order_list, book, window)
    aftersales.add_background_returns(order_list, seed, window.now)
    with db.write() as s:
        brand_ids = store.write_brands(s, window.now)
        report.counts |= store.write_commerce(s, brand_ids, book.all, order_list)
        report.counts |= store.write_tickets(s, brand_ids, ticket_list, agent_ids)
    report.counts |= {
        "brands": len(brand_ids),
        "b2b_brands": sum(b.is_b2b for b in BRANDS),
        "users": len(report.users),
    }
    report.orders_by_country = dict(Counter(o.market.country for o in order_list))
    report.tickets_by_language = dict(Counter(t.language for t in ticket_list))
    report.tickets_by_status = dict(Counter(t.story.status.value for t in ticket_list))
    report.planted = _planted(ticket_list, window)
    workforce_started = time.perf_counter()
    report.workforce = demo_workforce.load_workforce(
        db, seed=seed, now=window.now, agents=_agent_profiles(db)
    )
    wc = report.workforce.counts
    report.counts |= wc | {"shifts": wc.get("published_shifts", 0) + wc.get("draft_shifts", 0)}
    report.workforce_seconds = time.perf_counter() - workforce_started
    report.counts["tickets_with_sla"] = demo_sla.load_sla(db, now=window.now, brand_ids=brand_ids)
    report.planted += demo_alerts.load_alerts(
        db, now=window.now, orders=orders, tickets=tickets
    ).lines()
    report.seconds = time.perf_counter() - started
    return report


def _users(db: Database, seed: int, now: datetime) -> list[DemoUser]:
    """One user for each role and the support team; those who take tickets are agents (the
    user and its profile). Existing e-mails are left alone."""
    rng = random.Random(f"{seed}:passwords")
    out = []
    for member in people.STAFF:
        email = people.staff_email(member)
        drawn = people.staff_password(rng)  # drawn for everyone: the others keep theirs
        password = drawn if member.signs_in else None
        with db.read() as s:
            exists = s.scalar(select(User.id).where(func.lower(User.email) == email)) is not None
        if not exists and member.takes_tickets:
            demo_workforce.create_demo_agent(db, member, now=now, email=email, password=password)
        elif not exists:
            create_user(
                db,
                actor=DEMO_ACTOR,
                now=now,
                email=email,
                name=member.name,
                role=member.role,
                password=password,
                timezone=member.timezone,
                locale=member.locale,
            )
        given = None if exists else password
        out.append(
            DemoUser(email, member.name, member.role, member.timezone, given, member.signs_in)
        )
    return out


def _agent_ids(db: Database) -> dict[str, int]:
    """The demo's agents by name, as stored (an existing user with the e-mail counts)."""
    emails = {people.staff_email(m): m.name for m in people.STAFF if m.role == Role.AGENT}
    with db.read() as s:
        rows = s.execute(
            select(User.id, func.lower(User.email)).where(func.lower(User.email).in_(list(emails)))
        )
        return {emails[email]: user_id for user_id, email in rows}


def _agent_profiles(db: Database) -> dict[str, int]:
    """The demo's staff with an agent profile, by name (an existing user without one is not
    rostered)."""
    emails = {people.staff_email(m): m.name for m in people.STAFF if m.takes_tickets}
    with db.read() as s:
        rows = s.execute(
            select(Agent.user_id, func.lower(User.email))
            .join(User, User.id == Agent.user_id)
            .where(func.lower(User.email).in_(list(emails)))
        )
        return {emails[email]: agent_id for agent_id, email in rows}


def _planted(plans: list[TicketPlan], window: Window) -> list[str]:
    code = batch_code(order_plans.PLANTED_SKU, window.now - order_plans.PLANTED_BATCH_AGE)
    quality = sum(1 for t in plans if t.planted == "quality")
    customs = sum(1 for t in plans if t.planted == "logistics")
    return [
        f"quality: {quality} shedding and tangling complaints on {order_plans.PLANTED_SKU}"
        f" batch {code}, made about {order_plans.PLANTED_BATCH_AGE.days} days ago",
        f"logistics: {customs} complaints about {order_plans.PLANTED_CARRIER} parcels held at"
        f" customs in {order_plans.PLANTED_COUNTRY} over the last three weeks",
    ]
