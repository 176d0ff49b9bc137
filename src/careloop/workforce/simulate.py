"""A discrete-event simulation on virtual time, pure: a trace of ticket arrivals replayed against a
plan (agents, their shifts, a routing policy) with careloop's own routing choice (`choose_many`,
`queue_key`, the language fallback, shift-end hand-off) and SLA due instants (`clocks_for`), so a
roster can be judged before anyone works it. Traces and plans are built in `simulate_plans.py`."""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from careloop.errors import Invalid
from careloop.routing.model import (
    SHIFT_ENDED,
    Candidate,
    Decision,
    Policies,
    RoutingPolicy,
    TicketToRoute,
    choose_many,
    hand_off_reason,
    queue_key,
)
from careloop.sla.model import Clocks, Terms, TicketTimes, clocks_for
from careloop.tickets.model import Priority, Status
from careloop.workforce.model import Interval

# Event kinds, in the order they are handled at one instant; routing runs once after them all.
_RESOLVE, _END, _START, _ARRIVE, _ANSWER, _FALLBACK = range(6)


@dataclass(frozen=True)
class SimTicket:
    """One arrival: what routing looks at, and how long its agent takes to answer it (first
    response after assignment) and then keeps it open (answer to resolution)."""

    id: int
    arrived_at: datetime
    language: str | None
    handle_seconds: float
    resolve_seconds: float
    category: str | None = None
    channel: str = "email"
    brand_id: int | None = None
    priority: Priority = Priority.NORMAL


@dataclass(frozen=True)
class SimAgent:
    """An agent as routing sees one; `capacity` tickets are held (and worked) at once."""

    id: int
    languages: tuple[str, ...]
    capacity: int = 3
    skills: tuple[str, ...] = ()
    team_id: int | None = None


@dataclass(frozen=True)
class Plan:
    """A staffing plan: agents, their shifts (instants) and the routing policy they work by."""

    name: str
    agents: tuple[SimAgent, ...]
    shifts: tuple[tuple[int, Interval], ...]  # (agent id, span)
    policy: RoutingPolicy = field(default_factory=RoutingPolicy)

    def agent_hours(self) -> float:
        return sum((s.end - s.start).total_seconds() for _, s in _merged(self.shifts)) / 3600


@dataclass(frozen=True)
class RoutingPass:
    """One routing pass as the simulation made it: the queue in order, the candidates with room,
    round robin's last agent, and the decisions taken (kept only with `record_passes`)."""

    at: datetime
    queue: tuple[TicketToRoute, ...]
    candidates: tuple[Candidate, ...]
    after_agent_id: int | None
    decisions: dict[int, Decision]


@dataclass(frozen=True)
class AgentReport:
    agent_id: int
    on_duty_hours: float
    answered: int
    occupancy: float  # mean share of capacity held while on duty


@dataclass(frozen=True)
class Report:
    """What a run measured. First-response times count unanswered tickets at their wait so far
    (a lower bound), so a plan cannot look fast by leaving tickets unanswered."""

    plan: str
    tickets: int
    answered: int
    open_at_end: int  # arrived, never answered by the end
    first_response_p50: float | None  # seconds
    first_response_p90: float | None
    sla_met: int
    sla_missed: int  # answered late, or unanswered past the due instant at the end
    largest_backlog: int
    largest_backlog_at: datetime | None
    agent_hours: float
    fallback_assignments: int
    handed_off: int
    agents: tuple[AgentReport, ...]
    passes: tuple[RoutingPass, ...] = field(default=(), repr=False)
    first_response_at: dict[int, datetime] = field(default_factory=dict, repr=False)
    assignee: dict[int, int] = field(default_factory=dict, repr=False)

    @property
    def sla_attainment(self) -> float | None:
        judged = self.sla_met + self.sla_missed
        return None if judged == 0 else self.sla_met / judged


def _merged(shifts: Sequence[tuple[int, Interval]]) -> list[tuple[int, Interval]]:
    """Each agent's shifts with touching or overlapping ones joined, so duty is continuous."""
    out: list[tuple[int, Interval]] = []
    for agent_id, span in sorted(shifts, key=lambda s: (s[0], s[1].start)):
        if out and out[-1][0] == agent_id and span.start <= out[-1][1].end:
            last = out[-1][1]
            out[-1] = (agent_id, Interval(last.start, max(last.end, span.end)))
        else:
            out.append((agent_id, span))
    return out


