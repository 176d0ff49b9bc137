"""The pure parts of the insights planner: coarse duration bins and the two-step nearest rank
the percentile queries use, which cubes are kept at which grain, and how a period is split
into month, day and hour rows."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime

import pytest

from careloop.insights.cubes import FACTS, TICKET_DIMS, choose_cube
from careloop.insights.model import Measure, coarse_bin, nearest_rank, quantile_rank, rank_bin
from careloop.insights.plan import plan_reads, time_segments
from careloop.insights.queries import parse_query


@pytest.mark.parametrize(
    ("fine", "coarse"),
    [(0, 0), (7, 7), (10, 10), (99, 90), (100, 100), (345, 300), (1230, 1000), (98700, 90000)],
)
def test_a_coarse_bin_keeps_the_first_significant_digit(fine: int, coarse: int) -> None:
    assert coarse_bin(fine) == coarse


def _two_step(hist: dict[int, int], quantile: float) -> int | None:
    """What queries.py does: the coarse bin holding the rank, then the fine bins inside it."""
    coarse: dict[int, int] = defaultdict(int)
    for b, n in hist.items():
        coarse[coarse_bin(b)] += n
    rank = quantile_rank(sum(coarse.values()), quantile)
    if rank is None:
        return None
    c, left = rank_bin(coarse, rank)
    return rank_bin({b: n for b, n in hist.items() if coarse_bin(b) == c}, left)[0]


@pytest.mark.parametrize("seed", range(40))
def test_the_two_step_rank_equals_the_nearest_rank_over_the_fine_bins(seed: int) -> None:
    rng = random.Random(seed)
    hist: dict[int, int] = defaultdict(int)
    for _ in range(rng.randint(1, 300)):
        hist[rng.choice([rng.randint(0, 40), rng.randint(0, 5000), rng.randint(0, 900000)])] += 1
    for quantile in (0.0, 0.1, 0.5, 0.9, 0.99, 1.0):
        assert _two_step(hist, quantile) == nearest_rank(hist, quantile)


def test_an_empty_histogram_has_no_rank() -> None:
    assert _two_step({}, 0.5) is None
    assert nearest_rank({}, 0.5) is None


def test_histograms_are_kept_by_hour_for_the_totals_and_by_day() -> None:
    tickets = FACTS["tickets"]
    for grain, needed, kept in [
        ("h", (), ()),
        ("h", ("team",), None),  # grouped: the edge hours come from the base tables
        ("d", ("team",), ("team",)),
        ("m", ("team",), None),
        ("d", ("sku",), TICKET_DIMS),
    ]:
        choice = choose_cube(tickets, needed, distinct=False, grain=grain, histogram=True)
        assert (choice.dims if choice else None) == kept, (grain, needed)
    # Sums keep every cube by month and the narrow ones by hour, as before.
    assert choose_cube(tickets, ("sku",), distinct=False, grain="m") is not None
    assert choose_cube(tickets, ("sku",), distinct=False, grain="h") is None


def _at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_a_total_over_whole_months_reads_month_rows_days_and_hours_at_the_edges() -> None:
    q = parse_query("complaints", start=_at(8, 31, 13), end=_at(11, 5, 5), tz="Asia/Shanghai")
    assert sorted(time_segments(q)) == sorted(
        [
            ("m", _at(9, 1), _at(11, 1)),
            ("d", _at(11, 1), _at(11, 5)),
            ("h", _at(8, 31, 13), _at(9, 1)),
            ("h", _at(11, 5), _at(11, 5, 5)),
        ]
    )


def test_days_and_weeks_never_read_month_rows() -> None:
    for interval in ("day", "week"):
        q = parse_query("complaints", start=_at(9, 1), end=_at(11, 1), interval=interval)
        assert time_segments(q) == [("d", _at(9, 1), _at(11, 1))]


def test_a_period_inside_one_month_reads_days() -> None:
    q = parse_query("complaints", start=_at(10, 26), end=_at(11, 25))
    assert time_segments(q) == [("d", _at(10, 26), _at(11, 25))]


def test_whole_months_of_a_percentile_are_read_from_day_rows() -> None:
    q = parse_query(
        "first_response_time_p90", start=_at(8, 31, 13), end=_at(11, 5, 5), group_by=["team"]
    )
    plan = plan_reads(q, Measure("tickets", "first_response_time"), ("team",), distinct=False,
                 histogram=True)  # fmt: skip
    grains = {seg[0]: (choice.dims if choice else None) for choice, segs in plan for seg in segs}
    assert grains == {"d": ("team",), "h": None}  # the edge hours from the base tables
    sums = plan_reads(q, Measure("tickets", "complaints"), ("team",), distinct=False)
    assert {seg[0] for _, segs in sums for seg in segs} == {"m", "d", "h"}


def test_the_widest_cubes_have_no_month_rows_and_read_their_days() -> None:
    q = parse_query(
        "complaints", start=_at(8, 31, 13), end=_at(11, 5, 5), group_by=["sku", "language"]
    )
    plan = plan_reads(q, Measure("tickets", "complaints"), ("sku", "language"), distinct=False)
    reads = {(choice.dims if choice else None, seg[0]) for choice, segs in plan for seg in segs}
    assert reads == {(TICKET_DIMS, "d"), (None, "h")}  # every dim: by day; no hourly cube
