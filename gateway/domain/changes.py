"""Applying a purchase-order change (860) to a sales order: pure, no I/O.

``apply_change(order, change, ...)`` answers a ``PurchaseOrderChange`` line by
line and returns a ``ChangeResult``: a *new* sales order with every accepted
change made (the order passed in is never touched), and one ``ChangeLineResult``
per requested line with the ACK segments the 865 sends for it.  Stock is
re-allocated in memory on the ``StockLevel`` rows given, as ``confirm_order``
does; the caller writes the differences.

What each POC02 change does (POC03 is the line's new total quantity):

======================  ===================================================
``AI`` add              a new line: item resolved as an 850 line is, priced
                        and allocated; refused when the number is taken or
                        the item is unknown.
``DI`` delete           the line's reservation released, all of it
                        cancelled; refused when anything on it has shipped.
``QD``/``QI`` quantity  the reservation released and the unshipped rest of
                        the new quantity allocated again (short stock per
                        the partner's policy); refused below what shipped.
``PC`` price            the new price when within tolerance of ours, else
                        per the tolerance's action (our price, IP; or the
                        line refused); refused once anything has shipped.
``PQ``                  both of the above.
``DC``/``CT`` date      the line's DTM (else the header's) becomes the
                        requested date; DR with our earliest date when it
                        cannot be met.  Refused for a line shipped in full.
``CA`` and others       whichever of quantity, price and date it states.
``NC``                  nothing to do: accepted.
``RA``/``RS``/``RZ``    replacing the item is not done automatically: refused.
======================  ===================================================

A whole-order cancellation (BCH01 ``01``) cancels every line's unshipped
quantity; a line shipped in full is refused, a partly shipped one is cut to
what has shipped (IQ).  The order is ``cancelled`` when nothing of it shipped.

ACK codes (668) per line, first ACK for what we will supply now:

- refused: ``IR`` with the line's quantity as it stands (the change is
  rejected, the line is not); the reason goes with it;
- deleted or cancelled with nothing shipped: ``ID`` with 0;
- otherwise as an 855 line: ``IA``, or ``IQ`` / ``IP`` / ``DR`` for what
  differs from the request, ``IC`` when several do; then ``IB`` for what is
  backordered.

BCA02 (587): ``AD`` every change taken as asked, ``RD`` every one refused,
``AC`` anything in between, ``AK`` a change with no lines to answer.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from gateway.domain.allocation import allocate
from gateway.domain.catalog import Item, StockLevel, Warehouse
from gateway.domain.crossref import ItemResolver
from gateway.domain.model import ChangeCode, ChangeLine, Party, PoLine, PurchaseOrderChange, Purpose
from gateway.domain.orders import AckType, LineStatus, OrderStatus, Outcome, SalesOrder, SalesOrderLine
from gateway.domain.partners import OrderPolicy, PartnerProfile, PriceAction, ShortStockAction

RULE = "change"
CLOSED = (OrderStatus.REJECTED, OrderStatus.CANCELLED, OrderStatus.DUPLICATE)
ZERO = Decimal(0)
SHIP_DATES = ("010", "038", "118", "037")
DELIVERY_DATES = ("002", "074", "017", "067")


class ChangeAck(StrEnum):
    """865 ACK01 (668)."""

    ACCEPTED = "IA"
    BACKORDERED = "IB"
    CHANGES_MADE = "IC"
    DELETED = "ID"
    PRICE_CHANGED = "IP"
    QUANTITY_CHANGED = "IQ"
    REJECTED = "IR"
    DATE_RESCHEDULED = "DR"


class ChangeAckType(StrEnum):
    """865 BCA02 (587)."""

    ACCEPTED_NO_CHANGE = "AD"
    ACCEPTED_WITH_CHANGES = "AC"
    NO_DETAIL = "AK"
    REJECTED_WITH_DETAIL = "RD"


@dataclass(frozen=True, slots=True)
class LineAck:
    code: ChangeAck
    quantity: Decimal
    promised: date | None = None


@dataclass(slots=True)
class ChangeLineResult:
    line_number: str | None
    change_code: str  # POC02 as requested ("DI" for each line of a whole-order cancel)
    accepted: bool
    line: SalesOrderLine | None  # the line as it stands afterwards (None: an add that was refused)
    request: ChangeLine | None = None
    reason: str = "change.accepted"
    message: str = ""
    acks: list[LineAck] = field(default_factory=list)


@dataclass(slots=True)
class ChangeResult:
    order: SalesOrder
    lines: list[ChangeLineResult]
    cancel: bool = False
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        """Something was changed."""
        return any(r.accepted for r in self.lines)

    @property
    def ack_type(self) -> ChangeAckType:
        if not self.lines:
            return ChangeAckType.NO_DETAIL
        if not self.accepted:
            return ChangeAckType.REJECTED_WITH_DETAIL
        if all(
            r.accepted and all(a.code in (ChangeAck.ACCEPTED, ChangeAck.DELETED) for a in r.acks)
            for r in self.lines
        ):
            return ChangeAckType.ACCEPTED_NO_CHANGE
        return ChangeAckType.ACCEPTED_WITH_CHANGES


class Refused(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(slots=True)
class _Work:
    partner: PartnerProfile | None
    items: Mapping[str, Item]
    stock: list[StockLevel]
    warehouses: Sequence[Warehouse]
    ship_to: Party | None
    today: date
    resolver: ItemResolver
    ship_from: str | None = None  # the one warehouse the order ships from, when it has one

    @property
    def policy(self) -> OrderPolicy:
        return self.partner.policy if self.partner else OrderPolicy()


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _po_line(req: ChangeLine) -> PoLine:
    return PoLine(
        line_number=req.line_number,
        quantity=req.quantity_ordered,
        unit=req.unit,
        unit_price=req.unit_price,
        product_ids=list(req.product_ids),
        dates=list(req.dates),
    )


def _release(line: SalesOrderLine, stock: list[StockLevel]) -> None:
    """Give back what the line holds reserved (``allocations``: reserved and not yet shipped)."""
    for a in line.allocations:
        rest = a.quantity
        for row in stock:
            if rest <= 0:
                break
            if row.sku == line.sku and row.warehouse == a.warehouse and row.allocated > 0:
                back = min(row.allocated, rest)
                row.allocated -= back
                rest -= back
    line.allocations = []


def _reallocate(line: SalesOrderLine, quantity: Decimal, work: _Work) -> None:
    """Make ``quantity`` (partner units) the line's ordered quantity, its unshipped rest reserved anew."""
    shipped = line.shipped_quantity
    _release(line, work.stock)
    line.ordered_quantity = quantity
    line.base_quantity = quantity * line.factor
    rest = quantity - shipped
    line.statuses = [
        s for s in line.statuses if s not in (LineStatus.BACKORDERED, LineStatus.QUANTITY_CHANGED)
    ]
    line.outcomes = [o for o in line.outcomes if o.rule != "allocate"]
    line.confirmed_quantity, line.backordered_quantity, line.cancelled_quantity = shipped, ZERO, ZERO
    if rest <= 0 or line.sku is None:
        return
    proxy = SalesOrderLine(
        line_number=line.line_number,
        sku=line.sku,
        ordered_quantity=rest,
        unit=line.unit,
        base_quantity=rest * line.factor,
        factor=line.factor,
    )
    policy = work.policy
    if policy.short_stock is ShortStockAction.REVIEW:
        # a change is answered now: what cannot be filled follows as a backorder
        policy = copy.copy(policy)
        policy.short_stock = ShortStockAction.BACKORDER
    item = work.items.get(line.sku)
    warehouses = work.warehouses
    if not policy.multi_warehouse and work.ship_from is not None:
        # the order ships from one warehouse: what it gains comes from there too
        warehouses = [w for w in warehouses if w.code == work.ship_from]
    allocate(
        [proxy],
        work.stock,
        warehouses,
        work.ship_to,
        policy,
        pack_sizes={line.sku: item.pack_size} if item else None,
    )
    line.allocations = proxy.allocations
    line.confirmed_quantity = shipped + proxy.confirmed_quantity
    line.backordered_quantity = proxy.backordered_quantity
    line.cancelled_quantity = proxy.cancelled_quantity
    line.statuses.extend(proxy.statuses)
    line.outcomes.extend(proxy.outcomes)


