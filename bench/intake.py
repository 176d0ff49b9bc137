"""Ticket intake benchmark: tickets/s and latency of POST /api/v1/tickets and /tickets/batch.

For each backend it creates a fresh database (a temporary SQLite file; a scratch PostgreSQL
database `careloop_bench`, dropped afterwards), runs `careloop migrate`, creates an integrator
token, starts `careloop serve` on a free loopback port (PostgreSQL: two worker processes),
then lets concurrent clients post tickets for a fixed time, single creates first and batches
of 100 second. It prints one row per backend and scenario, and the machine and settings it
ran on. The load goes to 127.0.0.1 only, and the run stops by itself.

    .venv/bin/python bench/intake.py [--backends sqlite,postgresql] [--seconds 20]
                                     [--clients 16] [--postgres-url URL] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

import careloop

BENCH_DB = "careloop_bench"
BATCH_SIZE = 100
WARMUP_SECONDS = 2.0
PG_WORKERS = 2
LANGS = [("en", "US"), ("en", "GB"), ("fr", "FR"), ("de", "DE"), ("en", "NG"), ("sw", "KE")]
SUBJECTS = ["Where is my order?", "Wig shedding a lot", "Wrong length received", "Refund status"]
CATEGORIES = ["logistics", "quality", "wrong_item", "size_color", "refund", "other"]
CHANNELS = ["email", "chat", "web_form", "social"]


@dataclass
class Result:
    backend: str
    scenario: str
    clients: int
    requests: int
    tickets: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    error_kinds: dict[str, int] = field(default_factory=dict)
    error_sample: str = ""
    tickets_per_s: float = field(init=False)

    def __post_init__(self) -> None:
        self.tickets_per_s = self.tickets / self.seconds if self.seconds else 0.0


# ---------------------------------------------------------------- the load


def _ticket(rng: random.Random, n: int) -> dict[str, Any]:
    who = rng.randrange(5_000)  # customers come back: some e-mails repeat
    language, country = LANGS[who % len(LANGS)]  # and keep their country and language
    return {
        "subject": f"{rng.choice(SUBJECTS)} (order LH-{100_000 + n})",
        "body": "Hello, I ordered a lace front wig and " + "something went wrong. " * 8,
        "channel": rng.choice(CHANNELS),
        "category": rng.choice(CATEGORIES),
        "priority": rng.choice(["normal", "normal", "high", "low"]),
        "language": language,
        "country": country,
        "customer": {
            "email": f"customer{who}@example.com",
            "name": f"Customer {who}",
            "country": country,
            "language": language,
        },
        "tags": ["bench", rng.choice(["vip", "repeat_customer", "new_customer"])],
        "custom_fields": {"order_number": f"LH-{100_000 + n}"},
        "external_ref": f"bench-{n}",
    }


def _payloads(batch: bool, count: int = 200) -> list[bytes]:
    """Request bodies made before the clock starts, so the clients spend little CPU."""
    rng = random.Random(1)
    if not batch:
        return [json.dumps(_ticket(rng, n)).encode() for n in range(count)]
    return [
        json.dumps(
            {"tickets": [_ticket(rng, n * BATCH_SIZE + i) for i in range(BATCH_SIZE)]}
        ).encode()
        for n in range(count // 10)
    ]


async def _client(
    http: httpx.AsyncClient,
    path: str,
    bodies: list[bytes],
    start: int,
    until: float,
    batch: bool,
    out: dict[str, Any],
) -> None:
    n = start
    while time.perf_counter() < until:
        body = bodies[n % len(bodies)]
        n += 1
        began = time.perf_counter()
        try:
            response = await http.post(path, content=body)
        except httpx.HTTPError as exc:
            _error(out, type(exc).__name__, repr(exc))
            continue
        out["latencies"].append(time.perf_counter() - began)
        if batch and response.status_code == 200:
            created = response.json()["created"]
            out["tickets"] += created
            if created < BATCH_SIZE:
                _error(out, "batch item refused", response.text[:300])
        elif not batch and response.status_code == 201:
            out["tickets"] += 1
        else:
            _error(out, f"HTTP {response.status_code}", response.text[:300])


def _error(out: dict[str, Any], kind: str, sample: str) -> None:
    out["errors"] += 1
    out["kinds"][kind] = out["kinds"].get(kind, 0) + 1
    out["sample"] = out["sample"] or sample


async def _scenario(
    base_url: str, token: str, backend: str, batch: bool, clients: int, seconds: float
) -> Result:
    path = "/api/v1/tickets/batch" if batch else "/api/v1/tickets"
    bodies = _payloads(batch)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=60
    ) as http:
        warm: dict[str, Any] = {
            "latencies": [],
            "tickets": 0,
            "errors": 0,
            "kinds": {},
            "sample": "",
        }
        until = time.perf_counter() + WARMUP_SECONDS
        await asyncio.gather(
            *(_client(http, path, bodies, i * 7, until, batch, warm) for i in range(clients))
        )
        out: dict[str, Any] = {
            "latencies": [],
            "tickets": 0,
            "errors": 0,
            "kinds": {},
            "sample": "",
        }
        began = time.perf_counter()
        until = began + seconds
        await asyncio.gather(
            *(_client(http, path, bodies, i * 11, until, batch, out) for i in range(clients))
        )
        elapsed = time.perf_counter() - began
    latencies = sorted(out["latencies"])
    return Result(
        backend=backend,
        scenario=f"batch of {BATCH_SIZE}" if batch else "single",
        clients=clients,
        requests=len(latencies),
        tickets=out["tickets"],
        errors=out["errors"],
        seconds=round(elapsed, 2),
        p50_ms=round(_percentile(latencies, 0.50) * 1000, 1),
        p99_ms=round(_percentile(latencies, 0.99) * 1000, 1),
        error_kinds=out["kinds"],
        error_sample=out["sample"],
    )


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(q * len(values)))]


# ---------------------------------------------------------------- the server


def _careloop(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "careloop.cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"careloop {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _server(database_url: str, workers: int, log: Path) -> Iterator[str]:
    """`careloop serve` in its own process group, stopped (with its workers) on the way out."""
    port = _free_port()
    env = dict(os.environ, CARELOOP_SECRET_KEY=secrets.token_urlsafe(32))
    command = [sys.executable, "-m", "careloop.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--database-url", database_url]
    with log.open("w") as sink:
        proc = subprocess.Popen(command, env=env, stdout=sink, stderr=sink, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"careloop serve exited:\n{log.read_text()}")
            try:
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("careloop serve did not answer /healthz within 60 s")
            time.sleep(0.2)
        SERVER_GROUPS[base_url] = proc.pid
        yield base_url
    finally:
        SERVER_GROUPS.pop(base_url, None)
        _stop(proc)


def cpu_seconds(group: int | None = None, command: str | None = None) -> float:
    """User plus system CPU seconds of the live processes in a process group, or of those whose
    command name is `command` (PostgreSQL's backends), read from /proc (Linux only)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        if (group is not None and int(fields[2]) == group) or name == command:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


SERVER_GROUPS: dict[str, int] = {}  # base URL -> the process group of the server behind it


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # the group holds only this server and its workers
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


# ---------------------------------------------------------------- the databases


@contextmanager
def _database(
    backend: str, postgres_url: str, scratch: Path, database: str = BENCH_DB
) -> Iterator[str]:
    """A fresh database for one run: a file in `scratch`, or a PostgreSQL database dropped after."""
    if backend == "sqlite":
        yield f"sqlite:///{scratch / (database + '.db')}"
        return
    admin = make_url(postgres_url).set(drivername="postgresql")
    conninfo = admin.render_as_string(hide_password=False)
    name = sql.Identifier(database)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    try:
        yield admin.set(database=database).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def _postgres_facts(postgres_url: str) -> dict[str, str]:
    conninfo = make_url(postgres_url).set(drivername="postgresql")
    with psycopg.connect(conninfo.render_as_string(hide_password=False)) as conn:
        facts = {"version": str(conn.execute("SHOW server_version").fetchone()[0])}  # type: ignore[index]
        for setting in ("shared_buffers", "synchronous_commit", "fsync", "max_connections"):
            row = conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(setting))).fetchone()
            facts[setting] = str(row[0]) if row else "?"
    return facts


