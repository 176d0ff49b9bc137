"""State changes of alert configuration: rules (checked through parse_rule: anything wrong
is a 422 that stores nothing), silences (create, expire early), the routing configuration
(checked whole with the receivers' names) and escalation policies. Each is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careloop.alerts import links
from careloop.alerts.delivery_tables import Receiver
from careloop.alerts.model import parse_duration
from careloop.alerts.routing_tree import parse_config, parse_silence
from careloop.alerts.rule_config import parse_rule, rule_document
from careloop.alerts.tables import AlertRule, AlertSeries, EscalationPolicy, Silence
from careloop.errors import Conflict, Invalid, NotFound
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database

MAX_STEPS = 10
MAX_REPEAT = 10


def _name_free(s: Session, table: Any, name: str, own: int | None) -> None:
    stmt = select(table.id).where(func.lower(table.name) == name.lower())
    if own is not None:
        stmt = stmt.where(table.id != own)
    if s.scalar(stmt) is not None:
        raise Conflict(f"the name {name!r} is taken", {"field": "name"})


def _checked_rule(document: Any, rule_id: int) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise Invalid("a rule is a JSON object", {"field": "rule"})
    rule = parse_rule({k: v for k, v in document.items() if k != "id"}, rule_id=rule_id)
    doc = rule_document(rule)
    doc.pop("id")
    return doc


def create_rule(db: Database, *, actor: Actor, now: datetime, document: Any) -> AlertRule:
    """A rule from its JSON document; a bad one is a 422, a name in use a 409."""
    doc = _checked_rule(document, 0)
    with db.write() as s:
        _name_free(s, AlertRule, doc["name"], None)
        row = AlertRule(
            name=doc["name"],
            kind=doc["kind"],
            document=doc,
            labels=doc["labels"],
            severity=doc["severity"],
            active=True,
            created_at=now,
            updated_at=now,
            created_by=actor.label,
            updated_by=actor.label,
        )
        s.add(row)
        s.flush()
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="alert_rule",
            entity_id=row.id,
            action="created",
            changes={"document": (None, doc)},
        )
        return row


def _rule_in(s: Session, rule_id: int) -> AlertRule:
    row = s.scalar(select(AlertRule).where(AlertRule.id == rule_id).with_for_update())
    if row is None:
        raise NotFound(f"no alert rule {rule_id}")
    return row


def update_rule(
    db: Database, *, actor: Actor, now: datetime, rule_id: int, changes: dict[str, Any]
) -> AlertRule:
    """Change the document's fields given (merged, then checked whole) and/or `active`."""
    if not isinstance(changes, dict):
        raise Invalid("changes are a JSON object", {"field": "rule"})
    with db.write() as s:
        row = _rule_in(s, rule_id)
        active = changes.get("active", row.active)
        if not isinstance(active, bool):
            raise Invalid("active is true or false", {"field": "active"})
        fields = {k: v for k, v in changes.items() if k != "active"}
        if "kind" in fields and fields["kind"] != row.kind:
            raise Invalid("a rule's kind cannot change: create a new rule", {"field": "kind"})
        doc = _checked_rule({**row.document, **fields}, row.id) if fields else row.document
        _name_free(s, AlertRule, doc["name"], row.id)
        diff: dict[str, tuple[Any, Any]] = {}
        if doc != row.document:
            diff["document"] = (row.document, doc)
        if active != row.active:
            diff["active"] = (row.active, active)
        if not diff:
            return row
        row.document, row.name, row.labels, row.severity = (
            doc,
            doc["name"],
            doc["labels"],
            doc["severity"],
        )
        row.active, row.updated_at, row.updated_by = active, now, actor.label
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="alert_rule",
            entity_id=row.id,
            action="updated",
            changes=diff,
        )
        return row


def delete_rule(db: Database, *, actor: Actor, now: datetime, rule_id: int) -> None:
    """Delete a rule and its series (their notifications stay in the delivery log)."""
    with db.write() as s:
        row = _rule_in(s, rule_id)
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="alert_rule",
            entity_id=row.id,
            action="deleted",
            changes={"document": (row.document, None)},
        )
        s.execute(delete(AlertSeries).where(AlertSeries.rule_id == row.id))
        s.delete(row)


def create_silence(db: Database, *, actor: Actor, now: datetime, data: Any) -> Silence:
    """A silence ({"matchers", "starts_at", "ends_at", "comment"}; the creator is the
    caller); one that ends in the past, or matches everything, is a 422."""
    if not isinstance(data, dict):
        raise Invalid("a silence is a JSON object", {"field": "silence"})
    silence = parse_silence({**data, "created_by": actor.label})
    if silence.ends_at <= now:
        raise Invalid("ends_at must be in the future", {"field": "ends_at"})
    with db.write() as s:
        row = Silence(
            matchers=[str(m) for m in silence.matchers],
            starts_at=silence.starts_at,
            ends_at=silence.ends_at,
            created_by=actor.label,
            comment=silence.comment,
            created_at=now,
        )
        s.add(row)
        s.flush()
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="alert_silence",
            entity_id=row.id,
            action="created",
            changes={"matchers": (None, row.matchers), "ends_at": (None, row.ends_at)},
        )
        return row


