"""Persistent control numbers (ISA13, GS06, ST02): the database side of
``outbound.x12.control.ControlNumberAllocator``.

Every number handed out is written to the ledger, whose UNIQUE(partner, level,
value) refuses a number twice; the ledger row names the outbound document the
number went into.  After 999999999 the counter wraps to 1 (the ``cycle`` goes
up) and a number from the previous cycle leaves the ledger for the new one.

Two ways of handing numbers out, by database:

- **SQLite** (one writer at a time anyway): the counter row is incremented in
  the unit of work's own transaction and stays locked until it ends; a rolled
  back unit of work gives its numbers back, so the numbers have no gaps.
- **PostgreSQL** (many workers): numbers are taken in ranges, in a short
  transaction of their own that commits at once (``NumberLease``), so no
  partner-wide lock is held while documents are written and stored and two
  workers writing for the same partner overlap.  The ledger rows of a range are
  written with it; the unit of work that uses a number links its row to the
  outbound document.  What a range had left over goes back to the counter when
  no one has taken numbers after it, else stays in the ledger unlinked; a unit
  of work that rolls back (or a process that dies) leaves the numbers it took
  unlinked too.  So the numbers are unique and gap-aware: every number from 1
  to the counter is in the ledger exactly once, and a gap in what partners
  received is a ledger row with no document (``voided``).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, case, delete, select, update
from sqlalchemy.dialects import postgresql

from gateway.adapters.db._sql import ArrayInsert, insert, is_postgresql, now
from gateway.adapters.db.tables import CONTROL_LEVELS, control_counters, control_ledger

MAX_CONTROL = 999_999_999
counters = control_counters


def _check(level: str) -> None:
    if level not in CONTROL_LEVELS:
        raise ValueError(f"control number level must be one of {', '.join(CONTROL_LEVELS)}, not {level!r}")


class ControlNumberRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection
        self._leased = is_postgresql(connection)
        self._unlinked: list[tuple[str, str, int]] = []  # taken by ``next``, no document yet

    def block(self) -> ControlNumberBlock | LeasedControlNumberBlock:
        """An allocator for many documents in this unit of work (see ``ControlNumberBlock``;
        on PostgreSQL ``LeasedControlNumberBlock``)."""
        if self._leased:
            return LeasedControlNumberBlock(self._c)
        return ControlNumberBlock(self._c)

    def next(self, partner: str, level: str) -> int:
        """The next number for ``partner`` (the allocator's key, e.g. ``"ZZ:ACME"``) at ``level``
        (on PostgreSQL taken in a transaction of its own: see the module's docstring)."""
        _check(level)
        if self._leased:
            ((value, _cycle),) = NumberLease(self._c.engine).take(partner, [level], 1)[level]
            self._unlinked.append((partner, level, value))
            return value
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
        self._unlinked.append((partner, level, int(value)))
        return int(value)

    def link_taken(self, outbound_id: int | None) -> None:
        """The numbers ``next`` handed out since the last call went into ``outbound_id`` (None:
        into nothing stored; their ledger rows stay unlinked)."""
        taken, self._unlinked = self._unlinked, []
        if outbound_id is not None and taken:
            _link(self._c, [(outbound_id, p, lv, v) for p, lv, v in taken])

    def counters(self) -> list[tuple[str, str, int, int]]:
        """Every counter: (partner key, level, last number handed out, cycle)."""
        stmt = select(
            counters.c.partner_id, counters.c.level, counters.c.last_value, counters.c.cycle
        ).order_by(counters.c.partner_id, counters.c.level)
        return [(str(p), str(lv), int(last), int(cy)) for p, lv, last, cy in self._c.execute(stmt)]

    def voided(self, partner: str, level: str) -> list[int]:
        """The numbers handed out that no stored document carries (the gaps partners may see)."""
        _check(level)
        stmt = (
            select(control_ledger.c.value)
            .where(
                control_ledger.c.partner_id == partner,
                control_ledger.c.level == level,
                control_ledger.c.outbound_document_id.is_(None),
            )
            .order_by(control_ledger.c.value)
        )
        return [int(v) for v in self._c.execute(stmt).scalars()]

    def last(self, partner: str, level: str) -> int:
        """The last number handed out (0 when none yet)."""
        _check(level)
        found = self._c.execute(
            select(counters.c.last_value).where(counters.c.partner_id == partner, counters.c.level == level)
        ).scalar_one_or_none()
        return int(found or 0)

    def set_last(self, partner: str, level: str, value: int) -> None:
        """Seed a counter (numbers a previous translator already used); the next one is ``value + 1``
        (on PostgreSQL committed at once)."""
        _check(level)
        if not 0 <= value <= MAX_CONTROL:
            raise ValueError(f"control number {value} is outside 0..{MAX_CONTROL}")
        if self._leased:
            # committed at once, like the ranges taken from the counter (which would otherwise
            # wait for this transaction)
            with self._c.engine.connect() as c, c.begin():
                self._seed(c, partner, level, value)
            return
        self._seed(self._c, partner, level, value)

    @staticmethod
    def _seed(connection: Connection, partner: str, level: str, value: int) -> None:
        stmt = (
            insert(connection, counters)
            .values(partner_id=partner, level=level, last_value=value, cycle=0)
            .on_conflict_do_update(
                index_elements=[counters.c.partner_id, counters.c.level], set_={"last_value": value}
            )
        )
        connection.execute(stmt)

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

    def reserve(self, partner: str, count: int = 1) -> None:
        """Lock and read the partner's counters (call it outside a savepoint that may roll back);
        ``count`` (how many numbers the caller expects to take) is not needed here."""
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


_LINK_ARRAYS = (
    "UPDATE control_ledger AS l SET outbound_document_id = v.out "
    "FROM unnest(%s::BIGINT[], %s::TEXT[], %s::TEXT[], %s::INTEGER[]) AS v(out, partner, level, value) "
    "WHERE l.partner_id = v.partner AND l.level = v.level AND l.value = v.value"
)
_LEDGER_KEYS = ("partner_id", "level", "value", "cycle", "allocated_at")
_LEDGER_ARRAYS = ArrayInsert(control_ledger, _LEDGER_KEYS)


def _link(connection: Connection, rows: list[tuple[int, str, str, int]]) -> None:
    """Tie ledger rows (partner, level, value) to the outbound documents that carry them (on
    PostgreSQL in one statement of column arrays; elsewhere an executemany)."""
    if not rows:
        return
    if is_postgresql(connection):
        connection.exec_driver_sql(_LINK_ARRAYS, tuple(list(c) for c in zip(*rows, strict=True)))
        return
    connection.execute(
        update(control_ledger)
        .where(
            control_ledger.c.partner_id == bindparam("b_partner"),
            control_ledger.c.level == bindparam("b_level"),
            control_ledger.c.value == bindparam("b_value"),
        )
        .values(outbound_document_id=bindparam("b_out")),
        [{"b_out": out, "b_partner": p, "b_level": lv, "b_value": v} for out, p, lv, v in rows],
    )


class NumberLease:
    """Ranges of control numbers taken (and given back) in short transactions of their own, on
    PostgreSQL: a counter row is locked only for the one statement that moves it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def take(self, partner: str, levels: list[str], count: int) -> dict[str, list[tuple[int, int]]]:
        """``count`` consecutive numbers at each of ``levels`` (in ``CONTROL_LEVELS`` order, so
        concurrent takers lock the rows in one order), as (value, cycle), with their ledger rows
        written and committed.  A range that would pass 999999999 starts the next cycle at 1."""
        levels = [lv for lv in CONTROL_LEVELS if lv in levels]
        stmt = postgresql.insert(counters).values(
            [{"partner_id": partner, "level": lv, "last_value": count, "cycle": 0} for lv in levels]
        )
        wraps = counters.c.last_value + stmt.excluded.last_value > MAX_CONTROL
        stmt = stmt.on_conflict_do_update(
            index_elements=[counters.c.partner_id, counters.c.level],
            set_={
                "last_value": case(
                    (wraps, stmt.excluded.last_value), else_=counters.c.last_value + stmt.excluded.last_value
                ),
                "cycle": case((wraps, counters.c.cycle + 1), else_=counters.c.cycle),
            },
        ).returning(counters.c.level, counters.c.last_value, counters.c.cycle)
        taken: dict[str, list[tuple[int, int]]] = {}
        with self._engine.connect() as c, c.begin():
            for level, last, cycle in c.execute(stmt):
                taken[level] = [(v, int(cycle)) for v in range(int(last) - count + 1, int(last) + 1)]
            at = now()
            rows = [
                {"partner_id": partner, "level": lv, "value": v, "cycle": cy, "allocated_at": at}
                for lv, values in taken.items()
                for v, cy in values
            ]
            wrapped = [r for r in rows if r["cycle"]]
            if wrapped:
                c.execute(
                    delete(control_ledger).where(
                        control_ledger.c.partner_id == partner,
                        control_ledger.c.level == bindparam("b_level"),
                        control_ledger.c.value == bindparam("b_value"),
                        control_ledger.c.cycle < bindparam("b_cycle"),
                    ),
                    [{"b_level": r["level"], "b_value": r["value"], "b_cycle": r["cycle"]} for r in wrapped],
                )
            _LEDGER_ARRAYS.execute(c, [tuple(r[k] for k in _LEDGER_KEYS) for r in rows])
        return taken

    def give_back(self, partner: str, level: str, first: int, last: int, cycle: int) -> bool:
        """Return the unused numbers ``first..last`` to the counter, when they are the last it
        handed out (no one took numbers after them); whether they went back."""
        with self._engine.connect() as c, c.begin():
            moved = c.execute(
                update(counters)
                .where(
                    counters.c.partner_id == partner,
                    counters.c.level == level,
                    counters.c.last_value == last,
                    counters.c.cycle == cycle,
                )
                .values(last_value=first - 1)
            ).rowcount
            if not moved:
                return False
            c.execute(
                delete(control_ledger).where(
                    control_ledger.c.partner_id == partner,
                    control_ledger.c.level == level,
                    control_ledger.c.value.between(first, last),
                    control_ledger.c.cycle == cycle,
                    control_ledger.c.outbound_document_id.is_(None),
                )
            )
        return True


class LeasedControlNumberBlock:
    """``ControlNumberBlock`` for PostgreSQL: numbers from ranges taken by ``NumberLease``.

    ``reserve(partner, count)`` takes ``count`` numbers at each level for the partner (one
    short transaction of its own); ``next`` hands them out, taking another range when one runs
    out; ``mark``/``reset`` put back into the range what a failed document took, ``link`` ties
    the numbers taken since the last link to the outbound document they went into, and
    ``flush`` writes those links in the unit of work's transaction and gives back what the
    ranges have left over.  Numbers of a unit of work that rolls back stay in the ledger
    unlinked (voided): never handed out again, and accounted for."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection
        self._lease = NumberLease(connection.engine)
        self._pool: dict[tuple[str, str], deque[tuple[int, int]]] = {}
        self._ends: dict[tuple[str, str], tuple[int, int]] = {}  # the newest range's last (value, cycle)
        self._want: dict[str, int] = {}
        self._issued: list[tuple[str, str, int, int]] = []
        self._links: list[tuple[int | None, str, str, int]] = []

    def reserve(self, partner: str, count: int = 1) -> None:
        """Take ``count`` numbers per level for ``partner`` now (what its documents will need)."""
        count = max(int(count), 1)
        self._want[partner] = count
        levels = [lv for lv in CONTROL_LEVELS if not self._pool.get((partner, lv))]
        if levels:
            self._take(partner, levels, count)

    def _take(self, partner: str, levels: list[str], count: int) -> None:
        for level, values in self._lease.take(partner, levels, count).items():
            self._pool.setdefault((partner, level), deque()).extend(values)
            self._ends[(partner, level)] = values[-1]

    def next(self, partner: str, level: str) -> int:
        _check(level)
        pool = self._pool.get((partner, level))
        if not pool:
            self._take(partner, [level], self._want.get(partner, 1))
            pool = self._pool[(partner, level)]
        value, cycle = pool.popleft()
        self._issued.append((partner, level, value, cycle))
        return value

    def mark(self) -> int:
        return len(self._issued)

    def reset(self, mark: Any) -> None:
        back = self._issued[mark:]
        del self._issued[mark:]
        for partner, level, value, cycle in reversed(back):
            self._pool[(partner, level)].appendleft((value, cycle))

    def link(self, outbound_id: int | None) -> None:
        """The numbers taken since the last ``link`` went into ``outbound_id``."""
        self._links.extend((outbound_id, p, lv, v) for p, lv, v, _c in self._issued)
        self._issued.clear()

    def flush(self) -> None:
        """Link the ledger rows to their documents (before the commit) and give back what is
        left of the ranges."""
        if self._issued:
            self.link(None)
        rows = [(out, p, lv, v) for out, p, lv, v in self._links if out is not None]
        if rows:
            _link(self._c, rows)  # type: ignore[arg-type]
        self._links = []
        for (partner, level), pool in self._pool.items():
            if not pool:
                continue
            values = list(pool)
            pool.clear()
            end = self._ends.get((partner, level))
            last, cycle = values[-1]
            contiguous = all(
                v == last - (len(values) - 1 - i) and c == cycle for i, (v, c) in enumerate(values)
            )
            if end == (last, cycle) and contiguous:
                self._lease.give_back(partner, level, values[0][0], last, cycle)
