"""Every file channel streams into the archive: a drop folder, SFTP (the embedded server and
OpenSSH's sshd) and ``POST /api/documents`` hand the archive a file, never the whole bytes.

The archive's chunk size is made small (``CHUNK``) so that an interchange of a few dozen orders is
stored in chunks and still processed quickly; the memory test keeps the real chunk size and drops
a 64 MB file.  SQLite and PostgreSQL both.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from fastapi.testclient import TestClient

from gateway.adapters.channels.sftp_server import SftpServer, accounts, fingerprint, load_host_key
from gateway.adapters.db import documents
from gateway.bootstrap import Runtime, build, init_database
from gateway.config import SAMPLES, Settings
from gateway.domain.channels import FolderSettings, SftpPushSettings, SftpSettings
from gateway.entrypoints.api.app import create_app
from gateway.services.polling import poll_channel
from tests.integration.channel_peers import Sshd, start_sshd, stop
from tests.integration.pipeline_helpers import FIXED_NOW, Line, po_850_body, x12_interchange

PARTNER = "ACMEHARDWARE"
CHUNK = 4096  # bytes per archived chunk here: the interchange below is several chunks
ORDERS = 80
MIB = 1024 * 1024
PEAK_LIMIT = 16 * MIB  # Python's traced peak while a 64 MB file is received


def interchange(control: int = 77_001) -> bytes:
    raw = x12_interchange(
        [
            po_850_body(f"STREAM-{n:04d}", [Line(n % 4 + 1, "EA", Decimal("3.10"), [("VP", "TB-0090")])])
            for n in range(ORDERS)
        ],
        control,
    )
    assert len(raw) > 3 * CHUNK
    return raw


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(documents, "CHUNK_SIZE", CHUNK)
    return CHUNK


def _settings(db_url: str, tmp_path: Path, **more: Any) -> Settings:
    return Settings(data_dir=tmp_path, database_url=db_url, outbox_dir=tmp_path / "outbox", **more)


@pytest.fixture
def runtime(db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    settings = _settings(db_url, tmp_path)
    init_database(settings)
    rt = build(settings)
    rt.context.clock = lambda: FIXED_NOW
    yield rt
    rt.engine.dispose()


def _configure(runtime: Runtime, **channels: Any) -> None:
    with runtime.context.uow() as uow:
        acme = uow.partners.get(PARTNER)
        assert acme is not None
        for name, value in channels.items():
            setattr(acme.channels, name, value)
        uow.partners.upsert(acme)
        uow.commit()


def _drop(inbox: Path, name: str, raw: bytes) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_bytes(raw)
    past = time.time() - 600
    os.utime(inbox / name, (past, past))


def assert_archived_and_processed(runtime: Runtime, document_id: int, raw: bytes, channel: str) -> None:
    """Stored in chunks, its bytes read back the same, and answered with a 997."""
    with runtime.context.uow() as uow:
        doc = uow.documents.get(document_id)
        assert doc is not None and doc.channel == channel
        assert doc.chunked and doc.raw == b""
        assert doc.size == len(raw) and doc.content_hash == hashlib.sha256(raw).hexdigest()
        assert uow.documents.open(document_id).read() == raw
        assert doc.status != "received", doc.diagnostics
        answers = {o.doc_type for o in uow.outbound.list(inbound_document_id=document_id)}
    assert "997" in answers


# drop folder -------------------------------------------------------------------------------------
@pytest.fixture
def inbox(runtime: Runtime, tmp_path: Path) -> Path:
    _configure(runtime, folder=FolderSettings(inbox="drop/acme", settle_seconds=0))
    return tmp_path / "drop" / "acme"


def test_a_drop_folder_file_is_archived_in_chunks_and_processed(
    runtime: Runtime, inbox: Path, small_chunks: int
) -> None:
    raw = interchange()
    _drop(inbox, "big.x12", raw)
    assert poll_channel(runtime.context, PARTNER, "folder") == 1
    runtime.drain()
    with runtime.context.uow() as uow:
        (doc,) = uow.documents.list()
    assert doc.filename == "big.x12"
    assert_archived_and_processed(runtime, doc.id, raw, "folder")
    assert (inbox / "processed" / "big.x12").read_bytes() == raw


def test_the_same_file_dropped_twice_is_one_document(
    runtime: Runtime, inbox: Path, small_chunks: int
) -> None:
    raw = interchange()
    _drop(inbox, "twice.x12", raw)
    assert poll_channel(runtime.context, PARTNER, "folder") == 1
    with runtime.context.uow() as uow:
        (first,) = uow.documents.list()
    _drop(inbox, "twice.x12", raw)  # the partner sends it again
    assert poll_channel(runtime.context, PARTNER, "folder") == 1
    runtime.drain()
    with runtime.context.uow() as uow:
        assert [d.id for d in uow.documents.list()] == [first.id]
    assert_archived_and_processed(runtime, first.id, raw, "folder")
    # another name, or other bytes, is another document
    _drop(inbox, "twice.x12", interchange(control=77_002))
    assert poll_channel(runtime.context, PARTNER, "folder") == 1
    with runtime.context.uow() as uow:
        assert len(uow.documents.list()) == 2


def _write_file(path: Path, size: int) -> None:
    block = (b"ISA*" + b"x" * 1020) * 1024  # 1 MiB
    with path.open("wb") as f:
        for _ in range(size // len(block)):
            f.write(block)


def test_a_64_mb_drop_folder_file_is_received_in_bounded_memory(runtime: Runtime, inbox: Path) -> None:
    inbox.mkdir(parents=True)
    size = 64 * MIB
    _write_file(inbox / "huge.x12", size)
    past = time.time() - 600
    os.utime(inbox / "huge.x12", (past, past))
    tracemalloc.start()
    try:
        assert poll_channel(runtime.context, PARTNER, "folder") == 1  # received; processing is queued
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < PEAK_LIMIT, f"peak {peak / MIB:.1f} MiB"
    with runtime.context.uow() as uow:
        (doc,) = uow.documents.list()
        assert doc.chunked and doc.size == size
    assert (inbox / "processed" / "huge.x12").stat().st_size == size


# SFTP ----------------------------------------------------------------------------------------------
@pytest.fixture
def client_key(monkeypatch: pytest.MonkeyPatch) -> asyncssh.SSHKey:
    key = asyncssh.generate_private_key("ssh-ed25519")
    monkeypatch.setenv("OG_TEST_STREAM_KEY", key.export_private_key("openssh").decode())
    return key


@pytest.fixture
def server(runtime: Runtime, client_key: asyncssh.SSHKey) -> Iterator[SftpServer]:
    _configure(
        runtime,
        sftp_push=SftpPushSettings(authorized_keys=[client_key.export_public_key().decode().strip()]),
    )

    def lookup() -> dict:
        with runtime.context.uow() as uow:
            return accounts(uow.partners.list(active_only=True), runtime.settings.sftp_root)

    srv = SftpServer(lookup, load_host_key(runtime.settings.sftp_host_key), port=0)
    srv.start()
    yield srv
    srv.stop()


def test_an_sftp_pickup_is_spooled_archived_in_chunks_and_processed(
    runtime: Runtime, server: SftpServer, small_chunks: int
) -> None:
    """The partner's server is the embedded one here; we fetch from its out/ as from any server."""
    out = runtime.settings.sftp_root / PARTNER / "out"
    out.mkdir(parents=True, exist_ok=True)
    raw = interchange()
    (out / "big.x12").write_bytes(raw)
    login = SftpSettings(
        host="127.0.0.1",
        port=server.port,
        user=PARTNER,
        private_key="env:OG_TEST_STREAM_KEY",
        host_key=fingerprint(server.host_key),
        inbound_dir="/out",
        outbound_dir="/in",
        timeout_seconds=10,
    )
    _configure(runtime, sftp=login)
    assert poll_channel(runtime.context, PARTNER, "sftp") == 1
    runtime.drain()
    with runtime.context.uow() as uow:
        (doc,) = uow.documents.list()
    assert doc.filename == "big.x12"
    assert_archived_and_processed(runtime, doc.id, raw, "sftp")
    assert not (out / "big.x12").exists()  # deleted remotely once archived
    assert list(runtime.settings.spool_dir.iterdir()) == []  # the spool file is gone


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    stop(server)


