"""The command line: exit codes, the parse/ack/schema output, and the database commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.config import SAMPLES
from gateway.entrypoints.cli import main

X12 = SAMPLES / "x12"


def test_parse_prints_documents_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(X12 / "850-4010-acme.x12"), str(X12 / "860-4010-acme.x12")]) == 0
    out = json.loads(capsys.readouterr().out)
    kinds = [(d["type"], d["status"]) for d in out["documents"]]
    assert kinds == [("850", "accepted"), ("860", "accepted")]
    assert out["documents"][0]["purchase_orders"][0]["po_number"] == "4500018812"
    assert out["documents"][1]["changes"][0]["lines"][0]["change_code"] == "QD"


def test_parse_exits_1_on_fatal_errors_and_2_on_usage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.x12"
    broken.write_bytes((X12 / "850-4010-acme.x12").read_bytes().replace(b"SE*29*0001", b"SE*28*0001"))
    assert main(["parse", str(broken)]) == 1
    doc = json.loads(capsys.readouterr().out)["documents"][0]
    assert doc["status"] == "rejected"
    assert [d["code"] for d in doc["diagnostics"]] == ["x12.se.count_mismatch"]
    assert main(["parse", str(tmp_path / "missing.x12")]) == 1
    with pytest.raises(SystemExit) as usage:
        main(["parse"])
    assert usage.value.code == 2


def test_ack_prints_a_997(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ack", str(X12 / "850-4010-acme.x12")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ISA*00*") and "ST*997*" in out and "AK5*A" in out and "AK9*A*1*1*1" in out


def test_schema_is_a_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"po_number", "lines", "parties", "source"} <= set(schema["properties"])


def test_database_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main(["orders", *data]) == 2  # not initialised yet: says so
    assert "ordergate init" in capsys.readouterr().err
    assert main(["init", *data]) == 0
    assert main(["ingest", str(X12 / "850-4010-acme-short.x12"), *data]) == 0
    out = capsys.readouterr().out
    assert "4500018840" in out and "IB(bo 16)" in out and "855 (sent)" in out
    assert main(["order", "4500018840", *data]) == 0
    assert "backordered" in capsys.readouterr().out
    assert main(["orders", "--status", "confirmed", *data]) == 0
    assert "4500018840" in capsys.readouterr().out
    assert main(["sweep", *data]) == 0
    assert capsys.readouterr().out.startswith("0 unfinished steps")
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "outbox" / "ACMEHARDWARE").iterdir()) == [
        "855",
        "997",
    ]
