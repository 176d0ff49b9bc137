"""Random commerce and ticket data for the insights tests, and the straight computation of
every metric from the base tables that the rollup answers must equal.

The reference reads the rows with the ORM and computes in Python, sharing nothing with the
rollup path (facts.py's SQL, refresh.py's sums, queries.py's planner) but the metric
definitions and the duration bins."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from careloop.accounts.model import Role
from careloop.accounts.tables import User
from careloop.insights.cubes import EXCEPTION_STATUSES
from careloop.insights.model import Kind, Metric, duration_bin, nearest_rank
from careloop.sla.tables import SlaEvent, SlaPolicy
from careloop.storage.engine import Database
from careloop.tickets.commerce_tables import Brand, LineItem, Order, Return, Shipment
from careloop.tickets.model import OPEN_STATUSES, Category, Channel, MessageKind, Priority, Status
from careloop.tickets.tables import Message, Ticket
from careloop.workforce.tables import Agent, Team

T0 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
DAYS = 6
# A quarter of the rows fall in the two whole UTC months before T0 (September and October), so
# queries over whole months read month rows.
EARLY = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)
CARRIERS = ["dhl", "ups", "fedex"]
COUNTRIES = ["US", "DE", "NG"]
REGIONS = {"US": ["CA", "NY"], "DE": ["BY"], "NG": ["LA", "AB"]}
SKUS = ["W-1", "W-2", "W-3"]
BATCHES = ["B1", "B2"]


def _at(rng: random.Random) -> datetime:
    if rng.random() < 0.25:
        return EARLY + timedelta(seconds=rng.randrange(int((T0 - EARLY).total_seconds())))
    return T0 + timedelta(seconds=rng.randrange(DAYS * 86400))


def seed(db: Database, rng: random.Random, *, orders: int = 120, tickets: int = 160) -> None:
    """Write a random little business: every row goes through the triggers like any write."""
    with db.write() as s:
        brands = [Brand(code=c, name=c, created_at=T0) for c in ("luxe", "salon")]
        teams = [Team(name=f"team {i}", created_at=T0) for i in range(2)]
        s.add_all(brands + teams)
        s.flush()
        users = []
        for i in range(4):
            u = User(email=f"a{i}@x.example", name=f"A{i}", role=Role.AGENT, created_at=T0)
            s.add(u)
            users.append(u)
        s.flush()
        for i, u in enumerate(users[:3]):  # the fourth user replies but has no agent profile
            s.add(
                Agent(
                    user_id=u.id,
                    team_id=teams[i % 2].id,
                    languages=["en"],
                    skills=[],
                    timezone="UTC",
                    capacity=5,
                    calendar_token=f"tok{i}",
                    active=True,
                    created_at=T0,
                    updated_at=T0,
                )
            )
        policies = [
            SlaPolicy(
                name="fast",
                position=1,
                first_response_minutes=60,
                resolution_minutes=600,
                created_at=T0,
                updated_at=T0,
            ),
            SlaPolicy(
                name="slow",
                position=2,
                first_response_minutes=None,
                resolution_minutes=1440,
                created_at=T0,
                updated_at=T0,
            ),
        ]
        s.add_all(policies)
        s.flush()
        order_rows: list[Order] = []
        for n in range(orders):
            country = rng.choice([*COUNTRIES, None])
            o = Order(
                source="shop",
                external_id=f"o{n}",
                number=f"#{n}",
                brand_id=rng.choice([b.id for b in brands] + [None]),
                currency="USD",
                total_amount=Decimal("10.00"),
                country=country,
                region=rng.choice(REGIONS[country]) if country else None,
                placed_at=_at(rng) - timedelta(days=3),
                updated_at=T0,
            )
            s.add(o)
            order_rows.append(o)
        s.flush()
        items: list[LineItem] = []
        for o in order_rows:
            for _ in range(rng.choice([0, 1, 1, 2, 3])):
                li = LineItem(
                    order_id=o.id,
                    sku=rng.choice(SKUS),
                    batch=rng.choice([*BATCHES, None]),
                    quantity=rng.randint(1, 3),
                    unit_price=Decimal("5"),
                    currency="USD",
                )
                s.add(li)
                items.append(li)
            for _ in range(rng.choice([0, 1, 1, 1, 2])):
                shipped = _at(rng) if rng.random() < 0.9 else None
                status = rng.choice(["delivered", "delivered", "in_transit", *EXCEPTION_STATUSES])
                delivered = None
                if shipped and status == "delivered":
                    delivered = shipped + timedelta(hours=rng.randint(1, 90))
                country = rng.choice([*COUNTRIES, None])
                s.add(
                    Shipment(
                        order_id=o.id,
                        carrier=rng.choice(CARRIERS),
                        destination_country=country,
                        destination_region=rng.choice(REGIONS[country]) if country else None,
                        status=status,
                        shipped_at=shipped,
                        delivered_at=delivered,
                    )
                )
        s.flush()
        for li in items:
            if rng.random() < 0.3:
                s.add(
                    Return(
                        order_id=li.order_id,
                        line_item_id=li.id,
                        quantity=rng.randint(1, li.quantity),
                        reason=rng.choice(["shedding", "size", None]),
                        status="received",
                        created_at=_at(rng),
                    )
                )
        for o in order_rows[:10]:  # a return without a line
            s.add(
                Return(
                    order_id=o.id,
                    quantity=1,
                    reason="other",
                    status="received",
                    created_at=_at(rng),
                )
            )
        s.flush()
        for n in range(tickets):
            created = _at(rng)
            assignee = rng.choice([*users, None])
            assigned = created + timedelta(seconds=rng.randint(5, 4000)) if assignee else None
            responded = (
                assigned + timedelta(seconds=rng.randint(30, 20000))
                if assigned and rng.random() < 0.8
                else None
            )
            solved = (
                responded + timedelta(seconds=rng.randint(60, 90000))
                if responded and rng.random() < 0.6
                else None
            )
            status = (
                Status.SOLVED if solved else rng.choice([Status.NEW, Status.OPEN, Status.PENDING])
            )
            li = rng.choice(items + [None] * 10)
            t = Ticket(
                subject=f"t{n}",
                body="b",
                channel=rng.choice(list(Channel)),
                category=rng.choice([*Category, None]),
                priority=rng.choice(list(Priority)),
                status=status,
                language=rng.choice(["en", "de", None]),
                country=rng.choice([*COUNTRIES, None]),
                brand_id=rng.choice([b.id for b in brands] + [None]),
                sku=li.sku if li else None,
                batch=li.batch if li else None,
                order_id=li.order_id if li else None,
                line_item_id=li.id if li else None,
                assignee_id=assignee.id if assignee else None,
                assigned_at=assigned,
                first_assigned_at=assigned,
                first_response_at=responded,
                solved_at=solved,
                sla_policy_id=rng.choice([p.id for p in policies] + [None]),
                created_at=created,
                updated_at=created,
            )
            s.add(t)
            s.flush()
            if responded and assignee:
                s.add(
                    Message(
                        ticket_id=t.id,
                        kind=MessageKind.REPLY,
                        body="r",
                        author_user_id=assignee.id,
                        author_label="a",
                        created_at=responded,
                    )
                )
            s.add(
                Message(
                    ticket_id=t.id,
                    kind=MessageKind.CUSTOMER,
                    body="c",
                    author_label="c",
                    created_at=created,
                )
            )
            for target in ("first_response", "resolution"):
                if rng.random() < 0.2:
                    s.add(
                        SlaEvent(
                            ticket_id=t.id,
                            target=target,
                            kind="breach",
                            due_at=created,
                            at=created,
                            actions={},
                        )
                    )
            if rng.random() < 0.1:
                s.add(
                    SlaEvent(
                        ticket_id=t.id,
                        target="first_response",
                        kind="warning",
                        due_at=created,
                        at=created,
                        actions={},
                    )
                )


def mutate(db: Database, rng: random.Random) -> None:
    """Changes of every kind the triggers must notice: a ticket's fields, a reassignment, a
    solve, a shipment delivered later, a line's batch, a return deleted, an order's brand."""
    with db.write() as s:
        tickets = list(s.scalars(select(Ticket).order_by(Ticket.id)))
        for t in rng.sample(tickets, 20):
            t.category = rng.choice(list(Category))
            t.channel = rng.choice(list(Channel))
        for t in rng.sample(tickets, 10):
            if t.first_response_at and not t.solved_at:
                t.solved_at = t.first_response_at + timedelta(hours=5)
                t.status = Status.SOLVED
        shipments = list(s.scalars(select(Shipment).where(Shipment.delivered_at.is_not(None))))
        for sh in rng.sample(shipments, 5):
            assert sh.delivered_at is not None
            sh.delivered_at = sh.delivered_at + timedelta(hours=rng.randint(1, 30))
        lines = list(s.scalars(select(LineItem)))
        for li in rng.sample(lines, 5):
            li.batch = "B9"
            li.quantity += 1
        returns = list(s.scalars(select(Return)))
        for r in rng.sample(returns, 3):
            s.delete(r)
        brands = list(s.scalars(select(Brand.id)))
        for o in rng.sample(list(s.scalars(select(Order))), 5):
            o.brand_id = brands[0]
        ticket = tickets[0]
        s.add(
            SlaEvent(
                ticket_id=ticket.id,
                target="resolution",
                kind="breach",
                due_at=T0,
                at=T0,
                actions={},
            )
        )


# --- the straight computation ----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    at: datetime
    dims: dict[str, str | None]
    measures: dict[str, int]
    durations: dict[str, int | None]
    order: int | None = None


def _s(v: Any) -> str | None:
    if v is None:
        return None
    return str(v.value) if hasattr(v, "value") else str(v)


def base_rows(db: Database) -> dict[str, list[Row]]:
    """Every fact's rows, straight from the base tables."""
    out: dict[str, list[Row]] = defaultdict(list)
    with db.read() as s:
        brand = {b.id: b.code for b in s.scalars(select(Brand))}
        team = {a.user_id: a.team_id for a in s.scalars(select(Agent))}
        policy = {p.id: p for p in s.scalars(select(SlaPolicy))}
        breaches = {
            (e.ticket_id, e.target) for e in s.scalars(select(SlaEvent)) if e.kind == "breach"
        }
        tickets = list(s.scalars(select(Ticket)))
        for t in tickets:
            p = policy.get(t.sla_policy_id) if t.sla_policy_id else None
            fr_b = (t.id, "first_response") in breaches
            res_b = (t.id, "resolution") in breaches
            dims = {
                "brand": brand.get(t.brand_id) if t.brand_id else None,
                "country": t.country,
                "channel": _s(t.channel),
                "category": _s(t.category),
                "language": t.language,
                "priority": _s(t.priority),
                "sku": t.sku,
                "batch": t.batch,
                "team": _s(team.get(t.assignee_id)) if t.assignee_id else None,
                "agent": _s(t.assignee_id),
            }

            def since(at: datetime | None, t: Ticket = t) -> int | None:
                return None if at is None else duration_bin((at - t.created_at).total_seconds())

            out["tickets"].append(
                Row(
                    t.created_at,
                    dims,
                    {
                        "complaints": 1,
                        "assigned": int(t.first_assigned_at is not None),
                        "responded": int(t.first_response_at is not None),
                        "resolved": int(t.solved_at is not None),
                        "fr_due": int(
                            fr_b
                            or (
                                p is not None
                                and p.first_response_minutes is not None
                                and t.first_response_at is not None
                            )
                        ),
                        "fr_breached": int(fr_b),
                        "res_due": int(
                            res_b
                            or (
                                p is not None
                                and p.resolution_minutes is not None
                                and t.solved_at is not None
                            )
                        ),
                        "res_breached": int(res_b),
                    },
                    {
                        "time_to_assignment": since(t.first_assigned_at),
                        "first_response_time": since(t.first_response_at),
                        "resolution_time": since(t.solved_at),
                    },
                )
            )
            if t.solved_at and t.status in (Status.SOLVED, Status.CLOSED):
                out["solves"].append(
                    Row(
                        t.solved_at,
                        {
                            "agent": _s(t.assignee_id),
                            "team": _s(team.get(t.assignee_id)) if t.assignee_id else None,
                            "brand": dims["brand"],
                            "channel": dims["channel"],
                            "category": dims["category"],
                        },
                        {"solved": 1},
                        {},
                    )
                )
        by_ticket = {t.id: t for t in tickets}
        for m in s.scalars(select(Message)):
            if m.kind == MessageKind.REPLY and m.author_user_id is not None:
                t = by_ticket[m.ticket_id]
                out["replies"].append(
                    Row(
                        m.created_at,
                        {
                            "agent": _s(m.author_user_id),
                            "team": _s(team.get(m.author_user_id)),
                            "brand": brand.get(t.brand_id) if t.brand_id else None,
                            "channel": _s(t.channel),
                        },
                        {"replies": 1},
                        {},
                    )
                )
        orders = {o.id: o for o in s.scalars(select(Order))}
        first_ship: dict[int, Shipment] = {}
        for sh in s.scalars(select(Shipment).order_by(Shipment.id)):
            first_ship.setdefault(sh.order_id, sh)
            o = orders[sh.order_id]
            if sh.shipped_at is not None:
                out["shipments"].append(
                    Row(
                        sh.shipped_at,
                        {
                            "brand": brand.get(o.brand_id) if o.brand_id else None,
                            "country": sh.destination_country or o.country,
                            "region": sh.destination_region or o.region,
                            "carrier": sh.carrier,
                            "status": sh.status,
                        },
                        {
                            "shipments": 1,
                            "exceptions": int(sh.status in EXCEPTION_STATUSES),
                            "delivered": int(sh.status == "delivered"),
                        },
                        {},
                    )
                )
        lines = {li.id: li for li in s.scalars(select(LineItem))}
        for li in lines.values():
            sh = first_ship.get(li.order_id)
            if sh is None or sh.delivered_at is None:
                continue
            o = orders[li.order_id]
            out["deliveries"].append(
                Row(
                    sh.delivered_at,
                    {
                        "brand": brand.get(o.brand_id) if o.brand_id else None,
                        "country": sh.destination_country or o.country,
                        "region": sh.destination_region or o.region,
                        "carrier": sh.carrier,
                        "sku": li.sku,
                        "batch": li.batch,
                    },
                    {"units": li.quantity},
                    {},
                    order=o.id,
                )
            )
        for r in s.scalars(select(Return)):
            o = orders[r.order_id]
            sh = first_ship.get(r.order_id)
            li = lines.get(r.line_item_id) if r.line_item_id else None
            out["returns"].append(
                Row(
                    r.created_at,
                    {
                        "brand": brand.get(o.brand_id) if o.brand_id else None,
                        "country": (sh.destination_country if sh else None) or o.country,
                        "region": (sh.destination_region if sh else None) or o.region,
                        "carrier": sh.carrier if sh else None,
                        "sku": li.sku if li else None,
                        "batch": li.batch if li else None,
                        "reason": r.reason,
                    },
                    {"returns": 1, "returned_units": r.quantity},
                    {},
                )
            )
    return out


