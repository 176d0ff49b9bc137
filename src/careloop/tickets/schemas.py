"""Request and response models of the tickets API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from careloop import validation
from careloop.tickets.model import (
    Category,
    Channel,
    MessageKind,
    Priority,
    Status,
    custom_field_problems,
)


def reject_nul(value: Any) -> None:
    """Text never holds NUL characters (PostgreSQL cannot store them); refuse them at the door."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text may not contain NUL characters")
    elif isinstance(value, dict):
        for key, item in value.items():
            reject_nul(key)
            reject_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            reject_nul(item)


class Strict(BaseModel):
    """Unknown fields are an error: a typo must not be silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        reject_nul(value)
        return value


def _check(pred: Any, what: str, normalise: Any) -> Any:
    def check(value: str | None) -> str | None:
        if value is None:
            return None
        norm = normalise(value)
        if not pred(norm):
            raise ValueError(f"{value!r} is not {what}")
        return str(norm)

    return check


CountryCode = Annotated[
    str,
    AfterValidator(_check(validation.is_country, "an ISO 3166-1 alpha-2 country code", str.upper)),
]
LanguageCode = Annotated[
    str, AfterValidator(_check(validation.is_language, "an ISO 639-1 language code", str.lower))
]
CurrencyCode = Annotated[
    str, AfterValidator(_check(validation.is_currency, "an ISO 4217 currency code", str.upper))
]
TimeZone = Annotated[str, AfterValidator(_check(validation.is_timezone, "an IANA time zone", str))]
Email = Annotated[
    str,
    Field(max_length=254),
    AfterValidator(_check(lambda v: _valid_email(v), "an e-mail address", str)),
]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Code = Annotated[str, Field(min_length=1, max_length=64)]
Scalar = str | int | float | bool | None
# Ids are 32-bit: larger numbers cannot name a row and would overflow the column type.
RowId = Annotated[int, Field(ge=1, le=2_147_483_647)]


def _valid_email(value: str) -> bool:
    try:
        validation.email(value)
    except Exception:
        return False
    return True


def _tags(values: list[str]) -> list[str]:
    from careloop.tickets.model import normalise_tag

    out: list[str] = []
    for raw in values:
        tag = normalise_tag(raw)
        if tag is None:
            raise ValueError(f"{raw!r} is not a tag (letters, digits, - _ : . up to 50)")
        if tag not in out:
            out.append(tag)
    return out


def _custom_fields(values: dict[str, Scalar]) -> dict[str, Scalar]:
    problems = custom_field_problems(dict(values))
    if problems:
        raise ValueError("; ".join(problems))
    return values


Tags = Annotated[list[str], Field(max_length=50), AfterValidator(_tags)]
CustomFields = Annotated[dict[str, Scalar], AfterValidator(_custom_fields)]


# A customer's service tier ("vip", "b2b"), which SLA policies may select on.
Tier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]{0,29}$")]


class CustomerRef(Strict):
    """Who complains: matched by external id, then by e-mail; created when unknown."""

    email: Email | None = None
    name: ShortText | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    country: CountryCode | None = None
    language: LanguageCode | None = None
    timezone: TimeZone | None = None
    tier: Tier | None = None
    source: Code | None = None
    external_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class OrderRef(Strict):
    source: Code
    external_id: Annotated[str, Field(min_length=1, max_length=100)]


class TicketCreate(Strict):
    subject: Annotated[str, Field(min_length=1, max_length=300)]
    body: Annotated[str, Field(min_length=1, max_length=50_000)]
    channel: Channel = Channel.API
    brand: Code | None = Field(None, description="the brand's code")
    customer_id: RowId | None = None
    customer: CustomerRef | None = None
    order_id: RowId | None = None
    order: OrderRef | None = None
    line_item_id: RowId | None = None
    sku: Code | None = None
    batch: Code | None = None
    category: Category | None = None
    priority: Priority = Priority.NORMAL
    language: LanguageCode | None = None
    country: CountryCode | None = None
    assignee_id: RowId | None = None
    tags: Tags = Field(default_factory=list)
    custom_fields: CustomFields = Field(default_factory=dict)
    external_ref: Annotated[str, Field(max_length=200)] | None = None


class TicketUpdate(Strict):
    """Only the fields sent change; `null` clears a nullable field."""

    subject: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    category: Category | None = None
    priority: Priority | None = None
    status: Status | None = None
    language: LanguageCode | None = None
    country: CountryCode | None = None
    assignee_id: RowId | None = None
    brand: Code | None = None
    sku: Code | None = None
    batch: Code | None = None
    tags: Tags | None = None
    custom_fields: CustomFields | None = None

    @field_validator("subject", "priority", "status", "tags", "custom_fields")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null")
        return value


class BatchCreate(Strict):
    tickets: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=500)]


class ReplyCreate(Strict):
    body: Annotated[str, Field(min_length=1, max_length=50_000)]
    status: Status | None = None


class NoteCreate(Strict):
    body: Annotated[str, Field(min_length=1, max_length=50_000)]


class TagsChange(Strict):
    tags: Annotated[Tags, Field(min_length=1)]


class TicketOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subject: str
    body: str
    channel: Channel
    category: Category | None
    priority: Priority
    status: Status
    language: str | None
    country: str | None
    brand_id: int | None
    customer_id: int | None
    order_id: int | None
    line_item_id: int | None
    sku: str | None
    batch: str | None
    assignee_id: int | None
    assigned_at: datetime | None
    first_assigned_at: datetime | None
    seen_at: datetime | None  # when the assignee opened it since it was assigned
    tags: list[str]
    custom_fields: dict[str, Any]
    source: str
    external_ref: str | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None
    # Service level: the policy applied and its due instants (None when met, not set or
    # paused); a paused resolution clock shows the business seconds it has left.
    sla_policy_id: int | None = None
    first_response_due_at: datetime | None = None
    next_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    resolution_remaining_seconds: int | None = None


class TicketPage(BaseModel):
    items: list[TicketOut]
    next_cursor: str | None


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ticket_id: int
    kind: MessageKind
    body: str
    author_user_id: int | None
    author_customer_id: int | None
    author_label: str
    created_at: datetime


class BatchItemResult(BaseModel):
    index: int
    status: int
    ticket: TicketOut | None = None
    error: dict[str, Any] | None = None


class BatchResult(BaseModel):
    results: list[BatchItemResult]
    created: int
    failed: int


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    actor_label: str
    action: str
    changes: dict[str, Any]
