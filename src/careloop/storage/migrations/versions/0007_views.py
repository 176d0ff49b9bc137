"""Saved views become grid views too: the entity they show, their configuration, a team to
share them with, when they last changed

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import careloop.storage.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("saved_views", schema=None) as batch_op:
        # Existing rows are the inbox's views, with an empty grid configuration.
        batch_op.add_column(
            sa.Column("entity", sa.String(length=20), server_default="inbox", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "config",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                server_default=sa.text("'{}'"),
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("updated_at", careloop.storage.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_saved_views_team_id"), ["team_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_saved_views_team_id_teams"), "teams", ["team_id"], ["id"]
        )
    # The default only filled the existing rows; new rows get theirs from the mapped table.
    with op.batch_alter_table("saved_views", schema=None) as batch_op:
        batch_op.alter_column("config", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("saved_views", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_saved_views_team_id_teams"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_saved_views_team_id"))
        batch_op.drop_column("updated_at")
        batch_op.drop_column("team_id")
        batch_op.drop_column("config")
        batch_op.drop_column("entity")
