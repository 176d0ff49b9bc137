"""The ticket page: conversation, reply and note forms, status, assignee, tags, order, history."""

from __future__ import annotations

import re

from careloop.accounts.model import Role
from careloop.tickets import queries
from careloop.tickets.model import MessageKind, Status


def _messages(html: str) -> list[tuple[str, str]]:
    """(kind, body) of each message in the conversation, in order."""
    return re.findall(
        r'<li class="message message-(\w+)".*?<div class="body">(.*?)</div>', html, re.S
    )


def test_reply_through_the_form_reaches_the_customer(sign_in, make_user, make_ticket, db):
    agent = make_user(Role.AGENT, name="Grace Okafor")
    browser = sign_in(agent)
    ticket = make_ticket()
    r = browser.post(f"/tickets/{ticket.id}/reply", {"body": "  Sorry! A new wig ships today.  "})
    assert r.status_code == 303 and r.headers["location"] == f"/tickets/{ticket.id}"
    page = browser.get(f"/tickets/{ticket.id}")
    assert _messages(page.text) == [
        ("customer", "Hair falls out when I brush it."),
        ("reply", "Sorry! A new wig ships today."),
    ]
    assert "Reply sent." in page.text  # the flash after the redirect
    stored = queries.get_ticket(db, ticket.id)
    assert stored.status == Status.OPEN and stored.first_response_at is not None
    last = queries.list_messages(db, ticket.id)[-1]
    assert last.kind == MessageKind.REPLY and last.author_user_id == agent.id


