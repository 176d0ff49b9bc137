"""Request and response models of root-cause (CAPA) tasks and of tracing a complaint back to
its batch and a batch forward to the customers who received it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from careloop.tickets.schemas import Strict

Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
Title = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=20_000)]
Code = Annotated[str, Field(min_length=1, max_length=64)]
Place = Annotated[str, Field(min_length=1, max_length=60)]
Category = Literal["quality", "logistics", "other"]
Stage = Literal["d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8"]
FilterValues = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=20)
]


class VerificationIn(Strict):
    """The series verification watches: an insights ratio metric with filters, under the bound
    (given, or the baseline measured over `baseline_weeks` before `problem_started_at`) for
    `weeks` whole weeks in a row."""

    metric: Annotated[str, Field(min_length=1, max_length=60)] = "complaints_per_1000_orders"
    filters: Annotated[dict[str, FilterValues], Field(max_length=10)] = Field(default_factory=dict)
    weeks: Annotated[int, Field(ge=1, le=26)] = 4
    baseline_weeks: Annotated[int, Field(ge=1, le=26)] = 4
    problem_started_at: AwareDatetime | None = None
    bound: Annotated[float, Field(ge=0, le=1e9)] | None = None


class CapaCreate(Strict):
    title: Title
    description: LongText = ""
    category: Category
    owner_id: Id | None = None
    member_ids: Annotated[list[Id], Field(max_length=50)] = Field(default_factory=list)
    sku: Code | None = None
    batch: Code | None = None
    carrier: Place | None = None
    region: Place | None = None
    alert_rule_id: Id | None = None
    alert_fingerprint: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")] | None = None
    alert_labels: Annotated[
        dict[str, Annotated[str, Field(max_length=200)]], Field(max_length=30)
    ] = Field(default_factory=dict)
    ticket_ids: Annotated[list[Id], Field(max_length=200)] = Field(default_factory=list)
    order_ids: Annotated[list[Id], Field(max_length=200)] = Field(default_factory=list)
    verification: VerificationIn | None = None


class CapaUpdate(Strict):
    """The fields sent change; `null` clears an optional one."""

    title: Title | None = None
    description: LongText | None = None
    category: Category | None = None
    owner_id: Id | None = None
    member_ids: Annotated[list[Id], Field(max_length=50)] | None = None
    sku: Code | None = None
    batch: Code | None = None
    carrier: Place | None = None
    region: Place | None = None

    @model_validator(mode="after")
    def _required_stay(self) -> CapaUpdate:
        for name in ("title", "description", "category", "member_ids"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class StageUpdate(Strict):
    owner_id: Id | None = None
    due_on: date | None = None
    notes: LongText | None = None

    @model_validator(mode="after")
    def _notes_not_null(self) -> StageUpdate:
        if "notes" in self.model_fields_set and self.notes is None:
            raise ValueError("notes cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class StageDone(Strict):
    notes: LongText | None = None


class Reopen(Strict):
    stage: Stage = "d4"


class LinkIn(Strict):
    ticket_id: Id | None = None
    order_id: Id | None = None

    @model_validator(mode="after")
    def _one(self) -> LinkIn:
        if (self.ticket_id is None) == (self.order_id is None):
            raise ValueError("give exactly one of ticket_id and order_id")
        return self


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class StageOut(Out):
    stage: str
    name: str
    owner_id: int | None
    due_on: date | None
    notes: str
    done_at: datetime | None
    done_by_id: int | None
    done_by_label: str | None
    overdue: bool


class LinkOut(Out):
    id: int
    ticket_id: int | None
    order_id: int | None
    created_at: datetime


class VerificationOut(Out):
    metric: str
    filters: dict[str, list[str]]
    weeks: int
    baseline_weeks: int
    problem_started_at: datetime | None
    bound: float | None
    baseline: float | None
    started_at: datetime | None
    checked_at: datetime | None
    last_values: list[dict[str, Any]]
    weeks_under: int
    passed_at: datetime | None


class CapaOut(Out):
    id: int
    title: str
    description: str
    category: str
    stage: str
    owner_id: int | None
    member_ids: list[int]
    sku: str | None
    batch: str | None
    carrier: str | None
    region: str | None
    alert_rule_id: int | None
    alert_fingerprint: str | None
    alert_labels: dict[str, str]
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    stages: list[StageOut]
    links: list[LinkOut]
    verification: VerificationOut | None


class CapaCardOut(Out):
    id: int
    title: str
    category: str
    stage: str
    owner_id: int | None
    owner_name: str | None
    sku: str | None
    batch: str | None
    due_on: date | None
    overdue: bool
    closed_at: datetime | None
    updated_at: datetime


class CapaPage(BaseModel):
    items: list[CapaCardOut]
    next_cursor: str | None


class ComplaintOut(Out):
    id: int
    subject: str
    status: str
    category: str | None
    created_at: datetime


class TraceBackOut(BaseModel):
    ticket_id: int
    order_id: int | None
    order_number: str | None
    line_item_id: int | None
    sku: str | None
    batch: str | None
    customer_id: int | None
    complaints_on_batch: int
    other_complaints: list[ComplaintOut]
    capa_task_ids: list[int]


class ReceiverOut(Out):
    order_id: int
    order_number: str
    placed_at: datetime
    delivered_at: datetime | None
    units: int
    amount: Decimal
    currency: str
    customer_id: int | None
    name: str | None
    email: str | None
    country: str | None
    language: str | None


class TraceForwardOut(BaseModel):
    sku: str
    batch: str
    orders: int
    customers: int
    units: int
    items: list[ReceiverOut]
    next_cursor: str | None
