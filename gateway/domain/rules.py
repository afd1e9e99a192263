"""From a purchase order to a sales order: named rules applied in order, then allocation.

Each rule is a function registered under a stable name in a ``RuleRegistry``;
``confirm_order`` runs them in registration order over an ``OrderContext``,
then reserves stock (``allocation``; outcomes ``stock.backordered``,
``stock.cancelled``, ``stock.short`` under the rule name ``allocate``).  A
rule records ``Outcome``s (a stable reason code and a sentence for a person)
on the header or on a line; an outcome with ``review=True`` holds the order
for a person, and an order held for review, or a test order, reserves nothing.

The default rules, in order:

=================  ===========================================================
``partner``        no profile → NEEDS_REVIEW (``partner.unknown``: a person
                   adds the profile and reprocesses); inactive profile →
                   REJECTED (``partner.inactive``, BAK02 RJ).  Both stop here.
``duplicate``      this partner already has a sales order for the PO number →
                   DUPLICATE (``order.duplicate``); stops here.  The caller
                   stores nothing and sends no 855 for it.
``test_indicator`` a test order (``source.test``) from a partner not in test
                   mode → TEST (``order.test``): rules run, nothing allocated.
``document``       an order read from a PDF, spreadsheet, cXML or UBL: each
                   review reason of its extraction holds it
                   (``document.total_mismatch``, ...); a line whose item the
                   cross-reference cannot resolve → ``document.unresolved_item``;
                   a clean PDF/spreadsheet order is held
                   (``document.manual_confirmation``) unless the partner's
                   ``auto_confirm_documents`` is on.  X12 orders: nothing.
``lines_present``  no lines → review (``order.no_lines``).
``ship_to``        no ship-to party → review (``ship_to.missing``).
``item``           resolve each line (``crossref``); none, or an inactive item
                   → per ``unknown_item``: review (``item.unknown`` /
                   ``item.inactive``) or reject the line (IR).
``unit``           partner unit → base units; not convertible → review
                   (``unit.unknown``).
``quantity``       zero, negative or missing → IR (``quantity.not_positive``);
                   not a pack multiple where required → review
                   (``quantity.pack_multiple``).
``price``          see ``check_price``; reasons ``price.changed``,
                   ``price.beyond_tolerance``, ``price.unknown``.
``dates``          a requested ship or delivery date before the earliest ship
                   date → DR with that date promised (``date.rescheduled``).
=================  ===========================================================

Header status, first that applies: DUPLICATE / REJECTED / NEEDS_REVIEW set by
a stopping rule; TEST; REJECTED when every line was rejected
(``order.rejected``); NEEDS_REVIEW when any outcome asks for review;
CONFIRMED.  BAK02 is RJ for REJECTED and DUPLICATE, AD when every line is
accepted unchanged, AC otherwise (on a held or test order it is provisional).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from gateway.domain.allocation import allocate
from gateway.domain.catalog import Item, StockLevel, Warehouse
from gateway.domain.crossref import ItemMatch, ItemResolver
from gateway.domain.model import PoLine, PurchaseOrder
from gateway.domain.orders import AckType, LineStatus, OrderStatus, Outcome, SalesOrder, SalesOrderLine
from gateway.domain.partners import OrderPolicy, PartnerProfile, PriceAction

ZERO = Decimal(0)
# line-level DTM qualifiers for a date the line must ship / be delivered by
LINE_SHIP_BY = ("010", "038", "118")
LINE_DELIVER_BY = ("002", "074", "017")

RuleFn = Callable[["OrderContext"], None]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    apply: RuleFn

    def __call__(self, ctx: OrderContext) -> None:
        self.apply(ctx)


class RuleRegistry:
    """An ordered set of named rules."""

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self._rules: list[Rule] = []
        for rule in rules:
            self.add(rule)

    def add(self, rule: Rule) -> None:
        if rule.name in self.names():
            raise ValueError(f"a rule named {rule.name!r} is already registered")
        self._rules.append(rule)

    def register(self, name: str) -> Callable[[RuleFn], RuleFn]:
        """Decorator: append the function as the rule ``name``."""

        def decorate(fn: RuleFn) -> RuleFn:
            self.add(Rule(name, fn))
            return fn

        return decorate

    def names(self) -> list[str]:
        return [r.name for r in self._rules]

    def without(self, *names: str) -> RuleRegistry:
        return RuleRegistry(r for r in self._rules if r.name not in names)

    def __iter__(self) -> Iterator[Rule]:
        return iter(list(self._rules))

    def __len__(self) -> int:
        return len(self._rules)


@dataclass(slots=True)
class LineWork:
    """A line while the rules run: the PO line, the answer being built, what was resolved."""

    po_line: PoLine
    line: SalesOrderLine
    match: ItemMatch | None = None
    item: Item | None = None
    held: bool = False  # later line rules cannot run (unknown item or unit)

    @property
    def open(self) -> bool:
        return not self.held and LineStatus.REJECTED not in self.line.statuses


@dataclass(slots=True)
class OrderContext:
    po: PurchaseOrder
    partner: PartnerProfile | None
    items: Mapping[str, Item]
    stock: list[StockLevel]
    warehouses: Sequence[Warehouse]
    today: date
    already_ordered: bool
    order: SalesOrder
    lines: list[LineWork]
    resolver: ItemResolver
    rule: str = ""
    test: bool = False
    final_status: OrderStatus | None = None  # set by a rule that stops the run
    short_stock: bool = False  # the allocation found too little stock for some line

    @property
    def policy(self) -> OrderPolicy:
        return self.partner.policy if self.partner else OrderPolicy()

    @property
    def needs_review(self) -> bool:
        return bool(self.order.review_reasons)

    def open_lines(self) -> list[LineWork]:
        return [w for w in self.lines if w.open]

    def note(self, reason: str, message: str, *, work: LineWork | None = None, review: bool = False) -> None:
        number = work.line.line_number if work else None
        outcome = Outcome(self.rule, reason, message, number, review)
        (work.line.outcomes if work else self.order.outcomes).append(outcome)

    def reject_line(self, work: LineWork, reason: str, message: str) -> None:
        self.note(reason, message, work=work)
        work.line.statuses.append(LineStatus.REJECTED)

    def hold_line(self, work: LineWork, reason: str, message: str) -> None:
        self.note(reason, message, work=work, review=True)
        work.held = True

    def stop(self, status: OrderStatus) -> None:
        self.final_status = status


RULES = RuleRegistry()


@RULES.register("partner")
def partner_known_and_active(ctx: OrderContext) -> None:
    if ctx.partner is None:
        ctx.note(
            "partner.unknown",
            f"No trading-partner profile matches the sender of PO {ctx.po.po_number}; "
            "add one and reprocess the order.",
            review=True,
        )
        ctx.stop(OrderStatus.NEEDS_REVIEW)
    elif not ctx.partner.active:
        ctx.note("partner.inactive", f"Partner {ctx.partner.id} is inactive; the order is rejected.")
        ctx.stop(OrderStatus.REJECTED)


@RULES.register("duplicate")
def duplicate_po(ctx: OrderContext) -> None:
    if ctx.already_ordered:
        ctx.note(
            "order.duplicate",
            f"PO {ctx.po.po_number} already has a sales order for {ctx.order.partner_id}; nothing was done.",
        )
        ctx.stop(OrderStatus.DUPLICATE)


@RULES.register("test_indicator")
def test_indicator(ctx: OrderContext) -> None:
    if ctx.po.source.test and not (ctx.partner and ctx.partner.test_mode):
        ctx.test = True
        ctx.note("order.test", "A test order from a partner not in test mode: checked, no stock reserved.")


@RULES.register("document")
def document_checks(ctx: OrderContext) -> None:
    extraction = ctx.po.extraction
    if extraction is None:
        return
    for reason in extraction.review_reasons:
        where = ""
        if reason.page is not None:
            where = f" (page {reason.page}" + (f", region {reason.region}" if reason.region else "") + ")"
        elif reason.row is not None:
            where = f" (row {reason.row}" + (f", column {reason.column}" if reason.column else "") + ")"
        ctx.note(reason.code, reason.message + where, review=True)
    if extraction.structured:
        return
    unresolved = [w for w in ctx.lines if ctx.resolver.resolve(w.po_line) is None]
    for work in unresolved:
        # held, not rejected: a misread part number is for a person to correct, whatever unknown_item says
        ctx.hold_line(
            work,
            "document.unresolved_item",
            f"Line {work.line.line_number}: {_ids(work.po_line)} matches no item of ours.",
        )
    if not extraction.review_reasons and not unresolved and not ctx.policy.auto_confirm_documents:
        ctx.note(
            "document.manual_confirmation",
            f"Read from a {ctx.po.source.format} document with confidence {extraction.confidence}; "
            "the partner's orders from documents are confirmed by a person (auto_confirm_documents is off).",
            review=True,
        )


@RULES.register("lines_present")
def lines_present(ctx: OrderContext) -> None:
    if not ctx.lines:
        ctx.note("order.no_lines", f"PO {ctx.po.po_number} has no lines.", review=True)


@RULES.register("ship_to")
def ship_to_present(ctx: OrderContext) -> None:
    if ctx.po.party("ship_to") is None:
        ctx.note("ship_to.missing", "The order has no ship-to address.", review=True)


def _ids(po_line: PoLine) -> str:
    return ", ".join(f"{p.qualifier} {p.value}" for p in po_line.product_ids) or "no product id"


@RULES.register("item")
def resolve_item(ctx: OrderContext) -> None:
    for work in ctx.open_lines():
        n = work.line.line_number
        match = ctx.resolver.resolve(work.po_line)
        item = ctx.items.get(match.sku) if match else None
        if match is None or item is None:
            reason, message = "item.unknown", f"Line {n}: no item of ours matches {_ids(work.po_line)}."
        elif not item.active:
            reason, message = "item.inactive", f"Line {n}: item {item.sku} is no longer sold."
        else:
            work.match, work.item, work.line.sku = match, item, item.sku
            continue
        if ctx.policy.unknown_item == "reject_line":
            ctx.reject_line(work, reason, message)
        else:
            ctx.hold_line(work, reason, message)


@RULES.register("unit")
def convert_unit(ctx: OrderContext) -> None:
    for work in ctx.open_lines():
        item, match = work.item, work.match
        if item is None or match is None:
            continue
        factor = ctx.resolver.unit_factor(work.po_line.unit, item, match.cross_reference)
        if factor is None:
            ctx.hold_line(
                work,
                "unit.unknown",
                f"Line {work.line.line_number}: cannot convert {work.po_line.unit} "
                f"to {item.base_unit} for {item.sku}.",
            )
            continue
        work.line.factor = factor
        if work.po_line.quantity is not None:
            work.line.base_quantity = work.po_line.quantity * factor


@RULES.register("quantity")
def check_quantity(ctx: OrderContext) -> None:
    for work in ctx.open_lines():
        n, quantity = work.line.line_number, work.po_line.quantity
        if quantity is None or quantity <= 0:
            ctx.reject_line(
                work, "quantity.not_positive", f"Line {n}: quantity {quantity} is not above zero."
            )
            continue
        item, base = work.item, work.line.base_quantity
        if (
            ctx.policy.pack_multiple_required
            and item is not None
            and base is not None
            and item.pack_size > 0
            and base % item.pack_size != 0
        ):
            ctx.note(
                "quantity.pack_multiple",
                f"Line {n}: {base} {item.base_unit} is not a multiple of the pack of {item.pack_size}.",
                work=work,
                review=True,
            )


@RULES.register("price")
def check_price(ctx: OrderContext) -> None:
    """Our price is the partner's contract price (else list) per base unit × the unit factor.

    No price sent → confirm at ours.  Within tolerance → confirm at the sent
    price.  Beyond it, above or below → per the tolerance's action: confirm at
    ours (IP, ``price.changed``), hold for review or reject the line (both
    ``price.beyond_tolerance``).  We have no price (no contract, list 0) →
    review (``price.unknown``).
    """
    partner_id = ctx.order.partner_id
    tolerance = ctx.policy.price_tolerance
    for work in ctx.open_lines():
        item, line = work.item, work.line
        if item is None:
            continue
        n = line.line_number
        if partner_id not in item.contract_prices and item.list_price <= 0:
            ctx.note("price.unknown", f"Line {n}: we have no price for {item.sku}.", work=work, review=True)
            continue
        ours = item.price_for(partner_id) * line.factor
        sent = work.po_line.unit_price
        if sent is None or tolerance.within(sent, ours):
            line.unit_price = ours if sent is None else sent
            continue
        message = f"Line {n}: price {_money(sent)} is beyond tolerance of our {_money(ours)} for {item.sku}."
        if tolerance.action is PriceAction.ACCEPT_OUR_PRICE:
            line.unit_price = ours
            line.statuses.append(LineStatus.PRICE_CHANGED)
            ctx.note(
                "price.changed",
                f"Line {n}: confirmed at our price {_money(ours)} instead of {_money(sent)}.",
                work=work,
            )
        elif tolerance.action is PriceAction.REJECT_LINE:
            ctx.reject_line(work, "price.beyond_tolerance", message)
        else:
            line.unit_price = sent
            ctx.note("price.beyond_tolerance", message, work=work, review=True)


def _money(value: Decimal) -> str:
    """A price for a sentence: two decimals, more only when they matter (17.9000 → 17.90, 0.125 → 0.125)."""
    cents = value.quantize(Decimal("0.01"))
    return f"{cents:f}" if cents == value else f"{value.normalize():f}"


def earliest_ship_date(po: PurchaseOrder, policy: OrderPolicy, today: date) -> date:
    """The order date (never before today) plus the partner's ship lead days."""
    base = max(po.po_date or today, today)
    return base + timedelta(days=max(policy.ship_lead_days, 0))


