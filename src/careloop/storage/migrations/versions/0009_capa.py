"""Root-cause (CAPA) tasks: tasks by 8D stage, their stages, team, links to tickets and orders,
verification settings

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import careloop.storage.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "capa_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=2), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("batch", sa.String(length=64), nullable=True),
        sa.Column("carrier", sa.String(length=60), nullable=True),
        sa.Column("region", sa.String(length=60), nullable=True),
        sa.Column("alert_rule_id", sa.Integer(), nullable=True),
        sa.Column("alert_fingerprint", sa.String(length=16), nullable=True),
        sa.Column(
            "alert_labels",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_capa_tasks_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_capa_tasks_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capa_tasks")),
    )
    with op.batch_alter_table("capa_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_capa_tasks_alert_fingerprint"), ["alert_fingerprint"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_capa_tasks_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index("ix_capa_tasks_sku_batch", ["sku", "batch"], unique=False)
        batch_op.create_index("ix_capa_tasks_stage_id", ["stage", "id"], unique=False)

    op.create_table(
        "capa_members",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["capa_tasks.id"],
            name=op.f("fk_capa_members_task_id_capa_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_capa_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("task_id", "user_id", name=op.f("pk_capa_members")),
    )
    with op.batch_alter_table("capa_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_capa_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "capa_stages",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=2), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("done_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("done_by_label", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_capa_stages_done_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_capa_stages_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["capa_tasks.id"],
            name=op.f("fk_capa_stages_task_id_capa_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "stage", name=op.f("pk_capa_stages")),
    )
    with op.batch_alter_table("capa_stages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_capa_stages_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "capa_verifications",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=60), nullable=False),
        sa.Column(
            "filters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("baseline_weeks", sa.Integer(), nullable=False),
        sa.Column(
            "problem_started_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("bound", sa.Float(), nullable=True),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("started_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "last_values",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("weeks_under", sa.Integer(), nullable=False),
        sa.Column("passed_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["capa_tasks.id"],
            name=op.f("fk_capa_verifications_task_id_capa_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_capa_verifications")),
    )
    op.create_table(
        "capa_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("created_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(ticket_id IS NULL) <> (order_id IS NULL)", name=op.f("ck_capa_links_one_target")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_capa_links_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_capa_links_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["capa_tasks.id"],
            name=op.f("fk_capa_links_task_id_capa_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_capa_links_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capa_links")),
        sa.UniqueConstraint("task_id", "order_id", name="uq_capa_links_task_order"),
        sa.UniqueConstraint("task_id", "ticket_id", name="uq_capa_links_task_ticket"),
    )
    with op.batch_alter_table("capa_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_capa_links_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_capa_links_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("capa_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capa_links_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_capa_links_order_id"))

    op.drop_table("capa_links")
    op.drop_table("capa_verifications")
    with op.batch_alter_table("capa_stages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capa_stages_owner_id"))

    op.drop_table("capa_stages")
    with op.batch_alter_table("capa_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capa_members_user_id"))

    op.drop_table("capa_members")
    with op.batch_alter_table("capa_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_capa_tasks_stage_id")
        batch_op.drop_index("ix_capa_tasks_sku_batch")
        batch_op.drop_index(batch_op.f("ix_capa_tasks_owner_id"))
        batch_op.drop_index(batch_op.f("ix_capa_tasks_alert_fingerprint"))

    op.drop_table("capa_tasks")
