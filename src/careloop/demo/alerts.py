"""The demo's alerting, set up the way an admin would: two stand-in group chats (demo inboxes)
with webhook receivers pointing at this server's `/hooks/demo-inbox/...`, a routing tree
(quality to the production line by SKU and batch, logistics to the logistics group by carrier
and country), three rules and an escalation policy. The rules are evaluated once at the demo's
`now`, so the planted batch and the failing carrier fire and their notifications wait in the
outbox for the server's delivery; and the planted batch gets a root-cause task under way.

The thresholds are set against the demo's numbers (seed 7, 5,000 orders): the planted batch
draws 37 quality complaints in 7 days where every other batch draws at most 2 in 31; Aramex in
Nigeria has 22 parcels in exception among those dispatched in 14 days, any other carrier and
country at most 4."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from careloop.accounts.tables import User
from careloop.alerts import actions, capa, receivers
from careloop.alerts.capa_schemas import CapaCreate, StageUpdate
from careloop.alerts.delivery_queries import list_receivers
from careloop.alerts.evaluate import evaluate_rules
from careloop.alerts.queries import list_alerts, list_rules
from careloop.config import Settings
from careloop.demo import inbox, people
from careloop.demo.orders import PLANTED_CARRIER, PLANTED_COUNTRY, PLANTED_SKU
from careloop.demo.workforce import DEMO_ACTOR
from careloop.insights.refresh import rebuild_rollups
from careloop.storage.engine import Database
from careloop.tickets.model import Category
from careloop.tickets.tables import Ticket
from careloop.workforce.tables import Team

PRODUCTION = "Production line (demo)"
LOGISTICS = "Logistics (demo)"
INBOXES = {PRODUCTION: "production-line", LOGISTICS: "logistics"}
GROUP_WAIT = timedelta(seconds=30)
QUALITY_RULE = "Quality complaints by batch"
ANOMALY_RULE = "Quality complaints per unit delivered"
LOGISTICS_RULE = "Logistics exceptions by carrier and country"

RULES: tuple[dict[str, Any], ...] = (
    {
        "kind": "threshold",
        "name": QUALITY_RULE,
        "metric": "complaints",
        "filters": {"category": ["quality"]},
        "group_by": ["sku", "batch"],
        "window": "7d",
        "comparator": ">",
        "value": 5,  # at 800 tickets; scaled with the demo's tickets (rules())
        "severity": "critical",
        "labels": {"category": "quality", "team": "production"},
    },
    {
        "kind": "anomaly",
        "name": ANOMALY_RULE,
        "count_metric": "complaints",
        "exposure_metric": "units_delivered",
        "filters": {"category": ["quality"]},
        "group_by": ["sku", "batch"],
        "window": "7d",
        "baseline_weeks": 8,
        "min_count": 5,
        "fdr": 0.01,
        "severity": "warning",
        "labels": {"category": "quality", "team": "production"},
    },
    {
        "kind": "threshold",
        "name": LOGISTICS_RULE,
        "metric": "logistics_exceptions",
        "group_by": ["carrier", "country"],
        "window": "14d",
        "comparator": ">=",
        "value": 8,  # at 5,000 orders; scaled with the demo's orders (rules())
        "severity": "critical",
        "labels": {"category": "logistics", "team": "logistics"},
    },
)


def rules(orders: int = 5000, tickets: int = 800) -> list[dict[str, Any]]:
    """The rules with their bounds scaled to the demo's size (the planted complaints follow
    the tickets, the parcels in exception the orders), never below what one normal batch or
    carrier reaches by chance."""
    out = [dict(r) for r in RULES]
    out[0]["value"] = max(2, round(5 * tickets / 800))
    out[2]["value"] = max(3, round(8 * orders / 5000))
    return out


def routing_tree() -> dict[str, Any]:
    """Quality alerts to the production line, one message per SKU and batch; logistics alerts
    to the logistics group, one per carrier and country; anything else to the production line."""
    return {
        "route": {
            "receiver": PRODUCTION,
            "group_by": ["alertname"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
            "routes": [
                {"matchers": ["category=quality"], "receiver": PRODUCTION,
                 "group_by": ["sku", "batch"]},
                {"matchers": ["category=logistics"], "receiver": LOGISTICS,
                 "group_by": ["carrier", "country"]},
            ],
        },
    }  # fmt: skip


@dataclass
class AlertsReport:
    """What the demo's alert setup did, for the printed summary and the tests."""

    fired: list[str] = field(default_factory=list)  # "rule: sku=..., batch=..."
    notifications: int = 0
    capa_task_id: int | None = None
    skipped: bool = False
    public_url: str = ""
    rollup_rows: int = 0

    def lines(self) -> list[str]:
        """The summary's lines, printed with the planted problems."""
        if self.skipped:
            return ["alerts: the demo receivers exist already; left as they are"]
        out = [f"alert firing: {f}" for f in self.fired]
        out.append(
            f"{self.notifications} alert notifications queued for the demo group chats; they"
            f" arrive once the server runs: {self.public_url}/alerts/demo-inbox"
        )
        if self.capa_task_id is not None:
            out.append(f"root-cause task under way: {self.public_url}/capa/{self.capa_task_id}")
        return out


