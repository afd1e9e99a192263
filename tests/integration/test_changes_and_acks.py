"""Changes (860 → 865), duplicate 850s, the partner's 997s, overdue acknowledgements and the ledger.

Every test runs the whole pipeline on SQLite and on PostgreSQL (``db_url``) with the sample
partners and catalog and a fixed clock.  Shipping is another branch's work: where goods must
have left, ``shipped_quantity`` is set on the stored sales order through the repository.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.domain.orders import OrderStatus
from gateway.services.changes import apply_stored_change
from gateway.services.ledger import overdue, resend, timeline
from gateway.services.sweep import sweep
from tests.integration.pipeline_helpers import (
    FIXED_NOW,
    Pipeline,
    assert_control_numbers_unique,
    assert_delivered,
    assert_stock_consistent,
    open_pipeline,
    reenvelope,
    sample,
    segments,
)

D = Decimal
PO = "4500018812"


@pytest.fixture
def pipeline(db_url: str, tmp_path: Path) -> Iterator[Pipeline]:
    with open_pipeline(db_url, tmp_path) as p:
        yield p


# -- documents the partner sends ------------------------------------------------


def interchange(
    gs01: str,
    set_id: str,
    bodies: Sequence[Sequence[str]],
    control: int,
    *,
    sender: tuple[str, str] = ("ZZ", "ACMEHARDWARE"),
    version: str = "004010",
    ta1: str | None = None,
) -> bytes:
    """One interchange from the partner to us, one group, a set per body (counts right by construction)."""
    isa12 = "00501" if version.startswith("005") else "00401"
    isa = (
        f"ISA*00*{' ' * 10}*00*{' ' * 10}*{sender[0]}*{sender[1].ljust(15)}*ZZ*{'ORDERGATE'.ljust(15)}"
        f"*261127*1300*{'^' if isa12 == '00501' else 'U'}*{isa12}*{control:09d}*0*P*>"
    )
    segs = [isa]
    if ta1 is not None:
        segs.append(ta1)
    if bodies:
        segs.append(f"GS*{gs01}*{sender[1]}*ORDERGATE*20261127*1300*{control}*X*{version}")
        for n, body in enumerate(bodies, start=1):
            segs.append(f"ST*{set_id}*{n:04d}" + (f"*{version}" if version.startswith("005") else ""))
            segs.extend(body)
            segs.append(f"SE*{len(body) + 2}*{n:04d}")
        segs.append(f"GE*{len(bodies)}*{control}")
    segs.append(f"IEA*{1 if bodies else 0}*{control:09d}")
    return ("~\n".join(segs) + "~\n").encode("ascii")


def change_860(lines: Sequence[str], control: int, *, purpose: str = "04", po: str = PO) -> bytes:
    body = [f"BCH*{purpose}*SA*{po}***20261120****20261126", *lines]
    if lines:
        body.append(f"CTT*{len(lines)}")
    return interchange("PC", "860", [body], control)


def ack_997(
    group: int, sets: Sequence[tuple[str, int, Sequence[str], str]], control: int, code: str
) -> bytes:
    """A 997 for our group ``group``: per set (set id, ST02, AK3/AK4 segments, AK501)."""
    body = [f"AK1*PR*{group}"]
    for set_id, st, errors, ak5 in sets:
        body.append(f"AK2*{set_id}*{st:04d}")
        body.extend(errors)
        body.append(f"AK5*{ak5}" + ("*5" if ak5 == "R" else ""))
    accepted = sum(1 for s in sets if s[3] in ("A", "E"))
    body.append(f"AK9*{code}*{len(sets)}*{len(sets)}*{accepted}")
    return interchange("FA", "997", [body], control)


def outbound_of(pipeline: Pipeline, doc_type: str, po_row_id: int | None = None):
    with pipeline.uow() as uow:
        found = uow.outbound.list(doc_type=doc_type, purchase_order_id=po_row_id)
    assert found, doc_type
    return found


def order_row(pipeline: Pipeline, po: str = PO, partner: str = "ACMEHARDWARE"):
    with pipeline.uow() as uow:
        stored = uow.purchase_orders.find(partner, po)
        assert stored is not None
        return stored


def stock_of(pipeline: Pipeline, sku: str, warehouse: str = "COL") -> Decimal:
    with pipeline.uow() as uow:
        (level,) = [s for s in uow.catalog.stock([sku]) if s.warehouse == warehouse]
        return level.allocated


def ship(pipeline: Pipeline, shipped: dict[str, str], po: str = PO) -> None:
    """Goods have left (what the shipping branch records): ``shipped_quantity`` per line number."""
    with pipeline.uow() as uow:
        so = uow.sales_orders.get_by_purchase_order(uow.purchase_orders.find("ACMEHARDWARE", po).id)
        for line in so.order.lines:
            if line.line_number in shipped:
                line.shipped_quantity = D(shipped[line.line_number])
        uow.sales_orders.update(so.id, so.order)
        uow.commit()


def poc_acks(data: bytes) -> list[tuple[str, str, list[tuple[str, str]]]]:
    out: list[tuple[str, str, list[tuple[str, str]]]] = []
    for seg in segments(data):
        if seg[0] == "POC":
            out.append((seg[1], seg[2], []))
        elif seg[0] == "ACK":
            out[-1][2].append((seg[1], seg[2]))
    return out


# -- 860 → 865 ---------------------------------------------------------------------


def test_850_then_860_changes_the_order_reallocates_and_answers_865(pipeline: Pipeline) -> None:
    pipeline.run(sample("850-4010-acme.x12"), "850.x12")
    po_id = order_row(pipeline).id
    assert (stock_of(pipeline, "WB-3300"), stock_of(pipeline, "SC-0812")) == (D(60), D(144))
    tb_before = stock_of(pipeline, "TB-0090")
    change_doc = pipeline.run(sample("860-4010-acme.x12"), "860.x12")

    with pipeline.uow() as uow:
        (change,) = uow.purchase_orders.for_document(change_doc)
        assert (change.kind, change.status) == ("change", "applied")
        so = uow.sales_orders.get_by_purchase_order(po_id)
        lines = {ln.line_number: ln for ln in so.order.lines}
        assert (lines["2"].ordered_quantity, lines["2"].confirmed_quantity) == (D(4), D(4))
        assert (lines["3"].confirmed_quantity, lines["3"].cancelled_quantity) == (D(0), D(144))
        assert lines["4"].sku == "TB-0090" and lines["4"].confirmed_quantity == D(20)
        assert so.order.status is OrderStatus.CONFIRMED
        assert_stock_consistent(uow)
        assert_control_numbers_unique(uow)
        assert_delivered(uow, pipeline.outbox)
        # the change's own 997, like any inbound group's
        (ack,) = uow.outbound.list(inbound_document_id=change_doc)
        assert [s[1] for s in segments(ack.data) if s[0] == "AK9"] == ["A"]
    # 4 CA of 6 = 24 EA of work gloves stay reserved; the deleted screws are released; the added
    # tape measures are reserved at COL (the order's one warehouse), which has them in this run
    assert (stock_of(pipeline, "WB-3300"), stock_of(pipeline, "SC-0812")) == (D(24), D(0))
    assert stock_of(pipeline, "TB-0090") == tb_before + 20

    (out,) = outbound_of(pipeline, "865", change.id)
    assert out.delivery_status == "sent"
    assert (pipeline.outbox / "ACMEHARDWARE" / f"865-{out.isa_control:09d}.x12").read_bytes() == out.data
    bca = next(s for s in segments(out.data) if s[0] == "BCA")
    assert bca[1:4] == ["00", "AD", PO]
    assert poc_acks(out.data) == [
        ("2", "QD", [("IA", "4")]),
        ("3", "DI", [("ID", "0")]),
        ("4", "AI", [("IA", "20")]),
    ]
    assert next(s for s in segments(out.data) if s[0] == "GS")[1] == "CA"


def test_860_before_its_850_is_held_then_applied(pipeline: Pipeline) -> None:
    change_doc = pipeline.run(sample("860-4010-acme.x12"), "860.x12")
    with pipeline.uow() as uow:
        (change,) = uow.purchase_orders.for_document(change_doc)
        assert change.status == "held"
        assert uow.outbound.list(doc_type="865") == []
        assert uow.outbound.list(inbound_document_id=change_doc)  # acknowledged all the same
    pipeline.run(sample("850-4010-acme.x12"), "850.x12")
    po_id = order_row(pipeline).id
    with pipeline.uow() as uow:
        assert uow.purchase_orders.get(change.id).status == "applied"
        so = uow.sales_orders.get_by_purchase_order(po_id)
        assert [ln.line_number for ln in so.order.lines] == ["1", "2", "3", "4"]
        assert len(uow.outbound.list(doc_type="865")) == 1
        assert_stock_consistent(uow)
        assert_delivered(uow, pipeline.outbox)


def test_late_cancel_is_refused_for_what_has_shipped(pipeline: Pipeline) -> None:
    pipeline.run(sample("850-4010-acme.x12"), "850.x12")
    po_id = order_row(pipeline).id
    ship(pipeline, {"1": "24", "2": "4"})  # line 1 has left in full, 4 of line 2's 10 CA
    with pipeline.uow() as uow:
        before = uow.sales_orders.get_by_purchase_order(po_id).order
    change_doc = pipeline.run(change_860([], 5001, purpose="01"), "cancel.x12")
    with pipeline.uow() as uow:
        (change,) = uow.purchase_orders.for_document(change_doc)
        assert change.status == "applied"  # what had not shipped is cancelled
        after = uow.sales_orders.get_by_purchase_order(po_id).order
        assert after.status is OrderStatus.CONFIRMED  # goods have left: the order stands
        assert after.lines[0] == before.lines[0]
        assert (after.lines[1].confirmed_quantity, after.lines[1].cancelled_quantity) == (D(4), D(6))
        assert (after.lines[2].confirmed_quantity, after.lines[2].cancelled_quantity) == (D(0), D(144))
        assert_stock_consistent(uow)
        refused = [a for a in uow.audit.list("purchase_order", change.id) if a.action == "applied"]
        assert refused[0].detail["lines"][0] == {
            "line": "1",
            "change": "DI",
            "accepted": False,
            "reason": "line.shipped",
        }
    (out,) = outbound_of(pipeline, "865", change.id)
    assert poc_acks(out.data) == [
        ("1", "DI", [("IR", "24")]),
        ("2", "DI", [("IQ", "4")]),
        ("3", "DI", [("ID", "0")]),
    ]
    assert next(s for s in segments(out.data) if s[0] == "BCA")[2] == "AC"


def test_cancel_of_an_order_shipped_in_full_is_refused_and_changes_nothing(pipeline: Pipeline) -> None:
    pipeline.run(sample("850-4010-acme.x12"), "850.x12")
    po_id = order_row(pipeline).id
    ship(pipeline, {"1": "24", "2": "10", "3": "144"})
    with pipeline.uow() as uow:
        before = uow.sales_orders.get_by_purchase_order(po_id).order
        stock_before = {(s.sku, s.warehouse): s.allocated for s in uow.catalog.stock(uow.catalog.all_items())}
    change_doc = pipeline.run(change_860([], 5002, purpose="01"), "cancel.x12")
    with pipeline.uow() as uow:
        (change,) = uow.purchase_orders.for_document(change_doc)
        assert change.status == "refused"
        assert uow.sales_orders.get_by_purchase_order(po_id).order == before
        stock_after = {(s.sku, s.warehouse): s.allocated for s in uow.catalog.stock(uow.catalog.all_items())}
        assert stock_after == stock_before
    (out,) = outbound_of(pipeline, "865", change.id)
    assert next(s for s in segments(out.data) if s[0] == "BCA")[2] == "RD"
    assert {acks[0][0] for _, _, acks in poc_acks(out.data)} == {"IR"}


# -- duplicate 850 -------------------------------------------------------------------


def test_duplicate_850_is_answered_without_a_second_order(pipeline: Pipeline) -> None:
    first = pipeline.run(sample("850-4010-acme.x12"), "850.x12")
    po_id = order_row(pipeline).id
    again = pipeline.run(reenvelope(sample("850-4010-acme.x12"), control=4299), "850-again.x12")
    with pipeline.uow() as uow:
        assert uow.documents.get(again).status == "duplicate"
        assert uow.purchase_orders.for_document(again) == []
        assert len(uow.sales_orders.list()) == 1
        assert len(uow.outbound.list(doc_type="855")) == 1
        (ack,) = uow.outbound.list(inbound_document_id=again)  # the repeat is acknowledged: it was sound
        assert [s[1] for s in segments(ack.data) if s[0] in ("AK5", "AK9")] == ["A", "A"]
        assert ack.delivery_status == "sent"
        entries = timeline(uow, po_id)
    ins = [(e.document, e.status, e.document_id) for e in entries if e.direction == "in"]
    assert ins == [("850", "confirmed", first), ("850", "duplicate", again)]


# -- the partner's 997s ------------------------------------------------------------


def test_partner_997_accepts_our_855(pipeline: Pipeline) -> None:
    pipeline.run(sample("850-4010-acme.x12"), "850.x12")
    (ours,) = outbound_of(pipeline, "855")
    doc = pipeline.run(ack_997(ours.gs_control, [("855", ours.st_control, [], "A")], 7001, "A"), "997.x12")
    with pipeline.uow() as uow:
        assert uow.documents.get(doc).status == "acknowledged"
        assert uow.outbound.list(inbound_document_id=doc) == []  # a 997 is never acknowledged
        (item,) = uow.acknowledgements.for_document(doc)
        assert (item.outbound_document_id, item.status, item.code, item.kind) == (
            ours.id,
            "accepted",
            "A",
            "997",
        )
        assert uow.outbound.get(ours.id).ack_status == "A"


def test_partner_997_rejecting_our_855_keeps_the_ak3_ak4_detail(pipeline: Pipeline) -> None:
    pipeline.run(sample("850-4010-acme.x12"), "850.x12")
    po_id = order_row(pipeline).id
    (ours,) = outbound_of(pipeline, "855")
    errors = ["AK3*ACK*7**8", "AK4*1*668*7*ZZ"]
    doc = pipeline.run(
        ack_997(ours.gs_control, [("855", ours.st_control, errors, "R")], 7002, "R"), "997-reject.x12"
    )
    with pipeline.uow() as uow:
        (item,) = uow.acknowledgements.for_document(doc)
        assert (item.outbound_document_id, item.status) == (ours.id, "rejected")
        assert item.errors["segments"] == [
            {
                "segment": "ACK",
                "position": "7",
                "loop": "",
                "code": "8",
                "elements": [{"position": "1", "reference": "668", "code": "7", "value": "ZZ"}],
            }
        ]
        assert item.errors["set"] == ["5"]
        assert uow.outbound.get(ours.id).ack_status == "R"
        entries = timeline(uow, po_id)
    theirs = [e for e in entries if e.document == "997" and e.direction == "in"]
    assert [(e.status, e.outbound_id) for e in theirs] == [("rejected", ours.id)]
    assert "first ACK element 1 code 7" in theirs[0].summary


def test_997_naming_something_we_never_sent_is_recorded_unmatched(pipeline: Pipeline) -> None:
    pipeline.run(sample("850-4010-acme.x12"), "850.x12")
    doc = pipeline.run(ack_997(888888, [("855", 4321, [], "A")], 7003, "A"), "997-stray.x12")
    with pipeline.uow() as uow:
        (item,) = uow.acknowledgements.for_document(doc)
        assert (item.outbound_document_id, item.group_control, item.set_control) == (None, "888888", "4321")
        assert [u.id for u in uow.acknowledgements.unmatched()] == [item.id]
        assert all(o.ack_status is None for o in uow.outbound.list())


def test_999_and_ta1_from_a_5010_partner(pipeline: Pipeline) -> None:
    pipeline.run(sample("850-5010-bright.x12"), "850.x12")
    (ours,) = outbound_of(pipeline, "855")
    sender = ("ZZ", "BRIGHTSUPPLY")
    body = [
        f"AK1*PR*{ours.gs_control}*005010",
        f"AK2*855*{ours.st_control:04d}",
        "IK3*PO1*4**8",
        "IK4*2*330*6*X",
        "IK5*E",
        "AK9*E*1*1*1",
    ]
    raw = interchange("FA", "999", [body], 7004, sender=sender, version="005010")
    doc = pipeline.run(raw, "999.x12")
    ta1 = interchange(
        "", "", [], 7005, sender=sender, version="005010", ta1=f"TA1*{ours.isa_control:09d}*261127*1200*A*000"
    )
    doc_ta1 = pipeline.run(ta1, "ta1.x12")
    with pipeline.uow() as uow:
        (item,) = uow.acknowledgements.for_document(doc)
        assert (item.outbound_document_id, item.status, item.kind) == (ours.id, "accepted_with_errors", "999")
        assert item.errors["segments"][0]["elements"][0]["reference"] == "330"
        (t,) = uow.acknowledgements.for_document(doc_ta1)
        assert (t.kind, t.outbound_document_id, t.status) == ("TA1", ours.id, "accepted")
        assert uow.outbound.get(ours.id).ack_status == "A"


# -- overdue, resend and the ledger ---------------------------------------------------


def test_overdue_with_a_fixed_clock(pipeline: Pipeline) -> None:
    pipeline.run(sample("850-4010-acme.x12"), "850.x12")  # delivered at FIXED_NOW
    (ours,) = outbound_of(pipeline, "855")
    with pipeline.uow() as uow:
        assert overdue(uow, FIXED_NOW + timedelta(hours=23)) == []  # within Acme's 24 hours
        (late,) = overdue(uow, FIXED_NOW + timedelta(hours=25))  # our 997s are never waited for
        assert (late.outbound_id, late.document, late.po_number) == (ours.id, "855", PO)
        assert late.due_at == FIXED_NOW + timedelta(hours=24)
        assert late.overdue_by(FIXED_NOW + timedelta(hours=25)) == timedelta(hours=1)
    # resending records a new delivery: the window starts again
    pipeline.ctx.clock = lambda: FIXED_NOW + timedelta(hours=30)
    resend(pipeline.ctx, ours.id)
    pipeline.runtime.drain()
    with pipeline.uow() as uow:
        assert overdue(uow, FIXED_NOW + timedelta(hours=31)) == []
        assert [a.action for a in uow.audit.list("outbound", ours.id)][-2:] == ["resent", "delivered"]
    # the partner's 997 takes it off the list for good
    pipeline.run(ack_997(ours.gs_control, [("855", ours.st_control, [], "A")], 7006, "A"), "997.x12")
    with pipeline.uow() as uow:
        assert overdue(uow, FIXED_NOW + timedelta(days=10)) == []


def test_the_timeline_in_order(pipeline: Pipeline) -> None:
    order_doc = pipeline.run(sample("850-4010-acme.x12"), "850.x12")
    po_id = order_row(pipeline).id
    (ours,) = outbound_of(pipeline, "855")
    ack_doc = pipeline.run(ack_997(ours.gs_control, [("855", ours.st_control, [], "A")], 7007, "A"), "a.x12")
    change_doc = pipeline.run(sample("860-4010-acme.x12"), "860.x12")
    with pipeline.uow() as uow:
        # what the shipping branch will store: found by its document type, nothing else
        asn = uow.outbound.add("ACMEHARDWARE", "856", b"ISA*...~", {"ISA": 990, "GS": 990, "ST": 1}, po_id)
        uow.commit()
        entries = timeline(uow, po_id, now=datetime(2026, 11, 27, 13, 0, tzinfo=FIXED_NOW.tzinfo))
    got = [(e.direction, e.document, e.status) for e in entries]
    assert got == [
        ("in", "850", "confirmed"),
        ("out", "997", "delivered"),
        ("out", "855", "accepted"),
        ("in", "997", "accepted"),
        ("in", "860", "applied"),
        ("out", "997", "delivered"),
        ("out", "865", "awaiting_ack"),
        ("out", "856", "pending"),
    ]
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert entries[0].document_id == order_doc and entries[3].document_id == ack_doc
    assert entries[4].document_id == change_doc
    assert entries[2].outbound_id == ours.id and entries[7].outbound_id == asn
    assert entries[0].control == "000004211/4211/0001"
    assert entries[2].control == f"{ours.isa_control:09d}/{ours.gs_control}/{ours.st_control:04d}"
    assert all(e.summary.endswith(".") for e in entries)
    # the same ledger from a change's id
    with pipeline.uow() as uow:
        (change,) = uow.purchase_orders.for_document(change_doc)
        assert [e.outbound_id for e in timeline(uow, change.id)] == [e.outbound_id for e in entries]


def test_a_change_left_unapplied_is_resumed_by_the_sweep_and_applied_once(pipeline: Pipeline) -> None:
    pipeline.run(sample("850-4010-acme.x12"), "850.x12")
    change_doc = pipeline.receive(sample("860-4010-acme.x12"), "860.x12")
    dispatcher = pipeline.runtime.dispatcher
    step, args = dispatcher.queue.popleft()  # type: ignore[attr-defined]
    assert step == "process_document"
    dispatcher.steps[step](*args)  # type: ignore[attr-defined]
    assert [s for s, _ in dispatcher.queue] == ["deliver", "apply_change"]  # type: ignore[attr-defined]
    dispatcher.queue.clear()  # type: ignore[attr-defined]  # a crash: the queued steps are lost
    with pipeline.uow() as uow:
        (change,) = uow.purchase_orders.for_document(change_doc)
        assert change.status == "parsed"
    sweep(pipeline.ctx)
    pipeline.runtime.drain()
    with pipeline.uow() as uow:
        assert uow.purchase_orders.get(change.id).status == "applied"
        (out,) = uow.outbound.list(doc_type="865")
        allocated = {(s.sku, s.warehouse): s.allocated for s in uow.catalog.stock(uow.catalog.all_items())}
    # the step again (a redelivered message): nothing twice
    assert apply_stored_change(pipeline.ctx, change.id) == out.id
    pipeline.runtime.drain()
    with pipeline.uow() as uow:
        assert len(uow.outbound.list(doc_type="865")) == 1
        assert {
            (s.sku, s.warehouse): s.allocated for s in uow.catalog.stock(uow.catalog.all_items())
        } == allocated
        assert_stock_consistent(uow)
        assert_control_numbers_unique(uow)
        assert_delivered(uow, pipeline.outbox)


def test_the_same_change_applied_twice_at_once_is_applied_once(pipeline: Pipeline) -> None:
    pipeline.run(sample("850-4010-acme.x12"), "850.x12")
    change_doc = pipeline.receive(sample("860-4010-acme.x12"), "860.x12")
    dispatcher = pipeline.runtime.dispatcher
    step, args = dispatcher.queue.popleft()  # type: ignore[attr-defined]
    dispatcher.steps[step](*args)  # type: ignore[attr-defined]
    dispatcher.queue.clear()  # type: ignore[attr-defined]
    with pipeline.uow() as uow:
        (change,) = uow.purchase_orders.for_document(change_doc)
    barrier = threading.Barrier(2)
    results: list[int | None] = []
    errors: list[BaseException] = []

    def apply() -> None:
        barrier.wait()
        try:
            results.append(apply_stored_change(pipeline.ctx, change.id))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=apply) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with pipeline.uow() as uow:
        (out,) = uow.outbound.list(doc_type="865")
        assert results == [out.id, out.id]
        so = uow.sales_orders.get_by_purchase_order(uow.purchase_orders.find("ACMEHARDWARE", PO).id)
        assert [ln.line_number for ln in so.order.lines] == ["1", "2", "3", "4"]  # line 4 added once
        assert_stock_consistent(uow)
        assert_control_numbers_unique(uow)


def test_cancel_before_anything_shipped_cancels_the_order_and_frees_its_stock(pipeline: Pipeline) -> None:
    pipeline.run(sample("850-4010-acme.x12"), "850.x12")
    po_id = order_row(pipeline).id
    change_doc = pipeline.run(change_860([], 5003, purpose="01"), "cancel.x12")
    with pipeline.uow() as uow:
        (change,) = uow.purchase_orders.for_document(change_doc)
        assert change.status == "applied"
        order = uow.sales_orders.get_by_purchase_order(po_id).order
        assert order.status is OrderStatus.CANCELLED
        assert all(
            ln.allocations == [] and ln.cancelled_quantity == ln.ordered_quantity for ln in order.lines
        )
        assert all(s.allocated == 0 for s in uow.catalog.stock(["HX-1420", "WB-3300", "SC-0812"]))
        assert_stock_consistent(uow)
        entries = timeline(uow, po_id)
    (out,) = outbound_of(pipeline, "865", change.id)
    assert next(s for s in segments(out.data) if s[0] == "BCA")[2] == "AD"
    assert poc_acks(out.data) == [(n, "DI", [("ID", "0")]) for n in ("1", "2", "3")]
    assert (entries[0].document, entries[0].status) == ("850", "cancelled")
