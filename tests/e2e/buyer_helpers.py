"""mock-edi buying from us: what the buyer, fulfilment and change exchanges share.

Our side is the supplier ``ORDERGATE`` (ISA06/GS02 we send from), mock-edi the buyer
``MOCKEDI``; ``supplier_settings`` and ``write_catalog`` set our gateway up in a work folder,
``partner_yaml`` starts our profile of mock-edi, ``add_supplier`` and ``purchase`` drive the
mock's control plane, and ``segments`` / ``first`` read an interchange without a parser of
either side's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.config import Settings
from tests.e2e.mock_edi import MockEdiProcess

SUPPLIER = "ORDERGATE"  # mock-edi's partner id for us = ISA06/GS02 we send from
BUYER = "MOCKEDI"  # mock-edi's own --as2-id = ISA06/GS02 of its 850, and our profile's id


@dataclass(frozen=True)
class Line:
    sku: str
    description: str
    quantity: int
    price: str


LINES = (
    Line("OG-HEX-9", "HEX KEY SET METRIC 9 PC", 10, "9.40"),
    Line("OG-TAPE-25", "TAPE MEASURE 25 FT", 30, "15.90"),
    Line("OG-DUCT-60", "DUCT TAPE 2 IN X 60 YD", 24, "6.70"),
)


# -- our side


def supplier_settings(workdir: Path) -> Settings:
    """Our gateway as the supplier, everything (SQLite database, partners, catalog, outbox) in ``workdir``."""
    data_dir = workdir / "data"
    data_dir.mkdir(parents=True)
    return Settings(
        environment="test",
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'ordergate.db'}",
        partners_dir=workdir / "partners",
        catalog_dir=workdir / "catalog",
        outbox_dir=workdir / "outbox",
        isa_qualifier="ZZ",
        isa_id=SUPPLIER,
        gs_id=SUPPLIER,
    )


def partner_yaml() -> str:
    """The head of our profile of mock-edi (id, name, X12 identity); the caller adds documents and policy."""
    return f"""\
id: {BUYER}
name: Mock EDI Supply Co
identities:
  x12:
    isa_qualifier: ZZ
    isa_id: {BUYER}
    gs_id: {BUYER}
    version: "004010"
"""


def write_catalog(
    directory: Path,
    stock: Mapping[str, int],
    lines: Sequence[Line] = LINES,
    warehouse: str = "Boston Distribution Center",
) -> None:
    """A catalog of ``lines``, one warehouse BOS named ``warehouse``, and ``stock`` on hand there."""
    directory.mkdir(parents=True)
    rows = "".join(f"{line.sku},{line.description},EA,1,{line.price},,0,true\n" for line in lines)
    (directory / "catalog.csv").write_text(
        "sku,description,base_unit,pack_size,list_price,upc,reorder_point,active\n" + rows,
        encoding="utf-8",
    )
    (directory / "warehouses.yaml").write_text(
        "warehouses:\n"
        "  - code: BOS\n"
        f"    name: {warehouse}\n"
        "    city: Boston\n"
        "    state: MA\n"
        '    postal_code: "02210"\n',
        encoding="utf-8",
    )
    (directory / "stock.csv").write_text(
        "sku,warehouse,on_hand\n" + "".join(f"{sku},BOS,{n}\n" for sku, n in stock.items()),
        encoding="utf-8",
    )


# -- mock-edi's control plane


def add_supplier(mock: MockEdiProcess, **extra: Any) -> None:
    """Us as mock-edi's partner with role supplier (``extra``: behaviour, as2_url...)."""
    mock.client.expect(
        "POST",
        "/_mock/partners",
        {"id": SUPPLIER, "name": "Ordergate Supply", "role": "supplier", "test": 0, **extra},
        status=201,
    )


def purchase(mock: MockEdiProcess, po: str, lines: Sequence[Line] = LINES) -> dict[str, Any]:
    """mock-edi places order ``po`` with us for ``lines`` (each in EA at its price); its answer."""
    return mock.client.expect(
        "POST",
        "/_mock/purchase",
        {
            "partner": SUPPLIER,
            "po_number": po,
            "lines": [
                {"sku": line.sku, "quantity": str(line.quantity), "uom": "EA", "price": line.price}
                for line in lines
            ],
        },
        status=201,
    )


def disagreements(mock: MockEdiProcess, po: str) -> list[dict[str, Any]]:
    """mock-edi's business verdict on order ``po``: where our documents disagree with it."""
    return mock.client.expect("GET", f"/_mock/disagreements?partner={SUPPLIER}&po={po}")


# -- reading an interchange without a parser of either side's


def segments(data: bytes) -> list[list[str]]:
    text = data.decode("ascii")
    element, terminator = text[3], text[105]
    return [s.strip().split(element) for s in text.split(terminator) if s.strip()]


def first(data: bytes, tag: str) -> list[str]:
    return next(s for s in segments(data) if s[0] == tag)
