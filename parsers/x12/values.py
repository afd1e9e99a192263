"""Element values to Python values: decimals, dates and text.

Each reader returns ``None`` for an empty element and raises ``ValueError``
with a short reason for a present but unreadable one; the mappers turn that
into a located diagnostic.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")


def text(value: str) -> str | None:
    """Element text, re-decoded as UTF-8 when it holds UTF-8 bytes (else kept as ISO-8859-1)."""
    if not value:
        return None
    if not value.isascii():
        raw = value.encode("latin-1", errors="replace")
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            value = raw.decode("cp1252", errors="replace")
    value = value.strip()
    return value or None


def decimal(value: str) -> Decimal | None:
    """An R (real) element: optional sign, digits, optional decimal point; no exponent."""
    if not value:
        return None
    # unsigned digits with at most one point (what the pattern admits without a sign) skip the pattern
    if not value.replace(".", "", 1).isdecimal() and not _DECIMAL.fullmatch(value):
        raise ValueError(f"{value[:35]!r} is not a decimal number")
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only valid literals
        raise ValueError(f"{value[:35]!r} is not a decimal number") from exc


def implied(value: str, places: int) -> Decimal | None:
    """An Nn element: digits with ``places`` implied decimal places."""
    if not value:
        return None
    digits = value[1:] if value[:1] in "+-" else value
    if not digits.isdigit() or not digits.isascii():
        raise ValueError(f"{value[:35]!r} is not a whole number")
    return Decimal(value).scaleb(-places)


def integer(value: str) -> int | None:
    if not value:
        return None
    digits = value[1:] if value[:1] in "+-" else value
    if not digits.isdigit() or not digits.isascii():
        raise ValueError(f"{value[:35]!r} is not a whole number")
    return int(value)


def x12_date(value: str) -> date | None:
    """A DT element: CCYYMMDD, or YYMMDD (older versions; 00-49 read as 20xx)."""
    if not value:
        return None
    if not value.isdigit() or not value.isascii():
        raise ValueError(f"{value[:35]!r} is not a date (CCYYMMDD)")
    try:
        if len(value) == 8:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        if len(value) == 6:
            yy = int(value[:2])
            return date(2000 + yy if yy < 50 else 1900 + yy, int(value[2:4]), int(value[4:]))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a calendar date") from exc
    raise ValueError(f"{value[:35]!r} is not a date (CCYYMMDD)")
