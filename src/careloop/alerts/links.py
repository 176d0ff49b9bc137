"""The two links of an alert message: the drill-down (the ticket or order grid filtered to the
series and its window) and the acknowledgement link, a token signed with an HMAC whose key
lives in the database, so every process signs and checks alike with no login needed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.alerts.model import AnomalyRule, EventKind, EventRule, Rule, ThresholdRule
from careloop.alerts.tables import AlertRoutingConfig
from careloop.errors import Invalid
from careloop.insights.model import METRICS
from careloop.tickets.grid_spec import build_spec

CONFIG_ID = 1
TOKEN_LIFETIME = timedelta(days=30)
MAX_TOKEN = 2000
# Rule dimension -> grid column, per grid (codes the grids show by name are left out).
TICKET_COLUMNS = {
    d: d for d in ("country", "channel", "category", "language", "priority", "sku", "batch")
}
ORDER_COLUMNS = {
    "country": "country",
    "region": "region",
    "carrier": "carrier",
    "status": "shipment_status",
}
GRID_COLUMNS = {
    "tickets": ("id", "subject", "status", "category", "country", "sku", "batch", "created"),
    "orders": (
        "number",
        "customer",
        "country",
        "region",
        "carrier",
        "shipment_status",
        "shipped",
        "delivered",
    ),
}


def config_row(s: Session, now: datetime) -> AlertRoutingConfig:
    """The one configuration row (routing tree and signing key), made on first use; locked
    for update (two first uses at once: the loser's insert fails and it reads the winner's)."""
    row = s.scalar(
        select(AlertRoutingConfig).where(AlertRoutingConfig.id == CONFIG_ID).with_for_update()
    )
    if row is not None:
        return row
    row = AlertRoutingConfig(
        id=CONFIG_ID,
        document=None,
        signing_key=secrets.token_urlsafe(32),
        updated_at=now,
        updated_by="system",
    )
    with s.begin_nested():
        s.add(row)
    return row


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_ack(key: str, series_ids: Sequence[int], now: datetime) -> str:
    """A token naming the alert series to acknowledge, valid for 30 days."""
    body = _b64(json.dumps({"s": list(series_ids), "t": int(now.timestamp())}).encode())
    mac = hmac.new(key.encode(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def read_ack(key: str, token: str, now: datetime) -> list[int]:
    """The series a token names; a forged, mangled or expired token is Invalid (a 4xx)."""
    body, _, mac = token.partition(".")
    if not body or not mac or len(token) > MAX_TOKEN:
        raise Invalid("this acknowledgement link is not valid", {"field": "token"})
    good = _b64(hmac.new(key.encode(), body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(good.encode(), mac.encode()):
        raise Invalid("this acknowledgement link is not valid", {"field": "token"})
    try:
        data = json.loads(_unb64(body))
        ids = [int(i) for i in data["s"]]
        issued = int(data["t"])
    except (ValueError, KeyError, TypeError):
        raise Invalid("this acknowledgement link is not valid", {"field": "token"}) from None
    if now.timestamp() - issued > TOKEN_LIFETIME.total_seconds():
        raise Invalid("this acknowledgement link has expired", {"field": "token"})
    return ids


def ack_url(public_url: str, key: str, series_ids: Sequence[int], now: datetime) -> str:
    return f"{public_url}/alerts/acknowledge?{urlencode({'token': sign_ack(key, series_ids, now)})}"


def _entity(rule: Rule) -> str:
    if isinstance(rule, EventRule):
        return "orders" if rule.event == EventKind.LOGISTICS_EXCEPTION else "tickets"
    metric = rule.metric if isinstance(rule, ThresholdRule) else rule.count_metric
    numerator = METRICS[metric].numerator
    return "orders" if numerator is not None and numerator.fact == "shipments" else "tickets"


def drill_url(
    public_url: str, rule: Rule, labels: Mapping[str, str], window: tuple[datetime, datetime]
) -> str | None:
    """The grid of the records behind one series over its window: tickets created (or orders
    shipped) in the window, filtered by the series' dimension values and the rule's filters."""
    entity = _entity(rule)
    columns = TICKET_COLUMNS if entity == "tickets" else ORDER_COLUMNS
    when = "created" if entity == "tickets" else "shipped"
    start, end = window
    wanted: list[tuple[str, str, Sequence[str]]] = [
        (when, "after", [start.isoformat()]),
        (when, "before", [end.isoformat()]),
    ]
    chosen: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in rule.filters.items()}
    chosen.update({d: (labels[d],) for d in rule.group_by if labels.get(d)})
    if isinstance(rule, EventRule) and rule.event == EventKind.LOGISTICS_EXCEPTION:
        chosen.setdefault("status", ("exception", "returned"))
    for dim, values in chosen.items():
        column = columns.get(dim)
        if column is not None and values:
            wanted.append((column, "eq" if len(values) == 1 else "in", list(values)))
    try:
        spec = build_spec(entity, columns=GRID_COLUMNS[entity], filters=wanted)
    except Invalid:  # a value the grid cannot filter by: no link rather than no alert
        return None
    return f"{public_url}/views/{entity}?{urlencode(spec.params())}"


def rule_window(rule: Rule, now: datetime) -> tuple[datetime, datetime]:
    if isinstance(rule, EventRule):
        return now - rule.resolve_after, now
    if isinstance(rule, AnomalyRule | ThresholdRule):
        return rule.window_at(now)
    raise TypeError(rule)
