"""Who may do what through the API: the role matrix, tokens and their life."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from careloop.accounts.model import Role
from careloop.cli import app as cli
from tests.factories import make_agent, make_shift, ticket_payload

ALL = set(Role)
WRITERS = {Role.ADMIN, Role.SUPERVISOR, Role.AGENT}
MANAGERS = {Role.ADMIN, Role.SUPERVISOR}


# (method, path builder, body, roles that may)
MATRIX = [
    ("GET", "/api/v1/tickets", None, ALL),
    ("POST", "/api/v1/tickets", ticket_payload(), WRITERS | {Role.INTEGRATOR}),
    ("PATCH", "/api/v1/tickets/{tid}", {"priority": "high"}, WRITERS),
    ("POST", "/api/v1/tickets/{tid}/replies", {"body": "hi"}, WRITERS),
    ("POST", "/api/v1/tickets/{tid}/notes", {"body": "hi"}, WRITERS),
    ("POST", "/api/v1/tickets/{tid}/tags", {"tags": ["x"]}, WRITERS),
    ("GET", "/api/v1/customers", None, ALL),
    (
        "PUT",
        "/api/v1/customers/external/crm/c-9",
        {"email": "z@example.com"},
        {Role.ADMIN, Role.SUPERVISOR, Role.INTEGRATOR},
    ),
    ("GET", "/api/v1/orders", None, ALL),
    ("POST", "/api/v1/brands", {"code": "b{n}", "name": "B"}, {Role.ADMIN}),
    ("GET", "/api/v1/users", None, {Role.ADMIN}),
    ("GET", "/api/v1/tokens", None, {Role.ADMIN}),
    ("POST", "/api/v1/tokens", {"name": "t", "role": "viewer"}, {Role.ADMIN}),
    # The workforce: everyone reads the roster; supervisors and admins manage it.
    ("GET", "/api/v1/agents", None, ALL),
    ("GET", "/api/v1/agents/{aid}", None, ALL),
    (
        "POST",
        "/api/v1/agents",
        {
            "name": "Agent {n}",
            "email": "a{n}@example.com",
            "languages": ["en"],
            "timezone": "UTC",
            "capacity": 5,
        },
        MANAGERS,
    ),
    ("PATCH", "/api/v1/agents/{aid}", {"capacity": 7}, MANAGERS),
    ("GET", "/api/v1/teams", None, ALL),
    ("POST", "/api/v1/teams", {"name": "Team {n}"}, MANAGERS),
    (
        "PATCH",
        "/api/v1/teams/{team}",
        lambda n, ids: {"name": f"Renamed {n}", "lead_id": ids["aid"]},
        MANAGERS,
    ),
    ("GET", "/api/v1/shift-templates", None, ALL),
    (
        "POST",
        "/api/v1/shift-templates",
        {"name": "Early {n}", "starts": "07:00", "ends": "15:00", "timezone": "UTC"},
        MANAGERS,
    ),
    ("GET", "/api/v1/shifts?from={day}T00:00:00Z&to={day}T23:00:00Z", None, ALL),
    (
        "POST",
        "/api/v1/shifts",
        lambda n, ids: {
            "agent_id": ids["aid"],
            "starts_at": f"2026-12-1{n}T08:00:00Z",
            "ends_at": f"2026-12-1{n}T16:00:00Z",
        },
        MANAGERS,
    ),
    (
        "POST",
        "/api/v1/shifts/batch",
        lambda n, ids: {
            "status": "draft",
            "shifts": [
                {
                    "agent_id": ids["aid"],
                    "starts_at": f"2026-12-2{n}T08:00:00Z",
                    "ends_at": f"2026-12-2{n}T16:00:00Z",
                }
            ],
        },
        MANAGERS,
    ),
    ("PATCH", "/api/v1/shifts/{sid}", {"note": "note {n}"}, MANAGERS),
    ("GET", "/api/v1/shifts/{sid}", None, ALL),
    ("GET", "/api/v1/shifts/{sid}/audit", None, ALL),
    (
        "POST",
        "/api/v1/rosters/copy-week",
        {"source_week": "{day}", "target_week": "2027-02-01"},
        MANAGERS,
    ),
    (
        "POST",
        "/api/v1/rosters/publish",
        {"from": "{day}T00:00:00Z", "to": "{day}T23:00:00Z"},
        MANAGERS,
    ),
    (
        "POST",
        "/api/v1/agents/{aid}/leave",
        {"kind": "sick", "start_date": "2027-01-0{m}", "end_date": "2027-01-0{m}"},
        MANAGERS,
    ),
    ("GET", "/api/v1/leave?from={day}T00:00:00Z&to={day}T23:00:00Z", None, ALL),
    ("GET", "/api/v1/holidays?country=DE&year=2026", None, ALL),
    # Routing policies: everyone reads them, only admins change them.
    ("GET", "/api/v1/routing/policies", None, ALL),
    ("PUT", "/api/v1/routing/policies/default", {"strategy": "round_robin"}, {Role.ADMIN}),
    ("PUT", "/api/v1/routing/policies/teams/{team}", {"keep_answered": False}, {Role.ADMIN}),
    ("DELETE", "/api/v1/routing/policies/teams/{team}", None, {Role.ADMIN}),
    ("GET", "/api/v1/board", None, MANAGERS),  # the live board: team leads and admins
    # Service levels: everyone who reads tickets reads them; admins change them; leads see events.
    ("GET", "/api/v1/sla/calendars", None, ALL),
    (
        "POST",
        "/api/v1/sla/calendars",
        {"name": "Office {n}", "timezone": "UTC", "windows": {"mon": [["09:00", "17:00"]]}},
        {Role.ADMIN},
    ),
    ("GET", "/api/v1/sla/policies", None, ALL),
    (
        "POST",
        "/api/v1/sla/policies",
        {"name": "Policy {n}", "resolution_minutes": 60},
        {Role.ADMIN},
    ),
    ("GET", "/api/v1/sla/events", None, MANAGERS),
    # Alert delivery: admins manage receivers; supervisors and viewers read them and the log.
    ("GET", "/api/v1/alert-receivers", None, {Role.ADMIN, Role.SUPERVISOR, Role.VIEWER}),
    (
        "POST",
        "/api/v1/alert-receivers",
        {"name": "Hook {n}", "kind": "webhook", "url": "https://ops.example.com/hook"},
        {Role.ADMIN},
    ),
    ("GET", "/api/v1/notifications", None, {Role.ADMIN, Role.SUPERVISOR, Role.VIEWER}),
    # Root-cause tasks: supervisors and admins manage them; agents and viewers read them.
    ("GET", "/api/v1/capa", None, WRITERS | {Role.VIEWER}),
    ("GET", "/api/v1/tickets/{tid}/trace", None, WRITERS | {Role.VIEWER}),
    ("POST", "/api/v1/capa", {"title": "Task {n}", "category": "other"}, MANAGERS),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
def test_role_matrix(client, auth, db, clock, method, path, body, allowed):
    admin = auth(Role.ADMIN)
    tid = client.post("/api/v1/tickets", json=ticket_payload(), headers=admin).json()["id"]
    agent = make_agent(db, clock)
    shift = make_shift(
        db,
        clock,
        agent.id,
        datetime(2026, 11, 30, 8, tzinfo=UTC),
        datetime(2026, 11, 30, 16, tzinfo=UTC),
    )
    team = client.post("/api/v1/teams", json={"name": "Matrix"}, headers=admin).json()["id"]
    ids = {"tid": tid, "aid": agent.id, "sid": shift.id, "team": team, "day": "2026-11-30"}
    for n, role in enumerate(Role):
        url = path.format(**ids)
        if callable(body):
            payload = body(n, ids)
        elif isinstance(body, dict):
            payload = {
                k: (v.format(n=n, m=n + 1, **ids) if isinstance(v, str) else v)
                for k, v in body.items()
            }
        else:
            payload = body
        r = client.request(method, url, json=payload, headers=auth(role))
        if role in allowed:
            assert r.status_code < 300, (role, r.status_code, r.text)
        else:
            assert r.status_code == 403, (role, r.status_code, r.text)
            assert r.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer nope", "Basic dXNlcjpwYXNz", "bearer clt_wrong"],
)
def test_no_or_wrong_token_is_401(client, header):
    headers = {"Authorization": header} if header else {}
    r = client.get("/api/v1/tickets", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_revoked_token_is_401(client, auth, make_token):
    admin = auth(Role.ADMIN)
    issued = client.post(
        "/api/v1/tokens", json={"name": "shop sync", "role": "integrator"}, headers=admin
    ).json()
    token = issued["token"]
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["role"]
        == "integrator"
    )
    listed = client.get("/api/v1/tokens", headers=admin).json()
    assert "token" not in listed[0] and token.startswith(listed[0]["prefix"])
    assert client.delete(f"/api/v1/tokens/{issued['id']}", headers=admin).status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_tokens_are_stored_hashed(client, auth, db):
    from sqlalchemy import select

    from careloop.accounts.tables import ApiToken

    token = client.post(
        "/api/v1/tokens", json={"name": "x", "role": "viewer"}, headers=auth(Role.ADMIN)
    ).json()["token"]
    with db.read() as s:
        stored = list(s.scalars(select(ApiToken.token_hash)))
    assert token not in stored
    assert all(len(h) == 64 for h in stored)


def test_cli_token_create_prints_a_working_token(client, database_url):
    result = CliRunner().invoke(
        cli,
        [
            "token",
            "create",
            "--role",
            "integrator",
            "--name",
            "erp",
            "--database-url",
            database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    r = client.post(
        "/api/v1/tickets", json=ticket_payload(), headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 201


def test_cli_token_create_refuses_unknown_role(database_url):
    result = CliRunner().invoke(
        cli, ["token", "create", "--role", "root", "--name", "x", "--database-url", database_url]
    )
    assert result.exit_code != 0
    assert "unknown role" in result.output
