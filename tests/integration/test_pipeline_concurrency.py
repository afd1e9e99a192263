"""Parallel confirmations through the real ``confirm_purchase_order`` competing for scarce stock.

Eight Acme orders of 3 units each (Acme backorders what is short and ships from
one warehouse) against 10 units of one SKU in COL.  Each thread confirms one
order in a unit of work of its own, as separate workers would: on PostgreSQL the
``SELECT ... FOR UPDATE`` on the stock rows serialises them, on SQLite the
``BEGIN IMMEDIATE`` write lock does (the engine waits up to 30 s for it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.adapters.db.engine import BUSY_TIMEOUT_MS
from gateway.domain.catalog import Item
from gateway.domain.orders import OrderStatus
from gateway.services.confirm import confirm_purchase_order
from gateway.services.emit import emit_855
from gateway.services.ports import Context
from gateway.services.process_document import process_document
from tests.integration.pipeline_helpers import (
    Line,
    Pipeline,
    assert_control_numbers_unique,
    assert_delivered,
    assert_one_of_each,
    assert_stock_consistent,
    open_pipeline,
    x12_850,
)

SKU = "ZZ-SCARCE"
ON_HAND = Decimal(10)
ORDERS = 8
EACH = Decimal(3)
PRICE = Decimal("4.20")


@dataclass
class RecordingDispatcher:
    """Collects what the steps queue next (threads append; drained serially afterwards)."""

    sent: list[tuple[str, tuple[int, ...]]]

    def send(self, step: str, *args: int) -> None:
        self.sent.append((step, args))


@pytest.fixture
def pipeline(db_url: str, tmp_path: Path) -> Iterator[Pipeline]:
    with open_pipeline(db_url, tmp_path) as p:
        with p.uow() as uow:
            uow.catalog.upsert_item(Item(SKU, "SCARCE WIDGET", list_price=PRICE))
            uow.catalog.set_stock(SKU, "COL", ON_HAND)
            uow.commit()
        yield p


def run_threads(work: Callable[[int], object], count: int) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as exc:  # asserted on by the test
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=BUSY_TIMEOUT_MS / 1000 * 2)
    assert not any(t.is_alive() for t in threads), "a confirmation never finished"
    return errors


def _shared_context(pipeline: Pipeline) -> Context:
    """The bootstrap's context, with a dispatcher the threads can share."""
    ctx = pipeline.ctx
    return Context(
        uow=ctx.uow,
        dispatcher=RecordingDispatcher([]),
        identity=ctx.identity,
        outbox=ctx.outbox,
        deliver=ctx.deliver,
        clock=ctx.clock,
    )


def _stored_orders(pipeline: Pipeline) -> tuple[list[int], list[int]]:
    """Eight Acme 850s received and processed (parsed, acknowledged), not yet confirmed."""
    ctx = pipeline.ctx
    document_ids: list[int] = []
    for n in range(ORDERS):
        raw = x12_850(f"CC-{n:03d}", [Line(EACH, "EA", PRICE, [("VP", SKU)])], control=7000 + n)
        document_ids.append(pipeline.receive(raw, f"cc-{n}.x12", message_id=f"cc-{n}"))
    queued = list(pipeline.runtime.dispatcher.queue)  # type: ignore[attr-defined]
    pipeline.runtime.dispatcher.queue.clear()  # type: ignore[attr-defined]
    assert queued == [("process_document", (d,)) for d in document_ids]
    for document_id in document_ids:
        process_document(ctx, document_id)
    queue = pipeline.runtime.dispatcher.queue  # type: ignore[attr-defined]
    # each document queued the confirmation of its orders; here each order is confirmed alone
    assert [args for step, args in queue if step == "confirm_document"] == [(d,) for d in document_ids]
    with pipeline.uow() as uow:
        confirms = [po.id for d in document_ids for po in uow.purchase_orders.unconfirmed(d)]
    assert len(confirms) == ORDERS
    kept = [(step, args) for step, args in queue if step != "confirm_document"]  # the 997 deliveries
    queue.clear()
    queue.extend(kept)
    return document_ids, confirms


