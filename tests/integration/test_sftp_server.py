"""The embedded SFTP server (asyncssh) for partners who push: key login, a chrooted home per
partner, uploads picked up with the drop-folder rules, answers waiting in out/."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest

from gateway.adapters.channels import sftp
from gateway.adapters.channels.sftp_server import SftpServer, accounts, fingerprint, load_host_key
from gateway.bootstrap import Runtime, build, init_database
from gateway.config import Settings
from gateway.domain.channels import SftpPushSettings, SftpSettings
from gateway.errors import ChannelError
from gateway.services.polling import poll_channel
from tests.integration.pipeline_helpers import FIXED_NOW, sample

ACME = sample("850-4010-acme.x12")


@pytest.fixture
def runtime(db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings(
        data_dir=tmp_path, database_url=db_url, outbox_dir=tmp_path / "outbox", delivery="channels"
    )
    init_database(settings)
    rt = build(settings)
    rt.context.clock = lambda: FIXED_NOW
    yield rt
    rt.engine.dispose()


@pytest.fixture
def client_key(monkeypatch: pytest.MonkeyPatch) -> asyncssh.SSHKey:
    key = asyncssh.generate_private_key("ssh-ed25519")
    monkeypatch.setenv("OG_TEST_PUSH_KEY", key.export_private_key("openssh").decode())
    return key


@pytest.fixture
def server(runtime: Runtime, client_key: asyncssh.SSHKey, tmp_path: Path) -> Iterator[SftpServer]:
    with runtime.context.uow() as uow:
        acme = uow.partners.get("ACMEHARDWARE")
        assert acme is not None
        acme.channels.sftp_push = SftpPushSettings(
            authorized_keys=[client_key.export_public_key().decode().strip()], settle_seconds=0
        )
        acme.channels.deliver_via = "sftp_push"
        uow.partners.upsert(acme)
        uow.commit()

    def lookup() -> dict:
        with runtime.context.uow() as uow:
            return accounts(uow.partners.list(active_only=True), runtime.settings.sftp_root)

    srv = SftpServer(lookup, load_host_key(runtime.settings.sftp_host_key), port=0)
    srv.start()
    yield srv
    srv.stop()


def _login(server: SftpServer, user: str = "ACMEHARDWARE") -> SftpSettings:
    return SftpSettings(
        host="127.0.0.1",
        port=server.port,
        user=user,
        private_key="env:OG_TEST_PUSH_KEY",
        host_key=fingerprint(server.host_key),
        inbound_dir="/out",
        outbound_dir="/in",
        timeout_seconds=10,
    )


def test_a_partner_pushes_an_order_and_collects_the_answers(runtime: Runtime, server: SftpServer) -> None:
    login = _login(server)
    home = runtime.settings.sftp_root / "ACMEHARDWARE"
    sftp.upload(login, "po.x12", ACME)  # as a careful partner does: a temporary name, then a rename
    assert (home / "in" / "po.x12").read_bytes() == ACME
    # a file still being uploaded is left alone
    (home / "in" / "next.x12.part").write_bytes(b"ISA*half")
    assert poll_channel(runtime.context, "ACMEHARDWARE", "sftp_push") == 1
    runtime.drain()
    assert sorted(p.name for p in (home / "in").iterdir()) == ["next.x12.part"]
    with runtime.context.uow() as uow:
        (doc,) = uow.documents.list()
        sent = uow.outbound.list()
    assert doc.channel == "sftp_push" and doc.status == "acknowledged" and doc.partner_id == "ACMEHARDWARE"
    assert sent and all(o.channel == "sftp_push" and o.delivery_status == "sent" for o in sent)
    # the answers wait in out/, and the partner fetches them over SFTP
    fetched: dict[str, bytes] = {}
    sftp.poll(login, lambda raw, name, mid: fetched.setdefault(name, raw.read()) and 0)
    assert sorted(fetched.values()) == sorted(o.data for o in sent)


def test_the_home_is_a_chroot_and_keys_are_checked(server: SftpServer, tmp_path: Path) -> None:
    login = _login(server)
    with sftp.connect(login) as session:
        assert sorted(session.listdir("/")) == ["in", "out"]
        assert sorted(session.listdir("/../..")) == ["in", "out"]  # nothing above the home
    with pytest.raises(ChannelError) as caught:
        sftp.upload(dataclasses.replace(login, user="BRIGHTSUPPLY"), "x.x12", b"ISA")
    assert caught.value.code == "channel.auth" and not caught.value.retryable
    other = asyncssh.generate_private_key("ssh-ed25519")
    (tmp_path / "other").write_bytes(other.export_private_key("openssh"))
    with pytest.raises(ChannelError):
        sftp.upload(dataclasses.replace(login, private_key=f"file:{tmp_path / 'other'}"), "x.x12", b"ISA")