def _our_price(line: SalesOrderLine, work: _Work, partner_id: str) -> Decimal | None:
    item = work.items.get(line.sku or "")
    if item is None or (partner_id not in item.contract_prices and item.list_price <= 0):
        return None
    return item.price_for(partner_id) * line.factor


def _change_price(line: SalesOrderLine, sent: Decimal, work: _Work, partner_id: str) -> None:
    n = line.line_number
    if line.shipped_quantity > 0:
        raise Refused(
            "line.shipped",
            f"Line {n}: {_fmt(line.shipped_quantity)} have shipped at {line.unit_price}; "
            "the price can no longer change.",
        )
    ours = _our_price(line, work, partner_id)
    line.statuses = [s for s in line.statuses if s is not LineStatus.PRICE_CHANGED]
    line.sent_price = sent
    tolerance = work.policy.price_tolerance
    if ours is None or tolerance.within(sent, ours):
        line.unit_price = sent
        return
    if tolerance.action is PriceAction.ACCEPT_OUR_PRICE:
        line.unit_price = ours
        line.statuses.append(LineStatus.PRICE_CHANGED)
        return
    raise Refused("price.beyond_tolerance", f"Line {n}: price {sent} is beyond tolerance of our {ours}.")


def _wanted_date(req: ChangeLine, change: PurchaseOrderChange) -> date | None:
    for dates in (req.dates, change.dates):
        found = [d.value for d in dates if d.qualifier in SHIP_DATES + DELIVERY_DATES]
        if found:
            return min(found)
    return None


