"""The routing policy, free of any database: which on-duty agents may take a ticket, which one
does, and in what order waiting tickets are offered. Everything it needs, `now` included, comes
in as arguments, so every rule is testable in microseconds."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from careloop.tickets.model import Priority
from careloop.workforce.model import SkillKind


class Strategy(enum.StrEnum):
    LEAST_LOADED = "least_loaded"
    ROUND_ROBIN = "round_robin"


@dataclass(frozen=True)
class RoutingPolicy:
    """How to pick among eligible agents, when a ticket in a language nobody eligible speaks
    may go to an agent speaking a fallback language (flagged for translation), and when an
    agent's tickets go back to the queue (an assignment left unopened, answered ones kept)."""

    strategy: Strategy = Strategy.LEAST_LOADED
    fallback_languages: tuple[str, ...] = ("en",)
    fallback_after: timedelta = timedelta(minutes=10)
    unopened_after: timedelta | None = None  # None: an unopened assignment never goes back
    keep_answered: bool = True


@dataclass(frozen=True)
class Policies:
    """The stored policies: the default one, and a team's own where it has one. A team's policy
    decides its agents' hand-off and, when every eligible agent is in that team, the strategy;
    the language fallback is always the default one's."""

    default: RoutingPolicy = RoutingPolicy()
    teams: Mapping[int, RoutingPolicy] = field(default_factory=dict)

    def of_team(self, team_id: int | None) -> RoutingPolicy:
        if team_id is None:
            return self.default
        return self.teams.get(team_id, self.default)

    @property
    def team_strategies(self) -> dict[int, Strategy]:
        return {team_id: p.strategy for team_id, p in self.teams.items()}


@dataclass(frozen=True)
class TicketToRoute:
    ticket_id: int
    language: str | None  # None: anyone may take it
    category: str | None
    channel: str
    brand_id: int | None
    priority: Priority
    queued_since: datetime
    sla_due: datetime | None = None


@dataclass(frozen=True)
class Candidate:
    """An agent on duty now, with what the choice needs (built from workforce's OnDuty)."""

    agent_id: int
    languages: tuple[str, ...]
    skills: tuple[str, ...]  # "category:<c>", "channel:<c>", "brand:<id>"; empty means all
    capacity: int
    open_tickets: int
    last_assigned_at: datetime | None
    team_id: int | None = None


@dataclass(frozen=True)
class Decision:
    agent_id: int
    needs_translation: bool
    reason: str  # "least_loaded", "round_robin" or "language_fallback"


LANGUAGE_FALLBACK = "language_fallback"

_PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}
# Stands in for a missing instant inside sort keys; only ever compared with itself.
_NO_INSTANT = datetime.min.replace(tzinfo=UTC)


def _ticket_values(ticket: TicketToRoute) -> dict[str, str | None]:
    return {
        SkillKind.CATEGORY: ticket.category,
        SkillKind.CHANNEL: ticket.channel,
        SkillKind.BRAND: None if ticket.brand_id is None else str(ticket.brand_id),
    }


def handles(ticket: TicketToRoute, skills: Sequence[str]) -> bool:
    """Whether skills cover the ticket. No skills handles everything; otherwise every kind the
    agent lists (category, channel, brand) must match the ticket, and within one kind any listed
    value will do: ["category:quality", "channel:chat"] takes quality chats only, while
    ["category:quality", "category:refund"] takes either on any channel and brand. A ticket
    without a value for a listed kind (no category, no brand) does not match it, and a skill of
    an unknown kind matches nothing."""
    if not skills:
        return True
    values = _ticket_values(ticket)
    wanted: dict[str, set[str]] = {}
    for skill in skills:
        kind, _, value = skill.strip().lower().partition(":")
        wanted.setdefault(kind, set()).add(value)
    return all(values.get(kind) in listed for kind, listed in wanted.items())