def load_alerts(
    db: Database,
    *,
    now: datetime,
    orders: int = 5000,
    tickets: int = 800,
    public_url: str | None = None,
) -> AlertsReport:
    """Receivers, routing, rules and policies; one evaluation at `now` (after building the
    insights rollups the rules read) and the flush of the groups once group_wait has passed;
    then the planted batch's root-cause task. A database with the demo receivers is left alone."""
    url = (public_url or Settings.from_env().public_url).rstrip("/")
    report = AlertsReport(public_url=url)
    if {r.name for r in list_receivers(db)} & set(INBOXES):
        report.skipped = True
        return report
    for name, slug in INBOXES.items():
        secret = inbox.ensure_inbox(db, slug=slug, title=name, now=now)
        receivers.create_receiver(
            db,
            actor=DEMO_ACTOR,
            now=now,
            values={
                "name": name,
                "kind": "webhook",
                "url": f"{url}/hooks/demo-inbox/{slug}",
                "secret": secret,
                # The server may start well after the demo loads: keep trying for a day.
                "deadline_minutes": 24 * 60,
            },
        )
    actions.put_routing(db, actor=DEMO_ACTOR, now=now, document=routing_tree())
    for document in rules(orders, tickets):
        actions.create_rule(db, actor=DEMO_ACTOR, now=now, document=document)
    _policies(db, now)
    # Every rollup, not only those the rules read: the dashboards are ready too, and
    # `careloop demo` need not rebuild them again.
    report.rollup_rows = sum(rebuild_rollups(db).values())
    outcome = evaluate_rules(db, now, base_url=url)
    flushed = evaluate_rules(db, now + GROUP_WAIT, rule_ids=(), base_url=url)
    report.notifications = len(outcome.notifications) + len(flushed.notifications)
    names = {r["id"]: r["name"] for r in list_rules(db)}
    firing = list_alerts(db, state="firing")
    report.fired = [
        f"{names.get(a['rule_id'], a['rule_id'])}: {_series(a['labels'])}"
        for a in sorted(firing, key=lambda a: a["id"])
    ]
    report.capa_task_id = _capa_task(db, now, firing, names)
    return report


def _series(labels: dict[str, str]) -> str:
    dims = ("sku", "batch", "carrier", "country")
    return ", ".join(f"{k}={labels[k]}" for k in dims if k in labels)


def _policies(db: Database, now: datetime) -> None:
    """Unacknowledged after 30 minutes, the alert goes out again naming the team lead on duty
    (Europe & Africa, where the Nigerian and the production complaints land); after another
    hour, to the other group too."""
    with db.read() as s:
        team = s.scalar(select(Team.id).where(Team.name == people.EUROPE_AFRICA))
    lead = {"lead_on_duty": team} if team is not None else {}
    for receiver, other in ((PRODUCTION, LOGISTICS), (LOGISTICS, PRODUCTION)):
        actions.save_policy(
            db,
            actor=DEMO_ACTOR,
            now=now,
            values={
                "name": f"{receiver}: escalation",
                "receiver": receiver,
                "steps": [
                    {"after": "30m", "receiver": receiver, **lead},
                    {"after": "1h", "receiver": other},
                ],
                "repeat": 0,
            },
        )


