"""The orders API and the ledger commands, over the sample data with one order and its change."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.bootstrap import init_database
from gateway.config import SAMPLES, Settings
from gateway.entrypoints.api.app import create_app
from gateway.entrypoints.api.auth import Principal, Role
from gateway.entrypoints.cli import main
from gateway.services.receive import receive

ADMIN = {"Authorization": "Bearer s3cret-token"}
VIEWER = {"Authorization": "Bearer viewer-token"}
PO = "4500018812"


def viewer_token(token: str, runtime: object) -> Principal | None:
    return Principal("a viewer", Role.VIEWER) if token == "viewer-token" else None


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = Settings(data_dir=tmp_path, api_token="s3cret-token", outbox_dir=tmp_path / "outbox")
    init_database(settings)
    app = create_app(settings)
    app.state.authenticators.append(viewer_token)
    runtime = app.state.runtime
    runtime.context.clock = lambda: datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # delivered long ago
    for name in ("850-4010-acme.x12", "860-4010-acme.x12"):
        receive(runtime.context, (SAMPLES / "x12" / name).read_bytes(), channel="test", filename=name)
        runtime.drain()
    runtime.context.clock = lambda: datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # two days later
    return TestClient(app)


def _order_id(client: TestClient) -> int:
    (order,) = [o for o in client.get("/api/orders", headers=VIEWER).json() if o["po_number"] == PO]
    return int(order["purchase_order_id"])


def test_orders_and_their_ledger(client: TestClient) -> None:
    assert client.get("/api/orders").status_code == 401
    po_id = _order_id(client)
    order = client.get(f"/api/orders/{po_id}", headers=VIEWER).json()
    assert (order["status"], [ln["line_number"] for ln in order["lines"]]) == (
        "confirmed",
        ["1", "2", "3", "4"],
    )
    assert client.get("/api/orders/999999", headers=VIEWER).status_code == 404
    ledger = client.get(f"/api/orders/{po_id}/ledger", headers=VIEWER).json()
    assert [(e["direction"], e["document"]) for e in ledger] == [
        ("in", "850"),
        ("out", "997"),
        ("out", "855"),
        ("in", "860"),
        ("out", "997"),
        ("out", "865"),
    ]
    assert ledger[5]["status"] == "overdue"  # delivered two days before the (fixed) clock says now
    datetime.fromisoformat(ledger[0]["at"])
    assert client.get("/api/orders/999999/ledger", headers=VIEWER).status_code == 404


def test_overdue_and_resend(client: TestClient, tmp_path: Path) -> None:
    overdue = client.get("/api/overdue", headers=VIEWER).json()
    assert sorted(o["document"] for o in overdue) == ["855", "865"]
    target = next(o for o in overdue if o["document"] == "855")
    path = f"/api/outbound/{target['outbound_id']}/resend"
    assert client.post(path, headers=VIEWER).status_code == 403  # an operator's job
    client.app.state.runtime.context.clock = lambda: datetime.now(UTC)  # type: ignore[attr-defined]
    answer = client.post(path, headers=ADMIN)
    assert answer.status_code == 200 and answer.json()["delivery_status"] == "sent"
    assert client.post("/api/outbound/999999/resend", headers=ADMIN).status_code == 404
    still = client.get("/api/overdue", headers=VIEWER).json()
    assert [o["document"] for o in still] == ["865"]  # the resend started the 855's window again


def test_ledger_commands(client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    options = ["--data-dir", str(tmp_path)]
    assert main(["ledger", PO, *options]) == 0
    out = capsys.readouterr().out
    assert f"PO {PO} from ACMEHARDWARE" in out
    assert "<- 860" in out and "-> 865" in out and "applied" in out
    assert main(["ledger", "NOPE", *options]) == 1
    capsys.readouterr()
    assert main(["overdue", *options]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and "855" in lines[1] and "865" in lines[2]
    outbound_id = int(lines[1].split()[0])
    assert main(["resend", str(outbound_id), *options]) == 0
    assert f"outbound document {outbound_id} delivered again" in capsys.readouterr().out
    assert main(["resend", "999999", *options]) == 1