def _speaks(candidate: Candidate, languages: Sequence[str]) -> bool:
    spoken = {lang.lower() for lang in candidate.languages}
    return any(lang.lower() in spoken for lang in languages)


def eligible(
    ticket: TicketToRoute,
    candidate: Candidate,
    *,
    fallback: bool = False,
    fallback_languages: Sequence[str] = RoutingPolicy.fallback_languages,
) -> bool:
    """Whether an on-duty agent may take the ticket: below capacity (0 means never), skilled
    for it, and speaking its language, or with `fallback` one of `fallback_languages`."""
    if candidate.open_tickets >= candidate.capacity:
        return False
    if not handles(ticket, candidate.skills):
        return False
    if not ticket.language:
        return True
    return _speaks(candidate, fallback_languages if fallback else (ticket.language,))


def _least_loaded(candidates: Sequence[Candidate], after_agent_id: int | None) -> Candidate:
    # Fewest open tickets; among equals the longest idle (never assigned first), then the id.
    return min(
        candidates,
        key=lambda c: (
            c.open_tickets,
            c.last_assigned_at is not None,
            c.last_assigned_at or _NO_INSTANT,
            c.agent_id,
        ),
    )


def _round_robin(candidates: Sequence[Candidate], after_agent_id: int | None) -> Candidate:
    # The next agent id after the last one served, wrapping round to the lowest.
    ordered = sorted(candidates, key=lambda c: c.agent_id)
    if after_agent_id is not None:
        for c in ordered:
            if c.agent_id > after_agent_id:
                return c
    return ordered[0]


_PICK: dict[Strategy, Callable[[Sequence[Candidate], int | None], Candidate]] = {
    Strategy.LEAST_LOADED: _least_loaded,
    Strategy.ROUND_ROBIN: _round_robin,
}


def strategy_for(
    eligible_ones: Sequence[Candidate],
    policy: RoutingPolicy,
    team_strategies: Mapping[int, Strategy] | None = None,
) -> Strategy:
    """The strategy of the one team every eligible agent belongs to, when that team has its
    own policy; otherwise the default policy's."""
    teams = {c.team_id for c in eligible_ones}
    if team_strategies and len(teams) == 1:
        (team_id,) = teams
        if team_id is not None and team_id in team_strategies:
            return team_strategies[team_id]
    return policy.strategy


def choose(
    ticket: TicketToRoute,
    candidates: Sequence[Candidate],
    policy: RoutingPolicy,
    now: datetime,
    *,
    after_agent_id: int | None = None,
    team_strategies: Mapping[int, Strategy] | None = None,
) -> Decision | None:
    """The agent to assign the ticket to, or None to leave it queued. Speakers of the ticket's
    language come first; only when none is eligible and the ticket has waited `fallback_after`
    may a fallback-language speaker take it, flagged for translation. `after_agent_id` is the
    agent round robin served last; `team_strategies` the strategies of teams with their own
    policy (`strategy_for`)."""
    speakers = [c for c in candidates if eligible(ticket, c)]
    if speakers:
        strategy = strategy_for(speakers, policy, team_strategies)
        return Decision(_PICK[strategy](speakers, after_agent_id).agent_id, False, strategy.value)
    if not ticket.language or now - ticket.queued_since < policy.fallback_after:
        return None
    others = [
        c
        for c in candidates
        if eligible(ticket, c, fallback=True, fallback_languages=policy.fallback_languages)
    ]
    if not others:
        return None
    pick = _PICK[strategy_for(others, policy, team_strategies)]
    return Decision(pick(others, after_agent_id).agent_id, True, LANGUAGE_FALLBACK)