def _change_date(line: SalesOrderLine, wanted: date, work: _Work) -> None:
    if line.shipped_quantity >= line.ordered_quantity > 0:
        raise Refused("line.shipped", f"Line {line.line_number} has shipped in full; its date cannot change.")
    earliest = work.today + timedelta(days=max(work.policy.ship_lead_days, 0))
    line.requested_date = wanted
    line.statuses = [s for s in line.statuses if s is not LineStatus.DATE_RESCHEDULED]
    if wanted < earliest:
        line.promised_date = earliest
        line.statuses.append(LineStatus.DATE_RESCHEDULED)
    else:
        line.promised_date = None


def _change_quantity(line: SalesOrderLine, quantity: Decimal | None, work: _Work) -> None:
    n = line.line_number
    if quantity is None or quantity <= 0:
        raise Refused("quantity.not_positive", f"Line {n}: the new quantity {quantity} is not above zero.")
    if quantity < line.shipped_quantity:
        raise Refused(
            "line.shipped",
            f"Line {n}: {_fmt(line.shipped_quantity)} have shipped; the quantity cannot go down to "
            f"{_fmt(quantity)}.",
        )
    _reallocate(line, quantity, work)


def _delete(line: SalesOrderLine, work: _Work) -> None:
    if line.shipped_quantity > 0:
        raise Refused(
            "line.shipped",
            f"Line {line.line_number}: {_fmt(line.shipped_quantity)} have shipped; "
            "the line cannot be deleted.",
        )
    _release(line, work.stock)
    line.confirmed_quantity = line.backordered_quantity = ZERO
    line.cancelled_quantity = line.ordered_quantity
    line.statuses = [LineStatus.REJECTED]


