"""The demo's planted problems fire its alert rules: the faulty batch and the failing carrier
fire, the normal batches and carriers do not; the notifications queued at load reach the demo
group chats through the real delivery path (a live server, signed webhooks); the planted batch
has a root-cause task under way."""

from __future__ import annotations

from datetime import timedelta

from careloop.alerts import capa_queries
from careloop.alerts.delivery_queries import list_notifications, list_receivers
from careloop.alerts.dispatch import dispatch_notifications
from careloop.alerts.evaluate import load_rules
from careloop.alerts.observe import observe
from careloop.alerts.queries import list_alerts, list_rules
from careloop.demo import alerts as demo_alerts
from careloop.demo import inbox
from careloop.demo.calendar import batch_code
from careloop.demo.generate import load_demo
from careloop.demo.orders import PLANTED_BATCH_AGE, PLANTED_CARRIER, PLANTED_COUNTRY, PLANTED_SKU

# Big enough for both planted problems to stand out, small enough to load in seconds.
SIZE = {"orders": 1500, "tickets": 240}


def test_planted_problems_fire_reach_the_demo_chats_and_open_a_task(
    db, clock, live_server, monkeypatch
):
    monkeypatch.setenv("CARELOOP_PUBLIC_URL", live_server.url)
    now = clock.now()
    report = load_demo(db, seed=7, **SIZE, now=now)
    batch = batch_code(PLANTED_SKU, now - PLANTED_BATCH_AGE)

    rules = {r["id"]: r["name"] for r in list_rules(db)}
    firing = {(rules[a["rule_id"]], a["fingerprint"]): a for a in list_alerts(db, state="firing")}
    quality = [a for (name, _), a in firing.items() if name == demo_alerts.QUALITY_RULE]
    logistics = [a for (name, _), a in firing.items() if name == demo_alerts.LOGISTICS_RULE]
    assert [(a["labels"]["sku"], a["labels"]["batch"]) for a in quality] == [(PLANTED_SKU, batch)]
    assert [(a["labels"]["carrier"], a["labels"]["country"]) for a in logistics] == [
        (PLANTED_CARRIER, PLANTED_COUNTRY)
    ]
    for (name, _), a in firing.items():  # the anomaly rule too, when it fires: only there
        assert a["labels"].get("sku", PLANTED_SKU) == PLANTED_SKU, name
    # The normal series were looked at and stayed quiet.
    for rule in load_rules(db, None, now):
        if rule.name in (demo_alerts.QUALITY_RULE, demo_alerts.LOGISTICS_RULE):
            seen = observe(db, rule, now)
            assert len(seen) >= 3
            assert sum(s.observation.active for s in seen.values()) == 1
    assert any(batch in line for line in report.planted if line.startswith("alert firing"))

    receivers = {r.id: r.name for r in list_receivers(db)}
    pending, _ = list_notifications(db, status="pending")
    assert {receivers[n.receiver_id] for n in pending} == set(demo_alerts.INBOXES)
    assert all(n.enqueued_at == now + demo_alerts.GROUP_WAIT for n in pending)

    clock.advance(demo_alerts.GROUP_WAIT + timedelta(seconds=1))
    sent = dispatch_notifications(db, clock.now())
    assert sent.delivered == len(pending) and sent.failed == sent.dead == 0
    assert dispatch_notifications(db, clock.now()).delivered == 0

    chats = {c.slug: c for c in inbox.chats(db)}
    line, road = chats["production-line"], chats["logistics"]
    assert line.count == 1 and road.count == 1
    card = line.messages[0].body["message"]
    assert card["labels"]["batch"] == batch and card["severity"] == "critical"
    assert card["ack_url"].startswith(f"{live_server.url}/alerts/acknowledge?token=")
    assert card["drill_url"].startswith(live_server.url)
    assert road.messages[0].body["message"]["labels"]["carrier"] == PLANTED_CARRIER

    tasks, _ = capa_queries.list_tasks(
        db, capa_queries.BoardFilter(), today=now.date(), limit=10, cursor=None
    )
    assert len(tasks) == 1
    task = capa_queries.get_task(db, tasks[0].id)
    assert (task.task.sku, task.task.batch, task.task.stage) == (PLANTED_SKU, batch, "d4")
    assert task.task.alert_fingerprint == quality[0]["fingerprint"]
    done = {st.stage for st in task.stages if st.done_at is not None}
    assert done == {"d1", "d2", "d3"}
    assert all(st.owner_id and st.due_on for st in task.stages if st.stage in ("d4", "d5"))
    assert 1 <= len(task.links) <= 5


def test_loading_again_leaves_the_demo_alerting_alone(db, clock):
    load_demo(db, seed=3, orders=40, tickets=10, now=clock.now())
    again = demo_alerts.load_alerts(db, now=clock.now())
    assert again.skipped and len(list_receivers(db)) == 2
