"""The SLA clock, pure: business time over calendars, policy matching, due instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careloop.sla import model
from careloop.sla.model import (
    Calendar,
    Clocks,
    PolicyRule,
    Terms,
    TicketFacts,
    TicketTimes,
    add_business_time,
    business_seconds_between,
    clocks_for,
    matches,
    select_policy,
)
from careloop.tickets.model import Priority, Status

H = 3600
NINE_TO_FIVE = model.parse_windows(
    {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
)
BERLIN = Calendar("Europe/Berlin", NINE_TO_FIVE)
SPLIT = Calendar(
    "UTC",
    model.parse_windows(
        {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], "tue": [["10:00", "11:00"]]}
    ),
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_business_time_skips_the_weekend():
    # Friday 2026-11-06 16:00 Berlin (15:00 UTC) + 2 h -> Monday 10:00 Berlin (09:00 UTC).
    assert add_business_time(utc(2026, 11, 6, 15), 2 * H, BERLIN) == utc(2026, 11, 9, 9)
    assert business_seconds_between(utc(2026, 11, 6, 15), utc(2026, 11, 9, 9), BERLIN) == 2 * H


def test_before_opening_starts_at_opening_and_ending_at_close_gives_the_close():
    assert add_business_time(utc(2026, 11, 9, 3), H, BERLIN) == utc(2026, 11, 9, 9)
    assert add_business_time(utc(2026, 11, 9, 8), 8 * H, BERLIN) == utc(2026, 11, 9, 16)


def test_several_windows_a_day():
    # Monday 2026-11-02 11:00 + 3 h: 1 h before lunch, 2 h after -> 15:00.
    assert add_business_time(utc(2026, 11, 2, 11), 3 * H, SPLIT) == utc(2026, 11, 2, 15)
    # 11:00 + 7 h: 1 + 4 on Monday, 1 on Tuesday 10-11, then next Monday 09:00 + 1 h.
    assert add_business_time(utc(2026, 11, 2, 11), 7 * H, SPLIT) == utc(2026, 11, 9, 10)
    assert business_seconds_between(utc(2026, 11, 2, 8), utc(2026, 11, 3, 12), SPLIT) == 8 * H


def test_a_holiday_is_closed():
    with_holiday = Calendar("Europe/Berlin", NINE_TO_FIVE, frozenset({date(2026, 12, 25)}))
    # Thursday 24 Dec 16:00 Berlin + 2 h: 1 h on the 24th, the 25th is closed, 1 h on Monday 28th
    # (the 26th and 27th are a weekend).
    start = utc(2026, 12, 24, 15)
    assert add_business_time(start, 2 * H, with_holiday) == utc(2026, 12, 28, 9)
    assert add_business_time(start, 2 * H, BERLIN) == utc(2026, 12, 25, 9)


def test_berlin_dst_keeps_local_opening_hours():
    # Before the change on Sunday 2026-03-29 Berlin opens at 08:00 UTC, after it at 07:00 UTC.
    friday_close = utc(2026, 3, 27, 16)  # 17:00 CET
    assert add_business_time(friday_close, H, BERLIN) == utc(2026, 3, 30, 8)  # 10:00 CEST
    assert business_seconds_between(utc(2026, 3, 27, 8), utc(2026, 3, 30, 15), BERLIN) == 16 * H
    # October: 26 Oct 2026 is Monday after the change back; opening 09:00 CET is 08:00 UTC.
    assert add_business_time(utc(2026, 10, 23, 15), H, BERLIN) == utc(2026, 10, 26, 9)


def test_a_night_window_on_a_dst_night_resolves_like_a_shift():
    # 01:00-04:00 on the spring-forward night lasts 2 hours (02:00-03:00 does not exist).
    night = Calendar("Europe/Berlin", model.parse_windows({"sun": [["01:00", "04:00"]]}))
    day_start = utc(2026, 3, 28, 23)  # 00:00 CET
    assert business_seconds_between(day_start, utc(2026, 3, 29, 12), night) == 2 * H


def test_around_the_clock_is_plain_time():
    start = utc(2026, 11, 7, 22, 30)
    assert add_business_time(start, 5 * H, None) == start + timedelta(hours=5)
    assert business_seconds_between(start, start + timedelta(hours=5), None) == 5 * H
    assert business_seconds_between(start + timedelta(hours=5), start, None) == -5 * H


def test_negative_business_time_walks_backwards():
    # Monday 10:00 Berlin minus 2 h -> Friday 16:00 Berlin.
    assert add_business_time(utc(2026, 11, 9, 9), -2 * H, BERLIN) == utc(2026, 11, 6, 15)


@settings(max_examples=150, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2025, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
        max_value=datetime(2028, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    seconds=st.integers(min_value=-40 * 24 * H, max_value=40 * 24 * H),
    calendar=st.sampled_from([BERLIN, SPLIT, None]),
)
def test_add_then_between_round_trips(start, seconds, calendar):
    start = start.replace(microsecond=0)
    end = add_business_time(start, seconds, calendar)
    assert business_seconds_between(start, end, calendar) == seconds


@pytest.mark.parametrize(
    "raw",
    [
        {"mon": [["09:00", "09:00"]]},
        {"mon": [["17:00", "09:00"]]},
        {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]},
        {"funday": [["09:00", "12:00"]]},
        {"mon": [["9", "12:00"]]},
        {"mon": [["24:00", "24:00"]]},
        {"mon": [["09:00", "12:61"]]},
    ],
)
def test_bad_windows_are_refused(raw):
    with pytest.raises(ValueError):
        model.parse_windows(raw)


def test_windows_read_and_written_back():
    raw = {"mon": [["13:30", "24:00"], ["09:00", "12:30"]]}
    assert model.format_windows(model.parse_windows(raw)) == {
        "mon": [["09:00", "12:30"], ["13:30", "24:00"]]
    }


# --- policies -----------------------------------------------------------------------------------

FACTS = TicketFacts(
    brand_id=3, priority="high", channel="email", category="quality", customer_tier="vip"
)


def test_conditions_must_all_hold_and_empty_ones_match_anything():
    assert matches({}, FACTS)
    assert matches({"priorities": ["high", "urgent"], "brand_ids": [3], "channels": []}, FACTS)
    assert not matches({"priorities": ["high"], "customer_tiers": ["b2b"]}, FACTS)
    assert not matches({"categories": ["logistics"]}, FACTS)


def test_the_first_match_by_position_wins():
    vip = PolicyRule(2, {"customer_tiers": ["vip"]}, Terms(policy_id=10))
    urgent = PolicyRule(1, {"priorities": ["urgent"]}, Terms(policy_id=11))
    default = PolicyRule(9, {}, Terms(policy_id=12))
    assert select_policy([default, vip, urgent], FACTS) == vip.terms
    low = TicketFacts(None, "low", "chat", None, None)
    assert select_policy([default, vip, urgent], low) == default.terms
    assert select_policy([vip], low) is None


# --- due instants -------------------------------------------------------------------------------

T0 = utc(2026, 11, 2, 9)  # Monday
TERMS = Terms(policy_id=1, first_response=H, next_response=2 * H, resolution=8 * H)


def times(status: Status = Status.OPEN, **kw: datetime | None) -> TicketTimes:
    return TicketTimes(
        status=status,
        created_at=T0,
        first_response_at=kw.get("first_response_at"),
        waiting_since=kw.get("waiting_since"),
    )


def test_a_new_ticket_gets_first_response_and_resolution_due():
    clocks = clocks_for(Clocks(), None, TERMS, times(Status.NEW), T0)
    assert clocks == Clocks(1, T0 + timedelta(hours=1), None, T0 + timedelta(hours=8), None)


def test_first_response_is_met_and_next_response_counts_from_the_customer():
    start = clocks_for(Clocks(), None, TERMS, times(Status.NEW), T0)
    replied = clocks_for(
        start, TERMS, TERMS, times(first_response_at=T0 + timedelta(minutes=20)), T0
    )
    assert replied.first_response_due is None and replied.next_response_due is None
    wrote = T0 + timedelta(hours=3)
    waiting = clocks_for(
        replied, TERMS, TERMS, times(first_response_at=T0, waiting_since=wrote), wrote
    )
    assert waiting.next_response_due == wrote + timedelta(hours=2)
    assert waiting.resolution_due == T0 + timedelta(hours=8)


def test_pending_pauses_resolution_and_reopening_resumes_with_the_time_left():
    running = clocks_for(Clocks(), None, TERMS, times(Status.NEW), T0)
    paused_at = T0 + timedelta(hours=3)
    paused = clocks_for(running, TERMS, TERMS, times(Status.PENDING), paused_at)
    assert paused.resolution_due is None and paused.resolution_remaining == 5 * H
    # Pending does not stop the first response clock: the customer still waits for an answer.
    assert paused.first_response_due == T0 + timedelta(hours=1)
    back = T0 + timedelta(days=2)
    resumed = clocks_for(paused, TERMS, TERMS, times(Status.OPEN), back)
    assert resumed.resolution_due == back + timedelta(hours=5)
    assert resumed.resolution_remaining is None


def test_solved_pauses_and_closed_clears():
    running = clocks_for(Clocks(), None, TERMS, times(Status.NEW), T0)
    solved = clocks_for(running, TERMS, TERMS, times(Status.SOLVED), T0 + timedelta(hours=2))
    assert (solved.first_response_due, solved.resolution_due) == (None, None)
    assert solved.resolution_remaining == 6 * H
    assert clocks_for(solved, TERMS, TERMS, times(Status.CLOSED), T0) == Clocks(policy_id=1)


def test_a_breached_clock_paused_keeps_its_overdue_time():
    running = clocks_for(Clocks(), None, TERMS, times(Status.NEW), T0)
    late = T0 + timedelta(hours=10)
    paused = clocks_for(running, TERMS, TERMS, times(Status.PENDING), late)
    assert paused.resolution_remaining == -2 * H
    resumed = clocks_for(paused, TERMS, TERMS, times(Status.OPEN), late + timedelta(hours=1))
    assert resumed.resolution_due == late - timedelta(hours=1)


def test_a_new_policy_keeps_spent_and_paused_time():
    running = clocks_for(Clocks(), None, TERMS, times(Status.NEW), T0)
    paused = clocks_for(running, TERMS, TERMS, times(Status.PENDING), T0 + timedelta(hours=2))
    later = T0 + timedelta(hours=30)
    resumed = clocks_for(paused, TERMS, TERMS, times(Status.OPEN), later)
    assert resumed.resolution_due == later + timedelta(hours=6)
    faster = Terms(policy_id=2, first_response=H // 2, resolution=4 * H)
    moved = clocks_for(resumed, TERMS, faster, times(Status.OPEN), later)
    # 2 h spent, 4 h target: 2 h left from now; the 28 paused hours stay paused.
    assert moved.resolution_due == later + timedelta(hours=2)
    assert moved.policy_id == 2
    assert moved.first_response_due == T0 + timedelta(minutes=30)


def test_no_policy_means_no_clocks():
    running = clocks_for(Clocks(), None, TERMS, times(Status.NEW), T0)
    assert clocks_for(running, TERMS, None, times(), T0) == Clocks()


def test_priority_steps_and_the_earliest_due():
    assert model.raised(Priority.LOW) == Priority.NORMAL
    assert model.raised(Priority.URGENT) == Priority.URGENT
    clocks = Clocks(1, T0 + timedelta(hours=2), None, T0 + timedelta(hours=1), None)
    assert model.earliest_due(clocks) == T0 + timedelta(hours=1)
    assert model.earliest_due(Clocks()) is None


def test_warning_window():
    due = T0 + timedelta(hours=1)
    assert not model.warning_due(due, timedelta(minutes=15), due - timedelta(minutes=16))
    assert model.warning_due(due, timedelta(minutes=15), due - timedelta(minutes=15))
    assert not model.warning_due(due, timedelta(minutes=15), due)
