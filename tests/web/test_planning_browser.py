"""The planning page in a real headless Chromium: a team lead opens Planning from the menu, sees
the forecast, staffing and coverage charts drawn, changes the weeks ahead and then the staffing
model, and each time the charts are drawn again from the new numbers while the address bar
follows. On a phone the charts fit the screen."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from careloop.accounts.model import Role
from tests.integration.test_demand import ORIGIN, add_tickets, weeks_of_tickets
from tests.web.conftest import PASSWORD
from tests.web.test_planning_pages import roster

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = os.environ.get("CARELOOP_SCREENSHOTS")  # a folder: keep pictures of the pages there

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]

# How many points the chart of one element draws in its first series, and a mark left on it.
CHART = "echarts.getInstanceByDom(document.getElementById(id))"
POINTS = f"(id) => {CHART}.getOption().series[0].data.length"
MARK = f"(id) => {{ {CHART}.__stale = true; }}"
SCHEDULED = (
    "(key) => JSON.parse(document.getElementById('data-' + key).textContent)"
    ".scheduled.reduce((a, b) => a + b, 0)"
)
FRESH = f"(id) => {{ const c = {CHART}; return !!c && !c.__stale; }}"


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_lead_changes_the_weeks_and_the_model(live_server, make_user, db, clock):
    from playwright.sync_api import expect, sync_playwright

    add_tickets(db, weeks_of_tickets(3))
    clock.set(ORIGIN + timedelta(minutes=20))
    roster(db, clock)
    lead = make_user(Role.SUPERVISOR, name="Ngozi Eze", timezone="UTC")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(
                viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
            )
            page.goto(f"{live_server.url}/login")
            page.get_by_label("E-mail").fill(lead.email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Planning").click()
            expect(page).to_have_url(re.compile(r"/planning$"))
            for chart in ("forecast-en", "staffing-en", "coverage-en", "forecast-de"):
                expect(page.locator(f"#chart-{chart} canvas")).to_have_count(1)
            page.wait_for_function(FRESH, arg="chart-staffing-en")
            # Two weeks of hourly intervals ahead.
            assert page.evaluate(POINTS, "chart-staffing-en") == 2 * 168
            expect(page.get_by_label("Patience (s)")).to_be_hidden()
            _shot(page, "planning")

            page.evaluate(MARK, "chart-staffing-en")
            page.get_by_label("Weeks ahead").select_option("1")
            expect(page).to_have_url(re.compile(r"/planning\?weeks=1$"))
            page.wait_for_function(FRESH, arg="chart-staffing-en")
            assert page.evaluate(POINTS, "chart-staffing-en") == 168

            # Erlang A: patience shows; a longer handling time needs more agents.
            page.evaluate(MARK, "chart-staffing-en")
            page.get_by_label("Staffing model").select_option("erlang_a")
            expect(page.get_by_label("Patience (s)")).to_be_visible()
            expect(page).to_have_url(
                re.compile(r"/planning\?weeks=1&model=erlang_a$"), timeout=20_000
            )
            page.wait_for_function(FRESH, arg="chart-staffing-en")
            before = page.evaluate(SCHEDULED, "staffing-en")
            page.evaluate(MARK, "chart-staffing-en")
            page.get_by_label("Handling time (s)").fill("1200")
            page.get_by_label("Handling time (s)").dispatch_event("change")
            expect(page).to_have_url(
                re.compile(r"model=erlang_a&handle_seconds=1200$"), timeout=20_000
            )
            page.wait_for_function(FRESH, arg="chart-staffing-en")
            assert page.evaluate(SCHEDULED, "staffing-en") > before

            # A value out of range stays in the form (the browser refuses it, nothing is
            # fetched); in the address it is a 422 page.
            page.evaluate(MARK, "chart-staffing-en")
            page.get_by_label("Patience (s)").fill("0")
            page.get_by_label("Patience (s)").dispatch_event("change")
            page.wait_for_timeout(600)  # past the form's 300 ms delay
            assert not page.evaluate(FRESH, "chart-staffing-en")  # the same chart as before
            expect(page).to_have_url(re.compile(r"model=erlang_a&handle_seconds=1200$"))
            r = page.goto(f"{live_server.url}/planning?weeks=9")
            assert r is not None and r.status == 422
            expect(page.locator("main")).to_contain_text("Please check what you entered")

            page.go_back()
            page.set_viewport_size({"width": 390, "height": 844})
            expect(page.locator("#chart-forecast-en canvas")).to_have_count(1)
            page.wait_for_timeout(300)  # the resize is debounced
            canvas = page.locator("#chart-forecast-en canvas").bounding_box()
            assert canvas is not None and canvas["width"] <= 390
            _shot(page, "planning-phone")
        finally:
            browser.close()