def _period(at: datetime, interval: str | None, tz: ZoneInfo) -> tuple[str, ...]:
    if interval is None:
        return ()
    if interval == "hour":
        return (at.replace(minute=0, second=0, microsecond=0).astimezone(UTC).isoformat(),)
    local = at.astimezone(tz).date()
    if interval == "week":
        local -= timedelta(days=local.weekday())
    return (local.isoformat(),)


def _select(
    rows: list[Row], start: datetime, end: datetime, filters: dict[str, list[str]]
) -> list[Row]:
    out = []
    for r in rows:
        if not start <= r.at < end:
            continue
        if all(
            (r.dims[k] if r.dims[k] is not None else "") in v
            for k, v in filters.items()
            if k in r.dims
        ):
            out.append(r)
    return out


def _sum(rows: list[Row], fact: str, measure: str, key: Any) -> dict[tuple[Any, ...], float]:
    acc: dict[tuple[Any, ...], Any] = defaultdict(int)
    if fact == "deliveries" and measure == "orders":
        sets: dict[tuple[Any, ...], set[int]] = defaultdict(set)
        for r in rows:
            assert r.order is not None
            sets[key(r)].add(r.order)
        return {k: float(len(v)) for k, v in sets.items()}
    for r in rows:
        acc[key(r)] += r.measures[measure]
    return {k: float(v) for k, v in acc.items()}


