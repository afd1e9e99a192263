"""Large documents archived in chunks; the run that owns a document's staged orders.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("inbound_documents") as batch:
        batch.add_column(sa.Column("chunked", sa.Boolean(), nullable=False, server_default=sa.text("false")))
        batch.add_column(sa.Column("staging_run", sa.String(36)))
    op.create_table(
        "document_chunks",
        sa.Column("document_id", Id, nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["inbound_documents.id"],
            name="fk_document_chunks_document_id_inbound_documents",
        ),
        sa.PrimaryKeyConstraint("document_id", "seq", name="pk_document_chunks"),
    )


def downgrade() -> None:
    op.drop_table("document_chunks")
    with op.batch_alter_table("inbound_documents") as batch:
        batch.drop_column("staging_run")
        batch.drop_column("chunked")
