"""Pipeline steps as dramatiq actors: the stub broker in-process, and Redis with worker threads."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
import redis
from dramatiq import Worker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from gateway.bootstrap import build_queued, init_database
from gateway.config import SAMPLES, Settings
from gateway.entrypoints.workers.actors import QUEUE
from gateway.services.receive import receive

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


def test_steps_run_as_actors_on_the_stub_broker(db_url: str, tmp_path: Path) -> None:
    settings = _settings(db_url, tmp_path)
    init_database(settings)
    broker = StubBroker()
    broker.emit_after("process_boot")
    runtime, _ = build_queued(settings, broker)
    worker = Worker(broker, worker_threads=2)
    worker.start()
    try:
        _ingest(runtime, SAMPLE_FILES)
        broker.join(QUEUE, fail_fast=True)
        worker.join()
    finally:
        worker.stop()
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
