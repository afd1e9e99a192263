"""Items, warehouses and stock: the seller's side of an order."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(slots=True)
class Item:
    sku: str
    description: str
    base_unit: str = "EA"
    pack_size: Decimal = Decimal(1)  # sell in multiples of this many base units
    list_price: Decimal = Decimal(0)
    upc: str | None = None
    contract_prices: dict[str, Decimal] = field(default_factory=dict)  # partner id → price per base unit
    reorder_point: Decimal = Decimal(0)
    active: bool = True

    def price_for(self, partner_id: str) -> Decimal:
        return self.contract_prices.get(partner_id, self.list_price)


@dataclass(slots=True)
class Warehouse:
    code: str
    name: str
    address: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = "US"


@dataclass(slots=True)
class StockLevel:
    sku: str
    warehouse: str
    on_hand: Decimal
    allocated: Decimal = Decimal(0)

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.allocated
