"""Routing benchmark: how long a routing decision takes, alone, with the database, and end to end.

Three parts, each printed as it finishes, with the machine and settings it ran on:

- decision: the pure policy `routing.model.choose()` over AGENTS (500) on-duty candidates
  (languages en/fr/de/es/sw, some skills, capacities 5-15, loads 0..capacity) for 10,000
  waiting tickets sorted with `queue_key`, timed call by call, for both strategies; the
  candidates are a fixed snapshot (loads do not grow as tickets are given out).
- db: `routing.actions.route_ticket` on a fresh, migrated database per backend (a temporary
  SQLite file; a scratch PostgreSQL database `careloop_bench_routing`, dropped afterwards) with
  500 agents on duty (users, agents, published shifts and open clock-ins written in bulk) and
  2,000 queued tickets (`create_tickets_batch`); 1,000 of them, in queue order, are routed one
  by one. Each call is one transaction: the ticket's lock, the on-duty query, the agent's lock
  and re-count, the assignment and its audit row.
- db, batches: `routing.actions.route_tickets` over the next 1,000 queued tickets in queue
  order, `BATCH` (100) to a transaction against one snapshot, as the queue sweep and the
  request router do; the time per ticket is the batch's time over its size.
- http: `careloop serve` per backend (PostgreSQL: two workers) with --agents (50) agents on
  duty, made through the API as an admin (agents, published shifts, clock-ins; capacity 200),
  then tickets posted at a steady target rate from one asyncio process with aiohttp's client
  on keep-alive connections, at most --connections (32) in flight (256 made the server
  thrash: half the throughput). The client's CPU per request is printed ("client", ms): about
  0.3 ms, against 0.14 ms for the hand-written HTTP/1.1 client it replaced and ~5 ms of the
  server's, so on a shared two-core machine the load generator takes about 6% of what it
  measures; a maintained client is worth that (httpx took as much CPU as the server). Each request
  hands its committed ticket to the server process's router thread, which routes whatever is
  pending as one batch, and answers with it; so the round trip of a ticket that comes back
  with `assignee_id` set is its create-to-assigned latency. "per tx" is the tickets routing
  assigned per routing transaction over the run (the audit rows of one batch share its
  instant). Requests go out on schedule whether or not earlier ones have answered (an open
  loop), so a server that falls behind shows it in the latency.

    .venv/bin/python bench/routing.py [--part decision,db,http] [--backends sqlite,postgresql]
                                      [--rate 200] [--seconds 10] [--connections 32]
                                      [--agents 50] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from sqlalchemy import distinct, func, insert, select, text

from careloop.accounts.model import Role
from careloop.accounts.tables import User
from careloop.routing.actions import BATCH, route_ticket, route_tickets, waiting_tickets
from careloop.routing.model import (
    LANGUAGE_FALLBACK,
    Candidate,
    RoutingPolicy,
    Strategy,
    TicketToRoute,
    choose,
    queue_key,
)
from careloop.storage.audit import Actor, AuditEntry
from careloop.storage.engine import Database
from careloop.storage.migrate import upgrade
from careloop.tickets.actions import create_tickets_batch
from careloop.tickets.model import Category, Channel, Priority
from careloop.workforce.model import ShiftStatus
from careloop.workforce.tables import Agent, ClockInRow, Shift
from intake import (  # bench/ is on the path of its scripts
    PG_WORKERS,
    SERVER_GROUPS,
    _careloop,
    _database,
    _load,
    _machine,
    _percentile,
    _postgres_facts,
    _server,
    _ticket,
    cpu_seconds,
)

BENCH_DB = "careloop_bench_routing"
LANGS = ["en", "fr", "de", "es", "sw"]
SKILL_SETS: list[tuple[str, ...]] = [  # most agents take everything; some are specialists
    *[()] * 6,
    ("category:quality",),
    ("channel:chat",),
    ("category:quality", "channel:chat"),
    ("category:refund", "category:wrong_item"),
]
CHANNELS = [Channel.EMAIL, Channel.CHAT, Channel.WEB_FORM, Channel.SOCIAL, Channel.PHONE]
PRIORITIES = [Priority.NORMAL] * 5 + [Priority.HIGH] * 2 + [Priority.LOW, Priority.URGENT]
DECISION_AGENTS = 500
DECISION_TICKETS = 10_000
DB_AGENTS = 500
DB_TICKETS = 2_000
DB_ROUTED = 1_000
HTTP_AGENTS = 50
HTTP_CAPACITY = 200
WARMUP_SECONDS = 1.0
NOW = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)  # the decision and db parts run at this instant


def _pct(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    return _percentile(ordered, 0.50), _percentile(ordered, 0.99), ordered[-1] if ordered else 0.0


def _languages(rng: random.Random) -> list[str]:
    """One or two languages; English for most, so nobody is left without a speaker."""
    first = "en" if rng.random() < 0.6 else rng.choice(LANGS)
    second = rng.choice(LANGS)
    return [first] if second == first or rng.random() < 0.3 else [first, second]


# ---------------------------------------------------------------- part 1: the pure decision


def _candidates(rng: random.Random, count: int) -> list[Candidate]:
    out = []
    for n in range(1, count + 1):
        capacity = rng.randint(5, 15)
        assigned = None
        if rng.random() < 0.85:
            assigned = NOW - timedelta(seconds=rng.uniform(0, 8 * 3600))
        out.append(
            Candidate(
                agent_id=n,
                languages=tuple(_languages(rng)),
                skills=rng.choice(SKILL_SETS),
                capacity=capacity,
                open_tickets=rng.randint(0, capacity),
                last_assigned_at=assigned,
            )
        )
    return out


def _tickets(rng: random.Random, count: int) -> list[TicketToRoute]:
    out = []
    for n in range(1, count + 1):
        queued = NOW - timedelta(seconds=rng.uniform(0, 30 * 60))  # a third past the fallback
        out.append(
            TicketToRoute(
                ticket_id=n,
                language=_ticket_language(rng),
                category=None if rng.random() < 0.1 else rng.choice(list(Category)).value,
                channel=rng.choice(CHANNELS).value,
                brand_id=None,
                priority=rng.choice(PRIORITIES),
                queued_since=queued,
                sla_due=queued + timedelta(hours=rng.choice([1, 4, 24]))
                if rng.random() < 0.5
                else None,
            )
        )
    return out


def _ticket_language(rng: random.Random) -> str | None:
    """Mostly the agents' languages; a few tickets in none (anyone may take them), and a few in
    Portuguese, which nobody speaks: queued until they have waited long enough for the
    English fallback (the slower path, which scans the candidates twice)."""
    roll = rng.random()
    if roll < 0.05:
        return None
    if roll < 0.08:
        return "pt"
    return rng.choice(LANGS)


def part_decision() -> list[dict[str, Any]]:
    rng = random.Random(11)
    candidates = _candidates(rng, DECISION_AGENTS)
    tickets = _tickets(rng, DECISION_TICKETS)
    began = time.perf_counter_ns()
    queue = sorted(tickets, key=queue_key)
    sort_ms = (time.perf_counter_ns() - began) / 1e6
    free = sum(c.open_tickets < c.capacity for c in candidates)
    print(
        f"decision: {len(candidates)} candidates ({free} below capacity, "
        f"{sum(bool(c.skills) for c in candidates)} with skills), {len(queue):,} tickets; "
        f"queue sorted with queue_key in {sort_ms:.1f} ms"
    )
    rows = []
    for strategy in (Strategy.LEAST_LOADED, Strategy.ROUND_ROBIN):
        policy = RoutingPolicy(strategy=strategy)
        for ticket in queue[:200]:  # warm up
            choose(ticket, candidates, policy, NOW)
        times: list[float] = []
        outcomes = {"assigned": 0, "fallback": 0, "queued": 0}
        after: int | None = None
        for ticket in queue:
            t0 = time.perf_counter_ns()
            decision = choose(ticket, candidates, policy, NOW, after_agent_id=after)
            times.append((time.perf_counter_ns() - t0) / 1000)
            if decision is None:
                outcomes["queued"] += 1
            else:
                after = decision.agent_id
                kind = "fallback" if decision.reason == LANGUAGE_FALLBACK else "assigned"
                outcomes[kind] += 1
        p50, p99, most = _pct(times)
        rows.append({"strategy": strategy.value, "p50": p50, "p99": p99, "max": most, **outcomes})
    print(
        f"\n{'strategy':<13} {'decisions':>9} {'p50 us':>8} {'p99 us':>8} {'max us':>8}"
        f"  {'assigned':>8} {'fallback':>8} {'queued':>7}"
    )
    for r in rows:
        print(
            f"{r['strategy']:<13} {DECISION_TICKETS:>9,} {r['p50']:>8.1f} {r['p99']:>8.1f}"
            f" {r['max']:>8.1f}  {r['assigned']:>8,} {r['fallback']:>8,} {r['queued']:>7,}"
        )
    return rows


# ---------------------------------------------------------------- part 1: with the database


def _fill(db: Database, agents: int, rng: random.Random) -> None:
    """Agents on duty at NOW, written in bulk: a published 06:00-14:00 shift and an open
    clock-in from 06:00 that lapses at 14:30."""
    starts, ends = NOW - timedelta(hours=3), NOW + timedelta(hours=5)
    made = NOW - timedelta(days=30)
    users, profiles, shifts, clock_ins = [], [], [], []
    for n in range(1, agents + 1):
        users.append(
            {
                "id": n,
                "email": f"agent{n}@bench.example",
                "name": f"Agent {n:05d}",
                "role": Role.AGENT,
                "password_hash": None,
                "timezone": "UTC",
                "locale": "en",
                "active": True,
                "created_at": made,
            }
        )
        profiles.append(
            {
                "user_id": n,
                "team_id": None,
                "languages": _languages(rng),
                "skills": list(rng.choice(SKILL_SETS)),
                "timezone": "UTC",
                "country": None,
                "capacity": rng.randint(5, 15),
                "calendar_token": f"bench-{n}",
                "active": True,
                "last_assigned_at": None,
                "created_at": made,
                "updated_at": made,
            }
        )
        shifts.append(
            {
                "agent_id": n,
                "starts_at": starts,
                "ends_at": ends,
                "status": ShiftStatus.PUBLISHED,
                "skills": None,
                "breaks": [],
                "created_at": made,
                "updated_at": made,
                "published_at": made,
            }
        )
        clock_ins.append(
            {
                "agent_id": n,
                "clocked_in_at": starts,
                "clocked_out_at": None,
                "expires_at": ends + timedelta(minutes=30),
                "clock_out_reason": None,
            }
        )
    with db.write() as s:
        for table, rows in (
            (User, users),
            (Agent, profiles),
            (Shift, shifts),
            (ClockInRow, clock_ins),
        ):
            s.execute(insert(table), rows)


def _queue(db: Database, count: int, rng: random.Random) -> None:
    """Waiting tickets opened a minute before NOW, through the batch action (audited)."""
    actor = Actor(user_id=None, label="bench")
    for first in range(0, count, 500):
        items = []
        for n in range(first, min(count, first + 500)):
            items.append(
                {
                    "subject": f"Bench ticket {n}",
                    "body": "Hello, something went wrong with my order.",
                    "channel": rng.choice(CHANNELS).value,
                    "category": rng.choice(list(Category)).value,
                    "priority": rng.choice(PRIORITIES).value,
                    "language": rng.choice(LANGS),
                }
            )
        results, _ = create_tickets_batch(
            db, actor=actor, now=NOW - timedelta(minutes=1), items=items
        )
        refused = [e for _, t, e in results if t is None]
        if refused:
            raise RuntimeError(f"{len(refused)} bench tickets refused: {refused[0]}")


def part_db(backend: str, postgres_url: str, scratch: Path) -> dict[str, Any]:
    with _database(backend, postgres_url, scratch, BENCH_DB) as url:
        upgrade(url)
        db = Database(url)
        try:
            rng = random.Random(13)
            began = time.perf_counter()
            _fill(db, DB_AGENTS, rng)
            _queue(db, DB_TICKETS, rng)
            if backend == "postgresql":
                with db.engine.connect() as conn:
                    conn.execute(text("ANALYZE"))
                    conn.commit()
            print(
                f"db {backend}: {DB_AGENTS} agents on duty and {DB_TICKETS:,} queued tickets"
                f" written in {time.perf_counter() - began:.1f} s",
                file=sys.stderr,
            )
            order = waiting_tickets(db, limit=DB_ROUTED)
            times: list[float] = []
            outcomes = {"assigned": 0, "fallback": 0, "queued": 0}
            for ticket_id in order:
                t0 = time.perf_counter_ns()
                decision = route_ticket(db, ticket_id=ticket_id, now=NOW)
                times.append((time.perf_counter_ns() - t0) / 1e6)
                if decision is None:
                    outcomes["queued"] += 1
                else:
                    kind = "fallback" if decision.reason == LANGUAGE_FALLBACK else "assigned"
                    outcomes[kind] += 1
            batches = _route_in_batches(db, waiting_tickets(db, limit=DB_ROUTED))
        finally:
            db.engine.dispose()
    p50, p99, most = _pct(times)
    return {"backend": backend, "routed": len(order), "p50": p50, "p99": p99, "max": most} | (
        outcomes | {"batches": batches}
    )


def _route_in_batches(db: Database, order: list[int]) -> dict[str, float]:
    """The queue routed `BATCH` tickets to a transaction: ms per batch and per ticket."""
    per_batch: list[float] = []
    assigned = 0
    for start in range(0, len(order), BATCH):
        chunk = order[start : start + BATCH]
        t0 = time.perf_counter_ns()
        assigned += len(route_tickets(db, ticket_ids=chunk, now=NOW))
        per_batch.append((time.perf_counter_ns() - t0) / 1e6)
    p50, _, _ = _pct(per_batch)
    return {
        "tickets": len(order),
        "assigned": assigned,
        "batch_p50": p50,
        "batch_max": max(per_batch, default=0.0),
        "per_ticket": sum(per_batch) / len(order) if order else 0.0,
    }


def _print_db(rows: list[dict[str, Any]]) -> None:
    print(
        f"\n{'backend':<11} {'calls':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        f"  {'assigned':>8} {'queued':>7}"
    )
    for r in rows:
        print(
            f"{r['backend']:<11} {r['routed']:>6,} {r['p50']:>8.2f} {r['p99']:>8.2f}"
            f" {r['max']:>8.2f}  {r['assigned'] + r['fallback']:>8,} {r['queued']:>7,}"
        )
    print(
        f"\nroute_tickets, {BATCH} tickets to a transaction (one snapshot each):\n"
        f"{'backend':<11} {'tickets':>7} {'assigned':>8} {'batch p50 ms':>12}"
        f" {'batch max ms':>12} {'ms per ticket':>13}"
    )
    for r in rows:
        b = r["batches"]
        print(
            f"{r['backend']:<11} {b['tickets']:>7,} {b['assigned']:>8,} {b['batch_p50']:>12.1f}"
            f" {b['batch_max']:>12.1f} {b['per_ticket']:>13.2f}"
        )


# ---------------------------------------------------------------- part 2: over HTTP


def _on_duty_through_api(base_url: str, token: str, agents: int, hold: timedelta) -> int:
    """Agents, published shifts covering the run, and clock-ins, as an admin would make them."""
    now = datetime.now(UTC)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as http:
        for n in range(agents):
            body = {
                "name": f"Bench Agent {n:03d}",
                "email": f"bench.agent{n}@example.com",
                # intake's tickets speak en, fr, de and sw: every language has speakers
                "languages": ["en", ["fr", "de", "sw", "es"][n % 4]],
                "skills": list(SKILL_SETS[n % len(SKILL_SETS)]),
                "timezone": "UTC",
                "capacity": HTTP_CAPACITY,
            }
            agent = _ok(http.post("/api/v1/agents", json=body))
            shift = {
                "agent_id": agent["id"],
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + hold).isoformat(),
            }
            _ok(http.post("/api/v1/shifts", json=shift))
            _ok(http.post(f"/api/v1/agents/{agent['id']}/clock-in"))
        return len(_ok(http.get("/api/v1/on-duty"))["items"])


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.url}: HTTP {response.status_code} {response.text}")
    return response.json()


async def _post(http: aiohttp.ClientSession, url: str, body: bytes, out: dict[str, Any]) -> None:
    began = time.perf_counter()  # waiting for a free connection counts in the latency
    try:
        async with http.post(url, data=body) as response:
            status, payload = response.status, await response.read()
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        out["errors"][type(exc).__name__] = out["errors"].get(type(exc).__name__, 0) + 1
        return
    elapsed = (time.perf_counter() - began) * 1000
    out["last"] = time.perf_counter()
    if status != 201:
        kind = f"HTTP {status}"
        out["errors"][kind] = out["errors"].get(kind, 0) + 1
        out["sample"] = out["sample"] or payload[:300].decode(errors="replace")
        return
    out["all"].append(elapsed)
    if json.loads(payload).get("assignee_id") is not None:
        out["assigned"].append(elapsed)


def _cpu_meter(base_url: str, backend: str) -> Callable[[], tuple[float, float]]:
    """CPU seconds so far of the server's process group and of the database's processes."""
    group = SERVER_GROUPS[base_url]
    database = "postgres" if backend == "postgresql" else None
    return lambda: (cpu_seconds(group=group), cpu_seconds(command=database) if database else 0.0)


async def _open_loop(
    base_url: str,
    token: str,
    rate: float,
    seconds: float,
    connections: int,
    bodies: list[bytes],
    cpu: Callable[[], tuple[float, float]],
) -> dict[str, Any]:
    """Post at `rate` for `seconds` on at most `connections` keep-alive connections; a request
    due while all are busy waits for one (aiohttp's connector queues it), and that wait counts
    in its latency. The client's own CPU time per request is measured and reported."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    timeout = aiohttp.ClientTimeout(total=120)
    url = f"{base_url}/api/v1/tickets"
    n = 0
    results = []
    async with aiohttp.ClientSession(
        headers=headers, connector=connector, timeout=timeout, skip_auto_headers=("User-Agent",)
    ) as http:
        for span in (WARMUP_SECONDS, seconds):
            out: dict[str, Any] = {"all": [], "assigned": [], "errors": {}, "sample": ""}
            tasks = []
            total = int(rate * span)
            began, cpu_began = time.perf_counter(), time.process_time()
            server_began, database_began = cpu()
            for i in range(total):
                delay = began + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                task = asyncio.create_task(_post(http, url, bodies[n % len(bodies)], out))
                tasks.append(task)
                n += 1
            out["sent_seconds"] = time.perf_counter() - began
            await asyncio.wait(tasks, timeout=120)
            out["seconds"] = out.get("last", time.perf_counter()) - began
            out["sent"] = total
            out["client_cpu_ms"] = (time.process_time() - cpu_began) * 1000 / max(total, 1)
            server_end, database_end = cpu()
            out["server_cpu_ms"] = (server_end - server_began) * 1000 / max(total, 1)
            out["database_cpu_ms"] = (database_end - database_began) * 1000 / max(total, 1)
            results.append(out)
    return results[-1]


def _run(coroutine: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    """asyncio.run on uvloop when it is installed (as uvicorn uses it): a lighter client."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def part_http(
    backend: str, args: argparse.Namespace, scratch: Path, setup: dict[str, Any]
) -> dict[str, Any]:
    workers = PG_WORKERS if backend == "postgresql" else 1
    if backend == "sqlite":
        setup["sqlite"] = {
            "version": sqlite3.sqlite_version,
            "mode": "WAL, synchronous=NORMAL, one server process",
        }
    else:
        setup["postgresql"] = _postgres_facts(args.postgres_url) | {"server_workers": workers}
    log = scratch / f"{backend}-routing-server.log"
    rng = random.Random(19)
    bodies = [json.dumps(_ticket(rng, n)).encode() for n in range(500)]
    with _database(backend, args.postgres_url, scratch, BENCH_DB) as url:
        _careloop("migrate", "--database-url", url)
        issued = _careloop(
            "token", "create", "--role", "admin", "--name", "bench", "--database-url", url
        )
        token = issued.strip().splitlines()[-1]
        with _server(url, workers, log) as base_url:
            hold = timedelta(seconds=args.seconds + 3600)
            on_duty = _on_duty_through_api(base_url, token, args.agents, hold)
            print(
                f"http {backend}: {on_duty} agents on duty; posting {args.rate:g} tickets/s"
                f" for {args.seconds:g} s ...",
                file=sys.stderr,
            )
            out = _run(
                _open_loop(
                    base_url,
                    token,
                    args.rate,
                    args.seconds,
                    args.connections,
                    bodies,
                    _cpu_meter(base_url, backend),
                )
            )
        assigned_rows, transactions = _routing_transactions(url)
    errors = sum(out["errors"].values())
    if errors:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        print(f"--- the last lines of the {backend} server's log ---\n{tail}", file=sys.stderr)
    p50, p99, _ = _pct(out["assigned"])
    all50, all99, _ = _pct(out["all"])
    return {
        "backend": backend,
        "on_duty": on_duty,
        "sent": out["sent"],
        "sent_rate": out["sent"] / out["sent_seconds"],
        "rate": len(out["all"]) / out["seconds"] if out["seconds"] else 0.0,
        "created": len(out["all"]),
        "assigned": len(out["assigned"]),
        "p50": p50,
        "p99": p99,
        "all_p50": all50,
        "all_p99": all99,
        "per_transaction": assigned_rows / transactions if transactions else 0.0,
        "errors": errors,
        "error_kinds": out["errors"],
        "error_sample": out["sample"],
        "client_cpu_ms": out["client_cpu_ms"],
        "server_cpu_ms": out["server_cpu_ms"],
        "database_cpu_ms": out["database_cpu_ms"],
    }


def _routing_transactions(url: str) -> tuple[int, int]:
    """Tickets routing assigned over the whole run (set-up and warm-up included) and the
    routing transactions that did it: a batch's audit rows share its instant."""
    db = Database(url)
    try:
        with db.read() as s:
            row = s.execute(
                select(func.count(), func.count(distinct(AuditEntry.at))).where(
                    AuditEntry.entity_type == "ticket",
                    AuditEntry.action == "assigned",
                    AuditEntry.actor_label == "routing",
                )
            ).one()
        return int(row[0]), int(row[1])
    finally:
        db.dispose()


def _print_http(rows: list[dict[str, Any]]) -> None:
    print(
        f"\n{'backend':<11} {'agents':>6} {'target/s':>8} {'sent':>6} {'done/s':>7}"
        f" {'assigned':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'per tx':>6}"
        f" {'client':>6} {'server':>6} {'db':>5}   (all 201s: p50 / p99 ms)"
    )
    for r in rows:
        share = r["assigned"] / r["created"] if r["created"] else 0.0
        print(
            f"{r['backend']:<11} {r['on_duty']:>6} {r['sent_rate']:>8.0f} {r['sent']:>6,}"
            f" {r['rate']:>7.0f} {share:>8.1%} {r['p50']:>8.1f} {r['p99']:>8.1f}"
            f" {r['errors']:>6} {r['per_transaction']:>6.1f} {r['client_cpu_ms']:>6.2f}"
            f" {r['server_cpu_ms']:>6.2f} {r['database_cpu_ms']:>5.2f}"
            f"   ({r['all_p50']:.1f} / {r['all_p99']:.1f})"
        )
    for r in rows:
        if r["errors"]:
            kinds = ", ".join(f"{k}: {v}" for k, v in r["error_kinds"].items())
            print(f"errors, {r['backend']}: {kinds}; first: {r['error_sample']}")


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", default="decision,db,http", help="decision, db, http")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--rate", type=float, default=200.0, help="tickets per second (http)")
    parser.add_argument("--seconds", type=float, default=10.0, help="of sustained load (http)")
    parser.add_argument(
        "--connections", type=int, default=32, help="most requests in flight at once (http)"
    )
    parser.add_argument("--agents", type=int, default=HTTP_AGENTS, help="agents on duty (http)")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    parts = [p.strip() for p in args.part.split(",") if p.strip()]
    if not parts or set(parts) - {"decision", "db", "http"}:
        parser.error("parts are decision, db and http")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not backends or set(backends) - {"sqlite", "postgresql"}:
        parser.error("backends are sqlite and postgresql")
    if args.rate <= 0 or args.seconds <= 0 or args.connections < 1 or args.agents < 1:
        parser.error("--rate, --seconds, --connections and --agents must be positive")

    setup: dict[str, Any] = {"machine": _machine()}
    setup["settings"] = {
        "parts": ",".join(parts),
        "backends": ",".join(backends),
        "decision": f"{DECISION_AGENTS} candidates x {DECISION_TICKETS:,} tickets",
        "db": f"{DB_AGENTS} agents on duty, {DB_TICKETS:,} queued, {DB_ROUTED:,} routed",
        "http": f"{args.agents} agents (capacity {HTTP_CAPACITY}), {args.rate:g} tickets/s"
        f" for {args.seconds:g} s after {WARMUP_SECONDS:g} s of warm-up, open loop on at most"
        f" {args.connections} connections,"
        f" one asyncio aiohttp {aiohttp.__version__} process on the same machine, to 127.0.0.1",
    }
    print("setup:")
    for section in ("machine", "settings"):
        print(f"  {section}: " + ", ".join(f"{k}={v}" for k, v in setup[section].items()))
    if "postgresql" in backends and {"db", "http"} & set(parts):
        print(f"  postgresql: {_postgres_facts(args.postgres_url)}")
    print()

    if "decision" in parts:
        part_decision()
        print()
    with tempfile.TemporaryDirectory(prefix="careloop-bench-") as tmp:
        if "db" in parts:
            print("route_ticket (one transaction per ticket, in process):")
            _print_db([part_db(b, args.postgres_url, Path(tmp)) for b in backends])
            print()
        if "http" in parts:
            print("create-to-assigned over HTTP (POST /api/v1/tickets, routed in the request):")
            rows = [part_http(b, args, Path(tmp), setup) for b in backends]
            _print_http(rows)
            print()
    for section in ("sqlite", "postgresql"):
        if section in setup:
            print(f"{section}: " + ", ".join(f"{k}={v}" for k, v in setup[section].items()))
    print(f"load average at end: {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
