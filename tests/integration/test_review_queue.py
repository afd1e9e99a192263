"""The review queue and the fixes that teach, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.errors import InputError, ReviewRefused
from gateway.services import review
from gateway.services.review_queue import QueueFilter, review_queue
from tests.integration.pipeline_helpers import (
    FIXED_NOW,
    open_pipeline,
    recorded_statements,
    reenvelope,
    sample,
    segments,
)


def _held_po(p, po_number: str) -> int:  # type: ignore[no-untyped-def]
    with p.uow() as uow:
        stored = uow.purchase_orders.find("ACMEHARDWARE", po_number) or uow.purchase_orders.find(
            "BRIGHTSUPPLY", po_number
        )
        assert stored is not None
        return stored.id


def _outbox_855s(outbox: Path) -> list[Path]:
    return sorted(outbox.rglob("855-*.x12"))


def test_queue_lists_every_source_oldest_first_with_counts(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        p.run(sample("850-4010-acme-unknown-item.x12"), "unknown.x12")
        p.run(sample("850-5010-bright-price-review.x12"), "price.x12")
        p.run(reenvelope(sample("850-4010-acme.x12"), sender_id="NOBODY"), "stranger.x12")
        p.run(b"this is not an order", "junk.txt")
        with p.uow() as uow:
            queue = review_queue(uow, FIXED_NOW + timedelta(hours=1))
            assert queue.total == 4
            assert [i.kind for i in queue.items] == ["order", "order", "document", "document"]
            assert queue.items[0].reasons == ["item.unknown"] and queue.items[0].partner_id == "ACMEHARDWARE"
            assert queue.items[1].reasons == ["price.beyond_tolerance"]
            assert "partner.unknown_sender" in queue.items[2].reasons
            assert queue.by_reason["item.unknown"] == 1 and queue.by_reason["price.beyond_tolerance"] == 1
            only_price = review_queue(uow, FIXED_NOW, QueueFilter(reason="price"))
            assert [i.po_number for i in only_price.items] == ["BS-2026-0944"]
            assert only_price.by_reason["item.unknown"] == 1  # counts ignore the reason filter
            assert review_queue(uow, FIXED_NOW, QueueFilter(partner="BRIGHTSUPPLY")).items[0].kind == "order"
            assert review_queue(uow, FIXED_NOW, QueueFilter(channel="nope")).items == []
            aged = review_queue(uow, FIXED_NOW + timedelta(days=30), QueueFilter(min_age_hours=24 * 365))
            assert aged.items == []


def test_mapping_an_unknown_item_confirms_the_order_and_the_next_one(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        p.run(sample("850-4010-acme-unknown-item.x12"))
        po_id = _held_po(p, "4500018863")
        assert _outbox_855s(p.outbox) == []
        with pytest.raises(InputError):
            review.map_item(p.ctx, po_id, "1", "NO-SUCH-SKU", "olga")
        result = review.map_item(p.ctx, po_id, "1", "PD-0200", "olga")
        p.runtime.drain()
        assert result.status == "confirmed" and result.outbound_id is not None
        [ack] = _outbox_855s(p.outbox)
        po1 = [s for s in segments(ack.read_bytes()) if s[0] == "PO1"]
        assert po1[0][1] == "1" and "BP" in po1[0] and "779999" in po1[0]
        with p.uow() as uow:
            so = uow.sales_orders.get_by_purchase_order(po_id)
            assert so.order.status.value == "confirmed" and so.order.lines[0].sku == "PD-0200"
            assert so.order.lines[0].allocations  # stock reserved
            xrefs = [x for x in uow.partners.get("ACMEHARDWARE").cross_references if x.buyer_part == "779999"]
            assert [x.sku for x in xrefs] == ["PD-0200"]
            actions = [(e.actor, e.action) for e in uow.audit.list("purchase_order", po_id)]
            assert ("olga", "review.map_item") in actions
            assert [d.kind for d in uow.reviews.decisions(po_id)] == ["map_item"]
        with pytest.raises(ReviewRefused):
            review.approve(p.ctx, po_id, "olga")  # not held any more
        # the next order carrying that part number passes on its own
        again = reenvelope(sample("850-4010-acme-unknown-item.x12"), control=4999).replace(
            b"4500018863", b"4500019999"
        )
        p.run(again)
        with p.uow() as uow:
            nxt = uow.sales_orders.find("ACMEHARDWARE", "4500019999")
            assert nxt.order.status.value == "confirmed" and nxt.order.lines[0].sku == "PD-0200"
        assert len(_outbox_855s(p.outbox)) == 2


def test_price_accepted_or_corrected(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        p.run(sample("850-5010-bright-price-review.x12"))
        po_id = _held_po(p, "BS-2026-0944")
        result = review.set_price(p.ctx, po_id, "10", None, "olga")
        p.runtime.drain()
        assert result.status == "confirmed"
        with p.uow() as uow:
            line = uow.sales_orders.get_by_purchase_order(po_id).order.lines[0]
            assert line.unit_price == Decimal("17.10") and "IP" not in line.statuses
            assert [d.value for d in uow.reviews.decisions(po_id)] == [{"price": "17.10"}]
        assert len(_outbox_855s(p.outbox)) == 1


def test_corrected_price_quantity_warehouse_and_reject(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        p.run(sample("850-5010-bright-price-review.x12"))
        po_id = _held_po(p, "BS-2026-0944")
        with pytest.raises(InputError):
            review.set_quantity(p.ctx, po_id, "10", "0", "olga")
        with pytest.raises(InputError):
            review.set_quantity(p.ctx, po_id, "99", "5", "olga")
        held = review.pick_warehouse(p.ctx, po_id, "ATL", "olga")
        assert held.status == "needs_review"  # the price still waits
        held = review.set_quantity(p.ctx, po_id, "20", "10", "olga")
        assert held.status == "needs_review"
        done = review.set_price(p.ctx, po_id, "10", "18.00", "olga")
        p.runtime.drain()
        assert done.status == "confirmed"
        with p.uow() as uow:
            order = uow.sales_orders.get_by_purchase_order(po_id).order
            first, second = order.lines
            assert first.unit_price == Decimal("18.00") and "IP" in first.statuses
            assert second.ordered_quantity == Decimal(30) and second.confirmed_quantity == Decimal(10)
            assert "IQ" in second.statuses
            assert {a.warehouse for ln in order.lines for a in ln.allocations} == {"ATL"}

        p.run(sample("850-4010-acme-unknown-item.x12"))
        po2 = _held_po(p, "4500018863")
        rejected = review.reject(p.ctx, po2, "olga")
        p.runtime.drain()
        assert rejected.status == "rejected" and rejected.outbound_id is not None
        with p.uow() as uow:
            order = uow.sales_orders.get_by_purchase_order(po2).order
            assert order.ack_type.value == "RJ" and all("IR" in ln.statuses for ln in order.lines)
            assert not any(ln.allocations for ln in order.lines)


def test_approve_rejects_unknown_lines_and_confirms_the_rest(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        p.run(sample("850-4010-acme-unknown-item.x12"))
        po_id = _held_po(p, "4500018863")
        result = review.approve(p.ctx, po_id, "olga")
        assert result.status == "confirmed"
        with p.uow() as uow:
            first, second = uow.sales_orders.get_by_purchase_order(po_id).order.lines
            assert "IR" in first.statuses and second.sku == "SG-0101" and second.allocations


def test_unknown_sender_assigned_to_a_partner(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        doc_id = p.run(reenvelope(sample("850-4010-acme.x12"), sender_id="ACMEHW2"))
        with pytest.raises(InputError):
            review.assign_sender(p.ctx, doc_id, "NOBODY", "olga")
        review.assign_sender(p.ctx, doc_id, "ACMEHARDWARE", "olga")
        p.runtime.drain()
        with p.uow() as uow:
            assert uow.documents.get(doc_id).status == "acknowledged"
            [po] = uow.purchase_orders.for_document(doc_id)
            assert po.partner_id == "ACMEHARDWARE"
            assert uow.sales_orders.get_by_purchase_order(po.id) is not None
            assert uow.partners.find_by_x12("ZZ", "ACMEHW2").id == "ACMEHARDWARE"
            assert review_queue(uow, FIXED_NOW).total == 0
        with pytest.raises(ReviewRefused):
            review.assign_sender(p.ctx, doc_id, "ACMEHARDWARE", "olga")


def test_dismissed_documents_leave_the_queue(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        doc_id = p.run(b"not x12 at all", "junk.txt")
        with p.uow() as uow:
            assert review_queue(uow, FIXED_NOW).total == 1
        review.dismiss(p.ctx, "document", doc_id, "olga", "spam")
        with p.uow() as uow:
            assert review_queue(uow, FIXED_NOW).total == 0


def test_overdue_acknowledgements_and_failed_deliveries(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        p.run(sample("850-4010-acme.x12"))
        with p.uow() as uow:
            [ack_855] = uow.outbound.list(doc_type="855")
            assert review_queue(uow, FIXED_NOW + timedelta(hours=23)).total == 0
            late = review_queue(uow, FIXED_NOW + timedelta(days=2))
            assert [(i.key, i.reasons) for i in late.items] == [(f"outbound:{ack_855.id}", ["ack.overdue"])]
            uow.outbound.set_ack_status(ack_855.id, "A")
            ack_997 = next(o for o in uow.outbound.list() if o.doc_type != "855")
            uow.outbound.set_delivery(ack_997.id, "failed")
            uow.commit()
        with p.uow() as uow:
            queue = review_queue(uow, FIXED_NOW + timedelta(days=2))
            assert [(i.key, i.reasons) for i in queue.items] == [
                (f"outbound:{ack_997.id}", ["delivery.failed"])
            ]
        review.dismiss(p.ctx, "outbound", ack_997.id, "olga", "sent by hand")
        with p.uow() as uow:
            assert review_queue(uow, FIXED_NOW + timedelta(days=2)).total == 0


def test_the_queue_asks_the_same_questions_however_much_waits(db_url: str, tmp_path: Path) -> None:
    """Held orders, unreadable documents and dismissals are each read in one query: the queue
    runs the same statements for one waiting item of each kind as for several, and reads none of
    the archived bytes."""
    with open_pipeline(db_url, tmp_path) as p:

        def statements() -> list[str]:
            with recorded_statements(p.runtime.engine) as seen, p.uow() as uow:
                review_queue(uow, FIXED_NOW + timedelta(hours=1))
            return seen

        unknown = sample("850-4010-acme-unknown-item.x12")
        p.run(unknown, "unknown-1.x12")
        p.run(b"this is not an order", "junk-1.txt", message_id="junk-1")
        few = statements()
        for n in range(2, 5):
            another = unknown.replace(b"*4500018863*", f"*45000189{n:02d}*".encode())  # another PO number
            p.run(reenvelope(another, control=900 + n), f"unknown-{n}.x12")
            p.run(f"not an order either {n}".encode(), f"junk-{n}.txt", message_id=f"junk-{n}")
        with p.uow() as uow:
            assert review_queue(uow, FIXED_NOW + timedelta(hours=1)).total == 8
        many = statements()
        assert len(many) == len(few)
        assert not [s for s in many if "inbound_documents.raw" in s or "outbound_documents.data" in s]
