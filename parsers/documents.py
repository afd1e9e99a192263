"""One entry for every non-X12 order format: detect, then read with the partner's layouts.

``read_document(raw, fmt, layouts)`` returns the purchase orders of a PDF,
CSV, XLSX, cXML or UBL document; a document that cannot be read at all raises
``InputError`` (its ``code`` says why: ``pdf.encrypted``, ``csv.no_header``,
``xml.unsafe``, ``document.too_large``, ...).  Anything else unexpected from a
third-party reader is turned into an ``InputError`` too: hostile input never
escapes as a crash.
"""

from __future__ import annotations

from gateway.domain.layouts import DocumentLayouts
from gateway.domain.model import PurchaseOrder
from gateway.errors import InputError, UnsupportedFormat

DOCUMENT_FORMATS = ("pdf", "csv", "xlsx", "cxml", "ubl")


def read_document(raw: bytes, fmt: str | None, layouts: DocumentLayouts | None = None) -> list[PurchaseOrder]:
    """The purchase orders of a non-X12 document of format ``fmt`` (see ``parsers.detect``)."""
    layouts = layouts or DocumentLayouts()
    try:
        if fmt == "pdf":
            from parsers.pdf import read_pdf

            return read_pdf(raw, layouts.pdf_templates)
        if fmt == "csv":
            from parsers.tabular import read_csv

            return read_csv(raw, layouts.column_map)
        if fmt == "xlsx":
            from parsers.tabular import read_xlsx

            return read_xlsx(raw, layouts.column_map)
        if fmt == "cxml":
            from parsers.xml import read_cxml

            return read_cxml(raw)
        if fmt == "ubl":
            from parsers.xml import read_ubl

            return read_ubl(raw)
    except InputError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise InputError(
            f"the {fmt} document is too deeply nested or too large: {type(exc).__name__}",
            code="document.too_large",
        ) from None
    except Exception as exc:  # a reader library failing on hostile input
        raise InputError(
            f"the {fmt} document cannot be read: {type(exc).__name__}: {exc}"[:300], code=f"{fmt}.unreadable"
        ) from None
    raise UnsupportedFormat(f"not a format this gateway reads ({fmt or 'unrecognised content'})")
