"""The roster page in a real headless Chromium: a lead opens the "Edit roster" panel, adds a
draft shift through the form, sees its bar, moves it by editing its time and sees the bar move,
publishes the week and sees it published. Saves docs/roster.png for the README."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from careloop.accounts.model import Role
from careloop.workforce import actions, leave
from careloop.workforce.model import LeaveKind, ShiftStatus, local_day, shift_instants
from careloop.workforce.tables import Shift
from tests.factories import ACTOR, make_shift
from tests.web.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "roster.png"
WEEK = date(2026, 11, 9)  # Armistice Day (11 November) is a holiday in France

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]

TEAM = [
    ("Lena Wolf", ("de", "en"), "Europe/Berlin", "DE", ("07:00", "15:00")),
    ("Camille Martin", ("fr", "en"), "Europe/Paris", "FR", ("07:00", "15:00")),
    ("Kofi Mensah", ("en", "fr"), "Africa/Accra", "GH", ("14:00", "22:00")),
    ("Lucía Gómez", ("es", "en"), "Europe/Madrid", "ES", ("15:00", "23:00")),
    ("Amina Diallo", ("fr", "en"), "Africa/Dakar", "SN", ("22:00", "06:00")),
]


def _roster(db, clock) -> tuple[int, list[int]]:
    """A team working a week of published shifts, one of them on a vacation day."""
    team = actions.create_team(db, actor=ACTOR, now=clock.now(), name="EU & Africa").id
    ids = []
    for n, (name, langs, zone, country, (start, end)) in enumerate(TEAM):
        agent = actions.create_agent(
            db,
            actor=ACTOR,
            now=clock.now(),
            name=name,
            email=f"agent{n}@careloop.example",
            profile=actions.AgentProfile.checked(
                languages=langs, timezone=zone, capacity=6, country=country
            ),
            team="EU & Africa",
        )
        ids.append(agent.user_id)
        for offset in range(7):
            day = WEEK + timedelta(days=offset)
            if (offset + n) % 7 in (5, 6):  # two days off, staggered
                continue
            if n == 3 and offset == 4:
                continue  # on vacation that day
            span = shift_instants(day, time.fromisoformat(start), time.fromisoformat(end), zone)
            make_shift(db, clock, agent.user_id, span.start, span.end)
    off = local_day(WEEK + timedelta(days=4), "Europe/Madrid")
    leave.add_leave(
        db,
        actor=ACTOR,
        now=clock.now(),
        agent_id=ids[3],
        kind=LeaveKind.VACATION,
        starts_at=off.start,
        ends_at=off.end,
    )
    return team, ids


def test_lead_adds_moves_and_publishes_a_draft(live_server, make_user, db, clock):
    from playwright.sync_api import expect, sync_playwright

    team, ids = _roster(db, clock)
    lead = make_user(Role.SUPERVISOR, name="Ngozi Okafor", timezone="Europe/Berlin")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{live_server.url}/login")
            page.get_by_label("E-mail").fill(lead.email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("link", name="Roster").click()
            expect(page).to_have_url(re.compile(r"/roster$"))
            expect(page.get_by_role("heading", name="Roster")).to_be_visible()
            page.goto(f"{live_server.url}/roster?week={WEEK.isoformat()}&team={team}")
            expect(page.locator(".bar-published").first).to_be_visible()
            expect(page.locator(".holiday")).to_have_count(1)  # Armistice Day, France
            expect(page.locator(".leave-vacation")).to_have_count(1)
            expect(page.locator(".bar-draft")).to_have_count(0)

            form = page.locator("form.draft-form")
            expect(form).to_be_hidden()  # the panel is closed until asked for
            page.get_by_text("Edit roster", exact=True).click()
            form.get_by_label("Agent").select_option(label="Lucía Gómez")
            form.get_by_label("Day").fill("2026-11-12")
            form.get_by_label("Starts").fill("10:00")
            form.get_by_label("Ends").fill("18:00")
            form.get_by_role("button", name="Add draft").click()

            draft = page.locator(".bar-draft")
            expect(draft).to_have_count(1)
            expect(draft.locator(".bar-label")).to_have_text("10:00\u201318:00")
            expect(page.locator("#roster-main .flash-ok")).to_have_text("Draft shift added.")
            expect(form).to_be_visible()  # the panel stays open for the next change
            left = _left(draft)

            # Clicking the bar opens its editor; two hours later moves the bar right.
            draft.locator("a.bar-edit").click()
            editor = page.locator("#shift-edit")
            expect(editor).to_be_visible()
            expect(editor.get_by_label("Starts")).to_have_value("10:00")
            expect(page).to_have_url(re.compile(r"/roster/shifts/\d+/edit"))
            editor.get_by_label("Starts").fill("12:00")
            editor.get_by_label("Ends").fill("20:00")
            editor.get_by_role("button", name="Save shift").click()
            expect(page.locator("#roster-main .flash-ok")).to_have_text("Shift saved.")
            expect(editor).to_have_count(0)
            expect(draft.locator(".bar-label")).to_have_text("12:00\u201320:00")
            assert _left(draft) == pytest.approx(left + 100 * 2 / 168, abs=1e-3)
            expect(page).to_have_url(re.compile(r"/roster\?week="))

            publish = page.get_by_role("button", name=re.compile(r"Publish week \(drafts: 1\)"))
            expect(publish).to_be_enabled()
            page.evaluate("window.scrollTo(0, 0)")
            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))

            publish.click()
            expect(page.locator("#roster-main .flash-ok")).to_have_text("Shifts published: 1.")
            expect(page.locator(".bar-draft")).to_have_count(0)
            expect(page.get_by_role("button", name=re.compile("Publish week"))).to_be_disabled()
        finally:
            browser.close()
    with db.read() as s:
        added = s.scalar(
            select(Shift).where(
                Shift.agent_id == ids[3],
                Shift.starts_at == datetime(2026, 11, 12, 11, 0, tzinfo=UTC),  # 12:00 in Berlin
            )
        )
    assert added is not None and added.status == ShiftStatus.PUBLISHED
    assert added.ends_at == datetime(2026, 11, 12, 19, 0, tzinfo=UTC)


def _left(bar) -> float:
    """The bar's offset on the week's timeline, in percent, from its inline style."""
    found = re.search(r"left: ([\d.]+)%", bar.get_attribute("style") or "")
    assert found, "the bar has no position"
    return float(found.group(1))
