"""The fixes that teach: decisions on held orders, honoured by the rules when the order is released.

(The queue of what waits is ``gateway.services.review_queue``.)  A fix is a
*decision* stored per purchase order (and line) in the review decisions, then
the order is confirmed again (``release``) with the decisions honoured by the
rules (``decided_inputs``): a price accepted or corrected, a quantity changed, a
warehouse picked, the order approved as it stands (short stock backordered,
lines still unknown rejected) or rejected.  Mapping an unknown item writes a
cross-reference for the partner (origin ``review``), so the next order carrying
that id resolves without anyone.  The sales order is replaced, stock reserved
and the 855 written in one transaction; every action is in the audit trail with
who did it.  An unknown sender is assigned to a partner for good (a sender
alias) and its document processed again.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.domain.catalog import Item
from gateway.domain.model import PurchaseOrder
from gateway.domain.orders import LineStatus, OrderStatus, SalesOrder
from gateway.domain.partners import CrossReference, PartnerProfile, ShortStockAction
from gateway.domain.rules import RULES, OrderContext, Rule, RuleRegistry, confirm_order, resolve_skus
from gateway.errors import InputError, NotFound, ReviewRefused
from gateway.services.emit import ANSWERED, write_855
from gateway.services.ports import Context, UnitOfWork
from gateway.services.xml_answers import answer_type, write_xml_answer
from outbound.x12.writer import Party
from parsers.documents import DOCUMENT_FORMATS


# decisions honoured by the rules ------------------------------------------------------------
@dataclass(slots=True)
class Decided:
    """What the decisions on an order say, per kind (the latest of each per line wins)."""

    prices: dict[str, Decimal] = field(default_factory=dict)
    quantities: dict[str, Decimal] = field(default_factory=dict)
    warehouse: str | None = None
    approved: bool = False
    rejected: bool = False


def summarize(decisions: Iterable[Any]) -> Decided:
    decided = Decided()
    for d in decisions:
        if d.kind == "price" and d.line_number is not None:
            decided.prices[d.line_number] = Decimal(str(d.value["price"]))
        elif d.kind == "quantity" and d.line_number is not None:
            decided.quantities[d.line_number] = Decimal(str(d.value["quantity"]))
        elif d.kind == "warehouse":
            decided.warehouse = d.value["warehouse"]
        elif d.kind == "approve":
            decided.approved = True
        elif d.kind == "reject":
            decided.rejected = True
    return decided


def _apply_after_rules(decided: Decided) -> Callable[[OrderContext], None]:
    def apply(ctx: OrderContext) -> None:
        for work in ctx.lines:
            number = work.line.line_number or ""
            if number in decided.prices and work.item is not None and not work.held:
                price = decided.prices[number]
                before = len(work.line.outcomes)
                work.line.outcomes = [
                    o for o in work.line.outcomes if not (o.review and o.reason.startswith("price."))
                ]
                if len(work.line.outcomes) != before or work.line.unit_price != price:
                    work.line.unit_price = price
                    if work.line.sent_price is not None and price != work.line.sent_price:
                        work.line.statuses.append(LineStatus.PRICE_CHANGED)
                    ctx.note("price.reviewed", f"Line {number}: price {price} set in review.", work=work)
            if number in decided.quantities:
                ctx.note(
                    "quantity.reviewed",
                    f"Line {number}: quantity {decided.quantities[number]} set in review.",
                    work=work,
                )
        if decided.approved:
            for work in ctx.lines:
                if work.held:
                    ctx.reject_line(
                        work, "review.line_rejected", f"Line {work.line.line_number}: rejected in review."
                    )
            for outcome in [*ctx.order.outcomes, *(o for w in ctx.lines for o in w.line.outcomes)]:
                outcome.review = False
            ctx.note("review.approved", "Approved in review.")

    return apply


def _reject(ctx: OrderContext) -> None:
    for work in ctx.lines:
        ctx.reject_line(work, "review.rejected", f"Line {work.line.line_number}: rejected in review.")
    ctx.note("review.rejected", "The order was rejected in review.")
    ctx.stop(OrderStatus.REJECTED)


def decided_inputs(
    po: PurchaseOrder, partner: PartnerProfile | None, decided: Decided, rules: RuleRegistry = RULES
) -> tuple[PurchaseOrder, PartnerProfile | None, RuleRegistry]:
    """The order, partner and rules to confirm with so that the decisions are honoured."""
    po = copy.deepcopy(po)
    for line in po.lines:
        if line.line_number in decided.quantities:
            line.quantity = decided.quantities[line.line_number]
    if partner is not None and (decided.warehouse or decided.approved):
        partner = copy.deepcopy(partner)
        if decided.warehouse:
            partner.policy.preferred_warehouses = [decided.warehouse]
            partner.policy.multi_warehouse = False
        if decided.approved and partner.policy.short_stock is ShortStockAction.REVIEW:
            partner.policy.short_stock = ShortStockAction.BACKORDER
    listed = list(rules)
    if decided.rejected:
        listed = [r for r in listed if r.name == "partner"] + [Rule("review", _reject)]
    else:
        listed.append(Rule("review", _apply_after_rules(decided)))
    return po, partner, RuleRegistry(listed)


@dataclass(slots=True)
class Released:
    status: str
    outbound_id: int | None
    reasons: list[str]


def release(ctx: Context, purchase_order_id: int, actor: str) -> Released:
    """Confirm a held order again with its decisions; its 855 is written when it is answered."""
    with ctx.uow() as uow:
        result = _release(ctx, uow, purchase_order_id, actor)
        uow.commit()
    if result.outbound_id is not None:
        ctx.dispatcher.send("deliver", result.outbound_id)
    return result


def _held(uow: UnitOfWork, purchase_order_id: int) -> tuple[Any, Any]:
    stored = uow.purchase_orders.get(purchase_order_id)
    if stored is None or not isinstance(stored.document, PurchaseOrder):
        raise NotFound(f"no purchase order {purchase_order_id}")
    so = uow.sales_orders.get_by_purchase_order(purchase_order_id)
    if so is None or so.order.status is not OrderStatus.NEEDS_REVIEW:
        state = so.order.status.value if so is not None else "not confirmed yet"
        raise ReviewRefused(f"PO {stored.po_number} is not waiting for review ({state})")
    return stored, so


def _release(ctx: Context, uow: UnitOfWork, purchase_order_id: int, actor: str) -> Released:
    stored, so = _held(uow, purchase_order_id)
    partner = uow.partners.get(stored.partner_id) if stored.partner_id else None
    decided = summarize(uow.reviews.decisions(purchase_order_id))
    po, partner_run, rules = decided_inputs(stored.document, partner, decided)
    items: dict[str, Item] = uow.catalog.all_items()
    stock = uow.catalog.lock_stock(sorted(resolve_skus(po, partner_run, items)))
    before = {(s.sku, s.warehouse): s.allocated for s in stock}
    order = confirm_order(
        po,
        partner_run,
        items,
        stock,
        uow.catalog.warehouses(),
        already_ordered=False,
        today=ctx.clock().date(),
        rules=rules,
    )
    _restore_ordered(order, stored.document)
    deltas = [
        (s.sku, s.warehouse, s.allocated - before[(s.sku, s.warehouse)])
        for s in stock
        if s.allocated != before[(s.sku, s.warehouse)]
    ]
    if deltas:
        uow.catalog.apply_allocations(deltas)
    uow.sales_orders.update(so.id, order)
    uow.purchase_orders.set_status(purchase_order_id, order.status.value)
    out_id = None
    if order.status in ANSWERED and answer_type(partner, stored.document) is not None:
        assert partner is not None  # a cXML or UBL order: answered in its own format
        out_id = write_xml_answer(ctx, uow, partner, stored.document, order, so.id, purchase_order_id)
    elif order.status in ANSWERED and partner is not None and partner.x12 and partner.documents.po_ack:
        block = uow.control_numbers.block()
        block.reserve(Party(partner.x12.isa_qualifier, partner.x12.isa_id).key)
        out_id = write_855(ctx, uow, block, partner, stored.document, order, so.id, purchase_order_id)
        block.flush()
    reasons = [o.reason for o in order.review_reasons]
    uow.audit.record(
        actor,
        "sales_order",
        so.id,
        "review.released",
        {
            "po": stored.po_number,
            "status": order.status.value,
            "allocated": [[sku, wh, str(d)] for sku, wh, d in deltas],
            "review": reasons,
            "outbound": out_id,
        },
    )
    return Released(order.status.value, out_id, reasons)


def _restore_ordered(order: SalesOrder, po: PurchaseOrder) -> None:
    """A quantity changed in review is what we confirm; what the partner ordered stays as sent."""
    sent = {ln.line_number: ln.quantity for ln in po.lines}
    for line in order.lines:
        original = sent.get(line.line_number)
        if original is not None and original != line.ordered_quantity:
            line.ordered_quantity = original
            if LineStatus.REJECTED not in line.statuses and LineStatus.QUANTITY_CHANGED not in line.statuses:
                line.statuses.append(LineStatus.QUANTITY_CHANGED)
            if line.confirmed_quantity + line.backordered_quantity + line.cancelled_quantity < original:
                line.cancelled_quantity = original - line.confirmed_quantity - line.backordered_quantity


# actions ------------------------------------------------------------------------------------
def _decide_and_release(
    ctx: Context,
    purchase_order_id: int,
    actor: str,
    kind: str,
    value: Any,
    line_number: str | None = None,
    check: Callable[[UnitOfWork, Any], Any] | None = None,
) -> Released:
    """Store a decision on a held order and confirm it again; ``check`` may refuse it (raising) or
    give the value to store (returning one)."""
    with ctx.uow() as uow:
        stored, _so = _held(uow, purchase_order_id)
        if line_number is not None and line_number not in {ln.line_number for ln in stored.document.lines}:
            raise InputError(f"PO {stored.po_number} has no line {line_number}", code="review.line")
        if check is not None:
            value = check(uow, stored) or value
        decision = uow.reviews.decide(purchase_order_id, kind, value, actor, line_number)
        uow.audit.record(
            actor,
            "purchase_order",
            purchase_order_id,
            f"review.{kind}",
            {"decision": decision, "line": line_number, "value": value},
        )
        result = _release(ctx, uow, purchase_order_id, actor)
        uow.commit()
    if result.outbound_id is not None:
        ctx.dispatcher.send("deliver", result.outbound_id)
    return result


def _decimal(text: Any, what: str) -> Decimal:
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise InputError(f"{what} {text!r} is not a number", code="review.value") from None
    if not value.is_finite() or value < 0:
        raise InputError(f"{what} {text!r} is not a number of zero or more", code="review.value")
    return value


def map_item(ctx: Context, purchase_order_id: int, line_number: str, sku: str, actor: str) -> Released:
    """Map the line's product id to our ``sku`` for the partner, for good (a cross-reference)."""
    sku = sku.strip()

    def check(uow: UnitOfWork, stored: Any) -> None:
        item = uow.catalog.get_item(sku)
        if item is None:
            raise InputError(f"no item {sku} in the catalog", code="review.sku")
        if stored.partner_id is None:
            raise ReviewRefused("the order has no partner to keep the mapping for")
        line = next(ln for ln in stored.document.lines if ln.line_number == line_number)
        xref = cross_reference_for(line, item)
        if xref is None:
            raise ReviewRefused(f"line {line_number} carries no product id to map")
        uow.partners.add_cross_reference(stored.partner_id, xref, actor)

    return _decide_and_release(
        ctx, purchase_order_id, actor, "map_item", {"sku": sku}, line_number=line_number, check=check
    )


