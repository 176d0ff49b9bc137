"""Alert delivery benchmark: from the transaction that enqueues a notification (the alert's
state change) to the request arriving at a local webhook receiver, p50/p99/max.

For each backend it creates a fresh database (a temporary SQLite file; with --postgres-url a
scratch PostgreSQL database `careloop_alerts_bench`, dropped afterwards), migrates it, creates
a webhook receiver pointing at a threaded HTTP server on a loopback port (answering 200 at
once), and starts the in-process delivery thread (alerts/notifier.py) on the real clock, as
`careloop serve` does; the periodic job is not running, so the figure is the woken path.
Notifications are then enqueued one per transaction at a fixed rate, and the clock runs from
just before each enqueueing transaction begins to the moment the receiver reads the request.
A second scenario enqueues a burst at once. Delivery of each key is checked (none lost).

The end-to-end part (--e2e N, 0 to skip) starts a real `careloop serve` (a subprocess, its
jobs, delivery thread and event-driven evaluator on the real clock) on the same kind of fresh
database, with a threshold rule (complaints > 0 per SKU and batch over 1 h), a routing tree
sending everything to the local receiver with group_wait 0, and an API token; then it posts N
tickets over HTTP, one per second, each for a new SKU and batch (a new series crossing the
rule), and times from just before the POST to the notification naming that series arriving
at the receiver: rollup refresh, evaluation, outbox, dispatch, all included.

    .venv/bin/python bench/alerts.py [--rate 20] [--count 400] [--burst 200] [--e2e 60]
                                     [--postgres-url URL] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from careloop.accounts import actions as accounts
from careloop.accounts.model import Role
from careloop.alerts import actions as alert_actions
from careloop.alerts import outbox, receivers
from careloop.alerts.message import AlertMessage, Figure, Severity
from careloop.alerts.notifier import DeliveryThread
from careloop.clock import SystemClock
from careloop.storage.audit import Actor
from careloop.storage.engine import Database, normalise_url
from careloop.storage.migrate import upgrade

BENCH_DB = "careloop_alerts_bench"
ACTOR = Actor(user_id=None, label="bench")


@dataclass
class Result:
    backend: str
    scenario: str
    notifications: int
    delivered: int
    p50_ms: float
    p99_ms: float
    max_ms: float


class Receiver:
    """A loopback webhook receiver that notes when each key's first request arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                now = time.monotonic()
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = self.headers.get("Idempotency-Key") or ""
                with owner.lock:
                    owner.arrived.setdefault(key, now)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _message(n: int) -> AlertMessage:
    return AlertMessage(
        title=f"Quality complaints above threshold (series {n})",
        severity=Severity.CRITICAL,
        summary="Complaints per 1,000 delivered over 4 h above 12.",
        figures=(Figure("Complaints", "37"), Figure("Per 1,000 delivered", "41.2")),
        labels={"sku": "WIG-BW-16", "batch": f"B{n:05d}", "category": "quality"},
    )


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, round(q * len(ordered) + 0.5))  # nearest rank
    return ordered[min(rank, len(ordered)) - 1]


def _run(db: Database, backend: str, scenario: str, count: int, rate: float | None) -> Result:
    hook = Receiver()
    clock = SystemClock()
    rid = receivers.create_receiver(
        db,
        actor=ACTOR,
        now=clock.now(),
        values={"name": f"bench {scenario}", "kind": "webhook", "url": hook.url},
    ).id
    thread = DeliveryThread(db, clock)
    thread.start()
    started: dict[str, float] = {}
    try:
        time.sleep(0.2)
        t0 = time.monotonic()
        for n in range(count):
            if rate:
                # Keep to the schedule (open loop): a late enqueue does not push the rest back.
                wait = t0 + n / rate - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            key = f"bench:{scenario}:{n}"
            started[key] = time.monotonic()
            with db.write() as s:
                outbox.enqueue_notification(
                    s, receiver_id=rid, key=key, message=_message(n), now=clock.now()
                )
        deadline = time.monotonic() + 60
        while len(hook.arrived) < count and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        thread.stop()
        hook.stop()
    latencies = [(hook.arrived[k] - t) * 1000 for k, t in started.items() if k in hook.arrived]
    return Result(
        backend,
        scenario,
        count,
        len(latencies),
        round(statistics.median(latencies), 1),
        round(_percentile(latencies, 0.99), 1),
        round(max(latencies), 1),
    )