def test_parallel_confirmations_never_oversell(pipeline: Pipeline) -> None:
    document_ids, po_ids = _stored_orders(pipeline)
    results: dict[int, int] = {}
    threaded = _shared_context(pipeline)

    def work(index: int) -> None:
        results[po_ids[index]] = confirm_purchase_order(threaded, po_ids[index])

    assert run_threads(work, ORDERS) == []
    assert sorted(results) == sorted(po_ids)
    assert len(set(results.values())) == ORDERS  # a sales order of its own each

    with pipeline.uow() as uow:
        (level,) = uow.catalog.stock([SKU])
        assert level.allocated <= level.on_hand
        orders = [uow.sales_orders.get_by_purchase_order(po_id) for po_id in po_ids]
        assert all(so is not None for so in orders)
        lines = [ln for so in orders if so for ln in so.order.lines]
        assert len(lines) == ORDERS and all(ln.sku == SKU for ln in lines)
        confirmed = sum((ln.confirmed_quantity for ln in lines), Decimal(0))
        backordered = sum((ln.backordered_quantity for ln in lines), Decimal(0))
        cancelled = sum((ln.cancelled_quantity for ln in lines), Decimal(0))
        allocated = sum((a.quantity for ln in lines for a in ln.allocations), Decimal(0))
        demand = EACH * ORDERS
        assert confirmed == allocated == level.allocated == min(ON_HAND, demand)  # the largest fill
        assert confirmed + backordered == demand and cancelled == 0
        # first come first served: full orders, one split, the rest wholly backordered
        fills = sorted((ln.confirmed_quantity for ln in lines), reverse=True)
        assert fills == [3, 3, 3, 1, 0, 0, 0, 0]
        assert all(so and so.order.status is OrderStatus.CONFIRMED for so in orders)
        assert_stock_consistent(uow)

    # every confirmation stored its 855 with the sales order and asked for its delivery;
    # delivering them creates one each
    sent = threaded.dispatcher.sent  # type: ignore[attr-defined]
    with pipeline.uow() as uow:
        answers = [uow.outbound.find("855", purchase_order_id=po_id) for po_id in po_ids]
    assert None not in answers and len(set(answers)) == ORDERS
    assert sorted(i for step, args in sent if step == "deliver" for i in args) == sorted(answers)
    dispatcher = pipeline.runtime.dispatcher
    for step, args in sent:
        dispatcher.send(step, *args)
    pipeline.runtime.drain()
    with pipeline.uow() as uow:
        assert_one_of_each(uow, document_ids)
        assert_control_numbers_unique(uow)
        assert_delivered(uow, pipeline.outbox)


def test_a_confirmation_raced_by_its_own_replay_makes_one_sales_order(pipeline: Pipeline) -> None:
    """The same purchase order confirmed by several workers at once (a redelivered message)."""
    _document_ids, po_ids = _stored_orders(pipeline)
    target = po_ids[0]
    threaded = _shared_context(pipeline)
    got: list[int] = []
    errors = run_threads(lambda _i: got.append(confirm_purchase_order(threaded, target)), 4)
    with pipeline.uow() as uow:
        (level,) = uow.catalog.stock([SKU])
        so = uow.sales_orders.get_by_purchase_order(target)
        assert so is not None
        assert level.allocated == EACH  # allocated once, not once per worker
        assert_stock_consistent(uow)
    assert errors == [], errors
    assert set(got) == {so.id}


def test_an_855_raced_by_its_own_replay_is_stored_once_and_spends_one_set_of_numbers(
    pipeline: Pipeline,
) -> None:
    _document_ids, po_ids = _stored_orders(pipeline)
    threaded = _shared_context(pipeline)
    sales_order_id = confirm_purchase_order(threaded, po_ids[0])
    got: list[int | None] = []
    errors = run_threads(lambda _i: got.append(emit_855(threaded, sales_order_id)), 4)
    assert errors == [], errors
    assert len(set(got)) == 1 and got[0] is not None
    pipeline.runtime.drain()
    with pipeline.uow() as uow:
        assert len(uow.outbound.list(doc_type="855")) == 1
        assert_control_numbers_unique(uow)


def test_a_document_raced_by_its_own_replay_is_processed_once(pipeline: Pipeline) -> None:
    raw = x12_850("CC-RACE", [Line(EACH, "EA", PRICE, [("VP", SKU)])], control=7100)
    document_id = pipeline.receive(raw, "race.x12", message_id="race")
    threaded = _shared_context(pipeline)
    errors = run_threads(lambda _i: process_document(threaded, document_id), 4)
    assert errors == [], errors
    with pipeline.uow() as uow:
        doc = uow.documents.get(document_id)
        assert doc is not None and doc.status == "acknowledged", doc and (doc.status, doc.diagnostics)
        assert len(uow.purchase_orders.for_document(document_id)) == 1
        assert len(uow.outbound.list(inbound_document_id=document_id)) == 1
        assert_control_numbers_unique(uow)
