"""Hostile input for every document reader: a precise error or a review item, never a crash nor a drop."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.errors import InputError
from gateway.services.parse_documents import parse_file
from parsers.documents import DOCUMENT_FORMATS, read_document
from parsers.pdf.reader import read_pdf
from parsers.tabular import read_csv, read_xlsx
from parsers.xml import read_cxml, read_ubl

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLES = {
    "pdf": FIXTURES / "pdf" / "ruled.pdf",
    "csv": FIXTURES / "csv" / "utf8-bom-quoted.csv",
    "xlsx": FIXTURES / "xlsx" / "two-pos.xlsx",
    "cxml": FIXTURES / "cxml" / "order-request.xml",
    "ubl": FIXTURES / "ubl" / "order-2.1.xml",
}


def _read_or_refuse(raw: bytes, fmt: str) -> None:
    """Either orders, each of which says whether it needs review, or an InputError with a code."""
    try:
        orders = read_document(raw, fmt)
    except InputError as exc:
        assert exc.code and exc.message
        return
    assert orders, "a document read without error yields at least one order"
    for po in orders:
        assert po.extraction is not None
        assert po.extraction.needs_review == bool(po.extraction.review_reasons)


@pytest.mark.parametrize("fmt", DOCUMENT_FORMATS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000))
def test_random_bytes_never_crash(fmt: str, data: bytes) -> None:
    _read_or_refuse(data, fmt)


@pytest.mark.parametrize("fmt", DOCUMENT_FORMATS)
@settings(max_examples=40, deadline=None)
@given(cut=st.floats(min_value=0.0, max_value=0.999))
def test_truncated_documents_never_crash(fmt: str, cut: float) -> None:
    raw = SAMPLES[fmt].read_bytes()
    _read_or_refuse(raw[: int(len(raw) * cut)], fmt)


@pytest.mark.parametrize("fmt", DOCUMENT_FORMATS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_flipped_bytes_never_crash(fmt: str, data: st.DataObject) -> None:
    raw = bytearray(SAMPLES[fmt].read_bytes())
    for _ in range(data.draw(st.integers(min_value=1, max_value=8))):
        at = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
        raw[at] = data.draw(st.integers(min_value=0, max_value=255))
    _read_or_refuse(bytes(raw), fmt)


@settings(max_examples=80, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_any_text_as_csv_is_read_or_refused(text: str) -> None:
    _read_or_refuse(("Item,Qty,Price\n" + text).encode("utf-8"), "csv")


@pytest.mark.parametrize(
    ("reader", "name"),
    [(read_pdf, "pdf/ruled.pdf"), (read_csv, "csv/utf8-bom-quoted.csv"), (read_xlsx, "xlsx/two-pos.xlsx")],
)
def test_oversized_files_are_refused_by_size(reader: object, name: str) -> None:
    raw = (FIXTURES / name).read_bytes()
    with pytest.raises(InputError) as caught:
        reader(raw, max_bytes=len(raw) - 1)  # type: ignore[operator]
    assert caught.value.code == "document.too_large"


@pytest.mark.parametrize("reader", [read_cxml, read_ubl])
def test_oversized_xml_is_refused(reader: object) -> None:
    raw = b"<Order>" + b" " * (21 * 1024 * 1024) + b"</Order>"
    with pytest.raises(InputError) as caught:
        reader(raw)  # type: ignore[operator]
    assert caught.value.code == "document.too_large"


def test_a_zip_bomb_workbook_is_refused_before_unpacking() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (600 * 1024 * 1024))
    with pytest.raises(InputError) as caught:
        read_xlsx(buf.getvalue())
    assert caught.value.code == "document.too_large"


def test_a_pdf_with_too_many_pages_is_refused() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(201):
        pdf.add_page()
    with pytest.raises(InputError) as caught:
        read_pdf(bytes(pdf.output()))
    assert caught.value.code == "document.too_large"


def test_xml_entities_are_never_expanded_nor_fetched() -> None:
    external = (
        b'<?xml version="1.0"?><!DOCTYPE cXML SYSTEM "http://127.0.0.1:9/never.dtd">'
        b'<cXML><Request><OrderRequest><OrderRequestHeader orderID="A1" orderDate="2026-01-01"/>'
        b'<ItemOut quantity="1"><ItemID><SupplierPartID>X</SupplierPartID></ItemID></ItemOut>'
        b"</OrderRequest></Request></cXML>"
    )
    (po,) = read_cxml(external)  # the DTD is named, never loaded
    assert po.po_number == "A1"
    for attack in (
        b'<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/hostname">]><cXML>&a;</cXML>',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x">%p;]><cXML/>',
        b'<cXML><!DOCTYPE x [<!ENTITY a "b">]></cXML>',
    ):
        with pytest.raises(InputError) as caught:
            read_cxml(attack)
        assert caught.value.code in ("xml.unsafe", "xml.malformed")


def test_deeply_nested_xml_is_refused_not_crashed() -> None:
    raw = b"<cXML>" + b"<a>" * 300_000 + b"</a>" * 300_000 + b"</cXML>"
    with pytest.raises(InputError):
        read_cxml(raw)


def test_other_cxml_and_xml_messages_are_refused_with_a_reason() -> None:
    with pytest.raises(InputError) as caught:
        read_cxml(b"<cXML><Request><ProfileRequest/></Request></cXML>")
    assert caught.value.code == "cxml.not_order"
    with pytest.raises(InputError) as caught:
        read_ubl(b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>')
    assert caught.value.code == "ubl.not_order"


def test_a_csv_without_a_line_table_is_refused_with_a_reason() -> None:
    with pytest.raises(InputError) as caught:
        read_csv(b"name,email\nann,ann@example.com\n")
    assert caught.value.code == "csv.no_header"


def test_parse_file_reports_refusals_as_rejected_documents() -> None:
    (result,) = parse_file(io.BytesIO((FIXTURES / "pdf" / "encrypted.pdf").read_bytes()))
    data = result.to_json("encrypted.pdf")
    assert data["status"] == "rejected" and data["format"] == "pdf"
    assert data["diagnostics"][0]["code"] == "pdf.encrypted"
    (scan,) = parse_file(io.BytesIO((FIXTURES / "pdf" / "scan.pdf").read_bytes()))
    assert scan.status == "needs_review"
    assert scan.to_json()["review_reasons"][0]["code"] == "document.no_text_layer"
