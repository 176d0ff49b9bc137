"""A simulated day of routing on a fake clock, driven only through the actions the API and the
job runner call: a roster of twelve agents in Berlin and New York, tickets arriving at random
in five languages, agents clocking in (one late, one never), taking breaks, working their
tickets (one never opens them), clocking out (one forgets), and the jobs run every minute.
`test_routing_day.py` then checks the invariants against what the database recorded."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from careloop.clock import FakeClock
from careloop.jobs.registry import default_jobs
from careloop.jobs.runner import run_due
from careloop.routing import actions as routing
from careloop.routing import policy
from careloop.routing.handoff import hand_off_after
from careloop.sla import actions as sla
from careloop.storage.audit import Actor, AuditEntry
from careloop.storage.engine import Database
from careloop.tickets import actions as tickets
from careloop.tickets import assignment, conversation
from careloop.tickets.model import OPEN_STATUSES, Status
from careloop.tickets.schemas import TicketCreate, TicketUpdate
from careloop.tickets.tables import Ticket
from careloop.workforce import attendance, teams
from careloop.workforce.model import Interval, shift_instants
from tests.factories import ACTOR, make_agent, make_shift, ticket_payload

SEED = 20261102
DAY = date(2026, 11, 2)  # the Monday after both Europe and the US left summer time
SIM_START = datetime(2026, 11, 2, tzinfo=UTC)
SIM_END = SIM_START + timedelta(days=1)
BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
M = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
HALF_MINUTE = timedelta(seconds=30)
BREAK = timedelta(minutes=30)
UNOPENED_AFTER = timedelta(minutes=10)  # the Americas team's own routing policy
UNOPENED_TEAM = "Americas"
FIRST_RESPONSE = timedelta(minutes=30)
RESOLUTION = timedelta(hours=8)
NOBODY_SPEAKS = "pt"
LANGUAGES = (("en", 50), ("es", 18), ("fr", 12), ("de", 12), (NOBODY_SPEAKS, 8))
CATEGORIES = (("quality", 30), ("logistics", 25), ("refund", 20), ("wrong_item", 10), ("other", 15))
PRIORITIES = (("normal", 86), ("high", 11), ("urgent", 3))
CHANNELS = ("email", "chat", "web_form")


@dataclass(frozen=True)
class Plan:
    """One agent of the roster and how they behave: their shifts are `hours` (local wall clock)
    on each of `days`; `wind_down` is how long before a shift's end they stop taking up new
    tickets (they still solve the ones they answered)."""

    name: str
    team: str
    zone: str
    languages: tuple[str, ...]
    capacity: int
    hours: tuple[time, time]
    days: tuple[date, ...] = (DAY,)
    skills: tuple[str, ...] = ()
    late: timedelta = timedelta(0)
    never_clocks_in: bool = False
    forgets_clock_out: bool = False
    never_opens: bool = False
    wind_down: timedelta = timedelta(minutes=10)

    def handles(self, category: str) -> bool:
        return not self.skills or f"category:{category}" in self.skills


EVE = DAY - timedelta(days=1)
# fmt: off
ROSTER = (
    Plan("Elke", "Europe", BERLIN, ("en", "de"), 5, (time(7), time(15))),
    Plan("Fabien", "Europe", BERLIN, ("en", "fr"), 4, (time(7), time(15)), late=20 * M),
    Plan("Greta", "Specialists", BERLIN, ("de", "fr", "en"), 3, (time(8), time(16)),
         skills=("category:quality",)),
    Plan("Hugo", "Europe", BERLIN, ("en", "es"), 4, (time(10), time(18))),
    Plan("Ines", "Europe", BERLIN, ("en", "de"), 5, (time(14), time(22)),
         forgets_clock_out=True, wind_down=25 * M),
    Plan("Jules", "Europe", BERLIN, ("fr", "en"), 4, (time(14), time(22))),
    Plan("Nora", "Europe", BERLIN, ("en", "de", "fr"), 6, (time(21, 30), time(7, 30)),
         days=(EVE, DAY)),
    Plan("Ana", "Americas", NEW_YORK, ("en", "es"), 6, (time(8), time(16))),
    Plan("Ben", "Americas", NEW_YORK, ("en",), 4, (time(8), time(16)), never_opens=True),
    Plan("Carla", "Specialists", NEW_YORK, ("es", "en"), 3, (time(9), time(17)),
         skills=("category:refund",)),
    Plan("Dan", "Americas", NEW_YORK, ("en", "es"), 5, (time(15), time(23)), days=(EVE, DAY)),
    Plan("Eve", "Americas", NEW_YORK, ("en",), 5, (time(15), time(23)), never_clocks_in=True),
)
# fmt: on


@dataclass(frozen=True)
class Arrival:
    ticket_id: int
    at: datetime
    language: str
    category: str
    priority: str


EVENT_ORDER = ("break_start", "clock_out", "break_end", "clock_in")


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # clock_in, break_start, break_end, clock_out
    agent_id: int


@dataclass
class Work:
    """What an agent will do with one assignment, and what is done."""

    open_at: datetime
    reply_at: datetime
    solve_at: datetime
    opened: bool = False
    replied: bool = False


Holding = tuple[int, int, datetime]  # a ticket, its assignee, when assigned


def _pick(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def _poisson(rng: random.Random, rate: float) -> int:
    # Knuth's method: plenty for the small rates of one minute.
    limit, k, p = math.exp(-rate), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def arrival_rate(at: datetime) -> float:
    """Tickets per minute by UTC hour: quiet at night, busiest while Europe and the Americas
    overlap."""
    return 0.08 if at.hour < 6 else 0.2 if at.hour < 9 else 0.35 if at.hour < 21 else 0.15


def planned_arrivals(seed: int) -> dict[datetime, list[tuple[str, str, str, str]]]:
    """Each minute's arrivals (language, category, priority, channel), drawn up front so that
    the day is the same on every backend whatever routing decides."""
    rng = random.Random(seed)
    out = {}
    for minute in range(int((SIM_END - SIM_START) / M)):
        at = SIM_START + minute * M
        n = _poisson(rng, arrival_rate(at))
        out[at] = [
            (*(_pick(rng, t) for t in (LANGUAGES, CATEGORIES, PRIORITIES)), rng.choice(CHANNELS))
            for _ in range(n)
        ]
    return out


@dataclass
class DaySim:
    """The day, minute by minute. After `run()` the fields hold what the simulation did, so
    the checks compare the database with it."""

    db: Database
    clock: FakeClock
    seed: int = SEED
    plans: dict[int, Plan] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    shifts: dict[int, list[Interval]] = field(default_factory=dict)
    arrivals: dict[int, Arrival] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    clock_outs: dict[int, list[datetime]] = field(default_factory=dict)  # manual ones
    marks: list[tuple[datetime, int]] = field(default_factory=list)  # (jobs ran at, last audit id)
    clocked_in: set[int] = field(default_factory=set)
    on_break: set[int] = field(default_factory=set)
    work: dict[Holding, Work] = field(default_factory=dict)
    holding: list[Holding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.arriving = planned_arrivals(self.seed)
        self.paces: Counter[tuple[int, int]] = Counter()

    # --- setup -----------------------------------------------------------------------------

    def setup(self) -> None:
        """Teams, agents, published shifts, the 24/7 SLA policy and the routing policies, made
        the evening before; then the clock-ins of the night shifts already under way."""
        db, clock = self.db, self.clock
        clock.set(SIM_START - timedelta(hours=6))
        now = clock.now()
        team_ids = {
            name: teams.create_team(db, actor=ACTOR, now=now, name=name).id
            for name in ("Europe", "Americas", "Specialists")
        }
        for plan in ROSTER:
            agent = make_agent(
                db,
                clock,
                name=plan.name,
                languages=plan.languages,
                skills=plan.skills,
                timezone=plan.zone,
                capacity=plan.capacity,
                team=plan.team,
            )
            self.plans[agent.user_id] = plan
            self.ids[plan.name] = agent.user_id
            self.shifts[agent.user_id] = []
            for day in plan.days:
                span = shift_instants(day, *plan.hours, plan.zone)
                make_shift(db, clock, agent.user_id, span.start, span.end)
                self.shifts[agent.user_id].append(span)
                self.events += self._shift_events(agent.user_id, plan, span)
        # Within a minute, whoever stops working does so before anyone is routed to again.
        self.events.sort(key=lambda e: (e.at, EVENT_ORDER.index(e.kind), e.agent_id))
        sla.create_policy(
            db,
            actor=ACTOR,
            now=now,
            values={
                "name": "Around the clock",
                "first_response_minutes": int(FIRST_RESPONSE.total_seconds() // 60),
                "resolution_minutes": int(RESOLUTION.total_seconds() // 60),
                "escalation": {"raise_priority": True},
            },
        )
        policy.set_policy(
            db,
            actor=ACTOR,
            now=now,
            team_id=team_ids[UNOPENED_TEAM],
            data={"unopened_after_seconds": int(UNOPENED_AFTER.total_seconds())},
        )
        for event in [e for e in self.events if e.at < SIM_START]:
            clock.set(event.at)
            self._attend(event)

    def _shift_events(self, agent_id: int, plan: Plan, span: Interval) -> list[Event]:
        if plan.never_clocks_in:
            return []
        out = [Event(span.start + plan.late, "clock_in", agent_id)]
        middle = span.start + (span.end - span.start) / 2
        out += [
            Event(middle, "break_start", agent_id),
            Event(middle + BREAK, "break_end", agent_id),
        ]
        if not plan.forgets_clock_out:
            out.append(Event(span.end, "clock_out", agent_id))
        return [e for e in out if e.at < SIM_END]

    # --- the day ---------------------------------------------------------------------------

    def run(self, until: datetime = SIM_END) -> None:
        """Each minute: the attendance events, each at its own second so that no two changes
        of who is on duty share an instant; then at half past the minute the arrivals, the
        agents' work and the jobs."""
        events = [e for e in self.events if e.at >= SIM_START]
        at = SIM_START
        owner = "day-simulation"
        jobs = default_jobs()
        while at < until:
            step = 0
            while events and events[0].at <= at:
                step += 1
                self.clock.set(at + step * SECOND)
                self._attend(events.pop(0))
            now = at + HALF_MINUTE
            self.clock.set(now)
            self._arrive(at, now)
            self._work(now)
            run_due(self.db, jobs, now=now, owner=owner)
            self._look(now)
            at += M

    def _attend(self, event: Event) -> None:
        db, now, agent_id = self.db, self.clock.now(), event.agent_id
        actor = self.actor(agent_id)
        if event.kind == "clock_in":
            attendance.clock_in(db, actor=actor, now=now, agent_id=agent_id)
            self.clocked_in.add(agent_id)
            routing.drain_queue_after(db, now=now)  # as the API does after a clock-in
        elif event.kind == "break_start":
            attendance.start_break(db, actor=actor, now=now, agent_id=agent_id)
            self.on_break.add(agent_id)
        elif event.kind == "break_end":
            attendance.end_break(db, actor=actor, now=now, agent_id=agent_id)
            self.on_break.discard(agent_id)
            routing.drain_queue_after(db, now=now)
        else:
            attendance.clock_out(db, actor=actor, now=now, agent_id=agent_id)
            self.clocked_in.discard(agent_id)
            self.clock_outs.setdefault(agent_id, []).append(now)
            hand_off_after(db, now=now, agent_id=agent_id)
            left = self.unanswered_held(agent_id)
            assert not left, f"{actor.label} clocked out at {now} and still holds {left}"

    def _arrive(self, minute: datetime, at: datetime) -> None:
        for language, category, priority, channel in self.arriving.get(minute, []):
            payload = ticket_payload(
                language=language, category=category, priority=priority, channel=channel, tags=[]
            )
            payload.pop("customer")
            ticket, _ = tickets.create_ticket(
                self.db, actor=ACTOR, now=at, data=TicketCreate.model_validate(payload)
            )
            self.arrivals[ticket.id] = Arrival(ticket.id, at, language, category, priority)
            routing.route_new_tickets(self.db, tickets=[ticket], now=at)

    def _at_work(self, agent_id: int, at: datetime, *, winding_down_ok: bool) -> bool:
        if agent_id not in self.clocked_in or agent_id in self.on_break:
            return False
        plan = self.plans[agent_id]
        margin = timedelta(0) if winding_down_ok else plan.wind_down
        return any(s.start <= at < s.end - margin for s in self.shifts[agent_id])

    def _work(self, at: datetime) -> None:
        """Each agent at work opens, answers and later solves the tickets they held after the
        last minute's jobs, each step when its time has come (late ones catch up)."""
        for held in self.holding:
            job = self.work.get(held)
            if job is None:
                continue
            ticket_id, agent_id, _ = held
            actor = self.actor(agent_id)
            if not job.replied and self._at_work(agent_id, at, winding_down_ok=False):
                if not job.opened and at >= job.open_at:
                    assignment.mark_seen(self.db, actor=actor, now=at, ticket_id=ticket_id)
                    job.opened = True
                if job.opened and at >= job.reply_at:
                    conversation.add_reply(
                        self.db,
                        actor=actor,
                        now=at,
                        ticket_id=ticket_id,
                        body="Thank you, a replacement is on its way.",
                        status=None,
                    )
                    job.replied = True
            elif (
                job.replied
                and at >= job.solve_at
                and self._at_work(agent_id, at, winding_down_ok=True)
            ):
                solved = TicketUpdate(status=Status.SOLVED)
                tickets.update_ticket(
                    self.db, actor=actor, now=at, ticket_id=ticket_id, data=solved
                )
                routing.drain_queue_after(self.db, now=at)  # as PATCH /tickets/{id} does
                del self.work[held]

    def _look(self, at: datetime) -> None:
        """After the minute's jobs: what each agent holds (new assignments get their work
        planned), nobody over capacity, and the last audit id as a mark for the replay."""
        with self.db.read() as s:
            rows = s.execute(
                select(Ticket.id, Ticket.assignee_id, Ticket.assigned_at)
                .where(Ticket.assignee_id.is_not(None), Ticket.status.in_(OPEN_STATUSES))
                .order_by(Ticket.id)
            ).all()
            last = s.scalar(select(func.max(AuditEntry.id)))
        self.marks.append((at, last or 0))
        self.holding = [(t, a, when) for t, a, when in rows]
        load = Counter(agent_id for _, agent_id, _ in self.holding)
        for held in self.holding:
            if held not in self.work and not self.plans[held[1]].never_opens:
                self.work[held] = self._pace(held, at)
        for agent_id, n in load.items():
            plan = self.plans[agent_id]
            assert n <= plan.capacity, f"{plan.name} holds {n} > {plan.capacity} at {at}"

    def actor(self, agent_id: int) -> Actor:
        return Actor(user_id=agent_id, label=self.plans[agent_id].name)

    def _pace(self, held: Holding, at: datetime) -> Work:
        """When the agent will open, answer and solve a new assignment: a few minutes each,
        drawn from the assignment's own seed."""
        ticket_id, agent_id, _ = held
        self.paces[ticket_id, agent_id] += 1
        rng = random.Random(f"{self.seed}:{ticket_id}:{agent_id}:{self.paces[ticket_id, agent_id]}")
        opened = at + rng.randint(1, 4) * M
        replied = opened + rng.randint(1, 8) * M
        return Work(opened, replied, replied + rng.randint(5, 40) * M)

    def unanswered_held(self, agent_id: int) -> list[int]:
        """Tickets waiting on the agent (new or open) that the agent has not answered."""
        with self.db.read() as s:
            rows = s.execute(
                select(Ticket.id, Ticket.assigned_at).where(
                    Ticket.assignee_id == agent_id, Ticket.status.in_((Status.NEW, Status.OPEN))
                )
            ).all()
        return [
            t
            for t, when in rows
            if not getattr(self.work.get((t, agent_id, when)), "replied", False)
        ]
