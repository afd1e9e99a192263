"""Step: apply a stored purchase-order change (860) to its sales order and answer it with an 865.

``apply_stored_change(ctx, change_id)`` runs in one transaction: the stock rows
of the order's items (and of items the change adds) are locked, the change is
applied in memory (``gateway.domain.changes``), the allocation differences are
written with the guard that refuses any oversell, the sales order is replaced,
the change row is marked ``applied`` or ``refused``, and the 865 (when the
partner wants one, ``documents.change_ack``) is stored with its control
numbers.  Then it is delivered like an 855.

A change whose order is not there yet (an 860 that came before its 850, or an
order still held for review) is marked ``held``, not lost: confirming the order
sends it again (``release_held_changes``), and the sweep retries it.  Changes
to one order are applied in the order they were received: a change waits while
an earlier one for the same order is still waiting.  Running the step again
for a change already answered only re-queues the delivery of its 865.
"""

from __future__ import annotations

from typing import Any

from gateway.domain.catalog import StockLevel
from gateway.domain.changes import ChangeResult, apply_change
from gateway.domain.crossref import ItemResolver
from gateway.domain.model import PoLine, PurchaseOrder, PurchaseOrderChange
from gateway.domain.orders import OrderStatus
from gateway.domain.partners import PartnerProfile
from gateway.errors import GatewayError
from gateway.services.ports import Context, UnitOfWork
from gateway.services.x12_route import x12_route
from outbound.x12.change_ack import envelope_865
from outbound.x12.writer import X12Writer

WAITING = ("parsed", "held")
DONE = ("applied", "refused")
# orders a change may be applied to (a closed one answers every line refused)
READY = (
    OrderStatus.CONFIRMED,
    OrderStatus.TEST,
    OrderStatus.REJECTED,
    OrderStatus.CANCELLED,
    OrderStatus.DUPLICATE,
)