def _line_date(po_line: PoLine, qualifiers: tuple[str, ...]) -> date | None:
    found = [d.value for d in po_line.dates if d.qualifier in qualifiers]
    return min(found) if found else None


@RULES.register("dates")
def check_dates(ctx: OrderContext) -> None:
    earliest = earliest_ship_date(ctx.po, ctx.policy, ctx.today)
    for work in ctx.open_lines():
        ship = _line_date(work.po_line, LINE_SHIP_BY) or ctx.po.requested_ship_date
        deliver = _line_date(work.po_line, LINE_DELIVER_BY) or ctx.po.requested_delivery_date
        work.line.requested_date = ship or deliver
        wanted = [d for d in (ship, deliver) if d is not None]
        if wanted and min(wanted) < earliest:
            work.line.promised_date = earliest
            work.line.statuses.append(LineStatus.DATE_RESCHEDULED)
            ctx.note(
                "date.rescheduled",
                f"Line {work.line.line_number}: requested {min(wanted)} cannot be met; "
                f"earliest ship date is {earliest}.",
                work=work,
            )


def allocate_stock(ctx: OrderContext) -> None:
    """After the rules: reserve stock unless the order is held for review.

    A test order is allocated against a copy of the stock, so its answer says
    what production would have done, and nothing is reserved.
    """
    if ctx.needs_review:
        return
    works = [w for w in ctx.open_lines() if w.item and w.line.base_quantity and w.line.base_quantity > 0]
    stock = ctx.stock
    if ctx.test:
        stock = [StockLevel(s.sku, s.warehouse, s.on_hand, s.allocated) for s in ctx.stock]
    result = allocate(
        [w.line for w in works],
        stock,
        ctx.warehouses,
        ctx.po.party("ship_to"),
        ctx.policy,
        pack_sizes={w.item.sku: w.item.pack_size for w in works if w.item},
    )
    ctx.short_stock = result.short
    if ctx.test:
        for w in works:
            w.line.allocations = []
        return
    ctx.order.ship_from = result.ship_from


