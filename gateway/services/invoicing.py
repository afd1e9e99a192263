"""Invoices: one per shipment or one per order (partner policy), with its 810.

``write_invoice`` builds and stores an invoice for shipments of an order inside
the caller's unit of work (the shipment's own transaction when the partner is
invoiced per shipment): lines at the agreed price (the price we confirmed), the
partner's terms, a freight charge and tax by its profile, a number from the
``invoice`` sequence; and, when the partner wants 810s, the 810 through the
outbound table and control numbers.  ``invoice_order`` invoices whatever has
shipped and is not billed yet, on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gateway.domain.invoicing import FREIGHT, AllowanceCharge, Invoice, InvoiceLine, Terms
from gateway.domain.model import PurchaseOrder
from gateway.domain.orders import SalesOrder
from gateway.domain.partners import PartnerProfile
from gateway.errors import InputError
from gateway.services.fulfilment import load_order, store_x12, writer_for
from gateway.services.ports import Context, UnitOfWork
from gateway.services.x12_route import x12_route
from outbound.x12.invoice import build_810, envelope_810

INVOICE_SEQUENCE = "invoice"


@dataclass(slots=True)
class InvoiceResult:
    invoice_id: int
    number: str
    total: Decimal
    outbound_id: int | None


def invoice_number(serial: int) -> str:
    return f"INV{serial:07d}"


def make_invoice(
    number: str,
    today: Any,
    partner: PartnerProfile,
    order: SalesOrder,
    po: PurchaseOrder | None,
    shipments: list[Any],
    sales_order_id: int,
) -> Invoice:
    """The invoice for ``shipments`` (``StoredShipment``s) of ``order``."""
    quantities: dict[str, Decimal] = {}
    for s in shipments:
        for line_number, q in s.shipment.line_quantities().items():
            quantities[line_number] = quantities.get(line_number, Decimal(0)) + q
    po_lines = {ln.line_number: ln for ln in po.lines} if po is not None else {}
    lines: list[InvoiceLine] = []
    for so_line in order.lines:
        q = quantities.get(so_line.line_number or "")
        if not q:
            continue
        po_line = po_lines.get(so_line.line_number)
        price = (
            so_line.unit_price
            if so_line.unit_price is not None
            else (po_line.unit_price if po_line else None)
        )
        if price is None:
            raise InputError(f"PO {order.po_number} line {so_line.line_number} has no agreed price to bill")
        lines.append(
            InvoiceLine(
                line_number=so_line.line_number or "",
                sku=so_line.sku or "",
                quantity=q,
                unit=(po_line.unit if po_line else None) or so_line.unit or "EA",
                unit_price=price,
                product_ids=[(p.qualifier, p.value) for p in po_line.product_ids if p.qualifier and p.value]
                if po_line
                else [],
                description=po_line.description if po_line else None,
            )
        )
    docs = partner.documents
    charges = []
    if docs.freight_charge > 0:
        charges.append(AllowanceCharge("C", FREIGHT, docs.freight_charge, "Freight"))
    return Invoice(
        number=number,
        invoice_date=today,
        partner_id=order.partner_id,
        po_number=order.po_number,
        po_date=po.po_date if po is not None else order.order_date,
        lines=lines,
        charges=charges,
        tax_percent=docs.tax_percent,
        terms=Terms(
            net_days=docs.terms_net_days,
            discount_percent=docs.terms_discount_percent,
            discount_days=docs.terms_discount_days,
        ),
        currency=(po.currency if po is not None and po.currency else "USD"),
        shipment_ids=[s.shipment_number for s in shipments],
        bill_of_lading=shipments[-1].shipment.bill_of_lading if shipments else None,
        ship_date=max(s.ship_date for s in shipments) if shipments else None,
        sales_order_number=f"SO{sales_order_id}",
    )


def write_invoice(
    ctx: Context,
    uow: UnitOfWork,
    block: Any,
    partner: PartnerProfile,
    order: SalesOrder,
    po: Any,
    sales_order_id: int,
    shipments: list[Any],
) -> InvoiceResult:
    """Make, store and (when wanted) write the 810 for ``shipments``; the caller flushes ``block``
    and commits."""
    if not shipments:
        raise InputError(
            f"PO {order.po_number}: nothing shipped and not invoiced yet", code="invoice.nothing"
        )
    (serial,) = uow.sequences.next(INVOICE_SEQUENCE)
    document = po.document if po is not None and isinstance(po.document, PurchaseOrder) else None
    invoice = make_invoice(
        invoice_number(serial), ctx.clock().date(), partner, order, document, shipments, sales_order_id
    )
    invoice_id = uow.invoices.add(invoice, sales_order_id)
    uow.shipments.set_invoice([s.id for s in shipments], invoice_id)
    out_id = None
    route = x12_route(ctx, partner)
    if partner.documents.invoice and route is not None and po is not None:
        block.reserve(route.theirs.key)
        mark = block.mark()
        warehouse = {w.code: w for w in uow.catalog.warehouses()}.get(shipments[0].warehouse)
        content = build_810(invoice, document, remit_to=ctx.company_name, ship_from=warehouse)
        test = document is not None and document.source.test
        written = envelope_810(writer_for(ctx, block), content, **route.envelope_args(test=test))
        out_id = store_x12(uow, block, mark, partner.id, "810", written, po.id, invoice.number)
        if out_id is not None:
            uow.invoices.set_outbound(invoice_id, out_id)
    uow.audit.record(
        "system",
        "invoice",
        invoice_id,
        "created",
        {"number": invoice.number, "po": order.po_number, "total": str(invoice.total), "outbound": out_id},
    )
    return InvoiceResult(invoice_id, invoice.number, invoice.total, out_id)


def invoice_order(ctx: Context, sales_order_id: int) -> InvoiceResult:
    """Invoice every shipment of the order not invoiced yet, now."""
    with ctx.uow() as uow:
        uow.shipments.lock_sales_order(sales_order_id)
        stored, po, partner = load_order(uow, sales_order_id)
        if partner is None:
            raise InputError(f"PO {stored.order.po_number} has no partner profile to invoice")
        shipments = uow.shipments.for_sales_order(sales_order_id, uninvoiced=True)
        block = uow.control_numbers.block()
        result = write_invoice(ctx, uow, block, partner, stored.order, po, sales_order_id, shipments)
        block.flush()
        uow.commit()
    if result.outbound_id is not None:
        ctx.dispatcher.send("deliver", result.outbound_id)
    return result
