"""Drill-downs: the ticket or order grid (/views/tickets, /views/orders) filtered to the records
behind one number of a dashboard: the panel's period (or one day of a trend), the global filters,
the panel's own filters and the values of the bar, slice or country that was clicked.

The metrics group by codes and ids (brand code, team id, assignee id); the grids filter by
names, so the names come from one read per page (`Names`). Orders have no channel, SKU or batch
column: those filters are left out of an orders drill-down (the page says so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from careloop.errors import Invalid
from careloop.tickets.grid_spec import build_spec
from careloop.tickets.model import OPEN_STATUSES
from careloop.web.insights_filters import DashFilters, Span
from careloop.web.views_grid import grid_url

# Metric dimension -> grid column, per grid.
COLUMNS: dict[str, dict[str, str]] = {
    "tickets": {
        "brand": "brand",
        "country": "country",
        "channel": "channel",
        "category": "category",
        "language": "language",
        "priority": "priority",
        "sku": "sku",
        "batch": "batch",
        "team": "team",
        "agent": "assignee",
    },
    "orders": {
        "brand": "brand",
        "country": "country",
        "region": "region",
        "carrier": "carrier",
        "status": "shipment_status",
    },
}
GRID_COLUMNS = {
    "tickets": ("id", "subject", "status", "category", "country", "sku", "batch", "created"),
    "orders": ("number", "customer", "country", "region", "carrier", "shipment_status", "shipped",
               "delivered"),
}  # fmt: skip
OPEN = ",".join(sorted(s.value for s in OPEN_STATUSES))
EXCEPTIONS = "exception,returned"


@dataclass(frozen=True)
class Names:
    """Names of the codes and ids metrics group by, for labels and grid filters."""

    brands: Mapping[str, str] = field(default_factory=dict)  # code -> name
    teams: Mapping[str, str] = field(default_factory=dict)  # id -> name
    agents: Mapping[str, str] = field(default_factory=dict)  # user id -> name

    def grid_value(self, dim: str, value: str) -> str:
        table = {"brand": self.brands, "team": self.teams, "agent": self.agents}.get(dim)
        return table.get(value, value) if table is not None else value


@dataclass(frozen=True)
class Drill:
    """Where a panel's numbers lead: a grid, the instant column the period filters (None for
    the state now), and filters of its own (column, op, values)."""

    entity: str = "tickets"
    when: str | None = "created"
    extra: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def url(
        self,
        filters: DashFilters,
        span: Span,
        names: Names,
        values: Mapping[str, str | None] | None = None,
        metric_extra: Mapping[str, Sequence[str]] | None = None,
        metric_dims: Sequence[str] | None = None,
    ) -> str | None:
        """The grid of the records behind one value; `values` are the clicked dims' values,
        `metric_extra` the panel's own metric filters (category=quality...), and only the
        global filters the metric has a dimension for apply (`metric_dims`)."""
        columns = COLUMNS[self.entity]
        wanted: list[tuple[str, str, Sequence[str]]] = []
        if self.when is not None:
            wanted.append((self.when, "after", [_iso(span.start)]))
            wanted.append((self.when, "before", [_iso(span.end)]))
        chosen: dict[str, tuple[str | None, ...]] = {
            k: (v,) for k, v in filters.dims().items() if metric_dims is None or k in metric_dims
        }
        chosen.update({k: tuple(v) for k, v in (metric_extra or {}).items()})
        chosen.update({k: (v,) for k, v in (values or {}).items()})
        for dim, given in chosen.items():
            column = columns.get(dim)
            if column is None:
                continue
            real = [names.grid_value(dim, v) for v in given if v]
            if not real:
                wanted.append((column, "empty", []))
            else:
                wanted.append((column, "eq" if len(real) == 1 else "in", real))
        wanted += [(c, op, list(v)) for c, op, v in self.extra]
        try:
            spec = build_spec(self.entity, columns=GRID_COLUMNS[self.entity], filters=wanted)
        except Invalid:  # a value the grid cannot filter by (too long...): no link, no error
            return None
        return grid_url(spec)


def _iso(at: datetime) -> str:
    return at.isoformat()


TICKETS = Drill()
OPEN_TICKETS = Drill(when=None, extra=(("status", "in", tuple(OPEN.split(","))),))
UNASSIGNED_TICKETS = Drill(
    when=None, extra=(("status", "in", tuple(OPEN.split(","))), ("assignee", "empty", ()))
)
ANSWERED_TICKETS = Drill(extra=(("first_response", "filled", ()),))
ASSIGNED_TICKETS = Drill(extra=(("first_assigned", "filled", ()),))
SOLVED_TICKETS = Drill(extra=(("solved", "filled", ()),))
SOLVED_IN_PERIOD = Drill(when="solved")
DELIVERED_ORDERS = Drill("orders", "delivered")
SHIPPED_ORDERS = Drill("orders", "shipped")
EXCEPTION_ORDERS = Drill(
    "orders", "shipped", (("shipment_status", "in", tuple(EXCEPTIONS.split(","))),)
)
