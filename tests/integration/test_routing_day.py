"""A day of routing, minute by minute on a fake clock (`day_support.DaySim`), on SQLite and
PostgreSQL, then held to the issue's invariants from what the database recorded: no ticket lost,
none assigned twice at once, nobody over capacity at any instant, every assignment to an agent
on duty who speaks the ticket's language (or by the fallback, tagged), hand-offs for the right
reasons and never for a break, a ticket waiting only while nobody eligible had room, and SLA
breaches exactly when the first response was late.

Who was on duty when comes from the pure rule (`workforce.duty.is_on_duty`) over the agents'
timelines, and the loads from replaying the audit trail, so the test does not trust the SQL it
checks."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from careloop.routing.model import (
    CLOCKED_OUT,
    LANGUAGE_FALLBACK,
    NOT_OPENED,
    SHIFT_ENDED,
    RoutingPolicy,
)
from careloop.sla.tables import SlaEvent
from careloop.storage.audit import AuditEntry
from careloop.tickets.assignment import TRANSLATION_TAG
from careloop.tickets.model import OPEN_STATUSES
from careloop.tickets.tables import Ticket
from careloop.workforce.duty import AgentTimeline, is_on_duty
from careloop.workforce.model import AUTO_CLOCK_OUT_GRACE, Interval
from careloop.workforce.queries import agent_timelines
from tests.integration.day_support import (
    FIRST_RESPONSE,
    NOBODY_SPEAKS,
    SIM_END,
    SIM_START,
    UNOPENED_AFTER,
    UNOPENED_TEAM,
    DaySim,
    M,
)

OPEN = {s.value for s in OPEN_STATUSES}
WAITING = {"new", "open"}
FALLBACK = RoutingPolicy()  # the default policy: its fallback languages and delay
JOB_SLACK = timedelta(seconds=5)  # the jobs' `now` is the minute plus the real time they took


@dataclass
class Held:
    """A ticket as the audit trail tells it, at one point of the replay."""

    assignee: int | None = None
    status: str = "new"
    assigned_at: datetime | None = None
    seen: bool = False
    answered: bool = False  # a public reply by the assignee since assigned
    translated: bool = False  # tagged needs-translation


class Replay:
    """The ticket audit rows applied in order: each ticket's holder and status, each agent's
    load (open tickets held) and the waiting queue, at every step."""

    def __init__(self) -> None:
        self.tickets: dict[int, Held] = defaultdict(Held)
        self.load: Counter[int] = Counter()
        self.waiting: set[int] = set()
        self.last_unassigned: dict[int, tuple[int, str, datetime]] = {}
        # An agent who left a ticket unopened gets nothing new for as long again (or until
        # their next clock-in): agent -> when the cool-down began.
        self.paused_since: dict[int, datetime] = {}

    def apply(self, row: AuditEntry) -> tuple[Held, Held]:
        held = self.tickets[row.entity_id]
        before = replace(held)
        changes: dict[str, Any] = row.changes
        if "assignee_id" in changes:
            held.assignee = changes["assignee_id"]["after"]
            held.assigned_at = row.at if held.assignee is not None else None
            held.seen = held.answered = False
        if "status" in changes:
            held.status = changes["status"]["after"]
        if TRANSLATION_TAG in (changes.get("tags", {}).get("after") or []):
            held.translated = True
        if row.action == "seen":
            held.seen = True
        if row.action == "replied" and row.actor_id == held.assignee:
            held.answered = True
        if row.action == "unassigned" and before.assignee is not None:
            reason = changes["reason"]["after"]
            self.last_unassigned[row.entity_id] = (before.assignee, reason, row.at)
            if reason == NOT_OPENED:
                self.paused_since[before.assignee] = row.at
        if before.assignee is not None and before.status in OPEN:
            self.load[before.assignee] -= 1
        if held.assignee is not None and held.status in OPEN:
            self.load[held.assignee] += 1
        if held.assignee is None and held.status in WAITING:
            self.waiting.add(row.entity_id)
        else:
            self.waiting.discard(row.entity_id)
        return before, replace(held)

    def avoided(self, ticket_id: int, at: datetime) -> int | None:
        """The agent who handed this ticket back unopened in the pass at `at` (that pass does
        not offer it to them again)."""
        last = self.last_unassigned.get(ticket_id)
        if last and last[1] == NOT_OPENED and at <= last[2] < at + M:
            return last[0]
        return None


class DayChecks:
    """The invariants, checked while the audit trail is replayed."""

    def __init__(self, sim: DaySim, timelines: dict[int, AgentTimeline]) -> None:
        self.sim = sim
        self.timelines = timelines
        self.replay = Replay()
        self.reasons: Counter[str] = Counter()
        self.fallbacks: set[int] = set()
        self.routed: Counter[int] = Counter()
        self._on_duty: dict[datetime, list[int]] = {}
        self.stored: dict[int, Ticket] = {}
        self.sla: Counter[str] = Counter()

    def on_duty(self, at: datetime) -> list[int]:
        if at not in self._on_duty:
            self._on_duty[at] = [a for a, tl in self.timelines.items() if is_on_duty(tl, at)]
        return self._on_duty[at]

    def paused(self, agent: int, at: datetime) -> bool:
        """In the cool-down after leaving a ticket unopened: from the hand-off for the unopened
        time again, unless the agent clocked in since."""
        since = self.replay.paused_since.get(agent)
        if since is None or not since <= at < since + UNOPENED_AFTER:
            return False
        return not any(since < c.start <= at for c in self.timelines[agent].clock_ins)

    def with_room(self, at: datetime, category: str, avoid: int | None) -> list[int]:
        """On duty at `at`, not paused, skilled for the category, below capacity, per the
        replayed loads."""
        plans = self.sim.plans
        return [
            a
            for a in self.on_duty(at)
            if a != avoid
            and not self.paused(a, at)
            and plans[a].handles(category)
            and self.replay.load[a] < plans[a].capacity
        ]

    def run(self, rows: list[AuditEntry]) -> None:
        marks = iter(self.sim.marks)
        mark = next(marks, None)
        for row in rows:
            while mark is not None and mark[1] < row.id:
                self.queue_at(mark[0])
                mark = next(marks, None)
            if row.action == "assigned":
                self.assignment(row)
            before, after = self.replay.apply(row)
            self.step(row, before, after)
        while mark is not None:
            self.queue_at(mark[0])
            mark = next(marks, None)

    def step(self, row: AuditEntry, before: Held, after: Held) -> None:
        name = f"ticket {row.entity_id} ({row.action} at {row.at:%H:%M:%S})"
        if after.assignee is not None and after.assignee != before.assignee:
            assert before.assignee is None, f"{name}: assigned while {before.assignee} held it"
        for agent in {before.assignee, after.assignee} - {None}:
            plan = self.sim.plans[agent]
            load = self.replay.load[agent]
            assert load <= plan.capacity, f"{name}: {plan.name} holds {load} > {plan.capacity}"
        if row.action == "unassigned":
            self.hand_off(row, before)

    def assignment(self, row: AuditEntry) -> None:
        """A routing decision, checked against the state just before it."""
        ticket = self.sim.arrivals[row.entity_id]
        agent = row.changes["assignee_id"]["after"]
        plan = self.sim.plans[agent]
        reason = row.changes["reason"]["after"]
        name = f"ticket {ticket.ticket_id} ({ticket.language}) to {plan.name} at {row.at}"
        assert row.actor_label == "routing", f"{name}: by {row.actor_label}"
        assert is_on_duty(self.timelines[agent], row.at), f"{name}: {plan.name} was not on duty"
        assert plan.handles(ticket.category), f"{name}: {plan.name} lacks {ticket.category}"
        free = self.with_room(
            row.at, ticket.category, self.replay.avoided(ticket.ticket_id, row.at)
        )
        assert agent in free, f"{name}: {plan.name} had no room"
        speakers = [a for a in free if ticket.language in self.sim.plans[a].languages]
        if reason == LANGUAGE_FALLBACK:
            self.fallbacks.add(ticket.ticket_id)
            assert not speakers, f"{name}: fallback while {speakers} spoke {ticket.language}"
            assert set(plan.languages) & set(FALLBACK.fallback_languages), name
            assert row.at - ticket.at >= FALLBACK.fallback_after, f"{name}: fallback too early"
            tags = row.changes.get("tags", {}).get("after") or []
            held = self.replay.tickets[ticket.ticket_id]
            assert TRANSLATION_TAG in tags or held.translated, f"{name}: not tagged"
        else:
            assert reason == "least_loaded", f"{name}: {reason}"
            assert ticket.language in plan.languages, f"{name}: {plan.name} does not speak it"
            least = min(self.replay.load[a] for a in speakers)
            assert self.replay.load[agent] == least, f"{name}: not the least loaded"
        self.routed[agent] += 1

    def hand_off(self, row: AuditEntry, before: Held) -> None:
        agent = before.assignee
        assert agent is not None
        plan = self.sim.plans[agent]
        reason = row.changes["reason"]["after"]
        self.reasons[reason] += 1
        timeline = self.timelines[agent]
        clocked_in = any(c.active(row.at) for c in timeline.clock_ins)
        on_break = any(b.active(row.at) for b in timeline.breaks)
        name = f"ticket {row.entity_id} from {plan.name} at {row.at} ({reason})"
        assert row.actor_label == "hand-off", f"{name}: by {row.actor_label}"
        assert not before.answered, f"{name}: an answered ticket went back"
        if reason == NOT_OPENED:
            assert plan.team == UNOPENED_TEAM, f"{name}: the {plan.team} team keeps unopened ones"
            assert not before.seen, f"{name}: it was opened"
            assert before.assigned_at is not None
            assert row.at - before.assigned_at >= UNOPENED_AFTER, f"{name}: too early"
            assert clocked_in, f"{name}: the agent was off duty, not slow"
            return
        assert not clocked_in and not on_break, f"{name}: the agent was still clocked in"
        if reason == CLOCKED_OUT:
            outs = self.sim.clock_outs.get(agent, [])
            assert any(o <= row.at < o + M for o in outs), f"{name}: not at a clock-out"
        else:
            assert reason == SHIFT_ENDED, name
            assert plan.forgets_clock_out, f"{name}: {plan.name} clocked out themselves"
            lapsed = [s.end + AUTO_CLOCK_OUT_GRACE for s in self.sim.shifts[agent]]
            assert any(e <= row.at < e + M + JOB_SLACK for e in lapsed), f"{name}: not at lapse"

    def queue_at(self, at: datetime) -> None:
        """After the minute's jobs: each waiting ticket waits because nobody eligible has room,
        and nobody holds a ticket they should have handed back."""
        for ticket_id in sorted(self.replay.waiting):
            ticket = self.sim.arrivals[ticket_id]
            free = self.with_room(at, ticket.category, self.replay.avoided(ticket_id, at))
            langs = [ticket.language]
            if at - ticket.at >= FALLBACK.fallback_after:
                langs += FALLBACK.fallback_languages
            able = [a for a in free if set(langs) & set(self.sim.plans[a].languages)]
            assert not able, f"{at}: ticket {ticket_id} ({ticket.language}) waits; {able} free"
        for ticket_id, held in self.replay.tickets.items():
            if held.assignee is None or held.status not in WAITING or held.answered:
                continue
            plan = self.sim.plans[held.assignee]
            clocked = any(c.active(at) for c in self.timelines[held.assignee].clock_ins)
            name = f"{at}: {plan.name} still holds ticket {ticket_id}"
            assert clocked, f"{name} off duty"
            if plan.team == UNOPENED_TEAM and not held.seen:
                assert held.assigned_at is not None
                assert at - held.assigned_at < UNOPENED_AFTER, f"{name} unopened"


def ticket_rows(db) -> list[AuditEntry]:
    with db.read() as s:
        return list(
            s.scalars(
                select(AuditEntry).where(AuditEntry.entity_type == "ticket").order_by(AuditEntry.id)
            )
        )


def check_conservation(db, sim: DaySim, replay: Replay) -> dict[int, Ticket]:
    """Every ticket created is stored as its audit trail tells, and is solved or closed, held
    by someone, or waiting in the queue: none is lost."""
    with db.read() as s:
        stored = {t.id: t for t in s.scalars(select(Ticket))}
    assert sorted(stored) == sorted(sim.arrivals), "tickets created and stored differ"
    for t in stored.values():
        held = replay.tickets[t.id]
        assert (t.assignee_id, t.status.value) == (held.assignee, held.status), (
            f"ticket {t.id}: the audit trail says {held}, the row {t.assignee_id} {t.status}"
        )
        if t.assignee_id is None and t.status.value not in ("solved", "closed"):
            assert t.status.value in WAITING, f"ticket {t.id} is lost: {t.status}, nobody's"
    return stored


def check_sla(db, sim: DaySim, stored: dict[int, Ticket], until: datetime) -> Counter[str]:
    """First-response warnings and breaches: a breach only when the first reply came after
    the due instant (or never), swept within the minute, after a warning, with the priority
    raised; and every ticket answered late has one."""
    with db.read() as s:
        events = list(s.scalars(select(SlaEvent).order_by(SlaEvent.id)))
    breached, warned, seen = set(), set(), Counter()
    for e in events:
        if e.target != "first_response":
            continue
        seen[e.kind] += 1
        ticket = sim.arrivals[e.ticket_id]
        answered = stored[e.ticket_id].first_response_at
        name = f"{e.kind} of ticket {e.ticket_id} due {e.due_at} at {e.at}"
        assert e.due_at == ticket.at + FIRST_RESPONSE, name
        if e.kind == "warning":
            warned.add(e.ticket_id)
            continue
        breached.add(e.ticket_id)
        assert answered is None or answered > e.due_at, f"{name}: answered at {answered}"
        assert e.due_at <= e.at < e.due_at + M + JOB_SLACK, f"{name}: not swept in time"
        assert e.ticket_id in warned, f"{name}: no warning before"
        if ticket.priority == "normal":
            assert e.actions.get("priority") == ["normal", "high"], f"{name}: {e.actions}"
    for ticket_id, ticket in sim.arrivals.items():
        due = ticket.at + FIRST_RESPONSE
        answered = stored[ticket_id].first_response_at
        late = answered is None or answered > due
        if late and due < until - M:
            assert ticket_id in breached, f"ticket {ticket_id} answered late, no breach"
        if not late:
            assert ticket_id not in breached, f"ticket {ticket_id} answered in time, breached"
    seen["answered in time"] = sum(
        1
        for t, a in sim.arrivals.items()
        if stored[t].first_response_at and stored[t].first_response_at <= a.at + FIRST_RESPONSE
    )
    return seen


def check_day(db, sim: DaySim, until: datetime = SIM_END) -> DayChecks:
    """Every invariant over the day simulated up to `until`; returns the replay's tallies."""
    with db.read() as s:
        window = Interval(SIM_START - timedelta(days=1), SIM_END + timedelta(days=1))
        timelines = agent_timelines(s, list(sim.plans), window)
    checks = DayChecks(sim, timelines)
    checks.run(ticket_rows(db))
    checks.stored = check_conservation(db, sim, checks.replay)
    checks.sla = check_sla(db, sim, checks.stored, until)
    return checks


