"""Persistent control numbers (ISA13, GS06, ST02): the database side of
``outbound.x12.control.ControlNumberAllocator``.

``next`` is one statement, ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``:
the first use creates the counter row, later uses increment it, and the row
stays locked until the unit of work ends, so concurrent writers queue on it
(on SQLite the IMMEDIATE transaction serialises them anyway).  A rolled-back
unit of work gives its numbers back, so the committed numbers have no gaps.
Every number handed out is written to the ledger, whose UNIQUE(partner, level,
value) refuses a number twice.  After 999999999 the counter wraps to 1 (the
``cycle`` goes up) and a number from the previous cycle leaves the ledger for
the new one.
"""

from __future__ import annotations

from sqlalchemy import Connection, case, delete, select

from gateway.adapters.db._sql import insert, now
from gateway.adapters.db.tables import CONTROL_LEVELS, control_counters, control_ledger

MAX_CONTROL = 999_999_999
counters = control_counters


def _check(level: str) -> None:
    if level not in CONTROL_LEVELS:
        raise ValueError(f"control number level must be one of {', '.join(CONTROL_LEVELS)}, not {level!r}")


class ControlNumberRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def next(self, partner: str, level: str) -> int:
        """The next number for ``partner`` (the allocator's key, e.g. ``"ZZ:ACME"``) at ``level``."""
        _check(level)
        wraps = counters.c.last_value >= MAX_CONTROL
        stmt = (
            insert(self._c, counters)
            .values(partner_id=partner, level=level, last_value=1, cycle=0)
            .on_conflict_do_update(
                index_elements=[counters.c.partner_id, counters.c.level],
                set_={
                    "last_value": case((wraps, 1), else_=counters.c.last_value + 1),
                    "cycle": case((wraps, counters.c.cycle + 1), else_=counters.c.cycle),
                },
            )
            .returning(counters.c.last_value, counters.c.cycle)
        )
        value, cycle = self._c.execute(stmt).one()
        if cycle:
            self._c.execute(
                delete(control_ledger).where(
                    control_ledger.c.partner_id == partner,
                    control_ledger.c.level == level,
                    control_ledger.c.value == value,
                    control_ledger.c.cycle < cycle,
                )
            )
        self._c.execute(
            control_ledger.insert().values(
                partner_id=partner, level=level, value=value, cycle=cycle, allocated_at=now()
            )
        )
        return int(value)

    def last(self, partner: str, level: str) -> int:
        """The last number handed out (0 when none yet)."""
        _check(level)
        found = self._c.execute(
            select(counters.c.last_value).where(counters.c.partner_id == partner, counters.c.level == level)
        ).scalar_one_or_none()
        return int(found or 0)

    def set_last(self, partner: str, level: str, value: int) -> None:
        """Seed a counter (numbers a previous translator already used); the next one is ``value + 1``."""
        _check(level)
        if not 0 <= value <= MAX_CONTROL:
            raise ValueError(f"control number {value} is outside 0..{MAX_CONTROL}")
        stmt = (
            insert(self._c, counters)
            .values(partner_id=partner, level=level, last_value=value, cycle=0)
            .on_conflict_do_update(
                index_elements=[counters.c.partner_id, counters.c.level], set_={"last_value": value}
            )
        )
        self._c.execute(stmt)

    def issued(self, partner: str, level: str) -> list[int]:
        """The numbers in the ledger for ``partner`` and ``level``, in order handed out."""
        _check(level)
        stmt = (
            select(control_ledger.c.value)
            .where(control_ledger.c.partner_id == partner, control_ledger.c.level == level)
            .order_by(control_ledger.c.id)
        )
        return [int(v) for v in self._c.execute(stmt).scalars()]
