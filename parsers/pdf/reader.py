"""PDF purchase orders (pdfplumber): a partner's template first, else the generic reader.

``read_pdf(raw, templates)`` returns the purchase orders of one PDF (one per
file) with their extraction: where every field was found (page and region in
points from the top left) and the cross-checks of ``parsers.assemble``.

Refused with an ``InputError`` (the document stays archived, its status says
why): more than ``MAX_BYTES`` or ``MAX_PAGES`` (``document.too_large``), an
encrypted file (``pdf.encrypted``), a file pdfminer cannot read
(``pdf.broken``).  A file with no text layer at all (a scan) is not an error:
it becomes an order held for review with ``document.no_text_layer``.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass, field

from gateway.domain.layouts import FieldRule, PdfTemplate
from gateway.domain.model import PurchaseOrder, ReviewReason
from gateway.errors import InputError
from parsers.assemble import Cell, Draft, build_order
from parsers.pdf.layout import (
    Line,
    Word,
    block_below,
    match_phrases,
    region,
    right_limit,
    to_lines,
    value_below,
    value_right,
)
from parsers.pdf.table import TableOnPage, read_table
from parsers.reading import HEADING_INDEX, LABEL_INDEX, decimal_style, normalise

MAX_BYTES = 30 * 1024 * 1024
MAX_PAGES = 200
SCALAR_FIELDS = ("po_number", "po_date", "requested_date", "buyer", "terms", "currency", "subtotal", "total")
BLOCK_FIELDS = ("ship_to", "bill_to")


@dataclass(slots=True)
class Page:
    number: int
    width: float
    height: float
    lines: list[Line]
    ruled_cells: list[tuple[float, float, float, float]]
    images: int = 0


@dataclass(slots=True)
class PdfStats:
    """Timing of the last read (for the benchmark)."""

    pages: int = 0
    seconds: float = 0.0
    per_page: list[float] = field(default_factory=list)


LAST = PdfStats()


def _open(raw: bytes, max_bytes: int) -> list[Page]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    if len(raw) > max_bytes:
        raise InputError(
            f"{len(raw)} bytes: more than the {max_bytes} a PDF may have", code="document.too_large"
        )
    if not raw.lstrip()[:5].startswith(b"%PDF"):
        raise InputError("not a PDF: no %PDF header", code="pdf.broken")
    pages: list[Page] = []
    started = time.perf_counter()
    LAST.per_page = []
    try:
        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise InputError(
                    f"{len(pdf.pages)} pages: more than the {MAX_PAGES} a PDF order may have",
                    code="document.too_large",
                )
            for number, page in enumerate(pdf.pages, start=1):
                t0 = time.perf_counter()
                words = [
                    Word(w["text"], float(w["x0"]), float(w["x1"]), float(w["top"]), float(w["bottom"]))
                    for w in page.extract_words(x_tolerance=1.5, y_tolerance=2)
                ]
                cells: list[tuple[float, float, float, float]] = []
                if words:
                    for table in page.find_tables():
                        cells.extend(c for c in table.cells if c is not None)
                pages.append(
                    Page(
                        number,
                        float(page.width),
                        float(page.height),
                        to_lines(number, words),
                        cells,
                        len(page.images),
                    )
                )
                LAST.per_page.append(time.perf_counter() - t0)
    except InputError:
        raise
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise InputError(
            f"the PDF is encrypted and cannot be read ({type(exc).__name__})", code="pdf.encrypted"
        ) from None
    except (PDFSyntaxError, Exception) as exc:  # pdfminer raises many kinds for a damaged file
        inner = [exc, exc.__cause__, exc.__context__, *getattr(exc, "args", ())]
        if any(isinstance(e, PDFPasswordIncorrect | PDFEncryptionError) for e in inner):
            raise InputError("the PDF is encrypted and cannot be read", code="pdf.encrypted") from None
        raise InputError(
            f"the PDF cannot be read: {type(exc).__name__}: {exc}"[:300], code="pdf.broken"
        ) from None
    LAST.pages = len(pages)
    LAST.seconds = time.perf_counter() - started
    return pages


def read_pdf(
    raw: bytes, templates: list[PdfTemplate] | None = None, *, max_bytes: int = MAX_BYTES
) -> list[PurchaseOrder]:
    """The purchase order of a PDF: by the first template finding a PO number and lines, else generically."""
    pages = _open(raw, max_bytes)
    if not any(p.lines for p in pages):
        draft = Draft(fmt="pdf", method="pdf.no_text", pages=len(pages))
        draft.reasons.append(
            ReviewReason(
                "document.no_text_layer",
                f"the PDF has no text layer ({sum(p.images for p in pages)} images on {len(pages)} pages): "
                "a scan, to be read by a person",
                page=1,
            )
        )
        return [build_order(draft)]
    for template in templates or []:
        draft = _read(pages, template)
        if draft.rows and "po_number" in draft.header:
            return [build_order(draft)]
    return [build_order(_read(pages, None))]


def _read(pages: list[Page], template: PdfTemplate | None) -> Draft:
    index = (
        {normalise(k): v for k, v in template.columns.items()}
        if template and template.columns
        else HEADING_INDEX
    )
    draft = Draft(
        fmt="pdf",
        method=f"pdf.template.{template.name}" if template else "pdf.generic",
        pages=len(pages),
        date_format=template.date_format if template else None,
    )
    tables: list[TableOnPage] = []
    stop = frozenset(
        normalise(rule.label)
        for name, rule in (template.fields.items() if template else ())
        if name in ("subtotal", "total") and rule.label
    )
    for page in pages:
        table = read_table(page.lines, index, page.ruled_cells, stop)
        if table is not None:
            tables.append(table)
            draft.rows.extend(table.rows)
    taken = {id(line) for t in tables for line in t.lines}
    table_tops = {(t.header.page, round(line.top, 1)) for t in tables for line in t.lines}
    free = [
        [ln for ln in p.lines if id(ln) not in taken and (p.number, round(ln.top, 1)) not in table_tops]
        for p in pages
    ]
    if template is not None:
        _template_fields(pages, free, template, draft)
    _label_fields(pages, free, draft)
    numbers = [
        c.text for r in draft.rows for k, c in r.cells.items() if k in ("quantity", "unit_price", "amount")
    ]
    numbers += [c.text for k, c in draft.header.items() if k in ("subtotal", "total")]
    draft.style = (template.decimal if template and template.decimal else None) or decimal_style(numbers)
    return draft


def _po_number(pages: list[Page], free: list[list[Line]]) -> Cell | None:
    """The PO number: the first value with a digit after a label that names a number ("PO Number",
    "PO #", ...), else after a bare "PO" or "Purchase Order" (a title, or "PO Box 12" on an address)."""
    best: tuple[int, Cell] | None = None
    for page, lines in zip(pages, free, strict=True):
        for line in lines:
            phrases = match_phrases(line, LABEL_INDEX)
            starts = {p.start for p in phrases}
            for p in phrases:
                if p.name != "po_number":
                    continue
                right = value_right(p, starts - {p.start}) or value_below(p, lines)[:1]
                if not right or not any(ch.isdigit() for ch in right[0].text):
                    continue
                if len(right) > 1 and right[1].text.lower() in ("box", "drawer"):
                    continue
                label = normalise(" ".join(w.text for w in p.words))
                rank = 1 if label in ("po", "purchase order") else 0
                if best is None or rank < best[0]:
                    best = (rank, Cell(right[0].text, page=page.number, region=region(right[:1])))
                if rank == 0:
                    return best[1]
    return best[1] if best else None


def _label_fields(pages: list[Page], free: list[list[Line]], draft: Draft) -> None:
    if "po_number" not in draft.header and (number := _po_number(pages, free)) is not None:
        draft.header["po_number"] = number
    for page, lines in zip(pages, free, strict=True):
        phrases = [p for line in lines for p in match_phrases(line, LABEL_INDEX)]
        starts = {}
        for p in phrases:
            starts.setdefault(id(p.line), set()).add(p.start)
        for p in phrases:
            if p.name in draft.header or p.name == "po_number":
                continue
            if p.name in BLOCK_FIELDS:
                block = block_below(p, lines, right_limit(p, page.width, phrases))
                right = value_right(p, starts.get(id(p.line)))
                if block:
                    texts = [" ".join(w.text for w in ws) for ws in block]
                    draft.header[p.name] = Cell(
                        "\n".join(texts),
                        page=page.number,
                        region=region(w for ws in block for w in ws),
                        lines=texts,
                    )
                elif right:
                    draft.header[p.name] = Cell(
                        " ".join(w.text for w in right), page=page.number, region=region(right)
                    )
                continue
            right = value_right(p, starts.get(id(p.line)) - {p.start} if id(p.line) in starts else None)
            if not right and p.name in ("po_date", "requested_date", "terms", "buyer", "currency"):
                right = value_below(p, lines)
            if not right:
                continue
            text = " ".join(w.text for w in right)
            draft.header[p.name] = Cell(text, page=page.number, region=region(right))


def _template_fields(pages: list[Page], free: list[list[Line]], template: PdfTemplate, draft: Draft) -> None:
    for name, rule in template.fields.items():
        cell = _template_field(pages, free, rule)
        if cell is not None:
            draft.header[name] = cell


def _template_field(pages: list[Page], free: list[list[Line]], rule: FieldRule) -> Cell | None:
    if rule.region is not None:
        if rule.page > len(pages):
            return None
        page = pages[rule.page - 1]
        x0, top, x1, bottom = rule.region
        ws = [
            w
            for ln in page.lines
            for w in ln.words
            if x0 <= w.center <= x1 and top <= w.top and w.bottom <= bottom
        ]
        if not ws:
            return None
        texts = [
            " ".join(w.text for w in ln.words if w in ws)
            for ln in page.lines
            if any(w in ws for w in ln.words)
        ]
        return _patterned(
            Cell("\n".join(texts), page=page.number, region=region(ws), lines=texts), rule.pattern
        )
    assert rule.label is not None
    index = {normalise(rule.label): "label"}
    for page, lines in zip(pages, free, strict=True):
        for line in lines:
            for p in match_phrases(line, index):
                if rule.direction == "below":
                    block = block_below(p, lines, right_limit(p, page.width, []))
                    if block:
                        texts = [" ".join(w.text for w in ws) for ws in block]
                        cell = Cell(
                            "\n".join(texts),
                            page=page.number,
                            region=region(w for b in block for w in b),
                            lines=texts,
                        )
                        return _patterned(cell, rule.pattern)
                else:
                    right = value_right(p)
                    if right:
                        cell = Cell(" ".join(w.text for w in right), page=page.number, region=region(right))
                        return _patterned(cell, rule.pattern)
    return None


def _patterned(cell: Cell, pattern: str | None) -> Cell | None:
    if pattern is None:
        return cell
    m = re.search(pattern, cell.text)
    if m is None:
        return None
    cell.text = m.group(1) if m.groups() else m.group(0)
    cell.lines = []
    return cell
