"""Response models of the attendance API: an agent's clock, who is on duty, today's attendance
and adherence per day."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from careloop.workforce.model import AttendanceState


class ClockStatusOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    agent_id: int
    clocked_in: bool
    clocked_in_at: datetime | None
    clocked_out_at: datetime | None
    on_break: bool
    break_started_at: datetime | None
    expires_at: datetime | None = Field(description="when an open clock-in lapses")


class OnDutyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    agent_id: int
    name: str
    team: str | None
    team_id: int | None
    languages: list[str]
    skills: list[str] = Field(description="the shift's skills, else the agent's; empty: all")
    timezone: str
    capacity: int
    open_tickets: int
    remaining_capacity: int
    shift_id: int
    shift_starts_at: datetime
    shift_ends_at: datetime
    clocked_in: bool
    on_break: bool
    on_leave: bool


class OnDutyPage(BaseModel):
    at: datetime
    items: list[OnDutyOut]


class AttendanceRowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    agent_id: int
    name: str
    team: str | None
    team_id: int | None
    state: AttendanceState
    shift_starts_at: datetime | None
    shift_ends_at: datetime | None
    clocked_in_at: datetime | None
    late_minutes: int
    adherence: float | None
    scheduled_minutes: int
    worked_minutes: int
    overtime_minutes: int


class AttendancePage(BaseModel):
    date: date
    timezone: str
    items: list[AttendanceRowOut]


class AdherenceDayOut(BaseModel):
    date: date
    scheduled_minutes: int
    worked_minutes: int
    in_adherence_minutes: int
    overtime_minutes: int
    late_minutes: int
    absent_shifts: int
    adherence: float | None


class AdherencePage(BaseModel):
    agent_id: int
    items: list[AdherenceDayOut]
