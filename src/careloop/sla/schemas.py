"""Request and response models of the SLA API. Requests are loose in shape where the domain
checks the content (windows, conditions), so a fault gets the domain's precise message."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from careloop.errors import Invalid
from careloop.tickets.model import Category, Channel, Priority
from careloop.tickets.schemas import Strict

Name = Annotated[str, Field(min_length=1, max_length=100)]
Minutes = Annotated[int, Field(ge=1, le=366 * 24 * 60)]
Windows = dict[Annotated[str, Field(max_length=9)], list[Annotated[list[str], Field(max_length=2)]]]


class CalendarCreate(Strict):
    name: Name
    timezone: Annotated[str, Field(max_length=64)]
    windows: Windows = Field(
        description='per weekday, windows in local time: {"mon": [["09:00", "12:30"], '
        '["13:30", "18:00"]]}; "24:00" ends at midnight; a missing day is closed'
    )
    holiday_country: Annotated[str, Field(max_length=2)] | None = Field(
        None, description="ISO 3166-1 country whose public holidays are closed"
    )
    closed_dates: Annotated[list[date], Field(max_length=400)] = Field(default_factory=list)


class CalendarUpdate(Strict):
    name: Name | None = None
    timezone: Annotated[str, Field(max_length=64)] | None = None
    windows: Windows | None = None
    holiday_country: Annotated[str, Field(max_length=2)] | None = None
    closed_dates: Annotated[list[date], Field(max_length=400)] | None = None


class CalendarOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    timezone: str
    windows: dict[str, list[list[str]]]
    holiday_country: str | None
    closed_dates: list[str]
    created_at: datetime
    updated_at: datetime


class CalendarList(BaseModel):
    items: list[CalendarOut]


class Conditions(Strict):
    """Every listed field must match; an empty list matches anything."""

    brand_ids: Annotated[
        list[Annotated[int, Field(ge=1, le=2_147_483_647)]], Field(max_length=100)
    ] = Field(default_factory=list)
    priorities: Annotated[list[Priority], Field(max_length=10)] = Field(default_factory=list)
    channels: Annotated[list[Channel], Field(max_length=10)] = Field(default_factory=list)
    categories: Annotated[list[Category], Field(max_length=20)] = Field(default_factory=list)
    customer_tiers: Annotated[list[Annotated[str, Field(max_length=30)]], Field(max_length=100)] = (
        Field(default_factory=list)
    )


class Escalation(Strict):
    raise_priority: bool = False
    notify_lead: bool = True
    reassign: bool = False


class PolicyCreate(Strict):
    name: Name
    position: Annotated[int, Field(ge=0, le=10_000)] | None = Field(
        None, description="lower comes first; absent: after the others"
    )
    active: bool = True
    conditions: Conditions = Conditions()
    first_response_minutes: Minutes | None = None
    next_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    calendar_id: Annotated[int, Field(ge=1, le=2_147_483_647)] | None = Field(
        None, description="business calendar; none means around the clock"
    )
    warn_before_minutes: Annotated[int, Field(ge=0, le=7 * 24 * 60)] = 15
    escalation: Escalation = Escalation()

    def values(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["conditions"] = {k: v for k, v in data["conditions"].items() if v}
        return data


NULLABLE = frozenset(
    {"first_response_minutes", "next_response_minutes", "resolution_minutes", "calendar_id"}
)


class PolicyUpdate(Strict):
    name: Name | None = None
    position: Annotated[int, Field(ge=0, le=10_000)] | None = None
    active: bool | None = None
    conditions: Conditions | None = None
    first_response_minutes: Minutes | None = None
    next_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    calendar_id: Annotated[int, Field(ge=1, le=2_147_483_647)] | None = None
    warn_before_minutes: Annotated[int, Field(ge=0, le=7 * 24 * 60)] | None = None
    escalation: Escalation | None = None

    def changes(self) -> dict[str, Any]:
        """The fields sent; `null` clears a target or the calendar, and is refused elsewhere."""
        data = self.model_dump(mode="json", include=self.model_fields_set)
        nulled = sorted(k for k, v in data.items() if v is None and k not in NULLABLE)
        if nulled:
            raise Invalid(f"{nulled[0]} cannot be null", {"field": nulled[0]})
        if data.get("conditions") is not None:
            data["conditions"] = {k: v for k, v in data["conditions"].items() if v}
        return data


class PolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    position: int
    active: bool
    conditions: dict[str, list[Any]]
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    calendar_id: int | None
    warn_before_minutes: int
    escalation: dict[str, bool]
    created_at: datetime
    updated_at: datetime


class PolicyList(BaseModel):
    items: list[PolicyOut]


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ticket_id: int
    target: str
    kind: str
    due_at: datetime
    at: datetime
    actions: dict[str, Any]
    acknowledged_by: int | None
    acknowledged_at: datetime | None


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: str | None
