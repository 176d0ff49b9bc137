"""Mapped tables of the tickets domain: tickets, messages, tags, saved views."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careloop.sla.tables import SlaPolicy
from careloop.storage.base import Base, JSONDocument, UTCDateTime
from careloop.tickets.commerce_tables import Brand, Customer, LineItem, Order
from careloop.tickets.model import Category, Channel, MessageKind, Priority, Status


def str_enum(cls: type[Any], name: str) -> Enum:
    return Enum(
        cls, name=name, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_id", "status", "id"),
        Index("ix_tickets_assignee_id_id", "assignee_id", "id"),
        # The routing queue: unassigned tickets by status (solved or closed ones are skipped).
        Index("ix_tickets_assignee_id_status", "assignee_id", "status"),
        Index("ix_tickets_brand_id_id", "brand_id", "id"),
        Index("ix_tickets_created_at", "created_at"),
        Index("ix_tickets_solved_at", "solved_at"),  # an hour of solves (insights)
        Index("ix_tickets_first_response_due_at", "first_response_due_at"),
        Index("ix_tickets_next_response_due_at", "next_response_due_at"),
        Index("ix_tickets_resolution_due_at", "resolution_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    category: Mapped[Category | None] = mapped_column(str_enum(Category, "category"), index=True)
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, "priority"))
    status: Mapped[Status] = mapped_column(str_enum(Status, "status"))
    language: Mapped[str | None] = mapped_column(String(2), index=True)
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    line_item_id: Mapped[int | None] = mapped_column(ForeignKey("line_items.id"))
    sku: Mapped[str | None] = mapped_column(String(64), index=True)
    batch: Mapped[str | None] = mapped_column(String(64))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # to the current assignee
    first_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # time to assign
    # When the current assignee first opened it since it was assigned (hand-off of unopened).
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(30), default="api")
    external_ref: Mapped[str | None] = mapped_column(String(200), index=True)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Service level (sla/): the policy that applies and the due instants it gives; a paused
    # resolution clock keeps its remaining seconds of calendar time instead of a due instant.
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey(SlaPolicy.id))
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_remaining_seconds: Mapped[int | None] = mapped_column(Integer)

    tag_rows: Mapped[list[TicketTag]] = relationship(
        cascade="all, delete-orphan", order_by="TicketTag.tag", lazy="selectin"
    )
    brand: Mapped[Brand | None] = relationship(lazy="raise")
    customer: Mapped[Customer | None] = relationship(lazy="raise")
    order: Mapped[Order | None] = relationship(lazy="raise")
    line_item: Mapped[LineItem | None] = relationship(lazy="raise")

    @property
    def tags(self) -> list[str]:
        return sorted(row.tag for row in self.tag_rows)


class TicketTag(Base):
    __tablename__ = "ticket_tags"
    __table_args__ = (Index("ix_ticket_tags_tag_ticket", "tag", "ticket_id"),)

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(50), primary_key=True)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_ticket_id_id", "ticket_id", "id"),
        Index("ix_messages_created_at", "created_at"),  # an hour of replies (insights)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind, "message_kind"))
    body: Mapped[str] = mapped_column(Text)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    author_label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SavedView(Base):
    """A named view: an inbox filter (entity "inbox", its `filters`), or a grid over tickets or
    orders (its `config`: columns, filters, sorts, group-by). Inbox views are private or shared
    with everyone (`shared`); grid views are private or shared with one team (`team_id`)."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    filters: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    entity: Mapped[str] = mapped_column(String(20), default="inbox", server_default="inbox")
    config: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
