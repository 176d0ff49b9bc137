"""A real local HTTP receiver for the alert delivery tests (a threaded http.server on a
loopback port) that can be down, answer 429 with Retry-After, answer 500, or be slow, and
records every request; and the job list a real `careloop worker` runs in the kill test."""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from careloop.alerts.dispatch import dispatch_notifications
from careloop.integrations import feishu
from careloop.jobs.runner import Job
from careloop.storage.engine import Database

LEASE_ENV = "CARELOOP_TEST_DELIVERY_LEASE"


@dataclass
class Received:
    """One request as the receiver saw it, and the status it answered (None: it hung up)."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    status: int | None = None

    @property
    def key(self) -> str | None:
        return self.headers.get("idempotency-key")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Hook:
    """The receiver. `mode`: ok, 500, 429 (with `retry_after`), slow (answers 503 after
    `delay` seconds: too late for the sender), hang (until released) or feishu (checks the
    signature with `secret` and answers Feishu's codes)."""

    mode: str = "ok"
    retry_after: str = "30"
    delay: float = 2.0
    secret: str | None = None
    requests: list[Received] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def up(self) -> Hook:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Received(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                    time.monotonic(),
                )
                with hook._lock:
                    hook.requests.append(seen)
                status, headers, body = hook._answer(seen)
                if status is None:
                    return
                seen.status = status
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    seen.status = None  # the sender had gone

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def down(self) -> None:
        """Stop listening: connections to the port are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def stop(self) -> None:
        self._release.set()
        self.down()

    def _answer(self, seen: Received) -> tuple[int | None, dict[str, str], bytes]:
        mode = self.mode
        if mode == "500":
            return 500, {}, b"internal error"
        if mode == "429":
            return 429, {"Retry-After": self.retry_after}, b"rate_limited"
        if mode == "400":
            return 400, {}, b"invalid_payload"
        if mode == "slow":
            time.sleep(self.delay)
            return 503, {}, b"too late"
        if mode == "hang":
            self._release.wait(60)
            return None, {}, b""
        if mode == "feishu":
            body = seen.json()
            good = self.secret is not None and body.get("sign") == feishu.sign(
                int(body.get("timestamp", "0")), self.secret
            )
            answer = (
                {"code": 0, "msg": "success"} if good else {"code": 19021, "msg": "sign match fail"}
            )
            return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()
        return 200, {}, b"ok"

    def accepted(self) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.status is not None and 200 <= r.status < 300]

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"the receiver got {len(self.requests)} of {count} requests")
            time.sleep(0.02)


def _dispatch(db: Database, now: datetime) -> object:
    lease = timedelta(seconds=float(os.environ.get(LEASE_ENV, "2")))
    return dispatch_notifications(db, now, lease=lease, timeout=60.0)


def dispatch_jobs() -> list[Job]:
    """Only alert dispatch, every 200 ms, with a short claim lease (the kill test)."""
    return [Job("alert_dispatch", every=timedelta(milliseconds=200), run=_dispatch)]
