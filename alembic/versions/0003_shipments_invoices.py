"""Shipments (lines, cartons and pallets by SSCC), invoices, and named sequences.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 00:09:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
AMOUNT = sa.Numeric(precision=18, scale=4)
AT = sa.DateTime(timezone=True)

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sequences",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("last_value", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("last_value >= 0", name=op.f("ck_sequences_range")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sequences")),
    )
    op.create_table(
        "bin_locations",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("bin", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["sku"], ["items.sku"], name=op.f("fk_bin_locations_sku_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_bin_locations_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("sku", "warehouse", name=op.f("pk_bin_locations")),
    )
    op.create_table(
        "invoices",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("invoice_number", sa.String(length=22), nullable=False),
        sa.Column("sales_order_id", ID, nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("po_number", sa.String(length=64), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("total", AMOUNT, nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("outbound_document_id", ID, nullable=True),
        sa.Column("created_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["outbound_document_id"],
            ["outbound_documents.id"],
            name=op.f("fk_invoices_outbound_document_id_outbound_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["sales_order_id"], ["sales_orders.id"], name=op.f("fk_invoices_sales_order_id_sales_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("invoice_number", name=op.f("uq_invoices_invoice_number")),
    )
    op.create_index(
        op.f("ix_invoices_partner_id_po_number"), "invoices", ["partner_id", "po_number"], unique=False
    )
    op.create_index(op.f("ix_invoices_sales_order_id"), "invoices", ["sales_order_id"], unique=False)

    op.create_table(
        "shipments",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("shipment_number", sa.String(length=30), nullable=False),
        sa.Column("sales_order_id", ID, nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("po_number", sa.String(length=64), nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("ship_date", sa.Date(), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("outbound_document_id", ID, nullable=True),
        sa.Column("invoice_id", ID, nullable=True),
        sa.Column("created_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_shipments_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["outbound_document_id"],
            ["outbound_documents.id"],
            name=op.f("fk_shipments_outbound_document_id_outbound_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["sales_order_id"], ["sales_orders.id"], name=op.f("fk_shipments_sales_order_id_sales_orders")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_shipments_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
        sa.UniqueConstraint("shipment_number", name=op.f("uq_shipments_shipment_number")),
    )
    op.create_index(
        op.f("ix_shipments_partner_id_po_number"), "shipments", ["partner_id", "po_number"], unique=False
    )
    op.create_index(op.f("ix_shipments_sales_order_id"), "shipments", ["sales_order_id"], unique=False)

    op.create_table(
        "packages",
        sa.Column("sscc", sa.String(length=18), nullable=False),
        sa.Column("shipment_id", ID, nullable=False),
        sa.Column("level", sa.String(length=1), nullable=False),
        sa.Column("contents", JSON, nullable=False),
        sa.CheckConstraint("level IN ('P', 'T')", name=op.f("ck_packages_level")),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_packages_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sscc", name=op.f("pk_packages")),
    )
    op.create_index(op.f("ix_packages_shipment_id"), "packages", ["shipment_id"], unique=False)

    op.create_table(
        "shipment_lines",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("shipment_id", ID, nullable=False),
        sa.Column("sales_order_line_id", ID, nullable=False),
        sa.Column("line_number", sa.String(length=20), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", AMOUNT, nullable=False),
        sa.Column("base_quantity", AMOUNT, nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["sales_order_line_id"],
            ["sales_order_lines.id"],
            name=op.f("fk_shipment_lines_sales_order_line_id_sales_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_lines_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_lines")),
    )
    op.create_index(op.f("ix_shipment_lines_shipment_id"), "shipment_lines", ["shipment_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_shipment_lines_shipment_id"), table_name="shipment_lines")
    op.drop_table("shipment_lines")
    op.drop_index(op.f("ix_packages_shipment_id"), table_name="packages")
    op.drop_table("packages")
    op.drop_index(op.f("ix_shipments_sales_order_id"), table_name="shipments")
    op.drop_index(op.f("ix_shipments_partner_id_po_number"), table_name="shipments")
    op.drop_table("shipments")
    op.drop_index(op.f("ix_invoices_sales_order_id"), table_name="invoices")
    op.drop_index(op.f("ix_invoices_partner_id_po_number"), table_name="invoices")
    op.drop_table("invoices")
    op.drop_table("sequences")
    op.drop_table("bin_locations")
