"""The read side of alert detection for the API and the pages: rules, alerts (series) by
state, silences, the routing configuration and escalation policies, as JSON-ready dicts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from careloop.alerts.tables import (
    AlertRoutingConfig,
    AlertRule,
    AlertSeries,
    EscalationPolicy,
    Silence,
)
from careloop.errors import NotFound
from careloop.storage.engine import Database

MAX_ALERTS = 500


def rule_out(r: AlertRule) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "kind": r.kind,
        "active": r.active,
        "severity": r.severity,
        "labels": r.labels,
        "rule": r.document,
        "evaluated_at": r.evaluated_at,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "created_by": r.created_by,
        "updated_by": r.updated_by,
    }


def list_rules(db: Database) -> list[dict[str, Any]]:
    with db.read() as s:
        return [rule_out(r) for r in s.scalars(select(AlertRule).order_by(AlertRule.id))]


def get_rule(db: Database, rule_id: int) -> AlertRule:
    with db.read() as s:
        row = s.get(AlertRule, rule_id)
        if row is None:
            raise NotFound(f"no alert rule {rule_id}")
        return row


def alert_out(a: AlertSeries) -> dict[str, Any]:
    return {
        "id": a.id,
        "rule_id": a.rule_id,
        "fingerprint": a.fingerprint,
        "labels": a.labels,
        "state": a.state,
        "active_since": a.active_since,
        "fired_at": a.fired_at,
        "resolved_at": a.resolved_at,
        "figures": a.figures,
        "last_evaluated_at": a.last_evaluated_at,
        "acknowledged_at": a.acknowledged_at,
        "acknowledged_by": a.acknowledged_by,
        "escalation_step": a.escalation_step,
    }


def list_alerts(
    db: Database, *, state: str | None = None, rule_id: int | None = None
) -> list[dict[str, Any]]:
    """Alerts newest first (by when they fired), at most 500."""
    stmt = select(AlertSeries)
    if state is not None:
        stmt = stmt.where(AlertSeries.state == state)
    if rule_id is not None:
        stmt = stmt.where(AlertSeries.rule_id == rule_id)
    stmt = stmt.order_by(AlertSeries.fired_at.desc(), AlertSeries.id.desc()).limit(MAX_ALERTS)
    with db.read() as s:
        return [alert_out(a) for a in s.scalars(stmt)]


def silence_out(r: Silence, now: datetime) -> dict[str, Any]:
    return {
        "id": r.id,
        "matchers": r.matchers,
        "starts_at": r.starts_at,
        "ends_at": r.ends_at,
        "created_by": r.created_by,
        "comment": r.comment,
        "created_at": r.created_at,
        "expired_at": r.expired_at,
        "active": r.starts_at <= now < r.ends_at,
    }


def list_silences(db: Database, now: datetime) -> list[dict[str, Any]]:
    with db.read() as s:
        rows = s.scalars(select(Silence).order_by(Silence.ends_at.desc()).limit(MAX_ALERTS))
        return [silence_out(r, now) for r in rows]


def routing(db: Database) -> dict[str, Any]:
    with db.read() as s:
        row = s.get(AlertRoutingConfig, 1)
        return {
            "config": row.document if row else None,
            "updated_at": row.updated_at if row and row.document else None,
        }


def policy_out(p: EscalationPolicy) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "receiver": p.receiver,
        "steps": p.steps,
        "repeat": p.repeat,
        "active": p.active,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }


def list_policies(db: Database) -> list[dict[str, Any]]:
    with db.read() as s:
        rows = s.scalars(select(EscalationPolicy).order_by(EscalationPolicy.id))
        return [policy_out(p) for p in rows]
