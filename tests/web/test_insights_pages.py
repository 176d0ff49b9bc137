"""The dashboards (/insights...): every card and chart shows what the metric query answers for
the filters in the URL, every number links to the grid of the records behind it, bad filters
are a 422, agents may not look, and each page takes a fixed number of SQL statements whatever
the amount of data. On SQLite and PostgreSQL."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from careloop.accounts.model import Role
from careloop.insights.queries import parse_query, run_query
from careloop.insights.refresh import refresh_rollups
from careloop.tickets import actions
from careloop.tickets.schemas import TicketCreate, TicketUpdate
from careloop.workforce import actions as workforce
from tests.factories import ACTOR, make_agent, make_brand, make_order, ticket_payload

PERIOD = "from=2026-11-03&to=2026-11-09"
START = datetime(2026, 11, 3, tzinfo=UTC)
END = datetime(2026, 11, 10, tzinfo=UTC)
NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


def at(day: int, hour: int = 10) -> datetime:
    return (
        datetime(2026, 11, day, hour, tzinfo=UTC)
        if day > 0
        else datetime(2026, 10, 31 + day, hour, tzinfo=UTC)
    )


def _order(db, clock, n, *, brand, country, sku, batch, qty=1, carrier="DHL", delivered=None,
           shipped=None, status="delivered", returned=None):  # fmt: skip
    shipment = {
        "carrier": carrier,
        "tracking_number": f"TRK{n}",
        "destination_country": country,
        "status": status,
        "shipped_at": (shipped or (delivered or at(4)) - timedelta(days=1)).isoformat(),
    }
    if delivered:
        shipment["delivered_at"] = delivered.isoformat()
    line = {"external_id": f"li-{n}", "sku": sku, "batch": batch, "quantity": qty,
            "unit_price": "150.00"}  # fmt: skip
    returns = []
    if returned:
        returns = [{"external_id": f"r-{n}", "line_item_external_id": f"li-{n}", "quantity": 1,
                    "reason": "quality", "created_at": returned.isoformat()}]  # fmt: skip
    return make_order(
        db, clock, f"o-{n}", number=f"#{2000 + n}", brand=brand, country=country,
        region="Lagos" if country == "NG" else "TX", line_items=[line], shipments=[shipment],
        returns=returns, customer={"email": f"c{n}@example.com", "name": f"Customer {n}"},
    )  # fmt: skip


def _ticket(db, clock, when, subject, **fields):
    clock.set(when)
    data = TicketCreate.model_validate(ticket_payload(subject=subject, **fields))
    ticket, _ = actions.create_ticket(db, actor=ACTOR, now=clock.now(), data=data)
    return ticket


def plant(db, clock, *, extra: int = 0):
    """Two brands' orders and complaints in the week of 3 to 9 November 2026 (and one of each
    the week before); `extra` more of both to show the statement counts do not grow."""
    clock.set(datetime(2026, 10, 20, tzinfo=UTC))
    if extra == 0:
        make_brand(db, clock, "luxe")
        make_brand(db, clock, "salon")
    _order(db, clock, 1, brand="luxe", country="US", sku="W-1", batch="B1", delivered=at(4))
    _order(db, clock, 2, brand="luxe", country="US", sku="W-1", batch="B2", delivered=at(4),
           returned=at(5))  # fmt: skip
    _order(db, clock, 3, brand="luxe", country="NG", sku="W-1", batch="B2", qty=2, carrier="UPS",
           delivered=at(5))  # fmt: skip
    _order(db, clock, 4, brand="salon", country="NG", sku="W-2", batch="B9", carrier="UPS",
           shipped=at(5), status="exception")  # fmt: skip
    _order(db, clock, 5, brand="luxe", country="US", sku="W-2", batch="B9", delivered=at(-1))
    t = {
        "t1": _ticket(db, clock, at(4), "Lace tore W1 B2 in Texas", brand="luxe", sku="W-1",
                      batch="B2"),
        "t2": _ticket(db, clock, at(5), "Shedding W1 B2 in Lagos", brand="luxe", country="NG",
                      channel="chat", sku="W-1", batch="B2"),
        "t3": _ticket(db, clock, at(6), "Parcel late to Texas", brand="luxe",
                      category="logistics"),
        "t4": _ticket(db, clock, at(6, 14), "Colour off W2 B9", brand="salon", country="NG",
                      sku="W-2", batch="B9"),
        "t5": _ticket(db, clock, at(-1), "Last week's W1 B1", brand="luxe", sku="W-1",
                      batch="B1"),
        "t6": _ticket(db, clock, at(8), "Knots loose W1 B2 again", brand="luxe", sku="W-1",
                      batch="B2"),
    }  # fmt: skip
    for n in range(extra):
        _order(db, clock, 100 + n, brand="salon", country="DE", sku=f"X-{n}", batch=f"Q{n}",
               carrier=f"Carrier {n}", delivered=at(7))  # fmt: skip
        _ticket(db, clock, at(7, n % 20), f"Extra {n}", brand="salon", country="DE",
                sku=f"X-{n}", batch=f"Q{n}", category="wrong_item")  # fmt: skip
    refresh_rollups(db)
    clock.set(NOW)
    return t


def expected(db, metric, **kw):
    """The metric API's own answer for the week (the page must show the same)."""
    q = parse_query(metric, start=kw.pop("start", START), end=kw.pop("end", END), **kw)
    return run_query(db, q, now=NOW)


