"""Metrics over JSON: the catalogue, and one metric grouped and filtered over a period.

    GET /api/v1/insights/{metric}?from=&to=&group_by=dim[,dim]&filter[dim]=value[,value]
        &interval=hour|day|week&tz=Area/City&limit=N

answers {"metric", "rows": [{<dim>: value, ..., "value": number}], "total": number}, read
from rollups. from/to are ISO instants or dates (a date is its midnight in `tz`), on whole
hours; `filter[dim]=` with no value selects the rows where the dim is empty.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Request

from careloop.accounts.model import Permission, Principal
from careloop.api.deps import DB, Now, require
from careloop.errors import Invalid
from careloop.insights import queries

router = APIRouter(prefix="/api/v1/insights", tags=["insights"])

Reader = Annotated[Principal, Depends(require(Permission.INSIGHTS_READ))]
KNOWN_PARAMS = {"from", "to", "group_by", "interval", "tz", "limit"}
DEFAULT_DAYS = 30


def _instant(name: str, raw: str | None, tz: str, default: datetime) -> datetime:
    if raw is None or raw == "":
        return default
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(tz))
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except (ValueError, ZoneInfoNotFoundError):
        raise Invalid(f"{name} is an ISO date or instant, not {raw!r}", {"field": name}) from None
    if value.tzinfo is None:
        raise Invalid(f"{name} needs a time zone offset", {"field": name})
    return value


def parse_request(metric: str, params: Any, now: datetime) -> queries.Query:
    """The query a request's parameters describe (shared by the API and the pages)."""
    filters: dict[str, list[str]] = {}
    for key in params:
        if key.startswith("filter[") and key.endswith("]"):
            values = [v for raw in params.getlist(key) for v in raw.split(",")]
            filters.setdefault(key[7:-1], []).extend(values)
        elif key not in KNOWN_PARAMS:
            raise Invalid(f"unknown parameter {key!r}", {"field": key})
    tz = params.get("tz") or "UTC"
    end_default = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(
        hours=1
    )
    end = _instant("to", params.get("to"), tz, end_default)
    start = _instant("from", params.get("from"), tz, end - timedelta(days=DEFAULT_DAYS))
    raw_limit = params.get("limit")
    try:
        limit = int(raw_limit) if raw_limit else None
    except ValueError:
        raise Invalid("limit is a whole number", {"field": "limit"}) from None
    group_by = [g.strip() for g in (params.get("group_by") or "").split(",") if g.strip()]
    return queries.parse_query(
        metric,
        start=start,
        end=end,
        group_by=group_by,
        filters=filters,
        interval=params.get("interval") or None,
        tz=tz,
        limit=limit,
    )


@router.get("")
def list_metrics(_: Reader) -> dict[str, Any]:
    """Every metric: name, label, unit, formula and the dimensions it groups and filters by."""
    return {"metrics": queries.metric_catalogue(), "dimensions": queries.dimension_labels()}


@router.get("/{metric}")
def get_metric(metric: str, request: Request, _: Reader, db: DB, now: Now) -> dict[str, Any]:
    """One metric over [from, to) (default: the last 30 days), grouped and filtered. An
    unknown metric is a 404; an unknown dimension, interval or zone, or a bad period, a 422."""
    query = parse_request(metric, request.query_params, now)
    return queries.run_query(db, query, now=now)
