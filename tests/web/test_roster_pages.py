"""The workforce pages: the roster week in the viewer's zone with coverage by language, editing
and publishing drafts, the iCalendar feed, today's attendance and "my shifts"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from careloop.accounts.model import Role
from careloop.workforce import actions, calendar
from careloop.workforce.model import ShiftStatus, shift_instants
from careloop.workforce.tables import ClockInRow, Shift, ShiftNotice
from tests.factories import ACTOR, make_agent, make_shift
from tests.web.conftest import PASSWORD

MONDAY = date(2026, 11, 2)  # the fake clock starts on this Monday at 09:00 UTC


def _team(db, clock, name: str = "EU care") -> int:
    return actions.create_team(db, actor=ACTOR, now=clock.now(), name=name).id


def _berlin(day: date, start: str, end: str):
    return shift_instants(day, time.fromisoformat(start), time.fromisoformat(end), "Europe/Berlin")


@dataclass
class Login:
    """What the sign-in helper needs, and the agent's id and feed secret."""

    id: int
    email: str
    calendar_token: str


def _agent_with_login(db, clock, *, name: str, team: str | None = None, tz: str = "Europe/Berlin"):
    """An agent who can sign in (the factory's agents have no password)."""
    email = f"{name.split()[0].lower()}@careloop.example"
    agent = actions.create_agent(
        db,
        actor=ACTOR,
        now=clock.now(),
        name=name,
        email=email,
        profile=actions.AgentProfile.checked(languages=["en"], timezone=tz, capacity=5),
        team=team,
        password=PASSWORD,
    )
    return Login(agent.user_id, email, agent.calendar_token)


def _bars(html: str) -> list[dict[str, str]]:
    """Each shift bar of the roster: id, status, position and label."""
    found = re.findall(
        r'<div class="bar bar-(\w+)[^"]*" id="shift-(\d+)"'
        r'.*?style="left: ([\d.]+)%; width: ([\d.]+)%"'
        r'.*?<span class="bar-label">([^<]*)</span>',
        html,
        re.S,
    )
    return [
        {"status": s, "id": i, "left": left, "width": width, "label": label}
        for s, i, left, width, label in found
    ]


def _coverage(html: str, language: str) -> list[tuple[str, int, int]]:
    """(hour start, published, with drafts) of each cell of a language's coverage row."""
    row = html.split(f'data-language="{language}"', 1)[1].split('class="roster-line', 1)[0]
    return [
        (hour, int(p), int(d))
        for hour, p, d in re.findall(
            r'data-hour="([^"]+)" data-published="(\d+)" data-drafts="(\d+)"', row
        )
    ]


# --- the roster week ---------------------------------------------------------------------------


def test_bars_show_local_times_of_the_viewer(db, clock, sign_in, make_user):
    team = _team(db, clock)
    agent = make_agent(db, clock, name="Lena Wolf", languages=("de", "en"), team="EU care")
    early = _berlin(MONDAY, "07:00", "15:00")
    shift = make_shift(db, clock, agent.id, early.start, early.end)
    browser = sign_in(make_user(Role.SUPERVISOR, timezone="America/New_York"))

    page = browser.get(f"/roster?week=2026-11-04&team={team}")
    assert page.status_code == 200
    [bar] = _bars(page.text)
    assert bar["id"] == str(shift.id) and bar["status"] == "published"
    # 07:00-15:00 in Berlin (UTC+1) is 01:00-09:00 in New York (UTC-5).
    assert bar["label"] == "01:00\u201309:00"
    # The week runs from Monday 00:00 in New York (05:00 UTC): 1 hour in, 8 of 168 hours wide.
    assert float(bar["left"]) == pytest.approx(100 / 168, abs=1e-3)
    assert float(bar["width"]) == pytest.approx(800 / 168, abs=1e-3)
    assert "Lena Wolf" in page.text and "DE · EN" in page.text
    assert "Times in America/New_York" in page.text