def _cancel_line(line: SalesOrderLine, work: _Work) -> str:
    """Cancel the unshipped rest; the message for the line."""
    n, shipped = line.line_number, line.shipped_quantity
    if shipped >= line.ordered_quantity > 0:
        raise Refused(
            "line.shipped", f"Line {n} has shipped in full ({_fmt(shipped)}); it cannot be cancelled."
        )
    _release(line, work.stock)
    if shipped > 0:
        line.confirmed_quantity = shipped
        line.backordered_quantity = ZERO
        line.cancelled_quantity = line.ordered_quantity - shipped
        line.statuses = [s for s in line.statuses if s is not LineStatus.BACKORDERED]
        if LineStatus.QUANTITY_CHANGED not in line.statuses:
            line.statuses.append(LineStatus.QUANTITY_CHANGED)
        return (
            f"Line {n}: {_fmt(shipped)} had shipped and cannot be cancelled; "
            f"the other {_fmt(line.cancelled_quantity)} are."
        )
    line.confirmed_quantity = line.backordered_quantity = ZERO
    line.cancelled_quantity = line.ordered_quantity
    line.statuses = [LineStatus.REJECTED]
    return f"Line {n} cancelled."


def _add(order: SalesOrder, req: ChangeLine, work: _Work) -> SalesOrderLine:
    n = req.line_number
    if n is not None and any(ln.line_number == n for ln in order.lines):
        raise Refused("line.exists", f"Line {n} is already on the order; it cannot be added again.")
    po_line = _po_line(req)
    match = work.resolver.resolve(po_line)
    item = work.items.get(match.sku) if match else None
    if match is None or item is None or not item.active:
        ids = ", ".join(f"{p.qualifier} {p.value}" for p in req.product_ids) or "no product id"
        raise Refused("item.unknown", f"Line {n}: no item of ours matches {ids}.")
    factor = work.resolver.unit_factor(req.unit, item, match.cross_reference)
    if factor is None:
        raise Refused("unit.unknown", f"Line {n}: cannot convert {req.unit} to {item.base_unit}.")
    line = SalesOrderLine(
        line_number=n or str(len(order.lines) + 1),
        sku=item.sku,
        ordered_quantity=ZERO,
        unit=req.unit,
        factor=factor,
        sent_price=req.unit_price,
    )
    ours = _our_price(line, work, order.partner_id)
    if req.unit_price is not None:
        _change_price(line, req.unit_price, work, order.partner_id)
    elif ours is not None:
        line.unit_price = ours
    else:
        raise Refused("price.unknown", f"Line {n}: we have no price for {item.sku}.")
    wanted = _wanted_date(req, _NO_CHANGE)
    if wanted is not None:
        _change_date(line, wanted, work)
    _change_quantity(line, req.quantity_ordered, work)
    return line


_NO_CHANGE = PurchaseOrderChange(po_number="", po_date=None, purpose=Purpose.CHANGE)


def _find(order: SalesOrder, req: ChangeLine, work: _Work) -> SalesOrderLine:
    if req.line_number is not None:
        for line in order.lines:
            if line.line_number == req.line_number:
                return line
    elif req.product_ids:
        match = work.resolver.resolve(_po_line(req))
        for line in order.lines:
            if match is not None and line.sku == match.sku:
                return line
    raise Refused("line.unknown", f"Line {req.line_number or '(unnumbered)'} is not on the order.")


