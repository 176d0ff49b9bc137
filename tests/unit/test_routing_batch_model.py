"""Choosing for a batch against one snapshot (`choose_many`): the same choices as routing the
tickets one after another, with each agent's load growing as tickets are given out."""

from __future__ import annotations

from careloop.routing.model import (
    Policies,
    RoutingPolicy,
    Strategy,
    choose,
    choose_many,
    served_one,
)
from tests.unit.test_routing_model import NOW, agent, ticket


def one_by_one(tickets, candidates, policy):
    """What routing each ticket alone, with the loads updated between them, chooses."""
    pool = {c.agent_id: c for c in candidates}
    after = None
    out = {}
    for t in tickets:
        d = choose(t, list(pool.values()), policy, NOW, after_agent_id=after)
        if d is not None:
            pool[d.agent_id] = served_one(pool[d.agent_id], NOW)
            after = d.agent_id
            out[t.ticket_id] = d
    return out


def test_the_loads_grow_as_the_batch_gives_tickets_out():
    candidates = [agent(1, open_tickets=2), agent(2, open_tickets=0), agent(3, open_tickets=1)]
    tickets = [ticket(ticket_id=n) for n in range(1, 7)]
    made, last = choose_many(tickets, candidates, Policies(), NOW)
    assert [made[n].agent_id for n in range(1, 7)] == [2, 3, 2, 1, 2, 3]
    assert made == one_by_one(tickets, candidates, RoutingPolicy())
    assert last == 3


def test_round_robin_and_capacity_within_a_batch():
    candidates = [agent(1, capacity=1), agent(2, capacity=2), agent(3, capacity=1)]
    tickets = [ticket(ticket_id=n) for n in range(1, 7)]
    policy = RoutingPolicy(strategy=Strategy.ROUND_ROBIN)
    made, _ = choose_many(tickets, candidates, Policies(default=policy), NOW)
    assert {n: d.agent_id for n, d in made.items()} == {1: 1, 2: 2, 3: 3, 4: 2}
    assert made == one_by_one(tickets, candidates, policy)


def test_an_avoided_agent_does_not_get_that_ticket_but_others():
    candidates = [agent(1), agent(2, open_tickets=3)]
    tickets = [ticket(ticket_id=1), ticket(ticket_id=2)]
    made, _ = choose_many(tickets, candidates, Policies(), NOW, avoid={1: 1})
    assert (made[1].agent_id, made[2].agent_id) == (2, 1)
