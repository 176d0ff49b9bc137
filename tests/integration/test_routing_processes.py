"""Four processes create and route 2,000 tickets against 50 agents on PostgreSQL, as several
`careloop serve` and `careloop worker` processes would: no ticket is assigned twice, no agent
goes over capacity, every assignment respects the agent's languages, and no room is lost."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from careloop.routing import actions as routing
from careloop.storage.audit import AuditEntry
from careloop.tickets.tables import Ticket
from careloop.workforce import attendance
from careloop.workforce.tables import Agent
from tests.factories import ACTOR, make_agent, make_shift
from tests.integration.routing_load import LANGUAGES, create_and_route

PROCESSES = 4
TICKETS_EACH = 500
AGENTS = 50
CAPACITY = 20


@pytest.mark.slow
def test_four_processes_assign_every_ticket_once_within_capacity(db, clock, database_url):
    if not db.is_postgres:
        pytest.skip("SQLite serves from one process; the race between processes needs PostgreSQL")
    now = clock.now()
    for n in range(AGENTS):
        agent = make_agent(db, clock, languages=("en", LANGUAGES[n % 4]), capacity=CAPACITY)
        make_shift(db, clock, agent.id, now - timedelta(hours=1), now + timedelta(hours=7))
        attendance.clock_in(db, actor=ACTOR, now=now, agent_id=agent.id)

    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(PROCESSES) as pool:
        created = pool.starmap(
            create_and_route,
            [(database_url, now.isoformat(), p, TICKETS_EACH) for p in range(PROCESSES)],
        )
    assert sum(created) == PROCESSES * TICKETS_EACH
    routing.drain_queue(db, now=now, limit=PROCESSES * TICKETS_EACH)

    with db.read() as s:
        assigned = Counter(
            s.scalars(
                select(AuditEntry.entity_id).where(
                    AuditEntry.entity_type == "ticket", AuditEntry.action == "assigned"
                )
            )
        )
        rows = s.execute(select(Ticket.id, Ticket.assignee_id, Ticket.language)).all()
        speaks = {a.user_id: set(a.languages) for a in s.scalars(select(Agent))}
    assert len(rows) == PROCESSES * TICKETS_EACH
    assert max(assigned.values()) == 1  # never assigned twice
    holders = {r.id: r.assignee_id for r in rows if r.assignee_id is not None}
    assert set(holders) == set(assigned)  # every assignment is audited, and only those
    load = Counter(holders.values())
    assert max(load.values()) <= CAPACITY  # nobody over capacity
    # Every agent speaks English and English tickets outnumber the room, so all room is used.
    assert sum(load.values()) == AGENTS * CAPACITY
    assert all(r.language in speaks[r.assignee_id] for r in rows if r.assignee_id is not None)