def choose_many(
    tickets: Sequence[TicketToRoute],
    candidates: Iterable[Candidate],
    policies: Policies,
    now: datetime,
    *,
    after_agent_id: int | None = None,
    avoid: Mapping[int, int] | None = None,
) -> tuple[dict[int, Decision], int | None]:
    """`choose` for each ticket in the given (queue) order against one snapshot, as routing them
    one after another would: an agent given a ticket counts it in their load, and is the last
    served for round robin, for the tickets after it. `avoid` maps a ticket to an agent who may
    not take it. Returns the decisions by ticket id and the agent served last."""
    pool = {c.agent_id: c for c in candidates}
    team_strategies = policies.team_strategies
    made: dict[int, Decision] = {}
    for ticket in tickets:
        if not any(c.open_tickets < c.capacity for c in pool.values()):
            break  # nobody has room left: the rest stay queued
        banned = (avoid or {}).get(ticket.ticket_id)
        decision = choose(
            ticket,
            [c for c in pool.values() if c.agent_id != banned],
            policies.default,
            now,
            after_agent_id=after_agent_id,
            team_strategies=team_strategies,
        )
        if decision is None:
            continue
        served = pool[decision.agent_id]
        pool[decision.agent_id] = served_one(served, now)
        after_agent_id = decision.agent_id
        made[ticket.ticket_id] = decision
    return made, after_agent_id


def served_one(candidate: Candidate, now: datetime) -> Candidate:
    """The candidate after being given one more ticket at `now`."""
    return replace(candidate, open_tickets=candidate.open_tickets + 1, last_assigned_at=now)


QueueKey = tuple[int, bool, datetime, datetime, int]


def queue_key(ticket: TicketToRoute) -> QueueKey:
    """Sort key for waiting tickets: urgent first, then the earliest SLA due time (tickets with
    none yet after those with one), then the longest waiting, then the ticket id."""
    return (
        _PRIORITY_RANK[ticket.priority],
        ticket.sla_due is None,
        ticket.sla_due or _NO_INSTANT,
        ticket.queued_since,
        ticket.ticket_id,
    )


# --- hand-off --------------------------------------------------------------------------------

# Why a ticket went back to the queue (the "reason" of its "unassigned" audit row).
CLOCKED_OUT = "clocked_out"
SHIFT_ENDED = "shift_ended"
ON_LEAVE = "on_leave"
AGENT_REMOVED = "agent_removed"
NOT_OPENED = "not_opened"
HAND_OFF_REASONS = (CLOCKED_OUT, SHIFT_ENDED, ON_LEAVE, AGENT_REMOVED, NOT_OPENED)


@dataclass(frozen=True)
class Holder:
    """What hand-off needs to know of the agent holding tickets, now."""

    active: bool  # the agent and its user are active (not removed)
    on_leave: bool
    clocked_in: bool  # an open clock-in that has not lapsed
    last_clock_out: str | None  # how the latest clock-in ended: manual, auto, leave or
    # "lapsed" (open past its expiry); None when never clocked in


def off_duty_reason(holder: Holder) -> str | None:
    """Why the agent is off duty for hand-off, or None while on duty. A break is not off duty:
    the clock-in is still live. Removal first, then leave, then the clock."""
    if not holder.active:
        return AGENT_REMOVED
    if holder.on_leave:
        return ON_LEAVE
    if holder.clocked_in:
        return None
    if holder.last_clock_out in ("auto", "lapsed"):
        return SHIFT_ENDED  # the clock-in lapsed at its shift's end plus the grace period
    return CLOCKED_OUT


def hand_off_reason(
    *,
    off_duty: str | None,
    answered: bool,
    seen: bool,
    assigned_at: datetime | None,
    policy: RoutingPolicy,
    now: datetime,
) -> str | None:
    """Why an assigned new or open ticket goes back to the queue now, or None to leave it.
    An agent off duty hands back what they have not answered (and the answered ones too
    without `keep_answered`); an agent on duty hands back an assignment neither opened nor
    answered within `unopened_after`."""
    if off_duty is not None:
        return None if answered and policy.keep_answered else off_duty
    if policy.unopened_after is None or seen or answered or assigned_at is None:
        return None
    return NOT_OPENED if now - assigned_at >= policy.unopened_after else None
