"""Hand-off against the database over a simulated day on a fake clock: tickets go back to the
queue, audited with why, when their agent clocks out, lapses after the shift's end plus grace,
falls sick or leaves a new assignment unopened; answered ones stay; a break hands off nothing.
On PostgreSQL two passes at once unassign each ticket once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from careloop.accounts.model import Role
from careloop.routing import actions as routing
from careloop.routing import policy
from careloop.routing.handoff import due_in, hand_off, hand_off_after
from careloop.storage.audit import AuditEntry
from careloop.tickets import actions as tickets
from careloop.tickets.model import Status
from careloop.tickets.schemas import TicketUpdate
from careloop.workforce import attendance, leave
from careloop.workforce.model import LeaveKind
from tests.factories import ACTOR, make_agent, make_shift
from tests.integration.duty_support import counted
from tests.integration.handoff_support import (
    arrive,
    as_agent,
    assignees,
    held_by,
    open_all,
    reasons,
    reply,
    set_default,
    stored,
    unassigned,
)

M = timedelta(minutes=1)
DAY = datetime(2026, 11, 2, tzinfo=UTC)


def at(hour: int, minute: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute)


def rostered(db, clock, start: int, end: int, **kw):
    agent = make_agent(db, clock, capacity=kw.pop("capacity", 10), **kw)
    make_shift(db, clock, agent.id, at(start), at(end))
    return agent.id


def clock_in(db, clock, agent_id: int) -> None:
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent_id)


def test_a_simulated_day(db, clock):
    clock.set(at(7, 55))
    set_default(db, clock.now(), unopened_after_seconds=15 * 60)
    alice = rostered(db, clock, 8, 16)
    carol = rostered(db, clock, 8, 16)
    bob = rostered(db, clock, 12, 20)  # overlaps the early shift from 12:00 to 16:00

    clock.set(at(8))
    clock_in(db, clock, alice)
    clock_in(db, clock, carol)
    clock.set(at(8, 5))
    t1, t2, t3, t4 = (arrive(db, clock) for _ in range(4))
    assert (held_by(db, alice), held_by(db, carol)) == ([t1, t3], [t2, t4])
    clock.set(at(8, 6))
    open_all(db, clock, alice)
    open_all(db, clock, carol)
    reply(db, clock, alice, t1)  # t1 is answered

    # A break is not off duty: nothing goes back, new tickets go to the others.
    clock.set(at(10))
    attendance.start_break(db, actor=ACTOR, now=clock.now(), agent_id=alice)
    clock.set(at(10, 5))
    t5 = arrive(db, clock)
    assert stored(db, t5).assignee_id == carol
    open_all(db, clock, carol)
    clock.set(at(10, 25))
    assert hand_off(db, now=clock.now()).handed_back == 0
    attendance.end_break(db, actor=ACTOR, now=clock.now(), agent_id=alice)

    # Carol falls sick: her tickets go to Alice at once.
    clock.set(at(11))
    leave.add_leave(
        db,
        actor=ACTOR,
        now=clock.now(),
        agent_id=carol,
        kind=LeaveKind.SICK,
        starts_at=clock.now(),
        ends_at=clock.now() + timedelta(days=1),
    )
    result = hand_off_after(db, now=clock.now(), agent_id=carol)
    assert (result.by_reason, result.routed) == ({"on_leave": 3}, 3)
    assert held_by(db, alice) == [t1, t2, t3, t4, t5]
    assert all(stored(db, t).seen_at is None for t in (t2, t4, t5))  # new assignments
    clock.set(at(11, 1))
    open_all(db, clock, alice)

    # Bob starts; he leaves his first assignment unopened, so after 15 minutes it goes to
    # Alice although Bob, with nothing else, is the least loaded.
    clock.set(at(12))
    clock_in(db, clock, bob)
    clock.set(at(12, 5))
    t6 = arrive(db, clock)
    assert stored(db, t6).assignee_id == bob
    clock.set(at(12, 19))
    assert hand_off(db, now=clock.now()).handed_back == 0
    clock.set(at(12, 20))
    result = hand_off(db, now=clock.now())
    assert (result.by_reason, result.routed) == ({"not_opened": 1}, 1)
    assert stored(db, t6).assignee_id == alice
    [entry] = unassigned(db, t6)
    assert entry.actor_label == "hand-off"
    assert entry.changes["assignee_id"] == {"before": bob, "after": None}
    assert entry.changes["reason"] == {"before": None, "after": "not_opened"}
    clock.set(at(12, 21))
    open_all(db, clock, alice)

    # Alice's shift ends at 16:00 and she forgets to clock out: her clock-in lapses after the
    # grace period, then her unanswered tickets go to Bob; the answered one stays.
    clock.set(at(16, 29))
    assert hand_off(db, now=clock.now()).handed_back == 0
    clock.set(at(16, 30))
    result = hand_off(db, now=clock.now())
    assert (result.by_reason, result.routed) == ({"shift_ended": 5}, 5)
    assert held_by(db, alice) == [t1]
    assert held_by(db, bob) == [t2, t3, t4, t5, t6]
    clock.set(at(16, 31))
    open_all(db, clock, bob)

    # Bob clocks out: with nobody on duty his tickets wait in the queue, still open.
    clock.set(at(19))
    attendance.clock_out(db, actor=ACTOR, now=clock.now(), agent_id=bob)
    result = hand_off_after(db, now=clock.now(), agent_id=bob)
    assert (result.by_reason, result.routed) == ({"clocked_out": 5}, 0)
    assert set(assignees(db, [t2, t3, t4, t5, t6]).values()) == {None}
    assert {stored(db, t).status for t in (t2, t3, t4, t5, t6)} == {Status.OPEN}

    assert reasons(db) == {"on_leave": 3, "not_opened": 1, "shift_ended": 5, "clocked_out": 5}
    assert stored(db, t1).assignee_id == alice
    assert hand_off(db, now=clock.now()).handed_back == 0  # nothing twice


def test_without_keep_answered_answered_tickets_go_too(db, clock):
    set_default(db, clock.now(), keep_answered=False)
    alice = rostered(db, clock, 8, 16)
    clock_in(db, clock, alice)
    answered, other = arrive(db, clock), arrive(db, clock)
    reply(db, clock, alice, answered)
    attendance.clock_out(db, actor=ACTOR, now=clock.now(), agent_id=alice)
    assert hand_off(db, now=clock.now()).by_reason == {"clocked_out": 2}
    assert assignees(db, [answered, other]) == {answered: None, other: None}


def test_a_team_policy_decides_for_its_agents(db, clock, make_user):
    from careloop.workforce.teams import create_team

    team = create_team(db, actor=ACTOR, now=clock.now(), name="Night")
    policy.set_policy(
        db, actor=ACTOR, now=clock.now(), team_id=team.id, data={"keep_answered": False}
    )
    night = rostered(db, clock, 8, 16, team="Night")
    day = rostered(db, clock, 8, 16)
    for agent in (night, day):
        clock_in(db, clock, agent)
    a, b = arrive(db, clock), arrive(db, clock)
    owner = {stored(db, t).assignee_id: t for t in (a, b)}
    for agent, ticket in owner.items():
        reply(db, clock, agent, ticket)
        attendance.clock_out(db, actor=ACTOR, now=clock.now(), agent_id=agent)
    hand_off(db, now=clock.now())
    assert assignees(db, [owner[night], owner[day]]) == {owner[night]: None, owner[day]: day}


def test_only_new_and_open_tickets_go_back(db, clock):
    alice = rostered(db, clock, 8, 16)
    clock_in(db, clock, alice)
    ids = {s: arrive(db, clock) for s in (Status.OPEN, Status.PENDING, Status.ON_HOLD)}
    for status in (Status.PENDING, Status.ON_HOLD):
        tickets.update_ticket(
            db,
            actor=ACTOR,
            now=clock.now(),
            ticket_id=ids[status],
            data=TicketUpdate(status=status),
        )
    attendance.clock_out(db, actor=ACTOR, now=clock.now(), agent_id=alice)
    assert hand_off(db, now=clock.now()).by_reason == {"clocked_out": 1}
    assert assignees(db, ids.values()) == {
        ids[Status.OPEN]: None,
        ids[Status.PENDING]: alice,
        ids[Status.ON_HOLD]: alice,
    }


def test_a_reply_before_the_current_assignment_is_not_an_answer(db, clock):
    alice = rostered(db, clock, 8, 16)
    bob = rostered(db, clock, 8, 16)
    clock_in(db, clock, alice)
    ticket = arrive(db, clock)
    reply(db, clock, alice, ticket)  # Alice answered, then the lead gives it to Bob
    clock.advance(M)
    tickets.update_ticket(
        db, actor=ACTOR, now=clock.now(), ticket_id=ticket, data=TicketUpdate(assignee_id=bob)
    )
    clock.advance(M)
    reply(db, clock, alice, ticket)  # a reply by someone else is not Bob's answer either
    assert hand_off(db, now=clock.now()).by_reason == {"clocked_out": 1}  # Bob never clocked in
    assert stored(db, ticket).assignee_id == alice  # Alice is on duty and takes it back


def test_a_ticket_held_by_someone_without_an_agent_profile_stays(db, clock, make_user):
    lead = make_user(Role.SUPERVISOR)
    ticket = arrive(db, clock)
    tickets.update_ticket(
        db, actor=ACTOR, now=clock.now(), ticket_id=ticket, data=TicketUpdate(assignee_id=lead.id)
    )
    clock.advance(timedelta(hours=5))
    set_default(db, clock.now(), unopened_after_seconds=60)
    assert hand_off(db, now=clock.now()).handed_back == 0
    assert stored(db, ticket).assignee_id == lead.id


def test_an_agent_who_leaves_a_ticket_unopened_gets_nothing_new_for_a_while(db, clock):
    set_default(db, clock.now(), unopened_after_seconds=600)
    bob = rostered(db, clock, 8, 16)
    clock_in(db, clock, bob)
    ticket = arrive(db, clock)
    clock.advance(10 * M)
    handed = clock.now()
    result = hand_off(db, now=handed)
    assert (result.by_reason, result.routed) == ({"not_opened": 1}, 0)
    assert stored(db, ticket).assignee_id is None  # waits: Bob is the only one on duty
    # Bob is paused for as long again: neither that ticket nor a new one goes to him...
    fresh = arrive(db, clock)
    assert stored(db, fresh).assignee_id is None
    clock.advance(5 * M)
    assert routing.drain_queue(db, now=clock.now()) == 0
    # ...while Ann, who comes on duty, takes both at once.
    ann = rostered(db, clock, 8, 16)
    clock_in(db, clock, ann)
    assert routing.drain_queue(db, now=clock.now()) == 2
    assert assignees(db, [ticket, fresh]) == {ticket: ann, fresh: ann}
    with db.read() as s:
        paused = s.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_type == "agent", AuditEntry.action == "routing_paused"
            )
        ).one()
    assert paused.entity_id == bob
    until = paused.changes["routing_paused_until"]["after"]
    assert datetime.fromisoformat(until) == handed + 10 * M


def test_a_paused_agent_takes_tickets_again_after_the_cool_down_or_a_clock_in(db, clock):
    set_default(db, clock.now(), unopened_after_seconds=600)
    bob = rostered(db, clock, 8, 16)
    clock_in(db, clock, bob)
    ticket = arrive(db, clock)
    clock.advance(10 * M)
    hand_off(db, now=clock.now())
    assert routing.drain_queue(db, now=clock.now()) == 0
    # The cool-down over, the queue sweep offers it to him again: it must not starve.
    clock.advance(10 * M)
    assert routing.drain_queue(db, now=clock.now()) == 1
    assert stored(db, ticket).assignee_id == bob
    # Unopened again: paused again; a fresh clock-in ends the pause at once.
    clock.advance(10 * M)
    hand_off(db, now=clock.now())
    attendance.clock_out(db, actor=ACTOR, now=clock.now(), agent_id=bob)
    clock.advance(M)
    clock_in(db, clock, bob)
    assert routing.drain_queue(db, now=clock.now()) == 1
    assert stored(db, ticket).assignee_id == bob


def test_opening_a_ticket_keeps_it_and_only_the_assignee_can(db, clock):
    from careloop.errors import Conflict
    from careloop.tickets.assignment import mark_seen

    set_default(db, clock.now(), unopened_after_seconds=600)
    alice, bob = rostered(db, clock, 8, 16), rostered(db, clock, 8, 16)
    clock_in(db, clock, alice)
    ticket = arrive(db, clock)
    with pytest.raises(Conflict):
        mark_seen(db, actor=as_agent(bob), now=clock.now(), ticket_id=ticket)
    clock.advance(M)
    mark_seen(db, actor=as_agent(alice), now=clock.now(), ticket_id=ticket)
    mark_seen(db, actor=as_agent(alice), now=clock.now() + M, ticket_id=ticket)  # no change
    assert stored(db, ticket).seen_at == clock.now()
    clock.advance(timedelta(hours=1))
    assert hand_off(db, now=clock.now()).handed_back == 0
    with db.read() as s:
        seen = s.scalar(
            select(func.count()).where(AuditEntry.entity_id == ticket, AuditEntry.action == "seen")
        )
    assert seen == 1


def test_hand_off_for_one_agent_leaves_the_others_alone(db, clock):
    alice, bob = rostered(db, clock, 8, 16), rostered(db, clock, 8, 16)
    for agent in (alice, bob):
        clock_in(db, clock, agent)
    a, b = arrive(db, clock), arrive(db, clock)
    for agent in (alice, bob):
        attendance.clock_out(db, actor=ACTOR, now=clock.now(), agent_id=agent)
    assert hand_off(db, now=clock.now(), agent_ids=[alice]).handed_back == 1
    assert assignees(db, [a, b]) == {a: None, b: bob}


def test_finding_due_tickets_takes_two_queries_whatever_their_number(db, clock):
    agents = [rostered(db, clock, 8, 16) for _ in range(3)]
    for agent in agents:
        clock_in(db, clock, agent)

    def selects(n_tickets: int) -> int:
        for _ in range(n_tickets):
            arrive(db, clock)
        with db.read() as s:
            policies = policy.policies_in(s)
            with counted(db) as statements:
                due = due_in(s, now=clock.now() + timedelta(hours=12), policies=policies)
        assert len(due) >= n_tickets
        return len(statements)

    assert selects(3) == selects(12) == 2


def test_two_hand_offs_at_once_unassign_each_ticket_once(db, clock):
    if not db.is_postgres:
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    agents = [rostered(db, clock, 8, 16, capacity=50) for _ in range(3)]
    for agent in agents:
        clock_in(db, clock, agent)
    ids = [arrive(db, clock) for _ in range(120)]
    for agent in agents:
        attendance.clock_out(db, actor=ACTOR, now=clock.now(), agent_id=agent)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work() -> None:
        try:
            start.wait()
            hand_off(db, now=clock.now())
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.read() as s:
        per_ticket = s.execute(
            select(AuditEntry.entity_id, func.count())
            .where(AuditEntry.entity_type == "ticket", AuditEntry.action == "unassigned")
            .group_by(AuditEntry.entity_id)
        ).all()
    assert sorted(t for t, _ in per_ticket) == ids
    assert all(n == 1 for _, n in per_ticket)
    assert set(assignees(db, ids).values()) == {None}
