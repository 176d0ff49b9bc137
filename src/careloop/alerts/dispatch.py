"""Delivering the outbox. `claim` takes due notifications in one short transaction (SKIP
LOCKED on PostgreSQL; SQLite serialises writers), each within its receiver's rate limit, marks
them sending with a lease and commits; the sends then run outside any transaction, and each
outcome is recorded in its own: delivered, retried later (backoff with full jitter, never
before Retry-After), or failed for good / dead past the deadline, then failed over to the
receiver's fallback. A claim whose lease ran out (its sender died) is taken again, so a
notification is delivered at least once; receivers drop repeats by its key.

Rate limits hold across processes: the claim locks the receiver's row and counts its attempts
started in the last second and minute (attempt rows are written at claim time, so sends in
flight count). A notification over the limit waits for the window to free; it is never dropped."""

from __future__ import annotations

import hashlib
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from careloop.alerts import outbox
from careloop.alerts.channel import (
    DEFAULT_LIMITS,
    Kind,
    Outcome,
    Result,
    Target,
    next_attempt,
    rate_wait,
)
from careloop.alerts.delivery_tables import Notification, NotificationAttempt, Receiver
from careloop.alerts.message import AlertMessage
from careloop.integrations import email, feishu, slack, webhook
from careloop.integrations.outgoing import timeout as http_timeout
from careloop.storage import audit
from careloop.storage.engine import Database

log = logging.getLogger(__name__)

SENDING, DELIVERED, FAILED, DEAD = "sending", "delivered", "failed", "dead"
BATCH = 50
LEASE = timedelta(minutes=2)
TIMEOUT_SECONDS = 10.0
SENDERS = 8
MAX_ERROR = 2000
FALLBACK_SUFFIX = ":fallback"


@dataclass(frozen=True)
class Claimed:
    """A notification this dispatcher holds: what to send, where, and which claim it is."""

    notification_id: int
    attempt_id: int
    attempts: int
    owner: str
    key: str
    message: dict[str, Any]
    deadline_at: datetime
    target: Target


@dataclass
class Report:
    """What one dispatch pass did (the job's result; the tests and the benchmark read it)."""

    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    dead: int = 0
    waiting: int = 0  # over a rate limit, left for when the window frees
    outcomes: list[str] = field(default_factory=list)


