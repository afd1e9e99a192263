"""Fulfilment and billing over HTTP: pick lists, shipments, stock receipts, invoices.

GET  /api/pick-lists[?warehouse=W]            viewer   what to pick (JSON, or PDF with ?format=pdf)
POST /api/shipments                           operator record a shipment (stock, SSCCs, 856, 810)
GET  /api/shipments/{id}/labels               viewer   the GS1-128 carton labels (PDF)
POST /api/stock/receipts                      operator goods arrive; backorders are released
GET  /api/invoices                            viewer   invoices (JSON, or CSV with ?format=csv)
GET  /api/invoices/{id}                       viewer   one invoice (JSON, or PDF with ?format=pdf)
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from gateway.entrypoints.api.deps import OperatorDep, RuntimeDep, ViewerDep
from gateway.errors import InputError
from gateway.services.fulfilment import (
    carton_labels,
    find_sales_order,
    invoice_document,
    pick_list,
    shipment_from_data,
)
from gateway.services.shipping import describe, record_shipment
from gateway.services.stock import receive_stock

router = APIRouter(prefix="/api", tags=["fulfilment"])


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class ShipmentRequest(BaseModel):
    po_number: str | None = None
    partner_id: str | None = None
    sales_order_id: int | None = None
    shipment: dict[str, Any] = Field(default_factory=dict)  # see shipment_from_data; no cartons: all open


class ReceiptRequest(BaseModel):
    sku: str
    warehouse: str
    quantity: Decimal = Field(gt=0)


@router.get("/pick-lists")
def get_pick_list(
    runtime: RuntimeDep,
    _who: ViewerDep,
    warehouse: str | None = None,
    format: Literal["json", "pdf"] = "json",
) -> Any:
    lines = pick_list(runtime.context, warehouse)
    if format == "pdf":
        from outbound.pdf.documents import pick_list_pdf

        return Response(pick_list_pdf(lines), media_type="application/pdf")
    return {"lines": [_plain(asdict(p)) for p in lines]}


@router.post("/shipments", status_code=status.HTTP_201_CREATED)
def post_shipment(body: ShipmentRequest, runtime: RuntimeDep, who: OperatorDep, response: Response) -> Any:
    ctx = runtime.context
    so_id = body.sales_order_id
    if so_id is None:
        if not body.po_number:
            raise InputError("name the order: sales_order_id, or po_number (and partner_id)")
        with ctx.uow() as uow:
            so_id = find_sales_order(uow, body.po_number, body.partner_id)
    shipment = shipment_from_data(body.shipment, ctx.clock().date())
    result = record_shipment(ctx, so_id, shipment)
    runtime.drain()
    if result.replayed:
        response.status_code = status.HTTP_200_OK
    return describe(result)


@router.get("/shipments/{shipment_id}/labels")
def get_labels(shipment_id: int, runtime: RuntimeDep, _who: ViewerDep) -> Response:
    return Response(carton_labels(runtime.context, shipment_id), media_type="application/pdf")


@router.post("/stock/receipts", status_code=status.HTTP_201_CREATED)
def post_receipt(body: ReceiptRequest, runtime: RuntimeDep, who: OperatorDep) -> Any:
    result = receive_stock(runtime.context, body.sku, body.warehouse, body.quantity)
    runtime.drain()
    return _plain(asdict(result))


@router.get("/invoices")
def get_invoices(
    runtime: RuntimeDep,
    _who: ViewerDep,
    partner_id: str | None = None,
    format: Literal["json", "csv"] = "json",
) -> Any:
    with runtime.context.uow() as uow:
        stored = uow.invoices.list(partner_id=partner_id)
    if format == "csv":
        from outbound.accounting import invoices_csv

        return Response(invoices_csv([s.invoice for s in stored]), media_type="text/csv")
    return {"invoices": [_invoice_json(s) for s in stored]}


@router.get("/invoices/{invoice_id}")
def get_invoice(
    invoice_id: int, runtime: RuntimeDep, _who: ViewerDep, format: Literal["json", "pdf"] = "json"
) -> Any:
    stored, pdf = invoice_document(runtime.context, invoice_id)
    if format == "pdf":
        return Response(pdf, media_type="application/pdf")
    return _invoice_json(stored)


def _invoice_json(stored: Any) -> dict[str, Any]:
    inv = stored.invoice
    out = _plain(asdict(inv))
    out.update(
        id=stored.id,
        sales_order_id=stored.sales_order_id,
        outbound_document_id=stored.outbound_document_id,
        lines_total=f"{inv.lines_total:.2f}",
        charges_total=f"{inv.charges_total:.2f}",
        tax=f"{inv.tax:.2f}",
        total=f"{inv.total:.2f}",
        terms_text=inv.terms.text,
    )
    return out