def test_an_sftp_pickup_from_openssh_is_archived_in_chunks_once(
    runtime: Runtime, sshd: Sshd, tmp_path: Path, small_chunks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OG_TEST_STREAM_SSHD_KEY", sshd.client_key)
    remote = tmp_path / "remote"
    for d in ("out", "in", "archive"):
        (remote / d).mkdir(parents=True)
    raw = interchange()
    (remote / "out" / "big.x12").write_bytes(raw)
    login = SftpSettings(
        host="127.0.0.1",
        port=sshd.port,
        user=sshd.user,
        private_key="env:OG_TEST_STREAM_SSHD_KEY",
        host_key=sshd.host_fingerprint,
        inbound_dir=str(remote / "out"),
        outbound_dir=str(remote / "in"),
        archive_dir=str(remote / "archive"),
        timeout_seconds=10,
    )
    _configure(runtime, sftp=login)
    assert poll_channel(runtime.context, PARTNER, "sftp") == 1
    # the partner puts the same file there again: the same message id, the same document
    shutil.copy(remote / "archive" / "big.x12", remote / "out" / "big.x12")
    assert poll_channel(runtime.context, PARTNER, "sftp") == 1
    runtime.drain()
    with runtime.context.uow() as uow:
        (doc,) = uow.documents.list()
    assert_archived_and_processed(runtime, doc.id, raw, "sftp")
    assert (remote / "archive" / "big.x12").read_bytes() == raw and not (remote / "out" / "big.x12").exists()
    assert list(runtime.settings.spool_dir.iterdir()) == []


# HTTP ----------------------------------------------------------------------------------------------
@pytest.fixture
def api(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, Runtime]]:
    partners = tmp_path / "partners"
    shutil.copytree(SAMPLES / "partners", partners)
    acme = partners / "acme.yaml"
    acme.write_text(
        acme.read_text().replace(
            "channels:\n", "channels:\n  http_in:\n    token: env:OG_TEST_STREAM_UPLOAD\n", 1
        )
    )
    monkeypatch.setenv("OG_TEST_STREAM_UPLOAD", "acme-stream-token")
    settings = _settings(db_url, tmp_path, partners_dir=partners, api_token="admin-token")
    init_database(settings)
    rt = build(settings)
    with TestClient(create_app(settings, rt)) as client:
        yield client, rt
    rt.engine.dispose()


