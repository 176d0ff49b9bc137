"""Grid views in a real headless Chromium: an agent opens Views from the menu, groups the ticket
grid by status, saves it, finds it in the list, then moves a card on the kanban and sees a move
the life cycle forbids refused. On a phone the grid scrolls sideways."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from careloop.accounts.model import Role
from careloop.tickets import actions
from careloop.tickets.schemas import TicketCreate, TicketUpdate
from careloop.tickets.tables import Ticket
from tests.factories import ACTOR, ticket_payload
from tests.web.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]


def _ticket(db, clock, subject, status=None):
    ticket, _ = actions.create_ticket(
        db,
        actor=ACTOR,
        now=clock.now(),
        data=TicketCreate.model_validate(ticket_payload(subject=subject)),
    )
    if status:
        ticket = actions.update_ticket(
            db, actor=ACTOR, now=clock.now(), ticket_id=ticket.id, data=TicketUpdate(status=status)
        )
    clock.advance(timedelta(minutes=5))
    return ticket


def test_agent_builds_a_grouped_view_saves_it_and_moves_a_card(live_server, make_user, db, clock):
    from playwright.sync_api import expect, sync_playwright

    waiting = _ticket(db, clock, "Wig arrived tangled")
    _ticket(db, clock, "Lace torn after a wash", "pending")
    solved = _ticket(db, clock, "Refund received, thanks", "solved")
    agent = make_user(Role.AGENT, name="Amina Bello", timezone="Africa/Lagos")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{live_server.url}/login")
            page.get_by_label("E-mail").fill(agent.email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Views").click()
            expect(page).to_have_url(re.compile(r"/views$"))
            page.get_by_role("link", name="New ticket grid").click()

            page.get_by_text("Columns, sorting and grouping").click()
            page.get_by_label("Level 1").select_option("status")
            page.get_by_role("button", name="Apply").click()
            expect(page).to_have_url(re.compile(r"group=status"))
            groups = page.locator("details.group > summary")
            expect(groups).to_have_count(3)
            expect(groups.first).to_contain_text("New")
            expect(groups.first).to_contain_text("1 row")
            groups.first.click()  # collapses the group
            expect(page.locator("details.group").first).not_to_have_attribute("open", "")

            page.locator("#save-view").get_by_label("Name").fill("By status")
            page.get_by_role("button", name="Save view").click()
            expect(page).to_have_url(re.compile(r"/views/\d+$"))
            expect(page.get_by_role("heading", name="By status", exact=True)).to_be_visible()
            expect(page.locator("#flash")).to_contain_text("View By status saved.")
            expect(page.locator("details.group > summary")).to_have_count(3)

            # On a phone the grid keeps its columns and scrolls sideways.
            page.set_viewport_size({"width": 375, "height": 800})
            wide = page.evaluate(
                "() => { const g = document.querySelector('#grid');"
                " return g.scrollWidth > g.clientWidth; }"
            )
            assert wide
            page.set_viewport_size({"width": 1280, "height": 900})

            page.get_by_role("link", name="Views", exact=True).first.click()
            expect(page.locator("#saved-views")).to_contain_text("By status")
            page.get_by_role("link", name="Kanban").click()
            card = page.locator(f"#card-{waiting.id}")
            expect(page.locator("#column-new")).to_contain_text("Wig arrived tangled")
            card.get_by_label(f"Move ticket {waiting.id} to").select_option("open")
            card.get_by_role("button", name="Move").click()
            expect(page.locator("#column-open")).to_contain_text("Wig arrived tangled")
            expect(page.locator("#column-new .count")).to_have_text("0")
            expect(page.locator("#flash")).to_contain_text(f"Ticket {waiting.id} moved.")

            done = page.locator(f"#card-{solved.id}")
            done.get_by_label(f"Move ticket {solved.id} to").select_option("pending")
            done.get_by_role("button", name="Move").click()
            expect(page.locator("#problem")).to_contain_text("This change is not possible now.")
            expect(page.locator("#column-solved")).to_contain_text("Refund received")
        finally:
            browser.close()
    with db.read() as s:
        assert s.get_one(Ticket, waiting.id).status.value == "open"
        assert s.get_one(Ticket, solved.id).status.value == "solved"
