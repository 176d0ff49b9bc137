"""Request and response models of the roster API: shift templates, shifts and their history,
batches, publishing and copying a week."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from careloop.tickets.schemas import AuditEntryOut, RowId, Strict, TimeZone
from careloop.workforce.model import MAX_BREAKS, Interval, ShiftStatus
from careloop.workforce.schemas import (
    MAX_BATCH,
    Day,
    Instant,
    Note,
    Skills,
    WallClock,
    not_null,
)
from careloop.workforce.tables import Shift, ShiftTemplate

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
        return not_null(value)


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
