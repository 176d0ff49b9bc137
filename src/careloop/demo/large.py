"""`careloop demo --scale large`: a year of the brand at full size (by default 1,000,000
orders and 300,000 tickets) for the insights dashboards, written in minutes.

The year is the 365 days before now: a weekly cycle, evenings busiest in the customer's own
time zone, a slow growth, and a Black-Friday/Cyber-Monday peak on the last Friday of November
in the window. Two problems are planted for the dashboards to reveal: one production batch of
one SKU draws three times the usual quality complaints per delivered unit, and one carrier in
one region (country and region) fails for two weeks (most parcels stuck as exceptions, the
rest late, with logistics complaints to match).

Orders are made a few days at a time (about `chunk` orders), their tickets drawn with them,
and each chunk is written in one transaction (large_write.py), so memory stays bounded; a
ticket waits in memory until every ticket created before it is written, so ticket ids follow
creation time as orders' do. The audit trail is as honest as the small demo's: a "created"
row for every customer, order and ticket, and one per step of each ticket's life, written in
bulk by the actor "demo". Line items, shipments, refunds and returns are not audited one by
one, as in the small demo: they arrive with their order.

Same seed and same `now`, same data. The users, the roster and the service levels are the
small demo's (demo/generate.py, workforce.py, sla.py). A load that fails part-way leaves the
chunks written so far: drop the database and run it again.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from careloop.clock import SystemClock
from careloop.demo import sla as demo_sla
from careloop.demo import store
from careloop.demo import workforce as demo_workforce
from careloop.demo.catalog import BRANDS
from careloop.demo.generate import DemoReport, _agent_ids, _agent_profiles, _users
from careloop.demo.large_calendar import Year, instant
from careloop.demo.large_orders import (
    FAILURE_DAYS,
    PLANTED_CARRIER,
    PLANTED_COUNTRY,
    PLANTED_REGION,
    PLANTED_SKU,
    Customer,
    Order,
    OrderMaker,
)
from careloop.demo.large_tickets import TicketMaker, TicketPlan
from careloop.demo.large_write import Writer, write_orders, write_tickets
from careloop.errors import Conflict, Invalid
from careloop.storage.engine import Database
from careloop.tickets.commerce_queries import count_rows

Progress = Callable[[str, int, int], None]  # (what is written, done, total)
ORDERS, TICKETS = 1_000_000, 300_000
MAX_ORDERS = 5_000_000


def _quiet(_what: str, _done: int, _total: int) -> None:
    return None


def load_large_demo(
    db: Database,
    *,
    seed: int = 7,
    orders: int = ORDERS,
    tickets: int = TICKETS,
    now: datetime | None = None,
    progress: Progress = _quiet,
    chunk: int = 20_000,
) -> DemoReport:
    """Fill an empty database with a year of the demo brand; `now` defaults to the real time.
    Refuses (nothing written) bad counts and a database holding orders or tickets."""
    started = time.perf_counter()
    if not 1 <= orders <= MAX_ORDERS or not 0 <= tickets <= orders:
        raise Invalid(
            f"the large demo needs 1 to {MAX_ORDERS:,} orders and no more tickets than orders",
            {"orders": orders, "tickets": tickets},
        )
    held = count_rows(db)
    if held["tickets"] or held["orders"]:
        raise Conflict("the demo goes into an empty database only", held)
    year = Year.ending(now or SystemClock().now())
    report = DemoReport(seed=seed, now=year.now)
    demo_workforce.ensure_teams(db, now=year.now)
    report.users = _users(db, seed, year.now)
    with db.write() as s:
        brand_ids = store.write_brands(s, year.now)
    maker = OrderMaker(seed, year, brand_ids)
    ticket_maker = TicketMaker(seed, maker.planted, _agent_ids(db), year.now_epoch)
    tally = _Tally(maker)
    per_day = year.orders_per_day(orders)
    pending: list[TicketPlan] = []
    done = 0
    # Writing in a second thread while the next chunk is made was tried: slower on both
    # backends (the GIL), so chunks are made and written in turn.
    for first, last in _chunks(per_day, chunk):
        made = [o for day in range(first, last) for o in maker.day(day, per_day[day])]
        quota = tickets * (done + len(made)) // orders - tickets * done // orders
        plans = ticket_maker.choose(made, quota)
        tally.add(made, plans)
        pending += plans
        done += len(made)
        boundary = year.day_start(last) if last < len(per_day) else float("inf")
        ready = sorted((p for p in pending if p.story.created < boundary), key=_created)
        pending = [p for p in pending if p.story.created >= boundary]
        customers, maker.new_customers = maker.new_customers, []
        chunk_counts = _write_chunk(db, brand_ids, customers, made, ready)
        report.counts = _written(report.counts, chunk_counts, progress, orders, tickets)
    report.counts |= {
        "brands": len(brand_ids),
        "b2b_brands": sum(b.is_b2b for b in BRANDS),
        "users": len(report.users),
    }
    report.orders_by_country = dict(tally.countries)
    report.tickets_by_language = dict(tally.languages)
    report.tickets_by_status = dict(tally.statuses)
    report.planted = tally.planted(year, ticket_maker)
    progress("roster and service levels", 0, 1)
    workforce_started = time.perf_counter()
    report.workforce = demo_workforce.load_workforce(
        db, seed=seed, now=year.now, agents=_agent_profiles(db)
    )
    wc = report.workforce.counts
    report.counts |= wc | {"shifts": wc.get("published_shifts", 0) + wc.get("draft_shifts", 0)}
    report.workforce_seconds = time.perf_counter() - workforce_started
    report.counts["tickets_with_sla"] = demo_sla.load_sla(db, now=year.now, brand_ids=brand_ids)
    progress("roster and service levels", 1, 1)
    report.seconds = time.perf_counter() - started
    return report


def _write_chunk(
    db: Database,
    brand_ids: dict[str, int],
    customers: list[Customer],
    orders: list[Order],
    tickets: list[TicketPlan],
) -> dict[str, int]:
    """One chunk in one transaction: its orders, then the tickets whose turn has come."""
    with db.write() as s:
        writer = Writer(s, db.is_postgres)
        counts = write_orders(writer, brand_ids, customers, orders)
        return _add(counts, write_tickets(writer, brand_ids, tickets))


def _written(
    counts: dict[str, int], chunk: dict[str, int], progress: Progress, orders: int, tickets: int
) -> dict[str, int]:
    counts = _add(counts, chunk)
    progress("orders", counts["orders"], orders)
    progress("tickets", counts["tickets"], tickets)
    return counts


def _created(plan: TicketPlan) -> float:
    return plan.story.created


def _add(counts: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    return {k: counts.get(k, 0) + more.get(k, 0) for k in counts.keys() | more.keys()}


def _chunks(per_day: list[int], size: int) -> list[tuple[int, int]]:
    """Runs of whole days holding about `size` orders each: (first day, day after last)."""
    out, first, held = [], 0, 0
    for day, n in enumerate(per_day):
        held += n
        if held >= size:
            out.append((first, day + 1))
            first, held = day + 1, 0
    if first < len(per_day):
        out.append((first, len(per_day)))
    return out


class _Tally:
    """What the summary tells: the mix, and how the planted problems came out."""

    def __init__(self, maker: OrderMaker) -> None:
        self.maker = maker
        self.countries: Counter[str] = Counter()
        self.languages: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self.units: Counter[bool] = Counter()  # delivered units of the planted SKU, by planted
        self.quality: Counter[bool] = Counter()  # its quality complaints, by planted
        self.failure: Counter[str] = Counter()  # the failing carrier's fortnight

    def add(self, orders: list[Order], plans: list[TicketPlan]) -> None:
        window = self.maker.planted
        for o in orders:
            self.countries[o.market.country] += 1
            if o.delivered is not None:
                for x in o.lines:
                    if x.product.sku == PLANTED_SKU:
                        self.units[x.planted] += x.quantity
            if (
                o.carrier == PLANTED_CARRIER
                and o.market.country == PLANTED_COUNTRY
                and o.customer.region == PLANTED_REGION
                and o.shipped is not None
                and window.failure_start <= o.shipped < window.failure_end
            ):
                self.failure["shipments"] += 1
                self.failure["exceptions"] += o.shipment_status == "exception"
                self.failure["late"] += o.late
        for p in plans:
            self.languages[p.order.customer.language] += 1
            self.statuses[p.story.status] += 1
            if p.category == "quality" and p.line is not None and p.line.product.sku == PLANTED_SKU:
                self.quality[p.line.planted] += 1

    def planted(self, year: Year, tickets: TicketMaker) -> list[str]:
        window = self.maker.planted

        def rate(planted: bool) -> float:
            return self.quality[planted] / self.units[planted] if self.units[planted] else 0.0

        start = instant(window.failure_start)
        f = self.failure
        return [
            f"quality: {PLANTED_SKU} batch {window.batch} has {self.quality[True]:,} quality"
            f" complaints for {self.units[True]:,} delivered units ({rate(True):.1%}), against"
            f" {rate(False):.1%} for the SKU's other batches",
            f"logistics: {PLANTED_CARRIER} in {PLANTED_REGION}, {PLANTED_COUNTRY} failed for"
            f" {FAILURE_DAYS} days from {start:%d %b %Y}: {f['exceptions']:,} of"
            f" {f['shipments']:,} parcels stuck as exceptions, {f['late']:,} late;"
            f" {tickets.counts['failure_logistics']:,} logistics complaints about them",
            f"peak: Black Friday {year.black_friday:%d %b %Y} and Cyber Monday",
        ]
