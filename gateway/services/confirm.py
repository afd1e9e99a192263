"""Step 3: confirm a stored purchase order against live stock — one transaction per order.

The stock rows of the order's items are locked (row locks on PostgreSQL, the
write lock on SQLite), the rules engine decides and allocates in memory, and
the allocation deltas are written with a guard that refuses any oversell.
A sales order that already exists for the purchase order is not made again.
"""

from __future__ import annotations

from decimal import Decimal

from gateway.domain.model import PurchaseOrder
from gateway.domain.orders import OrderStatus, SalesOrder
from gateway.domain.rules import confirm_order, resolve_skus
from gateway.errors import GatewayError
from gateway.services.ports import Context

ANSWERED = (OrderStatus.CONFIRMED, OrderStatus.REJECTED, OrderStatus.TEST)


def confirm_purchase_order(ctx: Context, purchase_order_id: int) -> int:
    """Make (or find) the sales order of a purchase order; returns its id."""
    with ctx.uow() as uow:
        existing = uow.sales_orders.get_by_purchase_order(purchase_order_id)
        if existing is not None:
            uow.rollback()
            _next(ctx, existing.id, existing.order)
            return int(existing.id)
        stored = uow.purchase_orders.get(purchase_order_id)
        if stored is None or not isinstance(stored.document, PurchaseOrder):
            raise GatewayError(f"purchase order {purchase_order_id} does not exist", code="order.missing")
        po = stored.document
        partner = uow.partners.get(stored.partner_id) if stored.partner_id else None
        items = uow.catalog.all_items()
        skus = resolve_skus(po, partner, items) if partner is not None else set()
        stock = uow.catalog.lock_stock(sorted(skus))
        # A worker confirming this same order at once may have held these locks first: its
        # sales order (and allocations) are visible now, so allocate nothing a second time.
        existing = uow.sales_orders.get_by_purchase_order(purchase_order_id)
        if existing is not None:
            uow.rollback()
            _next(ctx, existing.id, existing.order)
            return int(existing.id)
        before = {(s.sku, s.warehouse): s.allocated for s in stock}
        order = confirm_order(
            po,
            partner,
            items,
            stock,
            uow.catalog.warehouses(),
            already_ordered=False,
            today=ctx.clock().date(),
        )
        deltas = [
            (s.sku, s.warehouse, s.allocated - before[(s.sku, s.warehouse)])
            for s in stock
            if s.allocated != before[(s.sku, s.warehouse)]
        ]
        if deltas:
            uow.catalog.apply_allocations(deltas)
        sales_order_id = uow.sales_orders.add(order, purchase_order_id)
        uow.purchase_orders.set_status(purchase_order_id, order.status.value)
        uow.audit.record(
            "system",
            "sales_order",
            sales_order_id,
            order.status.value,
            {
                "po": po.po_number,
                "partner": stored.partner_id,
                "allocated": [[sku, wh, str(d)] for sku, wh, d in deltas],
                "review": [o.reason for o in order.review_reasons],
            },
        )
        uow.commit()
    _next(ctx, sales_order_id, order)
    return int(sales_order_id)


def _next(ctx: Context, sales_order_id: int, order: SalesOrder) -> None:
    if order.status in ANSWERED:
        ctx.dispatcher.send("emit_855", sales_order_id)


def allocated_total(order: SalesOrder) -> Decimal:
    return sum((a.quantity for line in order.lines for a in line.allocations), Decimal(0))
