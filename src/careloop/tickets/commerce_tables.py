"""Mapped tables of what complaints are about: brands, shops, customers, orders, what followed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careloop.storage.base import Base, UTCDateTime

Money = Numeric(14, 2)


class Brand(Base):
    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_b2b: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Shop(Base):
    """A storefront that sends signed webhooks; its secret verifies them."""

    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    platform: Mapped[str] = mapped_column(String(20), default="shopify")
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    webhook_secret: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Customer(Base):
    __tablename__ = "customers"
    # E-mail matching is case-insensitive, so the index is on lower(email).
    __table_args__ = (Index("ix_customers_email_lower", func.lower(text("email"))),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # A service tier ("vip", "b2b"...) SLA policies may select on.
    tier: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    external_ids: Mapped[list[CustomerExternalId]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CustomerExternalId.source"
    )


class CustomerExternalId(Base):
    """The customer's id in another system (a shop, a CRM): one per source."""

    __tablename__ = "customer_external_ids"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(60))
    external_id: Mapped[str] = mapped_column(String(100))


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_orders_placed_at", "placed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(60))
    external_id: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(60))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    total_amount: Mapped[Decimal] = mapped_column(Money)
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    region: Mapped[str | None] = mapped_column(String(60))
    financial_status: Mapped[str | None] = mapped_column(String(30))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    line_items: Mapped[list[LineItem]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="LineItem.id"
    )
    shipments: Mapped[list[Shipment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Shipment.id"
    )
    refunds: Mapped[list[Refund]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Refund.id"
    )
    returns: Mapped[list[Return]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Return.id"
    )


class LineItem(Base):
    __tablename__ = "line_items"
    __table_args__ = (Index("ix_line_items_sku_batch", "sku", "batch"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(100))
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(300))
    batch: Mapped[str | None] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column()
    unit_price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = (
        Index("ix_shipments_carrier_status", "carrier", "status"),
        # The insights refresh reads an hour of deliveries and of dispatches.
        Index("ix_shipments_delivered_at", "delivered_at"),
        Index("ix_shipments_shipped_at", "shipped_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(100))
    carrier: Mapped[str] = mapped_column(String(60))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    destination_country: Mapped[str | None] = mapped_column(String(2))
    destination_region: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(30))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (UniqueConstraint("order_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Return(Base):
    __tablename__ = "returns"
    __table_args__ = (
        UniqueConstraint("order_id", "external_id"),
        Index("ix_returns_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(100))
    line_item_id: Mapped[int | None] = mapped_column(ForeignKey("line_items.id"))
    quantity: Mapped[int] = mapped_column(default=1)
    reason: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
