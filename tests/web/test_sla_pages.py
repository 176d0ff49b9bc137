"""The service level settings pages and the due instants on a ticket's page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from careloop.accounts.model import Role
from careloop.sla import actions as sla
from careloop.sla.tables import BusinessCalendar, SlaPolicy
from tests.web.conftest import ACTOR


def count(db, table) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(table))


CALENDAR_FORM = {
    "name": "Berlin office",
    "timezone": "Europe/Berlin",
    "windows": "mon 09:00-12:30 13:30-18:00\nfri 9:00-15:00",
    "holiday_country": "DE",
    "closed": "2026-12-24",
}


def test_an_admin_adds_a_calendar_and_a_policy(sign_in, make_user, db):
    browser = sign_in(make_user(Role.ADMIN))
    page = browser.get("/settings/sla")
    assert page.status_code == 200 and 'href="/settings/sla"' in page.text
    r = browser.post("/settings/sla/calendars", CALENDAR_FORM)
    assert r.status_code == 303, r.text
    with db.read() as s:
        cal = s.scalars(select(BusinessCalendar)).one()
    assert cal.windows == {
        "mon": [["09:00", "12:30"], ["13:30", "18:00"]],
        "fri": [["09:00", "15:00"]],
    }
    r = browser.post(
        "/settings/sla/policies",
        {
            "name": "VIP",
            "active": "1",
            "priorities": ["high", "urgent"],
            "customer_tiers": "vip, b2b",
            "first_response_minutes": "30",
            "resolution_minutes": "480",
            "calendar_id": str(cal.id),
            "warn_before_minutes": "10",
            "escalation": ["raise_priority", "reassign"],
        },
    )
    assert r.status_code == 303, r.text
    with db.read() as s:
        policy = s.scalars(select(SlaPolicy)).one()
    assert policy.conditions == {"priorities": ["high", "urgent"], "customer_tiers": ["b2b", "vip"]}
    assert policy.escalation == {"raise_priority": True, "notify_lead": False, "reassign": True}
    assert (policy.calendar_id, policy.first_response_minutes, policy.next_response_minutes) == (
        cal.id,
        30,
        None,
    )
    listing = browser.get("/settings/sla").text
    assert "VIP" in listing and "Berlin office" in listing
    edit = browser.get(f"/settings/sla/policies/{policy.id}")
    assert edit.status_code == 200 and 'value="30"' in edit.text
    r = browser.post(
        f"/settings/sla/policies/{policy.id}",
        {
            "name": "VIP",
            "position": "5",
            "first_response_minutes": "20",
            "warn_before_minutes": "5",
        },
    )
    assert r.status_code == 303, r.text
    with db.read() as s:
        changed = s.get_one(SlaPolicy, policy.id)
    assert (changed.position, changed.first_response_minutes, changed.active) == (5, 20, False)
    assert changed.calendar_id is None


def test_a_bad_calendar_form_is_shown_again_with_the_problem(sign_in, make_user, db):
    browser = sign_in(make_user(Role.ADMIN))
    bad = CALENDAR_FORM | {"windows": "mon 09:00-12:00 11:00-13:00"}
    r = browser.post("/settings/sla/calendars", bad)
    assert r.status_code == 422
    assert "overlap" in r.text and "11:00-13:00" in r.text  # the form keeps what was typed
    r = browser.post("/settings/sla/calendars", CALENDAR_FORM | {"windows": "mon nine-five"})
    assert r.status_code == 422
    assert count(db, BusinessCalendar) == 0


def test_a_calendar_is_edited_and_deleted(sign_in, make_user, db, clock):
    cal = sla.create_calendar(
        db,
        actor=ACTOR,
        now=clock.now(),
        values={
            "name": "Lagos",
            "timezone": "Africa/Lagos",
            "windows": {"mon": [["08:00", "16:00"]]},
        },
    )
    browser = sign_in(make_user(Role.ADMIN))
    assert "mon 08:00-16:00" in browser.get(f"/settings/sla/calendars/{cal.id}").text
    r = browser.post(
        f"/settings/sla/calendars/{cal.id}",
        {"name": "Lagos", "timezone": "Africa/Lagos", "windows": "tue 08:00-16:00", "closed": ""},
    )
    assert r.status_code == 303, r.text
    with db.read() as s:
        assert s.get_one(BusinessCalendar, cal.id).windows == {"tue": [["08:00", "16:00"]]}
    assert browser.post(f"/settings/sla/calendars/{cal.id}/delete").status_code == 303
    assert count(db, BusinessCalendar) == 0


def test_only_admins_see_the_pages(sign_in, make_user):
    browser = sign_in(make_user(Role.SUPERVISOR))
    assert browser.get("/settings/sla").status_code == 403
    assert browser.post("/settings/sla/policies", {"name": "x"}).status_code == 403


def test_the_pages_speak_chinese(sign_in, make_user):
    browser = sign_in(make_user(Role.ADMIN))
    page = browser.get("/settings/sla?lang=zh_Hans")
    assert page.status_code == 200


def test_a_ticket_page_shows_its_due_instants(sign_in, make_user, make_ticket, db, clock):
    sla.create_policy(
        db, actor=ACTOR, now=clock.now(), values={"name": "P", "first_response_minutes": 30}
    )
    ticket = make_ticket(channel="email", priority="normal")
    browser = sign_in(make_user(Role.AGENT))
    page = browser.get(f"/tickets/{ticket.id}").text
    assert "sla-due-at" in page and "sla-breached" not in page
    clock.advance(timedelta(hours=1))
    assert "sla-breached" in browser.get(f"/tickets/{ticket.id}").text