def owner_id() -> str:
    """A name for this dispatcher unique across machines and restarts: host:pid:random."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"


def limits(receiver: Receiver) -> tuple[int | None, int | None]:
    """The receiver's own per-second and per-minute limits, or its kind's defaults."""
    per_second, per_minute = DEFAULT_LIMITS[Kind(receiver.kind)]
    return (
        receiver.per_second if receiver.per_second is not None else per_second,
        receiver.per_minute if receiver.per_minute is not None else per_minute,
    )


def _target(r: Receiver) -> Target:
    return Target(r.id, Kind(r.kind), r.url, r.secret, dict(r.settings or {}))


def _recent_starts(s: Session, receiver_id: int, now: datetime) -> list[datetime]:
    stmt = select(NotificationAttempt.started_at).where(
        NotificationAttempt.receiver_id == receiver_id,
        NotificationAttempt.started_at > now - timedelta(minutes=1),
    )
    return list(s.scalars(stmt))


def claim(
    db: Database, *, now: datetime, owner: str, limit: int = BATCH, lease: timedelta = LEASE
) -> tuple[list[Claimed], Report]:
    """Claim up to `limit` due notifications (pending and due, or sending with a lapsed lease)
    and commit; notifications past their deadline or of an inactive receiver end here."""
    report = Report()
    claimed: list[Claimed] = []
    with db.write() as s:
        due = (
            select(Notification)
            .where(
                or_(
                    (Notification.status == outbox.PENDING) & (Notification.next_attempt_at <= now),
                    (Notification.status == SENDING) & (Notification.lease_until < now),
                )
            )
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(limit)
        )
        if db.is_postgres:
            due = due.with_for_update(skip_locked=True)
        rows = list(s.scalars(due))
        if not rows:
            return claimed, report
        # Lock the receivers in id order: two dispatchers never deadlock, and the rate
        # counts below cannot change under this transaction.
        ids = sorted({n.receiver_id for n in rows})
        lock = select(Receiver).where(Receiver.id.in_(ids)).order_by(Receiver.id)
        receivers = {r.id: r for r in s.scalars(lock.with_for_update() if db.is_postgres else lock)}
        starts = {r.id: _recent_starts(s, r.id, now) for r in receivers.values() if any(limits(r))}
        for n in rows:
            if n.status == SENDING:
                _close_lost_attempts(s, n, now)
            receiver = receivers[n.receiver_id]
            if not receiver.active:
                _give_up(s, n, now, FAILED, "the receiver is deactivated", report)
                continue
            if now >= n.deadline_at:
                _give_up(s, n, now, DEAD, n.last_error or "not delivered by the deadline", report)
                continue
            if receiver.id in starts:
                free_at = rate_wait(starts[receiver.id], now, *limits(receiver))
                if free_at is not None:
                    n.status, n.claimed_by, n.lease_until = outbox.PENDING, None, None
                    n.next_attempt_at = max(n.next_attempt_at, free_at)
                    report.waiting += 1
                    continue
                starts[receiver.id].append(now)
            n.status, n.claimed_by, n.lease_until = SENDING, owner, now + lease
            n.attempts += 1
            attempt = NotificationAttempt(
                notification_id=n.id, receiver_id=n.receiver_id, started_at=now, outcome=SENDING
            )
            s.add(attempt)
            s.flush()
            claimed.append(
                Claimed(
                    n.id, attempt.id, n.attempts, owner, n.key, n.message, n.deadline_at,
                    _target(receiver),
                )
            )  # fmt: skip
    report.claimed = len(claimed)
    return claimed, report


def _close_lost_attempts(s: Session, n: Notification, now: datetime) -> None:
    s.execute(
        update(NotificationAttempt)
        .where(
            NotificationAttempt.notification_id == n.id,
            NotificationAttempt.outcome == SENDING,
        )
        .values(outcome="lost", finished_at=now, error="the sender stopped; its claim ran out"),
        execution_options={"synchronize_session": False},
    )


def _give_up(
    s: Session, n: Notification, now: datetime, status: str, error: str, report: Report
) -> None:
    """End a notification as failed or dead, and fail it over to the receiver's fallback."""
    before = n.status
    n.status, n.claimed_by, n.lease_until = status, None, None
    n.last_error = error[:MAX_ERROR]
    if status == DEAD:
        n.dead_at = now
        report.dead += 1
    else:
        report.failed += 1
    fallback = _fail_over(s, n, now)
    audit.record(
        s,
        at=now,
        actor=audit.SYSTEM,
        entity_type="alert_notification",
        entity_id=n.id,
        action="dead_lettered" if status == DEAD else "failed",
        changes={
            "status": (before, status),
            "error": (None, n.last_error),
            "failover_id": (None, fallback.id if fallback is not None else None),
        },
    )


def fallback_key(key: str) -> str:
    """The key of a notification's failover; a key too long is shortened by a digest."""
    candidate = key + FALLBACK_SUFFIX
    if len(candidate) <= outbox.MAX_KEY:
        return candidate
    return hashlib.sha256(key.encode()).hexdigest() + FALLBACK_SUFFIX


def _fail_over(s: Session, n: Notification, now: datetime) -> Notification | None:
    receiver = s.get(Receiver, n.receiver_id)
    if receiver is None or receiver.fallback_receiver_id is None:
        return None
    fallback = s.get(Receiver, receiver.fallback_receiver_id)
    if fallback is None or not fallback.active:
        return None
    return outbox.enqueue_notification(
        s,
        receiver_id=fallback.id,
        key=fallback_key(n.key),
        message=AlertMessage.from_json(n.message),
        now=now,
        first_event_at=n.first_event_at,
        detected_at=n.detected_at,
        failover_of_id=n.id,
    )


Sender = Callable[[httpx.Client, Target, AlertMessage, str, datetime], Outcome]


def send(
    client: httpx.Client, job: Claimed, now: datetime, *, timeout: float = TIMEOUT_SECONDS
) -> Outcome:
    """One try through the receiver's channel; a bug in a channel becomes a retry, so a
    notification is never lost to it."""
    try:
        message = AlertMessage.from_json(job.message)
    except ValueError as exc:
        return Outcome(Result.FAILED, None, f"the stored message is unreadable: {exc}")
    try:
        if job.target.kind is Kind.EMAIL:
            return email.send(job.target, message, job.key, now, timeout=timeout)
        senders: dict[Kind, Sender] = {
            Kind.FEISHU: feishu.send,
            Kind.SLACK: slack.send,
            Kind.WEBHOOK: webhook.send,
        }
        return senders[job.target.kind](client, job.target, message, job.key, now)
    except Exception as exc:
        log.exception("sending notification %s failed unexpectedly", job.notification_id)
        return Outcome(Result.RETRY, None, f"{type(exc).__name__}: {exc}")