def test_a_dst_week_has_169_hours(db, clock, sign_in, make_user):
    """New York leaves summer time on 1 November 2026: that week is an hour longer."""
    team = _team(db, clock)
    agent = make_agent(db, clock, languages=("en",), team="EU care")
    span = _berlin(date(2026, 10, 28), "07:00", "15:00")
    make_shift(db, clock, agent.id, span.start, span.end)
    browser = sign_in(make_user(Role.SUPERVISOR, timezone="America/New_York"))
    html = browser.get(f"/roster?week=2026-11-01&team={team}").text
    cells = _coverage(html, "en")
    assert len(cells) == 169
    assert cells[0][0] == "2026-10-26T04:00:00+00:00"  # Monday 00:00 EDT
    # Wednesday 07:00 Berlin (CET, UTC+1) is 02:00 in New York (EDT, UTC-4).
    [bar] = _bars(html)
    assert bar["label"] == "02:00\u201310:00"


def test_coverage_counts_agents_per_language(db, clock, sign_in, make_user):
    team = _team(db, clock)
    ana = make_agent(db, clock, name="Ana", languages=("en", "de"), team="EU care")
    ben = make_agent(db, clock, name="Ben", languages=("en",), team="EU care")
    chloe = make_agent(db, clock, name="Chloe", languages=("fr",), team="EU care")
    make_agent(db, clock, name="Elsewhere", languages=("fr",))  # another team: not counted
    a = _berlin(MONDAY, "07:00", "15:00")  # 06:00-14:00 UTC
    b = _berlin(MONDAY, "09:00", "17:00")  # 08:00-16:00 UTC
    c = _berlin(MONDAY, "08:00", "12:00")  # 07:00-11:00 UTC, a draft
    make_shift(db, clock, ana.id, a.start, a.end)
    make_shift(db, clock, ben.id, b.start, b.end)
    make_shift(db, clock, chloe.id, c.start, c.end, status=ShiftStatus.DRAFT)
    browser = sign_in(make_user(Role.SUPERVISOR, timezone="UTC"))
    html = browser.get(f"/roster?week=2026-11-02&team={team}").text

    en, de, fr = ({h: (p, d) for h, p, d in _coverage(html, x)} for x in ("en", "de", "fr"))
    assert len(en) == 168
    at = "2026-11-02T{:02d}:00:00+00:00".format
    assert en[at(5)] == (0, 0)
    assert en[at(6)] == (1, 1)
    assert en[at(8)] == (2, 2) and en[at(13)] == (2, 2)
    assert en[at(14)] == (1, 1) and en[at(16)] == (0, 0)
    assert de[at(8)] == (1, 1)
    assert fr[at(7)] == (0, 1) and fr[at(11)] == (0, 0)  # drafts count only with drafts
    # Languages by number of speakers; the empty hours are flagged.
    assert html.index('data-language="en"') < html.index('data-language="de"')
    assert "160 hours uncovered" in html  # 168 - 8 for German


def test_roster_week_reads_with_a_fixed_number_of_queries(db, clock, count_queries):
    week = calendar.week_of(MONDAY, "Europe/Berlin")

    def queries_for(n: int) -> int:
        for _ in range(n):
            agent = make_agent(db, clock, languages=("en", "fr"))
            span = _berlin(MONDAY + timedelta(days=n % 7), "07:00", "15:00")
            make_shift(db, clock, agent.id, span.start, span.end)
        with count_queries() as seen:
            roster = calendar.roster_week(
                db, week_start_instant=week.start, week_end_instant=week.end, team_id=None
            )
        assert roster.rows
        return len(seen)

    assert queries_for(2) == queries_for(10) == 3


# --- editing drafts ----------------------------------------------------------------------------


def test_draft_added_through_the_form_then_published(db, clock, sign_in, make_user):
    team = _team(db, clock)
    agent = make_agent(db, clock, name="Kofi Mensah", team="EU care")
    browser = sign_in(make_user(Role.SUPERVISOR, timezone="Europe/Berlin"))
    form = {"week": "2026-11-02", "team": str(team), "agent_id": str(agent.id)}
    r = browser.post(
        "/roster/shifts", form | {"day": "2026-11-03", "starts": "22:00", "ends": "06:00"}
    )
    # Back to the week with the "Edit roster" panel still open for the next change.
    assert r.headers["location"] == f"/roster?week=2026-11-02&team={team}&panel=edit"
    with db.read() as s:
        [shift] = s.scalars(select(Shift)).all()
    assert shift.status == ShiftStatus.DRAFT
    # A night shift in the viewer's zone: 22:00 Berlin to 06:00 the next day.
    assert shift.starts_at == datetime(2026, 11, 3, 21, 0, tzinfo=UTC)
    assert shift.ends_at == datetime(2026, 11, 4, 5, 0, tzinfo=UTC)

    assert r.status_code == 303
    page = browser.get(r.headers["location"]).text
    assert (
        "Draft shift added." in page
        and '<details class="edit-roster" id="edit-roster" open>' in page
    )
    [bar] = _bars(page)
    assert bar["status"] == "draft" and bar["label"] == "22:00\u201306:00 (+1)"
    assert "Publish week (drafts: 1)" in page
    assert f'action="/roster/shifts/{shift.id}/delete"' in page

    r = browser.post("/roster/publish", {"week": "2026-11-05", "team": str(team)})
    assert r.status_code == 303
    page = browser.get(r.headers["location"]).text
    assert "Shifts published: 1." in page
    [bar] = _bars(page)
    assert bar["status"] == "published"
    assert "/delete" not in page  # published shifts are not deleted from here
    with db.read() as s:
        assert s.get(Shift, shift.id).status == ShiftStatus.PUBLISHED
        assert s.scalar(select(func.count()).select_from(ShiftNotice)) == 1


