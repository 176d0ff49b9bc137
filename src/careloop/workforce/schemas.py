"""Request and response models of the workforce API: agents, teams, shift templates, shifts and
their history, publishing and copying a week, leave and public holidays."""

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
    AuditEntryOut,
    CountryCode,
    Email,
    LanguageCode,
    RowId,
    ShortText,
    Strict,
    TimeZone,
)
from careloop.workforce.actions import MAX_CAPACITY
from careloop.workforce.model import MAX_BREAKS, Interval, LeaveKind, ShiftStatus
from careloop.workforce.tables import Agent, Leave, Shift, ShiftTemplate, Team

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


def _not_null(value: Any) -> Any:
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
        return _not_null(value)


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
        return _not_null(value)


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


# --- shift templates ---------------------------------------------------------------------------


class BreakRuleIn(Strict):
    after_minutes: Annotated[int, Field(ge=0, le=16 * 60)]
    minutes: Annotated[int, Field(ge=1, le=240)]


class TemplateCreate(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    starts: WallClock = Field(description='local start, "07:00"')
    ends: WallClock = Field(description='local end, "15:00"; not after starts: the next day')
    timezone: TimeZone
    breaks: Annotated[list[BreakRuleIn], Field(max_length=MAX_BREAKS)] = Field(default_factory=list)
    skills: Skills | None = None
    team_id: RowId | None = None


class TemplateOut(BaseModel):
    id: int
    name: str
    starts: str
    ends: str
    timezone: str
    breaks: list[dict[str, int]]
    skills: list[str] | None
    team_id: int | None

    @classmethod
    def of(cls, template: ShiftTemplate) -> TemplateOut:
        return cls(
            id=template.id,
            name=template.name,
            starts=template.starts.strftime("%H:%M"),
            ends=template.ends.strftime("%H:%M"),
            timezone=template.timezone,
            breaks=list(template.breaks),
            skills=template.skills,
            team_id=template.team_id,
        )


class TemplateList(BaseModel):
    items: list[TemplateOut]


# --- shifts --------------------------------------------------------------------------------


class BreakIn(Strict):
    starts_at: Instant
    ends_at: Instant

    def interval(self) -> Interval:
        return Interval(self.starts_at, self.ends_at)


Breaks = Annotated[list[BreakIn], Field(max_length=MAX_BREAKS)]


class ShiftItem(Strict):
    """One shift of a batch: the status is the batch's."""

    agent_id: RowId
    starts_at: Instant
    ends_at: Instant
    skills: Skills | None = Field(None, description="this shift's skills; null: the agent's own")
    breaks: Breaks = Field(default_factory=list)
    note: Note | None = None


class ShiftCreate(ShiftItem):
    status: ShiftStatus = ShiftStatus.PUBLISHED


class ShiftBatch(Strict):
    status: ShiftStatus = ShiftStatus.PUBLISHED
    shifts: Annotated[list[ShiftItem], Field(min_length=1, max_length=MAX_BATCH)]


class ShiftsFromTemplate(Strict):
    template_id: RowId
    agent_ids: Annotated[list[RowId], Field(min_length=1, max_length=200)]
    dates: Annotated[list[Day], Field(min_length=1, max_length=62)]
    status: ShiftStatus = ShiftStatus.PUBLISHED
    skip_holidays: bool = True

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if len(set(self.agent_ids)) * len(set(self.dates)) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} shifts at once (agents x dates)")
        return self


class ShiftUpdate(Strict):
    """Only the fields sent change; `null` skills means the agent's own, `null` note clears."""

    starts_at: Instant | None = None
    ends_at: Instant | None = None
    skills: Skills | None = None
    breaks: Breaks | None = None
    note: Note | None = None

    @field_validator("starts_at", "ends_at", "breaks")
    @classmethod
    def _required(cls, value: Any) -> Any:
        return _not_null(value)


class BreakOut(BaseModel):
    starts_at: datetime
    ends_at: datetime


class ShiftOut(BaseModel):
    id: int
    agent_id: int
    starts_at: datetime
    ends_at: datetime
    status: ShiftStatus
    skills: list[str] | None
    breaks: list[BreakOut]
    note: str | None
    template_id: int | None
    published_at: datetime | None

    @classmethod
    def of(cls, shift: Shift) -> ShiftOut:
        return cls(
            id=shift.id,
            agent_id=shift.agent_id,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            status=shift.status,
            skills=shift.skills,
            breaks=[
                BreakOut(
                    starts_at=datetime.fromisoformat(b["starts_at"]),
                    ends_at=datetime.fromisoformat(b["ends_at"]),
                )
                for b in shift.breaks
            ],
            note=shift.note,
            template_id=shift.template_id,
            published_at=shift.published_at,
        )


class ShiftList(BaseModel):
    items: list[ShiftOut]


class PublishRequest(Strict):
    """Publish the drafts starting in [from, to), of one team's agents when team_id is sent."""

    model_config = ConfigDict(populate_by_name=True)

    starts: Instant = Field(alias="from")
    ends: Instant = Field(alias="to")
    team_id: RowId | None = None


class PublishOut(BaseModel):
    published: int
    items: list[ShiftOut]


class ShiftAudit(BaseModel):
    items: list[AuditEntryOut]


class CopyWeekRequest(Strict):
    """Each day names its ISO week (Monday to Sunday)."""

    source_week: Day
    target_week: Day
    team_id: RowId | None = None
    timezone: TimeZone | None = Field(None, description="bounds the weeks; default: each agent's")


class SkippedCopyOut(BaseModel):
    shift_id: int = Field(description="the shift of the source week that was not copied")
    reason: str = Field(description="overlap, leave, span or inactive")


class CopyWeekOut(BaseModel):
    created: int
    skipped: int
    items: list[ShiftOut]
    skipped_items: list[SkippedCopyOut]


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
