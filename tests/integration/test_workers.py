"""Pipeline steps as dramatiq actors: the stub broker in-process, and Redis with worker threads.

A document's confirmation and deliveries run in its ``process_document`` message (no
``confirm_document`` or ``deliver`` through the broker, the orders taken from the hand-over), and
a step that fails there is queued."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
import redis
from dramatiq import Worker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware

from gateway.bootstrap import STEPS, build_queued, init_database
from gateway.config import SAMPLES, Settings
from gateway.entrypoints.workers.actors import QUEUE
from gateway.services.receive import receive
from tests.integration.pipeline_helpers import recorded_statements

REDIS_URL = "redis://127.0.0.1:6379/0"
SAMPLE_FILES = ["850-4010-acme.x12", "850-4010-acme-short.x12", "850-5010-bright.x12", "850-4010-acme.x12"]


def _settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=db_url, outbox_dir=tmp_path / "outbox")


def _ingest(runtime, files: list[str]) -> list[int]:  # type: ignore[no-untyped-def]
    ids = []
    for n, name in enumerate(files):
        raw = (SAMPLES / "x12" / name).read_bytes()
        ids.append(receive(runtime.context, raw, channel="test", filename=name, message_id=f"{name}#{n}"))
    return ids


def _check(runtime) -> None:  # type: ignore[no-untyped-def]
    with runtime.context.uow() as uow:
        orders = uow.sales_orders.list()
        assert sorted(so.order.po_number for so in orders) == ["4500018812", "4500018840", "BS-2026-0917"]
        for so in orders:
            assert len(uow.outbound.list(purchase_order_id=so.purchase_order_id, doc_type="855")) == 1
        acks = [o for o in uow.outbound.list() if o.doc_type != "855"]
        # three distinct interchanges acknowledged once, and the repeated one acknowledged again
        assert len(acks) == 4
        assert all(o.delivery_status == "sent" for o in uow.outbound.list())
    outbox = Path(runtime.context.outbox)
    assert len([p for p in outbox.rglob("*.x12")]) == 7


def _on_stub_broker(db_url: str, tmp_path: Path, *middleware: Middleware):  # type: ignore[no-untyped-def]
    """A runtime queued on a fresh stub broker (with ``middleware``), and the broker."""
    settings = _settings(db_url, tmp_path)
    init_database(settings)
    broker = StubBroker()
    broker.emit_after("process_boot")
    for m in middleware:
        broker.add_middleware(m)
    runtime, _ = build_queued(settings, broker)
    return runtime, broker


def _run_stub_worker(runtime, broker: StubBroker, files: list[str], threads: int) -> None:  # type: ignore[no-untyped-def]
    """Ingest ``files`` and let a worker of ``threads`` threads run every step they lead to."""
    worker = Worker(broker, worker_threads=threads)
    worker.start()
    try:
        _ingest(runtime, files)
        broker.join(QUEUE, fail_fast=True)
        worker.join()
    finally:
        worker.stop()


def test_steps_run_as_actors_on_the_stub_broker(db_url: str, tmp_path: Path) -> None:
    runtime, broker = _on_stub_broker(db_url, tmp_path)
    _run_stub_worker(runtime, broker, SAMPLE_FILES, threads=2)
    _check(runtime)
    runtime.engine.dispose()


@pytest.mark.parametrize("threads", [1, 4])
def test_steps_run_on_redis_with_worker_threads(db_url: str, tmp_path: Path, threads: int) -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:  # pragma: no cover - the server runs here and in CI
        pytest.skip(f"Redis is not reachable: {exc}")
    settings = _settings(db_url, tmp_path)
    init_database(settings)
    broker = RedisBroker(url=REDIS_URL, namespace=f"ordergate-test-{uuid.uuid4().hex[:8]}")
    runtime, _ = build_queued(settings, broker)
    worker = Worker(broker, worker_threads=threads)
    worker.start()
    try:
        _ingest(runtime, SAMPLE_FILES)
        deadline = time.monotonic() + 60
        while True:
            # join() sees an empty queue while a step is still running; the work itself says when it is done
            broker.join(QUEUE, timeout=60_000)
            try:
                _check(runtime)
                break
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        worker.stop()
        broker.flush_all()
        broker.close()
    runtime.engine.dispose()


class _Enqueued(Middleware):
    """The actor names of the messages sent to the broker, in order."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def before_enqueue(self, broker: object, message: object, delay: object) -> None:
        self.names.append(message.actor_name.removeprefix("ordergate."))  # type: ignore[attr-defined]


def test_a_document_is_confirmed_in_its_own_message(db_url: str, tmp_path: Path) -> None:
    """The confirmation and the deliveries ``process_document`` asks for run in the same
    message: no ``confirm_document`` or ``deliver`` goes through the broker, and the parsed
    orders come from the hand-over (their canonical JSON is not read back)."""
    sent = _Enqueued()
    runtime, broker = _on_stub_broker(db_url, tmp_path, sent)
    with recorded_statements(runtime.engine) as seen:
        _run_stub_worker(runtime, broker, SAMPLE_FILES, threads=2)
    read_back = [q for q in seen if q.startswith("SELECT") and "purchase_orders.canonical" in q]
    _check(runtime)
    assert "confirm_document" not in sent.names and "deliver" not in sent.names
    assert sent.names.count("process_document") == len(SAMPLE_FILES)
    assert read_back == []
    runtime.engine.dispose()


def test_a_confirmation_that_fails_in_the_same_message_is_queued(db_url: str, tmp_path: Path) -> None:
    sent = _Enqueued()
    runtime, broker = _on_stub_broker(db_url, tmp_path, sent)
    failures = iter([RuntimeError("the database went away")])
    real = STEPS["confirm_document"]

    def flaky(ctx: object, *args: int) -> object:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real(ctx, *args)

    STEPS["confirm_document"] = flaky
    try:
        _run_stub_worker(runtime, broker, SAMPLE_FILES[:1], threads=1)
    finally:
        STEPS["confirm_document"] = real
    assert sent.names.count("confirm_document") == 1  # queued once, after the run in the message failed
    with runtime.context.uow() as uow:
        assert [so.order.po_number for so in uow.sales_orders.list()] == ["4500018812"]
    runtime.engine.dispose()