def test_htmx_add_answers_with_the_updated_roster(db, clock, sign_in, make_user):
    team = _team(db, clock)
    agent = make_agent(db, clock, team="EU care")
    browser = sign_in(make_user(Role.SUPERVISOR, timezone="UTC"))
    r = browser.post(
        "/roster/shifts",
        {"week": "2026-11-02", "team": str(team), "agent_id": str(agent.id)}
        | {"day": "2026-11-02", "starts": "07:00", "ends": "15:00"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and 'id="roster-main"' in r.text
    assert "Draft shift added." in r.text
    assert [b["label"] for b in _bars(r.text)] == ["07:00\u201315:00"]


def test_draft_is_deleted_from_its_bar(db, clock, sign_in, make_user):
    team = _team(db, clock)
    agent = make_agent(db, clock, team="EU care")
    span = _berlin(MONDAY, "07:00", "15:00")
    draft = make_shift(db, clock, agent.id, span.start, span.end, status=ShiftStatus.DRAFT)
    browser = sign_in(make_user(Role.SUPERVISOR))
    r = browser.post(f"/roster/shifts/{draft.id}/delete", {"week": "2026-11-02", "team": str(team)})
    assert r.status_code == 303
    assert _bars(browser.get(r.headers["location"]).text) == []
    with db.read() as s:
        assert s.get(Shift, draft.id) is None


def test_overlap_and_overlong_shifts_are_refused_and_nothing_changes(db, clock, sign_in, make_user):
    team = _team(db, clock)
    agent = make_agent(db, clock, team="EU care")
    span = _berlin(MONDAY, "07:00", "15:00")
    make_shift(db, clock, agent.id, span.start, span.end)
    browser = sign_in(make_user(Role.SUPERVISOR, timezone="Europe/Berlin"))
    form = {"week": "2026-11-02", "team": str(team), "agent_id": str(agent.id)}
    r = browser.post(
        "/roster/shifts", form | {"day": "2026-11-02", "starts": "14:00", "ends": "20:00"}
    )
    assert r.status_code == 409
    assert "This change is not possible now." in r.text and "already has shift" in r.text
    assert 'value="14:00"' in r.text  # the form keeps what was typed
    r = browser.post(
        "/roster/shifts", form | {"day": "2026-11-04", "starts": "06:00", "ends": "23:00"}
    )
    assert r.status_code == 422 and "at most 16 hours" in r.text
    r = browser.post("/roster/shifts", form | {"day": "someday", "starts": "06:00", "ends": "9"})
    assert r.status_code == 422 and "Choose an agent, a day and the start and end times." in r.text
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Shift)) == 1


def test_agents_see_the_roster_but_cannot_change_it(db, clock, sign_in):
    team = _team(db, clock)
    me = _agent_with_login(db, clock, name="Ama Owusu", team="EU care")
    span = _berlin(MONDAY, "07:00", "15:00")
    draft = make_shift(db, clock, me.id, span.start, span.end, status=ShiftStatus.DRAFT)
    browser = sign_in(me)
    page = browser.get("/roster")  # an agent starts on its own team's week
    assert page.status_code == 200
    assert f'<option value="{team}" selected>' in page.text
    assert "Add a draft shift" not in page.text and "/delete" not in page.text
    form = {"week": "2026-11-02", "team": str(team), "agent_id": str(me.id)}
    r = browser.post("/roster/shifts", form | {"day": "2026-11-04", "starts": "07:00", "ends": "9"})
    assert r.status_code == 403
    assert browser.post("/roster/publish", form).status_code == 403
    assert browser.post(f"/roster/shifts/{draft.id}/delete", form).status_code == 403
    with db.read() as s:
        assert s.get(Shift, draft.id).status == ShiftStatus.DRAFT
        assert s.scalar(select(func.count()).select_from(Shift)) == 1


