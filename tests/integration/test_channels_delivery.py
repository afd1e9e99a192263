"""Outbound delivery on partners' channels: retries with back-off, bounded attempts, the failed
state, resend, and the folder outbox default — against a real HTTP server on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gateway.bootstrap import Runtime, build, init_database
from gateway.config import Settings
from gateway.domain.channels import HttpSettings
from gateway.entrypoints.cli import main
from gateway.services.emit import deliver
from gateway.services.polling import failed_deliveries, resend, retry_deliveries
from tests.integration.pipeline_helpers import FIXED_NOW


class Peer:
    """An HTTP endpoint answering with the next status of ``answers`` (the last one repeats)."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = answers
        self.received: list[tuple[str | None, bytes]] = []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                peer.received.append((self.headers.get("Authorization"), body))
                code = peer.answers[min(len(peer.received), len(peer.answers)) - 1]
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/inbound"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def runtime(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    monkeypatch.setenv("DELTAMRO_API_TOKEN", "delta-secret")
    settings = Settings(
        data_dir=tmp_path,
        database_url=db_url,
        outbox_dir=tmp_path / "outbox",
        delivery="channels",
        delivery_max_attempts=3,
        delivery_backoff_seconds=30,
    )
    init_database(settings)
    rt = build(settings)
    rt.context.clock = lambda: FIXED_NOW
    yield rt
    rt.engine.dispose()


def _point_delta_at(runtime: Runtime, url: str) -> None:
    with runtime.context.uow() as uow:
        delta = uow.partners.get("DELTAMRO")
        assert delta is not None
        delta.channels.http = HttpSettings(url=url, token="env:DELTAMRO_API_TOKEN")
        uow.partners.upsert(delta)
        uow.commit()


def _store(runtime: Runtime, partner: str, data: bytes, key: str) -> int:
    with runtime.context.uow() as uow:
        out_id = uow.outbound.add(partner, "855", data, key=key)
        uow.commit()
    return out_id


def test_a_transport_failure_is_retried_with_back_off_until_delivered(runtime: Runtime) -> None:
    peer = Peer([503, 200])
    try:
        _point_delta_at(runtime, peer.url)
        ctx = runtime.context
        out_id = _store(runtime, "DELTAMRO", b"ISA*855", "a")
        deliver(ctx, out_id)
        with ctx.uow() as uow:
            out = uow.outbound.get(out_id)
        assert out is not None and out.delivery_status == "pending" and out.attempts == 1
        assert out.channel == "http" and "503" in (out.last_error or "")
        assert out.next_attempt_at == FIXED_NOW + timedelta(seconds=30)
        # not due yet: neither the step nor the retry sweep sends it again
        deliver(ctx, out_id)
        assert retry_deliveries(ctx) == [] and len(peer.received) == 1
        ctx.clock = lambda: FIXED_NOW + timedelta(seconds=31)
        assert retry_deliveries(ctx) == [out_id]
        runtime.drain()
        with ctx.uow() as uow:
            out = uow.outbound.get(out_id)
        assert out is not None and out.delivery_status == "sent" and out.attempts == 1
        assert peer.received == [("Bearer delta-secret", b"ISA*855")] * 2
    finally:
        peer.close()


