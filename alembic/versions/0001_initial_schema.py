"""Initial schema: partners, catalog, stock, documents, orders, outbound, control numbers, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 22:11:58.294514
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("entity", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("detail", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_entity_entity_id"), "audit_log", ["entity", "entity_id"], unique=False)

    op.create_table(
        "control_counters",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=3), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint("level IN ('ISA', 'GS', 'ST')", name=op.f("ck_control_counters_level")),
        sa.CheckConstraint(
            "last_value >= 0 AND last_value <= 999999999", name=op.f("ck_control_counters_range")
        ),
        sa.PrimaryKeyConstraint("partner_id", "level", name=op.f("pk_control_counters")),
    )
    op.create_table(
        "inbound_documents",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("filename", sa.String(length=500), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("diagnostics", JSON, nullable=True),
        sa.Column("message_id", sa.String(length=500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('received', 'parsed', 'acknowledged', 'confirmed', "
            "'needs_review', 'rejected', 'duplicate', 'failed')",
            name=op.f("ck_inbound_documents_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_documents")),
        sa.UniqueConstraint("channel", "message_id", name=op.f("uq_inbound_documents_channel_message_id")),
    )
    op.create_index(
        op.f("ix_inbound_documents_content_hash"), "inbound_documents", ["content_hash"], unique=False
    )

    op.create_table(
        "items",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("base_unit", sa.String(length=8), nullable=False),
        sa.Column("pack_size", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("list_price", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("upc", sa.String(length=32), nullable=True),
        sa.Column("reorder_point", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_items")),
    )
    op.create_index(op.f("ix_items_upc"), "items", ["upc"], unique=False)

    op.create_table(
        "trading_partners",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("test_mode", sa.Boolean(), nullable=False),
        sa.Column("isa_qualifier", sa.String(length=2), nullable=True),
        sa.Column("isa_id", sa.String(length=15), nullable=True),
        sa.Column("gs_id", sa.String(length=15), nullable=True),
        sa.Column("profile", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trading_partners")),
    )
    op.create_index(
        op.f("ix_trading_partners_isa_qualifier_isa_id"),
        "trading_partners",
        ["isa_qualifier", "isa_id"],
        unique=False,
    )

    op.create_table(
        "warehouses",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=50), nullable=False),
        sa.Column("postal_code", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_warehouses")),
    )
    op.create_table(
        "contract_prices",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("price", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["sku"], ["items.sku"], name=op.f("fk_contract_prices_sku_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("partner_id", "sku", name=op.f("pk_contract_prices")),
    )
    op.create_table(
        "interchanges",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("sender_qualifier", sa.String(length=2), nullable=False),
        sa.Column("sender_id", sa.String(length=15), nullable=False),
        sa.Column("control_number", sa.String(length=9), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["inbound_documents.id"],
            name=op.f("fk_interchanges_document_id_inbound_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interchanges")),
    )
    op.create_index(
        "ix_interchanges_sender_control",
        "interchanges",
        ["sender_qualifier", "sender_id", "control_number", "received_at"],
        unique=False,
    )

    op.create_table(
        "item_cross_references",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("buyer_part", sa.String(length=64), nullable=True),
        sa.Column("upc", sa.String(length=32), nullable=True),
        sa.Column("vendor_part", sa.String(length=64), nullable=True),
        sa.Column("unit", sa.String(length=8), nullable=True),
        sa.Column("factor", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("factor_from_pack", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("origin IN ('profile', 'review')", name=op.f("ck_item_cross_references_origin")),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["trading_partners.id"],
            name=op.f("fk_item_cross_references_partner_id_trading_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_cross_references")),
    )
    op.create_index(
        op.f("ix_item_cross_references_partner_id_buyer_part"),
        "item_cross_references",
        ["partner_id", "buyer_part"],
        unique=False,
    )
    op.create_index(
        op.f("ix_item_cross_references_partner_id_upc"),
        "item_cross_references",
        ["partner_id", "upc"],
        unique=False,
    )
    op.create_index(
        op.f("ix_item_cross_references_partner_id_vendor_part"),
        "item_cross_references",
        ["partner_id", "vendor_part"],
        unique=False,
    )

    op.create_table(
        "purchase_orders",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("po_number", sa.String(length=64), nullable=False),
        sa.Column("document_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("set_control", sa.String(length=9), nullable=True),
        sa.Column("po_date", sa.Date(), nullable=True),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("is_test", sa.Boolean(), nullable=False),
        sa.Column("canonical", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('order', 'change')", name=op.f("ck_purchase_orders_kind")),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["inbound_documents.id"],
            name=op.f("fk_purchase_orders_document_id_inbound_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
    )
    op.create_index(op.f("ix_purchase_orders_document_id"), "purchase_orders", ["document_id"], unique=False)
    op.create_index(
        op.f("ix_purchase_orders_partner_id_po_number"),
        "purchase_orders",
        ["partner_id", "po_number"],
        unique=False,
    )
    op.create_index(
        "uq_purchase_orders_original",
        "purchase_orders",
        ["partner_id", "po_number"],
        unique=True,
        postgresql_where=sa.text("purpose = 'original' AND kind = 'order'"),
        sqlite_where=sa.text("purpose = 'original' AND kind = 'order'"),
    )

    op.create_table(
        "stock",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("on_hand", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("allocated", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.CheckConstraint(
            "allocated >= 0 AND allocated <= on_hand AND on_hand >= 0", name=op.f("ck_stock_quantities")
        ),
        sa.ForeignKeyConstraint(["sku"], ["items.sku"], name=op.f("fk_stock_sku_items")),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_stock_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("sku", "warehouse", name=op.f("pk_stock")),
    )
    op.create_table(
        "outbound_documents",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("doc_type", sa.String(length=8), nullable=False),
        sa.Column("purchase_order_id", ID, nullable=True),
        sa.Column("inbound_document_id", ID, nullable=True),
        sa.Column("idempotency_key", sa.String(length=300), nullable=False),
        sa.Column("isa_control", sa.Integer(), nullable=True),
        sa.Column("gs_control", sa.Integer(), nullable=True),
        sa.Column("st_control", sa.Integer(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivery_status", sa.String(length=16), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ack_status", sa.String(length=16), nullable=True),
        sa.CheckConstraint(
            "delivery_status IN ('pending', 'sent', 'failed')",
            name=op.f("ck_outbound_documents_delivery_status"),
        ),
        sa.ForeignKeyConstraint(
            ["inbound_document_id"],
            ["inbound_documents.id"],
            name=op.f("fk_outbound_documents_inbound_document_id_inbound_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_outbound_documents_purchase_order_id_purchase_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_documents")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbound_documents_idempotency_key")),
    )
    op.create_index(
        op.f("ix_outbound_documents_delivery_status"), "outbound_documents", ["delivery_status"], unique=False
    )
    op.create_index(
        op.f("ix_outbound_documents_partner_id_doc_type"),
        "outbound_documents",
        ["partner_id", "doc_type"],
        unique=False,
    )

    op.create_table(
        "sales_orders",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("purchase_order_id", ID, nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("po_number", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ack_type", sa.String(length=2), nullable=False),
        sa.Column("ship_from", sa.String(length=32), nullable=True),
        sa.Column("order_date", sa.Date(), nullable=True),
        sa.Column("outcomes", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_sales_orders_purchase_order_id_purchase_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_orders")),
        sa.UniqueConstraint("purchase_order_id", name=op.f("uq_sales_orders_purchase_order_id")),
    )
    op.create_index(
        op.f("ix_sales_orders_partner_id_po_number"),
        "sales_orders",
        ["partner_id", "po_number"],
        unique=False,
    )
    op.create_index(op.f("ix_sales_orders_status"), "sales_orders", ["status"], unique=False)

    op.create_table(
        "control_ledger",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=3), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("outbound_document_id", ID, nullable=True),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbound_document_id"],
            ["outbound_documents.id"],
            name=op.f("fk_control_ledger_outbound_document_id_outbound_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_ledger")),
        sa.UniqueConstraint(
            "partner_id", "level", "value", name=op.f("uq_control_ledger_partner_id_level_value")
        ),
    )
    op.create_table(
        "sales_order_lines",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("sales_order_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("line_number", sa.String(length=20), nullable=True),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("ordered_quantity", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=True),
        sa.Column("base_quantity", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("factor", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("sent_price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("confirmed_quantity", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("backordered_quantity", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("cancelled_quantity", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("statuses", JSON, nullable=False),
        sa.Column("promised_date", sa.Date(), nullable=True),
        sa.Column("requested_date", sa.Date(), nullable=True),
        sa.Column("outcomes", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["sales_order_id"],
            ["sales_orders.id"],
            name=op.f("fk_sales_order_lines_sales_order_id_sales_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_order_lines")),
        sa.UniqueConstraint(
            "sales_order_id", "position", name=op.f("uq_sales_order_lines_sales_order_id_position")
        ),
    )
    op.create_index(
        op.f("ix_sales_order_lines_sales_order_id"), "sales_order_lines", ["sales_order_id"], unique=False
    )

    op.create_table(
        "allocations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("sales_order_line_id", ID, nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["sales_order_line_id"],
            ["sales_order_lines.id"],
            name=op.f("fk_allocations_sales_order_line_id_sales_order_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_allocations_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
    )
    op.create_index(
        op.f("ix_allocations_sales_order_line_id"), "allocations", ["sales_order_line_id"], unique=False
    )


def downgrade() -> None:
    # dropping a table drops its indexes; children before parents
    for table in (
        "allocations",
        "sales_order_lines",
        "control_ledger",
        "sales_orders",
        "outbound_documents",
        "stock",
        "purchase_orders",
        "item_cross_references",
        "interchanges",
        "contract_prices",
        "warehouses",
        "trading_partners",
        "items",
        "inbound_documents",
        "control_counters",
        "audit_log",
    ):
        op.drop_table(table)
