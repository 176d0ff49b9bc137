"""Routing's faults, each with its defined behaviour: an agent removed while holding tickets,
capacity lowered below the current load, a published shift shortened or deleted mid-shift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from careloop.routing.handoff import hand_off, hand_off_after
from careloop.storage.audit import AuditEntry
from careloop.tickets import actions as tickets
from careloop.tickets.model import Status
from careloop.tickets.schemas import TicketUpdate
from careloop.workforce import actions as workforce
from careloop.workforce import attendance, rosters
from careloop.workforce.tables import ClockInRow
from tests.factories import ACTOR, make_agent, make_shift
from tests.integration.handoff_support import (
    arrive,
    assignees,
    held_by,
    open_all,
    reply,
    set_default,
    stored,
    unassigned,
)

M = timedelta(minutes=1)
DAY = datetime(2026, 11, 2, tzinfo=UTC)


def at(hour: int, minute: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute)


def working(db, clock, *, capacity: int = 10, start: int = 8, end: int = 16, **kw):
    """An agent on a published shift, clocked in now, with a shift object to change."""
    agent = make_agent(db, clock, capacity=capacity, **kw)
    shift = make_shift(db, clock, agent.id, at(start), at(end))
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    return agent.id, shift


def remove(db, clock, agent_id: int) -> None:
    """What PATCH /agents/{id} {"active": false} does: deactivate, then hand off."""
    workforce.update_agent(
        db, actor=ACTOR, now=clock.now(), agent_id=agent_id, changes={"active": False}
    )
    hand_off_after(db, now=clock.now(), agent_id=agent_id)


# --- an agent removed while holding tickets ------------------------------------------------


def test_a_removed_agents_unanswered_tickets_go_to_others_and_answered_ones_stay(db, clock):
    clock.set(at(9))
    alice, _ = working(db, clock)
    mine = [arrive(db, clock) for _ in range(3)]
    reply(db, clock, alice, mine[0])
    bob, _ = working(db, clock)

    remove(db, clock, alice)

    assert assignees(db, mine) == {mine[0]: alice, mine[1]: bob, mine[2]: bob}
    assert [e.changes["reason"]["after"] for e in unassigned(db)] == ["agent_removed"] * 2
    # Removed agents get nothing new.
    assert stored(db, arrive(db, clock)).assignee_id == bob


def test_without_keep_answered_a_removed_agents_answered_tickets_go_too(db, clock):
    clock.set(at(9))
    set_default(db, clock.now(), keep_answered=False)
    alice, _ = working(db, clock)
    mine = [arrive(db, clock) for _ in range(2)]
    reply(db, clock, alice, mine[0])
    bob, _ = working(db, clock)
    remove(db, clock, alice)
    assert held_by(db, alice) == []
    assert held_by(db, bob) == mine


def test_the_periodic_pass_catches_a_removal_the_event_missed(db, clock):
    clock.set(at(9))
    alice, _ = working(db, clock)
    ticket = arrive(db, clock)
    workforce.update_agent(
        db, actor=ACTOR, now=clock.now(), agent_id=alice, changes={"active": False}
    )
    assert hand_off(db, now=clock.now()).by_reason == {"agent_removed": 1}
    assert stored(db, ticket).assignee_id is None  # nobody else on duty: queued


# --- capacity lowered below the current load -----------------------------------------------


def test_capacity_lowered_below_the_load_keeps_the_tickets_and_gives_no_new_ones(db, clock):
    clock.set(at(9))
    alice, _ = working(db, clock, capacity=5)
    mine = [arrive(db, clock) for _ in range(4)]
    open_all(db, clock, alice)
    workforce.update_agent(
        db, actor=ACTOR, now=clock.now(), agent_id=alice, changes={"capacity": 2}
    )

    assert hand_off(db, now=clock.now()).handed_back == 0
    assert held_by(db, alice) == mine  # nothing reassigned
    waiting = arrive(db, clock)
    assert stored(db, waiting).assignee_id is None

    def solve(ticket_id: int) -> None:
        tickets.update_ticket(
            db,
            actor=ACTOR,
            now=clock.now(),
            ticket_id=ticket_id,
            data=TicketUpdate(status=Status.SOLVED),
        )

    solve(mine[0])
    solve(mine[1])  # load 2 = capacity: still full
    from careloop.routing import actions as routing

    assert routing.drain_queue(db, now=clock.now()) == 0
    solve(mine[2])  # load 1: room again
    assert routing.drain_queue(db, now=clock.now()) == 1
    assert stored(db, waiting).assignee_id == alice
    assert unassigned(db) == []


# --- a roster change mid-shift -------------------------------------------------------------


def expiry(db, agent_id: int) -> datetime:
    with db.read() as s:
        row = s.query(ClockInRow).filter_by(agent_id=agent_id, clocked_out_at=None).one()
        return row.expires_at


def test_a_shift_shortened_mid_shift_hands_off_after_the_new_end_plus_grace(db, clock):
    clock.set(at(8))
    alice, shift = working(db, clock)
    mine = [arrive(db, clock) for _ in range(2)]
    open_all(db, clock, alice)
    bob, _ = working(db, clock, start=8, end=20)
    assert expiry(db, alice) == at(16, 30)

    clock.set(at(10))
    rosters.update_shift(db, actor=ACTOR, now=clock.now(), shift_id=shift.id, ends_at=at(11))
    assert expiry(db, alice) == at(11, 30)

    clock.set(at(11, 29))
    assert hand_off(db, now=clock.now()).handed_back == 0
    assert held_by(db, alice) == mine
    clock.set(at(11, 30))
    assert hand_off(db, now=clock.now()).by_reason == {"shift_ended": 2}
    assert held_by(db, bob) == mine


def test_a_shift_deleted_mid_shift_hands_off_after_the_grace_period(db, clock):
    clock.set(at(8))
    alice, shift = working(db, clock)
    mine = [arrive(db, clock) for _ in range(2)]
    open_all(db, clock, alice)
    bob, _ = working(db, clock, start=8, end=20)

    clock.set(at(10))
    rosters.delete_shift(db, actor=ACTOR, now=clock.now(), shift_id=shift.id)
    # No shift to carry it: the clock-in lapses after the grace period from now, not 16 hours
    # after it began.
    assert expiry(db, alice) == at(10, 30)
    assert stored(db, arrive(db, clock)).assignee_id == bob  # Alice is not rostered now

    clock.set(at(10, 29))
    assert hand_off(db, now=clock.now()).handed_back == 0
    clock.set(at(10, 30))
    assert hand_off(db, now=clock.now()).by_reason == {"shift_ended": 2}
    assert set(mine) <= set(held_by(db, bob))
    with db.read() as s:
        changed = s.query(AuditEntry).filter_by(action="expiry_changed", entity_id=alice).one()
    assert changed.changes["expires_at"]["after"].startswith("2026-11-02T10:30")
