"""Planning over JSON: the arrivals forecast per group, and the agents a list of intervals
needs.

    GET  /api/v1/forecast?weeks=2&interval=60&group_by=language&history_weeks=8&tz=&country=
         &promo=2026-11-27:3:Black%20Friday&level=0.9
    POST /api/v1/staffing   {"model": "erlang_c", "interval_minutes": 30, "intervals": [...], ...}
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from careloop.accounts.model import Permission, Principal
from careloop.api.deps import DB, Now, require
from careloop.workforce.demand import plan_demand
from careloop.workforce.forecast import ForecastSettings
from careloop.workforce.planning_schemas import (
    ForecastOut,
    StaffingIn,
    StaffingIntervalOut,
    StaffingOut,
    parse_promotion,
)
from careloop.workforce.staffing import live_plan
from careloop.workforce.staffing_backlog import backlog_plan

router = APIRouter(prefix="/api/v1", tags=["planning"])

Reader = Annotated[Principal, Depends(require(Permission.WORKFORCE_READ))]


@router.get("/forecast", response_model=ForecastOut)
def forecast(
    db: DB,
    now: Now,
    _: Reader,
    weeks: Annotated[int, Query(ge=1, le=8)] = 2,
    interval: Annotated[int, Query(description="15, 30 or 60 minutes")] = 60,
    group_by: Annotated[str, Query(max_length=100)] = "language",
    history_weeks: Annotated[int, Query(ge=2, le=52)] = 8,
    tz: Annotated[str, Query(max_length=64)] = "UTC",
    country: Annotated[str | None, Query(max_length=2)] = None,
    promo: Annotated[list[str] | None, Query(max_length=100)] = None,
    level: Annotated[float, Query(gt=0, lt=1)] = 0.9,
) -> ForecastOut:
    """Each group's expected arrivals per interval from the current one on, with a prediction
    band, the recent actuals, the backtest WAPE, and `fallback` set when the history was too
    short for the model."""
    settings = ForecastSettings(
        weeks=weeks,
        interval_minutes=interval,
        tz=tz,
        promotions=tuple(parse_promotion(p) for p in promo or ()),
        level=level,
    )
    demand = plan_demand(
        db,
        now=now,
        settings=settings,
        group_by=[g for g in group_by.split(",") if g.strip()],
        history_weeks=history_weeks,
        country=country or None,
    )
    return ForecastOut.of(demand)


@router.post("/staffing", response_model=StaffingOut)
def staffing(body: StaffingIn, _: Reader) -> StaffingOut:
    """The agents each interval needs: working, and scheduled after shrinkage."""
    seconds = body.interval_minutes * 60
    arrivals = [i.arrivals for i in body.intervals]
    starts = [i.start for i in body.intervals]
    if body.model == "backlog":
        plan = backlog_plan(arrivals, seconds, body.backlog_target())
        out = [StaffingIntervalOut.queued(s, b) for s, b in zip(starts, plan, strict=True)]
    else:
        live = live_plan(arrivals, seconds, body.live_target())
        out = [StaffingIntervalOut.live(s, m) for s, m in zip(starts, live, strict=True)]
    hours = sum(i.scheduled for i in out) * body.interval_minutes / 60
    return StaffingOut(
        model=body.model, interval_minutes=body.interval_minutes, agent_hours=hours, intervals=out
    )
