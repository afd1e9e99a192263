"""Drop folders on the real file system: settle time, claims, processed/failed, crash recovery."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.adapters.channels import dropfolder
from gateway.adapters.channels.dropfolder import DropFolder
from gateway.services.polling import poll_channel
from tests.integration.pipeline_helpers import open_pipeline, sample

ACME = sample("850-4010-acme.x12")


def _old(path: Path, seconds: float = 60) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def _folder(tmp_path: Path, settle: float = 5) -> DropFolder:
    inbox = tmp_path / "in"
    inbox.mkdir(parents=True, exist_ok=True)
    return DropFolder(
        inbox=inbox, processed=inbox / "processed", failed=inbox / "failed", settle_seconds=settle
    )


def test_unsettled_temporary_and_hidden_files_are_left_alone(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    for name in ("ready.x12", "busy.x12", "upload.part", "upload.tmp", ".hidden"):
        (folder.inbox / name).write_bytes(b"ISA")
    for name in ("ready.x12", "upload.part", "upload.tmp", ".hidden"):
        _old(folder.inbox / name)
    stored: list[tuple[str, str]] = []
    outcome = dropfolder.poll(folder, lambda raw, name, mid: stored.append((name, mid)) or len(stored))
    assert [n for n, _ in stored] == ["ready.x12"] and outcome.stored == [1]
    assert sorted(p.name for p in folder.inbox.iterdir() if p.is_file()) == [
        ".hidden",
        "busy.x12",
        "upload.part",
        "upload.tmp",
    ]
    assert (folder.processed / "ready.x12").read_bytes() == b"ISA"
    # an empty file is not a document: moved to failed/, nothing stored
    (folder.inbox / "empty.x12").write_bytes(b"")
    _old(folder.inbox / "empty.x12")
    assert dropfolder.poll(folder, lambda *a: 1).failed == ["empty.x12"]
    assert (folder.failed / "empty.x12").exists()


def test_two_pollers_never_take_the_same_file(tmp_path: Path) -> None:
    folder = _folder(tmp_path, settle=0)
    for i in range(200):
        (folder.inbox / f"f{i:03}.x12").write_bytes(f"doc {i}".encode())
    seen: list[str] = []
    lock = threading.Lock()

    def store(raw: bytes, name: str, mid: str) -> int:
        with lock:
            seen.append(name)
        return 0

    threads = [threading.Thread(target=dropfolder.poll, args=(folder, store)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == [f"f{i:03}.x12" for i in range(200)]  # each exactly once
    assert len(list(folder.processed.iterdir())) == 200


def test_a_poller_killed_between_store_and_move_loses_and_doubles_nothing(
    db_url: str, tmp_path: Path
) -> None:
    with open_pipeline(db_url, tmp_path) as pipe:
        with pipe.uow() as uow:
            acme = uow.partners.get("ACMEHARDWARE")
            assert acme is not None and acme.channels.folder is not None
            acme.channels.folder.inbox = str(tmp_path / "acme-in")
            acme.channels.folder.settle_seconds = 0
            uow.partners.upsert(acme)
            uow.commit()
        inbox = tmp_path / "acme-in"
        inbox.mkdir()
        (inbox / "po.x12").write_bytes(ACME)
        real_move = dropfolder._move
        calls = {"n": 0}

        def dying_move(path: Path, folder: Path, name: str) -> Path:
            calls["n"] += 1
            raise KeyboardInterrupt("killed after the archive committed, before the file was moved")

        dropfolder._move = dying_move  # type: ignore[assignment]
        try:
            with pytest.raises(KeyboardInterrupt):
                poll_channel(pipe.ctx, "ACMEHARDWARE", "folder")
        finally:
            dropfolder._move = real_move  # type: ignore[assignment]
        assert calls["n"] == 1
        claimed = list((inbox / ".claimed").iterdir())
        assert len(claimed) == 1  # still here, claimed by the dead poller
        with pipe.uow() as uow:
            assert len(uow.documents.list()) == 1
        # the lease of the dead poll and its claim expire; the next poll takes the file over
        with pipe.uow() as uow:
            uow.polls.release(
                "ACMEHARDWARE", "folder", uow.polls.list()[0]["holder"], pipe.ctx.clock(), 0, None
            )
            uow.commit()
        _old(claimed[0], 3600)
        assert poll_channel(pipe.ctx, "ACMEHARDWARE", "folder") == 1
        pipe.runtime.drain()
        with pipe.uow() as uow:
            docs = uow.documents.list()
            assert len(docs) == 1 and docs[0].channel == "folder" and docs[0].partner_id == "ACMEHARDWARE"
            assert docs[0].status == "acknowledged"
            assert len(uow.sales_orders.list()) == 1
        assert (inbox / "processed" / "po.x12").read_bytes() == ACME
        assert list((inbox / ".claimed").iterdir()) == []
        # dropped again with the same name and content: the same document, no second order
        (inbox / "po.x12").write_bytes(ACME)
        assert poll_channel(pipe.ctx, "ACMEHARDWARE", "folder") == 1
        pipe.runtime.drain()
        with pipe.uow() as uow:
            assert len(uow.documents.list()) == 1 and len(uow.sales_orders.list()) == 1


def test_a_held_lease_keeps_a_second_poller_out(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as pipe:
        with pipe.uow() as uow:
            acme = uow.partners.get("ACMEHARDWARE")
            assert acme is not None and acme.channels.folder is not None
            acme.channels.folder.inbox = str(tmp_path / "acme-in")
            acme.channels.folder.settle_seconds = 0
            uow.partners.upsert(acme)
            assert uow.polls.claim(
                "ACMEHARDWARE",
                "folder",
                "other-worker",
                pipe.ctx.clock(),
                timedelta(minutes=5),
            )
            uow.commit()
        (tmp_path / "acme-in").mkdir()
        (tmp_path / "acme-in" / "po.x12").write_bytes(ACME)
        assert poll_channel(pipe.ctx, "ACMEHARDWARE", "folder") == 0
        assert (tmp_path / "acme-in" / "po.x12").exists()


def test_files_that_are_no_document_are_moved_aside_and_recorded(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as pipe:
        inbox = tmp_path / "van" / "cornerstore" / "in"
        inbox.mkdir(parents=True)
        (inbox / "empty.x12").write_bytes(b"")
        _old(inbox / "empty.x12")
        assert poll_channel(pipe.ctx, "CORNERSTORE", "folder") == 0
        assert (inbox / "failed" / "empty.x12").exists()
        with pipe.uow() as uow:
            entries = uow.audit.list(entity="channel", entity_id="CORNERSTORE/folder")
        assert [(e.action, e.detail) for e in entries] == [("refused", {"files": ["empty.x12"]})]
