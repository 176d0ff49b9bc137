"""The delivery thread of a process: woken right after a commit that enqueued a notification,
it claims and sends at once, so delivery takes milliseconds rather than waiting for the
periodic job (which stays as the safety net). Sends run on a small pool; the thread claims
only as many notifications as the pool has room for, and sleeps until the next one is due
(a retry, a rate-limit window) or it is woken again, a second at most."""

from __future__ import annotations

import logging
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx

from careloop.alerts import dispatch, outbox
from careloop.clock import Clock
from careloop.integrations.outgoing import timeout as http_timeout
from careloop.storage.engine import Database

log = logging.getLogger(__name__)
IDLE_SECONDS = 1.0


class DeliveryThread:
    """`start()` and `stop()` with the app; `wake()` from the commit hook in `outbox`."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        senders: int = dispatch.SENDERS,
        idle: float = IDLE_SECONDS,
        timeout: float = dispatch.TIMEOUT_SECONDS,
        lease: timedelta = dispatch.LEASE,
    ) -> None:
        self.db, self.clock = db, clock
        self.senders, self.idle, self.timeout, self.lease = senders, idle, timeout, lease
        self.owner = dispatch.owner_id()
        self.delivered = 0
        self._rng = random.SystemRandom()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._client: httpx.Client | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._client = httpx.Client(timeout=http_timeout(self.timeout))
        self._pool = ThreadPoolExecutor(self.senders, thread_name_prefix="careloop-send")
        outbox.add_waker(self.wake)
        self._thread = threading.Thread(target=self._run, name="careloop-delivery", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Claim nothing more; sends under way finish (their timeout bounds the wait)."""
        outbox.remove_waker(self.wake)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None

    def _room(self) -> int:
        with self._lock:
            return self.senders - self._in_flight

    def _send(self, job: dispatch.Claimed, client: httpx.Client) -> None:
        try:
            became = dispatch.deliver(
                self.db, job, now=self.clock.now, client=client, rng=self._rng, timeout=self.timeout
            )
            if became == dispatch.DELIVERED:
                with self._lock:
                    self.delivered += 1
        finally:
            with self._lock:
                self._in_flight -= 1
            self._wake.set()  # room again, and perhaps a retry or a failover to send

    def _pass(self) -> bool:
        """Claim and hand out what is due; True when it took something."""
        pool, client = self._pool, self._client
        if pool is None or client is None:
            return False
        jobs, _ = dispatch.claim(
            self.db, now=self.clock.now(), owner=self.owner, limit=self._room(), lease=self.lease
        )
        for job in jobs:
            with self._lock:
                self._in_flight += 1
            pool.submit(self._send, job, client)
        return bool(jobs)

    def _sleep_for(self) -> float:
        due = dispatch.next_due(self.db)
        if due is None:
            return self.idle
        wait = (due - self.clock.now()).total_seconds()
        return min(max(wait, 0.01), self.idle)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._room() <= 0:
                    wait = self.idle  # a send that ends wakes this thread
                elif self._pass():
                    continue
                else:
                    wait = self._sleep_for()
            except Exception:
                # The database may be restarting; the periodic job covers meanwhile.
                log.exception("the delivery thread could not claim notifications")
                wait = self.idle
            self._wake.wait(wait)
            self._wake.clear()
