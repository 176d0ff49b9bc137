"""The dashboards in a real headless Chromium: a team lead opens Insights from the menu, sees the
charts drawn, narrows the overview to one country, clicks the bar of the SKU and batch with the
most complaints per 1,000 orders and lands on the ticket grid showing exactly those tickets.
On a phone the panels stack in one column and the charts shrink with it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from careloop.accounts.model import Role
from tests.web.conftest import PASSWORD
from tests.web.test_insights_pages import plant

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = os.environ.get("CARELOOP_SCREENSHOTS")  # a folder: keep pictures of the pages there

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]

# Where the bar of one category sits on a horizontal bar chart, in the page's pixels.
BAR_CENTRE = """([id, label]) => {
  const el = document.getElementById(id);
  const chart = echarts.getInstanceByDom(el);
  const spec = JSON.parse(document.getElementById(el.dataset.chart).textContent);
  const index = spec.points.findIndex((p) => p.label === label);
  const end = chart.convertToPixel({seriesIndex: 0}, [spec.points[index].value, index]);
  const start = chart.convertToPixel({seriesIndex: 0}, [0, index]);
  const box = el.getBoundingClientRect();
  return [box.left + (start[0] + end[0]) / 2, box.top + end[1]];
}"""


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_lead_filters_the_overview_and_drills_into_a_bar(live_server, make_user, db, clock):
    from playwright.sync_api import expect, sync_playwright

    tickets = plant(db, clock)
    lead = make_user(Role.SUPERVISOR, name="Ngozi Eze", timezone="UTC")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            # Charts drawn without animation (as for anyone who asks for less motion), so a bar
            # is where it ends up when it is clicked.
            page = browser.new_page(
                viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
            )
            page.goto(f"{live_server.url}/login")
            page.get_by_label("E-mail").fill(lead.email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            nav = page.get_by_role("navigation", name="Main")
            nav.get_by_role("link", name="Insights").click()
            expect(page).to_have_url(re.compile(r"/insights$"))
            expect(page.locator("#card-complaints .card-value")).to_have_text("6")
            expect(page.locator("#chart-top-skus canvas")).to_have_count(1)
            expect(page.locator("#chart-map-complaints canvas")).to_have_count(1)
            _shot(page, "overview")

            page.locator("#insights-filters select[name=country]").select_option("US")
            page.get_by_role("button", name="Apply").click()
            expect(page).to_have_url(re.compile(r"/insights\?period=30d&country=US$"))
            expect(page.locator("#card-complaints .card-value")).to_have_text("4")
            expect(page.locator("#chart-top-skus canvas")).to_have_count(1)

            # The periodic refresh swaps the panels in and draws the charts again.
            page.evaluate(
                "() => { const live = document.getElementById('insights-live');"
                " live.querySelector('.insights-cards').dataset.stale = 'yes';"
                " const url = live.getAttribute('hx-get');"
                " htmx.ajax('GET', url, {target: live, swap: 'innerHTML'}); }"
            )
            expect(page.locator(".insights-cards[data-stale]")).to_have_count(0)
            expect(page.locator("#card-complaints .card-value")).to_have_text("4")
            expect(page.locator("#chart-top-skus canvas")).to_have_count(1)
            page.wait_for_function(
                "() => echarts.getInstanceByDom(document.getElementById('chart-top-skus'))"
            )
            page.locator("#chart-top-skus").scroll_into_view_if_needed()
            x, y = page.evaluate(BAR_CENTRE, ["chart-top-skus", "W-1 · B2"])
            page.mouse.click(x, y)

            expect(page).to_have_url(re.compile(r"/views/tickets\?"))
            for part in ("sku%3Aeq%3AW-1", "batch%3Aeq%3AB2", "country%3Aeq%3AUS"):
                assert part in page.url
            grid = page.locator("#grid")
            expect(grid).to_contain_text(tickets["t1"].subject)
            expect(grid).to_contain_text(tickets["t6"].subject)
            expect(grid).not_to_contain_text(tickets["t2"].subject)  # Lagos
            expect(grid).not_to_contain_text(tickets["t3"].subject)  # no SKU
            _shot(page, "drilled")

            page.go_back()
            page.set_viewport_size({"width": 390, "height": 844})
            expect(page.locator("#chart-types canvas")).to_have_count(1)
            page.wait_for_timeout(300)  # the resize is debounced
            widths = page.evaluate(
                "() => ['panel-types', 'panel-top-skus', 'panel-trend'].map((id) =>"
                " document.getElementById(id).getBoundingClientRect().left)"
            )
            assert len(set(widths)) == 1  # one column
            canvas = page.locator("#chart-types canvas").bounding_box()
            assert canvas is not None and canvas["width"] <= 390
            _shot(page, "phone")
        finally:
            browser.close()
