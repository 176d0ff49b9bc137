"""The live board page: a lead sees the queue, who is on duty and the SLA, in English and in
Chinese and in their own time zone; gives a waiting ticket to an agent or back to the queue
(audited), acknowledges SLA events; the polled fragment reads a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from careloop.accounts.model import Role
from careloop.sla.tables import SlaEvent
from careloop.storage.audit import AuditEntry
from careloop.tickets import actions as tickets
from careloop.tickets.schemas import TicketCreate, TicketUpdate
from careloop.tickets.tables import Ticket
from careloop.workforce import attendance
from tests.factories import ACTOR, make_agent, make_shift, ticket_payload

H = timedelta(hours=1)
M = timedelta(minutes=1)
HX = {"HX-Request": "true"}


def on_duty(db, clock, *, clock_in=True, **kw):
    agent = make_agent(db, clock, **kw)
    make_shift(db, clock, agent.id, clock.now() - H, clock.now() + 7 * H)
    if clock_in:
        attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    return agent


def waiting(db, clock, subject="Lace tore after one wash", **overrides):
    """A ticket stored without routing, as when nobody could take it."""
    payload = ticket_payload(subject=subject, **overrides)
    payload.pop("customer")
    ticket, _ = tickets.create_ticket(
        db, actor=ACTOR, now=clock.now(), data=TicketCreate.model_validate(payload)
    )
    clock.advance(M)
    return ticket


def stored(db, ticket_id):
    with db.read() as s:
        return s.get_one(Ticket, ticket_id)


def audits(db, ticket_id):
    with db.read() as s:
        return list(
            s.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity_type == "ticket", AuditEntry.entity_id == ticket_id)
                .order_by(AuditEntry.id)
            )
        )


@pytest.fixture
def lead(make_user):
    return make_user(Role.SUPERVISOR, name="Ngozi Okafor", timezone="Asia/Shanghai")


def test_the_board_shows_queue_duty_and_sla_in_english_and_chinese(db, clock, sign_in, lead):
    kofi = on_duty(db, clock, name="Kofi Mensah", languages=("fr",), capacity=4)
    ticket = waiting(db, clock, language="de", subject="Perücke verliert Haare")
    with db.write() as s:
        s.get_one(Ticket, ticket.id).first_response_due_at = clock.now() - 3 * M
    browser = sign_in(lead)
    page = browser.get("/board")
    assert page.status_code == 200
    html = page.text
    assert '<a href="/board" aria-current="page">Live board</a>' in html
    assert 'hx-get="/board/live?team=&amp;language="' in html and "every 5s" in html
    assert f'id="waiting-{ticket.id}"' in html and "Perücke verliert Haare" in html
    assert 'data-group="language:de"' in html
    assert f'id="agent-{kofi.id}"' in html and "0/4" in html
    assert "17:00" in html  # Kofi clocked in at 09:00 UTC: 17:00 in Shanghai
    assert f'id="sla-{ticket.id}"' in html and "First response" in html
    # Nobody on duty speaks German: the form still offers Kofi, among the others with room.
    assert f'<option value="{kofi.id}">Kofi Mensah (0/4)</option>' in html
    assert 'label="Others with room"' in html and 'label="Can take it"' not in html

    zh = browser.get("/board?lang=zh_Hans").text
    assert '<html lang="zh-Hans">' in zh
    assert "团队" in zh and "德语" in zh  # "Team", and German named in Chinese
    assert f'id="waiting-{ticket.id}"' in zh


def test_only_leads_see_the_board(db, clock, sign_in, make_user):
    agent = sign_in(make_user(Role.AGENT))
    assert agent.get("/board").status_code == 403
    assert agent.get("/board/live").status_code == 403
    assert 'href="/board"' not in agent.get("/tickets").text
    assert agent.post("/board/tickets/1/assign", {"agent": "queue"}).status_code == 403


def test_the_live_fragment_reads_a_fixed_number_of_queries(db, clock, sign_in, lead, count_queries):
    browser = sign_in(lead)

    def queries_for(n: int) -> int:
        for k in range(n):
            agent = on_duty(db, clock, languages=("en",), capacity=1)
            on_duty(db, clock, clock_in=False)
            t = waiting(db, clock, language=("en", "fr", "de")[k % 3], category="quality")
            tickets.update_ticket(
                db,
                actor=ACTOR,
                now=clock.now(),
                ticket_id=t.id,
                data=TicketUpdate(assignee_id=agent.id),
            )
            with db.write() as s:
                s.get_one(Ticket, t.id).resolution_due_at = clock.now() - M * (k + 1)
                s.add(
                    SlaEvent(
                        ticket_id=t.id,
                        target="resolution",
                        kind="breach",
                        due_at=clock.now(),
                        at=clock.now(),
                        actions={},
                    )
                )
            waiting(db, clock, language="es", channel="chat")
        with count_queries() as seen:
            r = browser.get("/board/live", headers=HX)
        assert r.status_code == 200
        return len(seen)

    # The session's user, the teams, then the board: the on-duty read and the load, four
    # timeline reads, the queue's groups, the SLA lists and the events, the head of the queue
    # and its tickets.
    assert queries_for(2) == queries_for(6) == 14


def test_a_lead_gives_a_waiting_ticket_to_an_agent_and_it_is_audited(db, clock, sign_in, lead):
    amara = on_duty(db, clock, name="Amara Obi", languages=("en",), capacity=0)  # full
    ticket = waiting(db, clock, language="en")
    amara_room = on_duty(db, clock, name="Bola Ade", languages=("yo",), capacity=3)
    browser = sign_in(lead)
    html = browser.get("/board").text
    assert f'id="waiting-{ticket.id}"' in html
    assert f'<option value="{amara.id}">' not in html  # no room

    r = browser.post(
        f"/board/tickets/{ticket.id}/assign",
        {"agent": str(amara_room.id), "team": "", "language": "en"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/board?team=&language=en"
    assert stored(db, ticket.id).assignee_id == amara_room.id
    [*_, last] = audits(db, ticket.id)
    assert last.action == "updated" and last.actor_id == lead.id
    assert last.changes["assignee_id"] == {"before": None, "after": amara_room.id}
    page = browser.get(r.headers["location"]).text
    assert "Ticket assigned." in page and f'id="waiting-{ticket.id}"' not in page


def test_back_to_the_queue_through_htmx(db, clock, sign_in, lead):
    away = on_duty(db, clock, name="Away", clock_in=False)
    ticket = waiting(db, clock, language="en")
    tickets.update_ticket(
        db,
        actor=ACTOR,
        now=clock.now(),
        ticket_id=ticket.id,
        data=TicketUpdate(assignee_id=away.id),
    )
    with db.write() as s:
        s.get_one(Ticket, ticket.id).first_response_due_at = clock.now() + 10 * M
    browser = sign_in(lead)
    html = browser.get("/board").text
    assert f'id="sla-{ticket.id}"' in html and 'value="queue"' in html  # at risk, assigned

    r = browser.post(f"/board/tickets/{ticket.id}/assign", {"agent": "queue"}, headers=HX)
    assert r.status_code == 200
    assert "Ticket back in the queue." in r.text and f'id="waiting-{ticket.id}"' in r.text
    assert "<html" not in r.text  # the fragment alone
    assert stored(db, ticket.id).assignee_id is None


@pytest.mark.parametrize(
    ("path", "agent", "status"),
    [
        ("/board/tickets/{tid}/assign", "999999", 422),  # nobody
        ("/board/tickets/{tid}/assign", "{viewer}", 422),  # not someone who takes tickets
        ("/board/tickets/{tid}/assign", "Kofi", 422),
        ("/board/tickets/{tid}/assign", "", 422),
        ("/board/tickets/999999/assign", "{aid}", 404),
        ("/board/tickets/0/assign", "{aid}", 422),
        ("/board/sla-events/999999/acknowledge", "", 404),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    db, clock, sign_in, lead, make_user, path, agent, status
):
    kofi = on_duty(db, clock, name="Kofi Mensah")
    viewer = make_user(Role.VIEWER)
    ticket = waiting(db, clock, language="de")
    before = len(audits(db, ticket.id))
    browser = sign_in(lead)
    values = {"tid": ticket.id, "aid": kofi.id, "viewer": viewer.id}
    r = browser.post(path.format(**values), {"agent": agent.format(**values)})
    assert r.status_code == status
    assert stored(db, ticket.id).assignee_id is None
    assert len(audits(db, ticket.id)) == before


def test_a_form_without_the_csrf_token_is_refused(db, clock, sign_in, lead):
    kofi = on_duty(db, clock)
    ticket = waiting(db, clock, language="de")
    browser = sign_in(lead)
    r = browser.client.post(
        f"/board/tickets/{ticket.id}/assign", data={"agent": str(kofi.id)}, follow_redirects=False
    )
    assert r.status_code == 403
    assert stored(db, ticket.id).assignee_id is None


def test_acknowledging_an_sla_event_takes_it_off_the_board(db, clock, sign_in, lead):
    ticket = waiting(db, clock, language="en", subject="Where is my parcel")
    with db.write() as s:
        event = SlaEvent(
            ticket_id=ticket.id,
            target="first_response",
            kind="breach",
            due_at=clock.now() - M,
            at=clock.now(),
            actions={},
        )
        s.add(event)
        s.flush()
        event_id = event.id
    browser = sign_in(lead)
    assert f'id="event-{event_id}"' in browser.get("/board").text
    r = browser.post(f"/board/sla-events/{event_id}/acknowledge", headers=HX)
    assert r.status_code == 200 and "Event acknowledged." in r.text
    assert f'id="event-{event_id}"' not in r.text
    with db.read() as s:
        acked = s.get_one(SlaEvent, event_id)
    assert acked.acknowledged_by == lead.id and acked.acknowledged_at == clock.now()
