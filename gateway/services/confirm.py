"""Step 3: confirm stored purchase orders against live stock and write their 855s.

``confirm_document(document_id)`` confirms every order of a document still
waiting, ``CHUNK_SIZE`` orders per transaction with a SAVEPOINT each: an order
that fails is rolled back alone (and queued again on its own as
``confirm_order``), the others commit.  ``confirm_order(purchase_order_id)``
confirms one order in a transaction of its own (the review queue, a retry).
Both run the same code: the stock rows of the orders' items are locked (row
locks on PostgreSQL in (sku, warehouse) order, the write lock on SQLite), the
rules engine decides and allocates in memory, the allocation deltas are written
with a guard that refuses any oversell, and the sales order is stored with the
855 answering it (when the partner wants one) in the same transaction, so a
confirmed order always has its 855 and a replay makes neither twice.  A cXML or
UBL order is answered in its own format instead (``gateway.services.xml_answers``).  A sales
order that already exists for a purchase order is not made again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.domain.catalog import Item, StockLevel, Warehouse
from gateway.domain.crossref import ItemResolver
from gateway.domain.model import PurchaseOrder
from gateway.domain.orders import OrderStatus, SalesOrder
from gateway.domain.partners import PartnerProfile
from gateway.domain.rules import confirm_order
from gateway.errors import GatewayError
from gateway.services.changes import release_held_changes
from gateway.services.emit import write_855
from gateway.services.ports import Context, UnitOfWork
from gateway.services.xml_answers import answer_type, write_xml_answer
from outbound.x12.writer import Party

ANSWERED = (OrderStatus.CONFIRMED, OrderStatus.REJECTED, OrderStatus.TEST)
CHUNK_SIZE = 100  # orders per transaction in confirm_document

AuditRow = tuple[str, str, str | int, str, Any]


@dataclass(slots=True)
class BatchResult:
    sales_orders: dict[int, int] = field(default_factory=dict)  # purchase order id -> sales order id
    outbound: list[int] = field(default_factory=list)  # 855s stored, to deliver
    failed: list[int] = field(default_factory=list)  # purchase orders rolled back


def confirm_purchase_order(ctx: Context, purchase_order_id: int) -> int:
    """Make (or find) the sales order of a purchase order, with its 855; returns its id."""
    with ctx.uow() as uow:
        existing = uow.sales_orders.ids_by_purchase_order([purchase_order_id])
        if existing:
            uow.rollback()
            _resume_existing(ctx, existing[purchase_order_id])
            return existing[purchase_order_id]
        stored = uow.purchase_orders.get(purchase_order_id)
        if stored is None or not isinstance(stored.document, PurchaseOrder):
            raise GatewayError(f"purchase order {purchase_order_id} does not exist", code="order.missing")
        result = confirm_batch(ctx, uow, [stored], isolate=False)
        if purchase_order_id not in result.sales_orders:
            # confirmed by another worker while this one waited for the stock locks
            uow.rollback()
            found = uow.sales_orders.ids_by_purchase_order([purchase_order_id])[purchase_order_id]
            uow.rollback()
            _resume_existing(ctx, found)
            return found
        held = release_held_changes(uow, [stored])
        uow.commit()
    if result.outbound:
        ctx.dispatcher.send("deliver", *result.outbound)
    for change_id in held:
        ctx.dispatcher.send("apply_change", change_id)
    return result.sales_orders[purchase_order_id]


def confirm_document(ctx: Context, document_id: int) -> int:
    """Confirm every order of the document not confirmed yet; how many sales orders were made."""
    made = 0
    after = 0
    while True:
        with ctx.uow() as uow:
            chunk = uow.purchase_orders.unconfirmed(
                document_id, after=after, limit=CHUNK_SIZE, known=ctx.handover.take
            )
            if not chunk:
                uow.rollback()
                break
            try:
                result = confirm_batch(ctx, uow, chunk, isolate=True)
            except Exception:
                # the batch's own writes failed (each order's were isolated): nothing of the
                # chunk is kept; every order of it is confirmed alone, with its own retries
                uow.rollback()
                for stored in chunk:
                    ctx.dispatcher.send("confirm_order", stored.id)
                after = chunk[-1].id
                if len(chunk) < CHUNK_SIZE:
                    break
                continue
            held = release_held_changes(uow, [s for s in chunk if s.id in result.sales_orders])
            uow.commit()
        made += len(result.sales_orders)
        if result.outbound:
            ctx.dispatcher.send("deliver", *result.outbound)
        for change_id in held:
            ctx.dispatcher.send("apply_change", change_id)
        for po_id in result.failed:
            ctx.dispatcher.send("confirm_order", po_id)  # alone, with the step's own retries
        after = chunk[-1].id
        if len(chunk) < CHUNK_SIZE:
            break
    return made


def _resume_existing(ctx: Context, sales_order_id: int) -> None:
    """A sales order already there: its 855 may still be missing or undelivered (emit_855 sees)."""
    ctx.dispatcher.send("emit_855", sales_order_id)


def confirm_batch(ctx: Context, uow: UnitOfWork, stored_orders: list[Any], *, isolate: bool) -> BatchResult:
    """Confirm ``stored_orders`` (``StoredPurchaseOrder``s) in ``uow``'s transaction, without committing.

    With ``isolate`` each order runs in a savepoint: one that raises is rolled back alone
    (its stock and control numbers given back) and listed in ``failed``; without it the
    error propagates.  An order that already has a sales order (found after the stock
    locks are held) is skipped.  Each order stores its sales order header and its 855; the
    stock deltas, the lines and allocations, control numbers, statuses and audit rows of all
    of them are written at the end (an error there fails the whole batch: the caller rolls
    it back)."""
    result = BatchResult()
    today = ctx.clock().date()
    partners: dict[str, PartnerProfile | None] = {}
    for stored in stored_orders:
        if stored.partner_id and stored.partner_id not in partners:
            partners[stored.partner_id] = uow.partners.get(stored.partner_id)
    items: dict[str, Item] = uow.catalog.all_items()
    warehouses: list[Warehouse] = uow.catalog.warehouses()
    # one resolver per partner for the batch (the rules build their own per order)
    resolvers = {pid: ItemResolver(p, items) for pid, p in partners.items() if p is not None}
    skus_of: dict[int, list[str]] = {}

    def resolver_of(stored: Any) -> ItemResolver | None:
        return resolvers.get(stored.partner_id) if stored.partner_id else None

    for stored in stored_orders:
        resolver = resolver_of(stored)
        skus_of[stored.id] = _resolve_skus(stored.document, resolver, items) if resolver is not None else []
    levels = uow.catalog.lock_stock(sorted({sku for skus in skus_of.values() for sku in skus}))
    # A worker confirming these same orders at once may have held these locks first: its
    # sales orders (and allocations) are visible now, so allocate nothing a second time.
    existing = uow.sales_orders.ids_by_purchase_order(s.id for s in stored_orders)
    initial = [lv.allocated for lv in levels]
    block = uow.control_numbers.block()
    for partner in partners.values():
        if _wants_855(partner):
            assert partner is not None and partner.x12 is not None
            block.reserve(Party(partner.x12.isa_qualifier, partner.x12.isa_id).key)
    audit: list[AuditRow] = []
    statuses: list[tuple[int, str]] = []
    made: list[tuple[int, SalesOrder]] = []
    for stored in stored_orders:
        if stored.id in existing:
            continue
        partner = partners.get(stored.partner_id) if stored.partner_id else None
        wanted = set(skus_of[stored.id])
        mine = [lv for lv in levels if lv.sku in wanted]
        # the rules see the items the order's lines resolve to (in catalog order, so every line
        # resolves as against the whole catalog), not the whole catalog again for every order
        order_items = {sku: items[sku] for sku in skus_of[stored.id]}
        before = [lv.allocated for lv in mine]
        mark = block.mark()
        savepoint = uow.savepoint() if isolate else None
        try:
            done = _confirm_one(
                ctx, uow, stored, partner, order_items, warehouses, mine, block, today, resolver_of(stored)
            )
        except Exception:
            if savepoint is None:
                raise
            savepoint.rollback()
            done = None
            result.failed.append(stored.id)
        else:
            if savepoint is not None:
                if done is None:
                    savepoint.rollback()  # made by another worker meanwhile
                else:
                    savepoint.commit()
        if done is None:
            for lv, allocated in zip(mine, before, strict=True):
                lv.allocated = allocated  # give back what the order took in memory
            block.reset(mark)
            if not isolate:
                return result  # confirm_order: the caller rolls back and finds the other's
            continue
        so_id, order, out_id, rows = done
        result.sales_orders[stored.id] = so_id
        if out_id is not None:
            result.outbound.append(out_id)
        made.append((so_id, order))
        statuses.append((stored.id, order.status.value))
        audit.extend(rows)
    # what every order wrote, in a few statements for the batch: the allocations (the guarded
    # UPDATE still refuses any oversell), the lines, the control numbers, statuses and audit
    deltas = [
        (lv.sku, lv.warehouse, lv.allocated - start)
        for lv, start in zip(levels, initial, strict=True)
        if lv.allocated != start
    ]
    if deltas:
        uow.catalog.apply_allocations(deltas)
    uow.sales_orders.add_lines(made)
    block.flush()
    uow.purchase_orders.set_statuses(statuses)
    uow.audit.record_many(audit)
    return result


def _resolve_skus(po: PurchaseOrder, resolver: ItemResolver, items: dict[str, Item]) -> list[str]:
    """As ``gateway.domain.rules.resolve_skus`` (with a resolver built once): the SKUs the
    order's lines resolve to, in catalog order."""
    found = {m.sku for line in po.lines if (m := resolver.resolve(line)) is not None and m.sku in items}
    return [sku for sku in items if sku in found]


