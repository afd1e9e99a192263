"""A large document's confirmation shared among workers as ``confirm_range`` work items.

In-process (stub broker, worker threads, SQLite and PostgreSQL): a document of
45 orders with the split threshold lowered to 10 becomes five ranges; every
order is confirmed once with one 855, and running a range again, or the whole
``confirm_document`` again, makes nothing twice.  With worker processes on
PostgreSQL and Redis: one interchange of 900 orders is confirmed by two worker
processes together (both logs show ranges they ran; 15 ranges of 60 orders).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker
from prometheus_client import CollectorRegistry

from gateway.adapters.observability.metrics import StepMetrics
from gateway.bootstrap import build, build_queued, init_database
from gateway.config import Settings
from gateway.domain.catalog import Item
from gateway.entrypoints.workers.actors import QUEUE
from gateway.services import split
from gateway.services.confirm import confirm_document
from gateway.services.receive import receive
from tests.integration.pipeline_helpers import (
    Line,
    assert_control_numbers_unique,
    assert_delivered,
    assert_one_of_each,
    assert_stock_consistent,
    open_pipeline,
    po_850_body,
    x12_interchange,
)
from tests.integration.worker_procs import (
    RedisServer,
    postgres_url,
    redis_server,
    wait_for,
    worker_settings,
    workers,
)

SKU = "ZZ-BULK"
PRICE = Decimal("2.50")


def big_interchange(orders: int, control: int = 77_001) -> bytes:
    return x12_interchange(
        [
            po_850_body(f"BULK-{n:05d}", [Line(Decimal(n % 5 + 1), "EA", PRICE, [("VP", SKU)])])
            for n in range(orders)
        ],
        control,
    )


def _stock(uow: object, on_hand: Decimal) -> None:
    uow.catalog.upsert_item(Item(SKU, "BULK WIDGET", list_price=PRICE))  # type: ignore[attr-defined]
    uow.catalog.set_stock(SKU, "COL", on_hand)  # type: ignore[attr-defined]
    uow.commit()  # type: ignore[attr-defined]


def test_ranges_cover_every_id_once() -> None:
    ids = [3, 4, 9, 10, 11, 20, 21]
    assert split.ranges(ids, 3) == [(3, 9), (10, 20), (21, 21)]
    assert split.ranges([], 3) == []


@pytest.fixture
def pipeline_on_queue(
    db_url: str, tmp_path: Path
) -> Iterator[tuple[object, object, StubBroker, StepMetrics]]:
    with open_pipeline(db_url, tmp_path) as p:
        with p.uow() as uow:
            _stock(uow, Decimal(60))  # scarce: 45 orders want 135
        broker = StubBroker()
        broker.emit_after("process_boot")
        registry = CollectorRegistry()
        metrics = StepMetrics(registry)
        settings = Settings(**{**p.settings.model_dump(), "split_at": 10, "split_share": 10})
        runtime, _ = build_queued(settings, broker, metrics=metrics)
        worker = Worker(broker, worker_threads=3)
        worker.start()
        try:
            yield p, runtime, broker, metrics, worker
        finally:
            worker.stop()
            runtime.engine.dispose()


def test_large_document_is_confirmed_in_shared_ranges(
    pipeline_on_queue: tuple[object, object, StubBroker, StepMetrics, Worker],
) -> None:
    p, runtime, broker, metrics, worker = pipeline_on_queue

    def settle() -> None:
        for _ in range(3):  # a step still running when the queue looks empty sends more
            broker.join(QUEUE, fail_fast=True, timeout=60_000)
            worker.join()

    ctx = runtime.context  # type: ignore[attr-defined]
    document_id = receive(ctx, big_interchange(45), channel="test", message_id="bulk")
    settle()
    ran = metrics.total.labels("confirm_range", "ok")._value.get()
    assert ran == 5
    assert metrics.total.labels("confirm_document", "ok")._value.get() == 1
    with ctx.uow() as uow:
        assert len(uow.sales_orders.list()) == 45
        assert_one_of_each(uow, [document_id])
        assert_stock_consistent(uow)
        assert_control_numbers_unique(uow)
        assert_delivered(uow, p.outbox)  # type: ignore[attr-defined]
        ids = uow.purchase_orders.for_document(document_id)
    # replays make nothing twice: a range, the whole document, and the split itself
    assert split.confirm_range(ctx, document_id, ids[0].id, ids[-1].id) == 0
    assert confirm_document(ctx, document_id) == 0
    assert split.split_confirmation(ctx, document_id, split_at=0) == 0  # nothing is waiting
    settle()
    with ctx.uow() as uow:
        assert len(uow.sales_orders.list()) == 45
        assert len(uow.outbound.list(doc_type="855")) == 45


@pytest.fixture
def redis_srv(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path / "redis") as server:
        yield server


def test_two_worker_processes_share_one_large_interchange(redis_srv: RedisServer, tmp_path: Path) -> None:
    orders = 900
    with postgres_url() as pg_url:
        settings = Settings(
            **{
                **worker_settings(pg_url, redis_srv.url, tmp_path).model_dump(),
                "split_at": 100,
                "split_share": 60,
            }
        )
        init_database(settings)
        check = build(settings)
        with check.context.uow() as uow:
            _stock(uow, Decimal(100_000))
        with workers(settings, tmp_path / "logs") as w:
            w.start()
            w.start()
            w.wait_ready(2)  # their start-up sweeps are over
            runtime, broker = build_queued(settings)
            document_id = receive(runtime.context, big_interchange(orders), channel="test", message_id="big")
            broker.close()
            runtime.engine.dispose()

            def done() -> None:
                with check.context.uow() as uow:
                    assert len(uow.outbound.list(doc_type="855", delivery_status="sent")) == orders

            wait_for(done, timeout=240, interval=1.0)
            logs = [w.log(0), w.log(1)]
        with check.context.uow() as uow:
            assert len(uow.sales_orders.list()) == orders
            assert_stock_consistent(uow)  # type: ignore[arg-type]
            assert_control_numbers_unique(uow)  # type: ignore[arg-type]
            assert len(uow.outbound.list(inbound_document_id=document_id, doc_type="997")) == 1
        check.engine.dispose()
    ranges_run = [len(re.findall(r"step done .* step=confirm_range", log)) for log in logs]
    assert sum(ranges_run) >= orders // settings.split_share + (1 if orders % settings.split_share else 0)
    assert all(n > 0 for n in ranges_run), ranges_run  # both processes took a share