def nearest_rank(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (the smallest value with `share` of values at or below)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class _Agent:
    spec: SimAgent
    on_duty: bool = False
    held: set[int] = field(default_factory=set)
    last_assigned_at: datetime | None = None
    duty_seconds: float = 0.0
    load_seconds: float = 0.0  # integral of held tickets over on-duty time
    since: datetime | None = None  # the last instant duty or load changed
    answered: int = 0

    def account(self, now: datetime) -> None:
        if self.on_duty and self.since is not None:
            seconds = (now - self.since).total_seconds()
            self.duty_seconds += seconds
            self.load_seconds += seconds * len(self.held)
        self.since = now


class _Run:
    """The state of one simulation; `run` drives the event heap to the end."""

    def __init__(
        self, plan: Plan, trace: Sequence[SimTicket], sla: Terms | None, record: bool
    ) -> None:
        self.plan, self.sla, self.record = plan, sla, record
        self.tickets = {t.id: t for t in trace}
        if len(self.tickets) != len(trace):
            raise Invalid("ticket ids in a trace must be unique", {"field": "trace"})
        ids = [a.id for a in plan.agents]
        if len(set(ids)) != len(ids):
            raise Invalid("agent ids in a plan must be unique", {"field": "agents"})
        self.agents = {a.id: _Agent(a) for a in plan.agents}
        self.events: list[tuple[datetime, int, int, int, int]] = []
        self.seq = 0
        self.queue: dict[int, TicketToRoute] = {}
        self.version: dict[int, int] = {}  # bumped when an assignment is undone
        self.assignee: dict[int, int] = {}
        self.answered_at: dict[int, datetime] = {}
        self.due: dict[int, datetime | None] = {}
        self.after_agent_id: int | None = None
        self.passes: list[RoutingPass] = []
        self.largest = 0
        self.largest_at: datetime | None = None
        self.fallbacks = self.handed_off = 0
        for t in trace:
            self.push(t.arrived_at, _ARRIVE, t.id)
        for agent_id, span in _merged(plan.shifts):
            if agent_id not in self.agents:
                raise Invalid(f"a shift names unknown agent {agent_id}", {"field": "shifts"})
            self.push(span.start, _START, agent_id)
            self.push(span.end, _END, agent_id)

    def push(self, at: datetime, kind: int, key: int, version: int = 0) -> None:
        self.seq += 1
        heapq.heappush(self.events, (at, kind, self.seq, key, version))

    def run(self, end: datetime) -> None:
        while self.events and self.events[0][0] <= end:
            now = self.events[0][0]
            while self.events and self.events[0][0] == now:
                _, kind, _, key, version = heapq.heappop(self.events)
                self.handle(kind, key, version, now)
            self.route(now)
            if len(self.queue) > self.largest:
                self.largest, self.largest_at = len(self.queue), now
        for agent in self.agents.values():
            agent.account(end)

    def handle(self, kind: int, key: int, version: int, now: datetime) -> None:
        if kind == _ARRIVE:
            self.arrive(self.tickets[key], now)
        elif kind == _ANSWER and self.version.get(key, 0) == version:
            agent = self.agents[self.assignee[key]]
            if key not in self.answered_at:  # a re-routed answered ticket keeps its first
                self.answered_at[key] = now
                agent.answered += 1
            resolve = timedelta(seconds=self.tickets[key].resolve_seconds)
            self.push(now + resolve, _RESOLVE, key, version)
        elif kind == _RESOLVE and self.version.get(key, 0) == version:
            agent = self.agents[self.assignee[key]]
            agent.account(now)
            agent.held.discard(key)
        elif kind == _START:
            agent = self.agents[key]
            agent.account(now)
            agent.on_duty = True
        elif kind == _END:
            self.shift_end(self.agents[key], now)
        # _FALLBACK only wakes routing up: the fallback rule itself lives in `choose`.

    def arrive(self, t: SimTicket, now: datetime) -> None:
        due = None
        if self.sla is not None:
            times = TicketTimes(Status.NEW, t.arrived_at, None, None)
            due = clocks_for(Clocks(), None, self.sla, times, now).first_response_due
        self.due[t.id] = due
        self.queue[t.id] = TicketToRoute(
            t.id, t.language, t.category, t.channel, t.brand_id, t.priority, t.arrived_at, due
        )
        if t.language:
            self.push(t.arrived_at + self.plan.policy.fallback_after, _FALLBACK, t.id)

    def shift_end(self, agent: _Agent, now: datetime) -> None:
        """The agent goes off duty; tickets not answered yet go back to the queue, as routing's
        hand-off does with `hand_off_reason` (answered ones stay, per the policy)."""
        agent.account(now)
        agent.on_duty = False
        for ticket_id in sorted(agent.held):
            answered = ticket_id in self.answered_at
            reason = hand_off_reason(
                off_duty=SHIFT_ENDED,
                answered=answered,
                seen=False,
                assigned_at=None,
                policy=self.plan.policy,
                now=now,
            )
            if reason is None:
                continue
            agent.held.discard(ticket_id)
            self.version[ticket_id] = self.version.get(ticket_id, 0) + 1
            del self.assignee[ticket_id]
            t = self.tickets[ticket_id]
            self.queue[ticket_id] = TicketToRoute(
                t.id, t.language, t.category, t.channel, t.brand_id, t.priority, t.arrived_at,
                self.due[t.id],
            )  # fmt: skip
            self.handed_off += 1

    def route(self, now: datetime) -> None:
        """One routing pass over the whole queue, in queue order, with the agents who have room."""
        if not self.queue:
            return
        candidates = [
            Candidate(
                a.spec.id,
                a.spec.languages,
                a.spec.skills,
                a.spec.capacity,
                len(a.held),
                a.last_assigned_at,
                a.spec.team_id,
            )
            for a in self.agents.values()
            if a.on_duty and len(a.held) < a.spec.capacity
        ]
        if not candidates:
            return
        queue = sorted(self.queue.values(), key=queue_key)
        made, after = choose_many(
            queue, candidates, Policies(self.plan.policy), now, after_agent_id=self.after_agent_id
        )
        if self.record:
            self.passes.append(
                RoutingPass(now, tuple(queue), tuple(candidates), self.after_agent_id, made)
            )
        self.after_agent_id = after
        for ticket_id, decision in made.items():
            agent = self.agents[decision.agent_id]
            agent.account(now)
            agent.held.add(ticket_id)
            agent.last_assigned_at = now
            del self.queue[ticket_id]
            self.assignee[ticket_id] = agent.spec.id
            self.fallbacks += decision.needs_translation
            handle = timedelta(seconds=self.tickets[ticket_id].handle_seconds)
            self.push(now + handle, _ANSWER, ticket_id, self.version.get(ticket_id, 0))


def simulate(
    plan: Plan,
    trace: Sequence[SimTicket],
    *,
    end: datetime,
    sla: Terms | None = None,
    record_passes: bool = False,
) -> Report:
    """Replay `trace` against `plan` up to `end` and measure first response, SLA attainment
    (first response, with `sla`'s terms and calendar), backlog and occupancy."""
    state = _Run(plan, trace, sla, record_passes)
    state.run(end)
    arrived = [t for t in trace if t.arrived_at <= end]
    held = {i for a in state.agents.values() for i in a.held}
    open_at_end = len((held | state.queue.keys()) - state.answered_at.keys())
    waits, met, missed = [], 0, 0
    for t in arrived:
        answered = state.answered_at.get(t.id)
        waits.append(((answered or end) - t.arrived_at).total_seconds())
        due = state.due.get(t.id)
        if due is None:
            continue
        if answered is not None:
            met, missed = (met + 1, missed) if answered <= due else (met, missed + 1)
        elif due < end:
            missed += 1
    agents = tuple(
        AgentReport(
            a.spec.id,
            a.duty_seconds / 3600,
            a.answered,
            a.load_seconds / (a.duty_seconds * a.spec.capacity) if a.duty_seconds else 0.0,
        )
        for a in state.agents.values()
    )
    return Report(
        plan=plan.name,
        tickets=len(arrived),
        answered=len(state.answered_at),
        open_at_end=open_at_end,
        first_response_p50=nearest_rank(waits, 0.5),
        first_response_p90=nearest_rank(waits, 0.9),
        sla_met=met,
        sla_missed=missed,
        largest_backlog=state.largest,
        largest_backlog_at=state.largest_at,
        agent_hours=sum(a.on_duty_hours for a in agents),
        fallback_assignments=state.fallbacks,
        handed_off=state.handed_off,
        agents=agents,
        passes=tuple(state.passes),
        first_response_at=dict(state.answered_at),
        assignee=dict(state.assignee),
    )


def compare(
    plan_a: Plan,
    plan_b: Plan,
    trace: Sequence[SimTicket],
    *,
    end: datetime,
    sla: Terms | None = None,
) -> tuple[Report, Report]:
    """Two plans side by side on the same arrivals, handling times and SLA terms."""
    return (
        simulate(plan_a, trace, end=end, sla=sla),
        simulate(plan_b, trace, end=end, sla=sla),
    )
