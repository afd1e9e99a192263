"""The database schema (SQLAlchemy Core).  Migrations in ``alembic/`` create exactly this.

Partner ids in operational tables (documents, orders, outbound, control
numbers) are plain keys, not foreign keys: a document from a sender we do not
know yet is stored before anyone writes its profile.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from gateway.adapters.db.types import Amount, Json, UtcDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# BIGINT on PostgreSQL; INTEGER on SQLite so the column is the rowid and autoincrements
Id = BigInteger().with_variant(Integer(), "sqlite")

DOCUMENT_STATUSES = (
    "received",
    "parsed",
    "acknowledged",
    "confirmed",
    "needs_review",
    "rejected",
    "duplicate",
    "failed",
)
DELIVERY_STATUSES = ("pending", "sent", "failed")
CONTROL_LEVELS = ("ISA", "GS", "ST")
XREF_ORIGINS = ("profile", "review")
FAILED_STEP_STATUSES = ("dead", "retried")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


trading_partners = Table(
    "trading_partners",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("test_mode", Boolean, nullable=False, default=False),
    Column("isa_qualifier", String(2)),
    Column("isa_id", String(15)),
    Column("gs_id", String(15)),
    Column("profile", Json(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index(None, "isa_qualifier", "isa_id"),
)

items = Table(
    "items",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("description", String(500), nullable=False),
    Column("base_unit", String(8), nullable=False),
    Column("pack_size", Amount(), nullable=False),
    Column("list_price", Amount(), nullable=False),
    Column("upc", String(32), index=True),
    Column("reorder_point", Amount(), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

contract_prices = Table(
    "contract_prices",
    metadata,
    Column("partner_id", String(64), primary_key=True),
    Column("sku", String(64), ForeignKey("items.sku", ondelete="CASCADE"), primary_key=True),
    Column("price", Amount(), nullable=False),
)

item_cross_references = Table(
    "item_cross_references",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("partner_id", String(64), ForeignKey("trading_partners.id", ondelete="CASCADE"), nullable=False),
    Column("sku", String(64), nullable=False),  # may name an item not (yet) in the catalog
    Column("buyer_part", String(64)),
    Column("upc", String(32)),
    Column("vendor_part", String(64)),
    Column("unit", String(8)),
    Column("factor", Amount(), nullable=False),
    Column("factor_from_pack", Boolean, nullable=False, default=False),
    Column("origin", String(16), nullable=False),
    Column("created_by", String(100)),
    Column("created_at", UtcDateTime(), nullable=False),
    CheckConstraint(_one_of("origin", XREF_ORIGINS), name="origin"),
    Index(None, "partner_id", "buyer_part"),
    Index(None, "partner_id", "upc"),
    Index(None, "partner_id", "vendor_part"),
)

warehouses = Table(
    "warehouses",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("address", String(200), nullable=False, default=""),
    Column("city", String(100), nullable=False, default=""),
    Column("state", String(50), nullable=False, default=""),
    Column("postal_code", String(20), nullable=False, default=""),
    Column("country", String(2), nullable=False, default="US"),
)

stock = Table(
    "stock",
    metadata,
    Column("sku", String(64), ForeignKey("items.sku"), primary_key=True),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), primary_key=True),
    Column("on_hand", Amount(), nullable=False),
    Column("allocated", Amount(), nullable=False),
    CheckConstraint("allocated >= 0 AND allocated <= on_hand AND on_hand >= 0", name="quantities"),
)

inbound_documents = Table(
    "inbound_documents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("partner_id", String(64)),
    Column("filename", String(500)),
    Column("content_hash", String(64), nullable=False, index=True),  # sha256, hex
    Column("size", BigInteger, nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("format", String(16)),
    Column("status", String(16), nullable=False),
    Column("diagnostics", Json()),
    Column("message_id", String(500)),  # the channel's id (AS2 Message-ID, IMAP Message-ID, ...)
    Column("updated_at", UtcDateTime(), nullable=False),
    # a large document's bytes are in ``document_chunks`` (``raw`` is then b"")
    Column("chunked", Boolean, nullable=False, default=False, server_default=text("false")),
    # the run of ``process_document`` whose staged orders are the document's (see staging.py)
    Column("staging_run", String(36)),
    CheckConstraint(_one_of("status", DOCUMENT_STATUSES), name="status"),
    UniqueConstraint("channel", "message_id"),  # NULL message ids are never equal
)

document_chunks = Table(
    "document_chunks",
    metadata,
    Column("document_id", Id, ForeignKey("inbound_documents.id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),  # 0, 1, 2, ... in byte order
    Column("data", LargeBinary, nullable=False),
)

interchanges = Table(
    "interchanges",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("partner_id", String(64)),
    Column("sender_qualifier", String(2), nullable=False),
    Column("sender_id", String(15), nullable=False),
    Column("control_number", String(9), nullable=False),  # ISA13 as sent
    Column("received_at", UtcDateTime(), nullable=False),
    Column("document_id", Id, ForeignKey("inbound_documents.id"), nullable=False),
    Index("ix_interchanges_sender_control", "sender_qualifier", "sender_id", "control_number", "received_at"),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("partner_id", String(64)),  # None while the sender is unknown
    Column("po_number", String(64), nullable=False),
    Column("document_id", Id, ForeignKey("inbound_documents.id"), nullable=False),
    Column("kind", String(8), nullable=False),  # "order" (850, PDF, CSV, ...) or "change" (860)
    Column("set_control", String(9)),
    Column("po_date", Date),
    Column("purpose", String(16), nullable=False),
    Column("is_test", Boolean, nullable=False, default=False),
    Column("canonical", Json(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    CheckConstraint(_one_of("kind", ("order", "change")), name="kind"),
    Index(None, "partner_id", "po_number"),
    Index(None, "document_id"),
    # one original per partner and PO number: the duplicate rule finds it; changes may be many
    Index(
        "uq_purchase_orders_original",
        "partner_id",
        "po_number",
        unique=True,
        postgresql_where=text("purpose = 'original' AND kind = 'order'"),
        sqlite_where=text("purpose = 'original' AND kind = 'order'"),
    ),
)

sales_orders = Table(
    "sales_orders",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("purchase_order_id", Id, ForeignKey("purchase_orders.id"), nullable=False, unique=True),
    Column("partner_id", String(64), nullable=False),
    Column("po_number", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("ack_type", String(2), nullable=False),
    Column("ship_from", String(32)),
    Column("order_date", Date),
    Column("outcomes", Json(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index(None, "partner_id", "po_number"),
    Index(None, "po_number"),
    Index(None, "status"),
)

sales_order_lines = Table(
    "sales_order_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "sales_order_id", Id, ForeignKey("sales_orders.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("position", Integer, nullable=False),  # order of the lines as sent
    Column("line_number", String(20)),
    Column("sku", String(64)),
    Column("ordered_quantity", Amount(), nullable=False),
    Column("unit", String(8)),
    Column("base_quantity", Amount()),
    Column("factor", Amount(), nullable=False),
    Column("unit_price", Amount()),
    Column("sent_price", Amount()),
    Column("confirmed_quantity", Amount(), nullable=False),
    Column("backordered_quantity", Amount(), nullable=False),
    Column("cancelled_quantity", Amount(), nullable=False),
    Column("shipped_quantity", Amount(), nullable=False, server_default="0"),
    Column("statuses", Json(), nullable=False),  # ACK01 codes
    Column("promised_date", Date),
    Column("requested_date", Date),
    Column("outcomes", Json(), nullable=False),
    UniqueConstraint("sales_order_id", "position"),
)

allocations = Table(
    "allocations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "sales_order_line_id",
        Id,
        ForeignKey("sales_order_lines.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    Column("quantity", Amount(), nullable=False),
)

outbound_documents = Table(
    "outbound_documents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("partner_id", String(64), nullable=False),
    Column("doc_type", String(8), nullable=False),  # 997 999 TA1 855 856 810 865
    Column("purchase_order_id", Id, ForeignKey("purchase_orders.id")),
    Column("inbound_document_id", Id, ForeignKey("inbound_documents.id")),
    # doc_type|inbound id|PO id|discriminator: NULLs never collide in a UNIQUE, this text does
    Column("idempotency_key", String(300), nullable=False, unique=True),
    Column("isa_control", Integer),
    Column("gs_control", Integer),
    Column("st_control", Integer),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("delivery_status", String(16), nullable=False),
    Column("delivered_at", UtcDateTime()),
    Column("ack_status", String(16)),  # the partner's 997/999 or MDN about it
    # delivery attempts: the channel tried, how often, the last transport error, the next try
    Column("channel", String(16)),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Column("next_attempt_at", UtcDateTime()),
    CheckConstraint(_one_of("delivery_status", DELIVERY_STATUSES), name="delivery_status"),
    Index(None, "partner_id", "doc_type"),
    Index(None, "delivery_status"),
)

control_counters = Table(
    "control_counters",
    metadata,
    Column("partner_id", String(64), primary_key=True),
    Column("level", String(3), primary_key=True),
    Column("last_value", Integer, nullable=False),
    Column("cycle", Integer, nullable=False, server_default=text("0")),  # times the counter wrapped
    CheckConstraint(_one_of("level", CONTROL_LEVELS), name="level"),
    CheckConstraint("last_value >= 0 AND last_value <= 999999999", name="range"),
)

control_ledger = Table(
    "control_ledger",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("partner_id", String(64), nullable=False),
    Column("level", String(3), nullable=False),
    Column("value", Integer, nullable=False),
    Column("cycle", Integer, nullable=False),
    Column("outbound_document_id", Id, ForeignKey("outbound_documents.id")),
    Column("allocated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("partner_id", "level", "value"),
)

# one row per (partner, inbound channel) we poll: when it last ran, and who holds it now
channel_polls = Table(
    "channel_polls",
    metadata,
    Column("partner_id", String(64), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("holder", String(100)),
    Column("lease_until", UtcDateTime()),
    Column("last_polled_at", UtcDateTime()),
    Column("last_count", Integer),
    Column("last_error", Text),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("entity", String(50), nullable=False),
    Column("entity_id", String(100), nullable=False),
    Column("action", String(50), nullable=False),
    Column("detail", Json()),
    Index(None, "entity", "entity_id"),
)

# fulfilment and billing -------------------------------------------------------
sequences = Table(
    "sequences",
    metadata,
    # named counters that never hand a number out twice (SSCC serials, invoice numbers)
    Column("name", String(64), primary_key=True),
    Column("last_value", BigInteger, nullable=False),
    CheckConstraint("last_value >= 0", name="range"),
)

bin_locations = Table(
    "bin_locations",
    metadata,
    Column("sku", String(64), ForeignKey("items.sku", ondelete="CASCADE"), primary_key=True),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), primary_key=True),
    Column("bin", String(32), nullable=False),
)

shipments = Table(
    "shipments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("shipment_number", String(30), nullable=False, unique=True),  # BSN02
    Column("sales_order_id", Id, ForeignKey("sales_orders.id"), nullable=False, index=True),
    Column("partner_id", String(64), nullable=False),
    Column("po_number", String(64), nullable=False),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    Column("ship_date", Date, nullable=False),
    Column("document", Json(), nullable=False),  # the shipment: cartons, pallets, SSCCs, carrier
    Column("outbound_document_id", Id, ForeignKey("outbound_documents.id")),  # the 856
    Column("invoice_id", Id, ForeignKey("invoices.id")),  # the 810 that billed it
    Column("created_at", UtcDateTime(), nullable=False),
    Index(None, "partner_id", "po_number"),
)

shipment_lines = Table(
    "shipment_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("shipment_id", Id, ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("sales_order_line_id", Id, ForeignKey("sales_order_lines.id"), nullable=False),
    Column("line_number", String(20), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", Amount(), nullable=False),  # partner unit
    Column("base_quantity", Amount(), nullable=False),
    Column("warehouse", String(32), nullable=False),
)

packages = Table(
    "packages",
    metadata,
    Column("sscc", String(18), primary_key=True),
    Column("shipment_id", Id, ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("level", String(1), nullable=False),  # P carton (pack), T pallet (tare)
    Column("contents", Json(), nullable=False),
    CheckConstraint(_one_of("level", ("P", "T")), name="level"),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("invoice_number", String(22), nullable=False, unique=True),  # BIG02
    Column("sales_order_id", Id, ForeignKey("sales_orders.id"), nullable=False, index=True),
    Column("partner_id", String(64), nullable=False),
    Column("po_number", String(64), nullable=False),
    Column("invoice_date", Date, nullable=False),
    Column("total", Amount(), nullable=False),
    Column("document", Json(), nullable=False),  # lines, charges, terms
    Column("outbound_document_id", Id, ForeignKey("outbound_documents.id")),  # the 810
    Column("created_at", UtcDateTime(), nullable=False),
    Index(None, "partner_id", "po_number"),
)

ACK_STATUSES = ("accepted", "accepted_with_errors", "partially_accepted", "rejected")
ACK_KINDS = ("997", "999", "TA1")

# What the partner's 997/999/TA1 said about what we sent: one row per acknowledged set (AK2/IK2),
# per group acknowledged without set detail (AK9 only) and per TA1; ``outbound_document_id`` is the
# document it names, NULL when it names nothing we sent (kept, not dropped).
acknowledgements = Table(
    "acknowledgements",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("document_id", Id, ForeignKey("inbound_documents.id"), nullable=False),
    Column("position", Integer, nullable=False),  # order within the inbound document
    Column("partner_id", String(64)),
    Column("kind", String(3), nullable=False),
    Column("interchange_control", String(9)),  # ISA13 of the acknowledgement itself
    Column("acknowledged_interchange", String(9)),  # TA101
    Column("functional_id", String(2)),  # AK101 / IK... GS01 acknowledged
    Column("group_control", String(9)),  # AK102
    Column("set_id", String(3)),  # AK201
    Column("set_control", String(9)),  # AK202
    Column("status", String(24), nullable=False),
    Column("code", String(2)),  # AK501 / IK501 / AK901 / TA104
    Column("errors", Json(), nullable=False),  # AK3/AK4 (IK3/IK4) and AK5/IK5 codes, TA105
    Column("outbound_document_id", Id, ForeignKey("outbound_documents.id")),
    Column("received_at", UtcDateTime(), nullable=False),
    CheckConstraint(_one_of("status", ACK_STATUSES), name="status"),
    CheckConstraint(_one_of("kind", ACK_KINDS), name="kind"),
    UniqueConstraint("document_id", "position"),
    Index(None, "outbound_document_id"),
)

USER_ROLES = ("viewer", "operator", "admin")
DECISION_KINDS = ("map_item", "price", "quantity", "warehouse", "approve", "reject")

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(300), nullable=False),  # argon2id, PHC string
    Column("role", String(16), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime(), nullable=False),
    CheckConstraint(_one_of("role", USER_ROLES), name="role"),
)

user_sessions = Table(
    "user_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the cookie's value, hex
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the token, hex
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE")),
    Column("partner_id", String(64)),
    Column("label", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    CheckConstraint("(user_id IS NULL) <> (partner_id IS NULL)", name="owner"),
)

review_decisions = Table(
    "review_decisions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("purchase_order_id", Id, ForeignKey("purchase_orders.id"), nullable=False, index=True),
    Column("line_number", String(20)),
    Column("kind", String(16), nullable=False),
    Column("value", Json()),
    Column("actor", String(100), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    CheckConstraint(_one_of("kind", DECISION_KINDS), name="kind"),
)

sender_aliases = Table(
    "sender_aliases",
    metadata,
    Column("isa_qualifier", String(2), primary_key=True),
    Column("isa_id", String(15), primary_key=True),
    Column("partner_id", String(64), ForeignKey("trading_partners.id", ondelete="CASCADE"), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

# pipeline steps that used up their attempts (or failed for good): the dead-letter list of the review queue
failed_steps = Table(
    "failed_steps",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("message_id", String(64), nullable=False, unique=True),  # the queue's message id
    Column("step", String(64), nullable=False),
    Column("args", Json(), nullable=False),  # the step's ids
    Column("error", String(2000), nullable=False),
    Column("error_type", String(200), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("document_id", Id),  # the inbound document it concerns, when known
    Column("status", String(16), nullable=False),
    Column("failed_at", UtcDateTime(), nullable=False),
    Column("retried_at", UtcDateTime()),
    CheckConstraint(_one_of("status", FAILED_STEP_STATUSES), name="status"),
    Index(None, "status"),
)
