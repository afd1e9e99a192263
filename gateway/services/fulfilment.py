"""Fulfilment helpers shared by shipping, invoicing and stock receipts; the pick list.

``pick_list(ctx, warehouse)`` is what is allocated and not shipped yet, by
warehouse and SKU.  How we write to a partner in X12 is ``gateway.services.x12_route``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gateway.domain.orders import OrderStatus
from gateway.domain.partners import PartnerProfile
from gateway.domain.shipping import PickLine, pick_lines
from gateway.errors import NotFound
from gateway.services.ports import Context, UnitOfWork
from outbound.x12.writer import X12Writer


def writer_for(ctx: Context, block: Any) -> X12Writer:
    return X12Writer(block, clock=ctx.clock)


def store_x12(
    uow: UnitOfWork,
    block: Any,
    mark: Any,
    partner_id: str,
    doc_type: str,
    written: Any,
    purchase_order_id: int,
    key: str,
) -> int | None:
    """Store an outbound interchange under its idempotency key and link its control numbers;
    None (and the numbers given back) when one is stored under the key already."""
    group = written.groups[0]
    out_id = uow.outbound.add_new(
        partner_id,
        doc_type,
        written.data,
        {"ISA": written.control, "GS": group.control, "ST": int(group.set_controls[0])},
        purchase_order_id=purchase_order_id,
        key=key,
    )
    if out_id is None:
        block.reset(mark)
        return None
    block.link(out_id)
    return int(out_id)


def load_order(uow: UnitOfWork, sales_order_id: int) -> tuple[Any, Any, PartnerProfile | None]:
    """(stored sales order, stored purchase order, partner) or ``NotFound``."""
    stored = uow.sales_orders.get(sales_order_id)
    if stored is None:
        raise NotFound(f"no sales order {sales_order_id}")
    po = uow.purchase_orders.get(stored.purchase_order_id)
    partner = uow.partners.get(stored.order.partner_id)
    return stored, po, partner


def find_sales_order(uow: UnitOfWork, po_number: str, partner_id: str | None = None) -> int:
    """The sales order id for a PO number (and partner when two partners used the number)."""
    found = uow.sales_orders.by_po_number(po_number, partner_id)
    if not found:
        raise NotFound(f"no sales order for PO {po_number}")
    if len(found) > 1:
        raise NotFound(f"PO {po_number} is used by several partners: name one")
    return int(found[0].id)


def pick_list(ctx: Context, warehouse: str | None = None) -> list[PickLine]:
    """What to pick: every confirmed order's allocated, unshipped quantities."""
    with ctx.uow() as uow:
        orders = [(s.id, s.order) for s in uow.sales_orders.list(status=OrderStatus.CONFIRMED.value)]
        items = uow.catalog.all_items()
        bins = uow.shipments.bins()
        uow.rollback()
    return pick_lines(orders, items, warehouse=warehouse, bins=bins)


# shipments from outside (a JSON/YAML file, an API body) ---------------------------------
def shipment_from_data(data: dict[str, Any], today: Any) -> Any:
    """A ``Shipment`` from plain data::

    {"shipment_id": "SH-1" (optional: one is numbered), "ship_date": "2026-11-28" (default today),
     "warehouse": "COL", "carrier_scac": "UPSN", "carrier_name": "UPS Ground",
     "bill_of_lading": "...", "tracking_number": "...", "weight": "42.5",
     "pallets": 1, "cartons": [{"lines": [{"line": "1", "quantity": "10"}], "weight": "12", "pallet": 0}]}
    """
    from pydantic import TypeAdapter, ValidationError

    from gateway.domain.shipping import Carton, CartonLine, Pallet, Shipment
    from gateway.errors import InputError

    try:
        cartons = [
            Carton(
                [CartonLine(str(cl["line"]), Decimal(str(cl["quantity"]))) for cl in c.get("lines", [])],
                weight=Decimal(str(c["weight"])) if c.get("weight") is not None else None,
                pallet=c.get("pallet"),
            )
            for c in data.get("cartons", [])
        ]
        head = {k: v for k, v in data.items() if k not in ("cartons", "pallets")}
        head.setdefault("shipment_id", "")
        head.setdefault("ship_date", today)
        shipment = TypeAdapter(Shipment).validate_python({**head, "cartons": [], "pallets": []})
    except (KeyError, TypeError, ArithmeticError, ValidationError) as exc:
        raise InputError(f"not a shipment: {exc}", code="shipment.invalid") from exc
    shipment.cartons = cartons
    shipment.pallets = [Pallet() for _ in range(int(data.get("pallets") or 0))]
    return shipment


def carton_labels(ctx: Context, shipment_id: int) -> bytes:
    """The GS1-128 carton labels of a recorded shipment, as a PDF."""
    from outbound.pdf.documents import Label, carton_labels_pdf

    with ctx.uow() as uow:
        stored = uow.shipments.get(shipment_id)
        if stored is None:
            raise NotFound(f"no shipment {shipment_id}")
        so = uow.sales_orders.get(stored.sales_order_id)
        po = uow.purchase_orders.get(so.purchase_order_id) if so else None
        warehouse = {w.code: w for w in uow.catalog.warehouses()}.get(stored.warehouse)
        uow.rollback()
    ship_to = po.document.party("ship_to") if po is not None else None
    to_text = "\n".join(
        x
        for x in (
            ship_to.name if ship_to else None,
            *(ship_to.address_lines if ship_to else []),
            " ".join(filter(None, (ship_to.city, ship_to.state, ship_to.postal_code))) if ship_to else None,
        )
        if x
    )
    from_text = "\n".join(
        x
        for x in (
            ctx.company_name,
            warehouse.name if warehouse else stored.warehouse,
            warehouse.address if warehouse else None,
            " ".join(filter(None, (warehouse.city, warehouse.state, warehouse.postal_code)))
            if warehouse
            else None,
        )
        if x
    )
    s = stored.shipment
    labels = [
        Label(
            sscc=c.sscc or "",
            ship_from=from_text,
            ship_to=to_text,
            po_number=stored.po_number,
            carrier=s.carrier_scac or s.carrier_name or "",
            bill_of_lading=s.bill_of_lading or "",
            carton=f"{n} of {len(s.cartons)}",
            contents=", ".join(f"line {cl.line_number}: {cl.quantity.normalize():f}" for cl in c.lines),
        )
        for n, c in enumerate(s.cartons, start=1)
        if c.sscc
    ]
    return carton_labels_pdf(labels)


def invoice_document(ctx: Context, invoice_id: int) -> tuple[Any, bytes]:
    """(the stored invoice, its PDF)."""
    from outbound.pdf.documents import invoice_pdf

    with ctx.uow() as uow:
        stored = uow.invoices.get(invoice_id)
        if stored is None:
            raise NotFound(f"no invoice {invoice_id}")
        partner = uow.partners.get(stored.invoice.partner_id)
        uow.rollback()
    return stored, invoice_pdf(
        stored.invoice, seller=ctx.company_name, bill_to=partner.name if partner else None
    )
