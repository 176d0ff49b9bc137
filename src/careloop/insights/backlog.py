"""The backlog metrics: the state now, not a period, read from the open tickets themselves
(through the status index: only open tickets are touched)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from careloop.insights.model import Metric
from careloop.tickets.commerce_tables import Brand
from careloop.tickets.model import OPEN_STATUSES
from careloop.tickets.tables import Ticket
from careloop.workforce.tables import Agent

_LIVE_COLUMNS: dict[str, Any] = {
    "brand": Brand.code,
    "country": Ticket.country,
    "channel": Ticket.channel,
    "category": Ticket.category,
    "language": Ticket.language,
    "priority": Ticket.priority,
    "team": Agent.team_id,
    "agent": Ticket.assignee_id,
}


def backlog(
    s: Session,
    metric: Metric,
    groups: tuple[str, ...],
    filters: Mapping[str, tuple[str, ...]],
    now: datetime,
) -> dict[tuple[str | None, ...], float | None]:
    """A backlog metric now, per group: open tickets read through the status index."""
    keys = [_LIVE_COLUMNS[g] for g in groups]
    if metric.live == "oldest_age":
        figure: Any = func.min(Ticket.created_at)
    else:
        figure = func.count()
    stmt = (
        select(*keys, figure)
        .select_from(Ticket)
        .outerjoin(Brand, Brand.id == Ticket.brand_id)
        .outerjoin(Agent, Agent.user_id == Ticket.assignee_id)
        .where(Ticket.status.in_(sorted(OPEN_STATUSES)))
        .group_by(*keys)
    )
    if metric.live == "unassigned":
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    for name, wanted in filters.items():
        column = _LIVE_COLUMNS[name]
        real = [v for v in wanted if v != ""]
        either = [cast(column, String).in_(real)] if real else []
        if "" in wanted:
            either.append(column.is_(None))
        stmt = stmt.where(or_(*either))
    out: dict[tuple[str | None, ...], float | None] = {}
    for row in s.execute(stmt):
        *values, value = row
        if not value:  # a count or a minimum without GROUP BY answers even with no tickets
            continue
        key = tuple(_text(v) for v in values)
        if metric.live == "oldest_age":
            out[key] = None if value is None else (now - value).total_seconds()
        else:
            out[key] = float(value)
    return out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value.value) if hasattr(value, "value") else str(value)
