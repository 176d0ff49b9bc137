"""The SLA API: calendars and policies (CRUD, validation that changes nothing), events and
their acknowledgement, and the due instants in a ticket's output."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from careloop.accounts.model import Role
from careloop.sla.sweep import sla_sweep
from careloop.sla.tables import BusinessCalendar, SlaPolicy
from careloop.storage.audit import AuditEntry
from tests.factories import ticket_payload

CAL = "/api/v1/sla/calendars"
POL = "/api/v1/sla/policies"
OFFICE = {
    "name": "Berlin office",
    "timezone": "Europe/Berlin",
    "windows": {"mon": [["09:00", "12:30"], ["13:30", "18:00"]], "fri": [["09:00", "15:00"]]},
    "holiday_country": "DE",
    "closed_dates": ["2026-12-24"],
}


def counts(db) -> tuple[int, int, int]:
    with db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(BusinessCalendar)),
            s.scalar(select(func.count()).select_from(SlaPolicy)),
            s.scalar(select(func.count()).select_from(AuditEntry)),
        )


def test_calendar_crud(client, auth):
    admin = auth(Role.ADMIN)
    r = client.post(CAL, json=OFFICE, headers=admin)
    assert r.status_code == 201, r.text
    cal = r.json()
    assert cal["windows"]["mon"] == [["09:00", "12:30"], ["13:30", "18:00"]]
    assert cal["closed_dates"] == ["2026-12-24"]
    r = client.patch(f"{CAL}/{cal['id']}", json={"holiday_country": None}, headers=admin)
    assert r.status_code == 200 and r.json()["holiday_country"] is None
    assert client.get(f"{CAL}/{cal['id']}", headers=auth(Role.VIEWER)).json()["name"] == (
        "Berlin office"
    )
    assert [c["id"] for c in client.get(CAL, headers=admin).json()["items"]] == [cal["id"]]
    assert client.delete(f"{CAL}/{cal['id']}", headers=admin).status_code == 204
    assert client.get(f"{CAL}/{cal['id']}", headers=admin).status_code == 404


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"timezone": "Mars/Olympus"}, 422),
        ({"windows": {"mon": [["09:00", "12:00"], ["11:00", "14:00"]]}}, 422),
        ({"windows": {"mon": [["17:00", "09:00"]]}}, 422),
        ({"windows": {"moonday": [["09:00", "17:00"]]}}, 422),
        ({"windows": {}}, 422),
        ({"holiday_country": "XX"}, 422),
        ({"closed_dates": ["24.12.2026"]}, 422),
        ({"name": "Taken"}, 409),
    ],
)
def test_a_bad_calendar_is_refused_and_changes_nothing(client, auth, db, change, status):
    admin = auth(Role.ADMIN)
    client.post(CAL, json=OFFICE | {"name": "Taken"}, headers=admin)
    before = counts(db)
    r = client.post(CAL, json=OFFICE | change, headers=admin)
    assert r.status_code == status, r.text
    assert counts(db) == before


def test_policy_crud_and_tickets_follow(client, auth):
    admin = auth(Role.ADMIN)
    r = client.post(
        POL,
        json={
            "name": "Default",
            "first_response_minutes": 30,
            "resolution_minutes": 600,
            "escalation": {"raise_priority": True},
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    default = r.json()
    assert default["escalation"] == {"raise_priority": True, "notify_lead": True, "reassign": False}
    ticket = client.post("/api/v1/tickets", json=ticket_payload(), headers=admin).json()
    assert ticket["sla_policy_id"] == default["id"]
    assert ticket["first_response_due_at"] is not None
    assert ticket["first_assigned_at"] is None and ticket["first_response_at"] is None
    cal = client.post(CAL, json=OFFICE, headers=admin).json()
    r = client.post(
        POL,
        json={
            "name": "Quality",
            "position": 0,
            "conditions": {"categories": ["quality"], "priorities": ["normal", "high"]},
            "first_response_minutes": 60,
            "calendar_id": cal["id"],
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    quality = r.json()
    names = [p["name"] for p in client.get(POL, headers=auth(Role.VIEWER)).json()["items"]]
    assert names == ["Quality", "Default"]
    got = client.get(f"/api/v1/tickets/{ticket['id']}", headers=admin).json()
    assert got["sla_policy_id"] == quality["id"]  # the open ticket took the new policy
    assert got["resolution_due_at"] is None
    r = client.patch(f"{POL}/{quality['id']}", json={"calendar_id": None}, headers=admin)
    assert r.status_code == 200 and r.json()["calendar_id"] is None
    r = client.delete(f"{POL}/{quality['id']}", headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    got = client.get(f"/api/v1/tickets/{ticket['id']}", headers=admin).json()
    assert got["sla_policy_id"] == default["id"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"first_response_minutes": -5}, 422),
        ({"first_response_minutes": 0}, 422),
        ({"calendar_id": 999}, 404),
        ({"conditions": {"brand_ids": [999]}}, 422),
        ({"conditions": {"priorities": ["whenever"]}}, 422),
        ({"conditions": {"moods": ["angry"]}}, 422),
        ({"escalation": {"fire": True}}, 422),
        ({"name": "Taken"}, 409),
    ],
)
def test_a_bad_policy_is_refused_and_changes_nothing(client, auth, db, body, status):
    admin = auth(Role.ADMIN)
    client.post(POL, json={"name": "Taken"}, headers=admin)
    before = counts(db)
    r = client.post(POL, json={"name": "New"} | body, headers=admin)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] in {"validation_error", "not_found", "conflict"}
    assert counts(db) == before


def test_patching_a_policy_with_nulls_it_cannot_hold_is_refused(client, auth, db):
    admin = auth(Role.ADMIN)
    pid = client.post(POL, json={"name": "P"}, headers=admin).json()["id"]
    before = counts(db)
    for body in ({"active": None}, {"name": None}, {"resolution_minutes": -1}):
        assert client.patch(f"{POL}/{pid}", json=body, headers=admin).status_code == 422
    assert client.patch(f"{POL}/999", json={"name": "x"}, headers=admin).status_code == 404
    assert counts(db) == before


def test_a_calendar_in_use_cannot_be_deleted(client, auth, db):
    admin = auth(Role.ADMIN)
    cal = client.post(CAL, json=OFFICE, headers=admin).json()
    client.post(POL, json={"name": "P", "calendar_id": cal["id"]}, headers=admin)
    before = counts(db)
    assert client.delete(f"{CAL}/{cal['id']}", headers=admin).status_code == 409
    assert counts(db) == before


def test_events_are_listed_and_acknowledged(client, auth, db, clock):
    admin = auth(Role.ADMIN)
    client.post(POL, json={"name": "P", "first_response_minutes": 10}, headers=admin)
    tid = client.post("/api/v1/tickets", json=ticket_payload(), headers=admin).json()["id"]
    clock.advance(timedelta(minutes=5))
    sla_sweep(db, now=clock.now())
    clock.advance(timedelta(minutes=6))
    sla_sweep(db, now=clock.now())
    lead = auth(Role.SUPERVISOR)
    items = client.get("/api/v1/sla/events?acknowledged=false", headers=lead).json()["items"]
    assert [(e["kind"], e["ticket_id"]) for e in items] == [("breach", tid), ("warning", tid)]
    breaches = client.get("/api/v1/sla/events?kind=breach", headers=lead).json()["items"]
    assert len(breaches) == 1
    r = client.post(f"/api/v1/sla/events/{breaches[0]['id']}/acknowledge", headers=lead)
    assert r.status_code == 200 and r.json()["acknowledged_at"] is not None
    left = client.get("/api/v1/sla/events?acknowledged=false", headers=lead).json()["items"]
    assert [e["kind"] for e in left] == ["warning"]
    assert client.post("/api/v1/sla/events/999/acknowledge", headers=lead).status_code == 404
    r = client.post(f"/api/v1/sla/events/{left[0]['id']}/acknowledge", headers=auth(Role.AGENT))
    assert r.status_code == 403
    assert client.get("/api/v1/sla/events?kind=nope", headers=lead).status_code == 422


def test_a_customers_tier_selects_its_policy(client, auth):
    admin = auth(Role.ADMIN)
    vip = client.post(
        POL,
        json={
            "name": "VIP",
            "conditions": {"customer_tiers": ["vip"]},
            "first_response_minutes": 5,
        },
        headers=admin,
    ).json()
    everyone = client.post(
        POL, json={"name": "Everyone", "first_response_minutes": 60}, headers=admin
    ).json()
    r = client.put(
        "/api/v1/customers/external/crm/c-7",
        json={"email": "amara@example.com", "tier": "vip"},
        headers=admin,
    )
    assert r.status_code in (200, 201), r.text
    assert r.json()["tier"] == "vip"
    known = client.post("/api/v1/tickets", json=ticket_payload(), headers=admin).json()
    assert known["sla_policy_id"] == vip["id"]
    stranger = ticket_payload(customer={"email": "someone@example.com"})
    assert (
        client.post("/api/v1/tickets", json=stranger, headers=admin).json()["sla_policy_id"]
        == everyone["id"]
    )
    # A ticket's customer reference may fill a missing tier; a malformed one is a 422.
    r = client.post(
        "/api/v1/tickets",
        json=ticket_payload(customer={"email": "x@example.com", "tier": "Gold Plus!"}),
        headers=admin,
    )
    assert r.status_code == 422, r.text