def chart(page: str, key: str) -> dict:
    found = re.search(rf'<script type="application/json" id="data-{key}">(.*?)</script>', page)
    assert found, f"no chart {key}"
    return json.loads(found.group(1))


def card(page: str, key: str) -> tuple[float | None, str]:
    found = re.search(rf'<li class="insights-card" id="card-{key}" data-value="([^"]*)">(.*?)</li>',
                      page, re.S)  # fmt: skip
    assert found, f"no card {key}"
    raw = found.group(1)
    return (float(raw) if raw else None), re.sub(r"\s+", " ", html.unescape(found.group(2)))


def filters_of(url: str) -> list[str]:
    return parse_qs(urlsplit(html.unescape(url)).query)["f"]


def by_label(points: list[dict]) -> dict[str, float | None]:
    return {p["label"]: p["value"] for p in points}


@pytest.fixture
def lead(make_user, sign_in):
    return sign_in(make_user(Role.SUPERVISOR, timezone="UTC"))


def test_overview_shows_what_the_metric_queries_answer(db, clock, lead):
    plant(db, clock)
    r = lead.get(f"/insights?{PERIOD}")
    assert r.status_code == 200, r.text
    page = r.text
    assert card(page, "complaints")[0] == expected(db, "complaints")["total"] == 5
    rate = expected(db, "return_rate")["total"]
    assert card(page, "return_rate")[0] == pytest.approx(rate) == pytest.approx(1 / 4)
    per_1000 = expected(db, "complaints_per_1000_orders")["total"]
    assert card(page, "complaints_per_1000_orders")[0] == pytest.approx(per_1000)
    assert card(page, "backlog_open")[0] == 6  # the state now: last week's ticket too
    # 5 complaints against 1 the week before.
    assert "+400.0%" in card(page, "complaints")[1]
    assert "25.0%" in card(page, "return_rate")[1]

    types = chart(page, "types")
    answer = expected(db, "complaints", group_by=["category"])
    assert by_label(types["points"]) == {"Quality": 4, "Logistics": 1}
    assert [p["value"] for p in types["points"]] == [r["value"] for r in answer["rows"]]
    world = chart(page, "map-complaints")
    assert {p["name"]: p["value"] for p in world["points"]} == {"US": 3, "NG": 2}
    returns = chart(page, "map-returns")
    assert {p["name"]: p["value"] for p in returns["points"]} == {
        r["country"]: r["value"] for r in expected(db, "return_rate", group_by=["country"])["rows"]
    }
    trend = chart(page, "trend")
    assert [p["value"] for p in trend["points"]] == [0, 1, 1, 2, 0, 1, 0]  # 3 to 9 November
    top = by_label(chart(page, "top-skus")["points"])
    assert top["W-1 · B2"] == pytest.approx(3 / 2 * 1000)  # 3 complaints, 2 orders


def test_filters_in_the_url_apply_to_every_panel_that_has_them(db, clock, lead):
    plant(db, clock)
    page = lead.get(f"/insights?{PERIOD}&country=US").text
    us = {"country": ["US"]}
    assert card(page, "complaints")[0] == expected(db, "complaints", filters=us)["total"] == 3
    assert by_label(chart(page, "types")["points"]) == {"Quality": 2, "Logistics": 1}
    assert {p["name"] for p in chart(page, "map-complaints")["points"]} == {"US"}
    assert all("country:eq:US" in filters_of(p["url"]) for p in chart(page, "types")["points"])
    assert 'href="/insights/support?from=2026-11-03&amp;to=2026-11-09&amp;country=US"' in page

    # Orders have no channel: the return rate ignores that filter, the complaints do not.
    page = lead.get(f"/insights?{PERIOD}&channel=chat").text
    assert card(page, "complaints")[0] == 1
    everything = expected(db, "return_rate")["total"]
    assert card(page, "return_rate")[0] == pytest.approx(everything)


