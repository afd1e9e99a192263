"""Small helpers shared by the repositories."""

from __future__ import annotations

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
