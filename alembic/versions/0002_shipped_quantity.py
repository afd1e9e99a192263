"""Sales-order lines remember how much has shipped.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 00:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sales_order_lines") as batch:
        batch.add_column(
            sa.Column(
                "shipped_quantity", sa.Numeric(precision=18, scale=4), nullable=False, server_default="0"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("sales_order_lines") as batch:
        batch.drop_column("shipped_quantity")
