"""Pipeline steps that failed for good: the dead-letter list.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "failed_steps",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("args", JSON, nullable=False),
        sa.Column("error", sa.String(2000), nullable=False),
        sa.Column("error_type", sa.String(200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("document_id", Id),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retried_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('dead', 'retried')", name="ck_failed_steps_status"),
        sa.PrimaryKeyConstraint("id", name="pk_failed_steps"),
        sa.UniqueConstraint("message_id", name="uq_failed_steps_message_id"),
    )
    op.create_index("ix_failed_steps_status", "failed_steps", ["status"])


def downgrade() -> None:
    op.drop_index("ix_failed_steps_status", table_name="failed_steps")
    op.drop_table("failed_steps")
