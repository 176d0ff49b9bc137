"""The demo's service levels: a Berlin office calendar (the wholesale desk's hours), a 24/7
default policy meeting the brand's goal of a first response within 30 minutes, a faster one
for urgent tickets and VIP customers, and a business-hours one for the B2B brand. Made through
the SLA actions, then the open tickets' due instants are computed once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from careloop.demo.catalog import BRANDS
from careloop.demo.workforce import DEMO_ACTOR
from careloop.sla import actions
from careloop.sla.clocks import recompute_open_tickets
from careloop.sla.tables import SlaPolicy
from careloop.storage.engine import Database

OFFICE_HOURS = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def load_sla(db: Database, *, now: datetime, brand_ids: dict[str, int]) -> int:
    """The demo's calendar and policies, unless some policy exists; returns how many open
    tickets got due instants."""
    with db.read() as s:
        if s.scalar(select(func.count()).select_from(SlaPolicy)):
            return 0
    office = actions.create_calendar(
        db,
        actor=DEMO_ACTOR,
        now=now,
        values={
            "name": "Berlin office",
            "timezone": "Europe/Berlin",
            "windows": OFFICE_HOURS,
            "holiday_country": "DE",
            "closed_dates": [f"{now.year}-12-24", f"{now.year}-12-31"],
        },
    )
    b2b = [brand_ids[b.code] for b in BRANDS if b.is_b2b and b.code in brand_ids]
    lead_and_priority = {"notify_lead": True, "raise_priority": True, "reassign": False}
    policies: list[dict[str, Any]] = [
        {
            "name": "Urgent and VIP",
            "position": 10,
            "conditions": {"priorities": ["urgent"]},
            "first_response_minutes": 15,
            "next_response_minutes": 30,
            "resolution_minutes": 4 * 60,
            "escalation": lead_and_priority | {"reassign": True},
        },
        {
            "name": "VIP customers",
            "position": 20,
            "conditions": {"customer_tiers": ["vip"]},
            "first_response_minutes": 15,
            "next_response_minutes": 60,
            "resolution_minutes": 12 * 60,
            "escalation": lead_and_priority,
        },
        {
            "name": "B2B wholesale (office hours)",
            "position": 30,
            "conditions": {"brand_ids": b2b},
            "first_response_minutes": 60,
            "next_response_minutes": 4 * 60,
            "resolution_minutes": 2 * 9 * 60,
            "calendar_id": office.id,
            "escalation": lead_and_priority,
        },
        {
            "name": "Default (24/7)",
            "position": 100,
            "first_response_minutes": 30,
            "next_response_minutes": 2 * 60,
            "resolution_minutes": 48 * 60,
            "escalation": {"notify_lead": True},
        },
    ]
    for values in policies:
        actions.create_policy(db, actor=DEMO_ACTOR, now=now, values=values, recompute=False)
    return recompute_open_tickets(db, actor=DEMO_ACTOR, now=now)
