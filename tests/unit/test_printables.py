"""Printables: the GS1-128 symbol table and check symbol, PDFs that read back, the accounting CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pdfplumber

from gateway.domain.shipping import PickLine
from outbound.accounting import COLUMNS, invoices_csv
from outbound.pdf.code128 import FNC1, PATTERNS, START_C, STOP, gs1_128_values, modules
from outbound.pdf.documents import Label, carton_labels_pdf, invoice_pdf, pick_list_pdf
from tests.unit.test_fulfilment import invoice

# Code set C values 00..11 as modules (1 bar, 0 space), as Code 128 tables print them
BINARY = [
    "11011001100",
    "11001101100",
    "11001100110",
    "10010011000",
    "10010001100",
    "10001001100",
    "10011001000",
    "10011000100",
    "10001100100",
    "11001001000",
    "11001000100",
    "11000100100",
]


def as_binary(widths: str) -> str:
    return "".join(("1" if i % 2 == 0 else "0") * int(w) for i, w in enumerate(widths))


def test_the_symbol_table() -> None:
    assert len(PATTERNS) == 107 and len(set(PATTERNS)) == 107
    assert all(sum(map(int, p)) == 11 for p in PATTERNS[:STOP])
    assert sum(map(int, PATTERNS[STOP])) == 13
    assert [as_binary(p) for p in PATTERNS[:12]] == BINARY
    assert as_binary(PATTERNS[START_C]) == "11010011100"
    assert as_binary(PATTERNS[FNC1]) == "11110101110"
    assert as_binary(PATTERNS[STOP]) == "1100011101011"


def test_gs1_128_sscc_symbols_and_check() -> None:
    values = gs1_128_values("00106141411234567897")
    data = [0, 10, 61, 41, 41, 12, 34, 56, 78, 97]
    weighted = START_C + FNC1 * 1 + sum(v * i for i, v in enumerate(data, start=2))
    assert values == [START_C, FNC1, *data, weighted % 103, STOP]
    widths = modules(values)
    assert sum(widths) == 11 * 13 + 13
    assert len(widths) == 6 * 13 + 7


def text_of(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def test_carton_label_carries_the_sscc() -> None:
    pdf = carton_labels_pdf(
        [
            Label(
                "106141411234567897",
                "Us\nColumbus OH",
                "Them\nGrove City OH",
                "4500001234",
                "UPSN",
                "BOL1",
                "1 of 2",
            )
        ]
        * 2
    )
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) == 2
        bars = [r for r in doc.pages[0].rects if r["height"] > 80]
        assert len(bars) == 3 * 13 + 4  # three bars a symbol, four in Stop
    assert "(00) 1 0614141123456789 7" in text_of(pdf)


def test_invoice_pdf_and_pick_list() -> None:
    text = text_of(invoice_pdf(invoice(), seller="Ordergate Supply"))
    assert "INV0000042" in text and "Total USD 56.72" in text and "2% 10 net 30" in text
    picks = [
        PickLine(
            "COL", "TB-0090", "TAPE MEASURE 25FT", Decimal(12), "EA", "ACME", "4500001234", "1", 7, "A-01"
        )
    ]
    text = text_of(pick_list_pdf(picks))
    assert "TB-0090" in text and "A-01" in text and "12 EA" in text


def test_accounting_csv() -> None:
    rows = list(csv.DictReader(io.StringIO(invoices_csv([invoice()]))))
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["Line"], r["LineAmount"], r["InvoiceTotal"]) for r in rows] == [
        ("1", "31.00", "56.72"),
        ("2", "14.88", "56.72"),
    ]
    assert rows[0]["DueDate"] == "2026-04-02" and rows[0]["Terms"] == "2% 10 net 30"


def test_bin_locations_file(tmp_path: object) -> None:
    from pathlib import Path

    import pytest

    from gateway.config import SAMPLES
    from gateway.errors import ConfigurationError
    from mappings.bins import load_bins

    bins = load_bins(SAMPLES / "catalog")
    assert bins[("TB-0090", "COL")] == "F06-A" and ("TB-0090", "RNO") not in bins
    folder = Path(str(tmp_path))
    assert load_bins(folder) == {}
    (folder / "bins.csv").write_text("sku,warehouse,bin\nA,COL,X1\nA,COL,X2\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="row 3: A in COL has a bin already"):
        load_bins(folder)