def _apply_line(order: SalesOrder, req: ChangeLine, change: PurchaseOrderChange, work: _Work) -> str:
    kind = req.change
    if kind is ChangeCode.ADD:
        order.lines.append(_add(order, req, work))
        return f"Line {order.lines[-1].line_number} added."
    line = _find(order, req, work)
    n = line.line_number
    if kind is ChangeCode.REPLACE_ITEM:
        raise Refused(
            "change.unsupported", f"Line {n}: replacing the item ({req.change_code}) needs a person."
        )
    if kind is ChangeCode.NO_CHANGE:
        return f"Line {n}: no change asked."
    if kind is ChangeCode.DELETE:
        _delete(line, work)
        return f"Line {n} deleted."
    done: list[str] = []
    price_asked = kind in (ChangeCode.PRICE_CHANGE, ChangeCode.PRICE_AND_QUANTITY) or (
        kind is ChangeCode.CHANGE_OTHER and req.unit_price is not None and req.unit_price != line.unit_price
    )
    quantity_asked = kind in (
        ChangeCode.QUANTITY_DECREASE,
        ChangeCode.QUANTITY_INCREASE,
        ChangeCode.PRICE_AND_QUANTITY,
    ) or (
        kind is ChangeCode.CHANGE_OTHER
        and req.quantity_ordered is not None
        and req.quantity_ordered != line.ordered_quantity
    )
    wanted = _wanted_date(req, change) if kind in (ChangeCode.DATE_CHANGE, ChangeCode.CHANGE_OTHER) else None
    if kind is ChangeCode.DATE_CHANGE and wanted is None:
        raise Refused("date.missing", f"Line {n}: a date change with no date.")
    if price_asked:
        if req.unit_price is None:
            raise Refused("price.missing", f"Line {n}: a price change with no price.")
        _change_price(line, req.unit_price, work, order.partner_id)
        done.append(f"price {req.unit_price}")
    if wanted is not None:
        _change_date(line, wanted, work)
        done.append(f"date {wanted}")
    if quantity_asked:
        _change_quantity(line, req.quantity_ordered, work)
        done.append(f"quantity {_fmt(line.ordered_quantity)}")
    return f"Line {n}: " + (", ".join(done) or "nothing to change") + "."


def line_acks(line: SalesOrderLine, *, asked_price: Decimal | None = None) -> list[LineAck]:
    """The ACKs for an accepted line as it now stands (see the module docstring)."""
    confirmed, backordered = line.confirmed_quantity, line.backordered_quantity
    if LineStatus.REJECTED in line.statuses or (confirmed <= 0 and backordered <= 0):
        return [LineAck(ChangeAck.DELETED, ZERO)]
    acks: list[LineAck] = []
    if confirmed > 0:
        changes: list[ChangeAck] = []
        if line.cancelled_quantity > 0 or LineStatus.QUANTITY_CHANGED in line.statuses:
            changes.append(ChangeAck.QUANTITY_CHANGED)
        if LineStatus.PRICE_CHANGED in line.statuses or (
            asked_price is not None and line.unit_price is not None and asked_price != line.unit_price
        ):
            changes.append(ChangeAck.PRICE_CHANGED)
        if LineStatus.DATE_RESCHEDULED in line.statuses:
            changes.append(ChangeAck.DATE_RESCHEDULED)
        code = ChangeAck.CHANGES_MADE if len(changes) > 1 else (changes[0] if changes else ChangeAck.ACCEPTED)
        acks.append(LineAck(code, confirmed, line.promised_date))
    if backordered > 0:
        acks.append(LineAck(ChangeAck.BACKORDERED, backordered))
    return acks


def _snapshot(stock: list[StockLevel]) -> list[Decimal]:
    return [row.allocated for row in stock]


def _restore(stock: list[StockLevel], saved: list[Decimal]) -> None:
    for row, allocated in zip(stock, saved, strict=True):
        row.allocated = allocated


