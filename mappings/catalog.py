"""Items, contract prices, warehouses and stock, read from a directory of data files.

    catalog.csv          sku, description, base_unit, pack_size, list_price, upc, reorder_point [, active]
    contract_prices.csv  partner, sku, price          (optional; price per base unit)
    warehouses.yaml      warehouses: [{code, name, address, city, state, postal_code, country}]
    stock.csv            sku, warehouse, on_hand       (optional; no row means none on hand)

``load_catalog(directory)`` validates them all and raises one ``ConfigProblems``
(a ``ConfigurationError``) listing every problem as ``<file>: row N: column:
what`` (``<file>: warehouses[i].field: what`` for the YAML).
``catalog_problems(catalog, partners)`` checks what joins the two: every
cross-reference, contract price and preferred warehouse names something that
exists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gateway.domain.catalog import Item, StockLevel, Warehouse
from gateway.domain.partners import PartnerProfile
from mappings.loader import display, read_csv, read_yaml, validate_row
from mappings.schema import Code, ConfigProblems, Gtin, Text, UnitCode, validation_problems

CATALOG_FILE = "catalog.csv"
PRICES_FILE = "contract_prices.csv"
WAREHOUSES_FILE = "warehouses.yaml"
STOCK_FILE = "stock.csv"


@dataclass(slots=True)
class Catalog:
    items: dict[str, Item] = field(default_factory=dict)
    warehouses: list[Warehouse] = field(default_factory=list)
    stock: list[StockLevel] = field(default_factory=list)


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ItemRow(_Row):
    sku: Code
    description: Text
    base_unit: UnitCode = "EA"
    pack_size: Decimal = Field(default=Decimal(1), gt=0)
    list_price: Decimal = Field(default=Decimal(0), ge=0)
    upc: Gtin | None = None
    reorder_point: Decimal = Field(default=Decimal(0), ge=0)
    active: bool = True


class PriceRow(_Row):
    partner: Code
    sku: Code
    price: Decimal = Field(ge=0)


class StockRow(_Row):
    sku: Code
    warehouse: Code
    on_hand: Decimal = Field(ge=0)


class WarehouseEntry(_Row):
    code: Code
    name: Text
    address: str = ""
    city: Text
    state: str
    postal_code: str
    country: str = "US"

    @field_validator("state", "country")
    @classmethod
    def _upper_two(cls, value: str) -> str:
        value = value.upper()
        if not re.fullmatch(r"[A-Z]{2}", value):
            raise ValueError("must be a two-letter code")
        return value

    @field_validator("postal_code")
    @classmethod
    def _postal(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 \-]{2,9}", value):
            raise ValueError("must be a postal code such as 43123 or 43123-4410")
        return value


class WarehousesFile(_Row):
    warehouses: list[WarehouseEntry] = Field(min_length=1)


def _items(path: Path, problems: list[str]) -> dict[str, Item]:
    label = display(path)
    rows = read_csv(
        path,
        problems,
        required=("sku", "description", "base_unit", "pack_size", "list_price"),
        optional=("upc", "reorder_point", "active"),
    )
    items: dict[str, Item] = {}
    first_row: dict[str, int] = {}
    upcs: dict[str, tuple[int, str]] = {}
    for row in rows or []:
        r = validate_row(ItemRow, row, label, problems)
        if not isinstance(r, ItemRow):
            continue
        key = r.sku.upper()
        if key in first_row:
            problems.append(f"{label}: row {row.number}: sku: {r.sku} is already on row {first_row[key]}")
            continue
        first_row[key] = row.number
        if r.upc:
            gtin = r.upc.lstrip("0")
            if gtin in upcs:
                n, other = upcs[gtin]
                problems.append(f"{label}: row {row.number}: upc: {r.upc} is already {other}'s (row {n})")
            upcs.setdefault(gtin, (row.number, r.sku))
        items[r.sku] = Item(
            sku=r.sku,
            description=r.description,
            base_unit=r.base_unit,
            pack_size=r.pack_size,
            list_price=r.list_price,
            upc=r.upc,
            reorder_point=r.reorder_point,
            active=r.active,
        )
    return items


def _prices(path: Path, items: dict[str, Item], problems: list[str]) -> None:
    label = display(path)
    rows = read_csv(path, problems, required=("partner", "sku", "price"))
    seen: dict[tuple[str, str], int] = {}
    for row in rows or []:
        r = validate_row(PriceRow, row, label, problems)
        if not isinstance(r, PriceRow):
            continue
        if r.sku not in items:
            problems.append(f"{label}: row {row.number}: sku: {r.sku} is not in {CATALOG_FILE}")
            continue
        key = (r.partner.upper(), r.sku)
        if key in seen:
            problems.append(
                f"{label}: row {row.number}: price: {r.partner} already has a price for {r.sku} "
                f"(row {seen[key]})"
            )
            continue
        seen[key] = row.number
        items[r.sku].contract_prices[r.partner] = r.price


def _warehouses(path: Path, problems: list[str]) -> list[Warehouse]:
    label = display(path)
    before = len(problems)
    data = read_yaml(path, problems)
    if len(problems) > before:
        return []
    try:
        doc = WarehousesFile.model_validate(data)
    except ValidationError as exc:
        problems.extend(validation_problems(label, exc, model=WarehousesFile))
        return []
    out: list[Warehouse] = []
    seen: set[str] = set()
    for i, w in enumerate(doc.warehouses):
        if w.code.upper() in seen:
            problems.append(f"{label}: warehouses[{i}].code: {w.code} is listed twice")
            continue
        seen.add(w.code.upper())
        out.append(Warehouse(w.code, w.name, w.address, w.city, w.state, w.postal_code, w.country))
    return out


def _stock(
    path: Path, items: dict[str, Item], warehouses: list[Warehouse], problems: list[str]
) -> list[StockLevel]:
    label = display(path)
    codes = {w.code for w in warehouses}
    rows = read_csv(path, problems, required=("sku", "warehouse", "on_hand"))
    seen: dict[tuple[str, str], int] = {}
    out: list[StockLevel] = []
    for row in rows or []:
        r = validate_row(StockRow, row, label, problems)
        if not isinstance(r, StockRow):
            continue
        bad = False
        if r.sku not in items:
            problems.append(f"{label}: row {row.number}: sku: {r.sku} is not in {CATALOG_FILE}")
            bad = True
        if codes and r.warehouse not in codes:
            problems.append(
                f"{label}: row {row.number}: warehouse: {r.warehouse} is not in {WAREHOUSES_FILE} "
                f"({', '.join(sorted(codes))})"
            )
            bad = True
        key = (r.sku, r.warehouse)
        if not bad and key in seen:
            problems.append(
                f"{label}: row {row.number}: sku: {r.sku} at {r.warehouse} is already on row {seen[key]}"
            )
            bad = True
        if bad:
            continue
        seen[key] = row.number
        out.append(StockLevel(sku=r.sku, warehouse=r.warehouse, on_hand=r.on_hand))
    return out


def load_catalog(directory: Path) -> Catalog:
    """Items (with contract prices), warehouses and stock from ``directory``.

    ``catalog.csv`` and ``warehouses.yaml`` are required, ``contract_prices.csv``
    and ``stock.csv`` optional.  Raises ``ConfigProblems`` listing every problem.
    """
    directory = Path(directory)
    problems: list[str] = []
    if not directory.is_dir():
        raise ConfigProblems([f"{display(directory)}: is not a catalog directory"])
    for name in (CATALOG_FILE, WAREHOUSES_FILE):
        if not (directory / name).is_file():
            problems.append(f"{display(directory / name)}: is missing")
    if problems:
        raise ConfigProblems(problems, what="catalog")
    items = _items(directory / CATALOG_FILE, problems)
    if (directory / PRICES_FILE).is_file():
        _prices(directory / PRICES_FILE, items, problems)
    warehouses = _warehouses(directory / WAREHOUSES_FILE, problems)
    stock: list[StockLevel] = []
    if (directory / STOCK_FILE).is_file():
        stock = _stock(directory / STOCK_FILE, items, warehouses, problems)
    if problems:
        raise ConfigProblems(problems, what="catalog")
    return Catalog(items=items, warehouses=warehouses, stock=stock)


def catalog_problems(catalog: Catalog, partners: Mapping[str, PartnerProfile]) -> list[str]:
    """What does not join between profiles and catalog: unknown SKUs, partners, warehouses."""
    problems: list[str] = []
    codes = {w.code for w in catalog.warehouses}
    for partner in partners.values():
        where = partner.source_file or partner.id
        for i, xref in enumerate(partner.cross_references):
            if xref.sku not in catalog.items:
                problems.append(f"{where}: cross reference {i + 1}: sku: {xref.sku} is not in the catalog")
        for code in partner.policy.preferred_warehouses:
            if code not in codes:
                problems.append(f"{where}: policy.preferred_warehouses: {code} is not a warehouse")
    for item in catalog.items.values():
        for partner_id in item.contract_prices:
            if partner_id not in partners:
                problems.append(f"{PRICES_FILE}: partner: {partner_id} (for {item.sku}) has no profile")
    return problems


__all__ = ["Catalog", "catalog_problems", "load_catalog"]
