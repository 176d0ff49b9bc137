"""Planning through HTTP: the forecast per language with its band, backtest and fallback flag,
and staffing for a list of intervals (the worked example, Erlang A, the backlog model); bad
parameters are a 422 and readers need workforce:read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from careloop.accounts.model import Role
from careloop.tickets.model import Channel
from tests.integration.test_demand import ORIGIN, add_tickets, weeks_of_tickets


def test_the_forecast_per_language(client, auth, db, clock):
    add_tickets(db, weeks_of_tickets(3))
    clock.set(ORIGIN + timedelta(minutes=20))
    r = client.get(
        "/api/v1/forecast",
        params={"weeks": 1, "interval": 60, "group_by": "language", "promo": "2026-11-06:2:sale"},
        headers=auth(Role.SUPERVISOR),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["origin"] == "2026-11-02T09:00:00Z"
    assert body["group_by"] == ["language"]
    groups = {g["group"]["language"]: g for g in body["groups"]}
    assert set(groups) == {"en", "de", None}
    en = groups["en"]
    assert en["fallback"] is None and en["method"].endswith("_glm")
    assert en["backtest_folds"] == 1 and 0 < en["backtest_wape"] < 1
    assert len(en["intervals"]) == 168 and len(en["actuals"]) == 168
    first = en["intervals"][0]
    assert first["start"] == "2026-11-02T09:00:00Z"
    assert first["lower"] <= first["expected"] <= first["upper"]
    # The sale doubles Friday against Thursday's same weekday pattern.
    by_start = {i["start"]: i["expected"] for i in en["intervals"]}
    assert by_start["2026-11-06T12:00:00Z"] == pytest.approx(2 * by_start["2026-11-05T12:00:00Z"])


def test_a_short_history_is_flagged(client, auth, db, clock):
    add_tickets(db, [(ORIGIN - timedelta(hours=h), "en", Channel.EMAIL) for h in range(1, 40)])
    clock.set(ORIGIN)
    r = client.get("/api/v1/forecast", params={"group_by": ""}, headers=auth(Role.AGENT))
    assert r.status_code == 200, r.text
    (total,) = r.json()["groups"]
    assert (total["method"], total["fallback"]) == ("flat_rate", "short_history")
    assert total["backtest_wape"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"weeks": 9},
        {"interval": 20},
        {"group_by": "sku"},
        {"tz": "Nowhere/Town"},
        {"promo": "2026-11-27"},
        {"promo": "2026-11-27:-1"},
        {"history_weeks": 1},
        {"country": "XX"},
        {"level": 1},
    ],
)
def test_bad_forecast_parameters_are_422(client, auth, params):
    r = client.get("/api/v1/forecast", params=params, headers=auth(Role.ADMIN))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "validation_error"


def test_the_forecast_needs_a_token(client):
    assert client.get("/api/v1/forecast").status_code == 401


def test_staffing_the_worked_example(client, auth):
    body = {
        "model": "erlang_c",
        "interval_minutes": 30,
        "intervals": [
            {"start": "2026-11-02T09:00:00Z", "arrivals": 100},
            {"start": "2026-11-02T09:30:00Z", "arrivals": 0},
        ],
        "handle_seconds": 180,
        "service_level": 0.8,
        "answer_seconds": 20,
        "shrinkage": 0.3,
    }
    r = client.post("/api/v1/staffing", json=body, headers=auth(Role.AGENT))
    assert r.status_code == 200, r.text
    out = r.json()
    first, quiet = out["intervals"]
    assert (first["agents"], first["scheduled"]) == (14, 20)
    assert round(first["service_level"], 3) == 0.888
    assert round(first["occupancy"], 3) == 0.714
    assert round(first["wait_probability"], 3) == 0.174
    assert first["start"] == "2026-11-02T09:00:00Z"
    assert (quiet["agents"], quiet["scheduled"]) == (0, 0)
    assert out["agent_hours"] == 10.0  # 20 scheduled for half an hour


def test_staffing_with_abandonment_and_for_a_backlog(client, auth):
    headers = auth(Role.SUPERVISOR)
    live = {"intervals": [{"arrivals": 100}], "handle_seconds": 180, "interval_minutes": 30}
    a = client.post(
        "/api/v1/staffing",
        json={**live, "model": "erlang_a", "patience_seconds": 60},
        headers=headers,
    ).json()
    assert a["intervals"][0]["agents"] < 14
    assert a["intervals"][0]["abandon_probability"] > 0
    backlog = {
        "model": "backlog",
        "interval_minutes": 60,
        "intervals": [{"arrivals": 60}, {"arrivals": 60}],
        "first_response_minutes": 30,
        "tickets_per_hour": 6,
    }
    b = client.post("/api/v1/staffing", json=backlog, headers=headers)
    assert b.status_code == 200, b.text
    assert [i["agents"] for i in b.json()["intervals"]] == [5, 10]
    assert [i["backlog"] for i in b.json()["intervals"]] == [30, 30]


@pytest.mark.parametrize(
    "change",
    [
        {"intervals": [{"arrivals": -1}]},
        {"intervals": []},
        {"service_level": 1.0},
        {"service_level": 0},
        {"shrinkage": 1},
        {"max_occupancy": 0},
        {"handle_seconds": -3},
        {"handle_seconds": None},
        {"model": "erlang_a"},  # no patience
        {"model": "backlog"},  # no first-response target nor rate
        {"interval_minutes": 20},
        {"surprise": 1},
    ],
)
def test_bad_staffing_parameters_are_422(client, auth, change):
    body = {"intervals": [{"arrivals": 10}], "handle_seconds": 180, **change}
    r = client.post("/api/v1/staffing", json=body, headers=auth(Role.ADMIN))
    assert r.status_code == 422, r.text


def test_staffing_needs_a_token(client):
    r = client.post("/api/v1/staffing", json={"intervals": [{"arrivals": 1}]})
    assert r.status_code == 401