def test_a_quality_bar_drills_down_to_the_tickets_behind_it(db, clock, lead):
    t = plant(db, clock)
    page = lead.get(f"/insights/quality?{PERIOD}&country=US").text
    bars = chart(page, "sku-batch-rate")["points"]
    [bar] = [p for p in bars if p["label"] == "W-1 · B2"]
    assert sorted(filters_of(bar["url"])) == sorted([
        "created:after:2026-11-03T00:00:00+00:00", "created:before:2026-11-10T00:00:00+00:00",
        "country:eq:US", "category:eq:quality", "sku:eq:W-1", "batch:eq:B2",
    ])  # fmt: skip
    assert html.escape(bar["url"]) in page  # the table under the chart links there too
    grid = lead.get(bar["url"])
    assert grid.status_code == 200, grid.text
    for shown in ("t1", "t6"):
        assert t[shown].subject in grid.text
    for hidden in ("t2", "t3", "t5"):  # Lagos, logistics, the week before
        assert t[hidden].subject not in grid.text


def test_a_day_of_a_trend_drills_down_to_that_day(db, clock, lead):
    t = plant(db, clock)
    trend = chart(lead.get(f"/insights?{PERIOD}").text, "trend")["points"]
    sixth = trend[3]
    assert sorted(filters_of(sixth["url"])) == [
        "created:after:2026-11-06T00:00:00+00:00", "created:before:2026-11-07T00:00:00+00:00",
    ]  # fmt: skip
    grid = lead.get(sixth["url"]).text
    assert t["t3"].subject in grid and t["t4"].subject in grid and t["t1"].subject not in grid


def test_logistics_drills_down_to_the_orders_in_exception(db, clock, lead):
    plant(db, clock)
    page = lead.get(f"/insights/logistics?{PERIOD}").text
    assert card(page, "logistics_exceptions")[0] == expected(db, "logistics_exceptions")["total"]
    rates = {p["label"]: p for p in chart(page, "carrier-rate")["points"]}
    assert rates["UPS"]["value"] == pytest.approx(1 / 2) and rates["DHL"]["value"] == 0
    [cell] = [
        p for s in chart(page, "carrier-region")["series"] for p in s["points"] if p and p["value"]
    ]
    assert sorted(filters_of(cell["url"])) == sorted([
        "shipped:after:2026-11-03T00:00:00+00:00", "shipped:before:2026-11-10T00:00:00+00:00",
        "shipment_status:in:exception,returned", "carrier:eq:UPS", "region:eq:Lagos",
    ])  # fmt: skip
    grid = lead.get(cell["url"]).text
    assert "#2004" in grid and "#2003" not in grid


def test_support_groups_by_team_and_agent_by_their_names(db, clock, lead):
    workforce.create_team(db, actor=ACTOR, now=clock.now(), name="Night owls")
    agent = make_agent(db, clock, name="Kemi Adeyemi", team="Night owls")
    mine = []
    for hour in (10, 11):
        clock.set(at(4, hour))
        data = TicketCreate.model_validate(
            ticket_payload(subject=f"Assigned at {hour}", assignee_id=agent.user_id)
        )
        mine.append(actions.create_ticket(db, actor=ACTOR, now=clock.now(), data=data)[0])
    clock.set(at(4, 15))
    actions.update_ticket(db, actor=ACTOR, now=clock.now(), ticket_id=mine[0].id,
                          data=TicketUpdate(status="solved"))  # fmt: skip
    plant(db, clock)
    page = lead.get(f"/insights/support?{PERIOD}").text
    backlog = {p["label"]: p for p in chart(page, "backlog-team")["points"]}
    assert backlog["Night owls"]["value"] == 1
    assert "team:eq:Night owls" in filters_of(backlog["Night owls"]["url"])
    solved = {p["label"]: p for p in chart(page, "solved-agent")["points"]}
    assert solved["Kemi Adeyemi"]["value"] == 1
    assert sorted(filters_of(solved["Kemi Adeyemi"]["url"])) == sorted([
        "solved:after:2026-11-03T00:00:00+00:00", "solved:before:2026-11-10T00:00:00+00:00",
        "assignee:eq:Kemi Adeyemi",
    ])  # fmt: skip
    resolution = card(page, "resolution_time_p50")
    assert resolution[0] == expected(db, "resolution_time_p50")["total"] == 5 * 3600
    assert "5 h" in resolution[1]
    # Nobody's first response came due: no SLA figure, and no empty chart either.
    assert 'id="data-sla-agent"' not in page and "No data for this period" in page
    assert card(page, "backlog_unassigned")[0] == 6


