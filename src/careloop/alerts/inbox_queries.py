"""The read side of the alert pages: the inbox (alerts by tab, each with what mutes it and its
notifications' delivery state) and one alert whole (its history and every notification's
delivery log), each in a fixed number of queries whatever the number of alerts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from careloop.alerts.delivery_tables import Notification, NotificationAttempt, Receiver
from careloop.alerts.evaluate import active_silences, group_digest
from careloop.alerts.routing_tree import (
    RoutingConfig,
    Silence,
    group_key,
    is_inhibited,
    parse_config,
    routes_for,
)
from careloop.alerts.tables import (
    AlertGroupState,
    AlertRoutingConfig,
    AlertRule,
    AlertSeries,
    EscalationPolicy,
)
from careloop.errors import Invalid, NotFound
from careloop.storage.audit import AuditEntry
from careloop.storage.engine import Database

TABS = ("firing", "acknowledged", "silenced", "resolved")
MAX_FIRING = 500
MAX_RESOLVED = 200
SHOWN_NOTIFICATIONS = 5  # per alert in the inbox; the alert's page shows them all


@dataclass(frozen=True)
class NotificationView:
    """One notification of an alert, with its receiver's name and, on the alert's page, its
    delivery log (attempts, oldest first)."""

    row: Notification
    receiver: str
    kind: str
    escalation: bool
    attempts: list[NotificationAttempt] = field(default_factory=list)


@dataclass(frozen=True)
class AlertItem:
    """An alert (series) as the pages show it: its rule's name, its tab, what mutes it."""

    series: AlertSeries
    rule_name: str
    tab: str
    muted_by: str | None  # "silence" or "inhibition"
    silences: tuple[int, ...]
    notifications: list[NotificationView]


@dataclass(frozen=True)
class Inbox:
    tab: str
    counts: dict[str, int]
    items: list[AlertItem]


@dataclass(frozen=True)
class AlertPage:
    item: AlertItem
    rule: AlertRule | None
    policy: EscalationPolicy | None
    audit: list[AuditEntry]


def _config(s: Session) -> RoutingConfig | None:
    row = s.get(AlertRoutingConfig, 1)
    if row is None or not row.document:
        return None
    try:
        return parse_config(row.document)
    except Invalid:  # stored checked; a receiver renamed since must not break the page
        return None


def _muted(
    series: AlertSeries,
    silences: Sequence[Silence],
    firing: Sequence[dict[str, str]],
    config: RoutingConfig | None,
    now: datetime,
) -> tuple[str | None, tuple[int, ...]]:
    if series.state != "firing":
        return None, ()
    by = tuple(x.id for x in silences if x.mutes(series.labels, now))
    if by:
        return "silence", by
    if config is not None and is_inhibited(series.labels, firing, config.inhibit_rules):
        return "inhibition", ()
    return None, ()


def _tab(series: AlertSeries, muted_by: str | None) -> str:
    if series.state != "firing":
        return "resolved"
    if series.acknowledged_at is not None:
        return "acknowledged"
    return "silenced" if muted_by else "firing"


def _digests(
    s: Session, config: RoutingConfig | None, rows: Sequence[AlertSeries]
) -> dict[str, set[str]]:
    """Per fingerprint, the digests of the groups its notifications were keyed by: the groups
    holding it now, and the groups the routing tree puts it in (those of a resolved alert
    are gone)."""
    wanted = {r.fingerprint for r in rows}
    out: dict[str, set[str]] = {fp: set() for fp in wanted}
    for key, alerts in s.execute(select(AlertGroupState.key, AlertGroupState.alerts)):
        for fp in wanted.intersection(alerts):
            out[fp].add(group_digest(key))
    if config is not None:
        for r in rows:
            for route in routes_for(config.route, r.labels):
                out[r.fingerprint].add(group_digest(group_key(route, r.labels)))
    return out


