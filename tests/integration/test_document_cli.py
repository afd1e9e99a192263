"""``ordergate parse`` and ``ordergate ingest`` on PDFs, spreadsheets, cXML and UBL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gateway.config import SAMPLES, get_settings
from gateway.entrypoints.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_parse_shows_review_reasons_confidence_and_where_fields_came_from(
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = [FIXTURES / "pdf" / "total-mismatch.pdf", FIXTURES / "csv" / "multi-po-grouped.csv"]
    assert main(["parse", *map(str, files)]) == 0
    docs = json.loads(capsys.readouterr().out)["documents"]
    assert [(d["format"], d["status"]) for d in docs] == [("pdf", "needs_review")] + [("csv", "accepted")] * 3
    pdf = docs[0]
    assert pdf["needs_review"] is True and pdf["confidence"] == "0.75"
    reasons = {r["code"]: r for r in pdf["review_reasons"]}
    assert (
        reasons["document.total_mismatch"]["page"] == 1
        and len(reasons["document.total_mismatch"]["region"]) == 4
    )
    assert (
        pdf["purchase_orders"][0]["po_number"] == "PO-4472" and "extraction" not in pdf["purchase_orders"][0]
    )
    source = next(s for s in pdf["sources"] if s["field"] == "po_number")
    assert source["page"] == 1 and source["text"] == "PO-4472"
    csv_source = next(s for s in docs[2]["sources"] if s["field"] == "lines[0].quantity")
    assert (csv_source["row"], csv_source["column"]) == (6, "Ordered")
    assert [d["purchase_orders"][0]["po_number"] for d in docs[1:]] == ["CS-100", "CS-101", "CS-102"]


def test_parse_refusals_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(FIXTURES / "pdf" / "encrypted.pdf")]) == 1
    doc = json.loads(capsys.readouterr().out)["documents"][0]
    assert doc["status"] == "rejected" and doc["diagnostics"][0]["code"] == "pdf.encrypted"


PROFILE = """
id: NORDWERK
name: Nordwerk GmbH
policy: {auto_confirm_documents: true}
layouts:
  column_map:
    columns: {Bestell-Nr: po_number, Datum: po_date, Pos: line_number, Art: item, Text: description,
              Menge: quantity, ME: unit, EP: unit_price}
"""


def test_parse_with_a_partners_column_map(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    partners = tmp_path / "partners"
    partners.mkdir()
    (partners / "nordwerk.yaml").write_text(PROFILE, encoding="utf-8")
    monkeypatch.setenv("ORDERGATE_PARTNERS_DIR", str(partners))
    get_settings.cache_clear()  # settings are read once per process: read them again, and after the test
    request.addfinalizer(get_settings.cache_clear)
    path = str(FIXTURES / "csv" / "column-map-pipes.csv")
    assert main(["parse", path]) == 1  # no heading it knows: refused without the map
    assert json.loads(capsys.readouterr().out)["documents"][0]["diagnostics"][0]["code"] == "csv.no_header"
    assert main(["parse", "--partner", "NORDWERK", path]) == 0
    doc = json.loads(capsys.readouterr().out)["documents"][0]
    assert doc["method"] == "csv.column_map" and doc["purchase_orders"][0]["po_number"] == "NW-88"
    assert main(["parse", "--partner", "NOBODY", path]) == 1
    assert "no partner 'NOBODY'" in capsys.readouterr().err


def test_ingest_with_partner(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main(["init", *data]) == 0
    capsys.readouterr()
    pdf = tmp_path / "order.pdf"
    shutil.copy(FIXTURES / "pdf" / "total-mismatch.pdf", pdf)
    assert main(["ingest", "--partner", "ACMEHARDWARE", str(pdf), *data]) == 0
    out = capsys.readouterr().out
    assert "PO-4472" in out and "needs_review" in out and "document.total_mismatch" in out
    assert main(["order", "PO-4472", *data]) == 0
    assert "document.line_amount_mismatch" in capsys.readouterr().out
    assert SAMPLES.is_dir()
