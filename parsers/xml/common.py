"""Small helpers the cXML and UBL readers share."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from gateway.domain.model import ReviewReason

# UN/ECE Recommendation 20 unit codes (UBL) to the X12 units the rules know
UNITS = {
    "C62": "EA",
    "H87": "EA",
    "EA": "EA",
    "EACH": "EA",
    "CS": "CA",
    "CT": "CA",
    "CA": "CA",
    "BX": "BX",
    "PK": "PK",
}


def text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    value = "".join(el.itertext()).strip()
    return value or None


def decimal(value: str | None, what: str, problems: list[ReviewReason], path: str) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        problems.append(
            ReviewReason("document.unreadable_value", f"{what} {value!r} is not a number", field=path)
        )
        return None
    if not number.is_finite():
        problems.append(
            ReviewReason("document.unreadable_value", f"{what} {value!r} is not a number", field=path)
        )
        return None
    return number


def iso_date(value: str | None, what: str, problems: list[ReviewReason], path: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        problems.append(
            ReviewReason("document.unreadable_value", f"{what} {value!r} is not a date", field=path)
        )
        return None


def unit(value: str | None) -> str | None:
    if value is None:
        return None
    v = value.strip().upper()
    return UNITS.get(v, v)
