"""Request and response models of the workforce API: agents, teams, leave and public holidays,
and the checked types every workforce model shares. Shifts and templates: `roster_schemas.py`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from careloop.tickets.schemas import (
    CountryCode,
    Email,
    LanguageCode,
    RowId,
    ShortText,
    Strict,
    TimeZone,
)
from careloop.workforce.actions import MAX_CAPACITY
from careloop.workforce.model import LeaveKind
from careloop.workforce.tables import Agent, Leave, Team

# Instants and days outside these years are refused: no roster plans that far, and date
# arithmetic near year 1 or 9999 would overflow.
FIRST_YEAR, LAST_YEAR = 2000, 2099
MAX_BATCH = 1000
CalendarDay = date  # a field named `date` must not shadow the type


def _instant(value: datetime) -> datetime:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"instants must lie in the years {FIRST_YEAR} to {LAST_YEAR}")
    return value.astimezone(UTC)


def _day(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"days must lie in the years {FIRST_YEAR} to {LAST_YEAR}")
    return value


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a template time is local wall-clock time: no offset")
    if value.second or value.microsecond:
        raise ValueError("a template time is whole minutes, e.g. 07:30")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_instant)]
Day = Annotated[date, AfterValidator(_day)]
WallClock = Annotated[time, AfterValidator(_wall_clock)]
Skill = Annotated[str, Field(min_length=1, max_length=60)]
Skills = Annotated[list[Skill], Field(max_length=50)]
Languages = Annotated[list[LanguageCode], Field(min_length=1, max_length=20)]
Capacity = Annotated[int, Field(ge=0, le=MAX_CAPACITY)]
Note = Annotated[str, Field(max_length=200)]


def not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("may not be null")
    return value


# --- agents and teams ------------------------------------------------------------------------


class AgentCreate(Strict):
    name: ShortText
    email: Email
    languages: Languages
    skills: Skills = Field(default_factory=list)
    timezone: TimeZone
    capacity: Capacity
    team: ShortText | None = Field(None, description="the team's name")
    country: CountryCode | None = Field(None, description="whose public holidays apply")


class AgentUpdate(Strict):
    """Only the fields sent change; `null` clears team and country."""

    languages: Languages | None = None
    skills: Skills | None = None
    timezone: TimeZone | None = None
    capacity: Capacity | None = None
    team: ShortText | None = None
    country: CountryCode | None = None
    active: bool | None = None

    @field_validator("languages", "skills", "timezone", "capacity", "active")
    @classmethod
    def _required(cls, value: Any) -> Any:
        return not_null(value)


class AgentOut(BaseModel):
    id: int
    name: str
    email: str
    languages: list[str]
    skills: list[str]
    timezone: str
    country: str | None
    capacity: int
    team: str | None
    team_id: int | None
    active: bool

    @classmethod
    def of(cls, agent: Agent) -> AgentOut:
        return cls(
            id=agent.user_id,
            name=agent.name,
            email=agent.email,
            languages=list(agent.languages),
            skills=list(agent.skills),
            timezone=agent.timezone,
            country=agent.country,
            capacity=agent.capacity,
            team=agent.team.name if agent.team else None,
            team_id=agent.team_id,
            active=agent.active,
        )


class AgentList(BaseModel):
    items: list[AgentOut]


class TeamCreate(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    lead_id: RowId | None = None


class TeamUpdate(Strict):
    """Only the fields sent change; `null` lead_id leaves the team without a lead."""

    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    lead_id: RowId | None = None

    @field_validator("name")
    @classmethod
    def _required(cls, value: Any) -> Any:
        return not_null(value)


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    lead_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, team: Team) -> TeamOut:
        return cls.model_validate(team)


class TeamList(BaseModel):
    items: list[TeamOut]


# --- leave and holidays ----------------------------------------------------------------------


class LeaveCreate(Strict):
    """Either instants (part days) or whole days in the agent's zone, end_date included."""

    kind: LeaveKind
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        instants = (self.starts_at, self.ends_at)
        days = (self.start_date, self.end_date)
        if all(v is not None for v in instants) and all(v is None for v in days):
            return self
        if all(v is not None for v in days) and all(v is None for v in instants):
            return self
        raise ValueError("send starts_at and ends_at, or start_date and end_date")


class LeaveOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    agent_id: int
    kind: LeaveKind
    starts_at: datetime
    ends_at: datetime
    note: str | None
    created_at: datetime

    @classmethod
    def of(cls, leave: Leave) -> LeaveOut:
        return cls.model_validate(leave)


class LeaveList(BaseModel):
    items: list[LeaveOut]


class HolidayOut(BaseModel):
    date: CalendarDay
    name: str


class HolidayList(BaseModel):
    items: list[HolidayOut]
