"""The live board over JSON (`GET /api/v1/board`): the same numbers the page shows."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from careloop.tickets.model import Category, Channel, Priority, Status


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class QueueGroupOut(_Out):
    value: str | None = Field(description="the language, category or channel; null: none set")
    waiting: int
    oldest_created_at: datetime
    oldest_wait_seconds: int
    agents_available: int = Field(
        description="agents on duty now who could take at least one of these tickets"
    )


class WaitingTicketOut(_Out):
    ticket_id: int
    subject: str
    priority: Priority
    status: Status
    language: str | None
    category: Category | None
    channel: Channel
    created_at: datetime
    wait_seconds: int
    eligible_agent_ids: list[int]


class QueueOut(_Out):
    waiting: int
    oldest_created_at: datetime | None
    oldest_wait_seconds: int | None
    by_language: list[QueueGroupOut]
    by_category: list[QueueGroupOut]
    by_channel: list[QueueGroupOut]
    first: list[WaitingTicketOut] = Field(description="the head of the queue, in queue order")


class BoardAgentOut(_Out):
    agent_id: int
    name: str
    team_id: int | None
    team: str | None
    languages: list[str]
    capacity: int
    open_tickets: int
    remaining_capacity: int
    on_break: bool
    since: datetime | None = Field(description="the clock-in, or the start of the break")
    shift_ends_at: datetime
    paused_until: datetime | None = Field(
        default=None,
        description="routing gives the agent nothing new until then (left a ticket unopened)",
    )


class DutyOut(_Out):
    on_duty: int
    on_break: int
    rostered_not_clocked_in: int
    agents: list[BoardAgentOut] = Field(description="clocked in, in the team and language asked")


class SlaItemOut(_Out):
    ticket_id: int
    subject: str
    priority: Priority
    status: Status
    assignee_id: int | None
    assignee: str | None
    target: str = Field(description="first_response, next_response or resolution")
    due_at: datetime
    late_seconds: int = Field(description="how late; negative: how long is left")


class SlaEventOut(_Out):
    event_id: int
    ticket_id: int
    subject: str
    assignee: str | None
    target: str
    kind: str
    due_at: datetime
    at: datetime


class SlaOut(_Out):
    at_risk: int
    breached: int
    at_risk_items: list[SlaItemOut] = Field(description="soonest due first, at most 50")
    breached_items: list[SlaItemOut] = Field(description="latest first, at most 50")
    unacknowledged: int
    events: list[SlaEventOut] = Field(description="newest first, at most 50")


class BoardOut(_Out):
    at: datetime
    team_id: int | None
    language: str | None
    queue: QueueOut
    duty: DutyOut
    sla: SlaOut
