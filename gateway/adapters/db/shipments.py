"""Shipments (with their lines and packages), the progress of sales-order lines, and stock moves.

A sales-order line is updated in place (``save_progress``): shipped, confirmed and
backordered quantities, statuses and allocations, so the ids shipment lines point
to stay.  Stock moves are guarded UPDATEs that refuse to take ``on_hand`` or
``allocated`` below zero or ``allocated`` above ``on_hand`` (``Oversell``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, Row, and_, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from gateway.adapters.db._sql import insert, is_postgresql, now
from gateway.adapters.db.errors import Oversell
from gateway.adapters.db.tables import (
    allocations,
    bin_locations,
    packages,
    sales_order_lines,
    sales_orders,
    shipment_lines,
    shipments,
    stock,
)
from gateway.adapters.db.types import Amount
from gateway.domain.orders import AckType, LineStatus, SalesOrder
from gateway.domain.shipping import ShipLine, Shipment
from gateway.errors import NotFound, StorageConflict

lines_t = sales_order_lines


@cache
def _shipment_adapter() -> TypeAdapter[Shipment]:
    return TypeAdapter(Shipment)


@dataclass(slots=True)
class StoredShipment:
    id: int
    shipment_number: str
    sales_order_id: int
    partner_id: str
    po_number: str
    warehouse: str
    ship_date: date
    shipment: Shipment
    outbound_document_id: int | None
    invoice_id: int | None
    created_at: datetime


@dataclass(slots=True)
class BackorderedLine:
    sales_order_id: int
    position: int
    partner_id: str
    created_at: datetime


def _stored(row: Row[Any]) -> StoredShipment:
    return StoredShipment(
        id=row.id,
        shipment_number=row.shipment_number,
        sales_order_id=row.sales_order_id,
        partner_id=row.partner_id,
        po_number=row.po_number,
        warehouse=row.warehouse,
        ship_date=row.ship_date,
        shipment=_shipment_adapter().validate_python(row.document),
        outbound_document_id=row.outbound_document_id,
        invoice_id=row.invoice_id,
        created_at=row.created_at,
    )


class ShipmentRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    # sales orders, as fulfilment sees them ---------------------------------
    def lock_sales_order(self, sales_order_id: int) -> None:
        """Hold the sales order's row until the unit of work ends (PostgreSQL; SQLite's write lock
        already serialises writers), so two shipments of one order check their quantities in turn."""
        stmt = select(sales_orders.c.id).where(sales_orders.c.id == sales_order_id)
        if is_postgresql(self._c):
            stmt = stmt.with_for_update()
        if self._c.execute(stmt).scalar_one_or_none() is None:
            raise NotFound(f"no sales order {sales_order_id}")

    def line_ids(self, sales_order_id: int) -> dict[int, int]:
        """Position → sales-order line id."""
        stmt = select(lines_t.c.position, lines_t.c.id).where(lines_t.c.sales_order_id == sales_order_id)
        return {int(p): int(i) for p, i in self._c.execute(stmt)}

    def save_progress(self, sales_order_id: int, order: SalesOrder) -> None:
        """Write the lines' shipped, confirmed and backordered quantities, statuses and allocations,
        and the header's acknowledgement type, in place."""
        ids = self.line_ids(sales_order_id)
        self._c.execute(
            update(sales_orders)
            .where(sales_orders.c.id == sales_order_id)
            .values(ack_type=AckType(order.ack_type).value, updated_at=now())
        )
        rows = []
        allocation_rows = []
        for position, line in enumerate(order.lines):
            line_id = ids.get(position)
            if line_id is None:
                raise NotFound(f"sales order {sales_order_id} has no line at position {position}")
            rows.append(
                {
                    "b_id": line_id,
                    "b_shipped": line.shipped_quantity,
                    "b_confirmed": line.confirmed_quantity,
                    "b_backordered": line.backordered_quantity,
                    "b_statuses": [LineStatus(s).value for s in line.statuses],
                }
            )
            allocation_rows.extend(
                {"sales_order_line_id": line_id, "warehouse": a.warehouse, "quantity": a.quantity}
                for a in line.allocations
                if a.quantity > 0
            )
        if rows:
            self._c.execute(_SAVE_LINE, rows)
        self._c.execute(delete(allocations).where(allocations.c.sales_order_line_id.in_(list(ids.values()))))
        if allocation_rows:
            self._c.execute(allocations.insert(), allocation_rows)

    def backordered(self, sku: str) -> list[BackorderedLine]:
        """Confirmed orders' lines of ``sku`` with something backordered, oldest order first."""
        stmt = (
            select(
                lines_t.c.sales_order_id,
                lines_t.c.position,
                sales_orders.c.partner_id,
                sales_orders.c.created_at,
            )
            .join(sales_orders, sales_orders.c.id == lines_t.c.sales_order_id)
            .where(
                lines_t.c.sku == sku,
                lines_t.c.backordered_quantity > 0,
                sales_orders.c.status == "confirmed",
            )
            .order_by(sales_orders.c.created_at, sales_orders.c.id, lines_t.c.position)
        )
        return [BackorderedLine(int(r[0]), int(r[1]), r[2], r[3]) for r in self._c.execute(stmt)]

    # stock ---------------------------------------------------------------
    def take_from_stock(self, moves: Sequence[tuple[str, str, Decimal]]) -> None:
        """Goods leave: for each (sku, warehouse, base quantity) both ``on_hand`` and ``allocated``
        go down by it.  ``Oversell`` when a row does not hold that much allocated."""
        merged: dict[tuple[str, str], Decimal] = {}
        for sku, warehouse, quantity in moves:
            merged[(sku, warehouse)] = merged.get((sku, warehouse), Decimal(0)) + quantity
        rows = [
            {"b_sku": sku, "b_warehouse": wh, "qty": q} for (sku, wh), q in sorted(merged.items()) if q != 0
        ]
        if not rows:
            return
        result = self._c.execute(_TAKE, rows)
        if result.rowcount != len(rows):
            first = rows[0]
            raise Oversell(first["b_sku"], first["b_warehouse"], -first["qty"])

    def add_stock(self, sku: str, warehouse: str, quantity: Decimal) -> None:
        """Goods arrive: ``on_hand`` goes up (the row is made when the SKU was never stocked there)."""
        stmt = insert(self._c, stock).values(sku=sku, warehouse=warehouse, on_hand=quantity, allocated=0)
        self._c.execute(
            stmt.on_conflict_do_update(
                index_elements=[stock.c.sku, stock.c.warehouse],
                set_={"on_hand": func.round(stock.c.on_hand + stmt.excluded.on_hand, 4)},
            )
        )

    def set_bins(self, bins: dict[tuple[str, str], str]) -> None:
        """Replace the bin locations with ``bins`` ((sku, warehouse) → bin)."""
        self._c.execute(delete(bin_locations))
        if bins:
            self._c.execute(
                bin_locations.insert(),
                [{"sku": s, "warehouse": w, "bin": b} for (s, w), b in sorted(bins.items())],
            )

    def bins(self) -> dict[tuple[str, str], str]:
        return {(r.sku, r.warehouse): r.bin for r in self._c.execute(select(bin_locations))}

    # shipments -----------------------------------------------------------
    def _insert_shipment(
        self, sales_order_id: int, order: SalesOrder, shipment: Shipment, warehouse: str
    ) -> int:
        return int(
            self._c.execute(
                shipments.insert()
                .values(
                    shipment_number=shipment.shipment_id,
                    sales_order_id=sales_order_id,
                    partner_id=order.partner_id,
                    po_number=order.po_number,
                    warehouse=warehouse,
                    ship_date=shipment.ship_date,
                    document=_shipment_adapter().dump_python(shipment, mode="json"),
                    created_at=now(),
                )
                .returning(shipments.c.id)
            ).scalar_one()
        )

    def add(
        self,
        sales_order_id: int,
        order: SalesOrder,
        shipment: Shipment,
        plan: Sequence[ShipLine],
        warehouse: str,
    ) -> int:
        """Store a shipment with its lines and its packages (cartons P and pallets T, by SSCC)."""
        positions = {ln.line_number: p for p, ln in enumerate(order.lines)}
        ids = self.line_ids(sales_order_id)
        try:
            new_id = self._insert_shipment(sales_order_id, order, shipment, warehouse)
        except IntegrityError as exc:  # the same shipment id recorded for another order meanwhile
            raise StorageConflict(
                f"shipment {shipment.shipment_id} is recorded for another order", code="shipment.duplicate"
            ) from exc
        line_rows = [
            {
                "shipment_id": new_id,
                "sales_order_line_id": ids[positions[sl.line_number]],
                "line_number": sl.line_number,
                "sku": sl.sku,
                "quantity": sl.quantity,
                "base_quantity": take.quantity,
                "warehouse": take.warehouse,
            }
            for sl in plan
            for take in sl.takes
        ]
        if line_rows:
            self._c.execute(shipment_lines.insert(), line_rows)
        package_rows = [
            {"sscc": p.sscc, "shipment_id": new_id, "level": "T", "contents": {"pallet": i}}
            for i, p in enumerate(shipment.pallets)
            if p.sscc
        ] + [
            {
                "sscc": c.sscc,
                "shipment_id": new_id,
                "level": "P",
                "contents": {
                    "lines": [[cl.line_number, str(cl.quantity)] for cl in c.lines],
                    "pallet": c.pallet,
                },
            }
            for c in shipment.cartons
            if c.sscc
        ]
        if package_rows:
            self._c.execute(packages.insert(), package_rows)
        return new_id

    def find(self, shipment_number: str) -> StoredShipment | None:
        found = self._load(select(shipments).where(shipments.c.shipment_number == shipment_number))
        return found[0] if found else None

    def get(self, shipment_id: int) -> StoredShipment | None:
        found = self._load(select(shipments).where(shipments.c.id == shipment_id))
        return found[0] if found else None

    def for_sales_order(self, sales_order_id: int, *, uninvoiced: bool = False) -> list[StoredShipment]:
        stmt = select(shipments).where(shipments.c.sales_order_id == sales_order_id)
        if uninvoiced:
            stmt = stmt.where(shipments.c.invoice_id.is_(None))
        return self._load(stmt)

    def list(self, partner_id: str | None = None, limit: int | None = None) -> list[StoredShipment]:
        stmt = select(shipments)
        if partner_id is not None:
            stmt = stmt.where(shipments.c.partner_id == partner_id)
        if limit is not None:
            stmt = stmt.limit(limit)
        return self._load(stmt)

    def set_outbound(self, shipment_id: int, outbound_id: int) -> None:
        self._c.execute(
            update(shipments).where(shipments.c.id == shipment_id).values(outbound_document_id=outbound_id)
        )

    def set_invoice(self, shipment_ids: Iterable[int], invoice_id: int) -> None:
        wanted = sorted(set(shipment_ids))
        if wanted:
            self._c.execute(update(shipments).where(shipments.c.id.in_(wanted)).values(invoice_id=invoice_id))

    def _load(self, stmt: Any) -> list[StoredShipment]:
        return [_stored(r) for r in self._c.execute(stmt.order_by(shipments.c.id))]


_SAVE_LINE = (
    update(lines_t)
    .where(lines_t.c.id == bindparam("b_id"))
    .values(
        shipped_quantity=bindparam("b_shipped", type_=Amount()),
        confirmed_quantity=bindparam("b_confirmed", type_=Amount()),
        backordered_quantity=bindparam("b_backordered", type_=Amount()),
        statuses=bindparam("b_statuses", type_=lines_t.c.statuses.type),
    )
)

_QTY = bindparam("qty", type_=Amount())
_TAKE = (
    update(stock)
    .where(
        and_(
            stock.c.sku == bindparam("b_sku"),
            stock.c.warehouse == bindparam("b_warehouse"),
            stock.c.allocated >= _QTY,
            stock.c.on_hand >= _QTY,
        )
    )
    .values(on_hand=func.round(stock.c.on_hand - _QTY, 4), allocated=func.round(stock.c.allocated - _QTY, 4))
)
