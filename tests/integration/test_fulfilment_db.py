"""Fulfilment on SQLite and PostgreSQL: shipments move stock in their transaction, numbers never
repeat under concurrency, received stock releases backorders by priority and age."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.adapters.db.tables import control_ledger, packages, stock
from gateway.domain.shipping import Carton, CartonLine, Shipment
from gateway.domain.sscc import is_valid_sscc
from gateway.errors import OverShipment
from gateway.services import shipping as shipping_service
from gateway.services.fulfilment import find_sales_order, pick_list
from gateway.services.invoicing import invoice_order
from gateway.services.shipping import record_shipment
from gateway.services.stock import receive_stock
from tests.integration.pipeline_helpers import (
    FIXED_NOW,
    Envelope,
    Line,
    Pipeline,
    open_pipeline,
    sample,
    segments,
    x12_850,
)
from tests.integration.test_db_concurrency import run_threads

ACME = "ACMEHARDWARE"


def stock_of(p: Pipeline, sku: str) -> dict[str, tuple[Decimal, Decimal]]:
    with p.uow() as uow:
        rows = uow.connection.execute(select(stock).where(stock.c.sku == sku)).all()
    return {r.warehouse: (r.on_hand, r.allocated) for r in rows}


def order_lines(p: Pipeline, so_id: int) -> list[tuple[str | None, Decimal, Decimal, Decimal]]:
    with p.uow() as uow:
        stored = uow.sales_orders.get(so_id)
    return [
        (ln.line_number, ln.confirmed_quantity, ln.shipped_quantity, ln.backordered_quantity)
        for ln in stored.order.lines
    ]


def one_carton(sid: str, *lines: tuple[str, str]) -> Shipment:
    return Shipment(
        sid,
        FIXED_NOW.date(),
        [Carton([CartonLine(n, Decimal(q)) for n, q in lines])],
        carrier_scac="UPSN",
        bill_of_lading=f"BOL-{sid}",
    )


def test_a_shipment_moves_stock_and_writes_856_and_810(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        p.run(sample("850-4010-acme.x12"))
        with p.uow() as uow:
            so_id = find_sales_order(uow, "4500018812", ACME)
            order = uow.sales_orders.get(so_id).order
        first = order.lines[0]
        sku, (warehouse,) = first.sku, {a.warehouse for a in first.allocations}
        before = stock_of(p, sku)[warehouse]
        assert any(pl.sales_order_id == so_id and pl.sku == sku for pl in pick_list(p.ctx, warehouse))

        result = record_shipment(p.ctx, so_id, one_carton("SH-A1", (first.line_number, "4")))
        p.runtime.drain()
        base = 4 * first.factor
        assert stock_of(p, sku)[warehouse] == (before[0] - base, before[1] - base)
        assert order_lines(p, so_id)[0][2] == 4  # shipped_quantity, the contract with change handling
        with p.uow() as uow:
            assert (
                uow.sales_orders.get(so_id).order.lines[0].allocations[0].quantity
                == first.allocations[0].quantity - base
            )
            (sscc_row,) = uow.connection.execute(select(packages)).all()
            assert is_valid_sscc(sscc_row.sscc) and sscc_row.sscc == result.ssccs[0]
            out = {o.doc_type: o for o in uow.outbound.list(partner_id=ACME) if o.doc_type in ("856", "810")}
            linked = uow.connection.execute(
                select(control_ledger.c.level, control_ledger.c.value).where(
                    control_ledger.c.outbound_document_id == out["856"].id
                )
            ).all()
        # the 856 and (per shipment, Acme's policy) the 810 went out with their own control numbers
        assert set(out) == {"856", "810"}
        assert sorted(linked) == sorted(
            [("ISA", out["856"].isa_control), ("GS", out["856"].gs_control), ("ST", out["856"].st_control)]
        )
        assert all(o.delivery_status == "sent" for o in out.values())
        segs = segments(out["856"].data)
        assert [s[1:3] for s in segs if s[0] == "MAN"] == [["GM", result.ssccs[0]]]
        assert next(s for s in segs if s[0] == "SN1")[1:3] == [first.line_number, "4"]
        tds = next(s for s in segments(out["810"].data) if s[0] == "TDS")
        assert Decimal(tds[1]) / 100 == result.invoice.total
        assert (p.outbox / ACME / f"856-{out['856'].isa_control:09d}.x12").read_bytes() == out["856"].data

        # the same shipment again changes nothing
        again = record_shipment(p.ctx, so_id, one_carton("SH-A1", (first.line_number, "4")))
        assert again.replayed and again.shipment_id == result.shipment_id
        assert stock_of(p, sku)[warehouse] == (before[0] - base, before[1] - base)


def test_over_shipping_and_a_failed_write_leave_everything_as_it_was(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        p.run(sample("850-4010-acme.x12"))
        with p.uow() as uow:
            so_id = find_sales_order(uow, "4500018812", ACME)
            first = uow.sales_orders.get(so_id).order.lines[0]
            sequences_before = uow.sequences.last("sscc")
        warehouse = first.allocations[0].warehouse
        before = stock_of(p, first.sku)[warehouse]
        too_many = first.confirmed_quantity + 1
        with pytest.raises(OverShipment):
            record_shipment(p.ctx, so_id, one_carton("SH-X", (first.line_number, str(too_many))))

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("the 856 could not be written")

        monkeypatch.setattr(shipping_service, "build_856", broken)
        with pytest.raises(RuntimeError):
            record_shipment(p.ctx, so_id, one_carton("SH-Y", (first.line_number, "1")))
        # one transaction: the stock, the line, the shipment, the SSCC serials all rolled back
        assert stock_of(p, first.sku)[warehouse] == before
        assert order_lines(p, so_id)[0][2] == 0
        with p.uow() as uow:
            assert uow.shipments.list() == []
            assert uow.sequences.last("sscc") == sequences_before
            assert [o for o in uow.outbound.list() if o.doc_type == "856"] == []


def test_per_order_invoice_waits_for_the_whole_order(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        p.run(sample("850-4010-cornerstore.x12"))  # Cornerstore: one invoice per order
        with p.uow() as uow:
            so_id = find_sales_order(uow, "118204", "CORNERSTORE")
            lines = uow.sales_orders.get(so_id).order.lines
        first = record_shipment(
            p.ctx, so_id, one_carton("SH-C1", (lines[0].line_number, str(lines[0].confirmed_quantity)))
        )
        assert first.invoice is None
        rest = record_shipment(p.ctx, so_id)  # everything still open
        assert rest.invoice is not None
        with p.uow() as uow:
            (inv,) = uow.invoices.list(sales_order_id=so_id)
            assert sorted(inv.invoice.shipment_ids) == ["SH-C1", rest.shipment_number]
            assert [ln.quantity for ln in inv.invoice.lines] == [ln.confirmed_quantity for ln in lines]
            assert all(s.invoice_id == inv.id for s in uow.shipments.for_sales_order(so_id))


def test_sscc_and_invoice_numbers_are_unique_under_concurrency(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        per_thread = 20
        got: list[int] = []
        lock = threading.Lock()

        def take(index: int) -> None:
            for n in range(per_thread):
                with p.uow() as uow:
                    numbers = uow.sequences.next("sscc", 1 + n % 3)
                    if n % 7 == 3:
                        continue  # rolled back: handed out again, never used twice
                    uow.commit()
                with lock:
                    got.extend(numbers)

        assert run_threads(take) == []
        assert len(got) == len(set(got))
        assert sorted(got) == list(range(1, len(got) + 1))

        # whole shipments of eight orders at once: every SSCC and invoice number different
        raw = [
            x12_850(f"45000990{i:02d}", [Line(1, "EA", "15.90", [("BP", "778840")])], control=100 + i)
            for i in range(8)
        ]
        for data in raw:
            p.run(data)
        with p.uow() as uow:
            ids = [find_sales_order(uow, f"45000990{i:02d}", ACME) for i in range(8)]
        results: list[object] = []

        def ship(index: int) -> None:
            r = record_shipment(p.ctx, ids[index])
            with lock:
                results.append(r)

        assert run_threads(ship) == []
        ssccs = [s for r in results for s in r.ssccs]  # type: ignore[attr-defined]
        invoices = [r.invoice.number for r in results]  # type: ignore[attr-defined]
        assert len(ssccs) == 8 == len(set(ssccs)) and all(is_valid_sscc(s) for s in ssccs)
        assert len(set(invoices)) == 8


def test_received_stock_releases_backorders_by_priority_then_age(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        with p.uow() as uow:
            for wh in ("COL", "RNO"):
                uow.catalog.set_stock("TB-0090", wh, Decimal(0))
            acme = uow.partners.get(ACME)
            prio = acme
            prio.id, prio.name = "PRIOCO", "Priority Co"
            prio.x12.isa_id = prio.x12.gs_id = "PRIOCO"
            prio.policy.priority = 9
            uow.partners.upsert(prio)
            uow.commit()
        tape = [Line(10, "EA", "15.90", [("VP", "TB-0090")])]
        p.run(x12_850("4500077001", tape, control=201))  # Acme, oldest
        p.run(x12_850("PR-1", tape, control=202, env=Envelope(sender_id="PRIOCO", gs_sender="PRIOCO")))
        p.run(x12_850("4500077002", tape, control=203))  # Acme, newest
        with p.uow() as uow:
            a1 = find_sales_order(uow, "4500077001", ACME)
            pr = find_sales_order(uow, "PR-1", "PRIOCO")
            a2 = find_sales_order(uow, "4500077002", ACME)
        for so_id in (a1, pr, a2):
            assert order_lines(p, so_id) == [("1", 0, 0, 10)]

        receipt = receive_stock(p.ctx, "TB-0090", "COL", Decimal(25))
        p.runtime.drain()
        assert [(r.po_number, r.quantity) for r in receipt.released] == [
            ("PR-1", 10),  # priority 9 first
            ("4500077001", 10),  # then Acme (priority 5), the older order first
            ("4500077002", 5),
        ]
        assert stock_of(p, "TB-0090")["COL"] == (25, 25)
        assert order_lines(p, a2) == [("1", 5, 0, 5)]
        # Acme's policy: a new 855, replacing the first (BAK01 05), says what is confirmed now
        with p.uow() as uow:
            reissued = {
                o.purchase_order_id: o
                for o in uow.outbound.list(doc_type="855")
                if o.idempotency_key.split("|")[3].startswith("release-")
            }
            po_of = {so: uow.sales_orders.get(so).purchase_order_id for so in (a1, pr, a2)}
        assert set(reissued) == set(po_of.values())
        a2_segments = segments(reissued[po_of[a2]].data)
        assert next(s for s in a2_segments if s[0] == "BAK")[1:3] == ["05", "AC"]
        assert [s[1:3] for s in a2_segments if s[0] == "ACK"] == [["IA", "5"], ["IB", "5"]]
        a1_segments = segments(reissued[po_of[a1]].data)
        assert next(s for s in a1_segments if s[0] == "BAK")[1:3] == ["05", "AD"]
        assert [s[1:3] for s in a1_segments if s[0] == "ACK"] == [["IA", "10"]]

        more = receive_stock(p.ctx, "TB-0090", "COL", Decimal(7))
        assert [(r.po_number, r.quantity) for r in more.released] == [("4500077002", 5)]
        assert more.available == 2
        assert order_lines(p, a2) == [("1", 10, 0, 0)]
        # the released quantity ships
        shipped = record_shipment(p.ctx, a2)
        assert shipped.invoice is not None and order_lines(p, a2) == [("1", 10, 10, 0)]
        assert stock_of(p, "TB-0090")["COL"] == (22, 20)


def test_invoice_order_bills_what_is_shipped_and_not_billed(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        p.run(sample("850-4010-cornerstore.x12"))
        with p.uow() as uow:
            so_id = find_sales_order(uow, "118204", "CORNERSTORE")
            first = uow.sales_orders.get(so_id).order.lines[0]
        record_shipment(p.ctx, so_id, one_carton("SH-I1", (first.line_number, str(first.confirmed_quantity))))
        billed = invoice_order(p.ctx, so_id)
        with p.uow() as uow:
            stored = uow.invoices.get(billed.invoice_id)
        assert [ln.line_number for ln in stored.invoice.lines] == [first.line_number]
        assert stored.invoice.terms.text == "1% 15 net 30"
        assert stored.invoice.tax_percent == Decimal("6.25")


def test_a_test_order_of_a_partner_in_test_mode_ships_as_a_test(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        with p.uow() as uow:
            delta = uow.partners.get("DELTAMRO")
            delta.documents.ship_notice = True
            uow.partners.upsert(delta)
            uow.commit()
        p.run(sample("850-5010-delta-test-mode.x12"))  # ISA15 = T, DELTAMRO is in test mode
        with p.uow() as uow:
            so_id = find_sales_order(uow, "DM-77012", "DELTAMRO")
        record_shipment(p.ctx, so_id)
        with p.uow() as uow:
            (asn,) = uow.outbound.list(doc_type="856")
        assert segments(asn.data)[0][15] == "T"


def test_a_receipt_and_a_shipment_of_one_order_at_once_lose_nothing(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        for round_ in range(3):
            with p.uow() as uow:
                uow.catalog.set_stock("TB-0090", "COL", Decimal(20))
                uow.catalog.set_stock("TB-0090", "RNO", Decimal(0))
                uow.commit()
            po = f"45000888{round_:02d}"
            p.run(x12_850(po, [Line(36, "EA", "15.90", [("BP", "778840")])], control=300 + round_))
            with p.uow() as uow:
                so_id = find_sales_order(uow, po, ACME)
            assert order_lines(p, so_id) == [("1", 20, 0, 16)]
            before = stock_of(p, "TB-0090")["COL"]

            def work(index: int, so_id: int = so_id) -> None:
                if index == 0:
                    record_shipment(p.ctx, so_id, one_carton(f"SH-R{so_id}", ("1", "20")))
                else:
                    receive_stock(p.ctx, "TB-0090", "COL", Decimal(16))

            assert run_threads(work, 2) == []
            # both happened, whatever the order: 20 shipped, the 16 released and still allocated
            assert order_lines(p, so_id) == [("1", 36, 20, 0)]
            on_hand, allocated = stock_of(p, "TB-0090")["COL"]
            assert (on_hand, allocated) == (before[0] + 16 - 20, before[1] + 16 - 20)
            with p.uow() as uow:
                line = uow.sales_orders.get(so_id).order.lines[0]
            assert sum(a.quantity for a in line.allocations) == 16
            record_shipment(p.ctx, so_id)  # ship the rest so the next round starts clean
