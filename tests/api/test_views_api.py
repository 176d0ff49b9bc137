"""Grid views over the API on both backends: saved views by user and team, rows with cursors
and group counts held to a straight computation, exports, and refusals that change nothing."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from careloop.accounts import actions as accounts
from careloop.accounts.model import Role
from careloop.storage.audit import Actor, AuditEntry
from careloop.tickets import actions
from careloop.tickets.schemas import TicketCreate
from careloop.tickets.tables import SavedView
from careloop.workforce import actions as workforce
from tests.conftest import TEST_ACTOR
from tests.factories import make_order, ticket_payload

CONFIG = {
    "columns": ["id", "subject", "priority", "country"],
    "filters": [{"column": "priority", "op": "in", "values": ["high", "urgent"]}],
    "sorts": [{"column": "created", "descending": False}],
    "group_by": ["country"],
}


def _headers(db, clock, user, role=None):
    token = accounts.create_token(
        db,
        actor=Actor(user_id=user.id, label=user.name),
        now=clock.now(),
        name=f"{user.name} token",
        role=role or user.role,
    ).token
    return {"Authorization": f"Bearer {token}"}


def _agent(db, clock, name, team, role=Role.AGENT):
    agent = workforce.create_agent(
        db,
        actor=TEST_ACTOR,
        now=clock.now(),
        name=name,
        email=f"{name.lower()}@example.com",
        profile=workforce.AgentProfile.checked(
            languages=("en",), skills=(), timezone="UTC", capacity=5
        ),
        team=team,
        role=role,
    )
    return agent.user


@pytest.fixture
def tickets(db, clock):
    made = []
    for n in range(13):
        payload = ticket_payload(
            subject=f"Complaint {n}",
            priority=["low", "high", "urgent"][n % 3],
            country=["NG", "GH", "KE", "US"][n % 4],
        )
        ticket, _ = actions.create_ticket(
            db, actor=TEST_ACTOR, now=clock.now(), data=TicketCreate.model_validate(payload)
        )
        made.append((ticket.id, payload["priority"], payload["country"]))
        clock.advance(timedelta(minutes=3))
    return made


def _counts(db):
    with db.read() as s:
        views = s.scalar(select(func.count()).select_from(SavedView))
        audits = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity_type == "saved_view")
        )
    return views, audits


def test_a_saved_views_rows_page_through_with_group_counts(client, db, clock, make_user, tickets):
    headers = _headers(db, clock, make_user(Role.AGENT))
    r = client.post("/api/v1/views", json={"name": "Hot", "entity": "tickets", "config": CONFIG})
    assert r.status_code == 401
    r = client.post(
        "/api/v1/views",
        json={"name": "Hot", "entity": "tickets", "config": CONFIG},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    view = r.json()
    assert view["config"]["group_by"] == ["country"] and view["team_id"] is None

    wanted = [(i, p, c) for i, p, c in tickets if p in ("high", "urgent")]
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/api/v1/views/{view['id']}/rows", params=params, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += body["rows"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert body["total"] == len(wanted)
    assert {(g["values"]["country"], g["count"]) for g in body["groups"]} == set(
        Counter(c for _, _, c in wanted).items()
    )
    # Grouped by country (alphabetical), then oldest first within a country.
    expected = sorted(wanted, key=lambda t: (t[2], t[0]))
    assert [row["id"] for row in seen] == [i for i, _, _ in expected]
    assert set(seen[0]) == {"id", "subject", "priority", "country"}

    r = client.patch(f"/api/v1/views/{view['id']}", json={"name": "Hot tickets"}, headers=headers)
    assert r.status_code == 200 and r.json()["name"] == "Hot tickets"
    assert client.delete(f"/api/v1/views/{view['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/views/{view['id']}", headers=headers).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "entity": "tickets", "config": {"columns": ["id", "password"]}},
        {"name": "x", "entity": "invoices", "config": {"columns": ["id"]}},
        {
            "name": "x",
            "entity": "tickets",
            "config": {"columns": ["id"], "filters": [{"column": "status", "op": "like"}]},
        },
        {
            "name": "x",
            "entity": "tickets",
            "config": {"columns": ["id"], "filters": [{"column": "priority", "op": "before"}]},
        },
        {"name": "x", "entity": "orders", "config": {"columns": ["id"], "group_by": ["total"]}},
        {"name": "x", "entity": "tickets", "config": {"columns": ["id"], "colour": "red"}},
        {"name": " ", "entity": "tickets", "config": {"columns": ["id"]}},
    ],
)
def test_anything_outside_the_catalogue_is_a_422_that_changes_nothing(
    client, db, clock, make_user, body
):
    headers = _headers(db, clock, make_user(Role.AGENT))
    r = client.post("/api/v1/views", json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert "error" in r.json()
    assert _counts(db) == (0, 0)


def test_ad_hoc_rows_and_their_refusals(client, db, clock, make_user, tickets):
    headers = _headers(db, clock, make_user(Role.VIEWER))
    r = client.get(
        "/api/v1/views/grid/tickets/rows",
        params=[("columns", "id,priority"), ("f", "country:eq:NG"), ("sort", "-id")],
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert [row["id"] for row in r.json()["rows"]] == sorted(
        (i for i, _, c in tickets if c == "NG"), reverse=True
    )
    for bad in ("columns=id,nope", "f=country:eq:Narnia", "sort=tags", "cursor=abc"):
        r = client.get(f"/api/v1/views/grid/tickets/rows?{bad}", headers=headers)
        assert r.status_code == 422, bad
        assert r.json()["error"]["code"] == "validation_error"


def test_team_views_are_seen_by_members_and_managed_by_lead_or_admin(client, db, clock, make_user):
    lead = _agent(db, clock, "Ngozi", None, Role.SUPERVISOR)
    lagos = workforce.create_team(
        db, actor=TEST_ACTOR, now=clock.now(), name="Lagos", lead_id=lead.id
    )
    workforce.create_team(db, actor=TEST_ACTOR, now=clock.now(), name="Berlin")
    ada = _headers(db, clock, _agent(db, clock, "Ada", "Lagos"))
    chioma = _headers(db, clock, _agent(db, clock, "Chioma", "Lagos"))
    bernd = _headers(db, clock, _agent(db, clock, "Bernd", "Berlin"))
    ngozi = _headers(db, clock, lead)
    admin = _headers(db, clock, make_user(Role.ADMIN))

    body = {"name": "Lagos", "entity": "tickets", "config": CONFIG, "team_id": lagos.id}
    shared = client.post("/api/v1/views", json=body, headers=ada).json()
    private = {"name": "Mine", "entity": "orders", "config": {"columns": ["number", "total"]}}
    mine = client.post("/api/v1/views", json=private, headers=ada).json()
    taken = client.post("/api/v1/views", json={**private, "name": "Mine"}, headers=ada)
    assert taken.status_code == 409
    elsewhere = client.post("/api/v1/views", json={**body, "name": "Other"}, headers=bernd)
    assert elsewhere.status_code == 403

    def names(headers):
        return [v["name"] for v in client.get("/api/v1/views", headers=headers).json()]

    assert names(ada) == ["Lagos", "Mine"]
    assert names(chioma) == names(ngozi) == ["Lagos"]
    assert names(bernd) == [] and names(admin) == []
    assert client.get(f"/api/v1/views/{mine['id']}", headers=chioma).status_code == 404
    assert client.get(f"/api/v1/views/{shared['id']}/rows", headers=bernd).status_code == 404

    rename = {"name": "Lagos queue"}
    assert (
        client.patch(f"/api/v1/views/{shared['id']}", json=rename, headers=chioma).status_code
        == 403
    )
    assert (
        client.patch(f"/api/v1/views/{shared['id']}", json=rename, headers=bernd).status_code == 404
    )
    r = client.patch(f"/api/v1/views/{shared['id']}", json=rename, headers=ngozi)
    assert r.status_code == 200 and r.json()["name"] == "Lagos queue"
    r = client.patch(f"/api/v1/views/{shared['id']}", json={"team_id": None}, headers=ada)
    assert r.status_code == 200 and r.json()["team_id"] is None
    assert names(chioma) == []
    client.patch(f"/api/v1/views/{shared['id']}", json={"team_id": lagos.id}, headers=ada)
    assert client.delete(f"/api/v1/views/{mine['id']}", headers=admin).status_code == 404
    assert client.delete(f"/api/v1/views/{shared['id']}", headers=admin).status_code == 204
    assert names(ada) == ["Mine"]


def test_a_views_export_holds_every_row(client, db, clock, make_user):
    for n in range(7):
        make_order(db, clock, f"o-{n}", number=f"#30{n}", total_amount=f"{10 + n}.50")
    headers = _headers(db, clock, make_user(Role.AGENT))
    config = {"columns": ["number", "total", "items"], "sorts": [{"column": "number"}]}
    view = client.post(
        "/api/v1/views",
        json={"name": "All orders", "entity": "orders", "config": config},
        headers=headers,
    ).json()
    r = client.get(f"/api/v1/views/{view['id']}/export?format=csv", headers=headers)
    assert r.status_code == 200
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[0] == ["Order", "Total", "Items"]
    assert lines[1:] == [[f"#30{n}", f"${10 + n}.50", "3"] for n in range(7)]
    r = client.get(f"/api/v1/views/{view['id']}/export?format=xlsx", headers=headers)
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.count("<row ") == 8 and "#306" in sheet and "<v>16.5</v>" in sheet
    assert (
        client.get(f"/api/v1/views/{view['id']}/export?format=pdf", headers=headers).status_code
        == 422
    )
