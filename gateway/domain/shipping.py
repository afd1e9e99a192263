"""Shipments: what leaves a warehouse against a sales order, packed in cartons (and pallets).

Quantities on a shipment are in the partner's unit (the unit it ordered in); a
line's base quantity is that times ``SalesOrderLine.factor``.  A line can be
split over several cartons and several shipments; what may ship of it is what
is confirmed (allocated) and not shipped yet: ``open_quantity``.  More than that
is refused with ``OverShipment``.  ``plan_shipment`` checks a shipment against an
order and says, per line, from which warehouse allocations the goods come;
``apply_shipment`` records it on the order (shipped quantities up, allocations
down).  Nothing here touches stock rows: the service moves them with the plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from gateway.domain.catalog import Item
from gateway.domain.orders import Allocation, OrderStatus, SalesOrder, SalesOrderLine
from gateway.errors import InputError, OverShipment

ZERO = Decimal(0)


@dataclass(slots=True)
class CartonLine:
    line_number: str  # the PO line (PO101) the goods are for
    quantity: Decimal  # in the partner's unit


@dataclass(slots=True)
class Carton:
    lines: list[CartonLine] = field(default_factory=list)
    sscc: str | None = None  # assigned when the shipment is recorded
    pallet: int | None = None  # index into Shipment.pallets (SOTPI), None when loose
    weight: Decimal | None = None  # pounds


@dataclass(slots=True)
class Pallet:
    sscc: str | None = None


@dataclass(slots=True)
class Shipment:
    shipment_id: str  # BSN02: ours, unique
    ship_date: date
    cartons: list[Carton] = field(default_factory=list)
    pallets: list[Pallet] = field(default_factory=list)
    carrier_scac: str | None = None
    carrier_name: str | None = None
    transport_method: str = "M"  # TD504: M motor (common carrier), U private parcel, ...
    bill_of_lading: str | None = None
    tracking_number: str | None = None
    weight: Decimal | None = None  # gross, pounds; the cartons' sum when not given
    warehouse: str | None = None  # where it leaves from; by default where the lines are allocated

    def line_quantities(self) -> dict[str, Decimal]:
        """Per PO line, what this shipment carries over all its cartons."""
        out: dict[str, Decimal] = {}
        for carton in self.cartons:
            for cl in carton.lines:
                out[cl.line_number] = out.get(cl.line_number, ZERO) + cl.quantity
        return out

    @property
    def gross_weight(self) -> Decimal:
        if self.weight is not None:
            return self.weight
        return sum((c.weight or ZERO for c in self.cartons), ZERO)


@dataclass(slots=True)
class ShipLine:
    """One order line of a recorded shipment: how much, and from which warehouse allocations."""

    line_number: str
    sku: str
    quantity: Decimal  # partner unit
    unit: str
    base_quantity: Decimal
    takes: list[Allocation] = field(default_factory=list)  # base units per warehouse


@dataclass(slots=True)
class PickLine:
    warehouse: str
    sku: str
    description: str
    quantity: Decimal  # base units to pick
    base_unit: str
    partner_id: str
    po_number: str
    line_number: str | None
    sales_order_id: int
    bin: str | None = None


def _plain(value: Decimal) -> Decimal:
    return value.normalize() if value != value.to_integral_value() else value.quantize(Decimal(1))


def open_quantity(line: SalesOrderLine, warehouse: str | None = None) -> Decimal:
    """What of a line is confirmed (allocated) and not shipped yet, in the partner's unit; with
    ``warehouse``, only what is allocated there."""
    left = max(line.confirmed_quantity - line.shipped_quantity, ZERO)
    if warehouse is None:
        return left
    there = sum((a.quantity for a in line.allocations if a.warehouse == warehouse), ZERO)
    return min(left, there / line.factor if line.factor else there)


def first_warehouse(order: SalesOrder) -> str | None:
    """The warehouse of the first open allocation of the order (where the next shipment leaves)."""
    for line in order.lines:
        if open_quantity(line) > 0:
            for a in line.allocations:
                if a.quantity > 0:
                    return a.warehouse
    return None


def _line(order: SalesOrder, line_number: str) -> SalesOrderLine:
    for ln in order.lines:
        if ln.line_number == line_number:
            return ln
    raise InputError(f"PO {order.po_number} has no line {line_number}", code="shipment.unknown_line")


def plan_shipment(order: SalesOrder, shipment: Shipment) -> list[ShipLine]:
    """Check ``shipment`` against ``order``: every line known, every quantity positive and at most
    its open quantity (``OverShipment`` otherwise); the warehouse allocations each line ships from,
    in the order they were made."""
    if order.status is not OrderStatus.CONFIRMED:
        raise InputError(
            f"PO {order.po_number} is {order.status.value}: only confirmed orders ship",
            code="shipment.not_open",
        )
    if not shipment.cartons or not any(c.lines for c in shipment.cartons):
        raise InputError(f"shipment {shipment.shipment_id} carries nothing", code="shipment.empty")
    for carton in shipment.cartons:
        for cl in carton.lines:
            if cl.quantity <= 0:
                raise InputError(
                    f"line {cl.line_number}: a carton holds a positive quantity, not {cl.quantity}",
                    code="shipment.quantity",
                )
        if carton.pallet is not None and not 0 <= carton.pallet < len(shipment.pallets):
            raise InputError(f"a carton names pallet {carton.pallet}, which is not on the shipment")
    out: list[ShipLine] = []
    for line_number, quantity in shipment.line_quantities().items():
        line = _line(order, line_number)
        available = open_quantity(line, shipment.warehouse)
        if quantity > available:
            raise OverShipment(order.po_number, line_number, _plain(quantity), _plain(available))
        base = quantity * line.factor
        takes: list[Allocation] = []
        left = base
        for a in line.allocations:
            if left <= 0:
                break
            if shipment.warehouse is not None and a.warehouse != shipment.warehouse:
                continue
            take = min(a.quantity, left)
            if take > 0:
                takes.append(Allocation(a.warehouse, take))
                left -= take
        if left > 0:
            # confirmed but its allocation is gone (should not happen): refuse rather than ship air
            raise OverShipment(order.po_number, line_number, quantity, (base - left) / line.factor)
        out.append(ShipLine(line_number, line.sku or "", quantity, line.unit or "EA", base, takes))
    return out


def apply_shipment(order: SalesOrder, plan: Sequence[ShipLine]) -> None:
    """Record a planned shipment on the order: shipped quantities up, allocations down."""
    for sl in plan:
        line = _line(order, sl.line_number)
        line.shipped_quantity += sl.quantity
        for take in sl.takes:
            need = take.quantity
            for a in line.allocations:
                if need <= 0:
                    break
                if a.warehouse == take.warehouse and a.quantity > 0:
                    used = min(a.quantity, need)
                    a.quantity -= used
                    need -= used
        line.allocations = [a for a in line.allocations if a.quantity > 0]


def pack_open_lines(
    order: SalesOrder, *, warehouse: str | None = None, per_carton: Decimal | None = None
) -> list[Carton]:
    """Cartons for everything open on ``order`` (allocated in ``warehouse`` when given): one line per
    carton, split into cartons of at most ``per_carton`` (partner units) when given."""
    cartons: list[Carton] = []
    for line in order.lines:
        left = open_quantity(line, warehouse)
        if left <= 0 or line.line_number is None:
            continue
        while left > 0:
            take = left if per_carton is None or per_carton <= 0 else min(left, per_carton)
            cartons.append(Carton([CartonLine(line.line_number, take)]))
            left -= take
    return cartons


def pick_lines(
    orders: Iterable[tuple[int, SalesOrder]],
    items: dict[str, Item],
    *,
    warehouse: str | None = None,
    bins: dict[tuple[str, str], str] | None = None,
) -> list[PickLine]:
    """What to pick for the open (allocated, unshipped) lines, by warehouse, bin and SKU."""
    out: list[PickLine] = []
    for so_id, order in orders:
        if order.status is not OrderStatus.CONFIRMED:
            continue
        for line in order.lines:
            if line.sku is None or open_quantity(line) <= 0:
                continue
            for a in line.allocations:
                if a.quantity <= 0 or (warehouse is not None and a.warehouse != warehouse):
                    continue
                item = items.get(line.sku)
                out.append(
                    PickLine(
                        warehouse=a.warehouse,
                        sku=line.sku,
                        description=item.description if item else "",
                        quantity=a.quantity,
                        base_unit=item.base_unit if item else "EA",
                        partner_id=order.partner_id,
                        po_number=order.po_number,
                        line_number=line.line_number,
                        sales_order_id=so_id,
                        bin=(bins or {}).get((line.sku, a.warehouse)),
                    )
                )
    out.sort(key=lambda p: (p.warehouse, p.bin or "", p.sku, p.sales_order_id))
    return out
