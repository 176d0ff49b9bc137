"""Request and response models for brands, customers and orders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from careloop.tickets.model import ShipmentStatus
from careloop.tickets.schemas import (
    Code,
    CountryCode,
    CurrencyCode,
    CustomerRef,
    Email,
    LanguageCode,
    RowId,
    ShortText,
    Strict,
    Tier,
    TimeZone,
)

Amount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
ExternalId = Annotated[str, Field(min_length=1, max_length=100)]


class BrandCreate(Strict):
    code: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    name: ShortText
    is_b2b: bool = False


class BrandOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    is_b2b: bool


class CustomerUpsert(Strict):
    email: Email | None = None
    name: ShortText | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    country: CountryCode | None = None
    language: LanguageCode | None = None
    timezone: TimeZone | None = None
    tier: Tier | None = None  # a service tier SLA policies may select on ("vip", "b2b")


class ExternalIdOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    source: str
    external_id: str


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str | None
    name: str | None
    phone: str | None
    country: str | None
    language: str | None
    timezone: str | None
    tier: str | None
    external_ids: list[ExternalIdOut]
    created_at: datetime
    updated_at: datetime


class CustomerPage(BaseModel):
    items: list[CustomerOut]
    next_cursor: str | None


class LineItemIn(Strict):
    external_id: ExternalId | None = None
    sku: Code
    title: Annotated[str, Field(max_length=300)] | None = None
    batch: Code | None = None
    quantity: Annotated[int, Field(ge=1, le=100_000)]
    unit_price: Amount


class ShipmentIn(Strict):
    external_id: ExternalId | None = None
    carrier: Annotated[str, Field(min_length=1, max_length=60)]
    tracking_number: Annotated[str, Field(max_length=100)] | None = None
    destination_country: CountryCode | None = None
    destination_region: Annotated[str, Field(max_length=60)] | None = None
    status: ShipmentStatus = ShipmentStatus.IN_TRANSIT
    shipped_at: AwareDatetime | None = None
    delivered_at: AwareDatetime | None = None


class RefundIn(Strict):
    external_id: ExternalId | None = None
    reason: Annotated[str, Field(max_length=2000)] | None = None
    amount: Amount
    currency: CurrencyCode | None = None
    created_at: AwareDatetime


class ReturnIn(Strict):
    external_id: ExternalId | None = None
    line_item_external_id: ExternalId | None = None
    quantity: Annotated[int, Field(ge=1, le=100_000)] = 1
    reason: Annotated[str, Field(max_length=60)] | None = None
    note: Annotated[str, Field(max_length=2000)] | None = None
    status: Annotated[str, Field(max_length=30)] = "requested"
    created_at: AwareDatetime


class OrderUpsert(Strict):
    number: Annotated[str, Field(min_length=1, max_length=60)]
    brand: Code | None = None
    customer_id: RowId | None = None
    customer: CustomerRef | None = None
    currency: CurrencyCode
    total_amount: Amount
    country: CountryCode | None = None
    region: Annotated[str, Field(max_length=60)] | None = None
    financial_status: Annotated[str, Field(max_length=30)] | None = None
    placed_at: AwareDatetime
    line_items: Annotated[list[LineItemIn], Field(max_length=500)] = Field(default_factory=list)
    shipments: Annotated[list[ShipmentIn], Field(max_length=50)] = Field(default_factory=list)
    refunds: Annotated[list[RefundIn], Field(max_length=100)] = Field(default_factory=list)
    returns: Annotated[list[ReturnIn], Field(max_length=100)] = Field(default_factory=list)


class LineItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str | None
    sku: str
    title: str | None
    batch: str | None
    quantity: int
    unit_price: Decimal
    currency: str


class ShipmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str | None
    carrier: str
    tracking_number: str | None
    destination_country: str | None
    destination_region: str | None
    status: str
    shipped_at: datetime | None
    delivered_at: datetime | None


class RefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str | None
    reason: str | None
    amount: Decimal
    currency: str
    created_at: datetime


class ReturnOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str | None
    line_item_id: int | None
    quantity: int
    reason: str | None
    note: str | None
    status: str
    created_at: datetime


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    external_id: str
    number: str
    brand_id: int | None
    customer_id: int | None
    currency: str
    total_amount: Decimal
    country: str | None
    region: str | None
    financial_status: str | None
    placed_at: datetime
    updated_at: datetime
    line_items: list[LineItemOut]
    shipments: list[ShipmentOut]
    refunds: list[RefundOut]
    returns: list[ReturnOut]


class OrderPage(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None
