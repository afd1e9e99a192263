"""HTTP upload: POST /api/documents with a partner's token (env: reference), then its status."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.bootstrap import build, init_database
from gateway.config import SAMPLES, Settings
from gateway.entrypoints.api.app import create_app

ACME_850 = (SAMPLES / "x12" / "850-4010-acme.x12").read_bytes()


@pytest.fixture
def partners_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "partners"
    shutil.copytree(SAMPLES / "partners", folder)
    for f in (SAMPLES / "partners").glob("*.yaml"):
        text = f.read_text()
        if f.name == "acme.yaml":
            text = text.replace(
                "channels:\n", "channels:\n  http_in:\n    token: env:OG_TEST_ACME_UPLOAD\n", 1
            )
        (folder / f.name).write_text(text)
    return folder


@pytest.fixture
def client(
    db_url: str, tmp_path: Path, partners_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("OG_TEST_ACME_UPLOAD", "acme-upload-token-123")
    settings = Settings(
        data_dir=tmp_path, database_url=db_url, partners_dir=partners_dir, api_token="admin-token"
    )
    init_database(settings)
    runtime = build(settings)
    with TestClient(create_app(settings, runtime)) as c:
        yield c
    runtime.engine.dispose()


ACME = {"Authorization": "Bearer acme-upload-token-123"}


def test_upload_needs_a_partner_token(client: TestClient) -> None:
    assert client.post("/api/documents", content=ACME_850).status_code == 401
    wrong = client.post(
        "/api/documents", content=ACME_850, headers={"Authorization": "Bearer acme-upload-token-12"}
    )
    assert wrong.status_code == 401
    # the admin token is a user, not a partner
    admin = client.post("/api/documents", content=ACME_850, headers={"Authorization": "Bearer admin-token"})
    assert admin.status_code == 403


def test_raw_upload_is_archived_processed_and_readable(client: TestClient) -> None:
    answer = client.post("/api/documents?filename=po.edi", content=ACME_850, headers=ACME)
    assert answer.status_code == 202
    body = answer.json()
    assert body["status_url"] == f"/api/documents/{body['id']}"
    # the background drain ran the pipeline: the 850 is acknowledged, its 997 stored with it
    doc = client.get(body["status_url"], headers=ACME).json()
    assert doc["channel"] == "http" and doc["partner_id"] == "ACMEHARDWARE" and doc["filename"] == "po.edi"
    assert doc["status"] == "acknowledged"
    assert any("997" in a["type"] for a in doc["acknowledgements"])
    # a viewer (the admin token) may read it too; nobody without a token
    assert client.get(body["status_url"], headers={"Authorization": "Bearer admin-token"}).status_code == 200
    assert client.get(body["status_url"]).status_code == 401


def test_multipart_upload_and_idempotency_key(client: TestClient) -> None:
    headers = {**ACME, "Idempotency-Key": "po-4711"}
    files = {"file": ("order.edi", ACME_850, "application/edi-x12")}
    first = client.post("/api/documents", files=files, headers=headers)
    again = client.post("/api/documents", files=files, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    doc = client.get(first.json()["status_url"], headers=ACME).json()
    assert doc["filename"] == "order.edi" and doc["size"] == len(ACME_850)
    assert client.post("/api/documents", content=b"", headers=ACME).status_code == 422


def test_a_partner_sees_only_its_own_documents(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    doc_id = client.post("/api/documents", content=ACME_850, headers=ACME).json()["id"]
    # the token reference is resolved at each check: a rotated secret takes effect at once
    monkeypatch.setenv("OG_TEST_ACME_UPLOAD", "rotated")
    assert client.get(f"/api/documents/{doc_id}", headers=ACME).status_code == 401
    assert (
        client.get(f"/api/documents/{doc_id}", headers={"Authorization": "Bearer rotated"}).status_code == 200
    )
    assert client.get("/api/documents/999999", headers={"Authorization": "Bearer rotated"}).status_code == 404


def test_an_interchange_in_another_partners_name_is_held(client: TestClient) -> None:
    bright = (SAMPLES / "x12" / "850-5010-bright.x12").read_bytes()
    doc_id = client.post("/api/documents", content=bright, headers=ACME).json()["id"]
    doc = client.get(f"/api/documents/{doc_id}", headers=ACME).json()
    assert doc["status"] == "needs_review" and doc["acknowledgements"] == []
    assert [d["code"] for d in doc["diagnostics"]] == ["partner.sender_mismatch"]