class SeriesReceiver(Receiver):
    """The receiver of the end-to-end part: notes when each SKU's first message arrived."""

    def __init__(self) -> None:
        self.by_sku: dict[str, float] = {}
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                now = time.monotonic()
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                sku = json.loads(raw).get("message", {}).get("labels", {}).get("sku", "")
                with owner.lock:
                    owner.by_sku.setdefault(sku, now)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _e2e(db: Database, url: str, backend: str, count: int) -> Result:
    """A ticket posted to a running `careloop serve` crossing a rule -> the notification."""
    hook = SeriesReceiver()
    now = SystemClock().now()
    token = accounts.create_token(db, actor=ACTOR, now=now, name="bench", role=Role.ADMIN).token
    receivers.create_receiver(
        db, actor=ACTOR, now=now, values={"name": "line", "kind": "webhook", "url": hook.url}
    )
    alert_actions.put_routing(
        db,
        actor=ACTOR,
        now=now,
        document={"route": {"receiver": "line", "group_by": ["sku", "batch"], "group_wait": "0s"}},
    )
    alert_actions.create_rule(
        db,
        actor=ACTOR,
        now=now,
        document={
            "kind": "threshold",
            "name": "Any complaint on a batch",
            "metric": "complaints",
            "comparator": ">",
            "value": 0,
            "window": "1h",
            "group_by": ["sku", "batch"],
        },
    )
    port = _free_port()
    env = {
        **os.environ,
        "CARELOOP_DATABASE_URL": url,
        "CARELOOP_SECRET_KEY": "bench",
        "CARELOOP_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "careloop"), "serve", "--port", str(port)], env=env
    )
    started: dict[str, float] = {}
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(
            base_url=base, timeout=10, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("careloop serve did not start")
                time.sleep(0.2)
            time.sleep(1.0)
            for n in range(count):
                sku = f"E2E-{n:04d}"
                started[sku] = time.monotonic()
                answer = client.post(
                    "/api/v1/tickets",
                    json={
                        "subject": "The lace tore",
                        "body": "It tore on the first wash.",
                        "channel": "email",
                        "category": "quality",
                        "priority": "normal",
                        "language": "en",
                        "country": "US",
                        "sku": sku,
                        "batch": f"B{n}",
                        "customer": {"email": f"c{n}@example.com", "name": "C"},
                    },
                )
                answer.raise_for_status()
                time.sleep(max(0.0, started[sku] + 1.0 - time.monotonic()))
            deadline = time.monotonic() + 30
            while len(hook.by_sku) < count and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        hook.stop()
    latencies = [(hook.by_sku[k] - t) * 1000 for k, t in started.items() if k in hook.by_sku]
    if not latencies:
        raise SystemExit("no notification arrived")
    return Result(
        backend,
        "e2e ticket->hook",
        count,
        len(latencies),
        round(statistics.median(latencies), 1),
        round(_percentile(latencies, 0.99), 1),
        round(max(latencies), 1),
    )


def _backend(backend: str, pg_url: str | None) -> tuple[str, Any]:
    if backend == "sqlite":
        folder = tempfile.TemporaryDirectory()
        return f"sqlite:///{Path(folder.name) / 'alerts.db'}", folder
    if pg_url is None:
        raise SystemExit("PostgreSQL needs --postgres-url")
    admin = make_url(normalise_url(pg_url))
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    return admin.set(database=BENCH_DB).render_as_string(hide_password=False), engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=20.0, help="notifications per second")
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--postgres-url", default=os.environ.get("CARELOOP_BENCH_POSTGRES_URL"))
    parser.add_argument("--e2e", type=int, default=60, help="tickets posted end to end")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if args.postgres_url else [])
    results: list[Result] = []
    for backend in backends:
        url, keep = _backend(backend, args.postgres_url)
        upgrade(url)
        db = Database(url)
        try:
            results.append(_run(db, backend, f"steady {args.rate:g}/s", args.count, args.rate))
            results.append(_run(db, backend, f"burst of {args.burst}", args.burst, None))
            if args.e2e:
                results.append(_e2e(db, url, backend, args.e2e))
        finally:
            db.dispose()
            if backend == "postgresql":
                with keep.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
                keep.dispose()
            else:
                keep.cleanup()
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
        return
    print(
        f"alert delivery: enqueue transaction -> request at a local webhook receiver\n"
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f"\nsetup: one webhook receiver (no rate limit), in-process delivery thread (8 senders),"
        f" periodic job off; steady: {args.count} notifications at {args.rate:g}/s, one per"
        f" transaction; burst: {args.burst} enqueued back to back; e2e: {args.e2e} tickets"
        f" POSTed to `careloop serve` (1/s, each a new SKU/batch crossing a threshold rule"
        f" complaints > 0 over 1 h, group_wait 0) -> the notification at the receiver\n"
    )
    print(
        f"{'backend':<11}{'scenario':<18}{'sent':>6}{'arrived':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}"
    )
    for r in results:
        print(
            f"{r.backend:<11}{r.scenario:<18}{r.notifications:>6}{r.delivered:>9}"
            f"{r.p50_ms:>9}{r.p99_ms:>9}{r.max_ms:>9}"
        )


if __name__ == "__main__":
    main()
