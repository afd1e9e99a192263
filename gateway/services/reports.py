"""Read-side views: what happened to a document, an order, all orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.services.ports import UnitOfWork


@dataclass(slots=True)
class LineView:
    line_number: str | None
    sku: str | None
    ordered: str
    unit: str | None
    confirmed: str
    backordered: str
    cancelled: str
    status: str
    reasons: list[str] = field(default_factory=list)


@dataclass(slots=True)
class OrderView:
    purchase_order_id: int
    partner_id: str | None
    po_number: str
    status: str
    ack_type: str | None
    lines: list[LineView]
    review_reasons: list[str]
    outbound: list[str]
    test: bool = False


@dataclass(slots=True)
class DocumentView:
    document_id: int
    filename: str | None
    status: str
    partner_id: str | None
    orders: list[OrderView]
    outbound: list[str]
    problems: list[str]


def _num(value: Any) -> str:
    text = format(value.normalize(), "f") if value is not None else ""
    return text


def order_view(uow: UnitOfWork, purchase_order_id: int) -> OrderView | None:
    stored = uow.purchase_orders.get(purchase_order_id)
    if stored is None:
        return None
    so = uow.sales_orders.get_by_purchase_order(purchase_order_id)
    lines: list[LineView] = []
    reasons: list[str] = []
    ack_type = None
    status = stored.status if stored.kind == "order" else f"change {stored.status}"
    if so is not None:
        order = so.order
        status = order.status.value
        ack_type = order.ack_type.value
        reasons = [f"{o.reason}: {o.message}" for o in order.review_reasons]
        for ln in order.lines:
            lines.append(
                LineView(
                    line_number=ln.line_number,
                    sku=ln.sku,
                    ordered=_num(ln.ordered_quantity),
                    unit=ln.unit,
                    confirmed=_num(ln.confirmed_quantity),
                    backordered=_num(ln.backordered_quantity),
                    cancelled=_num(ln.cancelled_quantity),
                    status=ln.status.value,
                    reasons=[o.reason for o in ln.outcomes],
                )
            )
    outbound = [
        f"{o.doc_type} ({o.delivery_status})" for o in uow.outbound.list(purchase_order_id=purchase_order_id)
    ]
    return OrderView(
        purchase_order_id,
        stored.partner_id,
        stored.po_number,
        status,
        ack_type,
        lines,
        reasons,
        outbound,
        stored.is_test,
    )


def document_view(uow: UnitOfWork, document_id: int) -> DocumentView | None:
    doc = uow.documents.get(document_id)
    if doc is None:
        return None
    orders = [
        v for po in uow.purchase_orders.for_document(document_id) if (v := order_view(uow, po.id)) is not None
    ]
    outbound = [
        f"{o.doc_type} ({o.delivery_status})" for o in uow.outbound.list(inbound_document_id=document_id)
    ]
    problems = [
        str(d.get("text") or d.get("message"))
        for d in (doc.diagnostics or [])
        if isinstance(d, dict) and d.get("severity") in ("fatal", "error")
    ]
    return DocumentView(document_id, doc.filename, doc.status, doc.partner_id, orders, outbound, problems)


def list_orders(uow: UnitOfWork, status: str | None = None) -> list[OrderView]:
    views = []
    for so in uow.sales_orders.list(status=status):
        view = order_view(uow, so.purchase_order_id)
        if view is not None:
            views.append(view)
    return views