# ---------------------------------------------------------------- the report


def _machine() -> dict[str, Any]:
    cpu_model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {
        "cpu": cpu_model,
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "careloop": careloop.__version__,
        "httpx": httpx.__version__,
        "load_average_at_start": _load(),
    }


def _load() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews the figures."""
    if not hasattr(os, "getloadavg"):
        return "unknown"
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _table(results: list[Result]) -> str:
    head = ("backend", "scenario", "clients", "requests", "tickets/s", "p50 ms", "p99 ms", "errors")
    rows = [
        (
            r.backend,
            r.scenario,
            str(r.clients),
            f"{r.requests:,}",
            f"{r.tickets_per_s:,.0f}",
            f"{r.p50_ms:.1f}",
            f"{r.p99_ms:.1f}",
            str(r.errors),
        )
        for r in results
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(head, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        cells = [
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells))
    return "\n".join(lines)


def _run_backend(
    backend: str,
    args: argparse.Namespace,
    scenarios: list[str],
    scratch: Path,
    setup: dict[str, Any],
) -> list[Result]:
    """A fresh database, a token and a server for one backend, then each scenario in turn."""
    workers = PG_WORKERS if backend == "postgresql" else 1
    if backend == "sqlite":
        setup["sqlite"] = {
            "version": sqlite3.sqlite_version,
            "mode": "WAL, synchronous=NORMAL, one server process",
        }
    else:
        setup["postgresql"] = _postgres_facts(args.postgres_url) | {
            "server_workers": workers,
            "pool_per_worker": "10 + 10 overflow",
        }
    print(f"{backend}: preparing a fresh database and the server ...", file=sys.stderr)
    results = []
    log = scratch / f"{backend}-server.log"
    with _database(backend, args.postgres_url, scratch) as url:
        _careloop("migrate", "--database-url", url)
        issued = _careloop(
            "token", "create", "--role", "integrator", "--name", "bench", "--database-url", url
        )
        token = issued.strip().splitlines()[-1]
        with _server(url, workers, log) as base_url:
            for kind in scenarios:
                print(f"{backend}: {kind} creates for {args.seconds:g} s ...", file=sys.stderr)
                scenario = _scenario(
                    base_url, token, backend, kind == "batch", args.clients, args.seconds
                )
                results.append(asyncio.run(scenario))
    if any(r.errors for r in results):
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-60:])
        print(f"--- the last lines of the {backend} server's log ---\n{tail}", file=sys.stderr)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=float, default=20.0, help="per scenario")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--scenarios", default="single,batch", help="single, batch or both")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--json", action="store_true", help="print a JSON object too")
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown or not backends:
        parser.error(f"backends are sqlite and postgresql, not {', '.join(sorted(unknown))}")
    scenarios = [x.strip() for x in args.scenarios.split(",") if x.strip()]
    if not scenarios or set(scenarios) - {"single", "batch"}:
        parser.error("scenarios are single and batch")
    if args.seconds <= 0 or args.clients < 1:
        parser.error("--seconds and --clients must be positive")

    setup: dict[str, Any] = {"machine": _machine(), "settings": {}}
    setup["settings"] = {
        "seconds_per_scenario": args.seconds,
        "warmup_seconds": WARMUP_SECONDS,
        "clients": args.clients,
        "batch_size": BATCH_SIZE,
        "load_generator": "one asyncio process with httpx on the same machine, to 127.0.0.1",
    }
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="careloop-bench-") as tmp:
        for backend in backends:
            results += _run_backend(backend, args, scenarios, Path(tmp), setup)

    setup["machine"]["load_average_at_end"] = _load()
    print(_table(results))
    for r in results:
        if r.errors:
            kinds = ", ".join(f"{k}: {v}" for k, v in r.error_kinds.items())
            print(f"errors, {r.backend} {r.scenario}: {kinds}; first: {r.error_sample}")
    print()
    print("setup:")
    for section in ("machine", "settings", "sqlite", "postgresql"):
        if section in setup:
            facts = ", ".join(f"{k}={v}" for k, v in setup[section].items())
            print(f"  {section}: {facts}")
    if args.json:
        print(json.dumps({"setup": setup, "results": [asdict(r) for r in results]}, indent=2))
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
