"""Mapped tables of alert detection: the rules (their checked JSON document), one row per
series a rule watches with its state, the routing tree, silences, the aggregation groups'
timers and escalation policies. Delivery's tables (receivers, the outbox) are in
delivery_tables.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from careloop.storage.base import Base, JSONDocument, UTCDateTime


class AlertRule(Base):
    """A threshold, anomaly or event rule: `document` is what rule_config.parse_rule reads
    (checked before it is stored); inactive rules are kept but not evaluated."""

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # threshold, anomaly, event
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    labels: Mapped[dict[str, str]] = mapped_column(JSONDocument, default=dict)
    severity: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    updated_by: Mapped[str] = mapped_column(String(200))


class AlertSeries(Base):
    """One series of one rule (its labels, its fingerprint): where it stands (state.py), the
    last figures seen, its acknowledgement and how far its escalation went."""

    __tablename__ = "alert_series"
    __table_args__ = (Index("ix_alert_series_rule_state", "rule_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(16), unique=True)
    labels: Mapped[dict[str, str]] = mapped_column(JSONDocument)
    state: Mapped[str] = mapped_column(String(10))  # inactive pending firing resolved
    active_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last evaluation's figures: {"value", "expected", "ratio", "p", "q", "count", ...}.
    figures: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    last_evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    # Escalation of the current firing episode: the policy, the next step to take and the
    # instant the waits count from (None: no escalation).
    escalation_policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_escalation_policies.id", ondelete="SET NULL")
    )
    escalation_step: Mapped[int] = mapped_column(Integer, default=0)
    escalation_from: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlertRoutingConfig(Base):
    """The one routing configuration ({"route", "inhibit_rules"}, routing_tree.parse_config)
    and the key that signs acknowledgement links (shared by every process)."""

    __tablename__ = "alert_routing_config"

    id: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    signing_key: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(200))


class Silence(Base):
    """Alerts matching every matcher are muted from starts_at to ends_at; expiring one early
    moves ends_at to that instant and records it."""

    __tablename__ = "alert_silences"
    __table_args__ = (Index("ix_alert_silences_ends_at", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    matchers: Mapped[list[str]] = mapped_column(JSONDocument)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlertGroupState(Base):
    """An aggregation group as grouping.Group keeps it: its route and receiver, timers, the
    alerts in it and what its last notification said."""

    __tablename__ = "alert_groups"
    __table_args__ = (Index("ix_alert_groups_next_flush_at", "next_flush_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(1000), unique=True)
    route_key: Mapped[str] = mapped_column(String(1000))
    receiver: Mapped[str] = mapped_column(String(100))
    labels: Mapped[dict[str, str]] = mapped_column(JSONDocument)
    group_wait_s: Mapped[int] = mapped_column(Integer)
    group_interval_s: Mapped[int] = mapped_column(Integer)
    repeat_interval_s: Mapped[int] = mapped_column(Integer)
    # fingerprint -> {"labels", "starts_at", "resolved_at"}
    alerts: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    flushed: Mapped[bool] = mapped_column(Boolean, default=False)
    notified_firing: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    notified_resolved: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_flush_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EscalationPolicy(Base):
    """What happens when a firing alert sent to `receiver` is not acknowledged: steps of
    {"after": "15m", "receiver": name} or {"after": "15m", "lead_on_duty": team id,
    "receiver": name}, run in order, the whole list `repeat` more times."""

    __tablename__ = "alert_escalation_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    receiver: Mapped[str] = mapped_column(String(100), index=True)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    repeat: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
