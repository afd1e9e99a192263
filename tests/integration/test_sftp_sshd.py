"""SFTP against OpenSSH's sshd on loopback: key auth, a pinned host key, pickup and upload, and
connections dropped mid-transfer (the server side killed) losing and doubling nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.adapters.channels import sftp
from gateway.bootstrap import build, init_database
from gateway.config import Settings
from gateway.domain.channels import SftpSettings
from gateway.errors import ChannelError
from gateway.services.polling import poll_channel
from gateway.services.receive import receive
from tests.integration.channel_peers import Sshd, start_sshd, stop
from tests.integration.pipeline_helpers import FIXED_NOW, sample

ACME = sample("850-4010-acme.x12")
ACME_SHORT = sample("850-4010-acme-short.x12")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    stop(server)


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    for d in ("out", "in", "archive"):
        (tmp_path / "remote" / d).mkdir(parents=True)
    return tmp_path / "remote"


@pytest.fixture
def settings(sshd: Sshd, remote: Path, monkeypatch: pytest.MonkeyPatch) -> SftpSettings:
    monkeypatch.setenv("OG_TEST_SFTP_KEY", sshd.client_key)
    return SftpSettings(
        host="127.0.0.1",
        port=sshd.port,
        user=sshd.user,
        private_key="env:OG_TEST_SFTP_KEY",
        host_key=sshd.host_fingerprint,
        inbound_dir=str(remote / "out"),
        outbound_dir=str(remote / "in"),
        archive_dir=str(remote / "archive"),
        timeout_seconds=10,
    )


def _runtime(db_url: str, tmp_path: Path, sftp_settings: SftpSettings) -> object:
    settings = Settings(
        data_dir=tmp_path, database_url=db_url, outbox_dir=tmp_path / "outbox", delivery="channels"
    )
    init_database(settings)
    runtime = build(settings)
    runtime.context.clock = lambda: FIXED_NOW
    with runtime.context.uow() as uow:
        acme = uow.partners.get("ACMEHARDWARE")
        assert acme is not None
        acme.channels.sftp = sftp_settings
        acme.channels.deliver_via = "sftp"
        uow.partners.upsert(acme)
        uow.commit()
    return runtime


def test_pickup_archives_first_then_moves_remotely_and_answers_by_upload(
    db_url: str, tmp_path: Path, remote: Path, settings: SftpSettings
) -> None:
    (remote / "out" / "po1.x12").write_bytes(ACME)
    (remote / "out" / "po2.x12").write_bytes(ACME_SHORT)
    (remote / "out" / "busy.x12.part").write_bytes(b"half")
    runtime = _runtime(db_url, tmp_path, settings)
    try:
        assert poll_channel(runtime.context, "ACMEHARDWARE", "sftp") == 2
        runtime.drain()
        assert sorted(p.name for p in (remote / "out").iterdir()) == ["busy.x12.part"]
        assert (remote / "archive" / "po1.x12").read_bytes() == ACME
        with runtime.context.uow() as uow:
            docs = uow.documents.list()
            assert {d.filename for d in docs} == {"po1.x12", "po2.x12"}
            assert all(d.channel == "sftp" and d.status == "acknowledged" for d in docs)
            sent = uow.outbound.list()
            assert sent and all(o.delivery_status == "sent" and o.channel == "sftp" for o in sent)
        # every 997 and 855 is on the partner's server, whole, under its final name only
        uploaded = sorted(p.name for p in (remote / "in").iterdir())
        assert len(uploaded) == len(sent) and not any(n.startswith(".") for n in uploaded)
        assert {(remote / "in" / n).read_bytes() for n in uploaded} == {o.data for o in sent}
        # nothing left: a second poll finds nothing
        assert poll_channel(runtime.context, "ACMEHARDWARE", "sftp") == 0
    finally:
        runtime.engine.dispose()


def test_a_connection_dropped_mid_download_loses_and_doubles_nothing(
    db_url: str, tmp_path: Path, remote: Path, settings: SftpSettings, sshd: Sshd
) -> None:
    big = ACME + b"\n" * (3 * 1024 * 1024)  # long enough to be cut in the middle
    (remote / "out" / "big.x12").write_bytes(big)
    runtime = _runtime(db_url, tmp_path, settings)
    ctx = runtime.context
    store = lambda raw, name, mid: receive(ctx, raw, channel="sftp", filename=name, message_id=mid)  # noqa: E731
    dropped = []

    def cut(done: int, total: int) -> None:
        if not dropped and done > 0:
            dropped.append(sshd.drop_connections())

    try:
        with pytest.raises(ChannelError):
            sftp.poll(settings, store, progress=cut)
        assert dropped and dropped[0] >= 1
        with ctx.uow() as uow:
            assert uow.documents.list() == []  # nothing half-stored
        assert (remote / "out" / "big.x12").read_bytes() == big  # still waiting at the partner

        # killed after the archive committed, before the remote move
        def store_then_die(raw: bytes, name: str, mid: str) -> int:
            store(raw, name, mid)
            raise KeyboardInterrupt("killed between the archive and the remote move")

        with pytest.raises(KeyboardInterrupt):
            sftp.poll(settings, store_then_die)
        assert (remote / "out" / "big.x12").exists()
        outcome = sftp.poll(settings, store)
        assert outcome.names == ["big.x12"]
        with ctx.uow() as uow:
            docs = uow.documents.list()
            assert len(docs) == 1 and uow.documents.read(docs[0].id) == big  # stored once, whole
        assert not (remote / "out" / "big.x12").exists() and (remote / "archive" / "big.x12").exists()
    finally:
        runtime.engine.dispose()


def test_an_upload_dropped_midway_leaves_no_partial_file_and_a_retry_completes(
    remote: Path, settings: SftpSettings, sshd: Sshd
) -> None:
    data = b"ISA*" + b"x" * (2 * 1024 * 1024)
    dropped = []

    def cut(done: int, total: int) -> None:
        if not dropped and done > 0:
            dropped.append(sshd.drop_connections())

    with pytest.raises(ChannelError):
        sftp.upload(settings, "855-000000001.x12", data, progress=cut)
    assert not (remote / "in" / "855-000000001.x12").exists()  # the partner never sees half
    where = sftp.upload(settings, "855-000000001.x12", data)
    assert where.endswith("/in/855-000000001.x12")
    assert (remote / "in" / "855-000000001.x12").read_bytes() == data
    assert [p.name for p in (remote / "in").iterdir()] == ["855-000000001.x12"]


def test_a_server_with_another_host_key_is_refused(settings: SftpSettings) -> None:
    wrong = dataclasses.replace(settings, host_key="SHA256:" + "A" * 43)
    with pytest.raises(ChannelError) as caught:
        sftp.upload(wrong, "x.x12", b"ISA")
    assert caught.value.code == "channel.host_key" and not caught.value.retryable
    with pytest.raises(Exception, match="no host_key is pinned"):
        sftp.upload(dataclasses.replace(settings, host_key=None), "x.x12", b"ISA")


def test_failed_delivery_is_recorded_and_a_resend_delivers(
    db_url: str, tmp_path: Path, remote: Path, settings: SftpSettings
) -> None:
    from gateway.services.polling import failed_deliveries, resend

    wrong = dataclasses.replace(settings, host_key="SHA256:" + "B" * 43)
    runtime = _runtime(db_url, tmp_path, wrong)
    ctx = runtime.context
    try:
        receive(ctx, ACME, channel="test")
        runtime.drain()
        failed = failed_deliveries(ctx)
        assert failed and all(o.attempts == 1 and "host key" in (o.last_error or "") for o in failed)
        assert list((remote / "in").iterdir()) == []
        # the host key is corrected in the profile; a person resends
        with ctx.uow() as uow:
            acme = uow.partners.get("ACMEHARDWARE")
            assert acme is not None
            acme.channels.sftp = settings
            uow.partners.upsert(acme)
            uow.commit()
        assert resend(ctx, [o.id for o in failed]) == [o.id for o in failed]
        runtime.drain()
        assert failed_deliveries(ctx) == []
        assert len(list((remote / "in").iterdir())) == len(failed)
    finally:
        runtime.engine.dispose()