def test_attempts_are_bounded_and_the_failed_document_can_be_resent(
    runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    peer = Peer([500, 500, 500, 200])
    try:
        _point_delta_at(runtime, peer.url)
        ctx = runtime.context
        out_id = _store(runtime, "DELTAMRO", b"ISA*855*bounded", "b")
        waits = []
        now = FIXED_NOW
        for _ in range(3):
            ctx.clock = lambda at=now: at
            deliver(ctx, out_id)
            with ctx.uow() as uow:
                out = uow.outbound.get(out_id)
            assert out is not None
            if out.next_attempt_at is not None:
                waits.append(out.next_attempt_at - now)
                now = out.next_attempt_at
        assert waits == [timedelta(seconds=30), timedelta(seconds=120)]  # 30 s × 4^(n-1)
        assert out.delivery_status == "failed" and out.attempts == 3 and len(peer.received) == 3
        assert [o.id for o in failed_deliveries(ctx)] == [out_id]
        with ctx.uow() as uow:
            actions = [e.action for e in uow.audit.list(entity="outbound", entity_id=str(out_id))]
        assert actions.count("delivery_retry") == 2 and actions.count("delivery_failed") == 1
        # failed is final: the sweep and the step leave it alone ...
        ctx.clock = lambda: FIXED_NOW + timedelta(days=1)
        deliver(ctx, out_id)
        assert retry_deliveries(ctx) == [] and len(peer.received) == 3
        # ... until a person resends it
        assert resend(ctx, [out_id]) == [out_id]
        runtime.drain()
        with ctx.uow() as uow:
            out = uow.outbound.get(out_id)
        assert out is not None and out.delivery_status == "sent" and out.attempts == 0
    finally:
        peer.close()


def test_a_refusal_that_waiting_cannot_mend_fails_at_once(runtime: Runtime) -> None:
    peer = Peer([401])
    try:
        _point_delta_at(runtime, peer.url)
        out_id = _store(runtime, "DELTAMRO", b"ISA*855*refused", "c")
        deliver(runtime.context, out_id)
        with runtime.context.uow() as uow:
            out = uow.outbound.get(out_id)
        assert out is not None and out.delivery_status == "failed" and out.attempts == 1
        assert "401" in (out.last_error or "")
    finally:
        peer.close()


def test_channels_by_profile_and_the_outbox_for_everyone_else(runtime: Runtime, tmp_path: Path) -> None:
    ctx = runtime.context
    # Cornerstore delivers via its folder channel; an unknown sender's answer goes to the outbox
    corner = _store(runtime, "CORNERSTORE", b"ISA*corner", "d")
    stranger = _store(runtime, "unknown-ZZ-NOBODY", b"ISA*stranger", "e")
    deliver(ctx, corner, stranger)
    with ctx.uow() as uow:
        a, b = uow.outbound.get(corner), uow.outbound.get(stranger)
    assert a is not None and a.channel == "folder" and a.delivery_status == "sent"
    assert b is not None and b.channel == "outbox" and b.delivery_status == "sent"
    assert [p.read_bytes() for p in (tmp_path / "van" / "cornerstore" / "out").iterdir()] == [b"ISA*corner"]
    assert [p.read_bytes() for p in (tmp_path / "outbox" / "unknown-ZZ-NOBODY").iterdir()] == [
        b"ISA*stranger"
    ]


def test_deliveries_command_lists_failed_and_resends(
    runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    peer = Peer([400, 200])
    try:
        _point_delta_at(runtime, peer.url)
        out_id = _store(runtime, "DELTAMRO", b"ISA*855*cli", "f")
        deliver(runtime.context, out_id)
        db = ["--data-dir", str(tmp_path), "--database-url", runtime.settings.db_url]
        assert main(["deliveries", "--failed", *db]) == 0
        listed = capsys.readouterr().out
        assert f"{out_id:>6}  DELTAMRO" in listed and "failed" in listed and "400" in listed
        assert main(["deliveries", "--resend", "999999", *db]) == 1
        capsys.readouterr()
    finally:
        peer.close()


def test_the_outbox_default_records_a_write_failure_too(db_url: str, tmp_path: Path) -> None:
    blocked = tmp_path / "outbox"
    blocked.write_text("a file where the outbox folder should be")
    settings = Settings(data_dir=tmp_path, database_url=db_url, outbox_dir=blocked)
    init_database(settings)
    rt = build(settings)
    rt.context.clock = lambda: FIXED_NOW
    try:
        assert rt.context.delivery is None  # the embedded default: everything to the outbox
        with rt.context.uow() as uow:
            ids = [uow.outbound.add("ACMEHARDWARE", "855", b"ISA*" + k.encode(), key=k) for k in "xy"]
            uow.commit()
        deliver(rt.context, *ids)
        with rt.context.uow() as uow:
            outs = uow.outbound.get_many(ids)
        assert all(o.delivery_status == "pending" and o.attempts == 1 and o.channel == "outbox" for o in outs)
        assert all("outbox cannot be written" in (o.last_error or "") for o in outs)
        blocked.unlink()
        rt.context.clock = lambda: FIXED_NOW + timedelta(minutes=1)
        assert sorted(retry_deliveries(rt.context)) == sorted(ids)
        rt.drain()
        with rt.context.uow() as uow:
            assert {o.delivery_status for o in uow.outbound.get_many(ids)} == {"sent"}
        assert len(list((blocked / "ACMEHARDWARE").iterdir())) == 2
    finally:
        rt.engine.dispose()