def cross_reference_for(line: Any, item: Item) -> CrossReference | None:
    """A cross-reference from the line's first usable id (buyer part, then GTIN, then vendor part)."""
    buyer = line.product_id("BP", "IN", "CB")
    upc = line.product_id("UP", "UK", "EN", "UA", "UI")
    vendor = line.product_id("VP", "VN", "VA")
    if not (buyer or upc or vendor):
        return None
    xref = CrossReference(
        sku=item.sku,
        buyer_part=buyer,
        upc=None if buyer else upc,
        vendor_part=None if buyer or upc else vendor,
    )
    if line.unit and line.unit.upper() != item.base_unit.upper():
        xref.unit = line.unit
        xref.factor_from_pack = True
    return xref


def set_price(
    ctx: Context, purchase_order_id: int, line_number: str, price: Any | None, actor: str
) -> Released:
    """Accept the price the partner sent (``price`` None) or confirm at a corrected one."""

    def check(uow: UnitOfWork, stored: Any) -> dict[str, str]:
        line = next(ln for ln in stored.document.lines if ln.line_number == line_number)
        chosen = _decimal(price, "price") if price not in (None, "") else line.unit_price
        if chosen is None:
            raise InputError(f"line {line_number} sent no price: give one", code="review.value")
        return {"price": str(chosen)}

    return _decide_and_release(
        ctx, purchase_order_id, actor, "price", None, line_number=line_number, check=check
    )


