"""Event-driven evaluation: after a commit that wrote rows some rule reads (a ticket, an SLA
breach, a shipment), this process's evaluator thread refreshes the rollups and evaluates the
rules reading those tables, at most every ~200 ms, so a crossing reaches the outbox within a
fraction of a second instead of at the next minute's job. Between passes it also wakes when
an alert group falls due (group_wait, group_interval)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from careloop.alerts.evaluate import evaluate_rules, load_rules
from careloop.alerts.observe import facts_read
from careloop.alerts.tables import AlertGroupState
from careloop.clock import Clock
from careloop.insights.refresh import refresh_rollups
from careloop.storage.engine import Database

log = logging.getLogger(__name__)
# Tables whose writes rules read (observe.facts_read and FACT_TABLES name the same ones).
WATCHED = frozenset(
    {"tickets", "sla_events", "shipments", "orders", "line_items", "returns", "messages"}
)
TOUCHED = "careloop_alert_tables"
MIN_INTERVAL = 0.2
IDLE = 5.0

_wakers: list[Callable[[frozenset[str]], None]] = []
_lock = threading.Lock()


@event.listens_for(Session, "after_flush")
def _note_tables(session: Session, _context: object) -> None:
    if not _wakers:
        return
    names = {getattr(type(o), "__tablename__", "") for o in (*session.new, *session.dirty)}
    hit = names & WATCHED
    if hit:
        session.info.setdefault(TOUCHED, set()).update(hit)


@event.listens_for(Session, "after_commit")
def _wake(session: Session) -> None:
    tables = session.info.pop(TOUCHED, None)
    if tables:
        with _lock:
            wakers = list(_wakers)
        for wake in wakers:
            wake(frozenset(tables))


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(TOUCHED, None)


class EvaluatorThread:
    """`start()` and `stop()` with the app, next to the delivery thread."""

    def __init__(
        self, db: Database, clock: Clock, *, min_interval: float = MIN_INTERVAL, idle: float = IDLE
    ) -> None:
        self.db, self.clock = db, clock
        self.min_interval, self.idle = min_interval, idle
        self.passes = 0
        self._tables: set[str] = set()
        self._guard = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self, tables: frozenset[str]) -> None:
        with self._guard:
            self._tables |= tables
        self._wake.set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        with _lock:
            _wakers.append(self.wake)
        self._thread = threading.Thread(target=self._run, name="careloop-alerts", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        with _lock:
            if self.wake in _wakers:
                _wakers.remove(self.wake)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _next_due(self) -> float:
        with self.db.read() as s:
            due = s.scalar(select(func.min(AlertGroupState.next_flush_at)))
        if due is None:
            return self.idle
        wait: float = (due - self.clock.now()).total_seconds()
        return min(max(wait, 0.05), self.idle)

    def _pass(self) -> None:
        """Refresh and evaluate only when some active rule reads a touched table (intake at
        full speed with no rule pays one small read); otherwise flush the groups due, if any."""
        with self._guard:
            tables, self._tables = frozenset(self._tables), set()
        now = self.clock.now()
        readers = [r.id for r in load_rules(self.db, None, now) if facts_read(r) & tables]
        if readers:
            refresh_rollups(self.db)
            evaluate_rules(self.db, now, rule_ids=readers)
        elif self._next_due() <= MIN_INTERVAL:
            evaluate_rules(self.db, now, rule_ids=())
        self.passes += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self._next_due()
            except Exception:
                log.exception("the alert evaluator could not read the groups")
                wait = self.idle
            self._wake.wait(wait)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self._pass()
            except Exception:  # the minute job covers meanwhile
                log.exception("the alert evaluator failed a pass")
            self._stop.wait(self.min_interval)