def apply_change(
    order: SalesOrder,
    change: PurchaseOrderChange,
    *,
    partner: PartnerProfile | None,
    items: Mapping[str, Item],
    stock: list[StockLevel],
    warehouses: Sequence[Warehouse],
    today: date,
    ship_to: Party | None = None,
) -> ChangeResult:
    """Answer ``change`` against ``order`` (see the module docstring).

    ``stock`` holds the rows of every SKU the order and the change touch; the
    accepted lines' releases and reservations are made on them.  A refused
    line changes neither the order nor the stock.
    """
    new = copy.deepcopy(order)
    work = _Work(
        partner, items, stock, warehouses, ship_to, today, ItemResolver(partner, items), order.ship_from
    )
    result = ChangeResult(order=new, lines=[], cancel=Purpose(change.purpose) is Purpose.CANCEL)
    if order.status in CLOSED:
        why = f"Order {order.po_number} is {order.status.value}; it takes no changes."
        requests = change.lines or [None] * len(order.lines)
        for i, req in enumerate(requests):
            number = req.line_number if req is not None else order.lines[i].line_number
            line = next((ln for ln in new.lines if ln.line_number == number), None)
            code = req.change_code if req is not None else "DI"
            result.lines.append(ChangeLineResult(number, code, False, line, req, "order.closed", why))
    elif result.cancel:
        for position, line in enumerate(new.lines):
            if LineStatus.REJECTED in line.statuses and line.confirmed_quantity <= 0:
                continue  # nothing left to cancel on it
            _one(result, position, None, "DI", lambda line=line: _cancel_line(line, work), work)
    else:
        for req in change.lines:
            position = next((i for i, ln in enumerate(new.lines) if ln.line_number == req.line_number), None)
            _one(
                result,
                position,
                req,
                req.change_code,
                lambda req=req: _apply_line(new, req, change, work),
                work,
            )
    if result.accepted and all(
        ln.shipped_quantity <= 0 and ln.confirmed_quantity <= 0 and ln.backordered_quantity <= 0
        for ln in new.lines
    ):
        new.status = OrderStatus.CANCELLED
    for r in result.lines:
        if r.line is None:
            continue
        if r.accepted:
            asked = r.request.unit_price if r.request is not None else None
            r.acks = line_acks(r.line, asked_price=asked)
        else:
            r.acks = [LineAck(ChangeAck.REJECTED, r.line.ordered_quantity)]
    for r in result.lines:
        outcome = Outcome(RULE, r.reason, r.message, r.line_number)
        result.outcomes.append(outcome)
    new.outcomes.extend(result.outcomes)
    if result.accepted and new.status is not OrderStatus.CANCELLED:
        new.ack_type = (
            AckType.ACCEPTED_NO_CHANGE
            if all(not ln.statuses for ln in new.lines)
            else AckType.ACCEPTED_WITH_CHANGES
        )
    return (
        result
        if result.accepted
        else ChangeResult(copy.deepcopy(order), result.lines, result.cancel, result.outcomes)
    )


def _one(
    result: ChangeResult,
    position: int | None,
    req: ChangeLine | None,
    code: str,
    run: object,
    work: _Work,
) -> None:
    """Run one line's change; on refusal put the line (and the stock) back as they were."""
    order = result.order
    saved_line = copy.deepcopy(order.lines[position]) if position is not None else None
    saved_stock = _snapshot(work.stock)
    count = len(order.lines)
    number = (
        req.line_number
        if req is not None
        else order.lines[position].line_number
        if position is not None
        else None
    )
    try:
        message = run()  # type: ignore[operator]
    except Refused as refused:
        _restore(work.stock, saved_stock)
        del order.lines[count:]
        if position is not None and saved_line is not None:
            order.lines[position] = saved_line
        line = order.lines[position] if position is not None else None
        result.lines.append(ChangeLineResult(number, code, False, line, req, refused.reason, refused.message))
        return
    if position is None and len(order.lines) > count:
        line = order.lines[-1]
    elif position is not None:
        line = order.lines[position]
    else:
        line = None
    reason = "change.accepted" if not result.cancel else "order.cancelled"
    if line is not None and line.shipped_quantity > 0 and result.cancel:
        reason = "line.shipped"
    result.lines.append(ChangeLineResult(number, code, True, line, req, reason, str(message)))
