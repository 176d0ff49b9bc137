"""The alert engine end to end on both backends: rules evaluated over real tickets, orders and
SLA events through the rollups; series that fire and resolve; routing by labels to real
local HTTP receivers, one notification per group flush with Alertmanager's timers on a fake
clock; silences, inhibition, acknowledgement and escalation; the outbox row committing with
the state change or not at all; the anomaly rule finding a planted batch."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from careloop.alerts import actions, escalate, outbox, receivers
from careloop.alerts.delivery_tables import Notification
from careloop.alerts.dispatch import dispatch_notifications
from careloop.alerts.evaluate import evaluate_rules
from careloop.alerts.tables import AlertSeries
from careloop.alerts.watcher import EvaluatorThread
from careloop.clock import SystemClock
from careloop.insights.refresh import refresh_rollups
from careloop.sla.tables import SlaEvent
from careloop.storage.engine import Database
from careloop.tickets import actions as tickets
from careloop.tickets.commerce_tables import LineItem, Order, Shipment
from careloop.tickets.schemas import TicketCreate
from tests.conftest import TEST_ACTOR
from tests.factories import ticket_payload
from tests.integration.alerts_support import Hook

URL = "http://careloop.test"
S = timedelta(seconds=1)
M = timedelta(minutes=1)


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook().up()
    yield h
    h.stop()


@pytest.fixture
def hook2() -> Iterator[Hook]:
    h = Hook().up()
    yield h
    h.stop()


def receiver(db: Database, clock: Any, name: str, hook: Hook) -> int:
    values = {"name": name, "kind": "webhook", "url": hook.url}
    return receivers.create_receiver(db, actor=TEST_ACTOR, now=clock.now(), values=values).id


def routing(db: Database, clock: Any, route: dict[str, Any], inhibit: Any = ()) -> None:
    doc = {"route": route, "inhibit_rules": list(inhibit)}
    actions.put_routing(db, actor=TEST_ACTOR, now=clock.now(), document=doc)


def rule(db: Database, clock: Any, **doc: Any) -> int:
    base = {
        "kind": "threshold",
        "name": "Quality complaints by batch",
        "metric": "complaints",
        "comparator": ">",
        "value": 2,
        "window": "4h",
        "group_by": ["sku", "batch"],
    }
    return actions.create_rule(db, actor=TEST_ACTOR, now=clock.now(), document={**base, **doc}).id


def complaints(db: Database, clock: Any, sku: str, batch: str, n: int, **extra: Any) -> None:
    for _ in range(n):
        data = TicketCreate.model_validate(ticket_payload(sku=sku, batch=batch, **extra))
        tickets.create_ticket(db, actor=TEST_ACTOR, now=clock.now(), data=data)
    while refresh_rollups(db):
        pass


def evaluate(db: Database, clock: Any, **kw: Any) -> Any:
    return evaluate_rules(db, clock.now(), base_url=URL, **kw)


def series(db: Database) -> dict[str, AlertSeries]:
    with db.read() as s:
        return {
            f"{r.labels.get('sku')}/{r.labels.get('batch')}": r
            for r in s.scalars(select(AlertSeries))
        }


def notes(db: Database) -> list[Notification]:
    with db.read() as s:
        return list(s.scalars(select(Notification).order_by(Notification.id)))


def deliver(db: Database, clock: Any) -> None:
    dispatch_notifications(db, clock.now(), timeout=2.0)


def test_a_threshold_rule_fires_notifies_once_per_flush_and_resolves(db, clock, hook):
    receiver(db, clock, "quality group", hook)
    routing(
        db,
        clock,
        {
            "receiver": "quality group",
            "group_by": ["alertname", "sku", "batch"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "1h",
        },
    )
    rule(db, clock)
    complaints(db, clock, "W-1", "B1", 2)
    complaints(db, clock, "W-2", "B1", 1)
    out = evaluate(db, clock)
    assert out.fired == [] and series(db) == {}  # two complaints: not over 2
    complaints(db, clock, "W-1", "B1", 1)
    out = evaluate(db, clock)
    assert len(out.fired) == 1 and series(db)["W-1/B1"].state == "firing"
    assert out.notifications == []  # group_wait: nothing yet
    clock.advance(29 * S)
    assert evaluate(db, clock).notifications == []
    clock.advance(1 * S)
    sent = evaluate(db, clock).notifications
    assert len(sent) == 1
    deliver(db, clock)
    assert len(hook.accepted()) == 1
    body = hook.accepted()[0].json()
    assert "W-1" in str(body) and "B1" in str(body)
    msg = notes(db)[0].message
    assert msg["severity"] == "warning" and "sku=W-1" in msg["title"]
    assert (
        msg["drill_url"].startswith(f"{URL}/views/tickets?")
        and "sku%3Aeq%3AW-1" in (msg["drill_url"])
    )
    assert msg["ack_url"].startswith(f"{URL}/alerts/acknowledge?token=")
    # Still firing: nothing more within the repeat interval, whatever the evaluations.
    for _ in range(3):
        clock.advance(5 * M)
        assert evaluate(db, clock).notifications == []
    # Still firing an hour after the notification: repeated once, at a group interval tick.
    clock.advance(45 * M)
    repeated = evaluate(db, clock).notifications
    assert len(repeated) == 1 and repeated != sent
    deliver(db, clock)
    assert len(hook.accepted()) == 2 and notes(db)[-1].message["severity"] == "warning"
    # The tickets leave the 4 h window: the series resolves and the receiver is told once.
    clock.advance(4 * timedelta(hours=1))
    out = evaluate(db, clock)
    assert out.resolved and series(db)["W-1/B1"].state == "resolved"
    assert len(out.notifications) == 1  # the group interval had long passed
    deliver(db, clock)
    assert len(hook.accepted()) == 3
    assert notes(db)[-1].message["severity"] == "resolved"
    clock.advance(10 * M)
    assert evaluate(db, clock).notifications == []


def test_routing_by_labels_reaches_the_right_receiver(db, clock, hook, hook2):
    receiver(db, clock, "production line", hook)
    receiver(db, clock, "logistics", hook2)
    routing(
        db,
        clock,
        {
            "receiver": "logistics",
            "group_by": ["alertname"],
            "group_wait": "0s",
            "routes": [{"matchers": ["category=quality"], "receiver": "production line"}],
        },
    )
    rule(db, clock, name="quality", labels={"category": "quality"})
    rule(
        db,
        clock,
        name="late parcels",
        labels={"category": "logistics"},
        value=0,
        group_by=["country"],
    )
    complaints(db, clock, "W-1", "B1", 3)
    out = evaluate(db, clock)
    assert len(out.fired) == 2 and len(out.notifications) == 2
    deliver(db, clock)
    assert ["quality" in r.body.decode() for r in hook.accepted()] == [True]
    assert ["late parcels" in r.body.decode() for r in hook2.accepted()] == [True]


def test_a_silence_mutes_and_inhibition_holds_back_the_lesser_alert(db, clock, hook):
    receiver(db, clock, "quality group", hook)
    routing(
        db,
        clock,
        {"receiver": "quality group", "group_by": ["alertname", "sku"], "group_wait": "0s"},
        [
            {
                "source_matchers": ["severity=critical"],
                "target_matchers": ["severity=warning"],
                "equal": ["sku"],
            }
        ],
    )
    rule(db, clock, name="many", value=4, severity="critical")
    rule(db, clock, name="some", value=2, severity="warning")
    silenced = rule(db, clock, name="silenced", value=1, labels={"team": "night"})
    actions.create_silence(
        db,
        actor=TEST_ACTOR,
        now=clock.now(),
        data={
            "matchers": ["team=night"],
            "starts_at": clock.now().isoformat(),
            "ends_at": (clock.now() + timedelta(hours=1)).isoformat(),
            "comment": "known issue",
        },
    )
    complaints(db, clock, "W-1", "B1", 5)
    out = evaluate(db, clock)
    assert len(out.fired) == 3  # all fire; only the critical one is told
    titles = [n.message["title"] for n in notes(db)]
    assert len(titles) == 1 and titles[0].startswith("many")
    with db.read() as s:
        assert s.scalar(select(AlertSeries.state).where(AlertSeries.rule_id == silenced)) == (
            "firing"
        )


def test_acknowledging_stops_the_escalation_and_escalation_follows_its_steps(
    db, clock, hook, hook2
):
    receiver(db, clock, "quality group", hook)
    receiver(db, clock, "duty lead", hook2)
    routing(
        db, clock, {"receiver": "quality group", "group_by": ["sku", "batch"], "group_wait": "0s"}
    )
    actions.save_policy(
        db,
        actor=TEST_ACTOR,
        now=clock.now(),
        values={
            "name": "quality escalation",
            "receiver": "quality group",
            "repeat": 1,
            "steps": [{"after": "10m", "receiver": "duty lead"}],
        },
    )
    rule(db, clock)
    complaints(db, clock, "W-1", "B1", 3)
    complaints(db, clock, "W-2", "B2", 3)
    evaluate(db, clock)
    assert escalate.run_escalation(db, clock.now(), base_url=URL) == []
    clock.advance(10 * M)
    first = escalate.run_escalation(db, clock.now(), base_url=URL)
    assert len(first) == 2  # both alerts, step 1
    deliver(db, clock)
    # W-1/B1 is acknowledged through its card's link; W-2/B2 escalates again (repeat 1).
    w1 = series(db)["W-1/B1"]
    ack = next(n for n in notes(db) if n.key.startswith(w1.fingerprint)).message["ack_url"]
    token = parse_qs(urlsplit(ack).query)["token"][0]
    acked = escalate.acknowledge_token(db, token=token, now=clock.now())
    assert [r.id for r in acked] == [w1.id] and series(db)["W-1/B1"].acknowledged_at
    assert all(n.acknowledged_at for n in notes(db) if n.key.startswith(w1.fingerprint))
    clock.advance(10 * M)
    second = escalate.run_escalation(db, clock.now(), base_url=URL)
    assert len(second) == 1 and second[0].startswith(series(db)["W-2/B2"].fingerprint)
    deliver(db, clock)
    clock.advance(60 * M)
    assert escalate.run_escalation(db, clock.now(), base_url=URL) == []  # steps all taken
    assert len(hook2.accepted()) == 3
    with pytest.raises(Exception, match="not valid"):
        escalate.acknowledge_token(db, token=token[:-3] + "abc", now=clock.now())


def test_the_notification_and_the_state_change_commit_together(db, clock, hook, monkeypatch):
    receiver(db, clock, "quality group", hook)
    routing(db, clock, {"receiver": "quality group", "group_wait": "0s"})
    rule(db, clock)
    complaints(db, clock, "W-1", "B1", 3)
    real = outbox.enqueue_notification

    def enqueue_then_fail(*args: Any, **kw: Any) -> Any:
        real(*args, **kw)
        raise RuntimeError("the process died after the enqueue")

    monkeypatch.setattr(outbox, "enqueue_notification", enqueue_then_fail)
    with pytest.raises(RuntimeError):
        evaluate(db, clock)
    assert series(db) == {} and notes(db) == []
    monkeypatch.setattr(outbox, "enqueue_notification", real)
    out = evaluate(db, clock)
    assert len(out.fired) == 1 and len(notes(db)) == 1


def test_an_event_rule_fires_on_an_sla_breach_and_resolves_after_quiet(db, clock, hook):
    receiver(db, clock, "leads", hook)
    routing(db, clock, {"receiver": "leads", "group_wait": "0s"})
    actions.create_rule(
        db,
        actor=TEST_ACTOR,
        now=clock.now(),
        document={
            "kind": "event",
            "name": "SLA breaches",
            "event": "sla_breach",
            "group_by": ["target"],
            "resolve_after": "30m",
            "severity": "critical",
        },
    )
    complaints(db, clock, "W-1", "B1", 1)
    assert evaluate(db, clock).fired == []
    with db.write() as s:
        from careloop.tickets.tables import Ticket

        ticket_id = s.scalar(select(Ticket.id))
        s.add(
            SlaEvent(
                ticket_id=ticket_id,
                target="first_response",
                kind="breach",
                due_at=clock.now(),
                at=clock.now(),
                actions={},
            )
        )
    clock.advance(1 * M)
    out = evaluate(db, clock)
    assert len(out.fired) == 1 and len(out.notifications) == 1
    assert notes(db)[0].message["labels"]["target"] == "first_response"
    clock.advance(31 * M)
    assert len(evaluate(db, clock).resolved) == 1


def _deliveries(db: Database, clock: Any, rng: random.Random) -> None:
    """Five weeks of the same day: 20 orders delivered per SKU and batch each week."""
    with db.write() as s:
        n = 0
        for week in range(5):
            day = clock.now() - timedelta(weeks=week, hours=6)
            for sku in ("W-1", "W-2", "W-3"):
                for batch in ("B1", "B2"):
                    for _ in range(20):
                        n += 1
                        at = day + timedelta(minutes=rng.randrange(300))
                        o = Order(
                            source="shop",
                            external_id=f"o{n}",
                            number=f"#{n}",
                            currency="USD",
                            total_amount=Decimal("10"),
                            placed_at=at,
                            updated_at=at,
                        )
                        o.line_items = [
                            LineItem(
                                sku=sku,
                                batch=batch,
                                quantity=1,
                                unit_price=Decimal("10"),
                                currency="USD",
                            )
                        ]
                        o.shipments = [
                            Shipment(
                                carrier="dhl", status="delivered", shipped_at=at, delivered_at=at
                            )
                        ]
                        s.add(o)


def test_an_anomaly_rule_finds_the_planted_batch(db, clock, hook):
    receiver(db, clock, "quality group", hook)
    routing(db, clock, {"receiver": "quality group", "group_wait": "0s"})
    _deliveries(db, clock, random.Random(6))
    now = clock.now()
    for week in range(1, 5):  # the baseline: one complaint per series per week
        clock.set(now - timedelta(weeks=week, hours=1))
        for sku in ("W-1", "W-2", "W-3"):
            for batch in ("B1", "B2"):
                complaints(db, clock, sku, batch, 1)
    clock.set(now - timedelta(hours=1))
    for sku in ("W-1", "W-2", "W-3"):
        for batch in ("B1", "B2"):
            complaints(db, clock, sku, batch, 12 if (sku, batch) == ("W-2", "B2") else 1)
    clock.set(now)
    actions.create_rule(
        db,
        actor=TEST_ACTOR,
        now=clock.now(),
        document={
            "kind": "anomaly",
            "name": "Complaint rate up",
            "window": "24h",
            "baseline_weeks": 4,
            "group_by": ["sku", "batch"],
        },
    )
    out = evaluate(db, clock)
    assert list(series(db)) == ["W-2/B2"] and len(out.fired) == 1
    figures = series(db)["W-2/B2"].figures
    assert figures["count"] == 12 and figures["ratio"] > 5 and figures["q"] < 0.01
    assert "Ratio to baseline" in str(notes(db)[0].message["figures"])
    clock.advance(1 * M)  # anomaly rules are evaluated hourly, not every minute
    assert evaluate(db, clock).rules == 0
    clock.advance(59 * M)
    assert evaluate(db, clock).rules == 1


def test_a_committed_ticket_wakes_the_evaluator_which_enqueues_at_once(db, hook):
    """The event-driven path on the real clock: no job runs, no refresh by hand; the commit of
    the ticket wakes the evaluator thread, which refreshes the rollups and evaluates."""
    clock = SystemClock()
    receiver(db, clock, "quality group", hook)
    routing(db, clock, {"receiver": "quality group", "group_wait": "0s"})
    rule(db, clock, value=0, window="1h")
    thread = EvaluatorThread(db, clock, idle=0.5)
    thread.start()
    try:
        data = TicketCreate.model_validate(ticket_payload(sku="W-9", batch="B9"))
        tickets.create_ticket(db, actor=TEST_ACTOR, now=clock.now(), data=data)
        deadline = time.monotonic() + 20
        while not notes(db) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        thread.stop()
    assert [n.message["labels"]["sku"] for n in notes(db)] == ["W-9"]