def test_roster_speaks_chinese(db, clock, sign_in, make_user):
    _team(db, clock)
    make_agent(db, clock, languages=("zh",), team="EU care")
    browser = sign_in(make_user(Role.SUPERVISOR))
    page = browser.get("/roster?lang=zh_Hans").text
    assert "排班" in page and "覆盖" in page and "中文" in page
    assert "Roster" not in page and "Coverage" not in page


# --- the iCalendar feed ------------------------------------------------------------------------


def test_ics_feed_holds_published_shifts_in_utc(db, clock, client):
    agent = make_agent(db, clock, name="Lena Wolf")
    soon = _berlin(MONDAY + timedelta(days=1), "07:00", "15:00")
    shift = make_shift(db, clock, agent.id, soon.start, soon.end)
    later = _berlin(MONDAY + timedelta(days=2), "07:00", "15:00")
    make_shift(db, clock, agent.id, later.start, later.end, status=ShiftStatus.DRAFT)
    far = _berlin(MONDAY + timedelta(days=120), "07:00", "15:00")
    make_shift(db, clock, agent.id, far.start, far.end)

    r = client.get(f"/calendar/{agent.calendar_token}.ics")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(r.content)
    assert str(cal["VERSION"]) == "2.0" and "careloop" in str(cal["PRODID"])
    assert str(cal["X-WR-CALNAME"]) == "careloop shifts: Lena Wolf"
    [event] = cal.walk("VEVENT")  # not the draft, not the shift 120 days away
    assert str(event["UID"]) == f"shift-{shift.id}@careloop"
    assert event.decoded("DTSTART") == datetime(2026, 11, 3, 6, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert str(event["SUMMARY"]) == "Shift"
    assert event.decoded("LAST-MODIFIED") == clock.now()
    assert "DTSTAMP" in event
    assert b"DTSTART:20261103T060000Z" in r.content


def test_unknown_calendar_token_is_404(db, clock, client):
    make_agent(db, clock)
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    assert client.get("/calendar/.ics").status_code == 404
    assert client.get(f"/calendar/{'x' * 300}.ics").status_code == 404


# --- today's attendance ------------------------------------------------------------------------


def test_attendance_page_shows_states(db, clock, sign_in, make_user):
    from careloop.workforce import attendance

    team = _team(db, clock)
    now = clock.now()  # 09:00 UTC
    on = make_agent(db, clock, name="On Time", team="EU care")
    gone = make_agent(db, clock, name="No Show", team="EU care")
    later = make_agent(db, clock, name="Evening", team="EU care")
    make_agent(db, clock, name="Day Off", team="EU care")
    make_shift(db, clock, on.id, now - timedelta(hours=2), now + timedelta(hours=6))
    make_shift(db, clock, gone.id, now - timedelta(hours=2), now + timedelta(hours=6))
    make_shift(db, clock, later.id, now + timedelta(hours=5), now + timedelta(hours=12))
    clock.advance(timedelta(minutes=-125))  # clocked in 5 minutes before the shift
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=on.id)
    clock.set(now)

    browser = sign_in(make_user(Role.SUPERVISOR, timezone="UTC"))
    page = browser.get(f"/attendance?team={team}")
    assert page.status_code == 200
    states = dict(re.findall(r'<tr id="att-(\d+)" data-state="(\w+)">', page.text))
    assert states == {str(on.id): "on", str(gone.id): "absent", str(later.id): "upcoming"}
    assert "Day Off" not in page.text
    assert "06:55" in page.text  # the clock-in time in the viewer's zone
    assert 'hx-trigger="every 60s"' in page.text
    live = browser.get(f"/attendance/live?team={team}")
    assert live.status_code == 200 and "<html" not in live.text and "No Show" in live.text
    assert ">1</strong> Absent" in live.text

    # A lead clocks out an agent who forgot to; an agent who is not clocked in cannot be.
    r = browser.post(f"/attendance/{on.id}/clock-out", {"team": str(team), "date": ""})
    assert r.status_code == 303
    with db.read() as s:
        [row] = s.scalars(select(ClockInRow)).all()
    assert row.clocked_out_at == now
    assert browser.post(f"/attendance/{gone.id}/clock-out", {"team": str(team)}).status_code == 409


