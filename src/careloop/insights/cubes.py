"""The facts the dashboards count and the cubes their rollups keep: what is counted at
which instant, by which dimensions, and which dimension sets are rolled up by hour or day.

Plain Python, read by the refresh (what to build), the planner (which cube answers a query)
and the metric definitions in model.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

MAX_CUBE_DIMS = 10  # rollup rows have columns d0..d9


@dataclass(frozen=True)
class Fact:
    """Something that happens at an instant and is counted: a ticket created, an order
    delivered. `splitting` dims are those one counted thing can have several values of (an
    order's SKUs): a measure marked `distinct` may only be summed over cubes whose splitting
    dims the query also groups or filters by.

    `cubes` are the dim sets kept, smallest first; the first `hourly` of them are kept by hour,
    the others (wider: more rows per hour than an hour has facts) not. All are kept by UTC day,
    and by UTC month but for those in `unmonthly`: the widest, whose month rows hardly compress
    and would make the refresh of a month (summed again from its days) several times dearer.
    `histogram_cubes` maps the cubes that also keep duration histograms to the grains they
    keep them at ("h", "d")."""

    name: str
    instant: str  # what the bucket hour is the hour of, in words
    dims: tuple[str, ...]
    measures: tuple[str, ...]
    histograms: tuple[str, ...] = ()
    histogram_cubes: Mapping[tuple[str, ...], str] = field(
        default_factory=dict, hash=False, compare=False
    )
    cubes: tuple[tuple[str, ...], ...] = ()
    hourly: int = 0
    unmonthly: frozenset[tuple[str, ...]] = frozenset()
    splitting: frozenset[str] = frozenset()
    distinct: frozenset[str] = frozenset()

    def measure_index(self, measure: str) -> int:
        return self.measures.index(measure)

    def kept(self, cube: int, grain: str, *, histogram: bool = False) -> bool:
        """Whether rows of `cube` (sums, or histograms) are kept at `grain`."""
        if histogram:
            return grain in self.histogram_cubes.get(self.cubes[cube], "")
        if grain == "m":
            return self.cubes[cube] not in self.unmonthly
        return grain != "h" or cube < self.hourly


def _fact(
    name: str,
    instant: str,
    dims: Sequence[str],
    measures: Sequence[str],
    hourly: Iterable[Sequence[str]],
    daily: Iterable[Sequence[str]] = (),
    **kw: object,
) -> Fact:
    """A fact with its hourly cubes, then its daily ones; the last daily cube holds every dim
    (unless an hourly one already does)."""
    hours = [tuple(c) for c in hourly]
    days = [tuple(c) for c in daily]
    if tuple(dims) not in hours + days:
        days.append(tuple(dims))
    return Fact(
        name,
        instant,
        tuple(dims),
        tuple(measures),
        cubes=tuple(hours + days),
        hourly=len(hours),
        **kw,  # type: ignore[arg-type]
    )


TICKET_DIMS = (
    "brand",
    "country",
    "channel",
    "category",
    "language",
    "priority",
    "sku",
    "batch",
    "team",
    "agent",
)
ORDER_DIMS = ("brand", "country", "region", "carrier")
GLOBAL = ("brand", "country")  # the pages' global filters every order-side cube keeps

FACTS: dict[str, Fact] = {
    f.name: f
    for f in (
        _fact(
            "tickets",
            "the ticket's creation",
            TICKET_DIMS,
            (
                "complaints",
                "assigned",
                "responded",
                "resolved",
                "fr_due",
                "fr_breached",
                "res_due",
                "res_breached",
            ),
            hourly=[
                (),  # the cards: totals
                ("category",),
                ("country",),
                ("team",),
                ("team", "agent"),
                ("brand", "country", "channel"),
                ("brand", "country", "channel", "category"),
                ("brand", "country", "channel", "language"),
                ("brand", "channel", "team", "agent"),
            ],
            daily=[
                ("category", "sku", "batch"),
                ("brand", "country", "channel", "category", "sku", "batch"),
            ],
            unmonthly=frozenset(
                {("brand", "country", "channel", "category", "sku", "batch"), TICKET_DIMS}
            ),
            histograms=("time_to_assignment", "first_response_time", "resolution_time"),
            # A histogram row per bin compresses only where many tickets share a row: hour rows
            # for the totals alone (cards, trends in any zone), day rows for these cubes. Grouped
            # percentiles read the hours at a period's edges from the base tables, whole months
            # from day rows (the coarse bins keep that cheap, and the refresh of a month short).
            histogram_cubes={
                (): "hd",
                ("category",): "d",
                ("country",): "d",
                ("team",): "d",
                ("team", "agent"): "d",
                ("brand", "country", "channel"): "d",
                TICKET_DIMS: "d",
            },
        ),
        _fact(
            "deliveries",
            "the delivery of the order's (first) shipment",
            (*ORDER_DIMS, "sku", "batch"),
            ("orders", "units"),
            hourly=[(), ("country",), GLOBAL, ORDER_DIMS],
            daily=[
                ("sku",),
                ("sku", "batch"),
                (*GLOBAL, "sku"),
                (*GLOBAL, "sku", "batch"),
                (*ORDER_DIMS, "sku"),
                (*ORDER_DIMS, "batch"),
            ],
            unmonthly=frozenset(
                {(*ORDER_DIMS, "sku"), (*ORDER_DIMS, "batch"), (*ORDER_DIMS, "sku", "batch")}
            ),
            splitting=frozenset({"sku", "batch"}),
            distinct=frozenset({"orders"}),
        ),
        _fact(
            "returns",
            "the return's creation",
            (*ORDER_DIMS, "sku", "batch", "reason"),
            ("returns", "returned_units"),
            hourly=[(), ("country",), GLOBAL, ORDER_DIMS],
            daily=[("sku", "batch"), (*GLOBAL, "sku", "batch")],
            unmonthly=frozenset({(*ORDER_DIMS, "sku", "batch", "reason")}),
        ),
        _fact(
            "shipments",
            "the shipment's dispatch",
            (*ORDER_DIMS, "status"),
            ("shipments", "exceptions", "delivered"),
            hourly=[("carrier", "region"), ("brand", "country", "carrier"), ORDER_DIMS],
            unmonthly=frozenset({(*ORDER_DIMS, "status")}),
        ),
        _fact(
            "replies",
            "the public reply",
            ("agent", "team", "brand", "channel"),
            ("replies",),
            hourly=[("agent", "team", "brand", "channel")],
        ),
        _fact(
            "solves",
            "the ticket's solving",
            ("agent", "team", "brand", "channel", "category"),
            ("solved",),
            hourly=[("agent", "team", "brand", "channel", "category")],
        ),
    )
}

# Shipment statuses that count as a logistics exception.
EXCEPTION_STATUSES = ("exception", "returned")


@dataclass(frozen=True)
class CubeChoice:
    fact: Fact
    index: int
    dims: tuple[str, ...]


def choose_cube(
    fact: Fact,
    needed: Iterable[str],
    *,
    distinct: bool,
    grain: str = "d",
    histogram: bool = False,
) -> CubeChoice | None:
    """The smallest cube of `fact` that holds every needed dim and is kept at `grain` (with
    histograms when `histogram`); for a distinct measure, one whose splitting dims are all
    needed too (so nothing counted once is summed twice). None: no cube fits (the caller
    reads the base tables)."""
    want = set(needed)
    for index, dims in enumerate(fact.cubes):
        if not want <= set(dims) or not fact.kept(index, grain, histogram=histogram):
            continue
        if distinct and (set(dims) & fact.splitting) - want:
            continue
        return CubeChoice(fact, index, dims)
    return None