def _new_line(index: int, po_line: PoLine) -> SalesOrderLine:
    return SalesOrderLine(
        line_number=po_line.line_number or str(index + 1),
        sku=None,
        ordered_quantity=po_line.quantity if po_line.quantity is not None else ZERO,
        unit=po_line.unit,
        sent_price=po_line.unit_price,
    )


def _finish(ctx: OrderContext) -> None:
    order = ctx.order
    for work in ctx.lines:
        if LineStatus.REJECTED in work.line.statuses:
            work.line.confirmed_quantity = ZERO
            work.line.cancelled_quantity = max(work.line.ordered_quantity, ZERO)
    all_rejected = bool(ctx.lines) and all(LineStatus.REJECTED in w.line.statuses for w in ctx.lines)
    if ctx.final_status is not None:
        order.status = ctx.final_status
    elif ctx.test:
        order.status = OrderStatus.TEST
    elif all_rejected:
        order.outcomes.append(Outcome("finish", "order.rejected", "Every line was rejected."))
        order.status = OrderStatus.REJECTED
    elif ctx.needs_review:
        order.status = OrderStatus.NEEDS_REVIEW
    else:
        order.status = OrderStatus.CONFIRMED
    if order.status in (OrderStatus.REJECTED, OrderStatus.DUPLICATE):
        order.ack_type = AckType.REJECTED
    elif all(not ln.statuses for ln in order.lines):
        order.ack_type = AckType.ACCEPTED_NO_CHANGE
    else:
        order.ack_type = AckType.ACCEPTED_WITH_CHANGES


