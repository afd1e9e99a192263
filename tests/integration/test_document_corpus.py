"""Conformance over the shared corpus of public PDF, CSV, cXML and UBL orders (``../shared/corpus``).

The expected values below were read by eye from each file (the PDFs' text, the
CSV rows, the XML elements), not copied from the readers' output.  What is
asserted:

- every file is read or refused with a code, never a crash;
- PDFs: the PO number found is the one printed on the document (or none is
  found: then the order says so); every one of these real-world layouts goes to
  review (none has a line table the cross-checks can all confirm), a scan says
  ``document.no_text_layer``, the encrypted one ``pdf.encrypted``; at least as
  many PO numbers are found as today (a floor against regressions);
- CSV, cXML, UBL: PO numbers, dates, line counts and first-line values as
  read by eye; the reasons a sample earns (a UBL whose line amount disagrees
  with quantity × price, a cXML whose Total is not the sum of its items).
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.errors import InputError
from parsers.detect import detect_format
from parsers.documents import read_document

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
if not CORPUS.is_dir():
    pytest.skip(f"no corpus at {CORPUS}", allow_module_level=True)


def _listed() -> set[str]:
    path = CORPUS / "MANIFEST.tsv"
    if not path.exists():
        return set()
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["file"] for row in csv.DictReader(fh, delimiter="\t")}


LISTED = _listed()
FILES = sorted(
    p
    for folder in ("pdf", "csv", "cxml", "ubl")
    if (CORPUS / folder).is_dir()
    for p in (CORPUS / folder).iterdir()
)

# PO number as printed ("" where the document has none the reader should take: a quotation)
PDF_PO: dict[str, str] = {
    "OCA__edi__invoice2data-so1.pdf": "SO049",  # "Order N° SO049"
    "OCA__edi__quote-PO00004.pdf": "",  # a quotation ("Quotation # SO008"), not an order number
    "OCA__edi__saleorder2data-so1.pdf": "SO004",
    "rgoparaju__purchase_order_data__12697.pdf": "RS0012697",  # "P.O. Number: RS0012697"
    "rgoparaju__purchase_order_data__BERRY_PO_14283001.pdf": "14283001",  # "PO Number 14283001 - 001"
    "rgoparaju__purchase_order_data__Cargill-4509367961.pdf": "4509367961",  # under "Purchase Order"
    "rgoparaju__purchase_order_data__Chep-641802.pdf": "641802",  # "Purchase Order 641802"
    "rgoparaju__purchase_order_data__CocaCola-4508694394.pdf": "4508694394",
    "rgoparaju__purchase_order_data__MIMI-Farms-PO-1497.pdf": "1497",  # "PO #: 1497"
    "rgoparaju__purchase_order_data__Oracle-PO-4148356.pdf": "4148356",
    "rgoparaju__purchase_order_data__PO284256-1.pdf": "PO284256-1",  # "Number PO284256-1" under a title
    "rgoparaju__purchase_order_data__PacTech-PO-43-4732.pdf": "4300004732",  # "Pedido de Compra No.4300..."
    "rgoparaju__purchase_order_data__Sauder-4500248591.pdf": "4500248591",  # "PO#: 4500248591"
    "rgoparaju__purchase_order_data__VoyantBeauty-VU92708.pdf": "VU92708",  # under "P.O. NUMBER"
    "tanaysarkar0408__PO_ExtractionAgent__sample_po.pdf": "CPCPB26-PO-1951777",
}
PDF_SCANS = {
    "rgoparaju__purchase_order_data__data_chep.pdf",
    "rgoparaju__purchase_order_data__xerox-scan-127085944.pdf",
}
PDF_ENCRYPTED = {"neiltucker__STS__purchase-order.pdf"}
PDF_PO_FLOOR = 12  # PO numbers found today; more is better, fewer is a regression

# CSV: per order (PO number, date, lines, first line (quantity, unit, price, UPC)); or the refusal code
CSV_EXPECTED: dict[str, list[tuple[str, date, int, tuple[str, str, str, str]]] | str] = {
    "EdiFabric__EDIFACT.NET__EDIFACT-PurchaseOrder.csv": [
        ("128576", date(2002, 8, 30), 3, ("48", "PCE", "5", "4000862141404"))
    ],
    "EdiFabric__X12.NET__X12-PurchaseOrder.csv": [
        ("10000234500", date(2017, 5, 20), 6, ("10", "EA", "15", "555666411"))
    ],
    "smooks__smooks-examples__pipelines-input-message.csv": [
        ("128576", date(2002, 8, 30), 1, ("48", "PCE", "5", "4000862141404")),
        ("128577", date(2002, 8, 30), 1, ("2", "KGM", "55", "4000862141405")),
        ("128578", date(2002, 8, 30), 1, ("17", "PCE", "15", "4000862141406")),
    ],
    # headerless files: no column can be told without a partner's column map
    "OCA__edi__order_file_test1.csv": "csv.no_header",
    "OCA__edi__order_file_test1_update.csv": "csv.no_header",
    "bots-edi__bots-plugins__orders_to_csv-test.csv": "csv.no_header",
}

# XML: (PO number, date, lines, stated total, reason codes)
XML_EXPECTED: dict[str, tuple[str, date, int, str | None, set[str]]] = {
    "FriendsOfCXML__cxml-php__Builder-order_request.xml": (
        "myorder-1",
        date(2022, 9, 14),
        2,
        "3420.60",
        set(),
    ),
    "FriendsOfCXML__cxml-php__Handling-order_request.xml": ("acme-1-1", date(2025, 1, 27), 1, "10.00", set()),
    "FriendsOfCXML__cxml-php__samples-OrderRequest.xml": ("DO1234", date(2000, 10, 12), 2, "85.00", set()),
    "officeluv__cxml__order_request.xml": ("3309", date(2020, 3, 31), 2, "91.71", set()),
    # two items of 1505.0 each (quantities 1 and 2) under a Total of 1505.0
    "officeluv__cxml__purchase_order_request_200.xml": (
        "6112",
        date(2008, 1, 7),
        2,
        "1505.0",
        {"document.total_mismatch"},
    ),
    # 100 KG at 100.00 per 1 KG, but LineExtensionAmount 100.00
    "OCA__edi__UBL-Order-2.0-Example.xml": (
        "AEG012345",
        date(2010, 6, 20),
        1,
        "100.00",
        {"document.line_amount_mismatch"},
    ),
    "OCA__edi__UBL-Order-2.0-Example_no-party-name.xml": (
        "AEG012345",
        date(2010, 6, 20),
        1,
        "100.00",
        {"document.line_amount_mismatch"},
    ),
    "OCA__edi__UBL-Order-2.1-Example.xml": ("34", date(2010, 1, 20), 2, "6225", set()),
    "OCA__edi__ubl_http-order_1.xml": ("4500018194", date(2020, 9, 17), 2, None, set()),
    "OpenPEPPOL__poacc-upgrade-3__Order_Example.xml": ("34", date(2018, 9, 1), 2, "6363", set()),
    "OpenPEPPOL__poacc-upgrade-3__UC2_Order.xml": ("1", date(2013, 7, 1), 2, "875.00", set()),
    "OpenPEPPOL__poacc-upgrade-3__advanced_ordering_sc1-Order.xml": (
        "Order-1",
        date(2022, 2, 1),
        2,
        "840",
        set(),
    ),
}


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_corpus_file_is_read_or_refused(path: Path) -> None:
    assert not LISTED or f"{path.parent.name}/{path.name}" in LISTED
    raw = path.read_bytes()
    fmt = detect_format(raw[:4096])
    assert fmt == path.parent.name
    try:
        orders = read_document(raw, fmt)
    except InputError as exc:
        assert exc.code
        return
    assert orders and all(po.extraction is not None for po in orders)


PDFS = sorted(p for p in FILES if p.parent.name == "pdf")


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.name)
def test_pdf_po_numbers_are_right_or_missing_and_every_one_goes_to_review(path: Path) -> None:
    raw = path.read_bytes()
    if path.name in PDF_ENCRYPTED:
        with pytest.raises(InputError) as caught:
            read_document(raw, "pdf")
        assert caught.value.code == "pdf.encrypted"
        return
    (po,) = read_document(raw, "pdf")
    assert po.extraction is not None and po.extraction.needs_review
    codes = {r.code for r in po.extraction.review_reasons}
    if path.name in PDF_SCANS:
        assert "document.no_text_layer" in codes
        return
    assert path.name in PDF_PO, "a new corpus PDF: read it and add its PO number"
    assert po.po_number in ("", PDF_PO[path.name])
    assert (po.po_number == "") == ("document.po_number_missing" in codes)


def test_pdf_po_numbers_found_do_not_regress() -> None:
    found = 0
    for path in PDFS:
        if PDF_PO.get(path.name):
            (po,) = read_document(path.read_bytes(), "pdf")
            found += po.po_number == PDF_PO[path.name]
    assert found >= min(PDF_PO_FLOOR, sum(1 for p in PDFS if PDF_PO.get(p.name)))


@pytest.mark.parametrize("name", sorted(CSV_EXPECTED))
def test_csv_orders_as_read_by_eye(name: str) -> None:
    path = CORPUS / "csv" / name
    if not path.exists():
        pytest.skip(f"{name} is not in this corpus")
    expected = CSV_EXPECTED[name]
    if isinstance(expected, str):
        with pytest.raises(InputError) as caught:
            read_document(path.read_bytes(), "csv")
        assert caught.value.code == expected
        return
    orders = read_document(path.read_bytes(), "csv")
    got = [
        (
            po.po_number,
            po.po_date,
            len(po.lines),
            (
                str(po.lines[0].quantity),
                po.lines[0].unit,
                str(po.lines[0].unit_price),
                po.lines[0].product_id("UP"),
            ),
        )
        for po in orders
    ]
    assert got == expected
    assert all(po.extraction is not None and not po.extraction.needs_review for po in orders)


@pytest.mark.parametrize("name", sorted(XML_EXPECTED))
def test_xml_orders_as_read_by_eye(name: str) -> None:
    folder = "cxml" if name.startswith(("FriendsOfCXML", "officeluv")) else "ubl"
    path = CORPUS / folder / name
    if not path.exists():
        pytest.skip(f"{name} is not in this corpus")
    (po,) = read_document(path.read_bytes(), folder)
    number, when, lines, total, reasons = XML_EXPECTED[name]
    assert (po.po_number, po.po_date, len(po.lines)) == (number, when, lines)
    assert po.stated_total == (Decimal(total) if total is not None else None)
    assert po.extraction is not None and po.extraction.structured
    assert {r.code for r in po.extraction.review_reasons} - {"document.low_confidence"} == reasons
    assert all(line.quantity is not None and line.quantity > 0 for line in po.lines)
