"""What a person sees of an order read from a layout: regions on PDF pages, rows of a sheet, field origins.

Pure shaping of an order's ``Extraction`` (``gateway.domain.model``) for the
admin pages; no I/O.  PDF regions are ``[x0, top, x1, bottom]`` in points from
the page's top left; ``page_views`` scales them to the pixels of the page
image.  Spreadsheet sources name a row (from 1) and a column heading;
``sheet_view`` marks the rows of the header, of each field and line, and the
rows that could not be read, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gateway.domain.model import Extraction, FieldSource, ReviewReason

_LINE = re.compile(r"^lines\[(\d+)\](?:\.(\w+))?$")
SHORT = {
    "quantity": "qty",
    "unit_price": "price",
    "description": "desc",
    "line_number": "no",
    "amount": "amt",
}


@dataclass(slots=True)
class Box:
    """One outlined region on a page image, in the image's pixels."""

    label: str
    x: float
    y: float
    width: float
    height: float
    review: bool = False  # a review reason points at it
    notes: list[str] = field(default_factory=list)
    reason: bool = False  # the box of a review reason itself (not of a field)


@dataclass(slots=True)
class PageView:
    number: int  # from 1
    width: int  # pixels of the page image
    height: int
    boxes: list[Box] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # reasons naming the page but no region


@dataclass(slots=True)
class RowView:
    number: int  # the row of the file or sheet, from 1
    cells: list[str]
    kind: str = ""  # "header", "field", "line", "unreadable", "" (anything else)
    labels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    marked: set[int] = field(default_factory=set)  # indexes of the cells a field came from
    review: bool = False


@dataclass(slots=True)
class FieldView:
    field: str
    text: str
    where: str
    review: bool = False


@dataclass(slots=True)
class ReasonView:
    code: str
    message: str
    where: str


def line_index(path: str | None) -> int | None:
    """``lines[2].quantity`` or ``lines[2]`` → 2; anything else → None."""
    m = _LINE.match(path or "")
    return int(m.group(1)) if m else None


def label(path: str) -> str:
    """A short label for a field path: ``po_number``, ``L3 qty`` for ``lines[2].quantity``."""
    m = _LINE.match(path)
    if m is None:
        return path
    part = m.group(2)
    return f"L{int(m.group(1)) + 1}" + (f" {SHORT.get(part, part)}" if part else "")


def _covers(reason_field: str | None, path: str) -> bool:
    if not reason_field:
        return False
    return path == reason_field or path.startswith(reason_field + ".") or path.startswith(reason_field + "[")


def _region_text(region: Sequence[float]) -> str:
    x0, top, x1, bottom = (round(float(v)) for v in region[:4])
    return f"({x0}, {top})–({x1}, {bottom}) pt"


def where(
    page: int | None = None,
    region: Sequence[float] | None = None,
    row: int | None = None,
    column: str | None = None,
    path: str | None = None,
) -> str:
    """Where a field or a reason is, in words: ``page 1 at (460, 72)–(500, 82) pt``, ``row 4, column Qty``."""
    parts: list[str] = []
    if page is not None:
        parts.append(f"page {page}" + (f" at {_region_text(region)}" if region else ""))
    if row is not None:
        parts.append(f"row {row}" + (f", column {column}" if column else ""))
    elif column:
        parts.append(f"column {column}")
    if path:
        parts.append(path)
    return "; ".join(parts) or "the whole document"


def _source_where(src: FieldSource) -> str:
    return where(src.page, src.region, src.row, src.column, src.path)


def _reason_where(r: ReviewReason) -> str:
    text = where(r.page, r.region, r.row, r.column)
    if r.field and text == "the whole document":
        return r.field
    return f"{r.field}: {text}" if r.field else text


def field_views(extraction: Extraction) -> list[FieldView]:
    """Every field read, its value, where it came from and whether a review reason points at it."""
    return [
        FieldView(
            f.field,
            f.text or "",
            _source_where(f),
            any(_covers(r.field, f.field) for r in extraction.review_reasons),
        )
        for f in extraction.fields
    ]


def reason_views(extraction: Extraction) -> list[ReasonView]:
    return [ReasonView(r.code, r.message, _reason_where(r)) for r in extraction.review_reasons]