AUTH = {"Authorization": "Bearer acme-stream-token"}


def _pieces(raw: bytes, size: int = 1000) -> Iterator[bytes]:
    for i in range(0, len(raw), size):
        yield raw[i : i + size]


@pytest.mark.parametrize("form", [False, True], ids=["raw", "multipart"])
def test_an_upload_is_archived_in_chunks_and_processed(
    api: tuple[TestClient, Runtime], small_chunks: int, form: bool
) -> None:
    client, runtime = api
    raw = interchange()
    if form:
        answer = client.post("/api/documents", files={"file": ("big.x12", raw)}, headers=AUTH)
    else:  # a streamed body, sent in pieces
        answer = client.post("/api/documents?filename=big.x12", content=_pieces(raw), headers=AUTH)
    assert answer.status_code == 202, answer.text
    document_id = answer.json()["id"]
    runtime.drain()
    with runtime.context.uow() as uow:
        assert uow.documents.get(document_id).filename == "big.x12"
    assert_archived_and_processed(runtime, document_id, raw, "http")
    status = client.get(answer.json()["status_url"], headers=AUTH).json()
    assert status["size"] == len(raw) and status["sha256"] == hashlib.sha256(raw).hexdigest()
    spooled = runtime.settings.spool_dir
    assert not spooled.exists() or list(spooled.iterdir()) == []


def test_an_upload_over_the_limit_or_empty_is_refused_as_before(
    api: tuple[TestClient, Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, runtime = api
    limit = 3 * MIB
    monkeypatch.setattr(runtime.settings, "upload_max_bytes", limit)
    too_big = _pieces(b"x" * (limit + 1), MIB)
    answer = client.post("/api/documents", content=too_big, headers=AUTH)
    assert answer.status_code == 413 and answer.json()["detail"] == f"more than {limit} bytes"
    empty = client.post("/api/documents", content=b"", headers=AUTH)
    assert empty.status_code == 422 and empty.json()["detail"] == "the document is empty"
    empty_file = client.post("/api/documents", files={"file": ("e.x12", b"")}, headers=AUTH)
    assert empty_file.status_code == 422 and empty_file.json()["detail"] == "the document is empty"
    with runtime.context.uow() as uow:
        assert uow.documents.list() == []


def test_an_upload_is_not_capped_by_the_mail_attachment_limit(
    api: tuple[TestClient, Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, runtime = api
    monkeypatch.setattr(runtime.settings, "attachment_max_bytes", 1024)  # mail attachments only
    raw = interchange(80)
    assert len(raw) > 1024
    answer = client.post("/api/documents", content=_pieces(raw, MIB), headers=AUTH)
    assert answer.status_code == 202, answer.text
