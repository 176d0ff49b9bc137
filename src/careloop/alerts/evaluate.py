"""Evaluating the alert rules: what each rule sees (observe.py) moves its series through their
states (state.py); the series that fired or resolved join or leave their groups on the
routes their labels take (routing_tree.py), and the groups due now flush (grouping.py) into
notifications written to the outbox in the same transaction as the states (all or nothing).

`evaluate_rules(db, now)` is the minute job and what the event-driven evaluator calls with
the rules that read the touched tables; with `rule_ids=()` it only flushes due groups."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from careloop.alerts import compose, grouping, links, observe, outbox
from careloop.alerts.delivery_tables import Receiver
from careloop.alerts.grouping import Group, GroupAlert, Notification, due_notifications
from careloop.alerts.model import Rule
from careloop.alerts.routing_tree import (
    RoutingConfig,
    Silence,
    is_inhibited,
    is_silenced,
    parse_config,
    parse_matchers,
    routes_for,
)
from careloop.alerts.rule_config import parse_rule
from careloop.alerts.state import AlertState, Change, Observation, SeriesState, evaluate_series
from careloop.alerts.tables import AlertGroupState, AlertRule, AlertSeries, EscalationPolicy
from careloop.alerts.tables import Silence as SilenceRow
from careloop.config import Settings
from careloop.storage.engine import Database

log = logging.getLogger(__name__)
_LOCK_KEY = 0x1C5A_0010  # the advisory lock of alert evaluation on PostgreSQL
ANOMALY_EVERY = timedelta(hours=1)  # anomaly rules are evaluated hourly (ARCHITECTURE.md)


@dataclass
class Outcome:
    """What one evaluation did, for the job's log and the tests."""

    rules: int = 0
    fired: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    notifications: list[str] = field(default_factory=list)
    failed_rules: list[int] = field(default_factory=list)


def lock(s: Session) -> None:
    """One evaluator at a time across processes (SQLite's writer lock does it there)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})


def public_url() -> str:
    return Settings.from_env().public_url


def load_rules(db: Database, rule_ids: Collection[int] | None, now: datetime) -> list[Rule]:
    """The active rules (those named); an anomaly rule only once per ANOMALY_EVERY unless
    named, since its baselines move by the hour and its test costs two queries a week."""
    with db.read() as s:
        stmt = select(AlertRule.id, AlertRule.document, AlertRule.kind, AlertRule.evaluated_at)
        stmt = stmt.where(AlertRule.active.is_(True))
        if rule_ids is not None:
            stmt = stmt.where(AlertRule.id.in_(list(rule_ids)))
        rows = s.execute(stmt.order_by(AlertRule.id)).all()
    return [
        parse_rule(doc, rule_id=rid)
        for rid, doc, kind, at in rows
        if rule_ids is not None or kind != "anomaly" or at is None or now - at >= ANOMALY_EVERY
    ]


def evaluate_rules(
    db: Database,
    now: datetime,
    *,
    rule_ids: Collection[int] | None = None,
    tables: Collection[str] | None = None,
    base_url: str | None = None,
) -> Outcome:
    """Evaluate the active rules (those named, or those reading one of `tables`), then flush
    the groups due; one transaction writes the states and the notifications."""
    rules = [] if rule_ids is not None and not rule_ids else load_rules(db, rule_ids, now)
    if tables is not None:
        rules = [r for r in rules if observe.facts_read(r) & set(tables)]
    outcome = Outcome(rules=len(rules))
    seen: dict[int, observe.Seens] = {}
    for rule in rules:
        try:
            seen[rule.id] = observe.observe(db, rule, now)
        except Exception:  # one broken rule must not silence the others
            log.exception("alert rule %s could not be evaluated", rule.id)
            outcome.failed_rules.append(rule.id)
    url = base_url if base_url is not None else public_url()
    with db.write() as s:
        lock(s)
        apply(s, [r for r in rules if r.id in seen], seen, now, url, outcome)
    return outcome


def _state_of(row: AlertSeries) -> SeriesState:
    value = row.figures.get("value") if row.figures else None
    return SeriesState(
        AlertState(row.state),
        row.active_since,
        row.fired_at,
        row.resolved_at,
        value if isinstance(value, int | float) else None,
    )


def _step_rule(
    s: Session, rule: Rule, seen: observe.Seens, now: datetime, url: str, outcome: Outcome
) -> tuple[list[AlertSeries], list[AlertSeries]]:
    """Move one rule's series; the rows that fired and those that resolved."""
    rows = {
        r.fingerprint: r
        for r in s.scalars(select(AlertSeries).where(AlertSeries.rule_id == rule.id))
    }
    previous = {fp: _state_of(r) for fp, r in rows.items()}
    observations = {
        fp: v.observation for fp, v in seen.items() if v.observation.active or fp in rows
    }
    window = links.rule_window(rule, now)
    fired, resolved = [], []
    for fp, (state, change) in evaluate_series(
        previous, observations, now, for_duration=rule.for_duration
    ).items():
        row = rows.get(fp)
        if row is None:
            if state.state == AlertState.INACTIVE:
                continue
            row = AlertSeries(
                rule_id=rule.id,
                fingerprint=fp,
                labels=seen[fp].labels,
                figures={},
                escalation_step=0,
            )
            s.add(row)
        view = seen.get(fp)
        if view is not None:
            figures = dict(view.figures)
            figures["drill_url"] = links.drill_url(url, rule, view.labels, window)
            row.figures = figures
            row.labels = view.labels
        elif observations.get(fp, Observation(False)).value is None and row.figures:
            row.figures = {**row.figures, "value": None}
        row.state = state.state.value
        row.active_since, row.fired_at, row.resolved_at = (
            state.active_since,
            state.fired_at,
            state.resolved_at,
        )
        row.last_evaluated_at = now
        if change == Change.FIRED:
            row.acknowledged_at = row.acknowledged_by = None
            row.escalation_policy_id, row.escalation_step, row.escalation_from = None, 0, None
            fired.append(row)
            outcome.fired.append(fp)
        elif change == Change.RESOLVED:
            row.escalation_from = None
            resolved.append(row)
            outcome.resolved.append(fp)
    s.flush()
    return fired, resolved


