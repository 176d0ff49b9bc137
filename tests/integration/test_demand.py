"""Demand from the database: the arrival history per interval and group read in one GROUP BY
(exact counts at the interval edges, on SQLite and PostgreSQL), each group's forecast, the
short-history fallback and the agents each interval needs."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from careloop.errors import Invalid
from careloop.tickets.model import Category, Channel, Priority, Status
from careloop.tickets.queries import arrivals_per_interval
from careloop.tickets.tables import Ticket
from careloop.workforce.demand import plan_demand
from careloop.workforce.forecast import ForecastSettings
from careloop.workforce.staffing import LiveTarget

NOW = datetime(2026, 11, 2, 9, 20, tzinfo=UTC)  # a Monday
ORIGIN = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def add_tickets(db, created: list[tuple[datetime, str | None, Channel]]) -> None:
    with db.write() as s:
        s.add_all(
            Ticket(
                subject="s",
                body="b",
                channel=channel,
                category=Category.LOGISTICS,
                priority=Priority.NORMAL,
                status=Status.NEW,
                language=language,
                created_at=at,
                updated_at=at,
            )
            for at, language, channel in created
        )


def weeks_of_tickets(weeks: int, seed: int = 1) -> list[tuple[datetime, str | None, Channel]]:
    """English tickets with a daytime peak, fewer German ones, a few without a language."""
    rng = random.Random(seed)
    out = []
    hour = ORIGIN - timedelta(weeks=weeks)
    while hour < ORIGIN:
        busy = 3 if 8 <= hour.hour < 20 else 1
        for _ in range(busy):
            out.append((hour + timedelta(seconds=rng.randrange(3600)), "en", Channel.EMAIL))
        if hour.hour % 6 == 0:
            out.append((hour + timedelta(minutes=5), "de", Channel.CHAT))
        if hour.hour == 12 and hour.weekday() == 0:
            out.append((hour, None, Channel.EMAIL))
        hour += timedelta(hours=1)
    return out


def test_arrivals_are_counted_per_interval_and_group_in_one_query(db):
    edge = ORIGIN - timedelta(hours=2)
    add_tickets(
        db,
        [
            (edge - timedelta(microseconds=1), "en", Channel.EMAIL),  # the interval before
            (edge, "en", Channel.EMAIL),
            (edge + timedelta(minutes=29, seconds=59), "en", Channel.CHAT),
            (edge + timedelta(minutes=30), "de", Channel.CHAT),
            (edge + timedelta(minutes=30), None, Channel.CHAT),
            (ORIGIN, "en", Channel.EMAIL),  # not before `until`
        ],
    )
    since = ORIGIN - timedelta(hours=3)
    rows = arrivals_per_interval(
        db, since=since, until=ORIGIN, seconds=1800, group_by=("language", "channel")
    )
    assert sorted(rows, key=repr) == sorted(
        [
            (1, ("en", "email"), 1),
            (2, ("en", "email"), 1),
            (2, ("en", "chat"), 1),
            (3, ("de", "chat"), 1),
            (3, (None, "chat"), 1),
        ],
        key=repr,
    )
    total = arrivals_per_interval(db, since=since, until=ORIGIN, seconds=3600, group_by=())
    assert sorted(total) == [(0, (), 1), (1, (), 4)]


def test_each_language_gets_a_forecast_from_its_history(db):
    tickets = weeks_of_tickets(3)
    add_tickets(db, tickets)
    demand = plan_demand(db, now=NOW, settings=ForecastSettings(weeks=1), history_weeks=8)
    assert demand.origin == ORIGIN
    # The history starts with the first ticket, not eight weeks back.
    assert demand.history_start == ORIGIN - timedelta(weeks=3)
    assert [g.group for g in demand.groups] == [
        {"language": "de"},
        {"language": "en"},
        {"language": None},
    ]
    de, en, _ = demand.groups
    assert en.forecast.method in ("poisson_glm", "negative_binomial_glm")
    assert en.forecast.fallback is None
    assert len(en.forecast.intervals) == 168
    assert en.forecast.intervals[0].start == ORIGIN
    # The recent actuals are exact.
    week_ago = ORIGIN - timedelta(days=7)
    en_counts: dict[datetime, int] = {}
    for at, language, _ in tickets:
        if language == "en" and at >= week_ago:
            key = at.replace(minute=0, second=0, microsecond=0)
            en_counts[key] = en_counts.get(key, 0) + 1
    assert dict(en.actuals) == en_counts
    # English: 3 an hour by day, 1 at night; German: one every 6 hours.
    noon = next(i for i in en.forecast.intervals if i.start.hour == 12)
    night = next(i for i in en.forecast.intervals if i.start.hour == 2)
    assert noon.expected == pytest.approx(3, rel=0.2)
    assert night.expected == pytest.approx(1, rel=0.3)
    assert sum(i.expected for i in de.forecast.intervals) == pytest.approx(28, rel=0.2)


def test_a_short_history_is_flagged_and_staffing_follows_the_forecast(db):
    add_tickets(db, weeks_of_tickets(1)[-72:])  # the last few days only
    target = LiveTarget(handle_seconds=600, service_level=0.8, answer_seconds=60, shrinkage=0.25)
    demand = plan_demand(
        db, now=NOW, settings=ForecastSettings(weeks=1), group_by=(), target=target
    )
    (total,) = demand.groups
    assert total.group == {}
    assert (total.forecast.method, total.forecast.fallback) == ("flat_rate", "short_history")
    assert total.agents is not None and total.scheduled is not None
    assert len(total.agents) == len(total.forecast.intervals)
    assert all(a >= 1 for a in total.agents)
    assert all(s >= a for s, a in zip(total.scheduled, total.agents, strict=True))


def test_no_tickets_at_all(db):
    demand = plan_demand(
        db, now=NOW, settings=ForecastSettings(weeks=1, default_daily_volume=48), group_by=()
    )
    (total,) = demand.groups
    assert total.forecast.fallback == "no_history"
    assert total.forecast.intervals[0].expected == pytest.approx(2.0)
    assert plan_demand(db, now=NOW, settings=ForecastSettings(weeks=1)).groups == ()


def test_holidays_of_a_country_reach_the_forecast(db):
    add_tickets(db, weeks_of_tickets(3))
    # The US history holds Columbus Day (Monday 12 October 2026), so the holiday term is fitted
    # and applies to Veterans Day (Wednesday 11 November) in the forecast.
    demand = plan_demand(db, now=NOW, settings=ForecastSettings(weeks=2), country="US")
    en = next(g for g in demand.groups if g.group == {"language": "en"})
    factor = en.forecast.holiday_factor
    assert factor is not None
    by_start = {i.start: i.expected for i in en.forecast.intervals}
    holiday_noon = datetime(2026, 11, 11, 12, tzinfo=UTC)
    week_before = holiday_noon - timedelta(days=7)
    assert by_start[holiday_noon] == pytest.approx(factor * by_start[week_before])
    with pytest.raises(Invalid):
        plan_demand(db, now=NOW, settings=ForecastSettings(), group_by=("sku",))
    with pytest.raises(Invalid):
        plan_demand(db, now=NOW, settings=ForecastSettings(), history_weeks=1)
