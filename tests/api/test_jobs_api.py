"""The jobs through HTTP: admins see each job's lease (who runs it, when next, the last
error); and the app runs its jobs by itself on the real clock only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from careloop.accounts.model import Role
from careloop.app import create_app
from careloop.clock import SystemClock
from careloop.jobs import leases
from careloop.jobs.background import background_enabled
from careloop.jobs.registry import JOBS_ENV
from careloop.jobs.runner import run_due
from tests.integration import jobs_support


def test_admins_see_each_jobs_lease(client, auth, db, clock):
    headers = auth(Role.ADMIN)
    r = client.get("/api/v1/jobs", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["items"] == []  # nothing has run yet
    t0 = clock.now()
    assert run_due(db, jobs_support.failing_jobs(), now=t0, owner="host:1:ab") == [
        "broken",
        "fine",
    ]
    # Another runner holds a long job's lease right now.
    leases.add_missing(db, ["long"], now=t0)
    assert leases.claim(
        db, "long", now=t0, owner="host:2:cd", lease=timedelta(minutes=5), next_run_at=t0
    )
    body = client.get("/api/v1/jobs", headers=headers).json()
    items = {i["name"]: i for i in body["items"]}
    assert list(items) == ["broken", "fine", "long"]
    assert items["broken"]["last_error"] == "RuntimeError: the carrier API is down"
    assert items["fine"]["last_error"] is None
    assert (items["fine"]["owner"], items["fine"]["runs"]) == ("host:1:ab", 1)
    assert (items["fine"]["running"], items["fine"]["leased_until"]) == (False, None)
    assert items["fine"]["last_finished_at"] is not None
    assert items["fine"]["next_run_at"] == "2026-11-02T09:00:30Z"
    assert (items["long"]["running"], items["long"]["owner"]) == (True, "host:2:cd")
    assert items["long"]["leased_until"] == "2026-11-02T09:05:00Z"
    clock.advance(timedelta(minutes=6))  # the lease ran out: no longer running
    later = client.get("/api/v1/jobs", headers=headers).json()
    assert {i["name"]: i["running"] for i in later["items"]}["long"] is False


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_admins_see_the_jobs(client, auth, role):
    r = client.get("/api/v1/jobs", headers=auth(role))
    assert r.status_code == 403
    assert r.json()["error"]["details"]["required"] == "routing:manage"


def test_the_jobs_need_a_token(client):
    assert client.get("/api/v1/jobs").status_code == 401


def test_background_jobs_follow_real_time_only(app, client, monkeypatch):
    assert app.state.worker is None  # the test app runs on a FakeClock
    assert background_enabled(SystemClock())
    monkeypatch.setenv("CARELOOP_BACKGROUND", "0")
    assert not background_enabled(SystemClock())


def test_the_app_runs_its_jobs_on_the_real_clock_and_stops_them(settings, db, monkeypatch):
    monkeypatch.setenv(JOBS_ENV, "tests.integration.jobs_support:counting_jobs")
    jobs_support.ran.clear()
    app = create_app(settings, db=db, clock=SystemClock())
    with TestClient(app):
        worker = app.state.worker
        assert worker is not None and worker.running
        assert jobs_support.ran.wait(10)
    assert not worker.running
