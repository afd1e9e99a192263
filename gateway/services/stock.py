"""Stock receipts: goods arrive, backorders are released, partners are told by their policy.

``receive_stock(ctx, sku, warehouse, quantity)`` runs one transaction.  The
waiting orders' rows and then the stock row are locked (the order
``record_shipment`` locks in, so the two neither deadlock nor overwrite each
other's line updates); ``on_hand`` goes up, and the confirmed orders'
backordered lines of the SKU take what is now available, highest partner
priority first (``OrderPolicy.priority``), then the oldest order, in whole
partner units.  A released quantity moves from backordered to confirmed
(allocated in this warehouse).  A partner whose ``backorder_release`` is
``po_ack`` gets a new 855 (BAK01 05, replace) saying what is confirmed now; with
``none`` it hears nothing until the 856.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gateway.domain.model import PurchaseOrder
from gateway.domain.orders import AckType, Allocation, LineStatus, SalesOrder
from gateway.domain.partners import PartnerProfile
from gateway.errors import InputError
from gateway.services.fulfilment import store_x12, writer_for
from gateway.services.ports import Context, UnitOfWork
from gateway.services.x12_route import x12_route
from outbound.x12.documents import envelope_855
from outbound.x12.po_ack import PURPOSE_REPLACE

REISSUE_SEQUENCE = "po_ack_reissue"
ZERO = Decimal(0)


@dataclass(slots=True)
class Release:
    sales_order_id: int
    partner_id: str
    po_number: str
    line_number: str | None
    quantity: Decimal  # partner unit


@dataclass(slots=True)
class ReceiptResult:
    sku: str
    warehouse: str
    received: Decimal
    on_hand: Decimal
    available: Decimal
    released: list[Release] = field(default_factory=list)
    po_acks: list[int] = field(default_factory=list)


def recompute_ack_type(order: SalesOrder) -> None:
    """BAK02 for the order as it stands: AD when every line is accepted as ordered, else AC."""
    if order.ack_type is AckType.REJECTED:
        return
    unchanged = all(ln.status is LineStatus.ACCEPTED for ln in order.lines)
    order.ack_type = AckType.ACCEPTED_NO_CHANGE if unchanged else AckType.ACCEPTED_WITH_CHANGES


def receive_stock(ctx: Context, sku: str, warehouse: str, quantity: Decimal) -> ReceiptResult:
    if quantity <= 0:
        raise InputError(f"a receipt adds a positive quantity, not {quantity}", code="stock.quantity")
    with ctx.uow() as uow:
        if uow.catalog.get_item(sku) is None:
            raise InputError(f"no item {sku} in the catalog", code="stock.unknown_item")
        if warehouse not in {w.code for w in uow.catalog.warehouses()}:
            raise InputError(f"no warehouse {warehouse}", code="stock.unknown_warehouse")
        # the orders first, then the stock rows: the order a shipment takes its locks in
        locked = sorted({w.sales_order_id for w in uow.shipments.backordered(sku)})
        for so_id in locked:
            uow.shipments.lock_sales_order(so_id)
        uow.catalog.lock_stock([sku])
        uow.shipments.add_stock(sku, warehouse, quantity)
        (level,) = [lv for lv in uow.catalog.lock_stock([sku]) if lv.warehouse == warehouse]
        available = level.on_hand - level.allocated
        # read again under the locks; an order confirmed since waits for the next receipt
        waiting = [w for w in uow.shipments.backordered(sku) if w.sales_order_id in set(locked)]
        partners: dict[str, PartnerProfile | None] = {}
        for w in waiting:
            if w.partner_id not in partners:
                partners[w.partner_id] = uow.partners.get(w.partner_id)

        def priority(w: Any) -> tuple[int, Any, int, int]:
            p = partners.get(w.partner_id)
            return (-(p.policy.priority if p else 0), w.created_at, w.sales_order_id, w.position)

        waiting.sort(key=priority)
        orders: dict[int, SalesOrder] = {}
        released: list[Release] = []
        taken = ZERO
        for w in waiting:
            if available - taken <= 0:
                break
            order = orders.get(w.sales_order_id)
            if order is None:
                stored = uow.sales_orders.get(w.sales_order_id)
                order = orders[w.sales_order_id] = stored.order
            line = order.lines[w.position]
            units = min(line.backordered_quantity, (available - taken) // line.factor)
            if units <= 0:
                continue
            base = units * line.factor
            line.confirmed_quantity += units
            line.backordered_quantity -= units
            line.allocations.append(Allocation(warehouse, base))
            if line.backordered_quantity <= 0 and LineStatus.BACKORDERED in line.statuses:
                line.statuses = [s for s in line.statuses if s is not LineStatus.BACKORDERED]
            taken += base
            released.append(
                Release(w.sales_order_id, order.partner_id, order.po_number, line.line_number, units)
            )
        if taken:
            uow.catalog.apply_allocations([(sku, warehouse, taken)])
        acks: list[int] = []
        block = uow.control_numbers.block()
        for so_id, order in orders.items():
            recompute_ack_type(order)
            uow.shipments.save_progress(so_id, order)
            partner = partners.get(order.partner_id)
            if (
                partner is not None
                and partner.documents.po_ack
                and partner.documents.backorder_release == "po_ack"
            ):
                out_id = _reissue_855(ctx, uow, block, partner, so_id, order)
                if out_id is not None:
                    acks.append(out_id)
        block.flush()
        uow.audit.record(
            "system",
            "stock",
            f"{sku}@{warehouse}",
            "received",
            {
                "quantity": str(quantity),
                "released": [[r.po_number, r.line_number, str(r.quantity)] for r in released],
            },
        )
        uow.commit()
    if acks:
        ctx.dispatcher.send("deliver", *acks)
    return ReceiptResult(
        sku, warehouse, quantity, level.on_hand, available - taken, released=released, po_acks=acks
    )


def _reissue_855(
    ctx: Context, uow: UnitOfWork, block: Any, partner: PartnerProfile, so_id: int, order: SalesOrder
) -> int | None:
    route = x12_route(ctx, partner)
    stored = uow.sales_orders.get(so_id)
    po = uow.purchase_orders.get(stored.purchase_order_id) if stored is not None else None
    if route is None or po is None or not isinstance(po.document, PurchaseOrder):
        return None
    block.reserve(route.theirs.key)
    mark = block.mark()
    (serial,) = uow.sequences.next(REISSUE_SEQUENCE)
    written = envelope_855(
        writer_for(ctx, block),
        order,
        po.document,
        today=ctx.clock().date(),
        exceptions_only=partner.documents.po_ack_detail == "exceptions_only",
        sales_order_number=f"SO{so_id}",
        purpose=PURPOSE_REPLACE,
        **route.envelope_args(test=po.document.source.test),
    )
    return store_x12(uow, block, mark, partner.id, "855", written, po.id, f"release-{serial}")
