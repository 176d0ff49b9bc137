"""The insights API: the metric catalogue, a metric grouped and filtered from the rollups the
refresh keeps, and a clear 4xx for every bad query."""

from __future__ import annotations

from datetime import timedelta

import pytest

from careloop.accounts.model import Role
from careloop.insights.refresh import refresh_rollups
from tests.conftest import START
from tests.factories import ticket_payload

URL = "/api/v1/insights"


def _tickets(client, auth, clock) -> None:
    admin = auth(Role.ADMIN)
    for category, country, hours in [
        ("quality", "US", 1), ("quality", "US", 2), ("quality", "DE", 30), ("logistics", "NG", 3),
    ]:  # fmt: skip
        clock.set(START + timedelta(hours=hours))
        body = ticket_payload(category=category, country=country)
        r = client.post("/api/v1/tickets", json=body, headers=admin)
        assert r.status_code == 201, r.text


def test_the_catalogue_lists_every_metric_with_its_dimensions(client, auth):
    r = client.get(URL, headers=auth(Role.VIEWER))
    assert r.status_code == 200
    metrics = {m["name"]: m for m in r.json()["metrics"]}
    assert {"return_rate", "complaints_per_1000_orders", "first_response_time_p90"} <= set(metrics)
    assert "sku" in metrics["return_rate"]["dimensions"]
    assert r.json()["dimensions"]["category"] == "Complaint type"


def test_complaints_grouped_filtered_and_by_day(client, auth, db, clock):
    _tickets(client, auth, clock)
    refresh_rollups(db)
    viewer = auth(Role.VIEWER)
    day0 = START.replace(hour=0).isoformat()
    day2 = (START.replace(hour=0) + timedelta(days=2)).isoformat()
    r = client.get(
        f"{URL}/complaints",
        params={"from": day0, "to": day2, "group_by": "category,country"},
        headers=viewer,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["metric"] == "complaints"
    assert body["total"] == 4
    assert body["rows"][0] == {"category": "quality", "country": "US", "value": 2}
    assert {(x["category"], x["country"], x["value"]) for x in body["rows"]} == {
        ("quality", "US", 2), ("quality", "DE", 1), ("logistics", "NG", 1),
    }  # fmt: skip

    r = client.get(
        f"{URL}/complaints",
        params={"from": day0, "to": day2, "interval": "day", "filter[category]": "quality"},
        headers=viewer,
    )
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == [
        {"period": START.date().isoformat(), "value": 2},
        {"period": (START + timedelta(days=1)).date().isoformat(), "value": 1},
    ]
    assert r.json()["total"] == 3

    r = client.get(
        f"{URL}/backlog_unassigned", params={"group_by": "country", "filter[country]": "US,NG"},
        headers=viewer,
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert {(x["country"], x["value"]) for x in r.json()["rows"]} == {("US", 2), ("NG", 1)}
    assert r.json()["total"] == 3


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/no_such_metric", {}, 404, None),
        ("/complaints", {"group_by": "colour"}, 422, "group_by"),
        ("/complaints", {"filter[carrier]": "dhl"}, 422, "filter"),
        ("/complaints", {"interval": "month"}, 422, "interval"),
        ("/complaints", {"from": "2026-11-02T10:30:00+00:00"}, 422, "from"),
        ("/complaints", {"from": "yesterday"}, 422, "from"),
        ("/complaints", {"from": "2026-11-02T10:00:00"}, 422, "from"),
        ("/complaints", {"from": "2026-11-05", "to": "2026-11-01"}, 422, "from"),
        ("/complaints", {"tz": "Mars/Olympus"}, 422, "tz"),
        ("/complaints", {"limit": "ten"}, 422, "limit"),
        ("/complaints", {"colour": "red"}, 422, "colour"),
        ("/complaints", {"group_by": "brand,country,channel,category"}, 422, "group_by"),
        ("/backlog_open", {"interval": "day"}, 422, "interval"),
    ],
)
def test_bad_queries_get_a_clear_4xx(client, auth, path, params, status, field):
    r = client.get(URL + path, params=params, headers=auth(Role.VIEWER))
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["message"]
    if field:
        assert error["details"]["field"] == field


def test_only_roles_that_read_insights_may(client, auth):
    assert client.get(f"{URL}/complaints").status_code == 401
    assert client.get(f"{URL}/complaints", headers=auth(Role.AGENT)).status_code == 403
    assert client.get(f"{URL}/complaints", headers=auth(Role.INTEGRATOR)).status_code == 200