# --- my shifts ---------------------------------------------------------------------------------


def test_my_shifts_lists_the_roster_and_clocks_in(db, clock, sign_in, make_user):
    me = _agent_with_login(db, clock, name="Ama Owusu", tz="Africa/Accra")
    now = clock.now()
    current = make_shift(db, clock, me.id, now - timedelta(minutes=30), now + timedelta(hours=7))
    nxt = _berlin(MONDAY + timedelta(days=3), "07:00", "15:00")
    make_shift(db, clock, me.id, nxt.start, nxt.end)
    far = _berlin(MONDAY + timedelta(days=20), "07:00", "15:00")
    make_shift(db, clock, me.id, far.start, far.end)
    browser = sign_in(me)

    page = browser.get("/me/shifts").text
    assert page.count('<tr id="my-shift-') == 2  # the next 14 days only
    assert f'id="my-shift-{current.id}" class="highlight"' in page
    assert "06:00\u201314:00" in page  # 07:00 Berlin shown in Accra (UTC)
    assert "New shift" in page  # the notices of the published shifts
    assert f"/calendar/{me.calendar_token}.ics" in page
    assert 'data-state="off"' in page and "Clock in" in page

    r = browser.post("/me/shifts/clock-in")
    assert r.status_code == 303 and r.headers["location"] == "/me/shifts"
    page = browser.get("/me/shifts").text
    assert "Clocked in." in page and 'data-state="on"' in page
    assert "Start break" in page and "since 09:00" in page
    with db.read() as s:
        [row] = s.scalars(select(ClockInRow)).all()
    assert row.agent_id == me.id and row.clocked_in_at == now

    r = browser.post("/me/shifts/clock-in")  # twice: refused, shown on the page
    assert r.status_code == 409 and 'role="alert"' in r.text
    r = browser.post("/me/shifts/break-start", headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'data-state="on_break"' in r.text and "End break" in r.text


def test_my_shifts_notices_are_shown_in_the_users_zone(db, clock, sign_in):
    me = _agent_with_login(db, clock, name="Wei Chen", tz="Asia/Shanghai")
    span = _berlin(MONDAY + timedelta(days=1), "07:00", "15:00")  # 06:00-14:00 UTC
    make_shift(db, clock, me.id, span.start, span.end)
    page = sign_in(me).get("/me/shifts?lang=zh_Hans").text
    notices = page.split('class="notices"', 1)[1]
    assert "14:00\u201322:00" in notices  # Shanghai is UTC+8
    assert "UTC" not in notices  # not the stored English message


def test_my_shifts_without_agent_profile_is_friendly(sign_in, make_user):
    browser = sign_in(make_user(Role.SUPERVISOR))
    page = browser.get("/me/shifts")
    assert page.status_code == 200 and "You have no agent profile" in page.text
    r = browser.post("/me/shifts/clock-in")
    assert r.status_code == 404 and "nothing to clock" in r.text


def test_nav_links_follow_permissions(sign_in, make_user):
    page = sign_in(make_user(Role.VIEWER)).get("/tickets").text
    assert 'href="/roster"' in page and 'href="/attendance"' in page
    assert 'href="/me/shifts"' not in page
    assert sign_in(make_user(Role.VIEWER)).get("/me/shifts").status_code == 403


def test_a_moved_shift_notice_shows_before_and_after(db, clock, sign_in):
    from careloop.workforce import rosters

    me = _agent_with_login(db, clock, name="Lena Wolf")
    span = _berlin(MONDAY + timedelta(days=1), "07:00", "15:00")
    shift = make_shift(db, clock, me.id, span.start, span.end)
    rosters.update_shift(
        db, actor=ACTOR, now=clock.now(), shift_id=shift.id, ends_at=span.end + timedelta(hours=1)
    )
    notices = sign_in(me).get("/me/shifts").text.split('class="notices"', 1)[1]
    assert "Shift changed" in notices
    assert "07:00\u201316:00" in notices and "was Tue, Nov 3 07:00\u201315:00" in notices