def routing_config(s: Session, now: datetime) -> RoutingConfig | None:
    row = links.config_row(s, now)
    if not row.document:
        return None
    names = s.scalars(select(Receiver.name)).all()
    return parse_config(row.document, receivers=names)


def _group(row: AlertGroupState) -> Group:
    return Group(
        key=row.key,
        receiver=row.receiver,
        labels=row.labels,
        group_wait=timedelta(seconds=row.group_wait_s),
        group_interval=timedelta(seconds=row.group_interval_s),
        repeat_interval=timedelta(seconds=row.repeat_interval_s),
        created_at=row.created_at,
        next_flush_at=row.next_flush_at,
        alerts={
            fp: GroupAlert(
                fp,
                a["labels"],
                datetime.fromisoformat(a["starts_at"]),
                datetime.fromisoformat(a["resolved_at"]) if a.get("resolved_at") else None,
            )
            for fp, a in row.alerts.items()
        },
        flushed=row.flushed,
        notified_firing=frozenset(row.notified_firing),
        notified_resolved=frozenset(row.notified_resolved),
        notified_at=row.notified_at,
    )


def _store(row: AlertGroupState, g: Group) -> None:
    row.alerts = {
        fp: {
            "labels": dict(a.labels),
            "starts_at": a.starts_at.isoformat(),
            "resolved_at": a.resolved_at.isoformat() if a.resolved_at else None,
        }
        for fp, a in g.alerts.items()
    }
    row.flushed, row.next_flush_at, row.notified_at = g.flushed, g.next_flush_at, g.notified_at
    row.notified_firing = sorted(g.notified_firing)
    row.notified_resolved = sorted(g.notified_resolved)


def _new_group_row(g: Group, route_key: str) -> AlertGroupState:
    return AlertGroupState(
        key=g.key,
        route_key=route_key,
        receiver=g.receiver,
        labels=dict(g.labels),
        group_wait_s=int(g.group_wait.total_seconds()),
        group_interval_s=int(g.group_interval.total_seconds()),
        repeat_interval_s=int(g.repeat_interval.total_seconds()),
        alerts={},
        flushed=False,
        notified_firing=[],
        notified_resolved=[],
        next_flush_at=g.next_flush_at,
        created_at=g.created_at,
    )


def group_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def active_silences(s: Session, now: datetime) -> list[Silence]:
    rows = s.scalars(
        select(SilenceRow).where(SilenceRow.starts_at <= now, SilenceRow.ends_at > now)
    ).all()
    return [
        Silence(
            r.id,
            parse_matchers(r.matchers, "matchers"),
            r.starts_at,
            r.ends_at,
            r.created_by,
            r.comment,
        )
        for r in rows
    ]


