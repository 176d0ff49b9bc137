"""Alert delivery: receivers, the notification outbox and its delivery log (one row per attempt)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import careloop.storage.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_receivers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("secret", sa.String(length=500), nullable=True),
        sa.Column(
            "settings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("per_second", sa.Integer(), nullable=True),
        sa.Column("per_minute", sa.Integer(), nullable=True),
        sa.Column("fallback_receiver_id", sa.Integer(), nullable=True),
        sa.Column("deadline_minutes", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["fallback_receiver_id"],
            ["alert_receivers.id"],
            name=op.f("fk_alert_receivers_fallback_receiver_id_alert_receivers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_receivers")),
        sa.UniqueConstraint("name", name=op.f("uq_alert_receivers_name")),
    )
    with op.batch_alter_table("alert_receivers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_receivers_fallback_receiver_id"),
            ["fallback_receiver_id"],
            unique=False,
        )

    op.create_table(
        "alert_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receiver_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column(
            "message",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("lease_until", careloop.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deadline_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("failover_of_id", sa.Integer(), nullable=True),
        sa.Column(
            "first_event_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("detected_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("enqueued_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "acknowledged_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("dead_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["failover_of_id"],
            ["alert_notifications.id"],
            name=op.f("fk_alert_notifications_failover_of_id_alert_notifications"),
        ),
        sa.ForeignKeyConstraint(
            ["receiver_id"],
            ["alert_receivers.id"],
            name=op.f("fk_alert_notifications_receiver_id_alert_receivers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_notifications")),
        sa.UniqueConstraint("key", name=op.f("uq_alert_notifications_key")),
    )
    with op.batch_alter_table("alert_notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_notifications_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_alert_notifications_failover_of_id"), ["failover_of_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_alert_notifications_receiver_id"), ["receiver_id"], unique=False
        )

    op.create_table(
        "alert_notification_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("receiver_id", sa.Integer(), nullable=False),
        sa.Column("started_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.Column("retry_after", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["alert_notifications.id"],
            name=op.f("fk_alert_notification_attempts_notification_id_alert_notifications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["receiver_id"],
            ["alert_receivers.id"],
            name=op.f("fk_alert_notification_attempts_receiver_id_alert_receivers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_notification_attempts")),
    )
    with op.batch_alter_table("alert_notification_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_notification_attempts_notification_id"),
            ["notification_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_alert_notification_attempts_receiver", ["receiver_id", "started_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_notification_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_notification_attempts_receiver")
        batch_op.drop_index(batch_op.f("ix_alert_notification_attempts_notification_id"))

    op.drop_table("alert_notification_attempts")
    with op.batch_alter_table("alert_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_notifications_receiver_id"))
        batch_op.drop_index(batch_op.f("ix_alert_notifications_failover_of_id"))
        batch_op.drop_index("ix_alert_notifications_due")

    op.drop_table("alert_notifications")
    with op.batch_alter_table("alert_receivers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_receivers_fallback_receiver_id"))

    op.drop_table("alert_receivers")
