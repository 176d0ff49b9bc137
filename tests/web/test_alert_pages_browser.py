"""The alert inbox in a real headless Chromium: a team lead opens Alerts from the menu, sees the
firing alert with its delivered notification, acknowledges it and finds it under the
acknowledged tab; then previews a rule and sees the chart drawn."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from careloop.accounts.model import Role
from tests.web.conftest import PASSWORD
from tests.web.test_alert_pages import fire
from tests.web.test_alert_pages import hook as hook  # the receiver fixture

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]


def test_a_lead_acknowledges_an_alert_from_the_inbox(live_server, make_user, db, clock, hook):
    from playwright.sync_api import expect, sync_playwright

    [alert_id] = fire(db, clock, hook)
    lead = make_user(Role.SUPERVISOR, name="Ngozi Eze", timezone="UTC")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 800})  # a phone
            page.goto(f"{live_server.url}/login")
            page.get_by_label("E-mail").fill(lead.email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
            expect(page).to_have_url(re.compile(r"/alerts$"))
            card = page.locator(f"#alert-{alert_id}")
            expect(card).to_contain_text("sku=W-1")
            expect(card).to_contain_text("Delivered")
            card.get_by_role("button", name="Acknowledge").click()
            expect(page).to_have_url(re.compile(r"/alerts\?tab=acknowledged$"))
            expect(page.locator(f"#alert-{alert_id}")).to_contain_text("Acknowledged by Ngozi Eze")
            page.locator("#tab-firing").click()
            expect(page.locator(f"#alert-{alert_id}")).to_have_count(0)
            expect(page.locator("#alerts")).to_contain_text("No alerts here.")

            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"{live_server.url}/alerts/rules")
            page.get_by_role("link", name="Quality complaints by batch").click()
            # A supervisor may not save rules, but may preview one.
            expect(page.get_by_role("button", name="Save rule")).to_have_count(0)
            page.get_by_role("button", name="Preview the last 90 days").click()
            expect(page.locator("#preview-count")).to_contain_text("It would have fired")
            expect(page.locator("#preview-chart canvas")).to_have_count(1)
        finally:
            browser.close()
