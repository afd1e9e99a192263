"""What PDF and spreadsheet readers share: column headings, numbers and dates as people write them.

Headings: ``HEADINGS`` maps a column role (``gateway.domain.layouts``) to the
ways purchasing systems head it ("Part #", "Qty", "Ext. price", ...);
``heading_role`` matches one heading, ``LABELS`` does the same for header
fields written as "Label: value".

Numbers: ``1,234.50`` (point) and ``1.234,50`` (comma); ``decimal_style``
judges a whole document's style from its number-looking texts, ``to_decimal``
reads one (currency signs, spaces and a trailing unit ignored; a number in
parentheses is negative).  Dates: ISO, US ``MM/DD/YYYY``, European
``DD.MM.YYYY``, ``DD/MM/YYYY`` when the day is above 12, and month names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

HEADINGS: dict[str, tuple[str, ...]] = {
    "line_number": ("line", "line #", "line no", "line number", "ln", "#", "pos", "position", "item no"),
    "item": (
        "item",
        "sku",
        "part #",
        "part no",
        "part number",
        "part",
        "product code",
        "item code",
        "item #",
        "product",
        "buyer part",
        "catalog #",
        "article",
        "material",
    ),
    "vendor_part": ("vendor part", "supplier part", "vendor item", "our part", "mfr part", "supplier sku"),
    "upc": ("upc", "upc number", "gtin", "ean", "barcode"),
    "description": ("description", "item description", "product description", "desc", "name"),
    "quantity": ("qty", "quantity", "ordered", "qty ordered", "order qty", "quantity ordered", "qty."),
    "unit": ("uom", "unit", "unit of measure", "um", "u/m"),
    "unit_price": ("unit price", "price", "unit cost", "cost", "price each", "each", "rate", "net price"),
    "amount": (
        "amount",
        "ext price",
        "ext. price",
        "extended price",
        "extended",
        "total",
        "line total",
        "ext amount",
        "net amount",
        "value",
    ),
    "po_number": (
        "po",
        "po #",
        "po number",
        "po no",
        "purchase order",
        "purchase order number",
        "order number",
        "order #",
        "order no",
        "order id",
    ),
    "po_date": ("po date", "order date", "date"),
    "requested_date": (
        "requested date",
        "required date",
        "need by",
        "need by date",
        "delivery date",
        "requested delivery",
        "requested delivery date",
        "ship date",
        "requested ship date",
        "due date",
    ),
    "buyer": ("buyer", "ordered by", "purchaser", "contact"),
    "ship_to": ("ship to", "ship-to", "deliver to", "delivery address", "ship to address"),
    "currency": ("currency", "curr"),
    "terms": ("terms", "payment terms"),
}

# header fields of a PDF written as "Label: value" (or the value under the label)
LABELS: dict[str, tuple[str, ...]] = {
    "po_number": (
        "po number",
        "po no",
        "po #",
        "po#",
        "po",
        "purchase order",
        "purchase order number",
        "purchase order no",
        "purchase order #",
        "order number",
        "order no",
        "order #",
        "order n°",
    ),
    "po_date": (
        "po date",
        "order date",
        "date",
        "date of order",
        "issue date",
        "po issue date",
        "po date issued",
    ),
    "requested_date": (
        "requested date",
        "requested delivery date",
        "requested delivery",
        "required date",
        "required by",
        "need by",
        "need by date",
        "delivery date",
        "deliver by",
        "ship date",
        "requested ship date",
    ),
    "buyer": ("buyer", "ordered by", "purchaser", "buyer contact"),
    "terms": ("terms", "payment terms"),
    "currency": ("currency",),
    "ship_to": ("ship to", "ship-to", "deliver to", "delivery address"),
    "bill_to": ("bill to", "bill-to", "invoice to", "billing address"),
    "subtotal": ("subtotal", "sub total", "sub-total", "merchandise total", "net total"),
    "total": ("total", "order total", "grand total", "total amount", "po total", "total due"),
}


def normalise(text: str) -> str:
    """A heading or label as compared: lower case, dots and colons gone, spaces single."""
    text = text.lower().replace("\u00a0", " ").replace(".", " ").replace(":", " ").replace("_", " ")
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\bp o\b", "po", text)


def _build(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for role, names in table.items():
        for name in names:
            out.setdefault(normalise(name), role)
    return out


HEADING_INDEX = _build(HEADINGS)
LABEL_INDEX = _build(LABELS)


def heading_role(text: str, extra: dict[str, str] | None = None) -> str | None:
    """The role of a column heading: from ``extra`` (a partner's map, exact text) first, then synonyms."""
    if extra:
        for name, role in extra.items():
            if normalise(name) == normalise(text):
                return role
        return None
    return HEADING_INDEX.get(normalise(text))


# --- numbers -----------------------------------------------------------------------------

_COMMA_DECIMAL = re.compile(r"^-?\d{1,3}(\.\d{3})+,\d+$|^-?\d+,\d{1,2}$|^-?\d{1,3}( \d{3})+,\d+$")
_POINT_DECIMAL = re.compile(r"^-?\d{1,3}(,\d{3})+\.\d+$|^-?\d+\.\d{1,4}$")
_NUMBERISH = re.compile(r"[-+(]?[$€£¥]?\s*[\d][\d.,' \u00a0]*\)?")
_CURRENCY = "$€£¥"


def _bare(text: str) -> str:
    t = text.strip().replace("\u00a0", " ")
    for c in _CURRENCY:
        t = t.replace(c, "")
    t = re.sub(r"\b(usd|eur|gbp|cad|chf)\b", "", t, flags=re.IGNORECASE).strip()
    return t


def decimal_style(texts: Iterable[str]) -> str:
    """``point`` or ``comma``: which decimal mark the numbers of a document use (point when unsure)."""
    comma = point = 0
    for text in texts:
        t = _bare(text).lstrip("(").rstrip(")")
        if _COMMA_DECIMAL.match(t):
            comma += 1
        elif _POINT_DECIMAL.match(t):
            point += 1
    return "comma" if comma > point else "point"


def to_decimal(text: str | None, style: str = "point") -> Decimal | None:
    """A number as written (``$1,234.50``, ``1.234,50``, ``(12.00)``, ``12 EA``); ``None`` if it is none."""
    if text is None:
        return None
    t = _bare(text)
    if not t:
        return None
    negative = t.startswith("(") and t.endswith(")")
    t = t.strip("()").strip()
    t = re.sub(r"\s*[A-Za-z]{1,4}$", "", t)  # a trailing unit: "12 EA"
    if t.startswith("-"):
        negative, t = not negative, t[1:].strip()
    t = t.lstrip("+")
    if style == "comma":
        t = t.replace(".", "").replace(" ", "").replace("'", "").replace(",", ".")
    else:
        t = t.replace(",", "").replace(" ", "").replace("'", "")
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", t):
        return None
    try:
        value = Decimal(t)
    except InvalidOperation:
        return None
    return -value if negative else value


def looks_numeric(text: str) -> bool:
    return bool(_NUMBERISH.fullmatch(text.strip())) and any(ch.isdigit() for ch in text)


# --- dates -------------------------------------------------------------------------------

_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%d-%m-%Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
)
_DATE_SEARCH = re.compile(
    r"\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|"
    r"[A-Za-z]{3,9}\.? \d{1,2},? \d{4}|\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{2,4}|\d{8}"
)


