"""The routing policy, free of any database: which on-duty agents may take a ticket, which one
does, and in what order waiting tickets are offered. Everything it needs, `now` included, comes
in as arguments, so every rule is testable in microseconds."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from careloop.tickets.model import Priority
from careloop.workforce.model import SkillKind


class Strategy(enum.StrEnum):
    LEAST_LOADED = "least_loaded"
    ROUND_ROBIN = "round_robin"


@dataclass(frozen=True)
class RoutingPolicy:
    """How to pick among eligible agents, and when a ticket in a language nobody eligible speaks
    may go to an agent speaking a fallback language (flagged for translation)."""

    strategy: Strategy = Strategy.LEAST_LOADED
    fallback_languages: tuple[str, ...] = ("en",)
    fallback_after: timedelta = timedelta(minutes=10)


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


def choose(
    ticket: TicketToRoute,
    candidates: Sequence[Candidate],
    policy: RoutingPolicy,
    now: datetime,
    *,
    after_agent_id: int | None = None,
) -> Decision | None:
    """The agent to assign the ticket to, or None to leave it queued. Speakers of the ticket's
    language come first; only when none is eligible and the ticket has waited `fallback_after`
    may a fallback-language speaker take it, flagged for translation. `after_agent_id` is the
    agent round robin served last."""
    pick = _PICK[policy.strategy]
    speakers = [c for c in candidates if eligible(ticket, c)]
    if speakers:
        return Decision(pick(speakers, after_agent_id).agent_id, False, policy.strategy.value)
    if not ticket.language or now - ticket.queued_since < policy.fallback_after:
        return None
    others = [
        c
        for c in candidates
        if eligible(ticket, c, fallback=True, fallback_languages=policy.fallback_languages)
    ]
    if not others:
        return None
    return Decision(pick(others, after_agent_id).agent_id, True, LANGUAGE_FALLBACK)


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
