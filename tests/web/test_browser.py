"""Through a real headless Chromium against a real server: sign in, open a ticket, reply."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from careloop.accounts.model import Role
from careloop.tickets import queries
from careloop.tickets.model import MessageKind

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]


def test_agent_signs_in_opens_a_ticket_and_replies(live_server, make_user, make_ticket, db):
    from playwright.sync_api import expect, sync_playwright

    agent = make_user(Role.AGENT, name="Grace Okafor", timezone="Africa/Lagos")
    ticket = make_ticket(subject="Lace lifting at the front", assignee_id=agent.id)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            page.goto(f"{live_server.url}/tickets/{ticket.id}")
            expect(page).to_have_url(re.compile(r"/login\?next="))
            page.get_by_label("E-mail").fill(agent.email)
            page.get_by_label("Password").fill("correct horse battery")
            page.get_by_role("button", name="Sign in").click()
            expect(page).to_have_url(f"{live_server.url}/tickets/{ticket.id}")
            expect(page.get_by_role("heading", name="Lace lifting at the front")).to_be_visible()
            assert page.evaluate("typeof htmx") == "object"  # served locally, loaded

            page.locator("#reply-body").fill("So sorry! A replacement ships today.")
            page.get_by_role("button", name="Send reply").click()

            reply = page.locator(".message-reply .body")
            expect(reply).to_have_text("So sorry! A replacement ships today.")
            # htmx swapped the ticket in place: the notice sits inside it, the form is empty.
            expect(page.locator("#ticket-main .flash-ok")).to_have_text("Reply sent.")
            expect(page.locator("#reply-body")).to_have_value("")
            expect(page.locator(".message-customer")).to_have_count(1)
        finally:
            browser.close()
    [_, stored] = queries.list_messages(db, ticket.id)
    assert stored.kind == MessageKind.REPLY and stored.author_user_id == agent.id
