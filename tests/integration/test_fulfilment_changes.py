"""Shipments and changes together: an 860 that arrives after a real shipment (the 856 written, stock
gone, shipment lines pointing at the order's lines) is applied to what has not shipped and refused
for what has, on both databases, and the order's shipment history stays intact."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from sqlalchemy import func, select

from gateway.adapters.db.tables import shipment_lines
from gateway.domain.orders import OrderStatus
from gateway.domain.shipping import Carton, CartonLine, Shipment
from gateway.services.fulfilment import find_sales_order
from gateway.services.shipping import record_shipment
from tests.integration.pipeline_helpers import FIXED_NOW, assert_stock_consistent, open_pipeline, sample
from tests.integration.test_changes_and_acks import change_860, outbound_of, poc_acks

ACME = "ACMEHARDWARE"
PO = "4500018812"


def test_a_late_cancel_after_a_recorded_shipment(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        p.run(sample("850-4010-acme.x12"))
        with p.uow() as uow:
            so_id = find_sales_order(uow, PO, ACME)
            before = uow.sales_orders.get(so_id).order
        first, second = before.lines[0], before.lines[1]
        shipment = Shipment(
            "SH-LATE-1",
            FIXED_NOW.date(),
            [
                Carton(
                    [
                        CartonLine(first.line_number, first.confirmed_quantity),
                        CartonLine(second.line_number, D(4)),
                    ]
                )
            ],
            carrier_scac="UPSN",
        )
        record_shipment(p.ctx, so_id, shipment)
        p.runtime.drain()

        change_doc = p.run(change_860([], 6001, purpose="01"), "cancel.x12")
        with p.uow() as uow:
            (change,) = uow.purchase_orders.for_document(change_doc)
            assert change.status == "applied"
            after = uow.sales_orders.get(so_id).order
            assert after.status is OrderStatus.CONFIRMED  # goods have left: the order stands
            assert after.lines[0].shipped_quantity == first.confirmed_quantity
            assert (after.lines[1].shipped_quantity, after.lines[1].confirmed_quantity) == (D(4), D(4))
            assert after.lines[1].cancelled_quantity == second.confirmed_quantity - 4
            assert not after.lines[0].allocations and not after.lines[1].allocations
            # the shipment still names the order's lines (they were updated, not replaced)
            lines_left = uow.connection.execute(select(func.count()).select_from(shipment_lines)).scalar_one()
            assert lines_left == 2
            assert_stock_consistent(uow)
        (out,) = outbound_of(p, "865", change.id)
        acks = poc_acks(out.data)
        assert acks[0] == (
            first.line_number,
            "DI",
            [("IR", format(first.confirmed_quantity.normalize(), "f"))],
        )
        assert acks[1] == (second.line_number, "DI", [("IQ", "4")])
