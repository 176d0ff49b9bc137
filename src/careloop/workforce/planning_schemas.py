"""Request and response models of the planning API: the forecast per group, and staffing for
a list of intervals (Erlang C, Erlang A or the backlog model)."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from careloop.errors import Invalid
from careloop.tickets.schemas import Strict
from careloop.workforce.demand import Demand, GroupDemand
from careloop.workforce.forecast import Promotion
from careloop.workforce.staffing import LiveStaffing, LiveTarget
from careloop.workforce.staffing_backlog import BacklogInterval, BacklogTarget

MAX_INTERVALS = 8 * 7 * 96  # eight weeks of 15-minute intervals


def parse_promotion(raw: str) -> Promotion:
    """`2026-11-27:3` or `2026-11-27:3:Black Friday` -> a promotion day with its lift."""
    day, _, rest = raw.partition(":")
    lift, _, name = rest.partition(":")
    try:
        promo = Promotion(date.fromisoformat(day), float(lift), name.strip())
    except ValueError:
        raise Invalid(f"promo is DAY:LIFT[:NAME], not {raw!r}", {"field": "promo"}) from None
    if not (math.isfinite(promo.lift) and promo.lift > 0):
        raise Invalid("a promotion's lift must be a positive number", {"field": "promo"})
    return promo


class IntervalOut(BaseModel):
    start: datetime
    expected: float
    lower: int
    upper: int


class ActualOut(BaseModel):
    start: datetime
    count: int


class GroupForecastOut(BaseModel):
    group: dict[str, str | None]
    method: str
    fallback: str | None
    notes: list[str]
    backtest_wape: float | None
    backtest_folds: int
    dispersion: float
    trend_per_week: float
    holiday_factor: float | None
    intervals: list[IntervalOut]
    actuals: list[ActualOut]

    @classmethod
    def of(cls, g: GroupDemand) -> Self:
        f = g.forecast
        return cls(
            group=g.group,
            method=f.method,
            fallback=f.fallback,
            notes=list(f.notes),
            backtest_wape=f.backtest_wape,
            backtest_folds=f.backtest_folds,
            dispersion=f.dispersion,
            trend_per_week=f.trend_per_week,
            holiday_factor=f.holiday_factor,
            intervals=[IntervalOut(**vars(i)) for i in f.intervals],
            actuals=[ActualOut(start=s, count=c) for s, c in g.actuals],
        )


class ForecastOut(BaseModel):
    origin: datetime
    history_start: datetime
    interval_minutes: int
    group_by: list[str]
    groups: list[GroupForecastOut]

    @classmethod
    def of(cls, d: Demand) -> Self:
        return cls(
            origin=d.origin,
            history_start=d.history_start,
            interval_minutes=d.interval_minutes,
            group_by=list(d.group_by),
            groups=[GroupForecastOut.of(g) for g in d.groups],
        )


class StaffingInterval(Strict):
    start: AwareDatetime | None = None
    arrivals: Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)]


Share = Annotated[float, Field(gt=0, lt=1)]
Seconds = Annotated[float, Field(gt=0, le=86_400, allow_inf_nan=False)]


class StaffingIn(Strict):
    """Live work (erlang_c, erlang_a: handle time, service level within an answer time,
    occupancy cap, patience for erlang_a) or asynchronous tickets (backlog: first-response
    target, tickets an agent answers an hour, concurrency); shrinkage for all."""

    model: Literal["erlang_c", "erlang_a", "backlog"] = "erlang_c"
    interval_minutes: Literal[15, 30, 60] = 30
    intervals: Annotated[list[StaffingInterval], Field(min_length=1, max_length=MAX_INTERVALS)]
    shrinkage: Annotated[float, Field(ge=0, lt=1)] = 0.0
    handle_seconds: Seconds | None = None
    service_level: Share = 0.8
    answer_seconds: Annotated[float, Field(ge=0, le=86_400, allow_inf_nan=False)] = 20.0
    max_occupancy: Annotated[float, Field(gt=0, le=1)] = 1.0
    patience_seconds: Seconds | None = None
    first_response_minutes: Annotated[float, Field(gt=0, le=10_080)] | None = None
    tickets_per_hour: Annotated[float, Field(gt=0, le=1000)] | None = None
    concurrency: Annotated[float, Field(gt=0, le=50)] = 1.0
    initial_backlog: Annotated[float, Field(ge=0, le=1_000_000)] = 0.0

    @model_validator(mode="after")
    def _needs(self) -> Self:
        needs = {
            "erlang_c": ("handle_seconds",),
            "erlang_a": ("handle_seconds", "patience_seconds"),
            "backlog": ("first_response_minutes", "tickets_per_hour"),
        }[self.model]
        missing = [n for n in needs if getattr(self, n) is None]
        if missing:
            raise ValueError(f"the {self.model} model needs {', '.join(missing)}")
        return self

    def live_target(self) -> LiveTarget:
        return LiveTarget(
            handle_seconds=self.handle_seconds or 0.0,  # checked present by _needs
            service_level=self.service_level,
            answer_seconds=self.answer_seconds,
            max_occupancy=self.max_occupancy,
            shrinkage=self.shrinkage,
            patience_seconds=self.patience_seconds if self.model == "erlang_a" else None,
        )

    def backlog_target(self) -> BacklogTarget:
        # Both are present (checked by _needs); a zero would be refused by the model anyway.
        return BacklogTarget(
            first_response_seconds=(self.first_response_minutes or 0.0) * 60,
            tickets_per_hour=self.tickets_per_hour or 0.0,
            concurrency=self.concurrency,
            shrinkage=self.shrinkage,
            initial_backlog=self.initial_backlog,
        )


class StaffingIntervalOut(BaseModel):
    start: datetime | None
    arrivals: float
    agents: int
    scheduled: int
    # Live work only:
    service_level: float | None = None
    wait_probability: float | None = None
    abandon_probability: float | None = None
    average_speed_of_answer: float | None = None
    occupancy: float | None = None
    # Asynchronous tickets only:
    answered: float | None = None
    backlog: float | None = None

    @classmethod
    def live(cls, start: datetime | None, m: LiveStaffing) -> Self:
        asa = m.average_speed_of_answer
        return cls(
            start=start,
            arrivals=m.arrivals,
            agents=m.agents,
            scheduled=m.scheduled,
            service_level=m.service_level,
            wait_probability=m.wait_probability,
            abandon_probability=m.abandon_probability,
            average_speed_of_answer=asa if math.isfinite(asa) else None,
            occupancy=m.occupancy,
        )

    @classmethod
    def queued(cls, start: datetime | None, b: BacklogInterval) -> Self:
        return cls(
            start=start,
            arrivals=b.arrivals,
            agents=b.agents,
            scheduled=b.scheduled,
            answered=b.answered,
            backlog=b.backlog,
        )


class StaffingOut(BaseModel):
    model: str
    interval_minutes: int
    agent_hours: float  # scheduled agents x interval length, summed
    intervals: list[StaffingIntervalOut]