def test_phone_and_language(db, clock, make_user, sign_in):
    plant(db, clock)
    viewer = sign_in(make_user(Role.VIEWER, timezone="Asia/Kolkata"))  # midnight at :30 UTC
    page = viewer.get(f"/insights?{PERIOD}&lang=zh_Hans").text
    assert by_label(chart(page, "map-complaints")["points"])["美国"] == 3
    assert 'name="viewport"' in page and "/static/insights.css" in page


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("period=5y", 422),
        ("from=yesterday", 422),
        ("from=2026-11-09&to=2026-11-03", 422),
        ("from=2024-01-01&to=2026-01-01", 422),
        ("country=XX", 422),
        ("channel=fax", 422),
        ("brand=nope", 422),
        ("colour=red", 422),
        ("country=US&country=NG", 422),
    ],
)
def test_bad_filters_get_a_422(db, clock, lead, query, status):
    r = lead.get(f"/insights/quality?{query}")
    assert r.status_code == status, r.text
    assert lead.get(f"/insights/quality/live?{query}").status_code == status


def test_unknown_dashboards_are_404_and_agents_may_not_look(client, make_user, sign_in):
    admin = sign_in(make_user(Role.ADMIN))
    assert admin.get("/insights/nowhere").status_code == 404
    assert admin.get("/insights").status_code == 200
    assert 'href="/insights"' in admin.get("/tickets").text
    client.cookies.clear()
    agent = sign_in(make_user(Role.AGENT))
    for url in ("/insights", "/insights/support", "/insights/quality/live", "/insights/world.json"):
        assert agent.get(url).status_code == 403, url
    assert 'href="/insights"' not in agent.get("/tickets").text


def test_a_submitted_form_goes_to_the_shareable_address(db, clock, lead):
    plant(db, clock)
    r = lead.get("/insights/quality?period=7d&from=&to=&brand=luxe&country=&channel=",
                 follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert r.headers["location"] == "/insights/quality?period=7d&brand=luxe"


def test_the_panels_refresh_without_the_frame(db, clock, lead):
    plant(db, clock)
    r = lead.get(f"/insights/logistics/live?{PERIOD}")
    assert r.status_code == 200
    assert "<html" not in r.text and 'id="data-carrier-rate"' in r.text
    page = lead.get(f"/insights/logistics?{PERIOD}").text
    assert 'hx-get="/insights/logistics/live?from=2026-11-03&amp;to=2026-11-09"' in page


def test_the_world_map_is_keyed_by_alpha_2(client, make_user, sign_in):
    viewer = sign_in(make_user(Role.VIEWER))
    r = viewer.get("/insights/world.json")
    assert r.status_code == 200
    names = {f["properties"]["name"] for f in r.json()["features"]}
    assert {"US", "NG", "DE", "CN", "BR"} <= names


# Statements per page: the signed-in user and the brands (support: teams and users too), then
# the metric queries: a sum is one statement, a ratio two (numerator and denominator), a
# percentile one when nothing is binned in the period (as here) and two otherwise (coarse bins,
# then the fine bins of the rank's), each again for the total when grouped or by day; a card
# runs for the period and the one before (the state now once). Overview: 2 + cards 17 + charts 14.
STATEMENTS = {"": 33, "/support": 43, "/quality": 26, "/logistics": 30}


@pytest.mark.parametrize("page", list(STATEMENTS))
def test_statements_per_page_are_pinned(db, clock, lead, count_queries, page):
    plant(db, clock)

    def statements() -> int:
        with count_queries() as seen:
            r = lead.get(f"/insights{page}?{PERIOD}")
        assert r.status_code == 200
        return len(seen)

    few = statements()
    plant(db, clock, extra=12)
    assert few == statements() == STATEMENTS[page]


def test_drill_down_values_are_taken_whole_or_left_out():
    """A carrier with a comma stays one value; a value the grid refuses gives no link (never
    an error page for the whole dashboard)."""
    from zoneinfo import ZoneInfo

    from careloop.web.insights_drill import SHIPPED_ORDERS, Names
    from careloop.web.insights_filters import DashFilters, Period, Span

    week = DashFilters(Period(START.date(), (END - timedelta(days=1)).date(), ZoneInfo("UTC")))
    span = Span(START, END)
    url = SHIPPED_ORDERS.url(week, span, Names(), {"carrier": "DHL, Express"})
    assert url is not None and "carrier:eq:DHL, Express" in filters_of(url)
    assert SHIPPED_ORDERS.url(week, span, Names(), {"carrier": "x" * 300}) is None