def apply(
    s: Session,
    rules: Sequence[Rule],
    seen: dict[int, observe.Seens],
    now: datetime,
    url: str,
    outcome: Outcome,
) -> None:
    """The write half of an evaluation, in the caller's transaction."""
    fired: list[AlertSeries] = []
    resolved: list[AlertSeries] = []
    for rule in rules:
        f, r = _step_rule(s, rule, seen[rule.id], now, url, outcome)
        fired += f
        resolved += r
        s.execute(update(AlertRule).where(AlertRule.id == rule.id).values(evaluated_at=now))
    config = routing_config(s, now)
    if config is None:
        return
    rows = {g.key: g for g in s.scalars(select(AlertGroupState))}
    groups = {k: _group(r) for k, r in rows.items()}
    policies = {
        p.receiver: p.id
        for p in s.scalars(
            select(EscalationPolicy)
            .where(EscalationPolicy.active.is_(True))
            .order_by(EscalationPolicy.id)
        )
    }
    for series in fired:
        fired_at = series.fired_at or now
        for route in routes_for(config.route, series.labels):
            g = groups.get(grouping.open_group(route, series.labels, now).key)
            if g is None:
                g = grouping.open_group(route, series.labels, now)
                rows[g.key] = _new_group_row(g, route.key)
                s.add(rows[g.key])
            groups[g.key] = grouping.with_alert(
                g, GroupAlert(series.fingerprint, series.labels, fired_at), now
            )
            if series.escalation_policy_id is None and route.receiver in policies:
                series.escalation_policy_id = policies[route.receiver]
                series.escalation_from = now
    done = {r.fingerprint: r for r in resolved}
    for key, g in list(groups.items()):
        gone = [fp for fp in g.alerts if fp in done]
        for fp in gone:
            a = g.alerts[fp]
            groups[key] = g = grouping.with_alert(
                g, GroupAlert(fp, a.labels, a.starts_at, done[fp].resolved_at or now), now
            )
    firing_labels = [
        dict(x)
        for x in s.scalars(
            select(AlertSeries.labels).where(AlertSeries.state == AlertState.FIRING.value)
        )
    ]
    silences = active_silences(s, now)
    muted = frozenset(
        fp
        for g in groups.values()
        for fp, a in g.alerts.items()
        if is_silenced(a.labels, silences, now)
        or is_inhibited(a.labels, firing_labels, config.inhibit_rules)
    )
    kept, notes = due_notifications(groups.values(), now, muted=muted)
    left = {g.key: g for g in kept}
    for key, row in rows.items():
        if key in left:
            _store(row, left[key])
        elif row.id is not None:
            s.delete(row)
        else:
            s.expunge(row)
    if notes:
        _enqueue(s, notes, now, url, outcome)


def views(s: Session, fingerprints: Collection[str]) -> dict[str, compose.AlertView]:
    """The alerts named, with their rules, as messages show them."""
    rows = s.scalars(select(AlertSeries).where(AlertSeries.fingerprint.in_(list(fingerprints))))
    out: dict[str, compose.AlertView] = {}
    rules: dict[int, Rule | None] = {}
    for row in rows:
        if row.rule_id not in rules:
            doc = s.scalar(select(AlertRule.document).where(AlertRule.id == row.rule_id))
            rules[row.rule_id] = parse_rule(doc, rule_id=row.rule_id) if doc else None
        figures: dict[str, Any] = dict(row.figures or {})
        out[row.fingerprint] = compose.AlertView(
            row.id,
            row.fingerprint,
            rules[row.rule_id],
            row.labels,
            figures,
            row.fired_at,
            figures.get("drill_url"),
        )
    return out


def _enqueue(
    s: Session, notes: Sequence[Notification], now: datetime, url: str, outcome: Outcome
) -> None:
    receivers = {r.name: r for r in s.scalars(select(Receiver))}
    key = links.config_row(s, now).signing_key
    shown = views(s, {a.fingerprint for n in notes for a in (*n.firing, *n.resolved)})
    for note in notes:
        receiver = receivers.get(note.receiver)
        if receiver is None:
            log.warning(
                "alert group %s routes to unknown receiver %s", note.group_key, note.receiver
            )
            continue
        firing = [shown[a.fingerprint] for a in note.firing if a.fingerprint in shown]
        done = [shown[a.fingerprint] for a in note.resolved if a.fingerprint in shown]
        if not firing and not done:
            continue
        message = compose.group_message(
            firing, done, note.group_labels, lambda ids: links.ack_url(url, key, ids, now)
        )
        nkey = f"grp:{group_digest(note.group_key)}:{int(note.at.timestamp() * 1000)}:{receiver.id}"
        first = min((a.starts_at for a in note.firing), default=None)
        outbox.enqueue_notification(
            s,
            receiver_id=receiver.id,
            key=nkey,
            message=message,
            now=now,
            first_event_at=first,
            detected_at=now,
        )
        outcome.notifications.append(nkey)


def run_evaluation(db: Database, now: datetime) -> Outcome:
    """The minute job: every active rule."""
    return evaluate_rules(db, now)
