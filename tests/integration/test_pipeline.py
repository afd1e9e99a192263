"""The whole pipeline over the embedded sample set, on SQLite and on PostgreSQL.

receive → process_document (parse, 997/999, store the POs) → confirm_order (rules,
stock) → emit_855 → deliver (outbox folder), run by the inline dispatcher.  The
expected outcomes are the ones ``gateway/samples/README.md`` promises.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.domain.orders import OrderStatus
from tests.integration.pipeline_helpers import (
    SAMPLE_X12,
    Pipeline,
    ack_lines,
    acknowledged_groups,
    assert_control_numbers_unique,
    assert_delivered,
    assert_one_of_each,
    assert_stock_consistent,
    group_controls,
    open_pipeline,
    reenvelope,
    sample,
    segments,
)


@pytest.fixture
def pipeline(db_url: str, tmp_path: Path) -> Iterator[Pipeline]:
    with open_pipeline(db_url, tmp_path) as p:
        yield p


@dataclass(frozen=True, slots=True)
class Expect:
    po: str
    status: str
    ack_type: str | None = None  # the sales order's (BAK02 when the 855 has detail)
    lines: dict[str, str] = field(default_factory=dict)  # line number → leading ACK01
    quantities: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # confirmed, bo, cancelled
    ship_from: set[str] = field(default_factory=set)  # warehouses the allocations come from
    review: tuple[str, ...] = ()  # review reasons (needs_review)


EXPECTED: dict[str, Expect] = {
    "850-4010-acme.x12": Expect(
        "4500018812", "confirmed", "AD", {"1": "IA", "2": "IA", "3": "IA"}, ship_from={"COL"}
    ),
    "850-4010-acme-short.x12": Expect(
        "4500018840",
        "confirmed",
        "AC",
        {"1": "IB", "2": "IA", "3": "IA"},
        {"1": ("20", "16", "0")},
        {"COL"},
    ),
    "850-4010-acme-price.x12": Expect(
        "4500018857", "confirmed", "AC", {"1": "IP", "2": "IA", "3": "IA"}, ship_from={"COL"}
    ),
    "850-4010-acme-unknown-item.x12": Expect("4500018863", "needs_review", review=("item.unknown",)),
    "850-5010-bright.x12": Expect(
        "BS-2026-0917", "confirmed", "AD", {"10": "IA", "20": "IA"}, ship_from={"RNO"}
    ),
    "850-5010-bright-split.x12": Expect(
        "BS-2026-0931",
        "confirmed",
        "AC",
        {"10": "IQ", "20": "IA"},
        {"10": ("35", "0", "5"), "20": ("12", "0", "0")},
        {"RNO", "COL"},
    ),
    "850-5010-bright-price-review.x12": Expect(
        "BS-2026-0944", "needs_review", review=("price.beyond_tolerance",)
    ),
    "850-5010-bright-upc-only.x12": Expect(
        "BS-2026-0952", "confirmed", "AD", {"1": "IA", "2": "IA", "3": "IA", "4": "IA"}, ship_from={"ATL"}
    ),
    "850-4010-cornerstore.x12": Expect(
        "118204", "confirmed", "AD", {"1": "IA", "2": "IA", "3": "IA"}, ship_from={"ATL"}
    ),
    "850-4010-cornerstore-short.x12": Expect(
        "118219", "confirmed", "AC", {"1": "IB", "2": "IA"}, {"1": ("0", "10", "0")}, {"ATL"}
    ),
    "850-4010-cornerstore-rejects.x12": Expect(
        "118226", "confirmed", "AC", {"1": "IR", "2": "IR", "3": "IA"}, ship_from={"ATL"}
    ),
    "850-4010-cornerstore-test.x12": Expect("118230", "test", lines={"1": "IA", "2": "IA"}),
    "850-5010-delta-test-mode.x12": Expect(
        "DM-77012", "confirmed", "AD", {"1": "IA", "2": "IA"}, ship_from={"RNO"}
    ),
    "850-5010-delta-short-review.x12": Expect("DM-77019", "needs_review", review=("stock.short",)),
}
ALL_LINES_855 = {"ACMEHARDWARE", "BRIGHTSUPPLY", "DELTAMRO"}  # Cornerstore wants exceptions only
# The sales order as it stands after the sample changes (the 855 still answers the 850 as sent):
# 860-4010-acme.x12 takes line 2 down to 4 CA, deletes line 3 and adds line 4 (20 EA TB-0090),
# backordered in full because the order ships from COL and COL has no TB-0090 left.
AFTER_CHANGES: dict[str, Expect] = {
    "850-4010-acme.x12": Expect(
        "4500018812",
        "confirmed",
        "AC",
        {"1": "IA", "2": "IA", "3": "IR", "4": "IB"},
        {"2": ("4", "0", "0"), "3": ("0", "0", "144"), "4": ("0", "20", "0")},
        {"COL"},
    ),
}
CHANGE_ACKS = {"860-4010-acme.x12": ("AC", [("2", "QD", ["IA"]), ("3", "DI", ["ID"]), ("4", "AI", ["IB"])])}


def _run_samples(pipeline: Pipeline) -> dict[str, int]:
    ids = {}
    for path in sorted(SAMPLE_X12.glob("*.x12")):
        ids[path.name] = pipeline.run(path.read_bytes(), path.name, message_id=path.name)
    return ids


def test_every_sample_order_gets_the_promised_outcome(pipeline: Pipeline) -> None:
    ids = _run_samples(pipeline)
    assert set(EXPECTED) <= set(ids)
    with pipeline.uow() as uow:
        for name, answered_855 in EXPECTED.items():
            pos = uow.purchase_orders.for_document(ids[name])
            assert [p.po_number for p in pos] == [answered_855.po], name
            so = uow.sales_orders.get_by_purchase_order(pos[0].id)
            assert so is not None, name
            order = so.order
            expect = AFTER_CHANGES.get(name, answered_855)
            assert order.status.value == expect.status, (name, order.status, order.review_reasons)
            if expect.ack_type:
                assert order.ack_type.value == expect.ack_type, name
            if expect.lines:
                assert {ln.line_number: ln.status.value for ln in order.lines} == expect.lines, name
            for number, (confirmed, backordered, cancelled) in expect.quantities.items():
                (line,) = [ln for ln in order.lines if ln.line_number == number]
                got = (line.confirmed_quantity, line.backordered_quantity, line.cancelled_quantity)
                assert got == (Decimal(confirmed), Decimal(backordered), Decimal(cancelled)), (name, number)
            warehouses = {a.warehouse for ln in order.lines for a in ln.allocations}
            assert warehouses == expect.ship_from, name
            assert sorted({o.reason for o in order.review_reasons}) == sorted(expect.review), name

            # an 855 exactly for answered orders, and its ACK01s say what the sales order says
            acks_855 = uow.outbound.list(purchase_order_id=pos[0].id, doc_type="855")
            answered = order.status in (OrderStatus.CONFIRMED, OrderStatus.REJECTED, OrderStatus.TEST)
            assert len(acks_855) == (1 if answered else 0), name
            expect = answered_855
            if answered and order.status is OrderStatus.CONFIRMED:
                data = acks_855[0].data
                bak = next(s for s in segments(data) if s[0] == "BAK")
                assert bak[3] == expect.po
                per_line = ack_lines(data)
                if order.partner_id in ALL_LINES_855:
                    assert bak[2] == expect.ack_type, name
                    assert set(per_line) == set(expect.lines), name
                for number, code in expect.lines.items():
                    if number in per_line or order.partner_id in ALL_LINES_855:
                        assert code in per_line[number], (name, number, per_line.get(number))
                    else:  # exceptions only: a line left out was taken as ordered
                        assert code == "IA", (name, number)

        # each sample change answered with an 865 whose codes say what was done
        for name, (bca02, lines) in CHANGE_ACKS.items():
            (change,) = uow.purchase_orders.for_document(ids[name])
            assert change.status == "applied", name
            (ack_865,) = uow.outbound.list(purchase_order_id=change.id, doc_type="865")
            segs = segments(ack_865.data)
            assert next(s for s in segs if s[0] == "BCA")[2] == bca02, name
            got: list[tuple[str, str, list[str]]] = []
            for seg in segs:
                if seg[0] == "POC":
                    got.append((seg[1], seg[2], []))
                elif seg[0] == "ACK":
                    got[-1][2].append(seg[1])
            assert got == lines, name

        # the price rule confirmed at our price
        (price_po,) = uow.purchase_orders.for_document(ids["850-4010-acme-price.x12"])
        so = uow.sales_orders.get_by_purchase_order(price_po.id)
        assert so is not None and so.order.lines[0].unit_price == Decimal("12.95")
        assert so.order.lines[1].unit_price == Decimal("7.90")

        assert_one_of_each(uow, list(ids.values()))
        assert_stock_consistent(uow)
        assert_control_numbers_unique(uow)
        assert_delivered(uow, pipeline.outbox)


def test_every_inbound_group_is_acknowledged_and_delivered(pipeline: Pipeline) -> None:
    ids = _run_samples(pipeline)
    with pipeline.uow() as uow:
        for name, document_id in ids.items():
            doc = uow.documents.get(document_id)
            assert doc is not None
            version = "999" if "-5010-" in name else "997"
            acks = [o for o in uow.outbound.list(inbound_document_id=document_id) if version in o.doc_type]
            assert len(acks) == 1, name
            assert acknowledged_groups(acks[0].data) == group_controls(doc.raw), name
            ak9 = [s for s in segments(acks[0].data) if s[0] == "AK9"]
            assert [s[1] for s in ak9] == ["A"], name  # every sample parses clean
            assert acks[0].delivery_status == "sent"
        assert_delivered(uow, pipeline.outbox)


def test_stock_after_the_run(pipeline: Pipeline) -> None:
    with pipeline.uow() as uow:
        before = {(s.sku, s.warehouse): s.allocated for s in uow.catalog.stock(uow.catalog.all_items())}
    assert set(before.values()) == {Decimal(0)}
    _run_samples(pipeline)
    with pipeline.uow() as uow:
        assert_stock_consistent(uow)
        after = {(s.sku, s.warehouse): s for s in uow.catalog.stock(uow.catalog.all_items())}
        # the short samples took everything there was
        assert after[("TB-0090", "COL")].allocated == after[("TB-0090", "COL")].on_hand == 20
        assert after[("EC-1250", "RNO")].allocated == 25
        assert after[("EC-1250", "COL")].allocated == 10
        assert after[("LT-0920", "RNO")].allocated == 6
        assert after[("LT-0920", "COL")].allocated == 6
        # held, test and rejected lines reserve nothing
        assert after[("HT-0600", "RNO")].allocated == 0  # Delta's short order waits for a person
        assert after[("NG-0508", "RNO")].allocated == 0  # Bright's price review
        assert after[("CB-4220", "ATL")].allocated == 0  # backordered whole (no partial shipment)
        assert after[("SS-0110", "ATL")].allocated == 24  # Bright's UPC order; not Cornerstore's test
        assert after[("DT-1260", "ATL")].allocated == 24  # Cornerstore's short order, not its test


# envelope-level business checks ---------------------------------------------
def _counts(pipeline: Pipeline) -> tuple[int, int, int]:
    with pipeline.uow() as uow:
        pos = sum(len(uow.purchase_orders.for_document(d.id)) for d in uow.documents.list(limit=1000))
        return pos, len(uow.sales_orders.list()), len(uow.outbound.list())


def test_unknown_sender_is_archived_for_review(pipeline: Pipeline) -> None:
    raw = reenvelope(sample("850-4010-acme.x12"), sender_id="NOBODYWEKNOW")
    document_id = pipeline.run(raw, "stranger.x12", message_id="stranger-1")
    with pipeline.uow() as uow:
        doc = uow.documents.get(document_id)
        assert doc is not None
        assert doc.status == "needs_review"
        assert doc.raw == raw  # nothing lost
        assert uow.documents.find_by_hash(doc.content_hash) == [document_id]
        assert any(d.get("code") == "partner.unknown_sender" for d in doc.diagnostics)
        assert uow.purchase_orders.for_document(document_id) == []
        assert uow.sales_orders.list() == []
        assert uow.outbound.list() == []  # no profile says to answer strangers
        assert_control_numbers_unique(uow)  # ... and no control number was spent on them
        assert_stock_consistent(uow)
    assert pipeline.runtime.drain() == 0


def test_unknown_sender_is_answered_when_configured(pipeline: Pipeline) -> None:
    pipeline.runtime.context.answer_unknown_senders = True
    raw = reenvelope(sample("850-4010-acme.x12"), sender_id="NOBODYWEKNOW")
    document_id = pipeline.run(raw, "stranger.x12", message_id="stranger-2")
    with pipeline.uow() as uow:
        doc = uow.documents.get(document_id)
        assert doc is not None and doc.status == "needs_review"
        assert uow.purchase_orders.for_document(document_id) == []
        (ack,) = uow.outbound.list(inbound_document_id=document_id)
        assert ack.partner_id == "unknown-ZZ-NOBODYWEKNOW" and ack.delivery_status == "sent"
        assert b"ZZ*NOBODYWEKNOW" in ack.data[:110]  # addressed back to the sender
        assert b"AK1*PO*" in ack.data
        assert_control_numbers_unique(uow)
    assert (pipeline.outbox / "unknown-ZZ-NOBODYWEKNOW").is_dir()


def test_repeated_interchange_is_acknowledged_again_but_not_processed_again(pipeline: Pipeline) -> None:
    raw = sample("850-4010-acme-short.x12")
    first = pipeline.run(raw, "acme-short.x12", message_id="sftp-1")
    with pipeline.uow() as uow:
        stock_before = {(s.sku, s.warehouse): s.allocated for s in uow.catalog.stock(["TB-0090"])}
    counts = _counts(pipeline)
    second = pipeline.run(raw, "acme-short-again.x12", message_id="sftp-2")  # the same ISA13, a new file
    assert second != first
    with pipeline.uow() as uow:
        doc = uow.documents.get(second)
        assert doc is not None and doc.status == "duplicate"
        assert doc.raw == raw
        assert any(d.get("code") == "x12.interchange.duplicate" for d in doc.diagnostics)
        assert uow.purchase_orders.for_document(second) == []
        assert len(uow.sales_orders.list()) == 1
        acks = [o for f in (first, second) for o in uow.outbound.list(inbound_document_id=f)]
        assert [a.doc_type for a in acks] == ["997", "997"]  # acknowledged again ...
        assert acks[0].isa_control != acks[1].isa_control  # ... in an envelope of its own
        assert acknowledged_groups(acks[1].data) == group_controls(raw)
        assert {(s.sku, s.warehouse): s.allocated for s in uow.catalog.stock(["TB-0090"])} == stock_before
        assert_control_numbers_unique(uow)
        assert_delivered(uow, pipeline.outbox)
    pos, sos, outbound = counts
    assert _counts(pipeline) == (pos, sos, outbound + 1)


@pytest.mark.parametrize("name", ["850-4010-acme.x12", "850-4010-cornerstore-test.x12"])
def test_test_indicator_from_a_partner_not_in_test_mode_touches_no_stock(
    pipeline: Pipeline, name: str
) -> None:
    raw = sample(name)
    if b"*T*>~" not in raw[:110]:
        raw = reenvelope(raw, usage="T")
    document_id = pipeline.run(raw, name, message_id=name)
    with pipeline.uow() as uow:
        (po,) = uow.purchase_orders.for_document(document_id)
        assert po.is_test
        so = uow.sales_orders.get_by_purchase_order(po.id)
        assert so is not None and so.order.status is OrderStatus.TEST
        assert all(not ln.allocations for ln in so.order.lines)
        assert all(s.allocated == 0 for s in uow.catalog.stock(uow.catalog.all_items()))
        (ack_855,) = uow.outbound.list(purchase_order_id=po.id, doc_type="855")
        assert segments(ack_855.data)[0][15] == "T"  # answered in a test interchange
        (ack_997,) = uow.outbound.list(inbound_document_id=document_id)
        assert segments(ack_997.data)[0][15] == "T"
        assert_stock_consistent(uow)


def test_test_indicator_from_a_partner_in_test_mode_is_processed_against_stock(pipeline: Pipeline) -> None:
    document_id = pipeline.run(sample("850-5010-delta-test-mode.x12"), "delta.x12", message_id="d1")
    with pipeline.uow() as uow:
        (po,) = uow.purchase_orders.for_document(document_id)
        so = uow.sales_orders.get_by_purchase_order(po.id)
        assert po.is_test and so is not None and so.order.status is OrderStatus.CONFIRMED
        assert sum(s.allocated for s in uow.catalog.stock(["CH-0516", "RP-0380"])) == 750
        assert_stock_consistent(uow)


def test_duplicate_po_number_in_another_interchange_makes_no_second_sales_order(pipeline: Pipeline) -> None:
    raw = sample("850-4010-acme.x12")
    first = pipeline.run(raw, "acme.x12", message_id="m-1")
    again = reenvelope(raw, control=4299)  # the same PO number, a new interchange control number
    second = pipeline.run(again, "acme-resent.x12", message_id="m-2")
    with pipeline.uow() as uow:
        doc = uow.documents.get(second)
        assert doc is not None and doc.status == "duplicate"
        assert doc.raw == again
        assert any(d.get("code") == "order.duplicate_po" for d in doc.diagnostics)
        assert uow.purchase_orders.for_document(second) == []
        (so,) = uow.sales_orders.list()
        (po,) = uow.purchase_orders.for_document(first)
        assert so.purchase_order_id == po.id
        assert len(uow.outbound.list(doc_type="855")) == 1
        # the new interchange is acknowledged (its syntax was fine), once
        acks = uow.outbound.list(inbound_document_id=second)
        assert len(acks) == 1 and acknowledged_groups(acks[0].data) == group_controls(again)
        assert_stock_consistent(uow)
        assert_control_numbers_unique(uow)
        assert_delivered(uow, pipeline.outbox)


def test_same_file_with_the_same_message_id_is_stored_once(pipeline: Pipeline) -> None:
    raw = sample("850-5010-bright.x12")
    first = pipeline.run(raw, "bright.x12", message_id="<as2-0001@bright>")
    counts = _counts(pipeline)
    second = pipeline.run(raw, "bright.x12", message_id="<as2-0001@bright>")
    assert second == first
    with pipeline.uow() as uow:
        assert [d.id for d in uow.documents.list(limit=10)] == [first]
        assert_one_of_each(uow, [first])
        assert_delivered(uow, pipeline.outbox)
    assert _counts(pipeline) == counts


def test_the_same_bytes_without_a_message_id_are_kept_twice_and_processed_once(pipeline: Pipeline) -> None:
    raw = sample("850-4010-cornerstore.x12")
    first = pipeline.run(raw, "a.x12")
    second = pipeline.run(raw, "a.x12")
    with pipeline.uow() as uow:
        assert first != second
        docs = [uow.documents.get(first), uow.documents.get(second)]
        assert [d.status for d in docs if d] == ["acknowledged", "duplicate"]
        assert len(uow.sales_orders.list()) == 1
        assert len(uow.documents.find_by_hash(docs[0].content_hash)) == 2  # type: ignore[union-attr]
        assert_stock_consistent(uow)


def test_the_855_of_a_test_order_says_what_production_would_do(pipeline: Pipeline) -> None:
    document_id = pipeline.run(sample("850-4010-cornerstore-test.x12"), "t.x12", message_id="t")
    with pipeline.uow() as uow:
        (po,) = uow.purchase_orders.for_document(document_id)
        (ack_855,) = uow.outbound.list(purchase_order_id=po.id, doc_type="855")
        assert all("IR" not in codes for codes in ack_lines(ack_855.data).values())
        assert b"*T*" in ack_855.data[:110]  # ISA15: a test interchange answers as a test
        so = uow.sales_orders.get_by_purchase_order(po.id)
        assert so is not None and all(not line.allocations for line in so.order.lines)
        assert so.order.lines[0].confirmed_quantity > 0


def test_a_partner_that_wants_no_acknowledgements_spends_no_control_numbers(pipeline: Pipeline) -> None:
    with pipeline.uow() as uow:
        profile = uow.partners.get("CORNERSTORE")
        profile.documents.functional_ack = False
        profile.documents.ta1 = "never"
        uow.partners.upsert(profile)
        uow.commit()
    pipeline.run(sample("850-4010-cornerstore.x12"), "c.x12", message_id="c")
    with pipeline.uow() as uow:
        assert [o.doc_type for o in uow.outbound.list()] == ["855"]
        assert_control_numbers_unique(uow)
        (out,) = uow.outbound.list()
        assert out.isa_control == 1  # the first number this partner sees
