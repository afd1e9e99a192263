"""Migrations from an empty database, and the engine's settings."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from gateway.adapters.db.engine import make_engine, normalize_url
from gateway.adapters.db.migrate import alembic_dir, current, downgrade, upgrade
from gateway.adapters.db.tables import metadata

EXPECTED_TABLES = {
    "trading_partners",
    "items",
    "contract_prices",
    "item_cross_references",
    "warehouses",
    "stock",
    "inbound_documents",
    "channel_polls",
    "interchanges",
    "purchase_orders",
    "sales_orders",
    "sales_order_lines",
    "allocations",
    "outbound_documents",
    "control_counters",
    "control_ledger",
    "audit_log",
    "sequences",
    "shipments",
    "shipment_lines",
    "packages",
    "invoices",
    "bin_locations",
    "acknowledgements",
    "users",
    "user_sessions",
    "api_tokens",
    "review_decisions",
    "sender_aliases",
    "failed_steps",
}


def _head() -> str:
    heads = ScriptDirectory(str(alembic_dir())).get_heads()
    assert len(heads) == 1, f"the migrations must form one line, found heads {heads}"
    return heads[0]


def test_upgrade_from_empty_creates_every_table(empty_db_url: str) -> None:
    assert current(empty_db_url) is None
    upgrade(empty_db_url)
    assert current(empty_db_url) == _head()
    engine = make_engine(empty_db_url)
    try:
        assert set(inspect(engine).get_table_names()) >= EXPECTED_TABLES
    finally:
        engine.dispose()
    upgrade(empty_db_url)  # already at head: nothing to do, no error
    assert current(empty_db_url) == _head()


def test_migrated_schema_matches_the_table_definitions(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_downgrade_to_base_and_back(db_url: str) -> None:
    downgrade(db_url, "base")
    assert current(db_url) is None
    engine = make_engine(db_url)
    try:
        assert not EXPECTED_TABLES & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    upgrade(db_url)
    assert current(db_url) == _head()


def test_sqlite_engine_settings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'og.db'}"
    engine = make_engine(url)  # creates the missing directories
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
            # BEGIN IMMEDIATE: the transaction holds the write lock before it writes
            connection.execute(text("SELECT 1"))
            other = make_engine(url)
            try:
                raw = other.raw_connection()
                try:
                    raw.driver_connection.execute("PRAGMA busy_timeout = 0")
                    cursor = raw.cursor()
                    try:
                        cursor.execute("BEGIN IMMEDIATE")
                        raised = False
                    except Exception as exc:
                        raised = "locked" in str(exc)
                    assert raised
                finally:
                    raw.close()
            finally:
                other.dispose()
    finally:
        engine.dispose()


def test_postgresql_urls_get_psycopg_3() -> None:
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///x.db").drivername == "sqlite"
