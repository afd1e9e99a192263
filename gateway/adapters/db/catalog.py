"""Items (with contract prices), warehouses and stock levels.

Stock is the one place two orders race.  ``lock_stock`` takes the rows for the
order's SKUs before the rules read them; ``apply_allocations`` writes the
result with a guarded UPDATE that refuses to oversell even if a caller forgot
to lock.  On PostgreSQL the lock is ``SELECT ... FOR UPDATE`` in (sku,
warehouse) order, so two orders over the same SKUs lock in the same order and
cannot deadlock; on SQLite the unit of work's ``BEGIN IMMEDIATE`` already holds
the database's write lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, delete, func, select, update

from gateway.adapters.db._sql import insert, is_postgresql
from gateway.adapters.db.errors import Oversell
from gateway.adapters.db.tables import contract_prices, items, stock, warehouses
from gateway.adapters.db.types import Amount
from gateway.domain.catalog import Item, StockLevel, Warehouse

AllocationDelta = tuple[str, str, Decimal]  # sku, warehouse, change of the allocated quantity


def _warehouse(row: Row[Any]) -> Warehouse:
    return Warehouse(
        code=row.code,
        name=row.name,
        address=row.address,
        city=row.city,
        state=row.state,
        postal_code=row.postal_code,
        country=row.country,
    )


def _level(row: Row[Any]) -> StockLevel:
    return StockLevel(sku=row.sku, warehouse=row.warehouse, on_hand=row.on_hand, allocated=row.allocated)


class CatalogRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    # items ---------------------------------------------------------------
    def upsert_item(self, item: Item) -> None:
        """Insert or replace the item and its contract prices."""
        values = {
            "description": item.description,
            "base_unit": item.base_unit,
            "pack_size": item.pack_size,
            "list_price": item.list_price,
            "upc": item.upc,
            "reorder_point": item.reorder_point,
            "active": item.active,
        }
        stmt = insert(self._c, items).values(sku=item.sku, **values)
        self._c.execute(stmt.on_conflict_do_update(index_elements=[items.c.sku], set_=values))
        self._c.execute(delete(contract_prices).where(contract_prices.c.sku == item.sku))
        if item.contract_prices:
            self._c.execute(
                contract_prices.insert(),
                [
                    {"partner_id": p, "sku": item.sku, "price": price}
                    for p, price in item.contract_prices.items()
                ],
            )

    def get_item(self, sku: str) -> Item | None:
        return self.get_items([sku]).get(sku)

    def get_items(self, skus: Iterable[str]) -> dict[str, Item]:
        wanted = sorted(set(skus))
        if not wanted:
            return {}
        return self._load(select(items).where(items.c.sku.in_(wanted)))

    def all_items(self, *, active_only: bool = False) -> dict[str, Item]:
        stmt = select(items)
        if active_only:
            stmt = stmt.where(items.c.active.is_(True))
        return self._load(stmt)

    def find_by_upc(self, upc: str) -> Item | None:
        """The item whose UPC is exactly ``upc`` (the first by SKU when several share it)."""
        found = self._load(select(items).where(items.c.upc == upc.strip()).order_by(items.c.sku).limit(1))
        return next(iter(found.values()), None)

    def _load(self, stmt: Any) -> dict[str, Item]:
        rows = self._c.execute(stmt.order_by(items.c.sku)).all()
        if not rows:
            return {}
        result = {
            r.sku: Item(
                sku=r.sku,
                description=r.description,
                base_unit=r.base_unit,
                pack_size=r.pack_size,
                list_price=r.list_price,
                upc=r.upc,
                reorder_point=r.reorder_point,
                active=r.active,
            )
            for r in rows
        }
        prices = select(contract_prices).where(contract_prices.c.sku.in_(list(result)))
        for p in self._c.execute(prices.order_by(contract_prices.c.sku, contract_prices.c.partner_id)):
            result[p.sku].contract_prices[p.partner_id] = p.price
        return result

    # warehouses ----------------------------------------------------------
    def upsert_warehouse(self, warehouse: Warehouse) -> None:
        values = {
            "name": warehouse.name,
            "address": warehouse.address,
            "city": warehouse.city,
            "state": warehouse.state,
            "postal_code": warehouse.postal_code,
            "country": warehouse.country,
        }
        stmt = insert(self._c, warehouses).values(code=warehouse.code, **values)
        self._c.execute(stmt.on_conflict_do_update(index_elements=[warehouses.c.code], set_=values))

    def warehouses(self) -> list[Warehouse]:
        return [_warehouse(r) for r in self._c.execute(select(warehouses).order_by(warehouses.c.code))]

    # stock ---------------------------------------------------------------
    def set_stock(self, sku: str, warehouse: str, on_hand: Decimal) -> None:
        """Set the quantity on hand (a count); what is allocated stays.  Below allocated is refused."""
        stmt = insert(self._c, stock).values(
            sku=sku, warehouse=warehouse, on_hand=on_hand, allocated=Decimal(0)
        )
        self._c.execute(
            stmt.on_conflict_do_update(
                index_elements=[stock.c.sku, stock.c.warehouse], set_={"on_hand": on_hand}
            )
        )

    def stock(self, skus: Iterable[str]) -> list[StockLevel]:
        """Stock rows for ``skus`` without locking them (reports, screens)."""
        return self._select_stock(skus, lock=False)

    def lock_stock(self, skus: Iterable[str]) -> list[StockLevel]:
        """Stock rows for ``skus``, held until the unit of work ends; ordered by (sku, warehouse)."""
        return self._select_stock(skus, lock=True)

    def _select_stock(self, skus: Iterable[str], *, lock: bool) -> list[StockLevel]:
        wanted = sorted(set(skus))
        if not wanted:
            return []
        stmt = select(stock).where(stock.c.sku.in_(wanted)).order_by(stock.c.sku, stock.c.warehouse)
        if lock and is_postgresql(self._c):
            stmt = stmt.with_for_update()
        return [_level(r) for r in self._c.execute(stmt)]

    def apply_allocations(self, deltas: Sequence[AllocationDelta]) -> None:
        """Add each delta to ``allocated`` (negative releases); raises ``Oversell`` for a row that
        would go above ``on_hand`` or below 0, or that does not exist.  Nothing is half-applied as
        long as the caller rolls the unit of work back on the error."""
        merged: dict[tuple[str, str], Decimal] = {}
        for sku, warehouse, quantity in deltas:
            merged[(sku, warehouse)] = merged.get((sku, warehouse), Decimal(0)) + Decimal(quantity)
        rows = [
            {"b_sku": sku, "b_warehouse": warehouse, "delta": quantity}
            for (sku, warehouse), quantity in sorted(merged.items())
            if quantity != 0
        ]
        if not rows:
            return
        result = self._c.execute(_ALLOCATE, rows)
        if result.rowcount == len(rows):
            return
        # a row was refused (or missing): name the first that does not fit now
        current = {(s.sku, s.warehouse): s for s in self.stock(sku for sku, _w in merged)}
        for row in rows:
            level = current.get((row["b_sku"], row["b_warehouse"]))
            after = level.allocated + row["delta"] if level is not None else None
            if after is None or after > level.on_hand or after < 0:  # type: ignore[union-attr]
                raise Oversell(row["b_sku"], row["b_warehouse"], row["delta"])
        raise Oversell(rows[0]["b_sku"], rows[0]["b_warehouse"], rows[0]["delta"])


_DELTA = bindparam("delta", type_=Amount())
_NEW_ALLOCATED = func.round(stock.c.allocated + _DELTA, 4)
_ALLOCATE = (
    update(stock)
    .where(
        and_(
            stock.c.sku == bindparam("b_sku"),
            stock.c.warehouse == bindparam("b_warehouse"),
            stock.c.on_hand >= _NEW_ALLOCATED,
            _NEW_ALLOCATED >= 0,
        )
    )
    .values(allocated=_NEW_ALLOCATED)
)
