"""What each dashboard shows: its cards (a figure and its change against the previous period)
and its charts (a metric grouped by dimensions or by day), each with where it drills down.
Pure definitions: insights_panels.py runs them, one metric query per card period and per chart.

Where numbers lead:
- complaints, response times, SLA and backlog: the tickets behind them (created in the
  period; backlog: open now);
- return rate and deliveries: the orders delivered in the period, except by SKU or batch,
  which the order grid cannot filter by: those lead to the tickets about that SKU and batch;
- logistics exceptions and shipments: the orders shipped in the period (exceptions: those now
  in exception or returned to sender).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from careloop.web import insights_drill as d
from careloop.web.i18n import N_

QUALITY = {"category": ("quality",)}
LOGISTICS = {"category": ("logistics",)}

METRIC_TITLES = {
    "orders_delivered": N_("Orders delivered"),
    "units_delivered": N_("Units delivered"),
    "returns": N_("Returns"),
    "returned_units": N_("Returned units"),
    "return_rate": N_("Return rate"),
    "complaints": N_("Complaints"),
    "complaints_per_1000_orders": N_("Complaints per 1,000 orders"),
    "time_to_assignment_p50": N_("Time to assignment (median)"),
    "time_to_assignment_p90": N_("Time to assignment (p90)"),
    "first_response_time_p50": N_("First response time (median)"),
    "first_response_time_p90": N_("First response time (p90)"),
    "resolution_time_p50": N_("Resolution time (median)"),
    "resolution_time_p90": N_("Resolution time (p90)"),
    "sla_first_response_attainment": N_("First response within SLA"),
    "sla_resolution_attainment": N_("Resolution within SLA"),
    "backlog_open": N_("Open tickets"),
    "backlog_unassigned": N_("Unassigned tickets"),
    "backlog_oldest_age": N_("Oldest open ticket"),
    "shipments": N_("Shipments"),
    "logistics_exceptions": N_("Logistics exceptions"),
    "logistics_exception_rate": N_("Logistics exception rate"),
    "replies": N_("Replies"),
    "solved": N_("Tickets solved"),
}
DIM_TITLES = {
    "brand": N_("Brand"),
    "country": N_("Country"),
    "region": N_("Region"),
    "carrier": N_("Carrier"),
    "channel": N_("Channel"),
    "category": N_("Complaint type"),
    "language": N_("Language"),
    "priority": N_("Priority"),
    "sku": N_("SKU"),
    "batch": N_("Batch"),
    "reason": N_("Return reason"),
    "status": N_("Shipment status"),
    "team": N_("Team"),
    "agent": N_("Agent"),
    "period": N_("Day"),
}


@dataclass(frozen=True)
class Card:
    metric: str
    better: str  # "up" or "down": which way the figure should move
    drill: d.Drill
    title: str | None = None  # a msgid; the metric's title when None
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Chart:
    """One chart: `kind` is bar (vertical), hbar (ranked, horizontal), stack (two dims), line
    (by day), pie or map (by country)."""

    key: str
    title: str  # a msgid
    metric: str
    kind: str
    drill: d.Drill
    group_by: tuple[str, ...] = ()
    interval: str | None = None
    limit: int | None = None
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    note: str | None = None  # a msgid: what the drill-down shows when it is not obvious
    wide: bool = False


@dataclass(frozen=True)
class Dashboard:
    name: str
    title: str  # a msgid
    path: str
    cards: tuple[Card, ...]
    charts: tuple[Chart, ...]
    needs_people: bool = False  # groups by team or agent: their names are read


SKU_RETURNS_NOTE = N_("The order grid has no SKU filter: bars lead to the tickets of that SKU.")

OVERVIEW = Dashboard(
    "overview",
    N_("Overview"),
    "/insights",
    cards=(
        Card("complaints", "down", d.TICKETS),
        Card("complaints_per_1000_orders", "down", d.TICKETS),
        Card("return_rate", "down", d.DELIVERED_ORDERS),
        Card("first_response_time_p50", "down", d.ANSWERED_TICKETS),
        Card("sla_first_response_attainment", "up", d.TICKETS),
        Card("backlog_open", "down", d.OPEN_TICKETS),
    ),
    charts=(
        Chart("trend", N_("Complaints by day"), "complaints", "line", d.TICKETS,
              interval="day", wide=True),
        Chart("types", N_("Complaint types"), "complaints", "pie", d.TICKETS,
              group_by=("category",)),
        Chart("top-skus", N_("Top SKUs and batches by complaints per 1,000 orders"),
              "complaints_per_1000_orders", "hbar", d.TICKETS, group_by=("sku", "batch"),
              limit=10),
        Chart("map-complaints", N_("Complaints by country"), "complaints", "map", d.TICKETS,
              group_by=("country",), wide=True),
        Chart("map-returns", N_("Return rate by country"), "return_rate", "map",
              d.DELIVERED_ORDERS, group_by=("country",), wide=True),
    ),
)  # fmt: skip

SUPPORT = Dashboard(
    "support",
    N_("Support"),
    "/insights/support",
    cards=(
        Card("time_to_assignment_p50", "down", d.ASSIGNED_TICKETS),
        Card("first_response_time_p50", "down", d.ANSWERED_TICKETS),
        Card("first_response_time_p90", "down", d.ANSWERED_TICKETS),
        Card("resolution_time_p50", "down", d.SOLVED_TICKETS),
        Card("sla_first_response_attainment", "up", d.TICKETS),
        Card("sla_resolution_attainment", "up", d.SOLVED_TICKETS),
        Card("backlog_open", "down", d.OPEN_TICKETS),
        Card("backlog_unassigned", "down", d.UNASSIGNED_TICKETS),
        Card("backlog_oldest_age", "down", d.OPEN_TICKETS),
    ),
    charts=(
        Chart("frt-trend", N_("First response time by day (p90)"), "first_response_time_p90",
              "line", d.ANSWERED_TICKETS, interval="day", wide=True),
        Chart("frt-team", N_("First response time by team (p90)"), "first_response_time_p90",
              "hbar", d.ANSWERED_TICKETS, group_by=("team",), limit=20),
        Chart("sla-team", N_("First response within SLA by team"),
              "sla_first_response_attainment", "hbar", d.TICKETS, group_by=("team",), limit=20),
        Chart("frt-agent", N_("First response time by agent (p90)"), "first_response_time_p90",
              "hbar", d.ANSWERED_TICKETS, group_by=("agent",), limit=15),
        Chart("sla-agent", N_("First response within SLA by agent"),
              "sla_first_response_attainment", "hbar", d.TICKETS, group_by=("agent",),
              limit=15),
        Chart("backlog-team", N_("Open tickets by team"), "backlog_open", "hbar",
              d.OPEN_TICKETS, group_by=("team",), limit=20),
        Chart("backlog-priority", N_("Open tickets by priority"), "backlog_open", "pie",
              d.OPEN_TICKETS, group_by=("priority",)),
        Chart("solved-agent", N_("Tickets solved by agent"), "solved", "hbar",
              d.SOLVED_IN_PERIOD, group_by=("agent",), limit=15),
    ),
    needs_people=True,
)  # fmt: skip

QUALITY_PAGE = Dashboard(
    "quality",
    N_("Quality"),
    "/insights/quality",
    cards=(
        Card("complaints", "down", d.TICKETS, N_("Quality complaints"), QUALITY),
        Card("complaints_per_1000_orders", "down", d.TICKETS,
             N_("Quality complaints per 1,000 orders"), QUALITY),
        Card("return_rate", "down", d.DELIVERED_ORDERS),
        Card("returned_units", "down", d.DELIVERED_ORDERS),
    ),
    charts=(
        Chart("quality-trend", N_("Quality complaints by day"), "complaints", "line", d.TICKETS,
              interval="day", extra=QUALITY, wide=True),
        Chart("sku-batch-rate", N_("Quality complaints per 1,000 orders by SKU and batch"),
              "complaints_per_1000_orders", "hbar", d.TICKETS, group_by=("sku", "batch"),
              limit=15, extra=QUALITY),
        Chart("sku-types", N_("Complaints by SKU and type"), "complaints", "stack", d.TICKETS,
              group_by=("sku", "category"), limit=60),
        Chart("sku-batch-returns", N_("Return rate by SKU and batch"), "return_rate", "hbar",
              d.TICKETS, group_by=("sku", "batch"), limit=15, note=SKU_RETURNS_NOTE),
    ),
)  # fmt: skip

LOGISTICS_PAGE = Dashboard(
    "logistics",
    N_("Logistics"),
    "/insights/logistics",
    cards=(
        Card("shipments", "up", d.SHIPPED_ORDERS),
        Card("logistics_exceptions", "down", d.EXCEPTION_ORDERS),
        Card("logistics_exception_rate", "down", d.SHIPPED_ORDERS),
        Card("orders_delivered", "up", d.DELIVERED_ORDERS),
        Card("complaints", "down", d.TICKETS, N_("Logistics complaints"), LOGISTICS),
    ),
    charts=(
        Chart("exceptions-trend", N_("Logistics exceptions by day"), "logistics_exceptions",
              "line", d.EXCEPTION_ORDERS, interval="day", wide=True),
        Chart("carrier-rate", N_("Exception rate by carrier"), "logistics_exception_rate",
              "hbar", d.SHIPPED_ORDERS, group_by=("carrier",), limit=20),
        Chart("carrier-region", N_("Exceptions by carrier and region"),
              "logistics_exceptions", "stack", d.EXCEPTION_ORDERS,
              group_by=("carrier", "region"), limit=60),
        Chart("carrier-returns", N_("Return rate by carrier"), "return_rate", "hbar",
              d.DELIVERED_ORDERS, group_by=("carrier",), limit=20),
        Chart("region-returns", N_("Return rate by region"), "return_rate", "hbar",
              d.DELIVERED_ORDERS, group_by=("region",), limit=20),
    ),
)  # fmt: skip

DASHBOARDS: dict[str, Dashboard] = {
    b.name: b for b in (OVERVIEW, SUPPORT, QUALITY_PAGE, LOGISTICS_PAGE)
}
