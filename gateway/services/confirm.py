"""Step 3: confirm stored purchase orders against live stock and write their 855s.

``confirm_document(document_id)`` confirms every order of a document still
waiting, ``CHUNK_SIZE`` orders at a time; ``confirm_order(purchase_order_id)``
confirms one order (the review queue, a retry).  Both run the same code, in two
transactions per chunk:

1. **Decide and allocate** (``confirm_batch``): the rules that need no stock
   run first; then the allocation, against the stock rows of the orders' items,
   and the sales orders are stored with their lines and allocations; the
   allocation deltas are written last, by a guarded UPDATE that refuses any
   oversell.  The stock is first read without a lock (optimistic): the rows are
   then locked only from that UPDATE to the commit, so workers confirming
   orders for the same items overlap.  When the UPDATE would oversell, or when
   some order found too little stock (a decision a stale read could get wrong),
   the batch is rolled back and run again with the rows locked first (row locks
   on PostgreSQL in (sku, warehouse) order, the write lock on SQLite), which
   decides exactly against the stock as it is.  An order whose rules fail is
   left out alone (and queued again on its own as ``confirm_order``).
2. **Answer** (``answer_batch``): the 855 of every sales order that wants one
   is written under the partner's control-number counters and stored (a cXML or
   UBL order is answered in its own format instead:
   ``gateway.services.xml_answers``).  The commit releases the counters.

So the stock of the items and a partner's counters are each held only for the
short part of the work that needs them, and two workers confirming the same partner's
orders overlap instead of queueing.  A sales order whose answer is missing
(the process died between the two commits, or the answer failed) is answered
by ``emit_855``, which the step queues itself on failure and the sweep queues
after a crash; an answer is stored once per purchase order (its idempotency
key), so a replay makes neither twice.  A sales order that already exists for
a purchase order is not made again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gateway.domain.catalog import Item, StockLevel, Warehouse
from gateway.domain.crossref import ItemResolver
from gateway.domain.model import PurchaseOrder
from gateway.domain.orders import OrderStatus, SalesOrder
from gateway.domain.partners import PartnerProfile
from gateway.domain.rules import OrderContext, allocate_order, decide_order
from gateway.errors import GatewayError, Oversell
from gateway.services.changes import release_held_changes
from gateway.services.emit import write_855
from gateway.services.ports import Context, UnitOfWork
from gateway.services.xml_answers import answer_type, write_xml_answer
from outbound.x12.writer import Party

ANSWERED = (OrderStatus.CONFIRMED, OrderStatus.REJECTED, OrderStatus.TEST)
CHUNK_SIZE = 100  # orders per transaction in confirm_document

AuditRow = tuple[str, str, str | int, str, Any]


@dataclass(slots=True)
class Made:
    """A sales order made by ``confirm_batch``, still to be answered by ``answer_batch``."""

    stored: Any  # the StoredPurchaseOrder
    partner: PartnerProfile | None
    sales_order_id: int
    order: SalesOrder


@dataclass(slots=True)
class BatchResult:
    sales_orders: dict[int, int] = field(default_factory=dict)  # purchase order id -> sales order id
    made: list[Made] = field(default_factory=list)  # to answer (855 or XML), in order
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
        result = locked_batch(ctx, uow, [stored], isolate=False)
        if purchase_order_id not in result.sales_orders:
            # confirmed by another worker while this one waited for the stock locks
            uow.rollback()
            found = uow.sales_orders.ids_by_purchase_order([purchase_order_id])[purchase_order_id]
            uow.rollback()
            _resume_existing(ctx, found)
            return found
        held = release_held_changes(uow, [stored])
        uow.commit()
    answer_made(ctx, result.made)
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
                result = locked_batch(ctx, uow, chunk, isolate=True)
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
        answer_made(ctx, result.made)
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


def answer_made(ctx: Context, made: list[Made]) -> None:
    """Answer the sales orders just committed and queue their delivery; when the answers cannot
    be stored together, each sales order is answered alone by ``emit_855`` (with its retries)."""
    if not made:
        return
    try:
        with ctx.uow() as uow:
            outbound = answer_batch(ctx, uow, made)
            uow.commit()
    except Exception:
        for m in made:
            ctx.dispatcher.send("emit_855", m.sales_order_id)
        return
    if outbound:
        ctx.dispatcher.send("deliver", *outbound)


def answer_batch(ctx: Context, uow: UnitOfWork, made: list[Made]) -> list[int]:
    """Write and store the answers (855, or UBL/cXML) of committed sales orders in ``uow``'s
    transaction, without committing; the outbound ids stored.

    The control numbers of the 855s are reserved per partner up front, after the stock has
    been released (``ControlNumberBlock.reserve``).  An answer stored already (a replay) is
    skipped and spends nothing."""
    due: list[tuple[Made, PartnerProfile, str]] = []  # (order, partner, "855" or the XML answer type)
    wanting: dict[str, int] = {}  # the partner's control-number key -> 855s to write
    for m in made:
        partner = m.partner
        if partner is None or m.order.status not in ANSWERED:
            continue
        # a cXML or UBL order is answered in its own format, not with an 855
        kind = answer_type(partner, m.stored.document) or ("855" if _wants_855(partner) else None)
        if kind is None:
            continue
        due.append((m, partner, kind))
        if kind == "855":
            assert partner.x12 is not None
            key = Party(partner.x12.isa_qualifier, partner.x12.isa_id).key
            wanting[key] = wanting.get(key, 0) + 1
    block = uow.control_numbers.block()
    for key, count in wanting.items():
        block.reserve(key, count)
    outbound: list[int] = []
    audit: list[AuditRow] = []
    for m, partner, kind in due:
        po = m.stored.document
        if kind == "855":
            out_id = write_855(ctx, uow, block, partner, po, m.order, m.sales_order_id, m.stored.id)
        else:
            out_id = write_xml_answer(ctx, uow, partner, po, m.order, m.sales_order_id, m.stored.id)
        if out_id is not None:
            outbound.append(out_id)
            audit.append(("system", "outbound", out_id, "created", {"type": kind, "po": po.po_number}))
    block.flush()
    uow.audit.record_many(audit)
    return outbound


class StockMoved(Exception):
    """An optimistic ``confirm_batch`` found the stock changed under it: roll back, run it locked."""


def confirm_batch(
    ctx: Context, uow: UnitOfWork, stored_orders: list[Any], *, isolate: bool, optimistic: bool = False
) -> BatchResult:
    """Decide and allocate ``stored_orders`` (``StoredPurchaseOrder``s) in ``uow``'s transaction,
    without committing; their answers are ``answer_batch``'s, after the commit (``result.made``).

    The rules that need no stock run first, before any lock (``decide_order``); then the
    stock rows of the orders' items are locked and only the allocation runs under the lock
    (``allocate_order``), followed by the writes of the whole batch in a few statements:
    the sales orders' headers, lines and allocations, the stock deltas (a guarded UPDATE
    that refuses any oversell), statuses and audit rows.

    With ``isolate`` an order whose rules raise is left out (its stock given back) and
    listed in ``failed``; without it the error propagates.  An order that already has a
    sales order (found once the stock locks are held, or by its header's insert) is
    skipped and allocates nothing.  An error in the batch's writes fails the whole batch:
    the caller rolls it back."""
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
    decided: list[tuple[Any, PartnerProfile | None, list[str], OrderContext]] = []
    for stored in stored_orders:
        partner = partners.get(stored.partner_id) if stored.partner_id else None
        resolver = resolvers.get(stored.partner_id) if stored.partner_id else None
        skus = _resolve_skus(stored.document, resolver, items) if resolver is not None else []
        # the rules see the items the order's lines resolve to (in catalog order, so every line
        # resolves as against the whole catalog), not the whole catalog again for every order
        try:
            work = decide_order(
                stored.document,
                partner,
                {sku: items[sku] for sku in skus},
                warehouses,
                already_ordered=False,
                today=today,
                resolver=resolver,
            )
        except Exception:
            if not isolate:
                raise
            result.failed.append(stored.id)
            continue
        decided.append((stored, partner, skus, work))
    wanted_skus = sorted({sku for _, _, skus, _ in decided for sku in skus})
    levels = uow.catalog.stock(wanted_skus) if optimistic else uow.catalog.lock_stock(wanted_skus)
    # A worker confirming these same orders at once may have held these locks first: its
    # sales orders (and allocations) are visible now, so allocate nothing a second time.
    existing = uow.sales_orders.ids_by_purchase_order(s.id for s, _, _, _ in decided)
    initial = [lv.allocated for lv in levels]
    allocated: list[tuple[Any, PartnerProfile | None, SalesOrder, list[tuple[StockLevel, Decimal]]]] = []
    for stored, partner, skus, work in decided:
        if stored.id in existing:
            continue
        wanted = set(skus)
        mine = [lv for lv in levels if lv.sku in wanted]
        before = [lv.allocated for lv in mine]
        try:
            order = allocate_order(work, mine)
        except Exception:
            for lv, was in zip(mine, before, strict=True):
                lv.allocated = was  # give back what the order took in memory
            if not isolate:
                raise
            result.failed.append(stored.id)
            continue
        if optimistic and work.short_stock:
            raise StockMoved(f"too little stock for purchase order {stored.id}: decided under the locks")
        taken = [
            (lv, lv.allocated - was) for lv, was in zip(mine, before, strict=True) if lv.allocated != was
        ]
        allocated.append((stored, partner, order, taken))
    stored_ids = uow.sales_orders.add_new_many([(order, stored.id) for stored, _, order, _ in allocated])
    audit: list[AuditRow] = []
    statuses: list[tuple[int, str]] = []
    made: list[tuple[int, SalesOrder]] = []
    for stored, partner, order, taken in allocated:
        so_id = stored_ids.get(stored.id)
        if so_id is None:  # made by another run meanwhile: allocate nothing for it
            for lv, delta in taken:
                lv.allocated -= delta
            continue
        result.sales_orders[stored.id] = so_id
        result.made.append(Made(stored, partner, so_id, order))
        made.append((so_id, order))
        statuses.append((stored.id, order.status.value))
        audit.append(
            (
                "system",
                "sales_order",
                so_id,
                order.status.value,
                {
                    "po": stored.document.po_number,
                    "partner": stored.partner_id,
                    "allocated": [[lv.sku, lv.warehouse, str(d)] for lv, d in taken],
                    "review": [o.reason for o in order.review_reasons],
                },
            )
        )
    deltas = [
        (lv.sku, lv.warehouse, lv.allocated - start)
        for lv, start in zip(levels, initial, strict=True)
        if lv.allocated != start
    ]
    uow.sales_orders.add_lines(made)
    uow.purchase_orders.set_statuses(statuses)
    uow.audit.record_many(audit)
    if deltas:
        try:
            uow.catalog.apply_allocations(deltas)  # last: its row locks are held until the commit
        except Oversell as exc:
            if optimistic:
                raise StockMoved(str(exc)) from exc
            raise
    return result


def locked_batch(ctx: Context, uow: UnitOfWork, stored_orders: list[Any], *, isolate: bool) -> BatchResult:
    """``confirm_batch`` optimistic first, and again with the stock locked when the stock moved."""
    try:
        return confirm_batch(ctx, uow, stored_orders, isolate=isolate, optimistic=True)
    except StockMoved:
        uow.rollback()
        return confirm_batch(ctx, uow, stored_orders, isolate=isolate, optimistic=False)


def _resolve_skus(po: PurchaseOrder, resolver: ItemResolver, items: dict[str, Item]) -> list[str]:
    """As ``gateway.domain.rules.resolve_skus`` (with a resolver built once): the SKUs the
    order's lines resolve to, in catalog order."""
    found = {m.sku for line in po.lines if (m := resolver.resolve(line)) is not None and m.sku in items}
    return [sku for sku in items if sku in found]


def _wants_855(partner: PartnerProfile | None) -> bool:
    return partner is not None and partner.x12 is not None and bool(partner.documents.po_ack)
