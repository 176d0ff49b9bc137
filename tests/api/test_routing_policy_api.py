"""Routing policies through HTTP: read, replace, remove a team's; bad input is a 4xx that
changes nothing; a stored policy changes how tickets are routed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from careloop.accounts.model import Role
from careloop.workforce import attendance
from tests.factories import ACTOR, make_agent, make_shift, ticket_payload

H = timedelta(hours=1)
BASE = "/api/v1/routing/policies"
BUILT_IN = {
    "team_id": None,
    "strategy": "least_loaded",
    "fallback_languages": ["en"],
    "fallback_after_seconds": 600,
    "unopened_after_seconds": None,
    "keep_answered": True,
    "updated_at": None,
}


def team(client, auth, name="EU") -> int:
    r = client.post("/api/v1/teams", json={"name": name}, headers=auth())
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_the_built_in_default_until_one_is_stored(client, auth):
    r = client.get(BASE, headers=auth(Role.VIEWER))
    assert r.status_code == 200
    assert r.json() == {"default": BUILT_IN, "teams": []}


def test_put_get_and_delete(client, auth):
    eu = team(client, auth)
    r = client.put(
        f"{BASE}/default",
        json={"fallback_languages": ["EN", "fr", "en"], "unopened_after_seconds": 300},
        headers=auth(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["fallback_languages"] == ["en", "fr"]
    r = client.put(
        f"{BASE}/teams/{eu}",
        json={"strategy": "round_robin", "keep_answered": False},
        headers=auth(),
    )
    assert r.status_code == 200, r.text
    listed = client.get(BASE, headers=auth(Role.AGENT)).json()
    assert listed["default"] | {"updated_at": None} == BUILT_IN | {
        "fallback_languages": ["en", "fr"],
        "unopened_after_seconds": 300,
    }
    assert listed["default"]["updated_at"] == "2026-11-02T09:00:00Z"
    [mine] = listed["teams"]
    assert mine == {
        "team_id": eu,
        "strategy": "round_robin",
        "fallback_languages": None,
        "fallback_after_seconds": None,
        "unopened_after_seconds": None,
        "keep_answered": False,
        "updated_at": "2026-11-02T09:00:00Z",
    }
    # A PUT replaces the whole policy: what is left out takes its default again.
    r = client.put(f"{BASE}/default", json={}, headers=auth())
    assert r.json() | {"updated_at": None} == BUILT_IN

    assert client.delete(f"{BASE}/teams/{eu}", headers=auth()).status_code == 204
    assert client.get(BASE, headers=auth()).json()["teams"] == []
    assert client.delete(f"{BASE}/teams/{eu}", headers=auth()).status_code == 204  # had none
    audit = client.get(BASE, headers=auth())  # still readable after the changes
    assert audit.status_code == 200


def test_changes_are_audited(client, auth, db):
    from sqlalchemy import select

    from careloop.storage.audit import AuditEntry

    eu = team(client, auth)
    client.put(f"{BASE}/default", json={"strategy": "round_robin"}, headers=auth())
    client.put(f"{BASE}/default", json={"strategy": "least_loaded"}, headers=auth())
    client.put(f"{BASE}/default", json={"strategy": "least_loaded"}, headers=auth())  # same
    client.put(f"{BASE}/teams/{eu}", json={}, headers=auth())
    client.delete(f"{BASE}/teams/{eu}", headers=auth())
    with db.read() as s:
        rows = list(s.scalars(select(AuditEntry).where(AuditEntry.entity_type == "routing_policy")))
    assert [r.action for r in rows] == ["created", "updated", "created", "deleted"]
    assert rows[1].changes == {"strategy": {"before": "round_robin", "after": "least_loaded"}}
    assert rows[2].changes["team_id"] == {"before": None, "after": eu}


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("default", {"strategy": "random"}, 422),
        ("default", {"fallback_languages": ["xx"]}, 422),
        ("default", {"fallback_languages": "en"}, 422),
        ("default", {"fallback_languages": ["en"] * 11}, 422),
        ("default", {"fallback_after_seconds": -1}, 422),
        ("default", {"fallback_after_seconds": 10**9}, 422),
        ("default", {"unopened_after_seconds": -5}, 422),
        ("default", {"unopened_after_seconds": 59}, 422),  # at least a minute to open it
        ("default", {"keep_answered": "maybe"}, 422),
        ("default", {"colour": "blue"}, 422),
        ("teams/{eu}", {"fallback_languages": ["fr"]}, 422),  # the fallback is everyone's
        ("teams/{eu}", {"strategy": "fastest"}, 422),
        ("teams/999999", {}, 404),
        ("teams/0", {}, 422),
    ],
)
def test_bad_input_is_a_4xx_and_changes_nothing(client, auth, path, body, status):
    eu = team(client, auth)
    before = client.get(BASE, headers=auth()).json()
    r = client.put(f"{BASE}/{path.format(eu=eu)}", json=body, headers=auth())
    assert r.status_code == status, r.text
    assert "error" in r.json()
    assert client.get(BASE, headers=auth()).json() == before


def test_deleting_an_unknown_teams_policy_is_a_404(client, auth):
    r = client.delete(f"{BASE}/teams/999999", headers=auth())
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_a_supervisor_reads_but_may_not_change_policies(client, auth):
    lead = auth(Role.SUPERVISOR)
    assert client.get(BASE, headers=lead).status_code == 200
    r = client.put(f"{BASE}/default", json={"strategy": "round_robin"}, headers=lead)
    assert r.status_code == 403
    assert client.get(BASE, headers=auth()).json()["default"]["strategy"] == "least_loaded"


# --- the stored policy routes ----------------------------------------------------------------


def clocked_in_agent(db, clock, **kw) -> int:
    agent = make_agent(db, clock, **kw)
    make_shift(db, clock, agent.id, clock.now() - H, clock.now() + 7 * H)
    attendance.clock_in(db, actor=ACTOR, now=clock.now(), agent_id=agent.id)
    return agent.id


def assign_six(client, auth, clock) -> list[int]:
    got = []
    for _ in range(6):
        clock.advance(timedelta(seconds=1))
        r = client.post("/api/v1/tickets", json=ticket_payload(), headers=auth(Role.INTEGRATOR))
        assert r.status_code == 201, r.text
        got.append(r.json()["assignee_id"])
    return got


def busy_team(client, auth, db, clock) -> list[int]:
    """Three agents of team EU on duty; the first already holds three tickets given by hand."""
    agents = [clocked_in_agent(db, clock, team="EU", capacity=10) for _ in range(3)]
    for _ in range(3):
        r = client.post(
            "/api/v1/tickets", json=ticket_payload(language="fi"), headers=auth(Role.INTEGRATOR)
        )
        r = client.patch(
            f"/api/v1/tickets/{r.json()['id']}", json={"assignee_id": agents[0]}, headers=auth()
        )
        assert r.status_code == 200, r.text
    return agents


def test_a_teams_round_robin_routes_its_agents_in_turn(client, auth, db, clock):
    eu = team(client, auth)
    a, b, c = busy_team(client, auth, db, clock)
    r = client.put(f"{BASE}/teams/{eu}", json={"strategy": "round_robin"}, headers=auth())
    assert r.status_code == 200
    # Round robin ignores load: each agent in turn, by id.
    assert assign_six(client, auth, clock) == [a, b, c, a, b, c]
    latest = client.get("/api/v1/tickets?limit=1", headers=auth()).json()["items"][0]
    audit = client.get(f"/api/v1/tickets/{latest['id']}/audit", headers=auth()).json()
    assert [e["changes"]["reason"]["after"] for e in audit if e["action"] == "assigned"] == [
        "round_robin"
    ]


def test_without_the_teams_row_least_loaded_decides(client, auth, db, clock):
    eu = team(client, auth)
    _, b, c = busy_team(client, auth, db, clock)
    client.put(f"{BASE}/teams/{eu}", json={"strategy": "round_robin"}, headers=auth())
    assert client.delete(f"{BASE}/teams/{eu}", headers=auth()).status_code == 204
    assert assign_six(client, auth, clock) == [b, c, b, c, b, c]  # the busy one gets none


def test_a_team_row_does_not_decide_for_candidates_of_several_teams(client, auth, db, clock):
    eu = team(client, auth)
    team(client, auth, "US")
    a, _, _ = busy_team(client, auth, db, clock)
    us = clocked_in_agent(db, clock, team="US", capacity=10)
    client.put(f"{BASE}/teams/{eu}", json={"strategy": "round_robin"}, headers=auth())
    got = assign_six(client, auth, clock)
    assert a not in got and us in got  # least loaded, the default, chose among EU and US


def test_the_default_fallback_delay_is_the_stored_one(client, auth, db, clock):
    english = clocked_in_agent(db, clock, languages=("en",))
    headers = auth(Role.INTEGRATOR)
    r = client.put(f"{BASE}/default", json={"fallback_after_seconds": 0}, headers=auth())
    assert r.status_code == 200
    r = client.post("/api/v1/tickets", json=ticket_payload(language="de"), headers=headers)
    assert r.json()["assignee_id"] == english  # at once: the built-in delay is 10 minutes
    assert "needs-translation" in r.json()["tags"]


@pytest.mark.parametrize(
    ("for_team", "data", "field"),
    [
        (False, {"strategy": "fastest"}, "strategy"),
        (False, {"fallback_languages": ["en", 7]}, "fallback_languages"),
        (False, {"fallback_languages": ["zz"]}, "fallback_languages"),
        (False, {"fallback_after_seconds": True}, "fallback_after_seconds"),
        (False, {"fallback_after_seconds": None}, "fallback_after_seconds"),
        (False, {"unopened_after_seconds": 30}, "unopened_after_seconds"),
        (False, {"keep_answered": 1}, "keep_answered"),
        (False, {"colour": "blue"}, "colour"),
        (True, {"fallback_after_seconds": 60}, "fallback_after_seconds"),
    ],
)
def test_set_policy_checks_its_input_itself(client, auth, db, clock, for_team, data, field):
    """The action does not rely on the API's models: callers such as the CLI go straight to it."""
    from careloop.errors import Invalid
    from careloop.routing import policy

    team_id = team(client, auth) if for_team else None
    with pytest.raises(Invalid) as caught:
        policy.set_policy(db, actor=ACTOR, now=clock.now(), team_id=team_id, data=data)
    assert caught.value.details["field"] == field
    assert policy.list_policies(db) == (None, [])
