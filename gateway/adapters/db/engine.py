"""``make_engine(url)``: the one place engines are built (never at import time).

SQLite (the embedded default): WAL, foreign keys, a busy timeout, and every
transaction opened with ``BEGIN IMMEDIATE`` so it holds the write lock from the
start.  Two workers allocating the same stock therefore run one after the
other instead of both reading the old row.  pysqlite's own transaction
handling is switched off so SQLAlchemy's ``begin`` event decides.

PostgreSQL: psycopg 3, pre-ping on checkout; rows that must not race are
locked with ``SELECT ... FOR UPDATE`` by the repositories.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL

from gateway.errors import ConfigurationError

BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str | URL) -> URL:
    """Parse ``url``; a bare ``postgresql://`` URL gets the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, *, echo: bool = False) -> Engine:
    parsed = normalize_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, echo=echo)
    if backend == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            raise ConfigurationError(
                f"PostgreSQL is reached through psycopg 3 (postgresql+psycopg://), not {parsed.drivername}"
            )
        return create_engine(parsed, echo=echo, pool_pre_ping=True, future=True)
    raise ConfigurationError(f"unsupported database {parsed.render_as_string(hide_password=True)}")


def _sqlite_engine(url: URL, *, echo: bool) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if not in_memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    connect_args: dict[str, Any] = {"timeout": BUSY_TIMEOUT_MS / 1000}
    if in_memory:
        connect_args["check_same_thread"] = False
    engine = create_engine(url, echo=echo, connect_args=connect_args)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" event below open transactions
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
