"""The JSON API of the review queue, orders, documents and the ledger (``/api``).

Reads take a viewer's token (or a partner's, limited to its own orders);
every fix takes an operator's.  The fixes are those of the admin UI, through
``gateway.services.review``; each answers the order's new status.
"""

from __future__ import annotations

import threading
from dataclasses import asdict
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel

from gateway.entrypoints.api.auth import Principal, Role
from gateway.entrypoints.api.deps import OperatorDep, PrincipalDep, RuntimeDep, ViewerDep
from gateway.errors import NotFound
from gateway.services import review
from gateway.services.ledger import resend, timeline
from gateway.services.reports import order_view
from gateway.services.review_queue import QueueFilter, review_queue

router = APIRouter(prefix="/api", tags=["review"])
_drain_lock = threading.Lock()


def reader(principal: PrincipalDep) -> Principal:
    """A viewer (or better), or a partner (which sees only its own)."""
    if principal.partner_id is None and not principal.may(Role.VIEWER):
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="this needs the viewer role")
    return principal


ReaderDep = Annotated[Principal, Depends(reader)]


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def run_queued(request: Request) -> None:
    """Run the steps an action queued (deliveries, reprocessing) when the runtime runs them in this
    process (the embedded default), one request at a time."""
    with _drain_lock:
        request.app.state.runtime.drain()


@router.get("/review")
def queue(
    runtime: RuntimeDep,
    _user: ViewerDep,
    partner: str | None = None,
    reason: str | None = None,
    channel: str | None = None,
    min_age_hours: float | None = None,
    max_age_hours: float | None = None,
) -> dict[str, Any]:
    filters = QueueFilter(partner, reason, channel, min_age_hours, max_age_hours)
    now = runtime.context.clock()
    with runtime.context.uow() as uow:
        q = review_queue(uow, now, filters)
    return {
        "total": q.total,
        "by_reason": q.by_reason,
        "items": [
            {**_json(asdict(i)), "age_hours": round(i.age(now).total_seconds() / 3600, 2)} for i in q.items
        ],
    }


class MapItem(BaseModel):
    line: str
    sku: str


class Price(BaseModel):
    line: str
    price: str | None = None  # None: accept the price the partner sent


class Quantity(BaseModel):
    line: str
    quantity: str


class Warehouse(BaseModel):
    warehouse: str


class AssignSender(BaseModel):
    partner: str


class Dismiss(BaseModel):
    note: str = ""


def _released(request: Request, result: review.Released) -> dict[str, Any]:
    run_queued(request)
    return {"status": result.status, "outbound_id": result.outbound_id, "review": result.reasons}


@router.post("/review/orders/{purchase_order_id}/map-item")
def map_item(
    request: Request, runtime: RuntimeDep, user: OperatorDep, purchase_order_id: int, body: MapItem
) -> dict[str, Any]:
    return _released(
        request, review.map_item(runtime.context, purchase_order_id, body.line, body.sku, user.name)
    )


@router.post("/review/orders/{purchase_order_id}/price")
def set_price(
    request: Request, runtime: RuntimeDep, user: OperatorDep, purchase_order_id: int, body: Price
) -> dict[str, Any]:
    return _released(
        request, review.set_price(runtime.context, purchase_order_id, body.line, body.price, user.name)
    )


@router.post("/review/orders/{purchase_order_id}/quantity")
def set_quantity(
    request: Request, runtime: RuntimeDep, user: OperatorDep, purchase_order_id: int, body: Quantity
) -> dict[str, Any]:
    return _released(
        request, review.set_quantity(runtime.context, purchase_order_id, body.line, body.quantity, user.name)
    )


@router.post("/review/orders/{purchase_order_id}/warehouse")
def pick_warehouse(
    request: Request, runtime: RuntimeDep, user: OperatorDep, purchase_order_id: int, body: Warehouse
) -> dict[str, Any]:
    return _released(
        request, review.pick_warehouse(runtime.context, purchase_order_id, body.warehouse, user.name)
    )


@router.post("/review/orders/{purchase_order_id}/approve")
def approve(
    request: Request, runtime: RuntimeDep, user: OperatorDep, purchase_order_id: int
) -> dict[str, Any]:
    return _released(request, review.approve(runtime.context, purchase_order_id, user.name))


@router.post("/review/orders/{purchase_order_id}/recheck")
def recheck(
    request: Request, runtime: RuntimeDep, user: OperatorDep, purchase_order_id: int
) -> dict[str, Any]:
    """The rules again with what is decided so far (after stock arrived, a profile changed)."""
    return _released(request, review.release(runtime.context, purchase_order_id, user.name))


@router.post("/review/orders/{purchase_order_id}/reject")
def reject(
    request: Request, runtime: RuntimeDep, user: OperatorDep, purchase_order_id: int
) -> dict[str, Any]:
    return _released(request, review.reject(runtime.context, purchase_order_id, user.name))


