"""Every PDF, CSV, XLSX, cXML and UBL fixture reads into what its ``.expected.json`` says.

The expected files are written by the fixture generators from the data they
draw the documents with (``tests/fixtures/pdf/_generate.py``,
``tests/fixtures/csv/_generate.py``) or by hand (cXML, UBL), never from the
reader's output.  An expected order lists only the fields it checks: each one
must be in the canonical order as given (lists element by element, same
length).  ``review_reasons``: an order expected clean must have none; one
expected for review must carry every code listed.  ``error``: the document
must be refused with that code.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.domain.layouts import ColumnMap, DocumentLayouts, FieldRule, PdfTemplate
from gateway.domain.serialize import to_json
from gateway.errors import InputError
from parsers.detect import detect_format
from parsers.documents import read_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FOLDERS = ("pdf", "csv", "xlsx", "cxml", "ubl")
DOCUMENTS = sorted(
    p
    for folder in FOLDERS
    for p in (FIXTURES / folder).iterdir()
    if p.suffix in (".pdf", ".csv", ".xlsx", ".xml")
    and (p.parent / f"{p.name.rsplit('.', 1)[0]}.expected.json").exists()
)
FORMAT_OF = {".pdf": "pdf", ".csv": "csv", ".xlsx": "xlsx"}


def _expected(path: Path) -> dict[str, Any]:
    return json.loads(
        (path.parent / f"{path.name.rsplit('.', 1)[0]}.expected.json").read_text(encoding="utf-8")
    )


def _layouts(expected: dict[str, Any]) -> DocumentLayouts:
    layouts = DocumentLayouts()
    if "template" in expected:
        t = expected["template"]
        layouts.pdf_templates.append(
            PdfTemplate(
                name=t["name"],
                fields={k: FieldRule(**v) for k, v in t["fields"].items()},
                columns=t["columns"],
                date_format=t.get("date_format"),
                decimal=t.get("decimal"),
            )
        )
    if "column_map" in expected:
        layouts.column_map = ColumnMap(**expected["column_map"])
    return layouts


def _subset(expected: Any, actual: Any, where: str) -> list[str]:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected a mapping, got {actual!r}"]
        out: list[str] = []
        for key, value in expected.items():
            out += _subset(value, actual.get(key), f"{where}.{key}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected {len(expected)} items, got {actual!r}"]
        return [
            m
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for m in _subset(e, a, f"{where}[{i}]")
        ]
    return [] if expected == actual else [f"{where}: expected {expected!r}, got {actual!r}"]


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_reads_as_expected(path: Path) -> None:
    expected = _expected(path)
    raw = path.read_bytes()
    fmt = detect_format(raw[:4096])
    assert fmt == FORMAT_OF.get(path.suffix, path.parent.name)
    if "error" in expected:
        with pytest.raises(InputError) as caught:
            read_document(raw, fmt, _layouts(expected))
        assert caught.value.code == expected["error"]
        return
    orders = read_document(raw, fmt, _layouts(expected))
    assert len(orders) == len(expected["purchase_orders"])
    problems: list[str] = []
    for i, (want, po) in enumerate(zip(expected["purchase_orders"], orders, strict=True)):
        want = dict(want)
        needs_review = want.pop("needs_review")
        codes = want.pop("review_reasons")
        rows = want.pop("unreadable_rows", None)
        pages = want.pop("pages", None)
        problems += _subset(want, to_json(po), f"orders[{i}]")
        assert po.extraction is not None
        actual_codes = [r.code for r in po.extraction.review_reasons]
        assert po.extraction.needs_review is needs_review, actual_codes
        if needs_review:
            for code in codes:
                assert actual_codes.count(code) >= codes.count(code), (code, actual_codes)
            assert po.extraction.confidence < 1
        else:
            assert actual_codes == [] and po.extraction.confidence == 1
        if rows is not None:
            assert [
                r.row for r in po.extraction.review_reasons if r.code == "document.unreadable_row"
            ] == rows
        if pages is not None:
            assert po.extraction.pages == pages
    assert problems == []


def test_every_format_has_its_fixtures() -> None:
    counts = {folder: sum(1 for p in DOCUMENTS if p.parent.name == folder) for folder in FOLDERS}
    assert counts["pdf"] >= 6 and counts["csv"] + counts["xlsx"] >= 6
    assert counts["cxml"] >= 1 and counts["ubl"] >= 1


def test_pdf_fields_say_where_they_were_found() -> None:
    (po,) = read_document((FIXTURES / "pdf" / "ruled.pdf").read_bytes(), "pdf")
    assert po.extraction is not None
    where = {f.field: f for f in po.extraction.fields}
    number = where["po_number"]
    assert number.page == 1 and number.text == "PO-4471"
    assert number.region is not None
    x0, top, x1, bottom = number.region
    assert 440 < x0 < x1 < 560 and top < bottom < 100  # right of "PO Number:", near the top of the page
    qty = where["lines[2].quantity"]
    assert qty.text == "3" and qty.region is not None and qty.region[1] > 250  # the third row of the table
    assert po.extraction.method == "pdf.generic"


def test_a_template_is_tried_first_and_the_generic_reader_otherwise() -> None:
    raw = (FIXTURES / "pdf" / "template-nordwerk.pdf").read_bytes()
    (generic,) = read_document(raw, "pdf")
    assert generic.extraction is not None and generic.extraction.needs_review
    assert "document.no_lines" in [r.code for r in generic.extraction.review_reasons]
    layouts = _layouts(_expected(FIXTURES / "pdf" / "template-nordwerk.pdf"))
    (templated,) = read_document(raw, "pdf", layouts)
    assert templated.extraction is not None and templated.extraction.method == "pdf.template.nordwerk"
    # a template that does not fit this layout is passed over for the generic reader
    wrong = DocumentLayouts(pdf_templates=[PdfTemplate("other", columns={"Foo": "item", "Bar": "quantity"})])
    (fallback,) = read_document((FIXTURES / "pdf" / "ruled.pdf").read_bytes(), "pdf", wrong)
    assert fallback.extraction is not None and fallback.extraction.method == "pdf.generic"
    assert fallback.po_number == "PO-4471"


def test_csv_rows_say_where_they_were_found() -> None:
    orders = read_document((FIXTURES / "csv" / "multi-po-grouped.csv").read_bytes(), "csv")
    second = orders[1]
    assert second.extraction is not None
    qty = next(f for f in second.extraction.fields if f.field == "lines[0].quantity")
    assert (qty.row, qty.column, qty.text) == (6, "Ordered", "7")  # header, 2 lines, subtotal, blank row


def test_a_template_field_by_region_and_pattern() -> None:
    raw = (FIXTURES / "pdf" / "template-nordwerk.pdf").read_bytes()
    template = _layouts(_expected(FIXTURES / "pdf" / "template-nordwerk.pdf")).pdf_templates[0]
    # the total by where it is printed (right of "Gesamtsumme", 18 pt under the last row), not by its label
    template.fields["total"] = FieldRule(region=(455.0, 255.0, 580.0, 295.0), pattern=r"([0-9.]+,\d\d)")
    # the PO number by a pattern over the whole header block on the right
    template.fields["po_number"] = FieldRule(region=(350.0, 60.0, 600.0, 120.0), pattern=r"(NW-\d{4}-\d{4})")
    (po,) = read_document(raw, "pdf", DocumentLayouts(pdf_templates=[template]))
    assert po.po_number == "NW-2026-0042" and po.stated_total == Decimal("6347.50")
    assert po.extraction is not None and not po.extraction.needs_review
    total = next(f for f in po.extraction.fields if f.field == "total")
    assert total.page == 1 and total.region is not None and 455 <= total.region[0] < total.region[2] <= 580
    # a pattern that does not match finds nothing: the field is missing, the order goes to review
    template.fields["po_number"] = FieldRule(region=(350.0, 60.0, 600.0, 120.0), pattern=r"(XX-\d+)")
    template.fields.pop("total")
    layouts = DocumentLayouts(pdf_templates=[template])
    (missing,) = read_document(raw, "pdf", layouts)
    assert missing.extraction is not None and missing.extraction.method == "pdf.generic"