def _users(db: Database, names: tuple[str, ...]) -> dict[str, int]:
    emails = {people.staff_email(m): m.name for m in people.STAFF if m.name in names}
    with db.read() as s:
        rows = s.execute(
            select(User.id, func.lower(User.email)).where(func.lower(User.email).in_(list(emails)))
        ).all()
    return {emails[email]: user_id for user_id, email in rows}


def _capa_task(
    db: Database, now: datetime, firing: list[dict[str, Any]], names: dict[int, str]
) -> int | None:
    """The planted batch's root-cause task, opened from its threshold alert: team, description
    and containment done, root cause and corrective action owned and due."""
    alert = next(
        (
            a
            for a in firing
            if names.get(a["rule_id"]) == QUALITY_RULE and a["labels"].get("sku") == PLANTED_SKU
        ),
        None,
    )
    if alert is None:
        return None
    batch = alert["labels"].get("batch")
    with db.read() as s:
        tickets = list(
            s.scalars(
                select(Ticket.id)
                .where(Ticket.sku == PLANTED_SKU, Ticket.batch == batch)
                .where(Ticket.category == Category.QUALITY)
                .order_by(Ticket.created_at.desc())
                .limit(5)
            )
        )
    users = _users(db, ("Li Wei", "Zhang Min", "Amara Okoye", "Grace Mensah"))
    owner = users.get("Li Wei")
    count = alert["figures"].get("value")
    task_id = capa.open_capa_task(
        db,
        actor=DEMO_ACTOR,
        now=now,
        data=CapaCreate(
            title=f"Shedding and tangling on {PLANTED_SKU} batch {batch}",
            description=(
                f"{count:.0f} quality complaints in 7 days on one batch (alert "
                f"'{QUALITY_RULE}'); customers report shedding and tangling within days."
                if isinstance(count, int | float)
                else f"Quality complaints on one batch (alert '{QUALITY_RULE}')."
            ),
            category="quality",
            owner_id=owner,
            member_ids=sorted(users.values()),
            sku=PLANTED_SKU,
            batch=batch,
            alert_rule_id=alert["rule_id"],
            alert_fingerprint=alert["fingerprint"],
            alert_labels=alert["labels"],
            ticket_ids=tickets,
        ),
    )
    plan = (
        ("d1", "Li Wei", -2, "Li Wei (quality), Zhang Min (production), Amara Okoye (support)."),
        ("d2", "Zhang Min", -1, "Shedding within a week of wear; only this batch of the SKU."),
        ("d3", "Li Wei", 0, "Batch held in the warehouse; replacements sent from other batches."),
        ("d4", "Zhang Min", 3, ""),
        ("d5", "Li Wei", 10, ""),
        ("d7", "Zhang Min", 21, ""),
    )
    for stage, who, days, notes in plan:
        changes: dict[str, Any] = {
            "owner_id": users.get(who),
            "due_on": (now + timedelta(days=days)).date(),
        }
        if notes:
            changes["notes"] = notes
        capa.update_stage(
            db,
            actor=DEMO_ACTOR,
            now=now,
            task_id=task_id,
            stage=stage,
            data=StageUpdate(**changes),
        )
        if days <= 0:
            capa.complete_stage(db, actor=DEMO_ACTOR, now=now, task_id=task_id, stage=stage)
    return task_id


def planted_series() -> dict[str, dict[str, str]]:
    """The labels the demo's planted problems fire with, by rule (batch codes follow the
    calendar, so only the SKU is fixed)."""
    return {
        QUALITY_RULE: {"sku": PLANTED_SKU},
        ANOMALY_RULE: {"sku": PLANTED_SKU},
        LOGISTICS_RULE: {"carrier": PLANTED_CARRIER, "country": PLANTED_COUNTRY},
    }
