"""Crash safety of worker processes on real PostgreSQL and Redis.

A worker process (``ordergate worker``) is SIGKILLed in the middle of a step by
the test-only ``ORDERGATE_FAULT`` hook (``gateway.entrypoints.workers.faults``);
a second worker is then started (its start-up sweep re-queues what is
unfinished, and the message the dead worker held is run again).  Afterwards
every document is processed exactly once: one purchase order, one sales order
and one 855 per order, one functional acknowledgement per document, no control
number used twice, every outbound document delivered once, stock consistent.

The same holds when the worker dies inside a ``confirm_range`` work item of a
large document whose confirmation was shared out, over scarce stock.

Redis (a server of this test's own, without persistence) is also killed and
restarted while work is queued: the queue is lost, the archive is not, and the
sweep of the next worker brings everything back.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.bootstrap import build, build_queued, init_database
from gateway.config import SAMPLES, Settings
from gateway.services.receive import receive
from tests.integration.pipeline_helpers import (
    assert_control_numbers_unique,
    assert_delivered,
    assert_one_of_each,
    assert_stock_consistent,
)
from tests.integration.worker_procs import (
    RedisServer,
    assert_control_numbers_gapless,
    postgres_url,
    redis_server,
    wait_for,
    worker_settings,
    workers,
)

# every sample 850: confirmed, short, backordered, rejected, held for review, test mode
FILES = sorted(p.name for p in (SAMPLES / "x12").glob("850-*.x12"))

FAULTS = [
    "start:process_document",  # archived, the worker dies as it takes the document
    "after-commit:process_document",  # parsed, 997 and orders stored; confirmation never queued
    "before-commit:confirm_document",  # rules and allocation done in the transaction, never committed
    "after-commit:confirm_document",  # allocation and the 855 committed; delivery never queued
    "before-commit:deliver",  # files written to the outbox, the database never told
    "after-commit:deliver",  # delivered; the message never acknowledged to Redis
]


@pytest.fixture(scope="module")
def redis_srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_url() as url:
        yield url


def ingest(settings: Settings, files: list[str]) -> list[int]:
    runtime, broker = build_queued(settings)
    try:
        return [
            receive(
                runtime.context,
                (SAMPLES / "x12" / name).read_bytes(),
                channel="test",
                filename=name,
                message_id=name,
            )
            for name in files
        ]
    finally:
        broker.close()
        runtime.engine.dispose()


def check_all_done(settings: Settings, ids: list[int]) -> None:
    runtime = build(settings)
    try:
        with runtime.context.uow() as uow:
            assert_one_of_each(uow, ids)  # type: ignore[arg-type]
            assert_control_numbers_unique(uow)  # type: ignore[arg-type]
            assert_stock_consistent(uow)  # type: ignore[arg-type]
            assert_delivered(uow, settings.outbox)  # type: ignore[arg-type]
            assert not uow.failed_steps.list()
            assert_control_numbers_gapless(uow.connection)
    finally:
        runtime.engine.dispose()


@pytest.mark.parametrize("fault", FAULTS)
def test_worker_killed_mid_step_resumes_exactly_once(
    fault: str, pg_url: str, redis_srv: RedisServer, tmp_path: Path
) -> None:
    settings = worker_settings(pg_url, redis_srv.url, tmp_path)
    init_database(settings)
    ids = ingest(settings, FILES)
    with workers(settings, tmp_path / "logs") as w:
        doomed = w.start(fault=fault)
        assert doomed.wait(timeout=90) == -9, w.log(0)  # it reached the point and killed itself
        with pytest.raises(AssertionError):
            check_all_done(settings, ids)  # the crash left work undone
        w.start()
        wait_for(lambda: check_all_done(settings, ids), timeout=90)


def test_redis_restart_with_work_queued_loses_nothing(
    pg_url: str, redis_srv: RedisServer, tmp_path: Path
) -> None:
    settings = worker_settings(pg_url, redis_srv.url, tmp_path)
    init_database(settings)
    ids = ingest(settings, FILES)
    assert redis_srv.queued(settings.redis_namespace) == len(FILES)
    redis_srv.restart()  # no persistence: every queued message is gone
    assert redis_srv.queued(settings.redis_namespace) == 0
    with workers(settings, tmp_path / "logs") as w:
        w.start()  # its start-up sweep finds the archived documents still "received"
        wait_for(lambda: check_all_done(settings, ids), timeout=90)
        # the worker lives through another restart and goes on with new work
        redis_srv.restart()
        more = ingest(settings, ["860-4010-acme.x12"])
        wait_for(lambda: check_all_done(settings, ids + more), timeout=90)


@pytest.mark.parametrize("fault", ["before-commit:confirm_range", "after-commit:confirm_range"])
def test_worker_killed_in_a_shared_range_resumes_exactly_once(
    fault: str, pg_url: str, redis_srv: RedisServer, tmp_path: Path
) -> None:
    from tests.integration.test_scale_split import SKU, _stock, big_interchange

    settings = Settings(
        **{**worker_settings(pg_url, redis_srv.url, tmp_path).model_dump(), "split_at": 10, "split_share": 8}
    )
    init_database(settings)
    check = build(settings)
    with check.context.uow() as uow:
        _stock(uow, Decimal(50))  # 40 orders want 120: scarce, so a replayed range would oversell
    check.engine.dispose()
    runtime, broker = build_queued(settings)
    ids = [receive(runtime.context, big_interchange(40), channel="test", message_id="big")]
    broker.close()
    runtime.engine.dispose()
    with workers(settings, tmp_path / "logs") as w:
        doomed = w.start(fault=fault)
        assert doomed.wait(timeout=90) == -9, w.log(0)
        w.start()
        wait_for(lambda: check_all_done(settings, ids), timeout=90)
    check = build(settings)
    with check.context.uow() as uow:
        assert len(uow.sales_orders.list()) == 40
        (level,) = uow.catalog.stock([SKU])
        assert level.on_hand == Decimal(50) and level.allocated <= Decimal(50)
    check.engine.dispose()