def record(
    db: Database, job: Claimed, outcome: Outcome, *, now: datetime, rng: random.Random
) -> str:
    """Write the attempt's answer and move the notification on; what it became ("overtaken"
    when its claim had lapsed and another dispatcher took it: the log row is still kept)."""
    with db.write() as s:
        s.execute(
            update(NotificationAttempt)
            .where(NotificationAttempt.id == job.attempt_id)
            .values(
                finished_at=now,
                status_code=outcome.status_code,
                outcome=outcome.result.value,
                error=None if outcome.error is None else outcome.error[:MAX_ERROR],
                retry_after=outcome.retry_after,
            ),
            execution_options={"synchronize_session": False},
        )
        stmt = select(Notification).where(Notification.id == job.notification_id)
        n = s.scalar(stmt.with_for_update() if db.is_postgres else stmt)
        if n is None or (n.status, n.claimed_by, n.attempts) != (SENDING, job.owner, job.attempts):
            return "overtaken"
        report = Report()
        if outcome.result is Result.DELIVERED:
            n.status, n.claimed_by, n.lease_until = DELIVERED, None, None
            n.delivered_at, n.last_error = now, None
            return DELIVERED
        if outcome.result is Result.FAILED:
            _give_up(s, n, now, FAILED, outcome.error or "refused", report)
            return FAILED
        n.last_error = (outcome.error or "transient failure")[:MAX_ERROR]
        again = next_attempt(outcome, n.attempts, now, rng)
        if again >= n.deadline_at:
            # The next try would come too late: dead-letter now and fail over at once.
            _give_up(s, n, now, DEAD, n.last_error, report)
            return DEAD
        n.status, n.claimed_by, n.lease_until, n.next_attempt_at = outbox.PENDING, None, None, again
        return "retry"


def deliver(
    db: Database,
    job: Claimed,
    *,
    now: Callable[[], datetime],
    client: httpx.Client,
    rng: random.Random,
    timeout: float = TIMEOUT_SECONDS,
) -> str:
    """Send one claimed notification and record the outcome."""
    outcome = send(client, job, now(), timeout=timeout)
    try:
        return record(db, job, outcome, now=now(), rng=rng)
    except Exception:
        # The claim stays; once its lease runs out another pass sends it again.
        log.exception("recording the outcome of notification %s failed", job.notification_id)
        return "unrecorded"


class _Elapsed:
    """`now` plus the real time since, so instants recorded after a send stay in step with
    the caller's (possibly fake) clock."""

    def __init__(self, start: datetime) -> None:
        self.start, self._t0 = start, time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._t0)


def _tally(report: Report, outcomes: Sequence[str]) -> Report:
    report.outcomes = list(outcomes)
    report.delivered += outcomes.count(DELIVERED)
    report.retried += outcomes.count("retry")
    report.failed += outcomes.count(FAILED)
    report.dead += outcomes.count(DEAD)
    return report


def dispatch_notifications(
    db: Database,
    now: datetime,
    *,
    owner: str | None = None,
    limit: int = BATCH,
    lease: timedelta = LEASE,
    timeout: float = TIMEOUT_SECONDS,
    client: httpx.Client | None = None,
    rng: random.Random | None = None,
) -> Report:
    """One pass: claim what is due, send it (up to eight at once) and record each outcome."""
    clock = _Elapsed(now)
    jobs, report = claim(db, now=now, owner=owner or owner_id(), limit=limit, lease=lease)
    if not jobs:
        return report
    rng = rng or random.SystemRandom()
    own_client = client is None
    http = client or httpx.Client(timeout=http_timeout(timeout))
    try:
        with ThreadPoolExecutor(max_workers=min(SENDERS, len(jobs))) as pool:
            outcomes = list(
                pool.map(
                    lambda j: deliver(db, j, now=clock, client=http, rng=rng, timeout=timeout),
                    jobs,
                )
            )
    finally:
        if own_client:
            http.close()
    return _tally(report, outcomes)


def run_dispatch(db: Database, now: datetime) -> Report:
    """The periodic job: the safety net behind the in-process delivery thread."""
    return dispatch_notifications(db, now)


def next_due(db: Database) -> datetime | None:
    """When the earliest pending notification is due (the delivery thread sleeps until then)."""
    with db.read() as s:
        return s.scalar(
            select(func.min(Notification.next_attempt_at)).where(
                Notification.status == outbox.PENDING
            )
        )