def reference(
    facts: dict[str, list[Row]],
    metric: Metric,
    start: datetime,
    end: datetime,
    group_by: list[str],
    filters: dict[str, list[str]],
    interval: str | None,
    tz: ZoneInfo,
) -> dict[tuple[Any, ...], float | None]:
    """The metric per (period?, *groups), straight from the base rows."""

    def key_of(dims: list[str]) -> Any:
        return lambda r: _period(r.at, interval, tz) + tuple(r.dims.get(g) for g in dims)

    if metric.kind == Kind.SUM:
        assert metric.numerator
        fact = metric.numerator.fact
        return _sum(
            _select(facts[fact], start, end, filters),
            fact,
            metric.numerator.measure,
            key_of(group_by),
        )
    if metric.kind == Kind.PERCENTILE:
        assert metric.histogram
        hist: dict[tuple[Any, ...], dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for r in _select(facts[metric.histogram.fact], start, end, filters):
            b = r.durations[metric.histogram.measure]
            if b is not None:
                hist[key_of(group_by)(r)][b] += 1
        return {
            k: float(v)
            for k, h in hist.items()
            if (v := nearest_rank(h, metric.quantile)) is not None
        }
    assert metric.numerator and metric.denominator
    num_fact, den_fact = metric.numerator.fact, metric.denominator.fact
    num = _sum(
        _select(facts[num_fact], start, end, filters),
        num_fact,
        metric.numerator.measure,
        key_of(group_by),
    )
    den_dims = [g for g in group_by if g in _dims(den_fact)]
    den = _sum(
        _select(
            facts[den_fact], start, end, {k: v for k, v in filters.items() if k in _dims(den_fact)}
        ),
        den_fact,
        metric.denominator.measure,
        key_of(den_dims),
    )
    keys = set(num) | (set(den) if len(den_dims) == len(group_by) else set())
    offset = 1 if interval else 0
    positions = [i for i, g in enumerate(group_by) if g in den_dims]
    out: dict[tuple[Any, ...], float | None] = {}
    for k in keys:
        d = den.get((*k[:offset], *(k[offset + i] for i in positions)), 0.0)
        if d == 0:
            out[k] = None
            continue
        value = num.get(k, 0.0) / d
        out[k] = (1 - value if metric.complement else value) * metric.scale
    return out


def _dims(fact: str) -> set[str]:
    from careloop.insights.cubes import FACTS

    return set(FACTS[fact].dims)


def live_reference(
    db: Database, metric: Metric, group_by: list[str], now: datetime
) -> dict[tuple[Any, ...], float | None]:
    with db.read() as s:
        brand = {b.id: b.code for b in s.scalars(select(Brand))}
        team = {a.user_id: a.team_id for a in s.scalars(select(Agent))}
        acc: dict[tuple[Any, ...], list[datetime]] = defaultdict(list)
        for t in s.scalars(select(Ticket)):
            if t.status not in OPEN_STATUSES:
                continue
            if metric.live == "unassigned" and t.assignee_id is not None:
                continue
            dims = {
                "brand": brand.get(t.brand_id) if t.brand_id else None,
                "country": t.country,
                "channel": _s(t.channel),
                "category": _s(t.category),
                "language": t.language,
                "priority": _s(t.priority),
                "team": _s(team.get(t.assignee_id)) if t.assignee_id else None,
                "agent": _s(t.assignee_id),
            }
            acc[tuple(dims[g] for g in group_by)].append(t.created_at)
    if metric.live == "oldest_age":
        return {k: (now - min(v)).total_seconds() for k, v in acc.items()}
    return {k: float(len(v)) for k, v in acc.items()}


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
