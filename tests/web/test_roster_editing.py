"""Building a week on the roster page: moving a shift from its bar, copying the previous week as
drafts, drafts from a template, leave added and cancelled; refused changes change nothing, and
agents may only look."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from careloop.accounts.model import Role
from careloop.storage.audit import AuditEntry
from careloop.workforce import actions, leave, rosters
from careloop.workforce.model import LeaveKind, ShiftStatus, shift_instants
from careloop.workforce.tables import Leave, Shift, ShiftNotice
from tests.factories import ACTOR, make_agent, make_shift
from tests.web.test_roster_pages import _agent_with_login, _bars

MONDAY = date(2026, 11, 2)  # the fake clock starts on this Monday at 09:00 UTC
WEEK = {"week": MONDAY.isoformat()}


def _team(db, clock, name: str = "EU care") -> int:
    return actions.create_team(db, actor=ACTOR, now=clock.now(), name=name).id


def _berlin(day: date, start: str, end: str):
    return shift_instants(day, time.fromisoformat(start), time.fromisoformat(end), "Europe/Berlin")


def _count(db, table) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(table))


def _spans(db, agent_id: int | None = None) -> list[tuple[datetime, datetime, ShiftStatus]]:
    with db.read() as s:
        stmt = select(Shift).order_by(Shift.starts_at)
        if agent_id is not None:
            stmt = stmt.where(Shift.agent_id == agent_id)
        return [(x.starts_at, x.ends_at, x.status) for x in s.scalars(stmt)]


def _lead(sign_in, make_user, timezone: str = "Europe/Berlin"):
    return sign_in(make_user(Role.SUPERVISOR, timezone=timezone))


# --- moving a shift ----------------------------------------------------------------------------


def test_a_draft_is_moved_from_its_bar(db, clock, sign_in, make_user):
    team = _team(db, clock)
    agent = make_agent(db, clock, name="Lena Wolf", team="EU care")
    span = _berlin(MONDAY, "07:00", "15:00")
    draft = make_shift(db, clock, agent.id, span.start, span.end, status=ShiftStatus.DRAFT)
    browser = _lead(sign_in, make_user)
    query = f"week=2026-11-02&team={team}"
    page = browser.get(f"/roster?{query}").text
    edit_url = f"/roster/shifts/{draft.id}/edit?{query}"
    assert f'<a class="bar-edit" href="{edit_url.replace("&", "&amp;")}"' in page

    page = browser.get(edit_url)
    assert page.status_code == 200
    editor = page.text.split('id="shift-edit"', 1)[1].split("</section>", 1)[0]
    assert "Move the shift of Lena Wolf" in editor
    for name, value in (("day", "2026-11-02"), ("starts", "07:00"), ("ends", "15:00")):
        assert f'name="{name}" value="{value}"' in editor
    assert "Shift created" in editor  # the shift's history
    assert 'class="bar bar-draft editing"' in page.text

    form = {"week": "2026-11-02", "team": str(team), "note": "covers the launch"}
    r = browser.post(
        f"/roster/shifts/{draft.id}/edit",
        form | {"day": "2026-11-03", "starts": "09:00", "ends": "17:00"},
    )
    assert r.status_code == 303 and r.headers["location"] == f"/roster?{query}"
    with db.read() as s:
        moved = s.get(Shift, draft.id)
    assert moved.starts_at == datetime(2026, 11, 3, 8, tzinfo=UTC)  # 09:00 in Berlin
    assert moved.ends_at == datetime(2026, 11, 3, 16, tzinfo=UTC)
    assert moved.note == "covers the launch" and moved.status == ShiftStatus.DRAFT
    assert _count(db, ShiftNotice) == 0  # a draft's agent is not told
    page = browser.get(r.headers["location"]).text
    assert "Shift saved." in page and 'id="shift-edit"' not in page
    [bar] = _bars(page)
    assert bar["label"] == "09:00\u201317:00"
    assert float(bar["left"]) == pytest.approx(100 * 33 / 168, abs=1e-3)  # Tuesday 09:00

    history = browser.get(edit_url).text.split('class="events shift-history"', 1)[1]
    assert "Shift changed" in history and "Nov 2, 2026, 07:00" in history
    assert "Nov 3, 2026, 09:00" in history


def test_moving_a_published_shift_tells_the_agent(db, clock, sign_in, make_user):
    team = _team(db, clock)
    agent = make_agent(db, clock, team="EU care")
    span = _berlin(MONDAY + timedelta(days=2), "07:00", "15:00")
    shift = make_shift(db, clock, agent.id, span.start, span.end)
    browser = _lead(sign_in, make_user)
    page = browser.get(f"/roster/shifts/{shift.id}/edit").text  # its own week and team
    assert f'<option value="{team}" selected>' in page and 'value="2026-11-04"' in page
    assert "The agent will be told of the change." in page

    r = browser.post(
        f"/roster/shifts/{shift.id}/edit",
        {"week": "2026-11-02", "team": str(team), "day": "2026-11-04"}
        | {"starts": "07:00", "ends": "16:00"},
    )
    assert r.status_code == 303
    with db.read() as s:
        assert s.get(Shift, shift.id).ends_at == span.end + timedelta(hours=1)
        [notice] = s.scalars(select(ShiftNotice).where(ShiftNotice.kind == "changed")).all()
    assert notice.agent_id == agent.id and notice.shift_id == shift.id


def test_a_refused_move_shows_why_and_changes_nothing(db, clock, sign_in, make_user):
    team = _team(db, clock)
    agent = make_agent(db, clock, team="EU care")
    early = _berlin(MONDAY, "07:00", "15:00")
    late = _berlin(MONDAY, "16:00", "22:00")
    first = make_shift(db, clock, agent.id, early.start, early.end, status=ShiftStatus.DRAFT)
    make_shift(db, clock, agent.id, late.start, late.end)
    before = _spans(db)
    browser = _lead(sign_in, make_user)
    form = {"week": "2026-11-02", "team": str(team), "day": "2026-11-02"}
    url = f"/roster/shifts/{first.id}/edit"

    r = browser.post(url, form | {"starts": "12:00", "ends": "18:00"})
    assert r.status_code == 409 and "already has shift" in r.text
    assert 'id="shift-edit"' in r.text and 'value="18:00"' in r.text  # what was typed is kept
    r = browser.post(url, form | {"starts": "06:00", "ends": "23:00"})
    assert r.status_code == 422 and "at most 16 hours" in r.text
    r = browser.post(url, form | {"day": "soon", "starts": "06:00", "ends": "9"})
    assert r.status_code == 422 and "Choose a day and the start and end times." in r.text
    # A published shift may not move into planned leave.
    off = _berlin(MONDAY + timedelta(days=3), "00:00", "23:00")
    leave.add_leave(
        db,
        actor=ACTOR,
        now=clock.now(),
        agent_id=agent.id,
        kind=LeaveKind.VACATION,
        starts_at=off.start,
        ends_at=off.end,
    )
    bars = _bars(browser.get("/roster?week=2026-11-02").text)
    [published] = [x for x in bars if x["status"] == "published"]
    r = browser.post(
        f"/roster/shifts/{published['id']}/edit",
        form | {"day": "2026-11-05", "starts": "07:00", "ends": "15:00"},
    )
    assert r.status_code == 409 and "vacation leave" in r.text
    assert _spans(db) == before
    assert browser.get("/roster/shifts/999999/edit").status_code == 404
    assert browser.post("/roster/shifts/999999/edit", form).status_code == 404


def test_htmx_opens_the_editor_and_swaps_the_moved_roster_in(db, clock, sign_in, make_user):
    team = _team(db, clock)
    agent = make_agent(db, clock, team="EU care")
    span = _berlin(MONDAY, "07:00", "15:00")
    draft = make_shift(db, clock, agent.id, span.start, span.end, status=ShiftStatus.DRAFT)
    browser = _lead(sign_in, make_user)
    hx = {"HX-Request": "true"}
    r = browser.get(f"/roster/shifts/{draft.id}/edit?week=2026-11-02&team={team}", headers=hx)
    assert r.status_code == 200 and 'id="roster-main"' in r.text and 'id="shift-edit"' in r.text
    r = browser.post(
        f"/roster/shifts/{draft.id}/edit",
        {"week": "2026-11-02", "team": str(team), "day": "2026-11-02"}
        | {"starts": "08:00", "ends": "16:00"},
        headers=hx,
    )
    assert r.status_code == 200 and "Shift saved." in r.text
    assert r.headers["HX-Push-Url"] == f"/roster?week=2026-11-02&team={team}"
    assert [b["label"] for b in _bars(r.text)] == ["08:00\u201316:00"]


# --- copying the previous week -----------------------------------------------------------------


def test_previous_week_is_copied_as_drafts_from_the_page(db, clock, sign_in, make_user):
    """The week of 26 October follows the change to winter time: 07:00 in Berlin stays 07:00."""
    team = _team(db, clock)
    lena = make_agent(db, clock, name="Lena", team="EU care")
    kofi = make_agent(db, clock, name="Kofi", team="EU care", timezone="Africa/Accra")
    make_agent(db, clock, name="Elsewhere")  # not in the team: not copied
    for agent in (lena, kofi):
        for offset in (0, 2):
            span = _berlin(date(2026, 10, 19) + timedelta(days=offset), "07:00", "15:00")
            make_shift(db, clock, agent.id, span.start, span.end)
    taken = _berlin(date(2026, 10, 28), "10:00", "18:00")  # Kofi's Wednesday is taken
    make_shift(db, clock, kofi.id, taken.start, taken.end, status=ShiftStatus.DRAFT)
    browser = _lead(sign_in, make_user)

    r = browser.post("/roster/copy-week", {"week": "2026-10-28", "team": str(team)})
    assert r.status_code == 303
    assert r.headers["location"] == f"/roster?week=2026-10-26&team={team}&panel=edit"
    page = browser.get(r.headers["location"]).text
    assert "Copied from the previous week as drafts: 3; skipped: 1." in page
    assert "Mon, Oct 19 \u2013 Sun, Oct 25 → Mon, Oct 26 \u2013 Sun, Nov 1" in page
    # Lena keeps 07:00 in Berlin (now UTC+1); Kofi keeps 05:00 in Accra (UTC all year).
    october = [s for s in _spans(db, lena.id) if s[0] > datetime(2026, 10, 26, tzinfo=UTC)]
    assert october == [
        (datetime(2026, 10, 26, 6, tzinfo=UTC), datetime(2026, 10, 26, 14, tzinfo=UTC), "draft"),
        (datetime(2026, 10, 28, 6, tzinfo=UTC), datetime(2026, 10, 28, 14, tzinfo=UTC), "draft"),
    ]
    assert (
        datetime(2026, 10, 26, 5, tzinfo=UTC),
        datetime(2026, 10, 26, 13, tzinfo=UTC),
        ShiftStatus.DRAFT,
    ) in _spans(db, kofi.id)
    assert "Publish week (drafts: 4)" in page


def test_a_refused_copy_changes_nothing(db, clock, sign_in, make_user):
    make_agent(db, clock)
    browser = _lead(sign_in, make_user)
    r = browser.post("/roster/copy-week", {"week": "2026-11-02", "team": "999"})
    assert r.status_code == 422 and "team 999 not found" in r.text
    assert _count(db, Shift) == 0


# --- drafts from a template --------------------------------------------------------------------


def _template(db, clock, team_id: int | None = None) -> int:
    return rosters.create_template(
        db,
        actor=ACTOR,
        now=clock.now(),
        name="EU early",
        starts=time(7),
        ends=time(15),
        timezone="Europe/Berlin",
        team_id=team_id,
    ).id


def test_drafts_from_a_template_on_the_page(db, clock, sign_in, make_user):
    team = _team(db, clock)
    template = _template(db, clock, team)
    a = make_agent(db, clock, name="Ana", team="EU care")
    b = make_agent(db, clock, name="Ben", team="EU care")
    browser = _lead(sign_in, make_user, timezone="UTC")
    page = browser.get(f"/roster?week=2026-11-02&team={team}").text
    assert "EU early (07:00\u201315:00 Europe/Berlin)" in page
    assert page.count('name="days"') == 7 and page.count('name="agent_ids"') == 2

    r = browser.post(
        "/roster/template-shifts",
        {"week": "2026-11-02", "team": str(team), "template_id": str(template)}
        | {"agent_ids": [str(a.id), str(b.id)], "days": ["2026-11-02", "2026-11-04"]}
        | {"skip_holidays": "1"},
    )
    assert r.status_code == 303 and r.headers["location"].endswith("&panel=edit")
    page = browser.get(r.headers["location"]).text
    assert "Draft shifts added from the template: 4." in page
    assert sorted(b["label"] for b in _bars(page)) == ["06:00\u201314:00"] * 4  # Berlin in UTC
    assert {s[2] for s in _spans(db)} == {ShiftStatus.DRAFT}


def test_a_refused_template_application_adds_nothing(db, clock, sign_in, make_user):
    team = _team(db, clock)
    template = _template(db, clock)
    a = make_agent(db, clock, team="EU care")
    b = make_agent(db, clock, team="EU care")
    span = _berlin(MONDAY + timedelta(days=2), "12:00", "20:00")
    make_shift(db, clock, b.id, span.start, span.end)  # Ben works Wednesday afternoon
    browser = _lead(sign_in, make_user)
    form = {"week": "2026-11-02", "team": str(team), "template_id": str(template)}
    days = {"days": ["2026-11-02", "2026-11-04"]}

    r = browser.post("/roster/template-shifts", form | days | {"agent_ids": [str(a.id), str(b.id)]})
    assert r.status_code == 409 and "already has shift" in r.text
    # The panel stays open with the boxes as they were ticked.
    assert '<details class="edit-roster" id="edit-roster" open>' in r.text
    assert re.search(rf'name="agent_ids" value="{b.id}" checked', r.text)
    assert re.search(r'name="days" value="2026-11-04" checked', r.text)
    assert not re.search(r'name="days" value="2026-11-03" checked', r.text)
    r = browser.post("/roster/template-shifts", form | days)
    assert r.status_code == 422
    assert "Choose a template, at least one agent and at least one day." in r.text
    r = browser.post("/roster/template-shifts", form | {"agent_ids": [str(a.id)], "days": ["x"]})
    assert r.status_code == 422
    r = browser.post(
        "/roster/template-shifts",
        form | days | {"template_id": "424242", "agent_ids": [str(a.id)]},
    )
    assert r.status_code == 422 and "not found" in r.text
    assert _count(db, Shift) == 1


# --- leave ---------------------------------------------------------------------------------


def test_leave_added_and_cancelled_from_the_page(db, clock, sign_in, make_user):
    team = _team(db, clock)
    agent = make_agent(db, clock, name="Lena Wolf", team="EU care")
    span = _berlin(MONDAY, "07:00", "15:00")
    make_shift(db, clock, agent.id, span.start, span.end)
    browser = _lead(sign_in, make_user, timezone="America/New_York")
    form = {"week": "2026-11-02", "team": str(team), "agent_id": str(agent.id)}

    # Whole days follow the agent's zone (Berlin), whatever the viewer's.
    r = browser.post(
        "/roster/leave",
        form | {"kind": "vacation", "first_day": "2026-11-04", "last_day": "2026-11-05"},
    )
    assert r.status_code == 303 and r.headers["location"].endswith("&panel=edit")
    # Part of a day: times in the viewer's zone (New York, UTC-5).
    r = browser.post(
        "/roster/leave",
        form | {"kind": "sick", "first_day": "2026-11-02", "starts": "05:00", "ends": "08:00"},
    )
    assert r.status_code == 303
    with db.read() as s:
        sick, vacation = sorted(s.scalars(select(Leave)).all(), key=lambda x: x.kind.value)
    assert vacation.kind == LeaveKind.VACATION
    assert vacation.starts_at == datetime(2026, 11, 3, 23, tzinfo=UTC)  # Wed 00:00 in Berlin
    assert vacation.ends_at == datetime(2026, 11, 5, 23, tzinfo=UTC)
    assert sick.kind == LeaveKind.SICK  # accepted over the published shift
    assert (sick.starts_at, sick.ends_at) == (
        datetime(2026, 11, 2, 10, tzinfo=UTC),
        datetime(2026, 11, 2, 13, tzinfo=UTC),
    )

    page = browser.get(r.headers["location"]).text
    assert "Leave added." in page
    assert f'id="leave-{vacation.id}"' in page and f'id="leave-{sick.id}"' in page
    assert f'action="/roster/leave/{vacation.id}/cancel"' in page
    r = browser.post(f"/roster/leave/{vacation.id}/cancel", form)
    assert r.status_code == 303
    page = browser.get(r.headers["location"]).text
    assert "Leave cancelled." in page and f'id="leave-{vacation.id}"' not in page
    with db.read() as s:
        assert s.get(Leave, vacation.id) is None
        actions_seen = s.scalars(
            select(AuditEntry.action).where(
                AuditEntry.entity_type == "leave", AuditEntry.entity_id == vacation.id
            )
        ).all()
    assert sorted(actions_seen) == ["created", "deleted"]
    assert browser.post(f"/roster/leave/{vacation.id}/cancel", form).status_code == 404


def test_refused_leave_shows_why_and_adds_nothing(db, clock, sign_in, make_user):
    team = _team(db, clock)
    agent = make_agent(db, clock, team="EU care")
    span = _berlin(MONDAY + timedelta(days=1), "07:00", "15:00")
    make_shift(db, clock, agent.id, span.start, span.end)
    browser = _lead(sign_in, make_user)
    form = {"week": "2026-11-02", "team": str(team), "agent_id": str(agent.id)}
    days = {"first_day": "2026-11-03", "last_day": "2026-11-03"}

    r = browser.post("/roster/leave", form | days | {"kind": "vacation", "note": "Lisbon"})
    assert r.status_code == 409 and "move or cancel them first" in r.text
    assert 'value="Lisbon"' in r.text and 'value="vacation" selected' in r.text
    r = browser.post("/roster/leave", form | days | {"kind": "other", "starts": "09:00"})
    assert r.status_code == 422
    assert "Give both times for part of a day, or neither for whole days." in r.text
    r = browser.post("/roster/leave", form | days | {"kind": "holiday"})
    assert r.status_code == 422 and "Choose an agent, a kind of leave and the days." in r.text
    r = browser.post(
        "/roster/leave",
        form | {"kind": "sick", "first_day": "2026-11-05"} | {"last_day": "2026-11-04"},
    )
    assert r.status_code == 422 and "leave must end on or after the day it starts" in r.text
    assert _count(db, Leave) == 0


# --- who may ---------------------------------------------------------------------------------


def test_agents_see_no_editing_and_may_not_post(db, clock, sign_in):
    team = _team(db, clock)
    me = _agent_with_login(db, clock, name="Ama Owusu", team="EU care")
    span = _berlin(MONDAY, "07:00", "15:00")
    draft = make_shift(db, clock, me.id, span.start, span.end, status=ShiftStatus.DRAFT)
    off = _berlin(MONDAY + timedelta(days=3), "00:00", "23:00")
    item = leave.add_leave(
        db,
        actor=ACTOR,
        now=clock.now(),
        agent_id=me.id,
        kind=LeaveKind.VACATION,
        starts_at=off.start,
        ends_at=off.end,
    )
    template = _template(db, clock)
    browser = sign_in(me)
    page = browser.get(f"/roster?week=2026-11-02&team={team}").text
    assert f'id="leave-{item.id}"' in page and f'id="shift-{draft.id}"' in page
    for absent in ("Edit roster", "bar-edit", "/cancel", "/edit", "copy-week"):
        assert absent not in page
    assert browser.get(f"/roster/shifts/{draft.id}/edit").status_code == 403
    form = {"week": "2026-11-02", "team": str(team)}
    posts = {
        f"/roster/shifts/{draft.id}/edit": {"day": "2026-11-03", "starts": "07:00", "ends": "9"},
        "/roster/copy-week": {},
        "/roster/template-shifts": {
            "template_id": str(template),
            "agent_ids": [str(me.id)],
            "days": ["2026-11-03"],
        },
        "/roster/leave": {"agent_id": str(me.id), "kind": "sick", "first_day": "2026-11-03"},
        f"/roster/leave/{item.id}/cancel": {},
    }
    for url, data in posts.items():
        assert browser.post(url, form | data).status_code == 403, url
    assert _spans(db) == [(span.start, span.end, ShiftStatus.DRAFT)]
    assert _count(db, Leave) == 1


def test_the_panel_speaks_chinese(db, clock, sign_in, make_user):
    _team(db, clock)
    make_agent(db, clock, team="EU care")
    _template(db, clock)
    page = _lead(sign_in, make_user).get("/roster?lang=zh_Hans&panel=edit").text
    assert '<details class="edit-roster" id="edit-roster" open>' in page
    for english in ("Edit roster", "Copy previous week as drafts", "Add leave", "Other leave"):
        assert english not in page
