"""Scheduling: pollers on their intervals, polls as dramatiq messages that never take a file
twice, and ``ordergate poll``."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker

from gateway.bootstrap import build, build_queued, init_database
from gateway.config import Settings
from gateway.entrypoints.cli import main
from gateway.entrypoints.workers.actors import QUEUE
from gateway.services.polling import due_polls, poll_channel
from tests.integration.pipeline_helpers import FIXED_NOW, sample

FILES = ["850-4010-cornerstore.x12", "850-4010-cornerstore-short.x12", "850-4010-cornerstore-test.x12"]


def _drop(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    past = time.time() - 600
    for name in names:
        (folder / name).write_bytes(sample(name))
        os.utime(folder / name, (past, past))


def _settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=db_url, outbox_dir=tmp_path / "outbox")


def test_pollers_run_on_their_intervals(db_url: str, tmp_path: Path) -> None:
    settings = _settings(db_url, tmp_path)
    init_database(settings)
    runtime = build(settings)
    ctx = runtime.context
    ctx.clock = lambda: FIXED_NOW
    try:
        # Cornerstore polls its drop folder every 60 s; Acme's SFTP every 300 s
        assert set(due_polls(ctx)) == {("CORNERSTORE", "folder"), ("ACMEHARDWARE", "sftp")}
        assert poll_channel(ctx, "CORNERSTORE", "folder") == 0
        assert due_polls(ctx) == [("ACMEHARDWARE", "sftp")]
        ctx.clock = lambda: FIXED_NOW + timedelta(seconds=61)
        assert ("CORNERSTORE", "folder") in due_polls(ctx)
        # an SFTP server that cannot be reached is recorded on the poll, not raised
        assert poll_channel(ctx, "ACMEHARDWARE", "sftp") == 0
        with ctx.uow() as uow:
            row = next(r for r in uow.polls.list() if r["channel"] == "sftp")
        assert "host_key" in row["last_error"] and row["holder"] is None
    finally:
        runtime.engine.dispose()


def test_polls_sent_many_times_to_several_workers_take_each_file_once(db_url: str, tmp_path: Path) -> None:
    settings = _settings(db_url, tmp_path)
    init_database(settings)
    inbox = tmp_path / "van" / "cornerstore" / "in"
    _drop(inbox, FILES)
    broker = StubBroker()
    broker.emit_after("process_boot")
    runtime, _ = build_queued(settings, broker)
    worker = Worker(broker, worker_threads=4)
    worker.start()
    try:
        for _ in range(6):
            runtime.dispatcher.send("poll_channel", "CORNERSTORE", "folder")
        broker.join(QUEUE, fail_fast=True)
        worker.join()
        # a poll that found the lease taken did nothing; run once more for any it kept out
        runtime.dispatcher.send("poll_channel", "CORNERSTORE", "folder")
        broker.join(QUEUE, fail_fast=True)
        worker.join()
    finally:
        worker.stop()
    with runtime.context.uow() as uow:
        docs = uow.documents.list()
        assert sorted(d.filename for d in docs) == sorted(FILES)
        assert {d.status for d in docs} == {"acknowledged"}, [
            (d.filename, d.status, d.diagnostics) for d in docs
        ]
    assert sorted(p.name for p in (tmp_path / "van" / "cornerstore" / "archive").iterdir()) == sorted(FILES)
    assert [p.name for p in inbox.iterdir() if p.is_file()] == []
    runtime.engine.dispose()


def test_ordergate_poll_once(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = _settings(db_url, tmp_path)
    init_database(settings)
    _drop(tmp_path / "van" / "cornerstore" / "in", ["850-4010-cornerstore.x12"])
    db = ["--data-dir", str(tmp_path), "--database-url", db_url]
    assert main(["poll", "--partner", "CORNERSTORE", "--channel", "folder", *db]) == 0
    out = capsys.readouterr().out
    assert "CORNERSTORE folder: 1 document(s) stored" in out and "step(s) run" in out
    assert main(["poll", *db]) == 0
    assert "poll ACMEHARDWARE sftp" in capsys.readouterr().out


def test_ordergate_poll_forever_picks_up_files_as_they_arrive(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.integration.channel_peers import wait_until

    settings = Settings(data_dir=tmp_path)
    init_database(settings)
    env = {**os.environ, "ORDERGATE_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway.entrypoints.cli", "poll", "--forever", "--every", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    runtime = build(settings)

    def statuses() -> list[str]:
        with runtime.context.uow() as uow:
            return [d.status for d in uow.documents.list()]

    try:
        inbox = tmp_path / "van" / "cornerstore" / "in"
        _drop(inbox, ["850-4010-cornerstore.x12"])
        assert wait_until(lambda: statuses() == ["acknowledged"], timeout=30)
        archive = tmp_path / "van" / "cornerstore" / "archive"
        assert [p.name for p in archive.iterdir()] == ["850-4010-cornerstore.x12"]
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0].decode()
        runtime.engine.dispose()
    assert "poll CORNERSTORE folder" in out
