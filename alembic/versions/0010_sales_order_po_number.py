"""Sales orders found by PO number alone (the ledger, shipping and order commands).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 13:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_sales_orders_po_number"), "sales_orders", ["po_number"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sales_orders_po_number"), table_name="sales_orders")
