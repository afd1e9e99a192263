"""A large interchange: archived in chunks, read a set at a time, its orders staged in batches.

Chunk and batch sizes are made small here so that a few hundred orders span many
chunks and several staged commits; SQLite and PostgreSQL both.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from gateway.adapters.db.tables import document_chunks, purchase_orders
from gateway.domain.catalog import Item
from gateway.services import process_document as step
from gateway.services.ordering import waits_for
from gateway.services.receive import receive_stream
from tests.integration.pipeline_helpers import (
    Line,
    Pipeline,
    acknowledged_groups,
    assert_control_numbers_unique,
    open_pipeline,
    po_850_body,
    segments,
    x12_interchange,
)
from tests.integration.worker_procs import assert_control_numbers_gapless

SKU = "ZZ-LARGE"
PRICE = Decimal("2.50")
ORDERS = 120
BATCH = 25  # staged per commit: 120 orders are 5 batches
CHUNK = 4096  # bytes per archived chunk: the interchange is ~20 chunks


def interchange(orders: int = ORDERS, control: int = 88_001) -> bytes:
    return x12_interchange(
        [
            po_850_body(f"BIG-{n:05d}", [Line(Decimal(n % 3 + 1), "EA", PRICE, [("VP", SKU)])])
            for n in range(orders)
        ],
        control,
    )


@pytest.fixture
def pipeline(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipeline]:
    monkeypatch.setattr(step, "STAGE_BATCH", BATCH)
    with open_pipeline(db_url, tmp_path) as p:
        with p.uow() as uow:
            uow.catalog.upsert_item(Item(SKU, "LARGE WIDGET", list_price=PRICE))
            uow.catalog.set_stock(SKU, "COL", Decimal(100_000))
            uow.commit()
        yield p


def receive_big(p: Pipeline, raw: bytes) -> int:
    return receive_stream(p.ctx, io.BytesIO(raw), channel="test", filename="big.x12", chunk_size=CHUNK)


def count(p: Pipeline, *where: Any) -> int:
    with p.uow() as uow:
        return int(
            uow.connection.execute(
                select(func.count()).select_from(purchase_orders).where(*where)
            ).scalar_one()
        )


def acks(p: Pipeline, document_id: int) -> list[Any]:
    with p.uow() as uow:
        return [o for o in uow.outbound.list(inbound_document_id=document_id) if o.doc_type in ("997", "999")]


def test_chunked_round_trip(pipeline: Pipeline) -> None:
    change = x12_interchange([po_850_body("CH-1", [Line(1, "EA", PRICE, [("VP", SKU)])])], 5).replace(
        b"ST*850*", b"ST*860*"
    )
    raw = interchange(60) + change  # an 860 marker far past the first chunk
    pieces = iter([raw[i : i + 1000] for i in range(0, len(raw), 1000)])
    document_id = receive_stream(pipeline.ctx, pieces, channel="t", chunk_size=CHUNK)
    with pipeline.uow() as uow:
        docs = uow.documents
        stored = docs.get(document_id)
        assert stored.chunked and stored.raw == b""
        assert stored.size == len(raw) and stored.content_hash == hashlib.sha256(raw).hexdigest()
        of_it = document_chunks.c.document_id == document_id
        n_chunks = uow.connection.execute(
            select(func.count()).select_from(document_chunks).where(of_it)
        ).scalar_one()
        assert n_chunks == -(-len(raw) // CHUNK)
        assert docs.open(document_id).read() == raw
        assert docs.read(document_id, 5000) == raw[:5000]
        assert docs.head(document_id, 106) == raw[:106]
        assert docs.contains(document_id, b"ST*860*")
        boundary = raw[CHUNK - 4 : CHUNK + 4]  # straddles the first two chunks
        assert docs.contains(document_id, boundary)
        assert not docs.contains(document_id, b"ST*861*")
        small_id, new = docs.receive(io.BytesIO(b"ISA*small"), "t", chunk_size=CHUNK)
        assert new and not docs.get(small_id).chunked and docs.get(small_id).raw == b"ISA*small"
        assert docs.open(small_id).read() == b"ISA*small"
        later, _ = docs.receive(change, "t", chunk_size=CHUNK)
        uow.commit()
    with pipeline.uow() as uow:
        # an 860 from the same sender waits for the earlier, chunked document still unprocessed
        assert waits_for(uow, later) == document_id
        assert waits_for(uow, document_id) is None  # nothing of that sender before it


def test_large_interchange_is_staged_in_batches_and_released_once(pipeline: Pipeline) -> None:
    document_id = receive_big(pipeline, interchange())
    pipeline.runtime.drain()
    with pipeline.uow() as uow:
        doc = uow.documents.get(document_id)
        assert doc.chunked and doc.status in ("acknowledged", "confirmed")
        pos = uow.purchase_orders.for_document(document_id)
        assert sorted(p.po_number for p in pos) == [f"BIG-{n:05d}" for n in range(ORDERS)]
        assert {p.status for p in pos} != {"staged"}
        assert all(uow.sales_orders.get_by_purchase_order(p.id) is not None for p in pos)
        assert_control_numbers_unique(uow)
        assert_control_numbers_gapless(uow.connection)
    (ack,) = acks(pipeline, document_id)
    ak9 = [s for s in segments(ack.data) if s[0] == "AK9"]
    assert ak9[0][1] == "A" and ak9[0][2:4] == [str(ORDERS), str(ORDERS)]
    assert count(pipeline, purchase_orders.c.status == "staged") == 0


def test_group_rejected_at_its_trailer_after_staged_batches(pipeline: Pipeline) -> None:
    raw = interchange().replace(f"GE*{ORDERS}*88001".encode(), f"GE*{ORDERS - 1}*88001".encode())
    document_id = receive_big(pipeline, raw)
    pipeline.runtime.drain()
    assert count(pipeline, purchase_orders.c.document_id == document_id) == 0  # nothing acted on
    (ack,) = acks(pipeline, document_id)
    assert acknowledged_groups(ack.data) == ["88001"]
    ak9 = [s for s in segments(ack.data) if s[0] == "AK9"]
    assert ak9[0][1] == "R"
    with pipeline.uow() as uow:
        assert uow.documents.get(document_id).status == "rejected"
        assert not uow.sales_orders.list()


class Interrupted(Exception):
    """Stands for the process dying between two staged commits."""


def test_run_interrupted_after_staged_batches_is_done_exactly_once_on_rerun(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    document_id = receive_big(pipeline, interchange())  # queued, not yet run
    real_flush = step.StagedRun._flush
    flushed = 0

    def dying_flush(self: step.StagedRun) -> None:
        nonlocal flushed
        if flushed == 3:
            raise Interrupted()
        real_flush(self)
        flushed += 1

    monkeypatch.setattr(step.StagedRun, "_flush", dying_flush)
    with pytest.raises(Interrupted):
        step.process_document(pipeline.ctx, document_id)
    # three batches committed, staged: nothing sees them yet
    assert count(pipeline, purchase_orders.c.document_id == document_id) == 3 * BATCH
    assert count(pipeline, purchase_orders.c.status == "staged") == 3 * BATCH
    with pipeline.uow() as uow:
        assert uow.purchase_orders.unconfirmed_ids(document_id) == []
        assert uow.documents.get(document_id).status == "received"
        assert not uow.outbound.list(inbound_document_id=document_id)
    monkeypatch.setattr(step.StagedRun, "_flush", real_flush)
    pipeline.runtime.drain()  # the queued run (a redelivery) starts over
    with pipeline.uow() as uow:
        pos = uow.purchase_orders.for_document(document_id)
        assert sorted(p.po_number for p in pos) == [f"BIG-{n:05d}" for n in range(ORDERS)]  # each once
        assert all(uow.sales_orders.get_by_purchase_order(p.id) is not None for p in pos)
        assert not any("duplicate" in str(d) for d in uow.documents.get(document_id).diagnostics or [])
        assert_control_numbers_unique(uow)
        assert_control_numbers_gapless(uow.connection)
    assert len(acks(pipeline, document_id)) == 1
    step.process_document(pipeline.ctx, document_id)  # once more: nothing new
    pipeline.runtime.drain()
    assert count(pipeline, purchase_orders.c.document_id == document_id) == ORDERS
    assert len(acks(pipeline, document_id)) == 1


# a worker process SIGKILLed after the first staged commit, on real PostgreSQL and Redis -------
KILLED_ORDERS = 1_100  # three staged batches of the default size: 500, 500, 100


@pytest.fixture
def redis_srv(tmp_path: Path) -> Iterator[Any]:
    from tests.integration.worker_procs import redis_server

    with redis_server(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def pg_url() -> Iterator[str]:
    from tests.integration.worker_procs import postgres_url

    with postgres_url() as url:
        yield url


def test_worker_killed_after_a_staged_batch_makes_every_order_once(
    pg_url: str, redis_srv: Any, tmp_path: Path
) -> None:
    from gateway.bootstrap import build, build_queued, init_database
    from tests.integration.worker_procs import wait_for, worker_settings, workers

    settings = worker_settings(pg_url, redis_srv.url, tmp_path)
    init_database(settings)
    checker = build(settings)
    with checker.context.uow() as uow:
        uow.catalog.upsert_item(Item(SKU, "LARGE WIDGET", list_price=PRICE))
        uow.catalog.set_stock(SKU, "COL", Decimal(100_000))
        uow.commit()
    queued, broker = build_queued(settings)
    raw = interchange(KILLED_ORDERS, control=88_100)
    document_id = receive_stream(queued.context, io.BytesIO(raw), channel="test", chunk_size=64 * 1024)
    broker.close()
    queued.engine.dispose()

    def staged() -> int:
        with checker.context.uow() as uow:
            return int(
                uow.connection.execute(
                    select(func.count())
                    .select_from(purchase_orders)
                    .where(purchase_orders.c.status == "staged")
                ).scalar_one()
            )

    def all_done() -> None:
        with checker.context.uow() as uow:
            pos = uow.purchase_orders.for_document(document_id)
            assert len(pos) == KILLED_ORDERS
            assert all(uow.sales_orders.get_by_purchase_order(p.id) is not None for p in pos)

    try:
        with workers(settings, tmp_path / "logs") as w:
            doomed = w.start(fault="after-commit:process_document")
            assert doomed.wait(timeout=120) == -9, w.log(0)
            assert staged() == 500  # the first batch, committed staged; nothing acts on it
            with checker.context.uow() as uow:
                assert uow.documents.get(document_id).status == "received"
                assert uow.purchase_orders.unconfirmed_ids(document_id) == []
            w.start()  # its start-up sweep queues the document again
            wait_for(all_done, timeout=240)
        with checker.context.uow() as uow:
            numbers = sorted(p.po_number for p in uow.purchase_orders.for_document(document_id))
            assert numbers == [f"BIG-{n:05d}" for n in range(KILLED_ORDERS)]  # each exactly once
            answers = uow.outbound.list(inbound_document_id=document_id)
            assert [o.doc_type for o in answers if o.doc_type in ("997", "999")] == ["997"]
            assert_control_numbers_unique(uow)
            assert_control_numbers_gapless(uow.connection)
        assert staged() == 0
    finally:
        checker.engine.dispose()
