"""Reserving stock for confirmed lines.

Warehouses are ranked once per order (``rank_warehouses``): the partner's
preferred warehouses first, in the order listed; then the others nearest the
ship-to first.  Nearness uses the US ZIP code's first three digits (the
sectional centre) and first digit (the national area):

1. same first three digits;
2. same first digit;
3. any other ZIP;
   within 2 and 3 the smaller absolute difference of the three-digit prefixes
   is nearer;
4. no usable ZIP on either side: same state first, then the rest.

Ties keep the order the warehouses were given in.

With ``multi_warehouse`` off, the whole order ships from one warehouse: the
first in rank that can fill every line completely, else the one that can fill
the most base units (earlier rank wins a tie).  With it on, each line takes
from the ranked warehouses in turn until it is filled.

Quantities are taken in whole partner units (``SalesOrderLine.factor`` base
units at a time) and, when the policy requires pack multiples, in whole packs.
What cannot be filled is short: backordered (IB), cancelled (IQ) or held for
review, per ``OrderPolicy.short_stock``.  Without ``partial_shipment`` a line is
filled completely or not at all.  Held orders change nothing: the plan is
made on a copy and written to the stock rows and lines only when no line needs
review.  ``StockLevel.allocated`` never exceeds ``on_hand``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from math import lcm

from gateway.domain.catalog import StockLevel, Warehouse
from gateway.domain.model import Party
from gateway.domain.orders import Allocation, LineStatus, Outcome, SalesOrderLine
from gateway.domain.partners import OrderPolicy, ShortStockAction

RULE = "allocate"
ZERO = Decimal(0)


@dataclass(slots=True)
class AllocationResult:
    ship_from: str | None = None  # the one warehouse everything comes from, when there is one
    outcomes: list[Outcome] = field(default_factory=list)
    short: bool = False  # some line could not be filled from the stock given

    @property
    def review(self) -> bool:
        return any(o.review for o in self.outcomes)


@dataclass(slots=True)
class _LinePlan:
    line: SalesOrderLine
    takes: list[tuple[str, Decimal]] = field(default_factory=list)
    taken: Decimal = ZERO  # the sum of ``takes`` (kept by ``take`` and ``clear``)

    def take(self, code: str, quantity: Decimal) -> None:
        self.takes.append((code, quantity))
        self.taken += quantity

    def clear(self) -> None:
        self.takes.clear()
        self.taken = ZERO

    @property
    def short(self) -> Decimal:
        return (self.line.base_quantity or ZERO) - self.taken


def _zip3(postal_code: str | None) -> str | None:
    text = (postal_code or "").strip()[:3]
    return text if len(text) == 3 and text.isdigit() else None


def warehouse_distance(warehouse: Warehouse, ship_to: Party | None) -> tuple[int, int]:
    """(tier, spread): smaller is nearer.  See the module docstring."""
    theirs = _zip3(ship_to.postal_code if ship_to else None)
    ours = _zip3(warehouse.postal_code)
    if theirs and ours:
        spread = abs(int(theirs) - int(ours))
        if theirs == ours:
            return (0, 0)
        return (1 if theirs[0] == ours[0] else 2, spread)
    state = (ship_to.state or "").strip().upper() if ship_to else ""
    if state and state == warehouse.state.strip().upper():
        return (3, 0)
    return (4, 0)


def rank_warehouses(
    warehouses: Sequence[Warehouse], ship_to: Party | None, preferred: Sequence[str] = ()
) -> list[Warehouse]:
    """Preferred warehouses in the partner's order, then the rest nearest first."""
    by_code = {w.code: w for w in warehouses}
    first = [by_code[c] for c in dict.fromkeys(preferred) if c in by_code]
    chosen = {w.code for w in first}
    rest = [(i, w) for i, w in enumerate(warehouses) if w.code not in chosen]
    rest.sort(key=lambda iw: (*warehouse_distance(iw[1], ship_to), iw[0]))
    return first + [w for _, w in rest]


def _step(factor: Decimal, pack: Decimal | None) -> Decimal:
    """The smallest quantity (base units) that may be taken: a whole partner unit, a whole pack."""
    if pack is None or pack <= 0 or pack == factor:
        return factor
    if factor == factor.to_integral_value() and pack == pack.to_integral_value():
        return Decimal(lcm(int(factor), int(pack)))
    return factor


