"""Small helpers shared by the repositories."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Connection, Table
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


class DriverRows:
    """A statement run with many rows of plain driver parameters (``exec_driver_sql``).

    Compiled once per dialect for ``keys``; each row's values (in ``keys`` order) go
    through the very bind processors SQLAlchemy would apply (so what is stored is the
    same), a column at a time, but without the per-row parameter dictionaries and
    per-execution compile bookkeeping of ``Connection.execute``.  For bulk writes of
    many small rows.
    """

    def __init__(self, statement: Any, keys: Sequence[str], *, column_keys: bool = False) -> None:
        self._statement = statement
        self._keys = tuple(keys)
        self._column_keys = column_keys
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: Any) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            kw: dict[str, Any] = {"for_executemany": True}
            if self._column_keys:
                kw["column_keys"] = list(self._keys)
            compiled = self._statement.compile(dialect=dialect, **kw)
            by_key = {bind.key: (name, bind.type) for bind, name in compiled.bind_names.items()}
            names = [by_key[k][0] for k in self._keys]
            processors = [_processor(by_key[k][1], dialect) for k in self._keys]
            if compiled.positiontup is not None:
                # positional paramstyle: the values in the order the placeholders appear
                where = {name: i for i, name in enumerate(names)}
                order = [(where[name], processors[where[name]]) for name in compiled.positiontup]
                found = _Compiled(compiled.string, order, None)
            else:
                found = _Compiled(compiled.string, list(enumerate(processors)), names)
            self._compiled[dialect.name] = found
        return found

    def execute(self, connection: Connection, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        compiled = self._for(connection.dialect)
        columns = list(zip(*rows, strict=True))
        bound = [columns[i] if p is None else list(map(p, columns[i])) for i, p in compiled.order]
        plain: list[Any] = list(zip(*bound, strict=True))
        if compiled.names is not None:
            names = [compiled.names[i] for i, _ in compiled.order]
            plain = [dict(zip(names, values, strict=True)) for values in plain]
        connection.exec_driver_sql(compiled.sql, plain)


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    order: list[tuple[int, Callable[[Any], Any] | None]]  # (index in the row, bind processor)
    names: list[str] | None  # the parameter names of a named paramstyle, in row order


def _processor(type_: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """SQLAlchemy's bind processor for ``type_``; for JSON, an empty list (most of them) is
    serialised once."""
    process = type_._cached_bind_processor(dialect)
    if process is None or not isinstance(type_, JSON):
        return process
    empty = process([])
    if not isinstance(empty, str):
        return process

    def process_json(value: Any) -> Any:
        if type(value) is list and not value:
            return empty
        return process(value)

    return process_json


_ARRAY_TYPES = {"VARCHAR": "TEXT", "CHAR": "TEXT", "JSON": "JSONB"}


class ArrayInsert:
    """PostgreSQL: many rows in one statement, a column array each.

    ``INSERT INTO t (keys) SELECT * FROM unnest(%s::T1[], %s::T2[], ...)``: one statement
    and one plan for any number of rows, where an executemany runs the statement once a
    row (a protocol message, an executor start and a trip through the driver each).  Values
    go through the columns' bind processors as ``execute`` would; JSON values are written
    as text and cast.  The arrays are cast to the unconstrained base type (``TEXT``, not
    ``VARCHAR(20)``), so a value too long for its column fails as an INSERT of it would
    instead of being cut."""

    def __init__(self, table: Table, keys: Sequence[str], *, returning: Sequence[str] = ()) -> None:
        self._table = table
        self._keys = tuple(keys)
        self._returning = tuple(returning)
        self._compiled: tuple[str, list[Callable[[Any], Any] | None]] | None = None

    def _build(self, dialect: Any) -> tuple[str, list[Callable[[Any], Any] | None]]:
        if self._compiled is None:
            casts = []
            processors: list[Callable[[Any], Any] | None] = []
            for key in self._keys:
                type_ = self._table.c[key].type
                if isinstance(type_, JSON) or isinstance(type_.dialect_impl(dialect), JSON):
                    casts.append("JSONB")
                    processors.append(_json_text)
                    continue
                base = type_.dialect_impl(dialect).compile(dialect=dialect)
                base = base.split("(", 1)[0].strip()
                casts.append(_ARRAY_TYPES.get(base, base))
                processors.append(type_._cached_bind_processor(dialect))
            sql = (
                f"INSERT INTO {self._table.name} ({', '.join(self._keys)}) "
                f"SELECT * FROM unnest({', '.join(f'%s::{c}[]' for c in casts)})"
            )
            if self._returning:
                sql += f" RETURNING {', '.join(self._returning)}"
            self._compiled = (sql, processors)
        return self._compiled

    def sql(self, dialect: Any) -> str:
        return self._build(dialect)[0]

    def arrays(self, dialect: Any, rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
        """The statement's parameters for ``rows`` (each in ``keys`` order): a list per column."""
        _, processors = self._build(dialect)
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(self._keys)
        return [
            list(col) if p is None else list(map(p, col)) for col, p in zip(columns, processors, strict=True)
        ]

    def execute(self, connection: Connection, rows: Sequence[Sequence[Any]]) -> Any:
        dialect = connection.dialect
        return connection.exec_driver_sql(self.sql(dialect), tuple(self.arrays(dialect, rows)))


def _json_text(value: Any) -> str:
    return json.dumps(value)  # None as JSON null, as SQLAlchemy's JSON type stores it
