"""Group routing for requests: a request that has just committed new tickets hands them to this
process's router and waits a moment for the answer, so that it can reply with `assignee_id`;
one router thread takes everything handed in meanwhile and routes it as one batch
(`actions.route_new`), so concurrent requests share one snapshot of the agents on duty and one
transaction (a group commit) instead of each paying for its own.

The wait is bounded (`wait`, 250 ms): a request that times out answers with its ticket as
stored, still queued; the router thread routes it a moment later all the same, and the periodic
sweep catches anything a failure left behind. Without a running thread (an app on a FakeClock,
a script) the request routes its tickets itself, on its own `now`, as before."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Sequence
from datetime import datetime

from careloop.routing import actions
from careloop.routing.snapshot import DutySnapshot
from careloop.storage.engine import Database
from careloop.tickets.tables import Ticket

log = logging.getLogger(__name__)
WAIT_SECONDS = 0.25
# A request with more tickets than this is a batch in itself: it routes them on its own thread
# rather than making the small requests behind it wait for its batch.
GROUP_MOST = 20


class _Waiter:
    """One request's tickets, and the routed tickets the router hands back."""

    __slots__ = ("done", "now", "routed", "tickets")

    def __init__(self, tickets: Sequence[Ticket], now: datetime) -> None:
        self.tickets = tickets
        self.now = now
        self.routed: dict[int, Ticket] = {}
        self.done = threading.Event()


class Dispatcher:
    """The per-process router: `route` from request threads, `start`/`stop` with the app.
    `batches` and `tickets` count what the thread routed (for the tests and the benchmark)."""

    def __init__(
        self, db: Database, *, wait: float = WAIT_SECONDS, batch: int = actions.BATCH
    ) -> None:
        self.db = db
        self.snapshot = DutySnapshot()  # who is on duty, as recently read (see snapshot.py)
        self.wait = wait
        self.batch = batch
        self.batches = 0
        self.tickets = 0
        self._pending: deque[_Waiter] = deque()
        self._changed = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    @property
    def pending(self) -> int:
        """How many tickets wait for the router thread now."""
        with self._changed:
            return sum(len(w.tickets) for w in self._pending)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="careloop-router", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Route what is still pending, then end the thread."""
        thread = self._thread
        if thread is None:
            return
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        thread.join(timeout)
        self._thread = None

    def route(self, tickets: Sequence[Ticket], now: datetime) -> dict[int, Ticket]:
        """Offer committed tickets to the agents on duty; returns those assigned, by id, as
        committed. A failure or a timeout leaves the rest queued (never lost)."""
        if not tickets:
            return {}
        if not self.running or len(tickets) > GROUP_MOST:
            return actions.route_new(
                self.db, tickets=tickets, now=now, snapshot=self.snapshot
            ).tickets
        waiter = _Waiter(tickets, now)
        with self._changed:
            self._pending.append(waiter)
            self._changed.notify()
        if not waiter.done.wait(self.wait):
            log.warning("routing took over %.0f ms; the ticket answers queued", self.wait * 1000)
            return {}
        return waiter.routed

    def _take(self) -> list[_Waiter] | None:
        """The waiters of the next batch (at least one, at most `batch` tickets), or None once
        stopping with nothing pending."""
        with self._changed:
            while not self._pending and not self._stopping:
                self._changed.wait()
            if not self._pending:
                return None
            taken: list[_Waiter] = []
            count = 0
            while self._pending and (
                not taken or count + len(self._pending[0].tickets) <= self.batch
            ):
                waiter = self._pending.popleft()
                taken.append(waiter)
                count += len(waiter.tickets)
            return taken

    def _run(self) -> None:
        while (waiters := self._take()) is not None:
            try:
                tickets = [t for w in waiters for t in w.tickets]
                # The instant of the latest request: every ticket of the batch exists by then.
                now = max(w.now for w in waiters)
                routed = actions.route_new(
                    self.db, tickets=tickets, now=now, snapshot=self.snapshot
                ).tickets
                self.batches += 1
                self.tickets += len(tickets)
                for w in waiters:
                    w.routed = {t.id: routed[t.id] for t in w.tickets if t.id in routed}
            except Exception:  # route_new logs its own; this guards the thread itself
                log.exception("the routing thread failed on a batch; its tickets stay queued")
            finally:
                for w in waiters:
                    w.done.set()
