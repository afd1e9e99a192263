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

from sqlalchemy import Connection, bindparam, case, delete, select, update

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

    def block(self) -> ControlNumberBlock:
        """An allocator for many documents in this unit of work (see ``ControlNumberBlock``)."""
        return ControlNumberBlock(self._c)

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


class ControlNumberBlock:
    """Control numbers for many documents in one unit of work, with a few statements in all.

    ``reserve(partner)`` locks (and reads, creating when new) the partner's ISA, GS and ST
    counters in one statement; ``next`` then hands numbers out in memory, ``mark`` and
    ``reset`` give back what a failed order took (a savepoint rolled back), ``link`` ties
    the numbers taken since the last link to the outbound document they went into, and
    ``flush`` writes the counters and the ledger rows (executemany) before the commit.  As
    with ``ControlNumberRepository.next``: the counter rows stay locked until the unit of
    work ends, and a rollback gives every number back.
    """

    def __init__(self, connection: Connection) -> None:
        self._c = connection
        self._read: dict[tuple[str, str], tuple[int, int]] = {}  # as locked: (last, cycle)
        self._state: dict[tuple[str, str], tuple[int, int]] = {}
        self._issued: list[tuple[str, str, int, int]] = []
        self._ledger: list[dict[str, object]] = []

    def reserve(self, partner: str) -> None:
        """Lock and read the partner's counters (call it outside a savepoint that may roll back)."""
        levels = [lv for lv in CONTROL_LEVELS if (partner, lv) not in self._state]
        if not levels:
            return
        stmt = (
            insert(self._c, counters)
            .values([{"partner_id": partner, "level": lv, "last_value": 0, "cycle": 0} for lv in levels])
            .on_conflict_do_update(
                index_elements=[counters.c.partner_id, counters.c.level],
                set_={"last_value": counters.c.last_value},
            )
            .returning(counters.c.level, counters.c.last_value, counters.c.cycle)
        )
        for level, last, cycle in self._c.execute(stmt):
            self._read[(partner, level)] = self._state[(partner, level)] = (int(last), int(cycle))

    def next(self, partner: str, level: str) -> int:
        _check(level)
        key = (partner, level)
        if key not in self._state:
            self.reserve(partner)
        last, cycle = self._state[key]
        if last >= MAX_CONTROL:
            last, cycle = 1, cycle + 1
        else:
            last += 1
        self._state[key] = (last, cycle)
        self._issued.append((partner, level, last, cycle))
        return last

    def mark(self) -> tuple[dict[tuple[str, str], tuple[int, int]], int]:
        return dict(self._state), len(self._issued)

    def reset(self, mark: tuple[dict[tuple[str, str], tuple[int, int]], int]) -> None:
        state, issued = mark
        self._state.update(state)
        del self._issued[issued:]

    def link(self, outbound_id: int | None) -> None:
        """The numbers taken since the last ``link`` went into ``outbound_id``."""
        at = now()
        self._ledger.extend(
            {
                "partner_id": partner,
                "level": level,
                "value": value,
                "cycle": cycle,
                "outbound_document_id": outbound_id,
                "allocated_at": at,
            }
            for partner, level, value, cycle in self._issued
        )
        self._issued.clear()

    def flush(self) -> None:
        """Write the counters and the ledger (before the commit)."""
        if self._issued:
            self.link(None)
        changed = [
            {"b_partner": p, "b_level": lv, "b_last": last, "b_cycle": cycle}
            for (p, lv), (last, cycle) in self._state.items()
            if self._read.get((p, lv)) != (last, cycle)
        ]
        if changed:
            self._c.execute(
                update(counters)
                .where(
                    counters.c.partner_id == bindparam("b_partner"), counters.c.level == bindparam("b_level")
                )
                .values(last_value=bindparam("b_last"), cycle=bindparam("b_cycle")),
                changed,
            )
            self._read.update({(c["b_partner"], c["b_level"]): (c["b_last"], c["b_cycle"]) for c in changed})
        if self._ledger:
            wrapped = [row for row in self._ledger if row["cycle"]]
            if wrapped:
                self._c.execute(
                    delete(control_ledger).where(
                        control_ledger.c.partner_id == bindparam("b_partner"),
                        control_ledger.c.level == bindparam("b_level"),
                        control_ledger.c.value == bindparam("b_value"),
                        control_ledger.c.cycle < bindparam("b_cycle"),
                    ),
                    [
                        {
                            "b_partner": r["partner_id"],
                            "b_level": r["level"],
                            "b_value": r["value"],
                            "b_cycle": r["cycle"],
                        }
                        for r in wrapped
                    ],
                )
            self._c.execute(control_ledger.insert(), self._ledger)
            self._ledger = []
