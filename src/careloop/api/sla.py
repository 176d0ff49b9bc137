"""Service levels over JSON: business calendars and SLA policies (admins change them, anyone
who reads tickets reads them), and the warnings and breaches the sweep records, which team
leads acknowledge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from careloop.accounts.model import Permission, Principal
from careloop.api.deps import DB, Now, PathId, QueryId, require
from careloop.sla import actions, queries
from careloop.sla.model import EventKind
from careloop.sla.schemas import (
    CalendarCreate,
    CalendarList,
    CalendarOut,
    CalendarUpdate,
    EventOut,
    EventPage,
    PolicyCreate,
    PolicyList,
    PolicyOut,
    PolicyUpdate,
)

router = APIRouter(prefix="/api/v1/sla", tags=["sla"])

Reader = Annotated[Principal, Depends(require(Permission.TICKETS_READ))]
Manager = Annotated[Principal, Depends(require(Permission.SLA_MANAGE))]
Lead = Annotated[Principal, Depends(require(Permission.ROUTING_BOARD))]


# --- calendars -------------------------------------------------------------------------------


@router.get("/calendars", response_model=CalendarList)
def list_calendars(_: Reader, db: DB) -> CalendarList:
    return CalendarList(items=[CalendarOut.model_validate(c) for c in queries.list_calendars(db)])


@router.post("/calendars", status_code=201, response_model=CalendarOut)
def create_calendar(body: CalendarCreate, principal: Manager, db: DB, now: Now) -> CalendarOut:
    """Business hours in a zone. Overlapping windows, an end not after its start, an unknown
    zone or holiday country are a 422; a name in use is a 409."""
    row = actions.create_calendar(
        db, actor=principal.actor, now=now, values=body.model_dump(mode="json")
    )
    return CalendarOut.model_validate(row)


@router.get("/calendars/{calendar_id}", response_model=CalendarOut)
def get_calendar(calendar_id: PathId, _: Reader, db: DB) -> CalendarOut:
    return CalendarOut.model_validate(queries.get_calendar(db, calendar_id))


@router.patch("/calendars/{calendar_id}", response_model=CalendarOut)
def update_calendar(
    calendar_id: PathId, body: CalendarUpdate, principal: Manager, db: DB, now: Now
) -> CalendarOut:
    """Change the fields sent; open tickets under policies using it get new due instants."""
    row = actions.update_calendar(
        db,
        actor=principal.actor,
        now=now,
        calendar_id=calendar_id,
        changes=body.model_dump(mode="json", include=body.model_fields_set),
    )
    return CalendarOut.model_validate(row)


@router.delete("/calendars/{calendar_id}", status_code=204)
def delete_calendar(calendar_id: PathId, principal: Manager, db: DB, now: Now) -> None:
    """A calendar a policy uses is a 409."""
    actions.delete_calendar(db, actor=principal.actor, now=now, calendar_id=calendar_id)


# --- policies --------------------------------------------------------------------------------


@router.get("/policies", response_model=PolicyList)
def list_policies(_: Reader, db: DB) -> PolicyList:
    """In the order tickets try them; the first whose conditions all match applies."""
    return PolicyList(items=[PolicyOut.model_validate(p) for p in queries.list_policies(db)])


@router.post("/policies", status_code=201, response_model=PolicyOut)
def create_policy(body: PolicyCreate, principal: Manager, db: DB, now: Now) -> PolicyOut:
    """An unknown calendar is a 404, an unknown brand a 422, a name in use a 409. Open tickets
    the new policy now applies to get its due instants."""
    row = actions.create_policy(db, actor=principal.actor, now=now, values=body.values())
    return PolicyOut.model_validate(row)


@router.get("/policies/{policy_id}", response_model=PolicyOut)
def get_policy(policy_id: PathId, _: Reader, db: DB) -> PolicyOut:
    return PolicyOut.model_validate(queries.get_policy(db, policy_id))


@router.patch("/policies/{policy_id}", response_model=PolicyOut)
def update_policy(
    policy_id: PathId, body: PolicyUpdate, principal: Manager, db: DB, now: Now
) -> PolicyOut:
    """Change the fields sent (`null` clears a target or the calendar); open tickets keep the
    time they already spent and move by the difference."""
    row = actions.update_policy(
        db, actor=principal.actor, now=now, policy_id=policy_id, changes=body.changes()
    )
    return PolicyOut.model_validate(row)


@router.delete("/policies/{policy_id}", response_model=PolicyOut)
def deactivate_policy(policy_id: PathId, principal: Manager, db: DB, now: Now) -> PolicyOut:
    """Deactivates the policy (tickets keep a reference to the policy they had)."""
    row = actions.deactivate_policy(db, actor=principal.actor, now=now, policy_id=policy_id)
    return PolicyOut.model_validate(row)


# --- events ----------------------------------------------------------------------------------


@router.get("/events", response_model=EventPage)
def list_events(
    _: Lead,
    db: DB,
    kind: EventKind | None = None,
    acknowledged: bool | None = None,
    ticket_id: QueryId = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> EventPage:
    """Warnings and breaches, newest first; `acknowledged=false` is what leads still have to see."""
    rows, next_cursor = queries.list_events(
        db, kind=kind, acknowledged=acknowledged, ticket_id=ticket_id, limit=limit, cursor=cursor
    )
    return EventPage(items=[EventOut.model_validate(e) for e in rows], next_cursor=next_cursor)


@router.post("/events/{event_id}/acknowledge", response_model=EventOut)
def acknowledge_event(event_id: PathId, principal: Lead, db: DB, now: Now) -> EventOut:
    return EventOut.model_validate(
        actions.acknowledge_event(db, actor=principal.actor, now=now, event_id=event_id)
    )
