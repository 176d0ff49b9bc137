"""The root-cause pages: the board by 8D stage (a fixed number of queries), opening a task from
a ticket, completing a stage and seeing it move, the receivers and their CSV, refusals shown
on the page; and in a real browser, a lead opens the board, a task, completes a stage."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from careloop.accounts.model import Role
from careloop.alerts import capa
from careloop.alerts.capa_schemas import CapaCreate, StageUpdate
from careloop.alerts.capa_tables import CapaStage, CapaTask
from tests.factories import ACTOR
from tests.web.conftest import PASSWORD

HX = {"HX-Request": "true"}
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def open_task(db, clock, title="Lace tears", **kw):
    kw.setdefault("category", "quality")
    return capa.open_capa_task(db, actor=ACTOR, now=clock.now(), data=CapaCreate(title=title, **kw))


def test_board_shows_columns_by_stage_with_owner_and_overdue(db, clock, make_user, sign_in):
    lead = make_user(Role.SUPERVISOR, name="Ngozi Okafor")
    a = open_task(db, clock, "Lace tears", sku="WIG-1", batch="B1", owner_id=lead.id)
    b = open_task(db, clock, "Parcels lost", category="logistics", carrier="DHL")
    capa.update_stage(
        db,
        actor=ACTOR,
        now=clock.now(),
        task_id=a,
        stage="d1",
        data=StageUpdate(due_on=date(2026, 10, 1)),
    )
    capa.complete_stage(db, actor=ACTOR, now=clock.now(), task_id=b, stage="d1")
    page = sign_in(lead).get("/capa")
    assert page.status_code == 200
    d1 = page.text.split('id="stage-d1"')[1].split("</section>")[0]
    assert f'id="capa-card-{a}"' in d1 and "Ngozi Okafor" in d1 and "Overdue" in d1
    d2 = page.text.split('id="stage-d2"')[1].split("</section>")[0]
    assert f'id="capa-card-{b}"' in d2
    only = sign_in(lead).get("/capa?category=logistics", headers=HX)
    assert f"capa-card-{a}" not in only.text and f"capa-card-{b}" in only.text
    mine = sign_in(lead).get(f"/capa?owner={lead.id}")
    assert f"capa-card-{a}" in mine.text and f"capa-card-{b}" not in mine.text


def test_the_board_reads_a_fixed_number_of_queries(db, clock, make_user, sign_in, count_queries):
    lead = make_user(Role.SUPERVISOR)
    browser = sign_in(lead)

    def queries_for(n: int) -> int:
        for k in range(n):
            task_id = open_task(db, clock, f"Task {k}", owner_id=lead.id, sku="S", batch=str(k))
            if k % 2:
                capa.complete_stage(db, actor=ACTOR, now=clock.now(), task_id=task_id, stage="d1")
        with count_queries() as seen:
            r = browser.get("/capa")
        assert r.status_code == 200
        return len(seen)

    # The session's user, the counts per stage, the ranked cards, the owner picker.
    assert queries_for(2) == queries_for(8) == 4


def test_open_from_a_ticket_complete_a_stage_and_see_it_move(
    db, clock, make_user, sign_in, make_ticket
):
    lead = make_user(Role.SUPERVISOR)
    ticket = make_ticket(sku="WIG-BW-16-NAT", batch="B2610-02", category="quality")
    browser = sign_in(lead)
    form = browser.get(f"/capa/new?ticket={ticket.id}")
    assert 'value="B2610-02"' in form.text and f'value="{ticket.id}"' in form.text
    r = browser.post(
        "/capa/new",
        {
            "title": "Lace tears",
            "category": "quality",
            "sku": "WIG-BW-16-NAT",
            "batch": "B2610-02",
            "ticket_ids": str(ticket.id),
        },
    )
    assert r.status_code == 303
    task_id = int(r.headers["location"].rsplit("/", 1)[1])
    page = browser.get(f"/capa/{task_id}")
    assert f"/tickets/{ticket.id}" in page.text and "Customers who received this batch" in page.text
    r = browser.post(f"/capa/{task_id}/stages/d1/done", headers=HX)
    assert r.status_code == 200 and "Stage done." in r.text
    with db.read() as s:
        assert s.get(CapaTask, task_id).stage == "d2"
        assert s.get(CapaStage, (task_id, "d1")).done_by_id == lead.id
    board = browser.get("/capa")
    assert (
        f'id="capa-card-{task_id}"' in board.text.split('id="stage-d2"')[1].split("</section>")[0]
    )


def test_refusals_are_shown_and_change_nothing(db, clock, make_user, sign_in):
    lead = make_user(Role.SUPERVISOR)
    browser = sign_in(lead)
    task_id = open_task(db, clock)
    r = browser.post(f"/capa/{task_id}/stages/d3/done")
    assert r.status_code == 409 and 'role="alert"' in r.text
    r = browser.post("/capa/new", {"title": "", "category": "quality"})
    assert r.status_code == 422
    r = browser.post(f"/capa/{task_id}/stages/d2", {"due_on": "someday"})
    assert r.status_code == 422
    r = browser.post(f"/capa/{task_id}/links", {"ticket_id": "99999"})
    assert r.status_code == 404
    with db.read() as s:
        assert list(s.scalars(select(CapaTask.id))) == [task_id]
        assert s.scalars(select(CapaStage).where(CapaStage.done_at.is_not(None))).first() is None
    viewer = sign_in(make_user(Role.VIEWER))
    assert viewer.get(f"/capa/{task_id}").status_code == 200
    assert viewer.post(f"/capa/{task_id}/stages/d1/done").status_code == 403
    assert "Mark done" not in viewer.get(f"/capa/{task_id}").text
    integrator = sign_in(make_user(Role.INTEGRATOR))
    assert integrator.get("/capa").status_code == 403


def test_the_board_speaks_chinese(db, clock, make_user, sign_in):
    lead = make_user(Role.SUPERVISOR)
    open_task(db, clock)
    page = sign_in(lead).get("/capa?lang=zh_Hans")
    assert page.status_code == 200 and 'lang="zh' in page.text


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
def test_a_lead_completes_a_stage_on_the_board(live_server, make_user, db, clock):
    from playwright.sync_api import expect, sync_playwright

    lead = make_user(Role.SUPERVISOR, name="Ngozi Okafor")
    task_id = open_task(
        db,
        clock,
        "Lace tears on B2642-02",
        sku="WIG-BDW-22-NAT",
        batch="B2642-02",
        owner_id=lead.id,
    )
    clock.advance(timedelta(minutes=1))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            page.goto(f"{live_server.url}/login")
            page.get_by_label("E-mail").fill(lead.email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.goto(f"{live_server.url}/capa")
            expect(page.get_by_role("heading", name="Root-cause tasks")).to_be_visible()
            expect(page.locator(f"#stage-d1 #capa-card-{task_id}")).to_be_visible()
            page.locator(f"#capa-card-{task_id} a").click()
            expect(page).to_have_url(re.compile(rf"/capa/{task_id}$"))
            page.get_by_role("button", name="Mark D1 Team done").click()
            expect(page.locator("#flash")).to_contain_text("Stage done.")
            expect(page.locator("#capa-stage-now")).to_contain_text("D2 Problem description")
            page.get_by_role("link", name="Root-cause tasks").first.click()
            expect(page.locator(f"#stage-d2 #capa-card-{task_id}")).to_be_visible()
            expect(page.locator(f"#stage-d1 #capa-card-{task_id}")).to_have_count(0)
        finally:
            browser.close()
