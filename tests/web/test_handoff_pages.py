"""Hand-off through the pages: the assignee opening the ticket page marks it opened (nobody
else does), and clocking out on "my shifts" or by a lead hands unanswered tickets on."""

from __future__ import annotations

from datetime import timedelta

from careloop.accounts.model import Role
from careloop.routing import actions as routing
from careloop.tickets.tables import Ticket
from careloop.workforce import actions, attendance
from tests.factories import ACTOR, make_agent, make_shift
from tests.web.conftest import PASSWORD

H = timedelta(hours=1)


def agent_with_login(db, clock, name: str):
    agent = actions.create_agent(
        db,
        actor=ACTOR,
        now=clock.now(),
        name=name,
        email=f"{name.lower()}@careloop.example",
        profile=actions.AgentProfile.checked(languages=["en"], timezone="UTC", capacity=5),
        password=PASSWORD,
    )
    make_shift(db, clock, agent.user_id, clock.now() - H, clock.now() + 7 * H)
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.user_id)
    return agent


def routed_ticket(db, clock, make_ticket) -> int:
    ticket = make_ticket()
    routing.route_ticket(db, ticket_id=ticket.id, now=clock.now())
    return ticket.id


def stored(db, ticket_id: int) -> Ticket:
    with db.read() as s:
        return s.get_one(Ticket, ticket_id)


def test_only_the_assignee_opening_the_page_marks_it_opened(
    db, clock, sign_in, make_user, make_ticket
):
    amara = agent_with_login(db, clock, "Amara")
    ticket_id = routed_ticket(db, clock, make_ticket)
    assert stored(db, ticket_id).assignee_id == amara.user_id

    lead = sign_in(make_user(Role.SUPERVISOR))
    assert lead.get(f"/tickets/{ticket_id}").status_code == 200
    assert stored(db, ticket_id).seen_at is None

    me = sign_in(amara.user)
    clock.advance(timedelta(minutes=3))
    assert me.get(f"/tickets/{ticket_id}").status_code == 200
    opened = clock.now()
    clock.advance(timedelta(minutes=3))
    assert me.get(f"/tickets/{ticket_id}").status_code == 200
    assert stored(db, ticket_id).seen_at == opened


def test_clocking_out_on_my_shifts_hands_tickets_on(db, clock, sign_in, make_ticket):
    amara = agent_with_login(db, clock, "Amara")
    ticket_id = routed_ticket(db, clock, make_ticket)
    other = make_agent(db, clock)
    make_shift(db, clock, other.id, clock.now() - H, clock.now() + 7 * H)
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=other.id)

    r = sign_in(amara.user).post("/me/shifts/clock-out")
    assert r.status_code == 303
    assert stored(db, ticket_id).assignee_id == other.id


def test_a_lead_clocking_an_agent_out_hands_their_tickets_back(
    db, clock, sign_in, make_user, make_ticket
):
    amara = agent_with_login(db, clock, "Amara")
    ticket_id = routed_ticket(db, clock, make_ticket)
    lead = sign_in(make_user(Role.SUPERVISOR))
    r = lead.post(f"/attendance/{amara.user_id}/clock-out")
    assert r.status_code == 303
    assert stored(db, ticket_id).assignee_id is None  # nobody else on duty: queued


def test_solving_on_the_ticket_page_hands_the_agent_the_next_waiting_ticket(
    db, clock, sign_in, make_ticket
):
    amara = agent_with_login(db, clock, "Amara")
    actions.update_agent(
        db, actor=ACTOR, now=clock.now(), agent_id=amara.user_id, changes={"capacity": 1}
    )
    held = routed_ticket(db, clock, make_ticket)
    waiting = routed_ticket(db, clock, make_ticket)
    assert (stored(db, held).assignee_id, stored(db, waiting).assignee_id) == (amara.user_id, None)

    me = sign_in(amara.user)
    r = me.post(f"/tickets/{held}/reply", {"body": "A new unit is on its way.", "status": "solved"})
    assert r.status_code in (200, 303), r.text
    assert stored(db, waiting).assignee_id == amara.user_id  # room freed, the queue drained


def test_unassigning_on_the_ticket_page_offers_it_to_someone_on_duty(
    db, clock, sign_in, make_user, make_ticket
):
    amara = agent_with_login(db, clock, "Amara")
    ticket_id = routed_ticket(db, clock, make_ticket)
    lead = sign_in(make_user(Role.SUPERVISOR))
    r = lead.post(f"/tickets/{ticket_id}/update", {"assignee": "none"})
    assert r.status_code in (200, 303), r.text
    # Back in the queue, and routing gives it out again at once: Amara is on duty with room.
    assert stored(db, ticket_id).assignee_id == amara.user_id
