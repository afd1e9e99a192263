"""Control numbers for outbound X12: ISA13, GS06 and ST02.

``ControlNumberAllocator`` is the port; ``InMemoryControlNumbers`` the
in-process implementation (tests, the embedded default).  The persistent one
lives with the database adapter.

Numbers are kept per partner key and level.  ISA and GS run 1..999999999 and
wrap to 1.  ST keeps counting across groups for the partner (it does not
restart at 1 in each group): an ST02 then names one set of ours for a long
time, which makes a partner's 997 that quotes it unambiguous.  It wraps at
999999999 too.
"""

from __future__ import annotations

import threading
from typing import Literal, Protocol

Level = Literal["ISA", "GS", "ST"]
LEVELS: tuple[Level, ...] = ("ISA", "GS", "ST")
MAX_CONTROL = 999_999_999


class ControlNumberAllocator(Protocol):
    def next(self, partner: str, level: Level) -> int:
        """The next control number for ``partner`` at ``level`` (1..999999999)."""
        ...


class InMemoryControlNumbers:
    """Thread-safe counters held in memory; ``start`` seeds the last number used."""

    def __init__(self, start: dict[tuple[str, Level], int] | None = None) -> None:
        self._lock = threading.Lock()
        self._last: dict[tuple[str, Level], int] = {}
        for key, value in (start or {}).items():
            self._check_level(key[1])
            if not 0 <= value <= MAX_CONTROL:
                raise ValueError(f"control number {value} for {key} is outside 0..{MAX_CONTROL}")
            self._last[key] = value

    @staticmethod
    def _check_level(level: str) -> None:
        if level not in LEVELS:
            raise ValueError(f"control number level must be one of {', '.join(LEVELS)}, not {level!r}")

    def next(self, partner: str, level: Level) -> int:
        self._check_level(level)
        key = (partner, level)
        with self._lock:
            value = self._last.get(key, 0) + 1
            if value > MAX_CONTROL:
                value = 1
            self._last[key] = value
            return value

    def last(self, partner: str, level: Level) -> int:
        """The last number handed out (0 when none yet)."""
        with self._lock:
            return self._last.get((partner, level), 0)
