"""The pure ticket rules: life cycle, tags, custom fields."""

from __future__ import annotations

import pytest

from careloop.tickets.model import (
    Status,
    can_transition,
    custom_field_problems,
    normalise_tag,
    status_after_reply,
)


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (Status.NEW, Status.OPEN, True),
        (Status.NEW, Status.CLOSED, False),
        (Status.OPEN, Status.SOLVED, True),
        (Status.SOLVED, Status.OPEN, True),
        (Status.SOLVED, Status.CLOSED, True),
        (Status.PENDING, Status.NEW, False),
        (Status.CLOSED, Status.OPEN, False),
        (Status.CLOSED, Status.CLOSED, True),
    ],
)
def test_life_cycle(current, target, allowed):
    assert can_transition(current, target) is allowed


def test_reply_opens_a_new_ticket_unless_a_status_is_chosen():
    assert status_after_reply(Status.NEW, None) == Status.OPEN
    assert status_after_reply(Status.NEW, Status.PENDING) == Status.PENDING
    assert status_after_reply(Status.ON_HOLD, None) == Status.ON_HOLD


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("VIP", "vip"),
        (" late delivery ", "late_delivery"),
        ("batch:B2610-02", "batch:b2610-02"),
        ("no!", None),
        ("", None),
        ("x" * 51, None),
    ],
)
def test_tags(raw, tag):
    assert normalise_tag(raw) == tag


def test_custom_fields():
    assert custom_field_problems({"order_value": 12.5, "vip": True, "note": None}) == []
    assert custom_field_problems({"1bad": 1})
    assert custom_field_problems({"deep": {"a": 1}})
    assert custom_field_problems({"nan": float("nan")})
    assert custom_field_problems({"big": 2**60})
    assert custom_field_problems({f"f{i}": i for i in range(51)})
