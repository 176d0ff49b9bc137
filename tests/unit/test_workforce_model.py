"""The workforce vocabulary: skills, shift spans, shifts from local wall-clock times across the
DST changes of Europe and America, local days and planned breaks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from careloop.errors import Invalid
from careloop.workforce.model import (
    MAX_SHIFT,
    BreakRule,
    Interval,
    check_breaks,
    check_shift_span,
    local_day,
    local_instant,
    normalise_skills,
    parse_skill,
    shift_instants,
    week_start,
)
from careloop.workforce.tables import ShiftTemplate
from careloop.workforce.templates import template_day, template_length

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
H = timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- skills --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("quality", "category:quality"),
        ("other", "category:other"),
        ("chat", "channel:chat"),
        ("  CHANNEL:Email ", "channel:email"),
        ("category:wrong_item", "category:wrong_item"),
        ("brand:7", "brand:7"),
        ("Brand:007", "brand:7"),
        ("brand:2147483647", "brand:2147483647"),
    ],
)
def test_parse_skill_accepts_categories_channels_and_brands(raw, stored):
    assert parse_skill(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "colour",
        "category:chat",  # a channel is not a category
        "channel:quality",
        "brand:0",
        "brand:-1",
        "brand:x",
        "brand:2147483648",
        "team:emea",
        "",
        ":",
    ],
)
def test_parse_skill_refuses_anything_else_naming_the_field(raw):
    with pytest.raises(Invalid) as err:
        parse_skill(raw)
    assert err.value.details["field"] == "skills"


def test_normalise_skills_dedupes_and_sorts():
    assert normalise_skills(["chat", "channel:chat", "quality", "brand:3"]) == [
        "brand:3",
        "category:quality",
        "channel:chat",
    ]


# --- shift spans ---------------------------------------------------------------------------


def test_check_shift_span_allows_up_to_sixteen_hours():
    start = utc(2026, 11, 2, 6)
    check_shift_span(start, start + MAX_SHIFT)
    check_shift_span(start, start + timedelta(minutes=1))


@pytest.mark.parametrize(
    ("length", "field"),
    [
        (timedelta(0), "ends_at"),
        (-H, "ends_at"),
        (MAX_SHIFT + timedelta(seconds=1), "ends_at"),
        (timedelta(hours=24), "ends_at"),
    ],
)
def test_check_shift_span_refuses_backwards_empty_and_long_shifts(length, field):
    start = utc(2026, 11, 2, 6)
    with pytest.raises(Invalid) as err:
        check_shift_span(start, start + length)
    assert err.value.details == {"field": field}


def test_check_shift_span_refuses_naive_instants():
    with pytest.raises(Invalid):
        check_shift_span(datetime(2026, 11, 2, 6), utc(2026, 11, 2, 14))  # noqa: DTZ001
    with pytest.raises(Invalid):
        check_shift_span(utc(2026, 11, 2, 6), datetime(2026, 11, 2, 14))  # noqa: DTZ001


# --- shifts from wall-clock times across DST -------------------------------------------------


def test_berlin_night_across_the_october_change_lasts_nine_hours():
    night = shift_instants(date(2026, 10, 24), time(22), time(6), BERLIN)
    assert night.start == utc(2026, 10, 24, 20)  # 22:00 CEST
    assert night.end == utc(2026, 10, 25, 5)  # 06:00 CET
    assert night.length == 9 * H


def test_berlin_night_across_the_march_change_lasts_seven_hours():
    night = shift_instants(date(2026, 3, 28), time(22), time(6), BERLIN)
    assert night.start == utc(2026, 3, 28, 21)  # 22:00 CET
    assert night.end == utc(2026, 3, 29, 4)  # 06:00 CEST
    assert night.length == 7 * H


def test_berlin_night_on_an_ordinary_weekend_lasts_eight_hours():
    assert shift_instants(date(2026, 10, 17), time(22), time(6), BERLIN).length == 8 * H
    assert shift_instants(date(2026, 3, 21), time(22), time(6), BERLIN).length == 8 * H


def test_new_york_nights_across_both_changes():
    autumn = shift_instants(date(2026, 10, 31), time(22), time(6), NEW_YORK)
    assert (autumn.start, autumn.end) == (utc(2026, 11, 1, 2), utc(2026, 11, 1, 11))
    assert autumn.length == 9 * H
    spring = shift_instants(date(2026, 3, 7), time(22), time(6), NEW_YORK)
    assert (spring.start, spring.end) == (utc(2026, 3, 8, 3), utc(2026, 3, 8, 10))
    assert spring.length == 7 * H


def test_day_shift_on_a_change_day_keeps_its_wall_clock_and_length():
    early = shift_instants(date(2026, 10, 25), time(7), time(15), BERLIN)
    assert (early.start, early.end) == (utc(2026, 10, 25, 6), utc(2026, 10, 25, 14))
    assert early.length == 8 * H


def test_a_time_skipped_in_spring_moves_forward_by_the_gap():
    # 02:30 does not exist in Berlin on 29 March 2026: read with CET it is 03:30 CEST.
    assert local_instant(date(2026, 3, 29), time(2, 30), BERLIN) == utc(2026, 3, 29, 1, 30)


def test_a_time_repeated_in_autumn_is_its_first_occurrence():
    # 02:30 happens twice in Berlin on 25 October 2026; the first is CEST.
    assert local_instant(date(2026, 10, 25), time(2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)


def test_an_end_equal_to_the_start_is_the_next_day():
    span = shift_instants(date(2026, 11, 2), time(8), time(8), "UTC")
    assert span.length == 24 * H


# --- local days ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "zone", "hours"),
    [
        (date(2026, 3, 29), BERLIN, 23),
        (date(2026, 10, 25), BERLIN, 25),
        (date(2026, 10, 26), BERLIN, 24),
        (date(2026, 3, 8), NEW_YORK, 23),
        (date(2026, 11, 1), NEW_YORK, 25),
        (date(2026, 11, 2), NEW_YORK, 24),
        (date(2026, 3, 29), "Asia/Kolkata", 24),
    ],
)
def test_local_day_lengths_follow_dst(day, zone, hours):
    assert local_day(day, zone).length == hours * H


def test_local_day_starts_at_local_midnight():
    assert local_day(date(2026, 11, 2), NEW_YORK).start == utc(2026, 11, 2, 5)
    assert local_day(date(2026, 7, 1), BERLIN).start == utc(2026, 6, 30, 22)


def test_week_start_is_monday():
    assert week_start(date(2026, 11, 8)) == date(2026, 11, 2)
    assert week_start(date(2026, 11, 2)) == date(2026, 11, 2)


# --- breaks --------------------------------------------------------------------------------

SHIFT = Interval(utc(2026, 11, 2, 7), utc(2026, 11, 2, 15))


def test_check_breaks_accepts_breaks_inside_and_touching():
    check_breaks(
        SHIFT,
        [
            Interval(utc(2026, 11, 2, 11), utc(2026, 11, 2, 11, 30)),
            Interval(utc(2026, 11, 2, 7), utc(2026, 11, 2, 7, 15)),
            Interval(utc(2026, 11, 2, 11, 30), utc(2026, 11, 2, 11, 45)),
            Interval(utc(2026, 11, 2, 14, 45), utc(2026, 11, 2, 15)),
        ],
    )
    check_breaks(SHIFT, [])


@pytest.mark.parametrize(
    "breaks",
    [
        [Interval(utc(2026, 11, 2, 6, 45), utc(2026, 11, 2, 7, 15))],  # starts before the shift
        [Interval(utc(2026, 11, 2, 14, 45), utc(2026, 11, 2, 15, 15))],  # ends after it
        [Interval(utc(2026, 11, 2, 11), utc(2026, 11, 2, 11))],  # empty
        [Interval(utc(2026, 11, 2, 11), utc(2026, 11, 2, 10))],  # backwards
        [
            Interval(utc(2026, 11, 2, 11), utc(2026, 11, 2, 11, 30)),
            Interval(utc(2026, 11, 2, 11, 15), utc(2026, 11, 2, 11, 45)),
        ],  # overlapping
        [
            Interval(utc(2026, 11, 2, 8 + h), utc(2026, 11, 2, 8 + h, 5)) for h in range(7)
        ],  # seven breaks
    ],
)
def test_check_breaks_refuses_breaks_outside_overlapping_or_too_many(breaks):
    with pytest.raises(Invalid) as err:
        check_breaks(SHIFT, breaks)
    assert err.value.details == {"field": "breaks"}


def test_break_rule_is_counted_from_the_shift_start():
    rule = BreakRule(after=timedelta(hours=4), minutes=30)
    assert rule.within(SHIFT) == Interval(utc(2026, 11, 2, 11), utc(2026, 11, 2, 11, 30))


# --- templates as instants -----------------------------------------------------------------


def night_template(**kw) -> ShiftTemplate:
    return ShiftTemplate(
        name="EU night",
        starts=time(22),
        ends=time(6),
        timezone=BERLIN,
        breaks=kw.get("breaks", [{"after_minutes": 240, "minutes": 30}]),
        skills=None,
    )


def test_template_length_wraps_past_midnight():
    assert template_length(time(7), time(15)) == 8 * H
    assert template_length(time(22), time(6)) == 8 * H
    assert template_length(time(8), time(8)) == 24 * H


def test_template_day_follows_dst_and_places_breaks_from_the_start():
    span, breaks = template_day(night_template(), date(2026, 10, 24))
    assert span.length == 9 * H
    assert breaks == [Interval(utc(2026, 10, 25, 0), utc(2026, 10, 25, 0, 30))]


def test_template_day_drops_a_break_a_short_dst_night_cannot_hold():
    template = night_template(
        breaks=[{"after_minutes": 30, "minutes": 15}, {"after_minutes": 450, "minutes": 15}]
    )
    span, breaks = template_day(template, date(2026, 3, 28))
    assert span.length == 7 * H
    assert breaks == [
        Interval(span.start + timedelta(minutes=30), span.start + timedelta(minutes=45))
    ]
    _, ordinary = template_day(template, date(2026, 3, 21))
    assert len(ordinary) == 2
