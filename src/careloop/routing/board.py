"""The team lead's live board, read side: the waiting queue by language, category and channel
with its oldest wait and how many on-duty agents could take it now; the agents on duty with
their load; tickets whose service level is at risk or breached, and the SLA events nobody has
acknowledged. A fixed number of queries whatever the size of the queue or the team."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop import validation
from careloop.routing.board_sla import Sla, aware, eligible_ids, sla_in, whole_seconds
from careloop.routing.model import Candidate, TicketToRoute
from careloop.routing.queries import ROUTABLE, waiting_tickets
from careloop.storage.engine import Database
from careloop.tickets.model import Category, Channel, Priority, Status
from careloop.tickets.tables import Ticket
from careloop.workforce.agent_rows import paused_agents_in
from careloop.workforce.model import Interval
from careloop.workforce.queries import OnDuty, agent_timelines, checked_instant, on_duty_agents_in

QUEUE_SHOWN = 20  # waiting tickets listed, in queue order
QUEUE_SCAN = 200  # of the queue's head, read to find those in the language filtered on
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class QueueGroup:
    """Waiting tickets sharing a language, a category or a channel (None: without one)."""

    value: str | None
    waiting: int
    oldest_created_at: datetime
    oldest_wait_seconds: int
    agents_available: int  # on-duty agents eligible now for at least one of these tickets


@dataclass(frozen=True)
class WaitingTicket:
    ticket_id: int
    subject: str
    priority: Priority
    status: Status
    language: str | None
    category: Category | None
    channel: Channel
    created_at: datetime
    wait_seconds: int
    eligible_agent_ids: tuple[int, ...]  # on-duty agents with room who could take it now


@dataclass(frozen=True)
class Queue:
    waiting: int
    oldest_created_at: datetime | None
    oldest_wait_seconds: int | None
    by_language: list[QueueGroup]
    by_category: list[QueueGroup]
    by_channel: list[QueueGroup]
    first: list[WaitingTicket]


@dataclass(frozen=True)
class BoardAgent:
    """A clocked-in agent: load against capacity, and since when on duty or on a break."""

    agent_id: int
    name: str
    team_id: int | None
    team: str | None
    languages: list[str]
    capacity: int
    open_tickets: int
    remaining_capacity: int
    on_break: bool
    since: datetime | None  # the clock-in, or the start of the break under way
    shift_ends_at: datetime
    paused_until: datetime | None = None  # routing gives them nothing new until then


@dataclass(frozen=True)
class Duty:
    on_duty: int
    on_break: int
    rostered_not_clocked_in: int
    agents: list[BoardAgent]  # clocked in, in the team and language filtered on
    with_room: list[BoardAgent]  # on duty with room, every team: whom a ticket can go to


@dataclass(frozen=True)
class Board:
    at: datetime
    team_id: int | None
    language: str | None
    languages: list[str]  # of waiting tickets and agents on duty: the choices of the filter
    queue: Queue
    duty: Duty
    sla: Sla


def board(
    db: Database, *, now: datetime, team_id: int | None = None, language: str | None = None
) -> Board:
    """The board at `now`. `team_id` narrows the agents (tickets have no team); `language`
    narrows tickets and agents. Twelve queries at most, whatever the numbers."""
    now = checked_instant(now, "now")
    language = validation.language(language) if language else None
    with db.read() as s:
        rostered = on_duty_agents_in(s, at=now, include_rostered=True)
        paused = paused_agents_in(s, now)
        candidates = [_candidate(o) for o in rostered if o.on_duty and o.agent_id not in paused]
        duty = _duty(s, rostered, now, team_id, language, paused)
        combos = _waiting_combos(s)
        sla = sla_in(s, now, language, candidates)
    head = waiting_tickets(db, limit=QUEUE_SCAN)
    with db.read() as s:
        first = _first_waiting(s, head, now, language, candidates)
    languages = {c.language for c in combos if c.language} | {
        lang for o in rostered for lang in o.languages
    }
    return Board(
        at=now,
        team_id=team_id,
        language=language,
        languages=sorted(languages),
        queue=_queue(combos, now, language, candidates, first),
        duty=duty,
        sla=sla,
    )


# --- the queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Combo:
    """Waiting tickets alike in everything eligibility looks at."""

    language: str | None
    category: Category | None
    channel: Channel
    brand_id: int | None
    waiting: int
    oldest: datetime

    def as_ticket(self, now: datetime) -> TicketToRoute:
        return TicketToRoute(
            ticket_id=0,
            language=self.language,
            category=None if self.category is None else self.category.value,
            channel=self.channel.value,
            brand_id=self.brand_id,
            priority=Priority.NORMAL,
            queued_since=now,
        )


def _waiting_combos(s: Session) -> list[_Combo]:
    # One GROUP BY over the queue: its rows number the distinct languages, categories, channels
    # and brands waiting, not the tickets.
    rows = s.execute(
        select(
            Ticket.language,
            Ticket.category,
            Ticket.channel,
            Ticket.brand_id,
            func.count(),
            func.min(Ticket.created_at),
        )
        .where(Ticket.assignee_id.is_(None), Ticket.status.in_(ROUTABLE))
        .group_by(Ticket.language, Ticket.category, Ticket.channel, Ticket.brand_id)
    ).all()
    return [_Combo(r[0], r[1], r[2], r[3], r[4], aware(r[5])) for r in rows]


def _queue(
    combos: list[_Combo],
    now: datetime,
    language: str | None,
    candidates: Sequence[Candidate],
    first: list[WaitingTicket],
) -> Queue:
    shown = [c for c in combos if language is None or c.language == language]
    takers = {id(c): eligible_ids(c.as_ticket(now), candidates) for c in shown}
    oldest = min((c.oldest for c in shown), default=None)

    def grouped(key: Callable[[_Combo], str | None]) -> list[QueueGroup]:
        groups: dict[str | None, list[_Combo]] = defaultdict(list)
        for combo in shown:
            groups[key(combo)].append(combo)
        out = []
        for value, members in groups.items():
            since = min(c.oldest for c in members)
            agents = set().union(*(takers[id(c)] for c in members))
            out.append(
                QueueGroup(
                    value=value,
                    waiting=sum(c.waiting for c in members),
                    oldest_created_at=since,
                    oldest_wait_seconds=whole_seconds(now - since),
                    agents_available=len(agents),
                )
            )
        return sorted(out, key=lambda g: (-g.waiting, g.oldest_created_at, g.value or ""))

    return Queue(
        waiting=sum(c.waiting for c in shown),
        oldest_created_at=oldest,
        oldest_wait_seconds=None if oldest is None else whole_seconds(now - oldest),
        by_language=grouped(lambda c: c.language),
        by_category=grouped(lambda c: None if c.category is None else c.category.value),
        by_channel=grouped(lambda c: c.channel.value),
        first=first,
    )


def _first_waiting(
    s: Session,
    head: list[int],
    now: datetime,
    language: str | None,
    candidates: Sequence[Candidate],
) -> list[WaitingTicket]:
    """The first waiting tickets in queue order (routing's own), in the language asked for."""
    if not head:
        return []
    stmt = select(
        Ticket.id,
        Ticket.subject,
        Ticket.priority,
        Ticket.status,
        Ticket.language,
        Ticket.category,
        Ticket.channel,
        Ticket.brand_id,
        Ticket.created_at,
    ).where(Ticket.id.in_(head), Ticket.assignee_id.is_(None), Ticket.status.in_(ROUTABLE))
    if language is not None:
        stmt = stmt.where(Ticket.language == language)
    found = {t.id: t for t in s.execute(stmt)}
    out = []
    for ticket_id in head:
        t = found.get(ticket_id)
        if t is None:
            continue  # assigned since, or in another language
        wanted = TicketToRoute(
            ticket_id=t.id,
            language=t.language,
            category=None if t.category is None else t.category.value,
            channel=t.channel.value,
            brand_id=t.brand_id,
            priority=t.priority,
            queued_since=t.created_at,
        )
        out.append(
            WaitingTicket(
                ticket_id=t.id,
                subject=t.subject,
                priority=t.priority,
                status=t.status,
                language=t.language,
                category=t.category,
                channel=t.channel,
                created_at=t.created_at,
                wait_seconds=whole_seconds(now - t.created_at),
                eligible_agent_ids=tuple(sorted(eligible_ids(wanted, candidates))),
            )
        )
        if len(out) == QUEUE_SHOWN:
            break
    return out


# --- who is on duty --------------------------------------------------------------------------


def _candidate(o: OnDuty) -> Candidate:
    # As routing.actions.candidates_in builds them, from the one on-duty read the board makes.
    return Candidate(
        agent_id=o.agent_id,
        languages=tuple(o.languages),
        skills=tuple(o.skills),
        capacity=o.capacity,
        open_tickets=o.open_tickets,
        last_assigned_at=o.last_assigned_at,
    )


def _duty(
    s: Session,
    rostered: list[OnDuty],
    now: datetime,
    team_id: int | None,
    language: str | None,
    paused: dict[int, datetime],
) -> Duty:
    present = [o for o in rostered if o.clocked_in and not o.on_leave]
    shown = [
        o
        for o in rostered
        if (team_id is None or o.team_id == team_id)
        and (language is None or language in [lang.lower() for lang in o.languages])
    ]
    # Since when: the clock-in under way, or the break under way (four queries, in batch).
    timelines = agent_timelines(s, [o.agent_id for o in present], Interval(now, now + _TICK))
    since: dict[int, datetime | None] = {}
    for o in present:
        timeline = timelines[o.agent_id]
        clock_in = next((c for c in timeline.clock_ins if c.active(now)), None)
        pause = next((b for b in timeline.breaks if b.active(now)), None)
        since[o.agent_id] = (pause.start if o.on_break and pause else None) or (
            clock_in.start if clock_in else None
        )
    agents = [_agent(o, since.get(o.agent_id), paused.get(o.agent_id)) for o in present]
    visible = {o.agent_id for o in shown}
    return Duty(
        on_duty=sum(1 for o in shown if o.on_duty),
        on_break=sum(1 for o in shown if o.clocked_in and o.on_break and not o.on_leave),
        rostered_not_clocked_in=sum(1 for o in shown if not o.clocked_in and not o.on_leave),
        agents=[a for a in agents if a.agent_id in visible],
        with_room=[
            a
            for a in agents
            if not a.on_break and a.paused_until is None and a.remaining_capacity > 0
        ],
    )


def _agent(o: OnDuty, since: datetime | None, paused_until: datetime | None) -> BoardAgent:
    return BoardAgent(
        agent_id=o.agent_id,
        name=o.name,
        team_id=o.team_id,
        team=o.team,
        languages=list(o.languages),
        capacity=o.capacity,
        open_tickets=o.open_tickets,
        remaining_capacity=o.remaining_capacity,
        on_break=o.on_break,
        since=since,
        shift_ends_at=o.shift_ends_at,
        paused_until=paused_until,
    )
