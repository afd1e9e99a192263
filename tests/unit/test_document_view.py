"""Pure shaping of an extraction for the admin pages: regions scaled to page images, sheet rows marked."""

from __future__ import annotations

from decimal import Decimal

from gateway.domain.model import Extraction, FieldSource, ReviewReason
from gateway.entrypoints.admin.documents import PageCache
from gateway.services import document_view as dv


def _pdf_extraction() -> Extraction:
    return Extraction(
        method="pdf.generic",
        confidence=Decimal("0.75"),
        fields=[
            FieldSource("po_number", "PO-1", page=1, region=[100.0, 50.0, 140.0, 60.0]),
            FieldSource("lines[1].quantity", "12", page=2, region=[300.0, 200.0, 310.0, 210.0]),
            FieldSource("lines[1].unit_price", "9.10", page=2, region=[400.0, 200.0, 420.0, 210.0]),
            FieldSource("lines[10].quantity", "3", page=2, region=[300.0, 220.0, 310.0, 230.0]),
            FieldSource("lines[0].quantity", "1", page=9, region=[1.0, 1.0, 2.0, 2.0]),  # no such page
        ],
        review_reasons=[
            ReviewReason(
                "document.line_amount_mismatch",
                "line 2 ...",
                field="lines[1]",
                page=2,
                region=[40.0, 200.0, 550.0, 210.0],
            ),
            ReviewReason("document.no_text_layer", "a scan", page=1),
            ReviewReason("document.low_confidence", "confidence 0.75"),
        ],
    )


def test_regions_are_scaled_and_the_reviewed_ones_marked() -> None:
    pages = dv.page_views([_pdf_extraction()], [(612.0, 792.0), (595.0, 842.0)], 1.5)
    assert [(p.width, p.height) for p in pages] == [(918, 1188), (892, 1263)]
    (po,) = pages[0].boxes
    assert (po.label, po.x, po.y, po.width, po.height, po.review) == (
        "po_number",
        150.0,
        75.0,
        60.0,
        15.0,
        False,
    )
    assert pages[0].notes == ["document.no_text_layer: a scan"]
    labels = [(b.label, b.review, b.reason) for b in pages[1].boxes]
    # lines[1] covers lines[1].* but not lines[10].*; the reason's own region is drawn as well
    assert labels == [
        ("L2 qty", True, False),
        ("L2 price", True, False),
        ("L11 qty", False, False),
        ("line_amount_mismatch", True, True),
    ]
    assert pages[1].boxes[0].notes == ["lines[1].quantity: 12", "document.line_amount_mismatch: line 2 ..."]


def test_fields_reasons_and_line_origins_in_words() -> None:
    e = _pdf_extraction()
    fields = dv.field_views(e)
    assert fields[0].where == "page 1 at (100, 50)–(140, 60) pt" and not fields[0].review
    assert fields[1].review and not fields[3].review
    reasons = dv.reason_views(e)
    assert reasons[0].where == "lines[1]: page 2 at (40, 200)–(550, 210) pt"
    assert reasons[2].where == "the whole document"
    assert dv.line_origins(e) == {0: "page 9", 1: "page 2", 10: "page 2"}
    sheet = Extraction(
        method="csv.headings",
        fields=[
            FieldSource("lines[0].item", "A", row=2, column="Item"),
            FieldSource("lines[0].qty", "1", row=3),
        ],
    )
    assert dv.line_origins(sheet) == {0: "rows 2–3"}
    xml = Extraction(
        method="ubl", fields=[FieldSource("lines[0].quantity", "1", path="/Order/cac:OrderLine[1]/x")]
    )
    assert dv.line_origins(xml) == {0: "/Order/cac:OrderLine[1]"}


def test_sheet_rows_are_marked_by_kind_with_the_source_cells() -> None:
    rows = [
        (1, ["PO Number", "PO-7"]),
        (2, []),
        (3, ["Item", "Qty", "Price"]),
        (4, ["A-1", "2", "1.50"]),
        (5, ["A-2", "two", "1.50"]),
        (6, ["Total", "", "3.00"]),
    ]
    e = Extraction(
        method="csv.headings",
        fields=[
            FieldSource("po_number", "PO-7", row=1, column="PO Number"),
            FieldSource("lines[0].item", "A-1", row=4, column="Item"),
            FieldSource("lines[0].quantity", "2", row=4, column="Qty"),
            FieldSource("total", "3.00", row=6, column="Price"),
        ],
        review_reasons=[
            ReviewReason("document.unreadable_row", "row 5: quantity 'two' is not a number", row=5),
            ReviewReason("document.total_mismatch", "the lines add up to 3.00 ...", field="total"),
        ],
    )
    views = dv.sheet_view(rows, 2, [e])
    kinds = {v.number: (v.kind, v.review, sorted(v.marked), v.labels) for v in views}
    assert kinds == {
        1: ("field", False, [0, 1], ["po_number"]),
        2: ("", False, [], []),
        3: ("header", False, [], []),
        4: ("line", False, [0, 1], ["line 1"]),
        5: ("unreadable", True, [], []),
        6: ("field", True, [2], ["total"]),
    }
    assert views[4].notes == ["row 5: quantity 'two' is not a number"]


def test_a_long_sheet_keeps_the_header_and_the_marked_rows() -> None:
    views = [dv.RowView(n, [str(n)]) for n in range(1, 1001)]
    views[0].kind = "header"
    views[499].kind = "line"
    shown = dv.window(views, limit=400)
    numbers = [v.number if v is not None else None for v in shown]
    assert numbers == [1, 2, None, 499, 500, 501, None]  # the header and the row under it
    assert len(dv.window(views[:300])) == 300


def test_the_page_cache_is_bounded_in_bytes() -> None:
    cache = PageCache(max_bytes=100)
    cache.keep_image((1, 1), b"x" * 60)
    cache.keep_image((1, 2), b"y" * 30)
    assert cache.image((1, 1)) is not None  # now the most recently used
    cache.keep_image((2, 1), b"z" * 40)
    assert (
        cache.image((1, 2)) is None and cache.image((1, 1)) == b"x" * 60 and cache.image((2, 1)) is not None
    )
    cache.keep_image((3, 1), b"w" * 500)  # larger than the whole cache: served, never kept
    assert cache.image((3, 1)) is None and cache.renders == 4