def to_date(text: str | None, fmt: str | None = None) -> date | None:
    """A date as written; ``fmt`` (strptime) first when given.  ``None`` when it is none."""
    if text is None:
        return None
    t = text.strip().replace(".,", ",")
    if isinstance(text, datetime):  # pragma: no cover - spreadsheets hand datetimes to to_cell_date
        return text.date()
    formats = ((fmt,) if fmt else ()) + _FORMATS
    for f in formats:
        try:
            return datetime.strptime(t, f).date()
        except ValueError:
            continue
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", t)
    if m and int(m.group(1)) > 12:  # DD/MM/YYYY, the day says so
        try:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            return None
    return None


def find_date(text: str, fmt: str | None = None) -> date | None:
    """The first date written anywhere in ``text``."""
    direct = to_date(text, fmt)
    if direct is not None:
        return direct
    for m in _DATE_SEARCH.finditer(text):
        found = to_date(m.group(0), fmt)
        if found is not None:
            return found
    return None


def clean_unit(text: str | None) -> str | None:
    """A unit of measure as the rules expect it: two or three upper-case letters (EA, CA, BX, ...)."""
    if not text:
        return None
    t = text.strip().upper().rstrip(".")
    aliases = {"EACH": "EA", "PC": "EA", "PCS": "EA", "CASE": "CA", "CS": "CA", "BOX": "BX", "PK": "PK"}
    return aliases.get(t, t[:3] if t.isalnum() else None)
