"""Fulfilment through the command line and the HTTP API, and the demo's second half."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.bootstrap import build, init_database
from gateway.config import SAMPLES, Settings
from gateway.domain.sscc import is_valid_sscc
from gateway.entrypoints.api.app import create_app
from gateway.entrypoints.cli import main
from gateway.services.receive import receive

X12 = SAMPLES / "x12"
TOKEN = {"Authorization": "Bearer s3cret-token"}


def test_cli_pick_ship_receive_invoice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main(["init", *data]) == 0
    assert main(["ingest", str(X12 / "850-4010-acme-short.x12"), *data]) == 0
    capsys.readouterr()
    assert main(["pick", "--warehouse", "COL", "--pdf", str(tmp_path / "pick.pdf"), *data]) == 0
    out = capsys.readouterr().out
    picks = [line.split() for line in out.splitlines()[2:]]
    # walked by bin (bins.csv in the sample catalog): HX-1421 in D01-A before TB-0090 in F06-A
    assert [(p[1], p[2]) for p in picks if p[2] in ("HX-1421", "TB-0090")] == [
        ("D01-A", "HX-1421"),
        ("F06-A", "TB-0090"),
    ]
    assert [p[1] for p in picks] == sorted(p[1] for p in picks)
    assert (tmp_path / "pick.pdf").read_bytes().startswith(b"%PDF")

    labels = tmp_path / "labels.pdf"
    args = [
        "ship",
        "4500018840",
        "--line",
        "1=10",
        "--per-carton",
        "6",
        "--bol",
        "B1",
        "--labels",
        str(labels),
    ]
    assert main([*args, *data]) == 0
    shipped = json.loads(capsys.readouterr().out)
    assert len(shipped["ssccs"]) == 2 and all(is_valid_sscc(s) for s in shipped["ssccs"])
    assert shipped["invoice"]["number"].startswith("INV")
    assert labels.read_bytes().startswith(b"%PDF")
    # more than is open is refused, with the reason, exit 1
    assert main(["ship", "4500018840", "--line", "1=11", *data]) == 1
    assert "more than the 10 allocated" in capsys.readouterr().err

    assert main(["stock", "receive", "TB-0090", "COL", "20", *data]) == 0
    out = capsys.readouterr().out
    assert "released 16 to ACMEHARDWARE PO 4500018840 line 1" in out and "1 new 855s sent" in out

    assert main(["ship", "4500018840", *data]) == 0  # the rest
    capsys.readouterr()
    csv_path = tmp_path / "invoices.csv"
    assert main(["invoices", "--export", str(csv_path), *data]) == 0
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text())))
    assert {r["InvoiceNumber"] for r in rows} == {"INV0000001", "INV0000002"}
    assert sum(int(r["Quantity"]) for r in rows if r["Line"] == "1") == 36  # all 36 ordered, billed
    kinds = sorted(p.name.split("-")[0] for p in (tmp_path / "outbox" / "ACMEHARDWARE").iterdir())
    assert kinds == ["810", "810", "855", "855", "856", "856", "997"]


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = Settings(data_dir=tmp_path, api_token="s3cret-token")
    init_database(settings)
    runtime = build(settings)
    receive(runtime.context, (X12 / "850-5010-bright.x12").read_bytes(), channel="test")
    runtime.drain()
    return TestClient(create_app(settings, runtime))


def test_api_fulfilment(client: TestClient) -> None:
    assert client.get("/api/pick-lists").status_code == 401
    picks = client.get("/api/pick-lists", headers=TOKEN).json()["lines"]
    assert {p["po_number"] for p in picks} == {"BS-2026-0917"}
    pdf = client.get("/api/pick-lists", params={"format": "pdf"}, headers=TOKEN)
    assert pdf.headers["content-type"] == "application/pdf"

    body = {"po_number": "BS-2026-0917", "shipment": {"shipment_id": "API-1", "carrier_scac": "FXFE"}}
    assert client.post("/api/shipments", json=body).status_code == 401
    made = client.post("/api/shipments", json=body, headers=TOKEN)
    assert made.status_code == 201, made.text
    shipment = made.json()
    assert shipment["shipment"] == "API-1" and shipment["ship_notice"] is not None
    assert "invoice" not in shipment  # Bright is not invoiced by EDI (invoice: false)
    again = client.post("/api/shipments", json=body, headers=TOKEN)
    assert again.status_code == 200 and again.json()["replayed"] is True
    labels = client.get(f"/api/shipments/{shipment['id']}/labels", headers=TOKEN)
    assert labels.status_code == 200 and labels.content.startswith(b"%PDF")
    over = client.post(
        "/api/shipments",
        json={
            "po_number": "BS-2026-0917",
            "shipment": {"cartons": [{"lines": [{"line": "10", "quantity": "1"}]}]},
        },
        headers=TOKEN,
    )
    assert over.status_code == 409 and over.json()["error"] == "shipment.over_allocated"

    receipt = client.post(
        "/api/stock/receipts", json={"sku": "HX-1420", "warehouse": "COL", "quantity": "5"}, headers=TOKEN
    )
    assert receipt.status_code == 201 and receipt.json()["received"] == "5"
    bad = client.post(
        "/api/stock/receipts", json={"sku": "NOPE", "warehouse": "COL", "quantity": "5"}, headers=TOKEN
    )
    assert bad.status_code == 422


def test_api_invoices(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api_token="s3cret-token")
    init_database(settings)
    runtime = build(settings)
    receive(runtime.context, (X12 / "850-4010-acme.x12").read_bytes(), channel="test")
    runtime.drain()
    with TestClient(create_app(settings, runtime)) as c:
        made = c.post("/api/shipments", json={"po_number": "4500018812"}, headers=TOKEN).json()
        invoice_id = made["invoice"]["id"]
        got = c.get(f"/api/invoices/{invoice_id}", headers=TOKEN).json()
        assert got["number"] == made["invoice"]["number"] and got["total"] == made["invoice"]["total"]
        assert got["terms_text"] == "2% 10 net 30" and got["charges_total"] == "12.50"
        pdf = c.get(f"/api/invoices/{invoice_id}", params={"format": "pdf"}, headers=TOKEN)
        assert pdf.content.startswith(b"%PDF")
        listing = c.get("/api/invoices", params={"format": "csv"}, headers=TOKEN)
        assert listing.text.startswith("InvoiceNumber,") and got["number"] in listing.text
        assert c.get("/api/invoices/999", headers=TOKEN).status_code == 404


def test_demo_ships_and_invoices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "demo"
    assert main(["demo", "--data-dir", str(folder)]) == 0
    out = capsys.readouterr().out
    assert (
        "Stock receipt: 24 TB-0090 at COL; "
        "released 16 to 4500018840 line 1, 8 to 4500018812 line 4; 2 new 855" in out
    )
    outbox = folder / "outbox"
    kinds = sorted(p.name.split("-")[0] for p in outbox.rglob("*.x12"))
    assert kinds.count("856") == 4 and kinds.count("810") == 3
    assert {"997", "999", "855"} <= set(kinds)
    for name in ("pick-list.pdf", "labels.pdf", "invoice.pdf"):
        assert (folder / name).read_bytes().startswith(b"%PDF")
    assert (folder / "invoices.csv").read_text().startswith("InvoiceNumber,")