def set_quantity(
    ctx: Context, purchase_order_id: int, line_number: str, quantity: Any, actor: str
) -> Released:
    value = _decimal(quantity, "quantity")
    if value <= 0:
        raise InputError(
            "a quantity must be above zero; reject the line or the order instead", code="review.value"
        )
    return _decide_and_release(
        ctx, purchase_order_id, actor, "quantity", {"quantity": str(value)}, line_number=line_number
    )


def pick_warehouse(ctx: Context, purchase_order_id: int, warehouse: str, actor: str) -> Released:
    def check(uow: UnitOfWork, stored: Any) -> None:
        if warehouse not in {w.code for w in uow.catalog.warehouses()}:
            raise InputError(f"no warehouse {warehouse}", code="review.warehouse")

    return _decide_and_release(
        ctx, purchase_order_id, actor, "warehouse", {"warehouse": warehouse}, check=check
    )


def approve(ctx: Context, purchase_order_id: int, actor: str) -> Released:
    return _decide_and_release(ctx, purchase_order_id, actor, "approve", None)


def reject(ctx: Context, purchase_order_id: int, actor: str) -> Released:
    return _decide_and_release(ctx, purchase_order_id, actor, "reject", None)


# documents and outbound ---------------------------------------------------------------------
def isa_sender(raw: bytes) -> tuple[str, str] | None:
    """ISA05 and ISA06 of the first interchange (the element separator is the byte after "ISA")."""
    start = raw.find(b"ISA")
    if start < 0 or len(raw) < start + 4:
        return None
    sep = raw[start + 3 : start + 4]
    parts = raw[start : start + 200].split(sep)
    if len(parts) < 7:
        return None
    return parts[5].decode("latin-1").strip(), parts[6].decode("latin-1").strip()


