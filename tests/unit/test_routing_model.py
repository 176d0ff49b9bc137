"""The routing policy: who may take a ticket (capacity, skills, language), who does (least
loaded or round robin), the language fallback, and the order of the queue."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from careloop.routing.model import (
    AGENT_REMOVED,
    CLOCKED_OUT,
    NOT_OPENED,
    ON_LEAVE,
    SHIFT_ENDED,
    Candidate,
    Decision,
    Holder,
    Policies,
    RoutingPolicy,
    Strategy,
    TicketToRoute,
    choose,
    eligible,
    hand_off_reason,
    handles,
    off_duty_reason,
    queue_key,
    strategy_for,
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


# --- per-team strategy -----------------------------------------------------------------------


def test_a_team_strategy_applies_when_every_eligible_agent_is_in_that_team():
    teams = {1: Strategy.ROUND_ROBIN}
    # Agent 2 is least loaded, but the team round-robins: after 2 comes 5.
    same_team = [agent(2, team_id=1), agent(5, team_id=1, open_tickets=3)]
    assert choose(ticket(), same_team, LEAST, NOW, after_agent_id=2, team_strategies=teams) == (
        Decision(5, False, "round_robin")
    )
    # Without the team's row the default (least loaded) decides.
    assert choose(ticket(), same_team, LEAST, NOW, after_agent_id=2) == Decision(
        2, False, "least_loaded"
    )


def test_mixed_teams_or_agents_without_a_team_use_the_default_strategy():
    teams = {1: Strategy.ROUND_ROBIN}
    mixed = [agent(2, team_id=1), agent(5, team_id=2, open_tickets=3)]
    assert strategy_for(mixed, LEAST, teams) == Strategy.LEAST_LOADED
    assert strategy_for([agent(2, team_id=None)], LEAST, teams) == Strategy.LEAST_LOADED
    assert strategy_for([agent(2, team_id=2)], LEAST, teams) == Strategy.LEAST_LOADED
    # Only the eligible count: an ineligible agent of another team does not mix the teams.
    candidates = [agent(2, team_id=1), agent(3, team_id=2, languages=("fi",))]
    assert strategy_for(candidates[:1], LEAST, teams) == Strategy.ROUND_ROBIN
    decision = choose(ticket(), candidates, LEAST, NOW, after_agent_id=9, team_strategies=teams)
    assert decision == Decision(2, False, "round_robin")


def test_policies_give_a_team_its_own_policy_else_the_default():
    mine = RoutingPolicy(strategy=Strategy.ROUND_ROBIN, keep_answered=False)
    policies = Policies(default=LEAST, teams={4: mine})
    assert policies.of_team(4) is mine
    assert policies.of_team(5) is LEAST
    assert policies.of_team(None) is LEAST
    assert policies.team_strategies == {4: Strategy.ROUND_ROBIN}


# --- hand-off --------------------------------------------------------------------------------


def holder(**changes: object) -> Holder:
    base = Holder(active=True, on_leave=False, clocked_in=True, last_clock_out=None)
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (holder(), None),
        (holder(clocked_in=False, last_clock_out="manual"), CLOCKED_OUT),
        (holder(clocked_in=False, last_clock_out=None), CLOCKED_OUT),  # never clocked in
        (holder(clocked_in=False, last_clock_out="auto"), SHIFT_ENDED),
        (holder(clocked_in=False, last_clock_out="lapsed"), SHIFT_ENDED),
        (holder(clocked_in=False, last_clock_out="leave"), CLOCKED_OUT),  # leave is over
        (holder(on_leave=True, clocked_in=False, last_clock_out="leave"), ON_LEAVE),
        (holder(on_leave=True), ON_LEAVE),
        (holder(active=False), AGENT_REMOVED),  # removal comes first
        (holder(active=False, on_leave=True, clocked_in=False), AGENT_REMOVED),
    ],
)
def test_off_duty_reason(state, reason):
    assert off_duty_reason(state) == reason


UNOPENED = RoutingPolicy(unopened_after=10 * MIN)


def test_off_duty_hands_back_unanswered_and_keeps_answered_unless_told():
    kw = {"seen": True, "assigned_at": NOW - MIN, "now": NOW}
    assert hand_off_reason(off_duty=CLOCKED_OUT, answered=False, policy=LEAST, **kw) == (
        CLOCKED_OUT
    )
    assert hand_off_reason(off_duty=CLOCKED_OUT, answered=True, policy=LEAST, **kw) is None
    giving = RoutingPolicy(keep_answered=False)
    assert hand_off_reason(off_duty=ON_LEAVE, answered=True, policy=giving, **kw) == ON_LEAVE


def test_an_unopened_assignment_goes_back_after_the_policy_delay_only():
    def reason(**kw: object) -> str | None:
        base: dict[str, object] = {
            "off_duty": None,
            "answered": False,
            "seen": False,
            "assigned_at": NOW - 10 * MIN,
            "policy": UNOPENED,
            "now": NOW,
        }
        return hand_off_reason(**{**base, **kw})  # type: ignore[arg-type]

    assert reason() == NOT_OPENED
    assert reason(assigned_at=NOW - 10 * MIN + timedelta(seconds=1)) is None
    assert reason(seen=True) is None
    assert reason(answered=True) is None  # a reply shows it was opened
    assert reason(policy=LEAST) is None  # no delay set: never
    assert reason(off_duty=SHIFT_ENDED) == SHIFT_ENDED  # off duty wins over unopened
