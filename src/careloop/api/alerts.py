"""Alert detection over JSON: rules (with a 90-day preview), alerts and their acknowledgement
(by id, or through the signed link of a card, which needs no login), silences, the routing
configuration and escalation policies. Managing needs alerts:manage; reading and
acknowledging alerts:read."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends

from careloop.accounts.model import Permission, Principal
from careloop.alerts import actions, escalate, queries
from careloop.alerts.preview import preview
from careloop.alerts.rule_config import parse_rule
from careloop.api.deps import DB, Now, PathId, QueryId, require
from careloop.errors import Invalid

router = APIRouter(tags=["alerts"])

Reader = Annotated[Principal, Depends(require(Permission.ALERTS_READ))]
Manager = Annotated[Principal, Depends(require(Permission.ALERTS_MANAGE))]
Document = Annotated[dict[str, Any], Body()]
State = Literal["pending", "firing", "resolved", "inactive"]
V1 = "/api/v1"


@router.get(f"{V1}/alert-rules")
def list_rules(_: Reader, db: DB) -> dict[str, Any]:
    return {"items": queries.list_rules(db)}


@router.post(f"{V1}/alert-rules", status_code=201)
def create_rule(body: Document, principal: Manager, db: DB, now: Now) -> dict[str, Any]:
    """A threshold, anomaly or event rule as its JSON document; anything wrong is a 422
    naming the field, a name in use a 409."""
    return queries.rule_out(actions.create_rule(db, actor=principal.actor, now=now, document=body))


@router.get(f"{V1}/alert-rules/{{rule_id}}")
def get_rule(rule_id: PathId, _: Reader, db: DB) -> dict[str, Any]:
    return queries.rule_out(queries.get_rule(db, rule_id))


@router.patch(f"{V1}/alert-rules/{{rule_id}}")
def update_rule(
    rule_id: PathId, body: Document, principal: Manager, db: DB, now: Now
) -> dict[str, Any]:
    """Change the fields sent (checked with the rest, whole); `active: false` deactivates."""
    row = actions.update_rule(db, actor=principal.actor, now=now, rule_id=rule_id, changes=body)
    return queries.rule_out(row)


@router.delete(f"{V1}/alert-rules/{{rule_id}}", status_code=204)
def delete_rule(rule_id: PathId, principal: Manager, db: DB, now: Now) -> None:
    actions.delete_rule(db, actor=principal.actor, now=now, rule_id=rule_id)


@router.post(f"{V1}/alert-rules/{{rule_id}}/preview")
def preview_rule(rule_id: PathId, _: Reader, db: DB, now: Now) -> dict[str, Any]:
    """How often the rule would have fired over the last 90 days, and when."""
    row = queries.get_rule(db, rule_id)
    return preview(db, parse_rule(row.document, rule_id=row.id), now)


@router.get(f"{V1}/alerts")
def list_alerts(
    _: Reader, db: DB, state: State | None = None, rule_id: QueryId = None
) -> dict[str, Any]:
    return {"items": queries.list_alerts(db, state=state, rule_id=rule_id)}


@router.post(f"{V1}/alerts/{{alert_id}}/acknowledge")
def acknowledge(alert_id: PathId, principal: Reader, db: DB, now: Now) -> dict[str, Any]:
    """Stops its escalation; one not firing is a 409."""
    return queries.alert_out(
        escalate.acknowledge(db, actor=principal.actor, now=now, series_id=alert_id)
    )


@router.post(f"{V1}/alerts/acknowledge-link")
def acknowledge_link(body: Document, db: DB, now: Now) -> dict[str, Any]:
    """{"token": ...} from a card's acknowledgement link: the signed token is the right to
    acknowledge the alerts it names (no login); a bad or expired one is a 422. People follow
    the link to the page /alerts/acknowledge, which confirms before it acknowledges."""
    token = body.get("token")
    if not isinstance(token, str) or not token or len(token) > 2000:
        raise Invalid("token is the acknowledgement link's token", {"field": "token"})
    rows = escalate.acknowledge_token(db, token=token, now=now)
    return {"acknowledged": [queries.alert_out(r) for r in rows]}


@router.get(f"{V1}/alert-silences")
def list_silences(_: Reader, db: DB, now: Now) -> dict[str, Any]:
    return {"items": queries.list_silences(db, now)}


@router.post(f"{V1}/alert-silences", status_code=201)
def create_silence(body: Document, principal: Manager, db: DB, now: Now) -> dict[str, Any]:
    """{"matchers": ["sku=W-1"], "starts_at", "ends_at", "comment"}."""
    row = actions.create_silence(db, actor=principal.actor, now=now, data=body)
    return queries.silence_out(row, now)


@router.delete(f"{V1}/alert-silences/{{silence_id}}")
def expire_silence(silence_id: PathId, principal: Manager, db: DB, now: Now) -> dict[str, Any]:
    """Expire the silence now (it stays in the list)."""
    row = actions.expire_silence(db, actor=principal.actor, now=now, silence_id=silence_id)
    return queries.silence_out(row, now)


@router.get(f"{V1}/alert-routing")
def get_routing(_: Reader, db: DB) -> dict[str, Any]:
    return queries.routing(db)


@router.put(f"{V1}/alert-routing")
def put_routing(body: Document, principal: Manager, db: DB, now: Now) -> dict[str, Any]:
    """{"route": {...}, "inhibit_rules": [...]} as Alertmanager writes them, receivers by
    name; checked whole."""
    actions.put_routing(db, actor=principal.actor, now=now, document=body)
    return queries.routing(db)


@router.get(f"{V1}/alert-escalation-policies")
def list_policies(_: Reader, db: DB) -> dict[str, Any]:
    return {"items": queries.list_policies(db)}


@router.post(f"{V1}/alert-escalation-policies", status_code=201)
def create_policy(body: Document, principal: Manager, db: DB, now: Now) -> dict[str, Any]:
    """{"name", "receiver", "steps": [{"after": "15m", "receiver", "lead_on_duty"?}],
    "repeat"}."""
    return queries.policy_out(actions.save_policy(db, actor=principal.actor, now=now, values=body))


@router.put(f"{V1}/alert-escalation-policies/{{policy_id}}")
def replace_policy(
    policy_id: PathId, body: Document, principal: Manager, db: DB, now: Now
) -> dict[str, Any]:
    row = actions.save_policy(db, actor=principal.actor, now=now, values=body, policy_id=policy_id)
    return queries.policy_out(row)
