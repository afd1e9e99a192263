"""The partner's 997/999/TA1 about what we sent, reconciled to our outbound documents.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "acknowledgements",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("document_id", Id, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(64)),
        sa.Column("kind", sa.String(3), nullable=False),
        sa.Column("interchange_control", sa.String(9)),
        sa.Column("acknowledged_interchange", sa.String(9)),
        sa.Column("functional_id", sa.String(2)),
        sa.Column("group_control", sa.String(9)),
        sa.Column("set_id", sa.String(3)),
        sa.Column("set_control", sa.String(9)),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("code", sa.String(2)),
        sa.Column("errors", JSON, nullable=False),
        sa.Column("outbound_document_id", Id),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["inbound_documents.id"],
            name="fk_acknowledgements_document_id_inbound_documents",
        ),
        sa.ForeignKeyConstraint(
            ["outbound_document_id"],
            ["outbound_documents.id"],
            name="fk_acknowledgements_outbound_document_id_outbound_documents",
        ),
        sa.CheckConstraint(
            "status IN ('accepted', 'accepted_with_errors', 'partially_accepted', 'rejected')",
            name="ck_acknowledgements_status",
        ),
        sa.CheckConstraint("kind IN ('997', '999', 'TA1')", name="ck_acknowledgements_kind"),
        sa.PrimaryKeyConstraint("id", name="pk_acknowledgements"),
        sa.UniqueConstraint("document_id", "position", name="uq_acknowledgements_document_id_position"),
    )
    op.create_index("ix_acknowledgements_outbound_document_id", "acknowledgements", ["outbound_document_id"])


def downgrade() -> None:
    op.drop_index("ix_acknowledgements_outbound_document_id", table_name="acknowledgements")
    op.drop_table("acknowledgements")
