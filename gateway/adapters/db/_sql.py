"""Small helpers shared by the repositories."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from gateway.errors import ConfigurationError


def now() -> datetime:
    return datetime.now(UTC)


def insert(connection: Connection, table: Table) -> Any:
    """The dialect's INSERT, which knows ``ON CONFLICT``."""
    name = connection.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise ConfigurationError(f"unsupported database dialect {name}")


def is_postgresql(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"
