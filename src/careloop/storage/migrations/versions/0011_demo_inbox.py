"""The demo's alert inbox: the stand-in group chats and the messages they received

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import careloop.storage.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "demo_inboxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("secret", sa.String(length=500), nullable=False),
        sa.Column("created_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_inboxes")),
        sa.UniqueConstraint("slug", name=op.f("uq_demo_inboxes_slug")),
    )
    op.create_table(
        "demo_inbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=300), nullable=False),
        sa.Column("signed_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "body",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["demo_inboxes.id"],
            name=op.f("fk_demo_inbox_messages_inbox_id_demo_inboxes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_inbox_messages")),
        sa.UniqueConstraint("inbox_id", "idempotency_key", name="uq_demo_inbox_messages_inbox_key"),
    )
    with op.batch_alter_table("demo_inbox_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_demo_inbox_messages_inbox_received", ["inbox_id", "received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("demo_inbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_demo_inbox_messages_inbox_received")
    op.drop_table("demo_inbox_messages")
    op.drop_table("demo_inboxes")
