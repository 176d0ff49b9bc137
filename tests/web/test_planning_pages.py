"""The planning page (/planning): its charts show what the forecast and staffing APIs answer for
the controls in the URL, the published roster's agents per hour against the requirement (hours
short marked), a stated fallback for a short history, a 422 for bad controls, the canonical
address, a fixed number of SQL statements, and the page in Chinese. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from careloop.accounts.model import Role
from careloop.tickets.model import Channel
from careloop.web.planning_params import PlanningParams, parse_params
from careloop.workforce.leave import add_leave
from careloop.workforce.model import LeaveKind, ShiftStatus
from tests.factories import ACTOR, make_agent, make_shift
from tests.integration.test_demand import ORIGIN, add_tickets, weeks_of_tickets

DAY = ORIGIN.replace(hour=0) + timedelta(days=1)  # Tuesday 3 November 2026, 00:00 UTC


def chart(page: str, key: str) -> dict:
    found = re.search(rf'<script type="application/json" id="data-{key}">(.*?)</script>', page)
    assert found, f"no chart {key}"
    return json.loads(found.group(1))


def api_forecast(client, auth, **params) -> dict:
    query = {"weeks": 1, "interval": 60, "group_by": "language", "tz": "UTC"} | params
    r = client.get("/api/v1/forecast", params=query, headers=auth(Role.SUPERVISOR))
    assert r.status_code == 200, r.text
    return {(g["group"].get("language") or "none"): g for g in r.json()["groups"]}


def api_staffing(client, auth, group: dict, **target) -> list[dict]:
    body = {
        "interval_minutes": 60,
        "intervals": [{"arrivals": i["expected"], "start": i["start"]} for i in group["intervals"]],
    } | target
    r = client.post("/api/v1/staffing", json=body, headers=auth(Role.SUPERVISOR))
    assert r.status_code == 200, r.text
    intervals: list[dict] = r.json()["intervals"]
    return intervals


ERLANG_C = {"model": "erlang_c", "handle_seconds": 300, "service_level": 0.8,
            "answer_seconds": 20, "max_occupancy": 0.85, "shrinkage": 0.3}  # fmt: skip


@pytest.fixture
def lead(make_user, sign_in):
    return sign_in(make_user(Role.SUPERVISOR, timezone="UTC"))


@pytest.fixture
def history(db, clock):
    add_tickets(db, weeks_of_tickets(3))
    clock.set(ORIGIN + timedelta(minutes=20))


def roster(db, clock) -> None:
    """Two English speakers (one also German) on Tuesday 08:00-16:00, one of them off sick
    12:00-14:00; a German speaker with only a draft shift."""
    ana = make_agent(db, clock, name="Ana", languages=("en",))
    ben = make_agent(db, clock, name="Ben", languages=("en", "de"))
    cem = make_agent(db, clock, name="Cem", languages=("de",))
    for who in (ana, ben):
        make_shift(db, clock, who.user_id, DAY + timedelta(hours=8), DAY + timedelta(hours=16))
    make_shift(db, clock, cem.user_id, DAY + timedelta(hours=8), DAY + timedelta(hours=16),
               status=ShiftStatus.DRAFT)  # fmt: skip
    add_leave(db, actor=ACTOR, now=clock.now(), agent_id=ana.user_id, kind=LeaveKind.SICK,
              starts_at=DAY + timedelta(hours=12), ends_at=DAY + timedelta(hours=14))  # fmt: skip


def test_the_charts_show_what_the_apis_answer(db, clock, history, lead, client, auth):
    roster(db, clock)
    r = lead.get("/planning?weeks=1")
    assert r.status_code == 200, r.text
    page = r.text
    api = api_forecast(client, auth)
    assert {"en", "de", "none"} == set(api)
    en = api["en"]

    forecast = chart(page, "forecast-en")
    split = forecast["split"]
    assert split == len(en["actuals"]) == 168
    assert forecast["actual"][:split] == [a["count"] for a in en["actuals"]]
    assert forecast["expected"][split:] == pytest.approx(
        [i["expected"] for i in en["intervals"]], abs=1e-3
    )
    assert forecast["lower"][split:] == [i["lower"] for i in en["intervals"]]
    assert forecast["upper"][split:] == [i["upper"] for i in en["intervals"]]
    assert forecast["labels"][split] == "Mon, Nov 2 09:00"  # the origin, on the viewer's clock
    assert f"{en['backtest_wape'] * 100:.1f}%" in page

    staffing = chart(page, "staffing-en")
    answer = api_staffing(client, auth, en, **ERLANG_C)
    assert staffing["scheduled"] == [i["scheduled"] for i in answer]
    assert staffing["agents"] == [i["agents"] for i in answer]
    assert max(staffing["scheduled"]) > 0

    # Hour by hour from Monday 09:00: Tuesday 08:00 is hour 23.
    coverage = chart(page, "coverage-en")
    rostered = coverage["rostered"]
    assert rostered[22] == 0 and rostered[23:27] == [2, 2, 2, 2]
    assert rostered[27:29] == [1, 1] and rostered[29:31] == [2, 2] and rostered[31] == 0
    assert coverage["required"] == staffing["scheduled"]  # hourly intervals: the same
    assert coverage["short"] == [h < n for h, n in zip(rostered, coverage["required"], strict=True)]
    assert any(coverage["short"])
    assert f'class="short-hours short">{sum(coverage["short"])}<' in page
    german = chart(page, "coverage-de")["rostered"]
    assert german[23:31] == [1] * 8  # Ben; Cem's draft does not count
    assert "data-coverage-none" not in page  # tickets without a language: no speakers
    assert 'id="no-roster"' not in page


def test_the_backlog_model_and_other_groupings(db, clock, history, lead, client, auth):
    roster(db, clock)
    query = "weeks=1&group_by=channel&model=backlog&first_response_minutes=30&tickets_per_hour=4"
    r = lead.get(f"/planning?{query}&concurrency=2")
    assert r.status_code == 200, r.text
    api = api_forecast(client, auth, group_by="channel")
    email = next(g for g in api.values() if g["group"]["channel"] == "email")
    answer = api_staffing(client, auth, email, model="backlog", first_response_minutes=30,
                          tickets_per_hour=4, concurrency=2, shrinkage=0.3)  # fmt: skip
    assert chart(r.text, "staffing-email")["scheduled"] == [i["scheduled"] for i in answer]
    # By channel: one comparison of all groups with every agent rostered (Ben once).
    total = chart(r.text, "coverage-all-groups")
    assert total["rostered"][23:31] == [2, 2, 2, 2, 1, 1, 2, 2]
    chat = chart(r.text, "staffing-chat")["scheduled"]
    assert total["required"] == [
        a + b for a, b in zip(chart(r.text, "staffing-email")["scheduled"], chat, strict=True)
    ]
    assert "data-coverage-email" not in r.text


def test_erlang_a_and_quarter_hours(db, clock, history, lead, client, auth):
    r = lead.get("/planning?weeks=1&interval=15&group_by=none&model=erlang_a&patience_seconds=90")
    assert r.status_code == 200, r.text
    api = api_forecast(client, auth, group_by="", interval=15)["none"]
    staffing = chart(r.text, "staffing-all")
    assert len(staffing["scheduled"]) == 7 * 96
    few = api["intervals"][:48]  # half a day is enough to compare
    body = {"interval_minutes": 15, "intervals": [{"arrivals": i["expected"]} for i in few]}
    target = ERLANG_C | {"model": "erlang_a", "patience_seconds": 90}
    answer = client.post("/api/v1/staffing", json=body | target, headers=auth(Role.SUPERVISOR))
    assert staffing["scheduled"][:48] == [i["scheduled"] for i in answer.json()["intervals"]]
    assert 'id="no-roster"' in r.text


def test_a_short_history_is_stated(db, clock, lead):
    add_tickets(db, [(ORIGIN - timedelta(hours=h), "en", Channel.EMAIL) for h in range(1, 40)])
    clock.set(ORIGIN)
    page = lead.get("/planning").text
    assert "Too little history for the model" in page
    assert "not enough history to test" in page
    assert chart(page, "forecast-en")["expected"][-1] == pytest.approx(39 / 39)


def test_nothing_yet(db, clock, lead):
    page = lead.get("/planning?group_by=none")
    assert page.status_code == 200
    assert "No tickets in the history yet" in page.text


@pytest.mark.parametrize(
    "query",
    [
        "weeks=9",
        "weeks=0",
        "weeks=1.5",
        "interval=20",
        "group_by=sku",
        "model=erlang_b",
        "service_level=100",
        "shrinkage=95",
        "handle_seconds=0",
        "handle_seconds=abc",
        "max_occupancy=nan",
        "first_response_minutes=-1",
        "colour=red",
        "weeks=2&weeks=3",
    ],
)
def test_bad_controls_are_a_422(db, lead, query):
    r = lead.get(f"/planning?{query}")
    assert r.status_code == 422, r.text
    assert "Please check what you entered" in r.text
    assert lead.get(f"/planning/panels?{query}").status_code == 422


def test_the_form_goes_to_the_shareable_address(db, lead):
    form = ("weeks=3&interval=60&group_by=language&model=erlang_c&service_level=80&"
            "answer_seconds=20&handle_seconds=240&max_occupancy=85&patience_seconds=120&"
            "first_response_minutes=60&tickets_per_hour=6&concurrency=1&shrinkage=30")  # fmt: skip
    r = lead.get(f"/planning?{form}", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/planning?weeks=3&handle_seconds=240"
    r = lead.get("/planning?weeks=2&lang=zh_Hans", follow_redirects=False)
    assert r.headers["location"] == "/planning?lang=zh_Hans"
    assert lead.get("/planning?weeks=3&handle_seconds=240").status_code == 200


def test_the_panels_alone_for_the_form(db, clock, history, lead):
    r = lead.get("/planning/panels?weeks=1&model=backlog&first_response_minutes=")
    assert r.status_code == 200
    assert "<html" not in r.text and 'id="data-forecast-en"' in r.text
    assert r.headers["HX-Push-Url"] == "/planning?weeks=1&model=backlog"
    page = lead.get("/planning").text
    assert 'hx-get="/planning/panels"' in page and 'href="/planning"' in page


def test_who_may_look(client, make_user, sign_in):
    r = client.get("/planning", headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    viewer = sign_in(make_user(Role.VIEWER))
    assert viewer.get("/planning?weeks=1").status_code == 200


def test_the_page_in_chinese(db, clock, history, make_user, sign_in):
    roster(db, clock)
    lead = sign_in(make_user(Role.SUPERVISOR, timezone="Asia/Shanghai"))
    page = lead.get("/planning?weeks=1&lang=zh_Hans").text
    assert '<html lang="zh-Hans">' in page
    assert "德语 (de)" in page and "英语 (en)" in page
    forecast = chart(page, "forecast-en")
    assert forecast["labels"][forecast["split"]] == "11月2日周一 17:00"  # 09:00 UTC in Shanghai
    assert 'name="viewport"' in page and "/static/planning.css" in page


def test_statements_are_pinned(db, clock, history, lead, count_queries):
    def statements() -> int:
        with count_queries() as seen:
            r = lead.get("/planning?weeks=1&model=backlog")
        assert r.status_code == 200
        return len(seen)

    few = statements()
    roster(db, clock)
    add_tickets(db, weeks_of_tickets(2, seed=7))
    # The signed-in user, the arrivals (one GROUP BY), then agents, shifts and leave.
    assert few == statements() == 5


def test_controls_parse_and_print_canonically():
    params = parse_params([("weeks", "4"), ("model", "erlang_a"), ("patience_seconds", "45.5"),
                           ("tickets_per_hour", "9"), ("lang", "en")])  # fmt: skip
    assert params.query == "weeks=4&model=erlang_a&patience_seconds=45.5"
    assert parse_params([("shrinkage", "")]) == PlanningParams()
    target = params.target()
    assert target.patience_seconds == 45.5 and target.service_level == pytest.approx(0.8)