def test_a_simulated_day_of_routing(db, clock):
    sim = DaySim(db, clock)
    sim.setup()
    sim.run()
    checks = check_day(db, sim)

    # The day did what it was built to do, so the checks above were not vacuous.
    ids, stored = sim.ids, checks.stored
    assert len(sim.arrivals) > 250
    assert set(checks.reasons) == {CLOCKED_OUT, SHIFT_ENDED, NOT_OPENED}, checks.reasons
    assert checks.routed[ids["Eve"]] == 0  # never clocked in
    assert checks.routed[ids["Ben"]] > 0 and checks.routed[ids["Fabien"]] > 0
    # Ben, who never opens, was paused after each unopened hand-off (and routed around).
    assert ids["Ben"] in checks.replay.paused_since
    assert checks.reasons[NOT_OPENED] < 30, checks.reasons  # not ticket after ticket
    pt = {t for t, a in sim.arrivals.items() if a.language == NOBODY_SPEAKS}
    assert pt and pt <= checks.fallbacks | {t for t in pt if stored[t].assignee_id is None}
    for t in checks.fallbacks:
        assert TRANSLATION_TAG in stored[t].tags, f"ticket {t} went by fallback, untagged"
    assert checks.sla["breach"] > 0 and checks.sla["answered in time"] > 0, checks.sla
    assert sum(1 for t in stored.values() if t.status.value == "solved") > len(stored) // 2