def resolve_skus(po: PurchaseOrder, partner: PartnerProfile | None, items: Mapping[str, Item]) -> set[str]:
    """The SKUs the order's lines resolve to: the stock rows ``confirm_order`` will need."""
    resolver = ItemResolver(partner, items)
    return {m.sku for line in po.lines if (m := resolver.resolve(line)) is not None and m.sku in items}


def confirm_order(
    po: PurchaseOrder,
    partner: PartnerProfile | None,
    items: Mapping[str, Item],
    stock: list[StockLevel],
    warehouses: Sequence[Warehouse],
    *,
    already_ordered: bool,
    today: date,
    rules: RuleRegistry = RULES,
    resolver: ItemResolver | None = None,
) -> SalesOrder:
    """Apply ``rules`` to ``po`` and answer it with a sales order.

    ``stock`` holds the rows for the order's SKUs (see ``resolve_skus``); the
    reservations are written to their ``allocated``.  Nothing is reserved when
    the order is a duplicate, rejected, held for review or a test.  ``resolver``:
    one already built for ``partner`` over ``items`` or over a catalog holding
    them (lines resolve the same: see ``gateway.services.confirm``); by default
    one is built for the order.  The same as ``allocate_order(decide_order(...), stock)``.
    """
    decided = decide_order(
        po,
        partner,
        items,
        warehouses,
        already_ordered=already_ordered,
        today=today,
        rules=rules,
        resolver=resolver,
    )
    return allocate_order(decided, stock)


