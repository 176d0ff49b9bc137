"""Mapped tables of root-cause (CAPA) tasks: the task with its 8D stage, one row per stage
(owner, due date, notes, who finished it), its team, its links to tickets and orders and the
series its verification watches."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from careloop.storage.base import Base, JSONDocument, UTCDateTime


class CapaTask(Base):
    """A root-cause task: what went wrong (category, SKU, batch, carrier, region), who owns it,
    where it stands (`stage`, d1..d8: the first stage not done; `closed_at` once D8 is done) and
    the alert it came from (rule id, series fingerprint and labels; no foreign key on purpose)."""

    __tablename__ = "capa_tasks"
    __table_args__ = (
        Index("ix_capa_tasks_stage_id", "stage", "id"),
        Index("ix_capa_tasks_sku_batch", "sku", "batch"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20))  # quality, logistics, other
    stage: Mapped[str] = mapped_column(String(2))  # d1 .. d8
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    sku: Mapped[str | None] = mapped_column(String(64))
    batch: Mapped[str | None] = mapped_column(String(64))
    carrier: Mapped[str | None] = mapped_column(String(60))
    region: Mapped[str | None] = mapped_column(String(60))
    alert_rule_id: Mapped[int | None] = mapped_column(Integer)
    alert_fingerprint: Mapped[str | None] = mapped_column(String(16), index=True)
    alert_labels: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CapaStage(Base):
    """One of a task's eight stages: its owner, due date (a calendar day), notes, and when and
    by whom it was done (`done_by_id` None with a done instant: the system, e.g. verification)."""

    __tablename__ = "capa_stages"

    task_id: Mapped[int] = mapped_column(
        ForeignKey("capa_tasks.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[str] = mapped_column(String(2), primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_by_label: Mapped[str | None] = mapped_column(String(200))


class CapaMember(Base):
    """A member of a task's team (D1)."""

    __tablename__ = "capa_members"

    task_id: Mapped[int] = mapped_column(
        ForeignKey("capa_tasks.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class CapaLink(Base):
    """A ticket or an order linked to a task (exactly one of the two per row)."""

    __tablename__ = "capa_links"
    __table_args__ = (
        UniqueConstraint("task_id", "ticket_id", name="uq_capa_links_task_ticket"),
        UniqueConstraint("task_id", "order_id", name="uq_capa_links_task_order"),
        CheckConstraint("(ticket_id IS NULL) <> (order_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("capa_tasks.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CapaVerification(Base):
    """What verification watches: an insights ratio metric (e.g. quality complaints per 1,000
    delivered) with filters (the task's SKU and batch), the bound it must stay under (the
    baseline measured when verification started, or one given) for `weeks` whole weeks in a
    row, and what the last check found."""

    __tablename__ = "capa_verifications"

    task_id: Mapped[int] = mapped_column(
        ForeignKey("capa_tasks.id", ondelete="CASCADE"), primary_key=True
    )
    metric: Mapped[str] = mapped_column(String(60))
    filters: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    weeks: Mapped[int] = mapped_column(Integer)
    baseline_weeks: Mapped[int] = mapped_column(Integer, default=4)
    # The problem's onset: the baseline is measured over the weeks before it.
    problem_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    bound: Mapped[float | None] = mapped_column(Float)  # given by hand, else the baseline
    baseline: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The weekly values of the last check, oldest first: [{"start", "value"}].
    last_values: Mapped[list[Any]] = mapped_column(JSONDocument, default=list)
    weeks_under: Mapped[int] = mapped_column(Integer, default=0)
    passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