def _floor(quantity: Decimal, step: Decimal) -> Decimal:
    if step <= 0:
        return quantity
    return (quantity // step) * step


def _plan(
    lines: Sequence[SalesOrderLine],
    available: dict[tuple[str, str], Decimal],
    codes: Sequence[str],
    steps: Mapping[int, Decimal],
    partial: bool,
) -> list[_LinePlan]:
    plans = []
    for index, line in enumerate(lines):
        plan = _LinePlan(line)
        need = line.base_quantity or ZERO
        sku = line.sku or ""
        step = steps[index]
        for code in codes:
            remaining = need - plan.taken
            if remaining <= 0:
                break
            have = available.get((sku, code), ZERO)
            take = _floor(min(have, remaining), step)
            if take > 0:
                plan.take(code, take)
        if not partial and plan.short > 0:
            plan.clear()
        for code, take in plan.takes:
            available[(sku, code)] -= take
        plans.append(plan)
    return plans


def _available(stock: Sequence[StockLevel]) -> dict[tuple[str, str], Decimal]:
    available: dict[tuple[str, str], Decimal] = {}
    for row in stock:
        key = (row.sku, row.warehouse)
        available[key] = available.get(key, ZERO) + max(row.available, ZERO)
    return available


def _best_plan(
    lines: Sequence[SalesOrderLine],
    stock: Sequence[StockLevel],
    ranked: Sequence[str],
    steps: Mapping[int, Decimal],
    policy: OrderPolicy,
) -> list[_LinePlan]:
    if policy.multi_warehouse or not ranked:
        return _plan(lines, _available(stock), ranked, steps, policy.partial_shipment)
    best: list[_LinePlan] | None = None
    for code in ranked:
        plans = _plan(lines, _available(stock), [code], steps, policy.partial_shipment)
        if all(p.short <= 0 for p in plans):
            return plans
        if best is None or sum(p.taken for p in plans) > sum(p.taken for p in best):
            best = plans
    assert best is not None
    return best


def _reserve(stock: Sequence[StockLevel], sku: str, code: str, quantity: Decimal) -> None:
    for row in stock:
        if quantity <= 0:
            return
        if row.sku == sku and row.warehouse == code and row.available > 0:
            take = min(row.available, quantity)
            row.allocated += take
            quantity -= take
    if quantity > 0:  # the plan was made from these very rows
        raise AssertionError(f"allocation of {sku} at {code} exceeded what was available")


def _short_outcome(line: SalesOrderLine, action: ShortStockAction, short: Decimal) -> Outcome:
    n = line.line_number
    what = f"{_fmt(short / line.factor)} {line.unit or 'units'} of {line.sku}"
    if action is ShortStockAction.REVIEW:
        return Outcome(RULE, "stock.short", f"Not enough stock: {what} short.", n, review=True)
    if action is ShortStockAction.BACKORDER:
        return Outcome(RULE, "stock.backordered", f"{what} backordered.", n)
    return Outcome(RULE, "stock.cancelled", f"{what} cancelled for want of stock.", n)


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def allocate(
    lines: Sequence[SalesOrderLine],
    stock: list[StockLevel],
    warehouses: Sequence[Warehouse],
    ship_to: Party | None,
    policy: OrderPolicy,
    *,
    pack_sizes: Mapping[str, Decimal] | None = None,
) -> AllocationResult:
    """Reserve stock for ``lines`` (their ``sku``, ``base_quantity`` and ``factor`` set).

    Writes the allocations, confirmed / backordered / cancelled quantities (in
    the partner's unit) and IB / IQ statuses to the lines and the reservations
    to ``stock`` — unless a short line needs review, in which case nothing is
    changed and the result carries the review outcomes.  Only the given
    ``warehouses`` are used; stock rows elsewhere are ignored.
    """
    ranked = [w.code for w in rank_warehouses(warehouses, ship_to, policy.preferred_warehouses)]
    packs = pack_sizes if policy.pack_multiple_required and pack_sizes else {}
    steps = {i: _step(ln.factor, packs.get(ln.sku or "")) for i, ln in enumerate(lines)}
    plans = _best_plan(lines, stock, ranked, steps, policy)

    action = policy.short_stock
    result = AllocationResult(short=any(p.short > 0 for p in plans))
    if action is ShortStockAction.REVIEW:
        short = [p for p in plans if p.short > 0]
        for plan in short:
            outcome = _short_outcome(plan.line, action, plan.short)
            plan.line.outcomes.append(outcome)
            result.outcomes.append(outcome)
        if short:
            return result

    rows_at: dict[tuple[str, str], list[StockLevel]] = {}  # the stock rows of each (sku, warehouse)
    for row in stock:
        rows_at.setdefault((row.sku, row.warehouse), []).append(row)
    used: list[str] = []
    for plan in plans:
        line = plan.line
        for code, quantity in plan.takes:
            _reserve(rows_at.get((line.sku or "", code), ()), line.sku or "", code, quantity)
            line.allocations.append(Allocation(warehouse=code, quantity=quantity))
            if code not in used:
                used.append(code)
        line.confirmed_quantity = plan.taken / line.factor
        if plan.short > 0:
            rest = line.ordered_quantity - line.confirmed_quantity
            if action is ShortStockAction.BACKORDER:
                line.backordered_quantity = rest
                line.statuses.append(LineStatus.BACKORDERED)
            else:
                line.cancelled_quantity = rest
                line.statuses.append(LineStatus.QUANTITY_CHANGED)
            outcome = _short_outcome(line, action, plan.short)
            line.outcomes.append(outcome)
            result.outcomes.append(outcome)
    result.ship_from = used[0] if len(used) == 1 else None
    return result
