"""The raw side of a PDF, spreadsheet or XML order: page images with regions, sheet rows, pretty XML.

``raw_view`` shapes what ``_rawdoc.html`` shows beside the parsed result;
the page images are rendered here (pdfplumber over pypdfium2, no external
programs) and served by ``GET /admin/documents/{id}/pages/{n}.png`` to
viewers.  Rendered pages and page sizes are kept in a bounded in-memory cache
on the app (``app.state.page_images``): an archived document never changes,
so its id and page number are a safe key.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from gateway.domain.model import Extraction, PurchaseOrder
from gateway.domain.partners import PartnerProfile
from gateway.entrypoints.admin.session import PageViewer
from gateway.entrypoints.api.deps import RuntimeDep
from gateway.errors import GatewayError, InputError, NotFound
from gateway.services import document_view as dv

router = APIRouter()

RESOLUTION = 108  # dots per inch of a page image: 1.5 pixels per PDF point
SCALE = RESOLUTION / 72
MAX_PAGES_SHOWN = 20
SHEET_FORMATS = ("csv", "xlsx")
XML_FORMATS = ("cxml", "ubl")
LAYOUT_FORMATS = ("pdf", *SHEET_FORMATS, *XML_FORMATS)
# PDFium may not be called from two threads at once, not even for different documents
_PDFIUM = threading.Lock()


class PageCache:
    """Rendered page images (PNG bytes) and page sizes, least recently used first out, bounded in bytes."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024, max_documents: int = 256) -> None:
        self.max_bytes = max_bytes
        self.max_documents = max_documents
        self._images: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._sizes: OrderedDict[int, list[tuple[float, float]]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.renders = 0  # pages rendered (not served from the cache)

    def image(self, key: tuple[int, int]) -> bytes | None:
        with self._lock:
            found = self._images.get(key)
            if found is not None:
                self._images.move_to_end(key)
            return found

    def keep_image(self, key: tuple[int, int], png: bytes) -> None:
        with self._lock:
            if key in self._images:
                return
            self.renders += 1
            if len(png) > self.max_bytes:
                return
            self._images[key] = png
            self._bytes += len(png)
            while self._bytes > self.max_bytes:
                _, old = self._images.popitem(last=False)
                self._bytes -= len(old)

    def sizes(self, document_id: int) -> list[tuple[float, float]] | None:
        with self._lock:
            found = self._sizes.get(document_id)
            if found is not None:
                self._sizes.move_to_end(document_id)
            return found

    def keep_sizes(self, document_id: int, sizes: list[tuple[float, float]]) -> None:
        with self._lock:
            self._sizes[document_id] = sizes
            while len(self._sizes) > self.max_documents:
                self._sizes.popitem(last=False)


def _pdf(raw: bytes) -> Any:
    import pdfplumber

    return pdfplumber.open(io.BytesIO(raw))


def page_sizes(raw: bytes) -> list[tuple[float, float]]:
    """Width and height in points of every page, in pdfplumber's coordinates (those of the regions)."""
    try:
        with _pdf(raw) as pdf:
            return [(float(p.width), float(p.height)) for p in pdf.pages]
    except Exception as exc:  # an encrypted or broken PDF: nothing to draw
        raise InputError(f"the PDF cannot be shown: {type(exc).__name__}", code="pdf.broken") from None


def render_page(raw: bytes, number: int, resolution: float = RESOLUTION) -> bytes:
    """Page ``number`` (from 1) as a PNG."""
    try:
        with _PDFIUM, _pdf(raw) as pdf:
            if not 1 <= number <= len(pdf.pages):
                raise NotFound(f"the document has no page {number}")
            image = pdf.pages[number - 1].to_image(resolution=resolution, antialias=True).original
    except GatewayError:
        raise
    except Exception as exc:
        raise InputError(f"the page cannot be rendered: {type(exc).__name__}", code="pdf.broken") from None
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def cached_sizes(cache: PageCache, document_id: int, raw: bytes) -> list[tuple[float, float]]:
    found = cache.sizes(document_id)
    if found is None:
        found = page_sizes(raw)
        cache.keep_sizes(document_id, found)
    return found


def _sheet(raw: bytes, fmt: str, partner: PartnerProfile | None) -> tuple[list[Any], int | None]:
    from parsers.tabular import csv_rows, header_index, xlsx_rows

    column_map = partner.layouts.column_map if partner is not None else None
    rows = csv_rows(raw, column_map) if fmt == "csv" else xlsx_rows(raw, column_map)
    return rows, header_index(rows, column_map)


def pretty_xml(raw: bytes) -> str:
    """The XML indented (read with the same safe parser as the orders; refused ones raise)."""
    from lxml import etree

    from parsers.xml.safe import parse_xml

    root = parse_xml(raw)
    etree.indent(root, space="  ")
    return str(etree.tostring(root, pretty_print=True, encoding="unicode"))


@dataclass(slots=True)
class XmlLine:
    number: int
    text: str
    notes: list[str] = field(default_factory=list)


def _step(el: Any, step: str) -> Any:
    """The child of ``el`` a path step names: ``cac:OrderLine[2]`` by local name (prefix ignored)."""
    name, _, index = step.partition("[")
    local = name.rsplit(":", 1)[-1]
    n = int(index.rstrip("]")) if index.rstrip("]").isdigit() else 1
    found = [c for c in el if isinstance(c.tag, str) and c.tag.rsplit("}", 1)[-1] == local]
    return found[n - 1] if 0 < n <= len(found) else None


def _line_of(root: Any, path: str) -> int | None:
    """The line of the pretty text where the element at ``path`` starts (``/Order/cbc:ID``, ``.../@id``)."""
    steps = [s for s in path.split("/") if s and not s.startswith("@")]
    if not steps or steps[0].rsplit(":", 1)[-1] != str(root.tag).rsplit("}", 1)[-1]:
        return None
    el = root
    for step in steps[1:]:
        el = _step(el, step)
        if el is None:
            return None
    line = el.sourceline
    return int(line) if line else None


def xml_lines(text: str, extractions: Sequence[Extraction]) -> list[XmlLine]:
    """The lines of the indented XML, each field's and reason's element marked with what it is."""
    from lxml import etree

    lines = [XmlLine(i + 1, t) for i, t in enumerate(text.splitlines())]
    root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    for e in extractions:
        marks = [(f.path, f"{f.field} = {f.text or ''}") for f in e.fields if f.path]
        marks += [
            (r.field, f"{r.code}: {r.message}") for r in e.review_reasons if (r.field or "").startswith("/")
        ]
        for path, note in marks:
            n = _line_of(root, path or "")
            if n is not None and 1 <= n <= len(lines):
                lines[n - 1].notes.append(note)
    return lines


def _shown_pages(pages: Sequence[dv.PageView]) -> list[dv.PageView]:
    if len(pages) <= MAX_PAGES_SHOWN:
        return list(pages)
    wanted = [p for p in pages if p.boxes or p.notes or p.number == 1]
    return wanted[:MAX_PAGES_SHOWN]


def raw_view(
    cache: PageCache,
    document_id: int,
    raw: bytes,
    fmt: str | None,
    orders: Sequence[Any],
    partner: PartnerProfile | None,
) -> dict[str, Any]:
    """What ``_rawdoc.html`` needs: ``kind`` (pdf, sheet, xml, text) and that kind's view."""
    found = (getattr(po, "extraction", None) for po in orders)  # a change (860) has none
    extractions: list[Extraction] = [e for e in found if isinstance(e, Extraction)]
    try:
        if fmt == "pdf":
            pages = dv.page_views(extractions, cached_sizes(cache, document_id, raw), SCALE)
            shown = _shown_pages(pages)
            return {"kind": "pdf", "pages": shown, "page_count": len(pages), "document_id": document_id}
        if fmt in SHEET_FORMATS:
            rows, header_at = _sheet(raw, fmt, partner)
            views = dv.sheet_view([(r.number, r.cells) for r in rows], header_at, extractions)
            width = max((len(v.cells) for v in views), default=0)
            return {"kind": "sheet", "rows": dv.window(views), "width": width, "row_count": len(views)}
        if fmt in XML_FORMATS:
            return {"kind": "xml", "lines": xml_lines(pretty_xml(raw), extractions)}
    except GatewayError as exc:
        return {"kind": "text", "problem": exc.message, "text": _text(raw, fmt)}
    return {"kind": "text", "problem": None, "text": _text(raw, fmt)}


def _text(raw: bytes, fmt: str | None) -> str | None:
    if fmt in ("pdf", "xlsx") or b"\x00" in raw[:4096]:
        return None  # binary: not worth showing as text
    return raw[:20_000].decode("utf-8", "replace")


def extraction_detail(po: PurchaseOrder | Any) -> dict[str, Any]:
    """The parsed side's extras for an order read from a layout: fields, reasons, line origins."""
    e = getattr(po, "extraction", None)
    if not isinstance(e, Extraction):
        return {"extraction": None, "fields": [], "reasons": [], "origins": {}}
    return {
        "extraction": e,
        "fields": dv.field_views(e),
        "reasons": dv.reason_views(e),
        "origins": dv.line_origins(e),
    }


def cache_of(request: Request) -> PageCache:
    state = request.app.state
    if not hasattr(state, "page_images"):
        state.page_images = PageCache()
    cache: PageCache = state.page_images
    return cache


@router.get("/documents/{document_id}/pages/{number}.png")
async def page_image(
    request: Request, runtime: RuntimeDep, user: PageViewer, document_id: int, number: int
) -> Response:
    cache = cache_of(request)
    key = (document_id, number)
    png = cache.image(key)
    if png is None:
        png = await run_in_threadpool(_render, runtime, document_id, number)
        cache.keep_image(key, png)
    return Response(png, media_type="image/png")


def _render(runtime: Any, document_id: int, number: int) -> bytes:
    with runtime.context.uow() as uow:
        doc = uow.documents.get(document_id)
        if doc is not None and doc.chunked:  # a PDF over the chunk size: read whole (the reader bounds it)
            doc.raw = uow.documents.read(document_id, doc.size)
    if doc is None or doc.format != "pdf":
        raise NotFound(f"no PDF document {document_id}")
    return render_page(doc.raw, number)