def _wants_855(partner: PartnerProfile | None) -> bool:
    return partner is not None and partner.x12 is not None and bool(partner.documents.po_ack)


def _confirm_one(
    ctx: Context,
    uow: UnitOfWork,
    stored: Any,
    partner: PartnerProfile | None,
    items: dict[str, Item],
    warehouses: list[Warehouse],
    stock: list[StockLevel],
    block: Any,
    today: Any,
    resolver: ItemResolver | None = None,
) -> tuple[int, SalesOrder, int | None, list[AuditRow]] | None:
    """One order: rules, allocation, sales order and 855; None when it has a sales order already.

    ``resolver`` is the batch's for the partner (over the whole catalog): the order's lines
    resolve through it as through one over ``items``, and it has resolved them already."""
    po = stored.document
    before = {(s.sku, s.warehouse): s.allocated for s in stock}
    order = confirm_order(
        po, partner, items, stock, warehouses, already_ordered=False, today=today, resolver=resolver
    )
    deltas = [
        (s.sku, s.warehouse, s.allocated - before[(s.sku, s.warehouse)])
        for s in stock
        if s.allocated != before[(s.sku, s.warehouse)]
    ]
    # the header now (its id goes into the 855); the lines and the stock with the batch's
    sales_order_id = uow.sales_orders.add_new(order, stored.id, lines=False)
    if sales_order_id is None:
        return None
    rows: list[AuditRow] = [
        (
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
    ]
    out_id = None
    xml_answer = answer_type(partner, po)
    if order.status in ANSWERED and xml_answer is not None:
        # a cXML or UBL order is answered in its own format, not with an 855
        assert partner is not None
        out_id = write_xml_answer(ctx, uow, partner, po, order, sales_order_id, stored.id)
        if out_id is not None:
            rows.append(("system", "outbound", out_id, "created", {"type": xml_answer, "po": po.po_number}))
    elif order.status in ANSWERED and _wants_855(partner):
        assert partner is not None
        out_id = write_855(ctx, uow, block, partner, po, order, sales_order_id, stored.id)
        if out_id is not None:
            rows.append(("system", "outbound", out_id, "created", {"type": "855", "po": po.po_number}))
    return sales_order_id, order, out_id, rows
