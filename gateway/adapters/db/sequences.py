"""Named sequences (SSCC serial references, invoice numbers): a number is never handed out twice.

``next(name, count)`` is one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``:
the row stays locked until the unit of work ends, so concurrent callers queue on
it (on SQLite the IMMEDIATE transaction serialises them); a rolled-back unit of
work gives its numbers back, and a committed one keeps them for good.  Unlike a
PostgreSQL SEQUENCE, committed numbers have no gaps and it works the same on
SQLite.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from gateway.adapters.db._sql import insert
from gateway.adapters.db.tables import sequences


class SequenceRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def next(self, name: str, count: int = 1) -> list[int]:
        """``count`` new numbers from the sequence ``name`` (the first use starts at 1)."""
        if count < 1:
            raise ValueError(f"ask for at least one number, not {count}")
        stmt = (
            insert(self._c, sequences)
            .values(name=name, last_value=count)
            .on_conflict_do_update(
                index_elements=[sequences.c.name], set_={"last_value": sequences.c.last_value + count}
            )
            .returning(sequences.c.last_value)
        )
        last = int(self._c.execute(stmt).scalar_one())
        return list(range(last - count + 1, last + 1))

    def last(self, name: str) -> int:
        found = self._c.execute(
            select(sequences.c.last_value).where(sequences.c.name == name)
        ).scalar_one_or_none()
        return int(found or 0)
