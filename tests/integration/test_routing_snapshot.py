"""Request routing on a reused view of who is on duty (routing/snapshot.py): the view saves the
roster read, never a promise. An agent gone off duty since it was taken is found under the lock
and dropped; one come on duty since is found by a fresh read when the view leaves tickets
waiting; loads are always counted afresh, so capacity holds."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from careloop.routing import actions as routing
from careloop.routing.snapshot import DutySnapshot
from careloop.workforce import attendance
from tests.factories import ACTOR
from tests.integration.test_routing import new_ticket, on_duty_agent, stored
from tests.integration.test_routing_batch import give


class DutyReads:
    """Counts the roster reads (the duty query, recognised by its clock-in join)."""

    def __init__(self, db) -> None:
        self.count = 0
        self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *_args) -> None:
        if "FROM shifts JOIN agents" in statement and "clock_ins" in statement:
            self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def route(db, clock, snapshot: DutySnapshot, count: int = 1) -> list[int]:
    tickets = [new_ticket(db, clock) for _ in range(count)]
    routing.route_new(db, tickets=tickets, now=clock.now(), snapshot=snapshot)
    return [t.id for t in tickets]


def test_a_recent_view_is_reused_and_the_roster_is_read_again_once_it_is_old(db, clock):
    agent = on_duty_agent(db, clock)
    snapshot = DutySnapshot(ttl=timedelta(seconds=1))
    reads = DutyReads(db)
    first = route(db, clock, snapshot)
    after_first = reads.count
    clock.advance(timedelta(milliseconds=500))
    second = route(db, clock, snapshot)
    after_second = reads.count
    clock.advance(timedelta(seconds=1))
    route(db, clock, snapshot)
    reads.close()

    assert stored(db, first[0]).assignee_id == stored(db, second[0]).assignee_id == agent.id
    # The first batch reads the roster (and checks the chosen agent under its lock); the second
    # only checks the chosen agent; the third, a second later, reads the roster again.
    assert after_second - after_first == after_first - 1
    assert reads.count - after_second == after_first


def test_an_agent_gone_off_duty_since_the_view_was_taken_gets_nothing(db, clock):
    leaving = on_duty_agent(db, clock, capacity=10)
    staying = on_duty_agent(db, clock, capacity=10)
    give(db, clock, staying.id, 3)  # least loaded would be the one who leaves
    snapshot = DutySnapshot(ttl=timedelta(minutes=5))
    route(db, clock, snapshot)  # the view now holds both
    attendance.clock_out(db, actor=ACTOR, now=clock.now(), agent_id=leaving.id)

    ids = route(db, clock, snapshot, count=3)

    assert {stored(db, i).assignee_id for i in ids} == {staying.id}
    assert leaving.id not in {c.agent_id for c in snapshot.reusable(clock.now()) or []}


def test_an_agent_come_on_duty_since_the_view_was_taken_gets_what_nobody_else_could(db, clock):
    on_duty_agent(db, clock, languages=["en"])
    snapshot = DutySnapshot(ttl=timedelta(minutes=5))
    route(db, clock, snapshot)  # the view holds the English speaker only
    french = on_duty_agent(db, clock, languages=["fr"])

    (ticket_id,) = [t.id for t in [new_ticket(db, clock, language="fr")]]
    routing.route_new(db, tickets=[stored(db, ticket_id)], now=clock.now(), snapshot=snapshot)

    assert stored(db, ticket_id).assignee_id == french.id
    assert french.id in {c.agent_id for c in snapshot.reusable(clock.now()) or []}


def test_loads_are_counted_afresh_so_capacity_holds_on_a_reused_view(db, clock):
    agent = on_duty_agent(db, clock, capacity=3)
    snapshot = DutySnapshot(ttl=timedelta(minutes=5))
    route(db, clock, snapshot)
    give(db, clock, agent.id, 1)  # by hand, after the view was taken: two open now

    ids = route(db, clock, snapshot, count=3)

    assert [stored(db, i).assignee_id for i in ids] == [agent.id, None, None]


def test_a_view_is_never_used_for_an_earlier_instant(db, clock):
    agent = on_duty_agent(db, clock)
    snapshot = DutySnapshot(ttl=timedelta(minutes=5))
    route(db, clock, snapshot)
    assert snapshot.reusable(clock.now() - timedelta(seconds=1)) is None
    assert [c.agent_id for c in snapshot.reusable(clock.now()) or []] == [agent.id]
