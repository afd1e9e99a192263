"""Replayed steps create nothing twice: the idempotency keys of the store."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from gateway.adapters.db.errors import DuplicatePurchaseOrder
from gateway.adapters.db.uow import SqlUnitOfWork
from gateway.domain.model import PurchaseOrder, Purpose, Source
from gateway.domain.orders import AckType, OrderStatus, SalesOrder, SalesOrderLine

NewUow = Callable[[], SqlUnitOfWork]


def po(number: str = "PO-1", purpose: Purpose = Purpose.ORIGINAL, set_control: str = "0001") -> PurchaseOrder:
    return PurchaseOrder(
        po_number=number,
        po_date=date(2024, 5, 1),
        purpose=purpose,
        source=Source("x12", set_control=set_control),
    )


def order(status: OrderStatus = OrderStatus.CONFIRMED) -> SalesOrder:
    return SalesOrder(
        partner_id="acme",
        po_number="PO-1",
        status=status,
        ack_type=AckType.ACCEPTED_NO_CHANGE,
        lines=[SalesOrderLine("1", "SKU-1", Decimal(4), "EA", base_quantity=Decimal(4))],
    )


def test_document_message_id_is_unique_per_channel(new_uow: NewUow) -> None:
    with new_uow() as uow:
        first, new = uow.documents.receive(b"one", "as2", message_id="<abc@acme>")
        assert new
        again, new = uow.documents.receive(b"one again", "as2", message_id="<abc@acme>")
        assert (again, new) == (first, False)
        assert uow.documents.add(b"one", "imap", message_id="<abc@acme>") != first  # another channel
        without = {uow.documents.add(b"one", "as2") for _ in range(2)}  # no message id: always new
        assert len(without) == 2 and first not in without
        uow.commit()
    with new_uow() as uow:
        assert uow.documents.add(b"three", "as2", message_id="<abc@acme>") == first
        stored = uow.documents.get(first)
        assert stored is not None and stored.raw == b"one"


def test_concurrent_receipts_of_one_message_store_one_document(new_uow: NewUow) -> None:
    barrier = threading.Barrier(6)
    ids: list[int] = []
    errors: list[BaseException] = []

    def receive() -> None:
        try:
            barrier.wait()
            with new_uow() as uow:
                ids.append(uow.documents.add(b"payload", "as2", message_id="<race@acme>"))
                uow.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=receive) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(ids)) == 1
    with new_uow() as uow:
        assert len(uow.documents.list()) == 1


def test_purchase_order_replay_and_duplicates(new_uow: NewUow) -> None:
    with new_uow() as uow:
        doc = uow.documents.add(b"850", "folder")
        other_doc = uow.documents.add(b"850 again", "folder")
        po_id = uow.purchase_orders.add(po(), "acme", doc)
        assert uow.purchase_orders.add(po(), "acme", doc) == po_id  # the same step again
        with pytest.raises(DuplicatePurchaseOrder) as caught:
            uow.purchase_orders.add(po(), "acme", other_doc)
        assert caught.value.existing_id == po_id
        assert caught.value.code == "order.duplicate"
        # another partner may use the same number; changes and cancellations may be many
        assert uow.purchase_orders.add(po(), "bright", other_doc) != po_id
        change_1 = uow.purchase_orders.add(po(purpose=Purpose.CHANGE, set_control="0002"), "acme", other_doc)
        change_2 = uow.purchase_orders.add(po(purpose=Purpose.CHANGE, set_control="0003"), "acme", other_doc)
        assert len({po_id, change_1, change_2}) == 3
        uow.commit()
    with new_uow() as uow:
        found = uow.purchase_orders.find("acme", "PO-1")
        assert found is not None and found.id == po_id


def test_one_sales_order_per_purchase_order(new_uow: NewUow) -> None:
    with new_uow() as uow:
        doc = uow.documents.add(b"850", "folder")
        po_id = uow.purchase_orders.add(po(), "acme", doc)
        so_id = uow.sales_orders.add(order(), po_id)
        uow.commit()
    with new_uow() as uow:
        # a replay, even with a different result, keeps the stored order
        assert uow.sales_orders.add(order(OrderStatus.NEEDS_REVIEW), po_id) == so_id
        uow.commit()
    with new_uow() as uow:
        stored = uow.sales_orders.list()
        assert [s.id for s in stored] == [so_id]
        assert stored[0].order == order()
        assert len(stored[0].order.lines) == 1


def test_outbound_once_per_key(new_uow: NewUow) -> None:
    with new_uow() as uow:
        doc = uow.documents.add(b"850", "folder")
        po_id = uow.purchase_orders.add(po(), "acme", doc)
        poa = uow.outbound.add(
            "acme", "855", b"first 855", {"ISA": 1, "GS": 1, "ST": 1}, purchase_order_id=po_id
        )
        uow.commit()
    with new_uow() as uow:
        assert uow.outbound.find("855", purchase_order_id=po_id) == poa
        assert uow.outbound.add("acme", "855", b"second 855", purchase_order_id=po_id) == poa
        # one 997 per functional group of the inbound document
        ack_1 = uow.outbound.add("acme", "997", b"997 for GS 1", inbound_document_id=doc, key="1")
        ack_2 = uow.outbound.add("acme", "997", b"997 for GS 2", inbound_document_id=doc, key="2")
        assert (
            uow.outbound.add("acme", "997", b"997 for GS 1 again", inbound_document_id=doc, key="1") == ack_1
        )
        assert len({poa, ack_1, ack_2}) == 3
        uow.commit()
    with new_uow() as uow:
        stored = uow.outbound.get(poa)
        assert stored is not None and stored.data == b"first 855"
        assert len(uow.outbound.list()) == 3