def apply_stored_change(ctx: Context, change_id: int) -> int | None:
    """Apply one stored change; the 865's outbound id (None when held or none is wanted)."""
    with ctx.uow() as uow:
        stored = uow.purchase_orders.get(change_id)
        if stored is None or stored.kind != "change":
            raise GatewayError(f"purchase order change {change_id} does not exist", code="change.missing")
        if stored.status in DONE:
            uow.rollback()
            return _resume(ctx, change_id)
        original = uow.purchase_orders.find(stored.partner_id, stored.po_number)
        sales = (
            uow.sales_orders.get_by_purchase_order(original.id)
            if original is not None and original.kind == "order"
            else None
        )
        earlier = [
            c
            for c in uow.purchase_orders.changes_for(stored.partner_id, stored.po_number)
            if c.id < change_id and c.status in WAITING
        ]
        if sales is None or sales.order.status not in READY or earlier:
            why = (
                "an earlier change to the order is still waiting"
                if sales is not None and sales.order.status in READY
                else "its order has not been answered yet"
            )
            if stored.status != "held":
                uow.purchase_orders.set_status(change_id, "held")
                uow.audit.record(
                    "system", "purchase_order", change_id, "held", {"po": stored.po_number, "why": why}
                )
                uow.commit()
            return None
        assert original is not None
        uow.sales_orders.lock(sales.id)  # shipments and other changes wait: read it as it stands now
        sales = uow.sales_orders.get(sales.id)
        assert sales is not None
        change = stored.document
        po = original.document
        assert isinstance(change, PurchaseOrderChange) and isinstance(po, PurchaseOrder)
        partner = uow.partners.get(stored.partner_id) if stored.partner_id else None
        items = uow.catalog.all_items()
        resolver = ItemResolver(partner, items)
        skus = {ln.sku for ln in sales.order.lines if ln.sku}
        for req in change.lines:
            match = resolver.resolve(
                PoLine(req.line_number, req.quantity_ordered, req.unit, product_ids=req.product_ids)
            )
            if match is not None and match.sku in items:
                skus.add(match.sku)
        levels = uow.catalog.lock_stock(sorted(skus))
        again = uow.purchase_orders.get(change_id)
        if again is None or again.status in DONE:  # answered by a run of this same step meanwhile
            uow.rollback()
            return _resume(ctx, change_id)
        before = [lv.allocated for lv in levels]
        test = sales.order.status is OrderStatus.TEST
        stock = [StockLevel(s.sku, s.warehouse, s.on_hand, s.allocated) for s in levels] if test else levels
        result = apply_change(
            sales.order,
            change,
            partner=partner,
            items=items,
            stock=stock,
            warehouses=uow.catalog.warehouses(),
            today=ctx.clock().date(),
            ship_to=po.party("ship_to"),
        )
        status = "applied" if result.accepted else "refused"
        if not uow.purchase_orders.settle_change(change_id, status):
            uow.rollback()  # answered by a run of this same step meanwhile: nothing of this one stays
            return _resume(ctx, change_id)
        deltas = [
            (lv.sku, lv.warehouse, lv.allocated - start)
            for lv, start in zip(levels, before, strict=True)
            if lv.allocated != start
        ]
        if deltas:
            uow.catalog.apply_allocations(deltas)
        if result.accepted:
            uow.sales_orders.update(sales.id, result.order)
        out_id = None
        if partner is not None and partner.x12 is not None and partner.documents.change_ack:
            out_id = _write_865(ctx, uow, partner, result, change, po, sales.id, change_id, test)
        uow.audit.record(
            "system",
            "purchase_order",
            change_id,
            status,
            {
                "po": change.po_number,
                "sales_order": sales.id,
                "cancel": result.cancel,
                "order_status": result.order.status.value,
                "lines": [
                    {
                        "line": r.line_number,
                        "change": r.change_code,
                        "accepted": r.accepted,
                        "reason": r.reason,
                    }
                    for r in result.lines
                ],
                "allocated": [[sku, wh, str(d)] for sku, wh, d in deltas],
                "outbound": out_id,
            },
        )
        later = uow.purchase_orders.held_changes([(stored.partner_id, stored.po_number)])
        uow.commit()
    if out_id is not None:
        ctx.dispatcher.send("deliver", out_id)
    for held in later:
        ctx.dispatcher.send("apply_change", held)
    return out_id


def _resume(ctx: Context, change_id: int) -> int | None:
    with ctx.uow() as uow:
        found = uow.outbound.find("865", purchase_order_id=change_id)
        pending = found is not None and uow.outbound.get(found).delivery_status != "sent"
    if pending:
        ctx.dispatcher.send("deliver", found)
    return found


def _write_865(
    ctx: Context,
    uow: UnitOfWork,
    partner: PartnerProfile,
    result: ChangeResult,
    change: PurchaseOrderChange,
    po: PurchaseOrder,
    sales_order_id: int,
    change_id: int,
    test: bool,
) -> int | None:
    route = x12_route(ctx, partner)
    assert route is not None
    block = uow.control_numbers.block()
    block.reserve(route.theirs.key)
    written = envelope_865(
        X12Writer(block, clock=ctx.clock),
        result,
        change,
        today=ctx.clock().date(),
        po=po,
        **route.envelope_args(test=test or change.source.test),
        sales_order_number=f"SO{sales_order_id}",
    )
    group = written.groups[0]
    out_id = uow.outbound.add_new(
        partner.id,
        "865",
        written.data,
        {"ISA": written.control, "GS": group.control, "ST": int(group.set_controls[0])},
        purchase_order_id=change_id,
    )
    if out_id is None:  # pragma: no cover - the change row's status keeps a second writer out
        return None
    block.link(out_id)
    block.flush()
    return out_id


def release_held_changes(uow: UnitOfWork, orders: list[Any]) -> list[int]:
    """The changes held for these stored purchase orders (now answered), to send to the step again."""
    return uow.purchase_orders.held_changes((o.partner_id, o.po_number) for o in orders)