def _notifications(
    s: Session, digests: dict[str, set[str]], *, with_attempts: bool = False
) -> dict[str, list[NotificationView]]:
    """The notifications of these alerts, newest first: keys "<fingerprint>:..." (escalation
    steps, their fallbacks) and "grp:<digest>:..." (group flushes)."""
    out: dict[str, list[NotificationView]] = {fp: [] for fp in digests}
    if not digests:
        return out
    by_digest: dict[str, list[str]] = {}
    for fp, ds in digests.items():
        for d in ds:
            by_digest.setdefault(d, []).append(fp)
    conds = [func.substr(Notification.key, 1, 16).in_(list(digests))]
    if by_digest:
        conds.append(func.substr(Notification.key, 5, 16).in_(list(by_digest)))
    stmt = (
        select(Notification, Receiver.name, Receiver.kind)
        .join(Receiver, Receiver.id == Notification.receiver_id)
        .where(or_(*conds))
        .order_by(Notification.id.desc())
    )
    found = s.execute(stmt).all()
    attempts: dict[int, list[NotificationAttempt]] = {}
    if with_attempts and found:
        ids = [n.id for n, _, _ in found]
        for a in s.scalars(
            select(NotificationAttempt)
            .where(NotificationAttempt.notification_id.in_(ids))
            .order_by(NotificationAttempt.id)
        ):
            attempts.setdefault(a.notification_id, []).append(a)
    for n, name, kind in found:
        if n.key.startswith("grp:"):
            owners = by_digest.get(n.key[4:20], [])
        else:
            owners = [n.key[:16]] if n.key[16:17] == ":" and n.key[:16] in out else []
        view = NotificationView(n, name, kind, not n.key.startswith("grp:"), attempts.get(n.id, []))
        for fp in owners:
            out[fp].append(view)
    return out


def _item(
    row: AlertSeries,
    name: str,
    muted: tuple[str | None, tuple[int, ...]],
    notes: list[NotificationView],
) -> AlertItem:
    return AlertItem(row, name, _tab(row, muted[0]), muted[0], muted[1], notes)


def inbox(db: Database, now: datetime, tab: str) -> Inbox:
    """The alerts of one tab (firing: firing, neither acknowledged nor muted; acknowledged;
    silenced: muted by a silence or an inhibition; resolved, newest first), each with its
    latest notifications, and every tab's count."""
    if tab not in TABS:
        raise Invalid(f"tab is one of {', '.join(TABS)}", {"field": "tab"})
    named = select(AlertSeries, AlertRule.name).join(AlertRule, AlertRule.id == AlertSeries.rule_id)
    with db.read() as s:
        firing = [
            (r, n)
            for r, n in s.execute(
                named.where(AlertSeries.state == "firing")
                .order_by(AlertSeries.fired_at.desc(), AlertSeries.id.desc())
                .limit(MAX_FIRING)
            )
        ]
        config = _config(s)
        silences = active_silences(s, now)
        labels = [dict(r.labels) for r, _ in firing]
        muted = {r.id: _muted(r, silences, labels, config, now) for r, _ in firing}
        counts = dict.fromkeys(TABS, 0)
        for r, _ in firing:
            counts[_tab(r, muted[r.id][0])] += 1
        counts["resolved"] = (
            s.scalar(
                select(func.count()).select_from(AlertSeries).where(AlertSeries.state == "resolved")
            )
            or 0
        )
        if tab == "resolved":
            rows = [
                (r, n)
                for r, n in s.execute(
                    named.where(AlertSeries.state == "resolved")
                    .order_by(AlertSeries.resolved_at.desc(), AlertSeries.id.desc())
                    .limit(MAX_RESOLVED)
                )
            ]
        else:
            rows = [(r, n) for r, n in firing if _tab(r, muted[r.id][0]) == tab]
        notes = _notifications(s, _digests(s, config, [r for r, _ in rows]))
        items = [
            _item(r, n, muted.get(r.id, (None, ())), notes[r.fingerprint][:SHOWN_NOTIFICATIONS])
            for r, n in rows
        ]
        return Inbox(tab, counts, items)


def alert_page(db: Database, now: datetime, alert_id: int) -> AlertPage:
    """One alert: its rule, escalation policy, audit trail and notifications with their
    delivery logs."""
    with db.read() as s:
        row = s.get(AlertSeries, alert_id)
        if row is None:
            raise NotFound(f"no alert {alert_id}")
        rule = s.get(AlertRule, row.rule_id)
        config = _config(s)
        labels = [dict(x) for x in s.scalars(
            select(AlertSeries.labels).where(AlertSeries.state == "firing")
        )]  # fmt: skip
        muted = _muted(row, active_silences(s, now), labels, config, now)
        notes = _notifications(s, _digests(s, config, [row]), with_attempts=True)
        policy = (
            s.get(EscalationPolicy, row.escalation_policy_id)
            if row.escalation_policy_id is not None
            else None
        )
        audit = list(
            s.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity_type == "alert", AuditEntry.entity_id == row.id)
                .order_by(AuditEntry.id)
            )
        )
        item = _item(row, rule.name if rule else "", muted, notes[row.fingerprint])
        return AlertPage(item, rule, policy, audit)