def decide_order(
    po: PurchaseOrder,
    partner: PartnerProfile | None,
    items: Mapping[str, Item],
    warehouses: Sequence[Warehouse],
    *,
    already_ordered: bool,
    today: date,
    rules: RuleRegistry = RULES,
    resolver: ItemResolver | None = None,
) -> OrderContext:
    """The rules of ``confirm_order`` up to the allocation, which no rule before it depends on:
    item cross-reference, prices, packs, dates, duplicates.  No stock is read; the order is
    finished by ``allocate_order`` (so a caller can decide many orders before it locks stock)."""
    partner_id = partner.id if partner else (po.source.partner or "")
    order = SalesOrder(
        partner_id=partner_id,
        po_number=po.po_number,
        status=OrderStatus.CONFIRMED,
        ack_type=AckType.ACCEPTED_NO_CHANGE,
        order_date=po.po_date or today,
    )
    works = [LineWork(pl, _new_line(i, pl)) for i, pl in enumerate(po.lines)]
    order.lines = [w.line for w in works]
    ctx = OrderContext(
        po=po,
        partner=partner,
        items=items,
        stock=[],
        warehouses=warehouses,
        today=today,
        already_ordered=already_ordered,
        order=order,
        lines=works,
        resolver=resolver if resolver is not None else ItemResolver(partner, items),
    )
    for rule in rules:
        ctx.rule = rule.name
        rule(ctx)
        if ctx.final_status is not None:
            break
    return ctx


def allocate_order(decided: OrderContext, stock: list[StockLevel]) -> SalesOrder:
    """Finish an order ``decide_order`` decided: reserve ``stock`` (the rows of its SKUs; their
    ``allocated`` is written) unless a rule stopped it or it is held, and set its status."""
    decided.stock = stock
    if decided.final_status is None:
        decided.rule = "allocate"
        allocate_stock(decided)
    _finish(decided)
    return decided.order
