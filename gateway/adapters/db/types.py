"""Column types that behave the same on SQLite and PostgreSQL.

- ``UtcDateTime``: timezone-aware UTC in and out (SQLite keeps no zone, so the
  value is stored as naive UTC and given its zone back on the way out).
- ``Amount``: ``Numeric(18, 4)`` returning ``Decimal``.  SQLite has no decimal
  type and keeps the number as a double; values go in quantized to 4 places and
  come back as ``Decimal`` quantized to 4 places.  SQL arithmetic on amounts
  rounds to 4 places (``round(x, 4)``) so comparisons stay exact on SQLite too.
- ``Json``: JSON, stored as JSONB on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Numeric
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

SCALE = Decimal("0.0001")


class UtcDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone-aware value")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Amount(TypeDecorator[Decimal]):
    """Quantities and prices: ``Numeric(18, 4)``."""

    impl = Numeric(18, 4)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            # SQLite stores a double; we do the Decimal conversion ourselves, quantized
            return dialect.type_descriptor(Numeric(18, 4, asdecimal=False))
        return dialect.type_descriptor(Numeric(18, 4))

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = Decimal(value)
        if dialect.name == "sqlite":
            return float(value.quantize(SCALE))
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, Decimal):
            return value
        if isinstance(value, float):
            return Decimal(repr(value)).quantize(SCALE)
        return Decimal(value).quantize(SCALE)


def Json() -> TypeEngine[Any]:
    return JSON().with_variant(JSONB(), "postgresql")
