"""Alert delivery against real receivers: a local HTTP server that goes down, answers 429 and
500 and is slow, a real SMTP server, and a real `careloop worker` killed mid-send. Every
notification is accepted once per idempotency key after recovery, or dead-lettered and failed
over; rate limits hold in the delivery log; nothing enqueued is lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from careloop.alerts import dispatch, outbox, receivers
from careloop.alerts.delivery_tables import Notification, NotificationAttempt
from careloop.alerts.dispatch import dispatch_notifications
from careloop.alerts.message import AlertMessage, Figure, Severity
from careloop.alerts.notifier import DeliveryThread
from careloop.clock import SystemClock
from careloop.integrations import webhook
from careloop.jobs.registry import JOBS_ENV
from careloop.storage.audit import AuditEntry
from careloop.storage.engine import Database
from tests.conftest import TEST_ACTOR, _free_port
from tests.integration.alerts_support import LEASE_ENV, Hook

ROOT = Path(__file__).resolve().parents[2]
S = timedelta(seconds=1)
TIMEOUT = 0.5  # seconds a send may take in these tests


def message(n: int = 0) -> AlertMessage:
    return AlertMessage(
        title=f"Quality complaints above threshold #{n}",
        severity=Severity.CRITICAL,
        summary="SKU WIG-BW-16 batch B2610-02",
        figures=(Figure("Complaints", "37"),),
        labels={"sku": "WIG-BW-16", "batch": "B2610-02"},
    )


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook().up()
    yield h
    h.stop()


def receiver(db: Database, clock, **values: Any) -> int:
    values = {"name": f"hook {random.random()}", "kind": "webhook", **values}
    return receivers.create_receiver(db, actor=TEST_ACTOR, now=clock.now(), values=values).id


def enqueue(db: Database, clock, receiver_id: int, keys: list[str]) -> list[int]:
    with db.write() as s:
        rows = [
            outbox.enqueue_notification(
                s, receiver_id=receiver_id, key=k, message=message(i), now=clock.now()
            )
            for i, k in enumerate(keys)
        ]
        return [r.id for r in rows]


def notifications(db: Database) -> dict[str, Notification]:
    with db.read() as s:
        return {n.key: n for n in s.scalars(select(Notification))}


def log(db: Database, notification_id: int | None = None) -> list[NotificationAttempt]:
    stmt = select(NotificationAttempt).order_by(NotificationAttempt.id)
    if notification_id is not None:
        stmt = stmt.where(NotificationAttempt.notification_id == notification_id)
    with db.read() as s:
        return list(s.scalars(stmt))


def run(db: Database, clock, **kw: Any) -> dispatch.Report:
    kw.setdefault("rng", random.Random(3))
    return dispatch_notifications(db, clock.now(), timeout=TIMEOUT, **kw)


def test_enqueue_is_idempotent_and_commits_with_the_caller(db, clock, hook):
    rid = receiver(db, clock, url=hook.url)
    woken: list[int] = []

    def wake() -> None:
        woken.append(1)

    outbox.add_waker(wake)
    try:
        first = enqueue(db, clock, rid, ["fp1:0:r"])
        again = enqueue(db, clock, rid, ["fp1:0:r"])
        assert first == again and len(notifications(db)) == 1
        assert woken  # the commit woke the delivery thread
        with pytest.raises(RuntimeError), db.write() as s:
            outbox.enqueue_notification(
                s, receiver_id=rid, key="fp2:0:r", message=message(), now=clock.now()
            )
            raise RuntimeError("the alert's state change failed")
    finally:
        outbox.remove_waker(wake)
    assert set(notifications(db)) == {"fp1:0:r"}  # rolled back with the caller
    row = notifications(db)["fp1:0:r"]
    assert (row.status, row.attempts, row.enqueued_at) == ("pending", 0, clock.now())
    assert row.deadline_at == clock.now() + timedelta(minutes=10)


def test_every_key_is_accepted_once_through_down_500_429_and_slow(db, clock, hook):
    rid = receiver(db, clock, url=hook.url, secret="hook-secret", deadline_minutes=30)
    keys = [f"fp{n}:0:{rid}" for n in range(4)]
    enqueue(db, clock, rid, keys)
    port = hook.port

    hook.down()
    report = run(db, clock)
    assert (report.claimed, report.retried) == (4, 4)
    for n in notifications(db).values():
        assert n.status == "pending" and "no connection" in (n.last_error or "")
        assert clock.now() <= n.next_attempt_at <= clock.now() + 2.1 * S  # first backoff: 0-2 s

    hook.port = port
    hook.up()
    hook.mode = "500"
    clock.advance(3 * S)
    assert run(db, clock).retried == 4
    assert {a.status_code for a in log(db) if a.status_code} == {500}

    hook.mode = "429"
    hook.retry_after = "30"
    clock.advance(5 * S)
    assert run(db, clock).retried == 4
    for n in notifications(db).values():
        assert n.next_attempt_at >= clock.now() + 30 * S  # Retry-After honoured
    clock.advance(20 * S)
    assert run(db, clock).claimed == 0  # not before the receiver asked

    hook.mode = "slow"
    hook.delay = 3 * TIMEOUT
    clock.advance(11 * S)
    assert run(db, clock).retried == 4
    assert all("timed out" in (n.last_error or "") for n in notifications(db).values())

    hook.mode = "ok"
    for _ in range(10):
        clock.advance(20 * S)
        run(db, clock)
    rows = notifications(db)
    assert {n.status for n in rows.values()} == {"delivered"}
    accepted = Counter(r.key for r in hook.accepted())
    assert accepted == Counter(dict.fromkeys(keys, 1))  # once per idempotency key
    for r in hook.accepted():
        stamp = r.headers[webhook.TIMESTAMP_HEADER.lower()]
        assert webhook.verify("hook-secret", stamp, r.body, r.headers["x-careloop-signature"])
    for n in rows.values():
        outcomes = [a.outcome for a in log(db, n.id)]
        assert outcomes == ["retry", "retry", "retry", "retry", "delivered"]
        assert n.attempts == 5 and n.delivered_at is not None and n.last_error is None


def test_past_the_deadline_it_is_dead_lettered_and_failed_over(db, clock, hook):
    backup = Hook().up()
    try:
        fallback = receiver(db, clock, url=backup.url)
        rid = receiver(db, clock, url=hook.url, deadline_minutes=1, fallback_receiver_id=fallback)
        [nid] = enqueue(db, clock, rid, ["fp9:0:primary"])
        hook.mode = "500"
        for _ in range(12):
            run(db, clock)
            clock.advance(10 * S)
        rows = notifications(db)
        dead = rows["fp9:0:primary"]
        assert dead.status == "dead" and dead.dead_at is not None
        assert dead.dead_at <= dead.deadline_at + 11 * S
        spare = rows["fp9:0:primary:fallback"]
        assert (spare.failover_of_id, spare.receiver_id, spare.status) == (
            nid,
            fallback,
            "delivered",
        )
        assert [r.json()["key"] for r in backup.accepted()] == ["fp9:0:primary:fallback"]
        with db.read() as s:
            actions = list(
                s.scalars(
                    select(AuditEntry.action).where(
                        AuditEntry.entity_type == "alert_notification", AuditEntry.entity_id == nid
                    )
                )
            )
        assert actions == ["dead_lettered"]
    finally:
        backup.stop()


def test_a_refusal_is_not_retried_and_fails_over_at_once(db, clock, hook):
    backup = Hook().up()
    try:
        fallback = receiver(db, clock, url=backup.url)
        rid = receiver(db, clock, url=hook.url, fallback_receiver_id=fallback)
        enqueue(db, clock, rid, ["fp3:1:primary"])
        hook.mode = "400"
        first = run(db, clock)
        assert (first.claimed, first.failed) == (1, 1)
        clock.advance(S)  # the failover was enqueued as the refusal was recorded
        run(db, clock)
        rows = notifications(db)
        assert rows["fp3:1:primary"].status == "failed"
        assert rows["fp3:1:primary"].attempts == 1
        assert "HTTP 400" in (rows["fp3:1:primary"].last_error or "")
        assert rows["fp3:1:primary:fallback"].status == "delivered"
        assert len(hook.requests) == 1 and len(backup.accepted()) == 1
    finally:
        backup.stop()


def test_feishu_signature_is_checked_by_the_receiver(db, clock, hook):
    hook.mode, hook.secret = "feishu", "bot-secret"
    good = receiver(db, clock, kind="feishu", url=hook.url, secret="bot-secret")
    bad = receiver(db, clock, kind="feishu", url=hook.url, secret="wrong-secret")
    enqueue(db, clock, good, ["fp5:0:good"])
    enqueue(db, clock, bad, ["fp5:0:bad"])
    run(db, clock)
    rows = notifications(db)
    assert rows["fp5:0:good"].status == "delivered"
    assert rows["fp5:0:bad"].status == "failed"
    assert "code 19021" in (rows["fp5:0:bad"].last_error or "")
    card = hook.requests[0].json()
    assert card["msg_type"] == "interactive" and card["card"]["header"]["template"] == "red"


def windows_hold(starts: list[datetime], window: timedelta, most: int) -> bool:
    starts = sorted(starts)
    return all(
        sum(1 for t in starts[i:] if t < start + window) <= most for i, start in enumerate(starts)
    )


def test_rate_limits_hold_and_nothing_over_them_is_dropped(db, clock, hook):
    rid = receiver(db, clock, url=hook.url, per_second=3, per_minute=7)
    keys = [f"fp{n}:0:rl" for n in range(10)]
    enqueue(db, clock, rid, keys)
    first = run(db, clock)
    assert (first.claimed, first.waiting) == (3, 7)
    for _ in range(300):
        clock.advance(0.5 * S)
        run(db, clock)
        if len(hook.accepted()) == len(keys):
            break
    starts = [a.started_at for a in log(db)]
    assert len(starts) == len(keys)  # every one sent, each once
    assert windows_hold(starts, S, 3) and windows_hold(starts, 60 * S, 7)
    assert not windows_hold(starts, 60 * S, 6)  # the limit was reached, not just lucky
    assert Counter(r.key for r in hook.accepted()) == Counter(dict.fromkeys(keys, 1))


def test_racing_dispatchers_share_one_rate_limit(db, clock, hook, database_url):
    rid = receiver(db, clock, kind="slack", url=hook.url)  # Slack: one per second
    enqueue(db, clock, rid, [f"fp{n}:0:slack" for n in range(6)])
    dbs = [Database(database_url) for _ in range(4)]
    reports: list[dispatch.Report] = []
    barrier = threading.Barrier(len(dbs))

    def racer(d: Database) -> None:
        barrier.wait(10)
        reports.append(dispatch_notifications(d, clock.now(), timeout=TIMEOUT))

    threads = [threading.Thread(target=racer, args=(d,)) for d in dbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for d in dbs:
        d.dispose()
    assert sum(r.claimed for r in reports) == 1  # one per second across all of them
    assert len(hook.accepted()) == 1


def test_email_goes_through_a_real_smtp_server(db, clock):
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.mails: list[Any] = []
            self.answer = "250 OK"

        async def handle_DATA(self, server, session, envelope):
            if self.answer.startswith("250"):
                self.mails.append(envelope)
            return self.answer

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = {
            "host": "127.0.0.1",
            "port": port,
            "sender": "alerts@example.com",
            "recipients": ["quality@example.com", "line-lead@example.com"],
        }
        rid = receiver(db, clock, kind="email", settings=settings)
        inbox.answer = "451 4.3.0 try again later"
        enqueue(db, clock, rid, ["fp7:0:mail"])
        run(db, clock)
        row = notifications(db)["fp7:0:mail"]
        assert row.status == "pending" and "SMTP 451" in (row.last_error or "")
        assert log(db)[-1].status_code == 451
        inbox.answer = "250 OK"
        clock.advance(5 * S)
        run(db, clock)
        assert notifications(db)["fp7:0:mail"].status == "delivered"
        [mail] = inbox.mails
        assert sorted(mail.rcpt_tos) == ["line-lead@example.com", "quality@example.com"]
        text = mail.content.decode()
        assert "text/plain" in text and "text/html" in text and "X-Careloop-Key: fp7:0:mail" in text
        inbox.answer = "554 5.7.1 rejected"
        enqueue(db, clock, rid, ["fp8:0:mail"])
        run(db, clock)
        assert notifications(db)["fp8:0:mail"].status == "failed"
    finally:
        controller.stop()


def test_the_delivery_thread_sends_after_the_commit_without_the_job(db, hook):
    clock = SystemClock()
    rid = receiver(db, clock, url=hook.url)
    thread = DeliveryThread(db, clock, idle=30.0, timeout=2.0)
    thread.start()
    try:
        time.sleep(0.1)  # let it settle into its (long) sleep
        enqueue(db, clock, rid, ["fp1:0:thread"])
        hook.wait_for(1)
        deadline = time.monotonic() + 10
        while notifications(db)["fp1:0:thread"].status != "delivered":
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        thread.stop()
    assert thread.delivered == 1


@pytest.mark.slow
def test_a_worker_killed_mid_send_loses_nothing(db, database_url, hook, tmp_path):
    """A real `careloop worker` claims the notification and hangs on a slow receiver; killed
    with SIGKILL, its claim runs out and another pass delivers it, same key."""
    clock = SystemClock()
    rid = receiver(db, clock, url=hook.url)
    hook.mode = "hang"
    [nid] = enqueue(db, clock, rid, ["fp4:0:kill"])
    env = {
        **os.environ,
        JOBS_ENV: "tests.integration.alerts_support:dispatch_jobs",
        LEASE_ENV: "2",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    out = (tmp_path / "worker.log").open("w")
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "careloop.cli", "worker", "--database-url", database_url],
        env=env,
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        hook.wait_for(1, timeout=30)
        held = notifications(db)["fp4:0:kill"]
        assert held.status == "sending" and held.claimed_by.split(":")[-2] == str(proc.pid)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        out.close()
    hook.mode = "ok"
    if datetime.now(UTC) < held.lease_until - 0.3 * S:  # while the dead worker's claim holds
        assert dispatch_notifications(db, datetime.now(UTC), timeout=5.0).claimed == 0
    deadline = time.monotonic() + 15
    while notifications(db)["fp4:0:kill"].status != "delivered":
        assert time.monotonic() < deadline, "nobody took the notification over"
        dispatch_notifications(db, datetime.now(UTC), timeout=5.0)
        time.sleep(0.1)
    assert [a.outcome for a in log(db, nid)] == ["lost", "delivered"]
    assert [r.key for r in hook.requests] == ["fp4:0:kill", "fp4:0:kill"]
    assert [r.key for r in hook.accepted()] == ["fp4:0:kill"]
