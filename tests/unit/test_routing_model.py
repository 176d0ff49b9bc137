"""The routing policy: who may take a ticket (capacity, skills, language), who does (least
loaded or round robin), the language fallback, and the order of the queue."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from careloop.routing.model import (
    Candidate,
    Decision,
    RoutingPolicy,
    Strategy,
    TicketToRoute,
    choose,
    eligible,
    handles,
    queue_key,
)
from careloop.tickets.model import Priority

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
LEAST = RoutingPolicy()
ROBIN = RoutingPolicy(strategy=Strategy.ROUND_ROBIN)


def ticket(**changes: object) -> TicketToRoute:
    base = TicketToRoute(
        ticket_id=1,
        language="de",
        category="quality",
        channel="email",
        brand_id=7,
        priority=Priority.NORMAL,
        queued_since=NOW,
    )
    return replace(base, **changes)


def agent(agent_id: int, **changes: object) -> Candidate:
    base = Candidate(
        agent_id=agent_id,
        languages=("de",),
        skills=(),
        capacity=5,
        open_tickets=0,
        last_assigned_at=None,
    )
    return replace(base, **changes)


# --- skills ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("skills", "takes"),
    [
        ((), True),  # no skills: everything
        (("category:quality",), True),  # quality on any channel and brand
        (("category:refund",), False),
        (("category:refund", "category:quality"), True),  # two of a kind: either
        (("category:quality", "channel:email"), True),
        (("category:quality", "channel:chat"), False),  # every kind listed must match
        (("channel:chat", "channel:email"), True),
        (("brand:7",), True),
        (("brand:8",), False),
        (("brand:7", "category:quality", "channel:email"), True),
        (("brand:7", "category:quality", "channel:chat"), False),
        (("teleport:yes",), False),  # an unknown kind matches nothing
    ],
)
def test_an_agent_with_skills_must_match_every_kind_it_lists(skills, takes):
    assert handles(ticket(), skills) is takes


def test_a_ticket_without_a_category_or_brand_does_not_match_a_restriction_on_it():
    bare = ticket(category=None, brand_id=None)
    assert handles(bare, ())
    assert handles(bare, ("channel:email",))
    assert not handles(bare, ("category:quality",))
    assert not handles(bare, ("brand:7",))


# --- eligibility -----------------------------------------------------------------------------


def test_eligible_needs_the_ticket_language():
    assert eligible(ticket(), agent(1, languages=("en", "de")))
    assert not eligible(ticket(), agent(1, languages=("en", "fr")))


def test_a_ticket_without_a_language_can_go_to_anyone():
    assert eligible(ticket(language=None), agent(1, languages=("fi",)))
    decision = choose(ticket(language=None), [agent(1, languages=("fi",))], LEAST, NOW)
    assert decision == Decision(1, False, "least_loaded")


def test_eligible_with_fallback_needs_a_fallback_language_instead():
    assert eligible(ticket(), agent(1, languages=("en",)), fallback=True)
    assert not eligible(ticket(), agent(1, languages=("fr",)), fallback=True)
    assert eligible(
        ticket(), agent(1, languages=("fr",)), fallback=True, fallback_languages=("fr", "en")
    )


def test_eligible_needs_the_skill():
    assert not eligible(ticket(), agent(1, skills=("category:refund",)))


@pytest.mark.parametrize(
    ("capacity", "open_tickets", "takes"),
    [(5, 4, True), (5, 5, False), (5, 6, False), (1, 0, True), (0, 0, False)],
)
def test_eligible_needs_room_below_capacity(capacity, open_tickets, takes):
    candidate = agent(1, capacity=capacity, open_tickets=open_tickets)
    assert eligible(ticket(), candidate) is takes
    assert eligible(ticket(), candidate, fallback=True) is False  # "de" is not a fallback
    assert eligible(ticket(language="en"), replace(candidate, languages=("en",))) is takes


def test_an_agent_with_capacity_zero_never_gets_a_ticket():
    assert choose(ticket(), [agent(1, capacity=0)], LEAST, NOW) is None
    assert choose(ticket(), [agent(1, capacity=0)], ROBIN, NOW) is None


def test_no_candidates_means_no_decision():
    assert choose(ticket(), [], LEAST, NOW) is None
    assert choose(ticket(), [], ROBIN, NOW, after_agent_id=3) is None
    assert choose(ticket(queued_since=NOW - 60 * MIN), [], LEAST, NOW) is None


# --- least loaded ----------------------------------------------------------------------------


def test_least_loaded_takes_the_fewest_open_tickets_over_idleness_and_id():
    candidates = [
        agent(1, open_tickets=2, last_assigned_at=None),
        agent(2, open_tickets=1, last_assigned_at=NOW - MIN),
        agent(3, open_tickets=3, capacity=10, last_assigned_at=None),
    ]
    assert choose(ticket(), candidates, LEAST, NOW) == Decision(2, False, "least_loaded")


def test_least_loaded_counts_open_tickets_not_the_share_of_capacity():
    # 2 of 10 is a lower share than 1 of 2, but fewer tickets wins.
    candidates = [agent(1, open_tickets=2, capacity=10), agent(2, open_tickets=1, capacity=2)]
    assert choose(ticket(), candidates, LEAST, NOW) == Decision(2, False, "least_loaded")


def test_least_loaded_breaks_ties_by_longest_idle_never_assigned_first_then_id():
    candidates = [
        agent(1, open_tickets=1, last_assigned_at=NOW - 5 * MIN),
        agent(2, open_tickets=1, last_assigned_at=NOW - 30 * MIN),
        agent(3, open_tickets=1, last_assigned_at=None),
        agent(4, open_tickets=1, last_assigned_at=None),
    ]
    for order in (candidates, candidates[::-1]):
        assert choose(ticket(), order, LEAST, NOW) == Decision(3, False, "least_loaded")
    without_idle = candidates[:2]
    assert choose(ticket(), without_idle, LEAST, NOW) == Decision(2, False, "least_loaded")
    same_time = [agent(9, last_assigned_at=NOW), agent(4, last_assigned_at=NOW)]
    assert choose(ticket(), same_time, LEAST, NOW) == Decision(4, False, "least_loaded")


def test_least_loaded_skips_ineligible_agents_even_when_they_are_idler():
    candidates = [
        agent(1, open_tickets=0, languages=("fr",)),
        agent(2, open_tickets=0, skills=("channel:chat",)),
        agent(3, open_tickets=2, capacity=2),
        agent(4, open_tickets=1),
    ]
    assert choose(ticket(), candidates, LEAST, NOW) == Decision(4, False, "least_loaded")


# --- round robin -----------------------------------------------------------------------------


def test_round_robin_takes_the_next_agent_id_after_the_last_served():
    candidates = [agent(5), agent(2), agent(9, open_tickets=4)]
    assert choose(ticket(), candidates, ROBIN, NOW, after_agent_id=2) == Decision(
        5, False, "round_robin"
    )
    assert choose(ticket(), candidates, ROBIN, NOW, after_agent_id=5).agent_id == 9
    assert choose(ticket(), candidates, ROBIN, NOW, after_agent_id=3).agent_id == 5


def test_round_robin_wraps_around_to_the_lowest_id():
    candidates = [agent(5), agent(2), agent(9)]
    assert choose(ticket(), candidates, ROBIN, NOW, after_agent_id=9).agent_id == 2
    assert choose(ticket(), candidates, ROBIN, NOW, after_agent_id=100).agent_id == 2
    assert choose(ticket(), candidates, ROBIN, NOW).agent_id == 2


def test_round_robin_skips_ineligible_agents():
    candidates = [agent(2), agent(5, open_tickets=5), agent(7, languages=("en",)), agent(9)]
    assert choose(ticket(), candidates, ROBIN, NOW, after_agent_id=2).agent_id == 9
    assert choose(ticket(), candidates, ROBIN, NOW, after_agent_id=9).agent_id == 2


def test_round_robin_serves_everyone_in_turn():
    candidates = [agent(3), agent(1), agent(2)]
    served: list[int] = []
    last = None
    for _ in range(6):
        decision = choose(ticket(), candidates, ROBIN, NOW, after_agent_id=last)
        assert decision is not None
        last = decision.agent_id
        served.append(last)
    assert served == [1, 2, 3, 1, 2, 3]


# --- language fallback -----------------------------------------------------------------------


def test_no_fallback_before_fallback_after():
    english = [agent(1, languages=("en",))]
    waited = ticket(queued_since=NOW - 10 * MIN + timedelta(seconds=1))
    assert choose(waited, english, LEAST, NOW) is None


def test_fallback_after_fallback_after_flags_translation():
    english = [agent(1, languages=("en",)), agent(2, languages=("fr",))]
    waited = ticket(queued_since=NOW - 10 * MIN)
    assert choose(waited, english, LEAST, NOW) == Decision(1, True, "language_fallback")
    assert choose(waited, english, ROBIN, NOW) == Decision(1, True, "language_fallback")


def test_no_fallback_while_a_speaker_is_eligible():
    candidates = [agent(1, languages=("en",)), agent(2, languages=("de",), open_tickets=4)]
    waited = ticket(queued_since=NOW - 60 * MIN)
    assert choose(waited, candidates, LEAST, NOW) == Decision(2, False, "least_loaded")


def test_fallback_when_the_speakers_are_full_or_unskilled():
    candidates = [
        agent(1, languages=("de",), open_tickets=5),
        agent(2, languages=("de",), skills=("category:refund",)),
        agent(3, languages=("en",), open_tickets=2),
        agent(4, languages=("en",), open_tickets=1),
        agent(5, languages=("en",), open_tickets=5),  # full: not a fallback either
    ]
    waited = ticket(queued_since=NOW - 11 * MIN)
    assert choose(waited, candidates, LEAST, NOW) == Decision(4, True, "language_fallback")
    assert choose(waited, candidates, ROBIN, NOW, after_agent_id=3) == Decision(
        4, True, "language_fallback"
    )
    assert choose(waited, candidates, ROBIN, NOW, after_agent_id=4) == Decision(
        3, True, "language_fallback"
    )


def test_fallback_uses_the_policy_languages_and_delay():
    policy = RoutingPolicy(fallback_languages=("fr", "es"), fallback_after=timedelta(0))
    candidates = [agent(1, languages=("en",)), agent(2, languages=("es",))]
    assert choose(ticket(), candidates, policy, NOW) == Decision(2, True, "language_fallback")
    assert choose(ticket(), [agent(1, languages=("en",))], policy, NOW) is None


def test_fallback_still_needs_skills():
    candidates = [agent(1, languages=("en",), skills=("channel:chat",))]
    assert choose(ticket(queued_since=NOW - 60 * MIN), candidates, LEAST, NOW) is None


# --- the queue -------------------------------------------------------------------------------


def test_queue_key_orders_by_priority_then_sla_due_then_age_then_id():
    expected = [
        ticket(ticket_id=9, priority=Priority.URGENT, queued_since=NOW),
        ticket(ticket_id=8, priority=Priority.HIGH, sla_due=NOW + 1 * MIN, queued_since=NOW),
        ticket(ticket_id=7, priority=Priority.HIGH, sla_due=NOW + 5 * MIN, queued_since=NOW - MIN),
        ticket(ticket_id=6, priority=Priority.HIGH, sla_due=None, queued_since=NOW - 9 * MIN),
        ticket(ticket_id=2, priority=Priority.HIGH, sla_due=None, queued_since=NOW - 2 * MIN),
        ticket(ticket_id=3, priority=Priority.HIGH, sla_due=None, queued_since=NOW - 2 * MIN),
        ticket(ticket_id=1, priority=Priority.NORMAL, sla_due=NOW, queued_since=NOW),
        ticket(ticket_id=4, priority=Priority.LOW, sla_due=NOW - 60 * MIN, queued_since=NOW),
    ]
    for seed in range(5):
        shuffled = expected[:]
        random.Random(seed).shuffle(shuffled)
        assert sorted(shuffled, key=queue_key) == expected
