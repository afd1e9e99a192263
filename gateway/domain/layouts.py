"""How a partner's PDFs and spreadsheets are laid out: templates and column maps as data.

Written in the partner profile (``mappings/``), validated there and turned into
these classes; the PDF and spreadsheet readers (``parsers/pdf``,
``parsers/tabular``) take them as they are.  Nothing here reads a file.

Column roles, shared by both: ``po_number``, ``line_number``, ``item`` (the
buyer's part number), ``vendor_part``, ``upc``, ``description``, ``quantity``,
``unit``, ``unit_price``, ``amount``, ``po_date``, ``requested_date``,
``buyer``, ``ship_to``, ``currency``, ``terms``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LINE_ROLES = (
    "line_number",
    "item",
    "vendor_part",
    "upc",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "amount",
)
HEADER_ROLES = ("po_number", "po_date", "requested_date", "buyer", "ship_to", "currency", "terms")
COLUMN_ROLES = LINE_ROLES + HEADER_ROLES
PDF_FIELDS = (
    "po_number",
    "po_date",
    "buyer",
    "ship_to",
    "bill_to",
    "requested_date",
    "terms",
    "currency",
    "subtotal",
    "total",
)


@dataclass(slots=True)
class FieldRule:
    """One header field of a PDF template: by a label anchor or by a region, then a pattern.

    ``label``: the value is the text right of the label on its line (``direction``
    "right") or the block under it (``"below"``, as for an address).  ``region``:
    ``[x0, top, x1, bottom]`` in points on ``page`` (from 1).  ``pattern``: a
    regular expression whose first group (or whole match) is the value.
    """

    label: str | None = None
    direction: str = "right"  # right / below
    region: tuple[float, float, float, float] | None = None
    page: int = 1
    pattern: str | None = None


@dataclass(slots=True)
class PdfTemplate:
    """A partner's PDF layout: header fields, and the line table by its header cells and their roles."""

    name: str
    fields: dict[str, FieldRule] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)  # header text as printed -> role
    date_format: str | None = None  # strptime format; by default the common ones are tried
    decimal: str | None = None  # "point" (1,234.50) or "comma" (1.234,50); by default sniffed


@dataclass(slots=True)
class ColumnMap:
    """A partner's spreadsheet: header text as written -> role, and the file's conventions."""

    columns: dict[str, str] = field(default_factory=dict)
    delimiter: str | None = None  # by default sniffed
    encoding: str | None = None  # by default sniffed (UTF-8 with or without BOM, then cp1252)
    decimal: str | None = None  # "point" or "comma"; by default sniffed
    date_format: str | None = None
    sheet: str | None = None  # XLSX sheet name; by default the first
    po_number: str | None = None  # a fixed PO number when the file has no PO-number column


@dataclass(slots=True)
class DocumentLayouts:
    """Everything a partner's non-EDI orders need to be read."""

    pdf_templates: list[PdfTemplate] = field(default_factory=list)
    column_map: ColumnMap | None = None