def test_htmx_reply_answers_with_the_updated_ticket(sign_in, make_user, make_ticket):
    browser = sign_in(make_user(Role.AGENT))
    ticket = make_ticket()
    r = browser.post(
        f"/tickets/{ticket.id}/reply",
        {"body": "Which length did you order?", "status": "pending"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    assert 'id="ticket-main"' in r.text
    assert ("reply", "Which length did you order?") in _messages(r.text)
    assert 'class="badge status-pending"' in r.text


def test_note_is_internal_and_looks_different(sign_in, make_user, make_ticket, db):
    browser = sign_in(make_user(Role.AGENT))
    ticket = make_ticket()
    assert browser.post(f"/tickets/{ticket.id}/note", {"body": "Batch B7 again"}).status_code == 303
    page = browser.get(f"/tickets/{ticket.id}").text
    assert ("note", "Batch B7 again") in _messages(page)
    assert "Internal note" in page
    stored = queries.get_ticket(db, ticket.id)
    assert stored.status == Status.NEW and stored.first_response_at is None


def test_empty_reply_is_refused_with_a_message_and_no_change(sign_in, make_user, make_ticket, db):
    browser = sign_in(make_user(Role.AGENT))
    ticket = make_ticket()
    r = browser.post(f"/tickets/{ticket.id}/reply", {"body": "   "})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert "Write a message first." in r.text
    assert len(queries.list_messages(db, ticket.id)) == 1


def test_reply_to_a_closed_ticket_shows_the_conflict(sign_in, make_user, make_ticket, db):
    browser = sign_in(make_user(Role.AGENT))
    ticket = make_ticket()
    for status in ("solved", "closed"):
        assert browser.post(f"/tickets/{ticket.id}/update", {"status": status}).status_code == 303
    page = browser.get(f"/tickets/{ticket.id}").text
    assert "This ticket is closed." in page and "/reply" not in page
    r = browser.post(f"/tickets/{ticket.id}/reply", {"body": "Hello again"})
    assert r.status_code == 409
    assert "This change is not possible now." in r.text and "is closed" in r.text
    assert "application/json" not in r.headers["content-type"]
    assert len(queries.list_messages(db, ticket.id)) == 1


def test_status_priority_and_assignee_change(sign_in, make_user, make_ticket, db):
    agent = make_user(Role.AGENT, name="Grace Okafor")
    browser = sign_in(agent)
    ticket = make_ticket()
    r = browser.post(
        f"/tickets/{ticket.id}/update",
        {"status": "pending", "priority": "urgent", "assignee": str(agent.id)},
    )
    assert r.status_code == 303
    stored = queries.get_ticket(db, ticket.id)
    assert (stored.status, stored.priority.value, stored.assignee_id) == (
        Status.PENDING,
        "urgent",
        agent.id,
    )
    page = browser.get(f"/tickets/{ticket.id}").text
    # The history names the change and the assignee by name.
    assert "changed the ticket" in page and "Grace Okafor" in page
    r = browser.post(f"/tickets/{ticket.id}/update", {"assignee": "none"})
    assert r.status_code == 303
    assert queries.get_ticket(db, ticket.id).assignee_id is None


def test_a_status_the_life_cycle_forbids_is_refused(sign_in, make_user, make_ticket, db):
    browser = sign_in(make_user(Role.AGENT))
    ticket = make_ticket()
    page = browser.get(f"/tickets/{ticket.id}").text
    update_form = page[page.index("/update") :]
    assert 'value="closed"' not in update_form.split("</form>")[0]  # not offered
    r = browser.post(f"/tickets/{ticket.id}/update", {"status": "closed"})
    assert r.status_code == 409
    assert "a new ticket cannot become closed" in r.text
    assert queries.get_ticket(db, ticket.id).status == Status.NEW


def test_tags_are_added_and_removed(sign_in, make_user, make_ticket, db):
    browser = sign_in(make_user(Role.AGENT))
    ticket = make_ticket(tags=["vip"])
    r = browser.post(f"/tickets/{ticket.id}/tags", {"tags": "Shedding, rush"})
    assert r.status_code == 303
    assert queries.get_ticket(db, ticket.id).tags == ["rush", "shedding", "vip"]
    r = browser.post(f"/tickets/{ticket.id}/tags/remove", {"tag": "vip"})
    assert r.status_code == 303
    assert queries.get_ticket(db, ticket.id).tags == ["rush", "shedding"]
    r = browser.post(f"/tickets/{ticket.id}/tags", {"tags": "no/slashes"})
    assert r.status_code == 422 and "no/slashes is not a tag" in r.text
    r = browser.post(f"/tickets/{ticket.id}/tags", {"tags": "<b>bold</b>"})
    assert "&lt;b&gt;bold&lt;/b&gt; is not a tag" in r.text  # input in a message stays text
    assert queries.get_ticket(db, ticket.id).tags == ["rush", "shedding"]


def test_page_shows_customer_order_lines_shipments_and_history(
    sign_in, make_user, make_order, make_ticket
):
    browser = sign_in(make_user(Role.AGENT))
    order = make_order()
    ticket = make_ticket(order_id=order.id, line_item_id=order.line_items[0].id)
    page = browser.get(f"/tickets/{ticket.id}").text
    assert "Amina Diallo 1" in page and f"/customers/{order.customer_id}" in page
    assert f"/orders/{order.id}" in page and "#1001" in page
    assert "LACE-18-NAT" in page and "B2026-10-07" in page
    assert "€189.90" in page  # money with its currency
    assert 'class="highlight"' in page  # the line the complaint is about
    assert "DHL" in page and "JD01460001" in page and "Delivered" in page
    assert "created the ticket" in page  # the audit trail, naming what it links
    assert "<ins>Amina Diallo 1</ins>" in page and "<ins>#1001</ins>" in page
    assert "<ins>API</ins>" in page  # the channel's label, not its code


def test_instants_are_shown_in_the_viewers_time_zone(sign_in, make_user, make_ticket):
    ticket = make_ticket()  # created at 09:00 UTC on 2 November 2026
    shanghai = sign_in(make_user(Role.AGENT, timezone="Asia/Shanghai"))
    page = shanghai.get(f"/tickets/{ticket.id}").text
    assert "Opened Nov 2, 2026, 17:00" in page
    shanghai.post("/logout")
    new_york = sign_in(make_user(Role.AGENT, timezone="America/New_York"))
    page = new_york.get(f"/tickets/{ticket.id}").text
    assert "Opened Nov 2, 2026, 04:00" in page  # EST, after the DST change of 1 November
    assert 'datetime="2026-11-02T09:00:00+00:00"' in page


def test_message_text_is_escaped(sign_in, make_user, make_ticket):
    browser = sign_in(make_user(Role.AGENT))
    ticket = make_ticket(body="<script>alert(1)</script>")
    page = browser.get(f"/tickets/{ticket.id}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_unknown_ticket_is_a_404_page(sign_in, make_user):
    browser = sign_in(make_user(Role.AGENT))
    r = browser.get("/tickets/999999")
    assert r.status_code == 404 and "This page does not exist." in r.text
    r = browser.post("/tickets/999999/note", {"body": "x"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
