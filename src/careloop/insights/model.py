"""What the dashboards measure, each defined once: the metrics built from the measures of the
facts (cubes.py), their units, formulas and dimensions, and the duration bins.

Plain Python: the rollup refresh, the query planner and the exactness tests all read these
definitions, so a metric means the same thing on every path.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass

from careloop.insights.cubes import FACTS, ORDER_DIMS, TICKET_DIMS


class Unit(enum.StrEnum):
    COUNT = "count"
    RATIO = "ratio"  # 0..1; pages show it as a percentage
    PER_1000 = "per_1000"
    SECONDS = "seconds"


class Kind(enum.StrEnum):
    SUM = "sum"  # a measure summed over the selection
    RATIO = "ratio"  # numerator over denominator, each a sum (optionally from another fact)
    PERCENTILE = "percentile"  # nearest rank over a duration histogram
    LIVE = "live"  # the state now (backlog), read from the tickets themselves


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str


DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension("brand", "Brand"),
        Dimension("country", "Country"),
        Dimension("region", "Region"),
        Dimension("carrier", "Carrier"),
        Dimension("channel", "Channel"),
        Dimension("category", "Complaint type"),
        Dimension("language", "Language"),
        Dimension("priority", "Priority"),
        Dimension("sku", "SKU"),
        Dimension("batch", "Batch"),
        Dimension("reason", "Return reason"),
        Dimension("status", "Shipment status"),
        Dimension("team", "Team"),
        Dimension("agent", "Agent"),
    )
}


@dataclass(frozen=True)
class Measure:
    fact: str
    measure: str


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: Unit
    kind: Kind
    formula: str  # in words, for the API's metric list and the pages' help
    dims: tuple[str, ...]
    numerator: Measure | None = None
    denominator: Measure | None = None  # RATIO: dims the denominator lacks are ignored by it
    scale: float = 1.0
    complement: bool = False  # RATIO shown as 1 - numerator/denominator
    histogram: Measure | None = None  # PERCENTILE
    quantile: float = 0.5
    live: str | None = None  # LIVE: which backlog figure

    @property
    def facts(self) -> tuple[str, ...]:
        out = [m.fact for m in (self.numerator, self.denominator, self.histogram) if m]
        return tuple(dict.fromkeys(out))


def _sum(name: str, label: str, fact: str, measure: str, formula: str) -> Metric:
    return Metric(
        name,
        label,
        Unit.COUNT,
        Kind.SUM,
        formula,
        FACTS[fact].dims,
        numerator=Measure(fact, measure),
    )


def _percentiles(name: str, label: str, what: str) -> list[Metric]:
    return [
        Metric(
            f"{name}_{tag}",
            f"{label} ({tag})",
            Unit.SECONDS,
            Kind.PERCENTILE,
            f"{tag} of {what}, over tickets created in the period that have it",
            TICKET_DIMS,
            histogram=Measure("tickets", name),
            quantile=q,
        )
        for tag, q in (("p50", 0.5), ("p90", 0.9))
    ]


COMPLAINT_RATE_DIMS = ("brand", "country", "channel", "category", "language", "sku", "batch")
RETURN_DIMS = (*ORDER_DIMS, "sku", "batch")
BACKLOG_DIMS = ("brand", "country", "channel", "category", "language", "priority", "team", "agent")

METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        _sum(
            "orders_delivered",
            "Orders delivered",
            "deliveries",
            "orders",
            "orders whose (first) shipment was delivered in the period; by SKU or batch, the"
            " orders holding it",
        ),
        _sum("units_delivered", "Units delivered", "deliveries", "units", "units in them"),
        _sum("returns", "Returns", "returns", "returns", "returns created in the period"),
        _sum("returned_units", "Returned units", "returns", "returned_units", "units returned"),
        Metric(
            "return_rate",
            "Return rate",
            Unit.RATIO,
            Kind.RATIO,
            "returned units (returns created in the period) / units delivered in the period",
            RETURN_DIMS,
            numerator=Measure("returns", "returned_units"),
            denominator=Measure("deliveries", "units"),
        ),
        _sum("complaints", "Complaints", "tickets", "complaints", "tickets created"),
        Metric(
            "complaints_per_1000_orders",
            "Complaints per 1,000 orders",
            Unit.PER_1000,
            Kind.RATIO,
            "1,000 x tickets created / orders delivered in the period (by brand, country, SKU"
            " and batch; other dimensions split the tickets only)",
            COMPLAINT_RATE_DIMS,
            numerator=Measure("tickets", "complaints"),
            denominator=Measure("deliveries", "orders"),
            scale=1000.0,
        ),
        *_percentiles("time_to_assignment", "Time to assignment", "first assigned - created"),
        *_percentiles("first_response_time", "First response time", "first reply - created"),
        *_percentiles("resolution_time", "Resolution time", "solved - created"),
        Metric(
            "sla_first_response_attainment",
            "First response within SLA",
            Unit.RATIO,
            Kind.RATIO,
            "1 - tickets whose first response target was breached / tickets whose target came"
            " due (answered, or breached unanswered), among tickets created in the period",
            TICKET_DIMS,
            numerator=Measure("tickets", "fr_breached"),
            denominator=Measure("tickets", "fr_due"),
            complement=True,
        ),
        Metric(
            "sla_resolution_attainment",
            "Resolution within SLA",
            Unit.RATIO,
            Kind.RATIO,
            "1 - tickets whose resolution target was breached / tickets solved or breached",
            TICKET_DIMS,
            numerator=Measure("tickets", "res_breached"),
            denominator=Measure("tickets", "res_due"),
            complement=True,
        ),
        Metric(
            "backlog_open",
            "Open tickets",
            Unit.COUNT,
            Kind.LIVE,
            "tickets not solved or closed, now",
            BACKLOG_DIMS,
            live="open",
        ),
        Metric(
            "backlog_unassigned",
            "Unassigned tickets",
            Unit.COUNT,
            Kind.LIVE,
            "open tickets with nobody assigned, now",
            BACKLOG_DIMS,
            live="unassigned",
        ),
        Metric(
            "backlog_oldest_age",
            "Oldest open ticket",
            Unit.SECONDS,
            Kind.LIVE,
            "age of the oldest open ticket, now",
            BACKLOG_DIMS,
            live="oldest_age",
        ),
        _sum("shipments", "Shipments", "shipments", "shipments", "shipments dispatched"),
        _sum(
            "logistics_exceptions",
            "Logistics exceptions",
            "shipments",
            "exceptions",
            "shipments dispatched in the period now in exception or returned to sender",
        ),
        Metric(
            "logistics_exception_rate",
            "Logistics exception rate",
            Unit.RATIO,
            Kind.RATIO,
            "logistics exceptions / shipments dispatched in the period",
            FACTS["shipments"].dims,
            numerator=Measure("shipments", "exceptions"),
            denominator=Measure("shipments", "shipments"),
        ),
        _sum("replies", "Replies", "replies", "replies", "public replies by agents"),
        _sum("solved", "Tickets solved", "solves", "solved", "tickets solved in the period"),
    )
}


# Durations are kept in bins of three significant digits of whole seconds (under 1% apart),
# so percentiles read from rollups equal those of the same bins computed from the tickets.
def duration_bin(seconds: float) -> int:
    """The bin of a duration: whole seconds, then rounded down to three significant digits."""
    s = max(0, int(seconds))
    if s < 1000:
        return s
    step = int(10 ** (len(str(s)) - 3))
    return s - s % step


def coarse_bin(fine: int) -> int:
    """The coarse bin of a duration bin: its first significant digit (under 10 s, itself).
    Histograms keep coarse counts beside the fine ones, so a percentile first finds its coarse
    bin in few rows, then reads the fine bins of that coarse bin alone."""
    step = 1
    while fine >= step * 10:
        step *= 10
    return fine - fine % step


def quantile_rank(total: int, quantile: float) -> int | None:
    """The nearest rank (1-based) of `quantile` among `total` counts; None when empty."""
    if total <= 0:
        return None
    return max(1, math.ceil(quantile * total))


def rank_bin(histogram: Mapping[int, int], rank: int) -> tuple[int, int]:
    """The smallest bin with at least `rank` counts at or below it, and the rank left within
    that bin (what a finer histogram of the bin is searched for)."""
    seen = 0
    for value in sorted(histogram):
        n = histogram[value]
        if seen + n >= rank:
            return value, rank - seen
        seen += n
    raise ValueError("the rank is above the counts")


def nearest_rank(histogram: Mapping[int, int], quantile: float) -> int | None:
    """The smallest bin with at least `quantile` of the counts at or below it."""
    rank = quantile_rank(sum(histogram.values()), quantile)
    return None if rank is None else rank_bin(histogram, rank)[0]