def line_origins(extraction: Extraction) -> dict[int, str]:
    """Line index (from 0) → where it came from: ``row 5``, ``page 2``, ``rows 5–6``."""
    rows: dict[int, set[int]] = {}
    pages: dict[int, set[int]] = {}
    paths: dict[int, str] = {}
    for f in extraction.fields:
        n = line_index(f.field)
        if n is None:
            continue
        if f.row is not None:
            rows.setdefault(n, set()).add(f.row)
        if f.page is not None:
            pages.setdefault(n, set()).add(f.page)
        if f.path and n not in paths:
            paths[n] = f.path.rsplit("/", 1)[0] if "/" in f.path else f.path
    found: dict[int, str] = {}
    for n in sorted({*rows, *pages, *paths}):
        bits = []
        if n in rows:
            r = sorted(rows[n])
            bits.append(f"row {r[0]}" if len(r) == 1 else f"rows {r[0]}–{r[-1]}")
        if n in pages:
            p = sorted(pages[n])
            bits.append(f"page {p[0]}" if len(p) == 1 else f"pages {p[0]}–{p[-1]}")
        if not bits and n in paths:
            bits.append(paths[n])
        found[n] = ", ".join(bits)
    return found


def page_views(
    extractions: Iterable[Extraction], sizes: Sequence[tuple[float, float]], scale: float
) -> list[PageView]:
    """One view per page (``sizes`` in points), the fields' and reasons' regions scaled by ``scale``."""
    pages = [PageView(i + 1, round(w * scale), round(h * scale)) for i, (w, h) in enumerate(sizes)]

    def box(name: str, region: Sequence[float]) -> Box:
        x0, top, x1, bottom = (float(v) * scale for v in region[:4])
        return Box(name, round(x0, 1), round(top, 1), round(x1 - x0, 1), round(bottom - top, 1))

    for extraction in extractions:
        reasons = extraction.review_reasons
        for f in extraction.fields:
            if f.page is None or f.region is None or not 1 <= f.page <= len(pages):
                continue
            b = box(label(f.field), f.region)
            b.notes = [f"{f.field}: {f.text or ''}".strip()]
            for r in reasons:
                if _covers(r.field, f.field):
                    b.review = True
                    b.notes.append(f"{r.code}: {r.message}")
            pages[f.page - 1].boxes.append(b)
        for r in reasons:
            if r.page is None or not 1 <= r.page <= len(pages):
                continue
            page = pages[r.page - 1]
            if r.region is None:
                page.notes.append(f"{r.code}: {r.message}")
                continue
            b = box(r.code.removeprefix("document."), r.region)
            b.review = b.reason = True
            b.notes = [f"{r.code}: {r.message}"]
            page.boxes.append(b)
    return pages


def sheet_view(
    rows: Sequence[tuple[int, Sequence[str]]],
    header_at: int | None,
    extractions: Iterable[Extraction],
) -> list[RowView]:
    """The rows of a sheet, marked: the header row, each field's and line's row, unreadable rows."""
    views = [RowView(number, list(cells)) for number, cells in rows]
    by_number = {v.number: v for v in views}
    headings: list[str] = []
    if header_at is not None and 0 <= header_at < len(views):
        views[header_at].kind = "header"
        headings = [h.strip() for h in views[header_at].cells]
        header_number = views[header_at].number
    else:
        header_number = None
    for extraction in extractions:
        reasons = extraction.review_reasons
        for f in extraction.fields:
            v = by_number.get(f.row) if f.row is not None else None
            if v is None:
                continue
            n = line_index(f.field)
            if n is not None:
                tag = f"line {n + 1}"
                if v.kind != "unreadable":
                    v.kind = "line"
            else:
                tag = f.field
                if v.kind == "":
                    v.kind = "field"
            if tag not in v.labels:
                v.labels.append(tag)
            col = f.column.strip() if f.column else None
            if header_number is not None and v.number > header_number and col in headings:
                v.marked.add(headings.index(col))
            elif col:
                v.marked.update(i for i, c in enumerate(v.cells) if c.strip() == col)
                v.marked.update(i + 1 for i, c in enumerate(v.cells[:-1]) if c.strip() == col)
            if any(_covers(r.field, f.field) for r in reasons):
                v.review = True
        for r in reasons:
            v = by_number.get(r.row) if r.row is not None else None
            if v is None:
                continue
            if r.code == "document.unreadable_row":
                v.kind = "unreadable"
            v.review = True
            if r.message not in v.notes:
                v.notes.append(r.message)
    return views


def window(views: Sequence[RowView], limit: int = 400, context: int = 1) -> list[RowView | None]:
    """All rows when there are few; else the header and above, and the marked rows with ``context``
    rows around them, ``None`` standing for each gap."""
    if len(views) <= limit:
        return list(views)
    header = next((i for i, v in enumerate(views) if v.kind == "header"), -1)
    keep = set(range(header + 1))
    for i, v in enumerate(views):
        if v.kind or v.notes:
            keep.update(range(max(i - context, 0), min(i + context + 1, len(views))))
    picked = sorted(keep)[:limit]
    out: list[RowView | None] = []
    last = -1
    for i in picked:
        if i != last + 1:
            out.append(None)
        out.append(views[i])
        last = i
    if last != len(views) - 1:
        out.append(None)
    return out
