"""Channels: delivery attempts on outbound documents, and the poll schedule with its leases.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-28 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_documents") as batch:
        batch.add_column(sa.Column("channel", sa.String(16)))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")))
        batch.add_column(sa.Column("last_error", sa.Text()))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True)))
    op.create_table(
        "channel_polls",
        sa.Column("partner_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("holder", sa.String(100)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("last_polled_at", sa.DateTime(timezone=True)),
        sa.Column("last_count", sa.Integer()),
        sa.Column("last_error", sa.Text()),
        sa.PrimaryKeyConstraint("partner_id", "channel", name=op.f("pk_channel_polls")),
    )


def downgrade() -> None:
    op.drop_table("channel_polls")
    with op.batch_alter_table("outbound_documents") as batch:
        batch.drop_column("next_attempt_at")
        batch.drop_column("last_error")
        batch.drop_column("attempts")
        batch.drop_column("channel")
