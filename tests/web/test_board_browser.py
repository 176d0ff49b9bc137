"""The live board in a real headless Chromium: a lead opens it from the menu, sees a ticket
nobody on duty could take, gives it to an agent through the row's form and sees it leave the
queue; a ticket arriving meanwhile shows at the next refresh. Saves docs/board.png (README)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from careloop.accounts.model import Role
from careloop.tickets import actions as tickets
from careloop.tickets.schemas import TicketCreate
from careloop.tickets.tables import Ticket
from careloop.workforce import actions as workforce
from careloop.workforce import attendance
from tests.factories import ACTOR, make_agent, make_shift, ticket_payload
from tests.web.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "board.png"
H = timedelta(hours=1)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]


def _agent(db, clock, name, languages, capacity):
    agent = make_agent(db, clock, name=name, languages=languages, capacity=capacity, team="EU")
    make_shift(db, clock, agent.id, clock.now() - H, clock.now() + 7 * H)
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    return agent


def _ticket(db, clock, subject, language):
    payload = ticket_payload(subject=subject, language=language)
    payload.pop("customer")
    ticket, _ = tickets.create_ticket(
        db, actor=ACTOR, now=clock.now(), data=TicketCreate.model_validate(payload)
    )
    clock.advance(timedelta(minutes=4))
    return ticket


def test_lead_reassigns_a_waiting_ticket_from_the_board(live_server, make_user, db, clock):
    from playwright.sync_api import expect, sync_playwright

    workforce.create_team(db, actor=ACTOR, now=clock.now(), name="EU")
    _agent(db, clock, "Camille Martin", ("fr", "en"), 4)
    lena = _agent(db, clock, "Lena Wolf", ("en",), 3)
    german = _ticket(db, clock, "Perücke verliert Haare", "de")
    _ticket(db, clock, "Peluca enredada", "es")
    lead = make_user(Role.SUPERVISOR, name="Ngozi Okafor", timezone="Europe/Berlin")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{live_server.url}/login")
            page.get_by_label("E-mail").fill(lead.email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("link", name="Live board").click()
            expect(page).to_have_url(re.compile(r"/board$"))
            expect(page.get_by_role("heading", name="Live board")).to_be_visible()

            row = page.locator(f"#waiting-{german.id}")
            expect(row).to_contain_text("Perücke verliert Haare")
            expect(page.locator("#board-waiting")).to_have_text("2")
            expect(page.locator("#board-duty tbody tr")).to_have_count(2)
            # A ticket arriving now shows at the next refresh of the polled fragment.
            later = _ticket(db, clock, "Wig arrived tangled", "de")
            expect(page.locator(f"#waiting-{later.id}")).to_be_visible(timeout=10_000)
            expect(page.locator("#board-waiting")).to_have_text("3")
            expect(row).to_be_visible()
            page.evaluate("window.scrollTo(0, 0)")
            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            row.get_by_label(f"Assign ticket {german.id} to").select_option(str(lena.id))
            row.get_by_role("button", name="Assign").click()
            expect(page.locator("#board-live .flash-ok")).to_have_text("Ticket assigned.")
            expect(page.locator(f"#waiting-{german.id}")).to_have_count(0)
            expect(page.locator("#board-waiting")).to_have_text("2")
            expect(page.locator(f"#agent-{lena.id} .load")).to_have_text("1/3")
        finally:
            browser.close()
    with db.read() as s:
        assert s.get_one(Ticket, german.id).assignee_id == lena.id