def expire_silence(db: Database, *, actor: Actor, now: datetime, silence_id: int) -> Silence:
    """End a silence now; one already over is left as it is."""
    with db.write() as s:
        row = s.scalar(select(Silence).where(Silence.id == silence_id).with_for_update())
        if row is None:
            raise NotFound(f"no silence {silence_id}")
        if row.ends_at > now:
            before = row.ends_at
            row.ends_at = max(now, row.starts_at)
            row.expired_at = now
            audit.record(
                s,
                at=now,
                actor=actor,
                entity_type="alert_silence",
                entity_id=row.id,
                action="expired",
                changes={"ends_at": (before, row.ends_at)},
            )
        return row


def put_routing(db: Database, *, actor: Actor, now: datetime, document: Any) -> dict[str, Any]:
    """Replace the routing tree and inhibition rules, checked whole against the receivers."""
    with db.write() as s:
        names = s.scalars(select(Receiver.name)).all()
        parse_config(document, receivers=names)
        row = links.config_row(s, now)
        before = row.document
        row.document, row.updated_at, row.updated_by = document, now, actor.label
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="alert_routing",
            entity_id=row.id,
            action="updated",
            changes={"document": (before, document)},
        )
        return dict(document)


def _checked_policy(s: Session, values: Any, own: int | None) -> dict[str, Any]:
    if not isinstance(values, dict):
        raise Invalid("a policy is a JSON object", {"field": "policy"})
    unknown = set(values) - {"name", "receiver", "steps", "repeat", "active"}
    if unknown:
        raise Invalid(f"unknown field {', '.join(sorted(unknown))}", {"field": min(unknown)})
    name = values.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise Invalid("a policy needs a name of at most 200 characters", {"field": "name"})
    _name_free(s, EscalationPolicy, name.strip(), own)
    receivers = set(s.scalars(select(Receiver.name)))
    if values.get("receiver") not in receivers:
        raise Invalid("receiver names the receiver whose alerts escalate", {"field": "receiver"})
    steps = values.get("steps")
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        raise Invalid(f"steps is a list of 1 to {MAX_STEPS} steps", {"field": "steps"})
    clean = []
    for i, step in enumerate(steps):
        where = f"steps[{i}]"
        if not isinstance(step, dict) or set(step) - {"after", "receiver", "lead_on_duty"}:
            raise Invalid(
                f"{where} has after, receiver and optionally lead_on_duty", {"field": where}
            )
        after = parse_duration(step.get("after"), f"{where}.after")
        if after.total_seconds() < 60:
            raise Invalid(f"{where}.after is at least 1m", {"field": f"{where}.after"})
        if step.get("receiver") not in receivers:
            raise Invalid(f"{where}.receiver is not a receiver", {"field": f"{where}.receiver"})
        item: dict[str, Any] = {"after": step["after"], "receiver": step["receiver"]}
        team = step.get("lead_on_duty")
        if team is not None:
            if isinstance(team, bool) or not isinstance(team, int):
                raise Invalid(f"{where}.lead_on_duty is a team id", {"field": where})
            item["lead_on_duty"] = team
        clean.append(item)
    repeat = values.get("repeat", 0)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 0 <= repeat <= MAX_REPEAT:
        raise Invalid(f"repeat is 0 to {MAX_REPEAT}", {"field": "repeat"})
    active = values.get("active", True)
    if not isinstance(active, bool):
        raise Invalid("active is true or false", {"field": "active"})
    return {
        "name": name.strip(),
        "receiver": values["receiver"],
        "steps": clean,
        "repeat": repeat,
        "active": active,
    }


def save_policy(
    db: Database, *, actor: Actor, now: datetime, values: Any, policy_id: int | None = None
) -> EscalationPolicy:
    """Create a policy, or replace one whole (`policy_id`)."""
    with db.write() as s:
        row = None
        if policy_id is not None:
            row = s.get(EscalationPolicy, policy_id)
            if row is None:
                raise NotFound(f"no escalation policy {policy_id}")
        data = _checked_policy(s, values, policy_id)
        before = None
        if row is None:
            row = EscalationPolicy(**data, created_at=now, updated_at=now)
            s.add(row)
        else:
            before = {k: getattr(row, k) for k in data}
            for k, v in data.items():
                setattr(row, k, v)
            row.updated_at = now
        try:
            s.flush()
        except IntegrityError:
            raise Conflict("the name is taken", {"field": "name"}) from None
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="alert_escalation_policy",
            entity_id=row.id,
            action="updated" if before else "created",
            changes={"policy": (before, data)},
        )
        return row
