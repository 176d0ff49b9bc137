"""Agents and teams through the HTTP API: creating, listing, changing; each bad input is a clear
4xx and changes nothing."""

from __future__ import annotations

import pytest

from careloop.accounts.model import Role
from careloop.accounts.tables import User
from careloop.workforce.tables import Agent, Team
from tests.api.workforce_support import audit_of, count
from tests.factories import make_agent, ticket_payload


def agent_body(**overrides):
    body = {
        "name": "Amara Obi",
        "email": "amara@careloop.example",
        "languages": ["en", "yo"],
        "skills": ["quality", "channel:chat"],
        "timezone": "Africa/Lagos",
        "capacity": 8,
    }
    body.update(overrides)
    return body


def make_team(client, headers, name="EMEA") -> dict:
    r = client.post("/api/v1/teams", json={"name": name}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


# --- creating agents -----------------------------------------------------------------------


def test_create_agent_answers_201_with_the_agent(client, auth, db):
    admin = auth(Role.ADMIN)
    team = make_team(client, admin)
    r = client.post("/api/v1/agents", json=agent_body(team="emea", country="ng"), headers=admin)
    assert r.status_code == 201, r.text
    agent = r.json()
    assert agent["id"] > 0
    assert agent["name"] == "Amara Obi"
    assert agent["email"] == "amara@careloop.example"
    assert agent["languages"] == ["en", "yo"]
    assert agent["skills"] == ["category:quality", "channel:chat"]
    assert agent["timezone"] == "Africa/Lagos"
    assert agent["country"] == "NG"
    assert agent["capacity"] == 8
    assert (agent["team"], agent["team_id"]) == ("EMEA", team["id"])
    assert agent["active"] is True
    assert "calendar_token" not in agent
    with db.read() as s:
        user = s.get(User, agent["id"])
    assert user.role == Role.AGENT
    assert [e.action for e in audit_of(db, agent["id"], "agent")] == ["created"]


def test_the_agent_id_is_what_a_ticket_assignee_holds(client, auth):
    admin = auth(Role.ADMIN)
    agent = client.post("/api/v1/agents", json=agent_body(), headers=admin).json()
    r = client.post("/api/v1/tickets", json=ticket_payload(assignee_id=agent["id"]), headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["assignee_id"] == agent["id"]


def test_skills_are_optional_and_none_means_all(client, auth):
    body = agent_body()
    del body["skills"]
    r = client.post("/api/v1/agents", json=body, headers=auth(Role.SUPERVISOR))
    assert r.status_code == 201, r.text
    assert r.json()["skills"] == []
    assert r.json()["team"] is None


@pytest.mark.parametrize(
    "overrides",
    [
        {"languages": ["xx"]},
        {"languages": []},
        {"languages": ["english"]},
        {"timezone": "Mars/Olympus_Mons"},
        {"timezone": "CEST+2"},
        {"skills": ["colour"]},
        {"skills": ["brand:0"]},
        {"team": "Nobody's team"},
        {"capacity": -1},
        {"capacity": 201},
        {"country": "XX"},
        {"email": "not-an-address"},
        {"name": ""},
        {"shoe_size": 42},
        {"languages": ["en\x00"]},
    ],
)
def test_bad_agent_input_is_422_and_creates_nothing(client, auth, db, overrides):
    admin = auth(Role.ADMIN)
    before = (count(db, Agent), count(db, User))
    r = client.post("/api/v1/agents", json=agent_body(**overrides), headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "validation_error"
    assert (count(db, Agent), count(db, User)) == before


def test_duplicate_email_is_409_and_creates_nothing(client, auth, db):
    admin = auth(Role.ADMIN)
    assert client.post("/api/v1/agents", json=agent_body(), headers=admin).status_code == 201
    before = (count(db, Agent), count(db, User))
    r = client.post(
        "/api/v1/agents",
        json=agent_body(name="Someone Else", email="AMARA@careloop.example"),
        headers=admin,
    )
    assert r.status_code == 409, r.text
    assert r.json()["error"]["details"] == {"field": "email"}
    assert (count(db, Agent), count(db, User)) == before


def test_agents_cannot_create_agents(client, auth, db):
    for role in (Role.AGENT, Role.VIEWER, Role.INTEGRATOR):
        r = client.post("/api/v1/agents", json=agent_body(), headers=auth(role))
        assert r.status_code == 403, (role, r.text)
    assert count(db, Agent) == 0


# --- reading agents ------------------------------------------------------------------------


def test_list_and_get_agents_with_team_filter(client, auth, db, clock):
    admin = auth(Role.ADMIN)
    emea = make_team(client, admin, "EMEA")
    make_team(client, admin, "Americas")
    a = make_agent(db, clock, name="Zola", team="EMEA")
    b = make_agent(db, clock, name="Ade", team="Americas")
    c = make_agent(db, clock, name="Bea", team="EMEA")
    viewer = auth(Role.VIEWER)
    everyone = client.get("/api/v1/agents", headers=viewer).json()["items"]
    assert [x["name"] for x in everyone] == ["Ade", "Bea", "Zola"]
    team = client.get(f"/api/v1/agents?team_id={emea['id']}", headers=viewer).json()["items"]
    assert [x["id"] for x in team] == [c.id, a.id]
    one = client.get(f"/api/v1/agents/{b.id}", headers=auth(Role.AGENT)).json()
    assert (one["name"], one["team"]) == ("Ade", "Americas")


def test_get_unknown_agent_is_404(client, auth):
    r = client.get("/api/v1/agents/999999", headers=auth(Role.VIEWER))
    assert r.status_code == 404
    assert client.get("/api/v1/agents/0", headers=auth(Role.VIEWER)).status_code == 422
    r = client.get("/api/v1/agents/99999999999", headers=auth(Role.VIEWER))
    assert r.status_code == 422


# --- changing agents -----------------------------------------------------------------------


def test_patch_agent_changes_only_what_is_sent_and_audits_it(client, auth, db, clock):
    admin = auth(Role.ADMIN)
    make_team(client, admin, "EMEA")
    agent = make_agent(db, clock, languages=("en",), capacity=5)
    r = client.patch(
        f"/api/v1/agents/{agent.id}",
        json={"languages": ["fr", "en"], "capacity": 9, "team": "EMEA", "country": "de"},
        headers=auth(Role.SUPERVISOR),
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["languages"] == ["fr", "en"]
    assert out["capacity"] == 9
    assert out["team"] == "EMEA" and out["team_id"] is not None
    assert out["country"] == "DE"
    assert out["timezone"] == "Europe/Berlin"  # unchanged
    entry = audit_of(db, agent.id, "agent")[-1]
    assert entry.action == "updated"
    assert entry.actor_label == "token:supervisor token"
    assert entry.changes["capacity"] == {"before": 5, "after": 9}
    assert entry.changes["languages"] == {"before": ["en"], "after": ["fr", "en"]}
    assert entry.changes["team"] == {"before": None, "after": "EMEA"}
    assert "timezone" not in entry.changes


def test_patch_null_clears_team_and_country_and_active_false_deactivates(client, auth, db, clock):
    admin = auth(Role.ADMIN)
    make_team(client, admin, "EMEA")
    agent = make_agent(db, clock, team="EMEA")
    client.patch(f"/api/v1/agents/{agent.id}", json={"country": "DE"}, headers=admin)
    r = client.patch(
        f"/api/v1/agents/{agent.id}",
        json={"team": None, "country": None, "active": False},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["team"], r.json()["team_id"], r.json()["country"]) == (None, None, None)
    assert r.json()["active"] is False
    again = client.get(f"/api/v1/agents/{agent.id}", headers=admin).json()
    assert again["team"] is None and again["active"] is False


def test_patch_without_a_change_writes_no_audit(client, auth, db, clock):
    agent = make_agent(db, clock, capacity=5)
    before = len(audit_of(db, agent.id, "agent"))
    r = client.patch(f"/api/v1/agents/{agent.id}", json={"capacity": 5}, headers=auth())
    assert r.status_code == 200
    assert len(audit_of(db, agent.id, "agent")) == before


@pytest.mark.parametrize(
    "body",
    [
        {"team": "Nobody's team"},
        {"languages": ["xx"]},
        {"languages": None},
        {"timezone": "Nowhere/Special"},
        {"skills": ["colour"]},
        {"capacity": None},
        {"capacity": 1000},
        {"name": "New name"},
        {"active": None},
    ],
)
def test_bad_patch_is_422_and_changes_nothing(client, auth, db, clock, body):
    agent = make_agent(db, clock, capacity=5)
    before = client.get(f"/api/v1/agents/{agent.id}", headers=auth()).json()
    audits = len(audit_of(db, agent.id, "agent"))
    r = client.patch(f"/api/v1/agents/{agent.id}", json=body, headers=auth())
    assert r.status_code == 422, r.text
    assert client.get(f"/api/v1/agents/{agent.id}", headers=auth()).json() == before
    assert len(audit_of(db, agent.id, "agent")) == audits


def test_patch_unknown_agent_is_404_and_agents_may_not_patch(client, auth, db, clock):
    assert (
        client.patch("/api/v1/agents/424242", json={"capacity": 3}, headers=auth()).status_code
        == 404
    )
    agent = make_agent(db, clock)
    r = client.patch(f"/api/v1/agents/{agent.id}", json={"capacity": 3}, headers=auth(Role.AGENT))
    assert r.status_code == 403


# --- teams ---------------------------------------------------------------------------------


def test_create_and_list_teams_with_a_lead(client, auth, db, clock):
    lead = make_agent(db, clock)
    r = client.post(
        "/api/v1/teams", json={"name": "APAC", "lead_id": lead.id}, headers=auth(Role.SUPERVISOR)
    )
    assert r.status_code == 201, r.text
    assert (r.json()["name"], r.json()["lead_id"]) == ("APAC", lead.id)
    make_team(client, auth(), "Americas")
    names = [
        t["name"] for t in client.get("/api/v1/teams", headers=auth(Role.VIEWER)).json()["items"]
    ]
    assert names == ["APAC", "Americas"]
    assert [e.action for e in audit_of(db, r.json()["id"], "team")] == ["created"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "emea"}, 409),
        ({"name": ""}, 422),
        ({"name": "x" * 101}, 422),
        ({"name": "New", "lead_id": 999999}, 422),
        ({"name": "New", "lead_id": 0}, 422),
        ({"name": "New", "colour": "red"}, 422),
    ],
)
def test_bad_team_is_refused_and_creates_nothing(client, auth, db, body, status):
    make_team(client, auth(), "EMEA")
    r = client.post("/api/v1/teams", json=body, headers=auth())
    assert r.status_code == status, r.text
    assert count(db, Team) == 1


def test_patch_team_renames_it_and_changes_its_lead_audited(client, auth, db, clock):
    admin = auth(Role.ADMIN)
    team = make_team(client, admin, "EMEA")
    first, second = make_agent(db, clock), make_agent(db, clock)
    h = auth(Role.SUPERVISOR)
    r = client.patch(f"/api/v1/teams/{team['id']}", json={"lead_id": first.id}, headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["lead_id"]) == ("EMEA", first.id)
    r = client.patch(
        f"/api/v1/teams/{team['id']}",
        json={"name": " Europe & Africa ", "lead_id": second.id},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["lead_id"]) == ("Europe & Africa", second.id)
    listed = client.get("/api/v1/teams", headers=auth(Role.VIEWER)).json()["items"]
    assert [(t["name"], t["lead_id"]) for t in listed] == [("Europe & Africa", second.id)]
    # Agents join a team by its name: the new one.
    r = client.patch(f"/api/v1/agents/{first.id}", json={"team": "europe & africa"}, headers=h)
    assert r.json()["team_id"] == team["id"]
    # The same name in another case is a rename; null removes the lead; nothing sent, no audit.
    r = client.patch(
        f"/api/v1/teams/{team['id']}", json={"name": "EUROPE & AFRICA", "lead_id": None}, headers=h
    )
    assert (r.json()["name"], r.json()["lead_id"]) == ("EUROPE & AFRICA", None)
    assert client.patch(f"/api/v1/teams/{team['id']}", json={}, headers=h).status_code == 200
    entries = audit_of(db, team["id"], "team")
    assert [e.action for e in entries] == ["created", "updated", "updated", "updated"]
    assert entries[1].changes == {"lead_id": {"before": None, "after": first.id}}
    assert entries[2].changes == {
        "name": {"before": "EMEA", "after": "Europe & Africa"},
        "lead_id": {"before": first.id, "after": second.id},
    }
    assert entries[2].actor_label == "token:supervisor token"
    assert entries[3].changes["lead_id"] == {"before": second.id, "after": None}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "apac"}, 409),  # another team's name, in another case
        ({"name": "APAC", "lead_id": "{other}"}, 409),  # the new lead is not kept either
        ({"lead_id": 999999}, 422),  # not an agent
        ({"lead_id": "{user}"}, 422),  # a user, but not an agent
        ({"name": "Fine", "lead_id": 999999}, 422),  # the rename is not kept either
        ({"lead_id": 0}, 422),
        ({"name": ""}, 422),
        ({"name": "   "}, 422),
        ({"name": None}, 422),
        ({"name": "x" * 101}, 422),
        ({"colour": "red"}, 422),
    ],
)
def test_bad_team_patch_is_refused_and_changes_nothing(
    client, auth, db, clock, make_user, body, status
):
    admin = auth(Role.ADMIN)
    make_team(client, admin, "APAC")
    lead, other = make_agent(db, clock), make_agent(db, clock)
    team = client.post(
        "/api/v1/teams", json={"name": "EMEA", "lead_id": lead.id}, headers=admin
    ).json()
    ids = {"{other}": other.id, "{user}": make_user(Role.VIEWER).id}
    payload = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    before = client.get("/api/v1/teams", headers=admin).json()
    r = client.patch(f"/api/v1/teams/{team['id']}", json=payload, headers=admin)
    assert r.status_code == status, r.text
    assert set(r.json()["error"]) == {"code", "message", "details"}
    assert client.get("/api/v1/teams", headers=admin).json() == before
    assert [e.action for e in audit_of(db, team["id"], "team")] == ["created"]


def test_patch_unknown_team_is_404_and_agents_may_not_patch_teams(client, auth):
    assert (
        client.patch("/api/v1/teams/424242", json={"name": "X"}, headers=auth()).status_code == 404
    )
    team = make_team(client, auth(Role.ADMIN))
    r = client.patch(f"/api/v1/teams/{team['id']}", json={"name": "X"}, headers=auth(Role.AGENT))
    assert r.status_code == 403
    assert client.get("/api/v1/teams", headers=auth()).json()["items"][0]["name"] == "EMEA"
