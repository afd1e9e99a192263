"""Recording a shipment: stock, the order, SSCCs, the 856 and (by partner policy) the 810, in one go.

``record_shipment(ctx, sales_order_id, shipment)`` runs one transaction:

1. the sales order's row is locked, then its stock rows (so two shipments of one
   order, or a shipment and a confirmation, take turns);
2. the shipment is checked against the order (``gateway.domain.shipping``):
   more than is allocated and unshipped is refused (``OverShipment``), and a
   shipment leaves from one warehouse;
3. the stock moves: ``on_hand`` and ``allocated`` both go down by what ships;
   the lines' ``shipped_quantity`` goes up and their allocations down;
4. every carton (and pallet) gets an SSCC-18 from the ``sscc`` sequence;
5. the 856 is written (when the partner wants one) through the outbound table
   and the partner's control numbers, keyed by the shipment id;
6. the 810: per shipment now, or per order once nothing is left open on it.

A shipment id already recorded is not recorded again (the stored one is returned),
so a retried request ships nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.domain.model import PurchaseOrder
from gateway.domain.orders import SalesOrder
from gateway.domain.shipping import (
    Pallet,
    Shipment,
    apply_shipment,
    first_warehouse,
    open_quantity,
    pack_open_lines,
    plan_shipment,
)
from gateway.domain.sscc import make_sscc
from gateway.errors import InputError, StorageConflict
from gateway.services.fulfilment import load_order, store_x12, writer_for
from gateway.services.invoicing import InvoiceResult, write_invoice
from gateway.services.ports import Context
from gateway.services.x12_route import x12_route
from outbound.x12.ship_notice import build_856, envelope_856

SSCC_SEQUENCE = "sscc"
SHIPMENT_SEQUENCE = "shipment"


@dataclass(slots=True)
class ShipmentResult:
    shipment_id: int
    shipment_number: str
    ssccs: list[str] = field(default_factory=list)
    ship_notice_id: int | None = None
    invoice: InvoiceResult | None = None
    replayed: bool = False


def order_complete(order: SalesOrder) -> bool:
    """Nothing left to ship now or later: every line shipped what it confirmed, nothing backordered."""
    return all(open_quantity(ln) <= 0 and ln.backordered_quantity <= 0 for ln in order.lines)


def _replayed(existing: Any, sales_order_id: int, shipment_id: str) -> ShipmentResult:
    """The answer to a shipment id recorded already: the same result again, or a conflict when
    it was recorded for another order."""
    if existing.sales_order_id != sales_order_id:
        raise StorageConflict(
            f"shipment {shipment_id} is recorded for another order ({existing.po_number})",
            code="shipment.duplicate",
        )
    return ShipmentResult(
        existing.id,
        existing.shipment_number,
        [c.sscc for c in existing.shipment.cartons if c.sscc],
        existing.outbound_document_id,
        None,
        replayed=True,
    )


def record_shipment(ctx: Context, sales_order_id: int, shipment: Shipment | None = None) -> ShipmentResult:
    """Record ``shipment`` of the sales order (everything open, one line to a carton, when None)."""
    with ctx.uow() as uow:
        if shipment is not None and not shipment.shipment_id:
            (serial,) = uow.sequences.next(SHIPMENT_SEQUENCE)
            shipment.shipment_id = f"SH{serial:08d}"
        uow.shipments.lock_sales_order(sales_order_id)
        if shipment is not None:
            # after the order's lock: a request with the same shipment id that held it first has
            # committed, and this one answers as its replay
            existing = uow.shipments.find(shipment.shipment_id)
            if existing is not None:
                uow.rollback()
                return _replayed(existing, sales_order_id, shipment.shipment_id)
        stored, po, partner = load_order(uow, sales_order_id)
        order = stored.order
        if shipment is None:
            (serial,) = uow.sequences.next(SHIPMENT_SEQUENCE)
            leaves = first_warehouse(order)
            shipment = Shipment(
                f"SH{serial:08d}",
                ctx.clock().date(),
                pack_open_lines(order, warehouse=leaves),
                warehouse=leaves,
            )
        if not shipment.cartons:  # everything open (from one warehouse), one line to a carton
            shipment.warehouse = shipment.warehouse or first_warehouse(order)
            shipment.cartons = pack_open_lines(order, warehouse=shipment.warehouse)
        plan = plan_shipment(order, shipment)
        warehouses = sorted({t.warehouse for sl in plan for t in sl.takes})
        if len(warehouses) != 1:
            raise InputError(
                f"shipment {shipment.shipment_id} would leave from {', '.join(warehouses)}: "
                "a shipment leaves one warehouse, record one per warehouse",
                code="shipment.warehouses",
            )
        warehouse = warehouses[0]
        uow.catalog.lock_stock(sorted({sl.sku for sl in plan}))
        uow.shipments.take_from_stock([(sl.sku, t.warehouse, t.quantity) for sl in plan for t in sl.takes])
        apply_shipment(order, plan)
        uow.shipments.save_progress(sales_order_id, order)

        hierarchy = partner.documents.asn_hierarchy if partner is not None else "SOPI"
        if hierarchy == "SOTPI" and not shipment.pallets:
            shipment.pallets = [Pallet()]
            for carton in shipment.cartons:
                carton.pallet = 0
        serials = iter(uow.sequences.next(SSCC_SEQUENCE, len(shipment.cartons) + len(shipment.pallets)))
        for package in [*shipment.pallets, *shipment.cartons]:
            package.sscc = make_sscc(ctx.sscc_extension, ctx.gs1_company_prefix, next(serials))
        shipment_id = uow.shipments.add(sales_order_id, order, shipment, plan, warehouse)

        outbound: list[int] = []
        block = uow.control_numbers.block()
        route = x12_route(ctx, partner) if partner is not None else None
        ship_notice_id = None
        if partner is not None and route is not None and partner.documents.ship_notice and po is not None:
            document = po.document
            assert isinstance(document, PurchaseOrder)
            block.reserve(route.theirs.key)
            mark = block.mark()
            ship_from = {w.code: w for w in uow.catalog.warehouses()}[warehouse]
            content = build_856(
                shipment,
                order,
                document,
                ship_from=ship_from,
                hierarchy=hierarchy,
                hash_totals=partner.documents.asn_hash_total,
                written_at=ctx.clock(),
            )
            written = envelope_856(
                writer_for(ctx, block), content, **route.envelope_args(test=document.source.test)
            )
            ship_notice_id = store_x12(
                uow, block, mark, partner.id, "856", written, po.id, shipment.shipment_id
            )
            if ship_notice_id is not None:
                uow.shipments.set_outbound(shipment_id, ship_notice_id)
                outbound.append(ship_notice_id)
        invoice: InvoiceResult | None = None
        if partner is not None and partner.documents.invoice:
            per_order = partner.documents.invoice_per == "order"
            if not per_order or order_complete(order):
                to_bill = uow.shipments.for_sales_order(sales_order_id, uninvoiced=True)
                invoice = write_invoice(ctx, uow, block, partner, order, po, sales_order_id, to_bill)
                if invoice.outbound_id is not None:
                    outbound.append(invoice.outbound_id)
        block.flush()
        uow.audit.record(
            "system",
            "shipment",
            shipment_id,
            "shipped",
            {
                "number": shipment.shipment_id,
                "po": order.po_number,
                "warehouse": warehouse,
                "lines": [[sl.line_number, str(sl.quantity)] for sl in plan],
                "ssccs": [c.sscc for c in shipment.cartons],
            },
        )
        uow.commit()
    if outbound:
        ctx.dispatcher.send("deliver", *outbound)
    return ShipmentResult(
        shipment_id,
        shipment.shipment_id,
        [c.sscc for c in shipment.cartons if c.sscc],
        ship_notice_id,
        invoice,
    )


def describe(result: ShipmentResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": result.shipment_id,
        "shipment": result.shipment_number,
        "ssccs": result.ssccs,
        "ship_notice": result.ship_notice_id,
        "replayed": result.replayed,
    }
    if result.invoice is not None:
        out["invoice"] = {
            "id": result.invoice.invoice_id,
            "number": result.invoice.number,
            "total": str(result.invoice.total),
            "outbound": result.invoice.outbound_id,
        }
    return out