@router.post("/review/documents/{document_id}/assign-sender")
def assign_sender(
    request: Request, runtime: RuntimeDep, user: OperatorDep, document_id: int, body: AssignSender
) -> dict[str, Any]:
    review.assign_sender(runtime.context, document_id, body.partner, user.name)
    run_queued(request)
    with runtime.context.uow() as uow:
        doc = uow.documents.get(document_id)
    return {"document_id": document_id, "status": doc.status if doc else None}


@router.post("/review/{entity}/{entity_id}/dismiss")
def dismiss(
    runtime: RuntimeDep, user: OperatorDep, entity: str, entity_id: int, body: Dismiss
) -> dict[str, Any]:
    kinds = {"documents": "document", "outbound": "outbound"}
    if entity not in kinds:
        raise NotFound(f"nothing to dismiss at {entity}")
    review.dismiss(runtime.context, kinds[entity], entity_id, user.name, body.note)
    return {"dismissed": f"{kinds[entity]}:{entity_id}"}


@router.post("/review/steps/{failed_id}/retry")
def retry_step(request: Request, runtime: RuntimeDep, user: OperatorDep, failed_id: int) -> dict[str, Any]:
    """Send a dead pipeline step again (it leaves the queue; a new failure puts it back)."""
    from gateway.services.dead_letters import retry_dead_letter

    step, args = retry_dead_letter(runtime.context, failed_id, actor=user.name)
    run_queued(request)
    return {"retried": failed_id, "step": step, "args": list(args)}


def _own(principal: Principal, partner_id: str | None) -> None:
    if principal.partner_id is not None and principal.partner_id != partner_id:
        raise NotFound("no such order")  # a partner never learns of another's orders


@router.get("/orders")
def orders(
    runtime: RuntimeDep,
    principal: ReaderDep,
    status: str | None = None,
    limit: int = 100,
    after: int = 0,
) -> list[dict[str, Any]]:
    """Sales orders by id, ``limit`` (1–1000) at a time: the next page is ``after`` the last
    ``sales_order_id`` of this one."""
    with runtime.context.uow() as uow:
        found = uow.sales_orders.list(
            status=status,
            limit=min(max(limit, 1), 1000),
            partner_id=principal.partner_id,
            after=after,
        )
    return [
        {
            "purchase_order_id": so.purchase_order_id,
            "sales_order_id": so.id,
            "partner_id": so.order.partner_id,
            "po_number": so.order.po_number,
            "status": so.order.status.value,
            "ack_type": so.order.ack_type.value,
            "updated_at": so.updated_at.isoformat(),
        }
        for so in found
        if principal.partner_id is None or so.order.partner_id == principal.partner_id
    ]


@router.get("/orders/{purchase_order_id}")
def order(runtime: RuntimeDep, principal: ReaderDep, purchase_order_id: int) -> dict[str, Any]:
    with runtime.context.uow() as uow:
        view = order_view(uow, purchase_order_id)
        if view is None:
            raise NotFound(f"no purchase order {purchase_order_id}")
        _own(principal, view.partner_id)
        decisions = uow.reviews.decisions(purchase_order_id) if principal.partner_id is None else []
    return {**_json(asdict(view)), "decisions": [_json(asdict(d)) for d in decisions]}


@router.get("/orders/{purchase_order_id}/ledger")
def ledger(runtime: RuntimeDep, principal: ReaderDep, purchase_order_id: int) -> list[dict[str, Any]]:
    with runtime.context.uow() as uow:
        stored = uow.purchase_orders.get(purchase_order_id)
        if stored is None:
            raise NotFound(f"no purchase order {purchase_order_id}")
        _own(principal, stored.partner_id)
        return [_json(asdict(e)) for e in timeline(uow, purchase_order_id, now=runtime.context.clock())]


@router.post("/outbound/{outbound_id}/resend")
def resend_outbound(
    request: Request, runtime: RuntimeDep, user: OperatorDep, outbound_id: int
) -> dict[str, Any]:
    resend(runtime.context, outbound_id, user.name)
    run_queued(request)
    with runtime.context.uow() as uow:
        out = uow.outbound.get(outbound_id)
    return {"outbound_id": outbound_id, "delivery_status": out.delivery_status if out else None}


@router.get("/documents")
def documents(
    runtime: RuntimeDep, _user: ViewerDep, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    with runtime.context.uow() as uow:
        found = uow.documents.list(status=status, limit=min(max(limit, 1), 1000))
    return [
        {
            "id": d.id,
            "received_at": d.received_at.isoformat(),
            "channel": d.channel,
            "partner_id": d.partner_id,
            "filename": d.filename,
            "format": d.format,
            "status": d.status,
            "size": d.size,
        }
        for d in found
    ]