def assign_sender(ctx: Context, document_id: int, partner_id: str, actor: str) -> None:
    """Assign an unknown sender to a partner (for good, for X12) and process the document again."""
    with ctx.uow() as uow:
        doc = uow.documents.get(document_id)
        if doc is None:
            raise NotFound(f"no inbound document {document_id}")
        codes = {d.get("code") for d in doc.diagnostics or [] if isinstance(d, dict)}
        if doc.status != "needs_review" or "partner.unknown_sender" not in codes:
            raise ReviewRefused(f"document {document_id} is not waiting for its sender to be named")
        if uow.partners.get(partner_id) is None:
            raise InputError(f"no trading partner {partner_id}", code="review.partner")
        # an X12 sender is remembered for good; a PDF, spreadsheet, cXML or UBL document is given
        # its partner (as a channel hint) and read again
        sender = (
            isa_sender(uow.documents.head(document_id, 4096))
            if doc.format in (None, "x12", "unknown")
            else None
        )
        if sender is None and doc.format not in DOCUMENT_FORMATS:
            raise ReviewRefused(f"document {document_id} has no readable ISA sender")
        if sender is not None:
            uow.reviews.alias_sender(sender[0], sender[1], partner_id, actor)
        uow.documents.set_status(document_id, "received", partner_id=partner_id)
        uow.audit.record(
            actor,
            "document",
            document_id,
            "review.assign_sender",
            {"sender": list(sender) if sender else None, "partner": partner_id},
        )
        uow.commit()
    ctx.dispatcher.send("process_document", document_id)


def dismiss(ctx: Context, entity: str, entity_id: int, actor: str, note: str = "") -> None:
    """Take a document or an outbound document off the queue, saying why (kept in the audit trail)."""
    if entity not in ("document", "outbound"):
        raise InputError(f"cannot dismiss a {entity}", code="review.entity")
    with ctx.uow() as uow:
        found = uow.documents.get(entity_id) if entity == "document" else uow.outbound.get(entity_id)
        if found is None:
            raise NotFound(f"no {entity} {entity_id}")
        uow.audit.record(actor, entity, entity_id, "review.dismissed", {"note": note})
        uow.commit()
