"""Orders, their ledger, overdue acknowledgements and resending what we sent.

``GET /api/orders`` and ``GET /api/orders/{id}`` (the purchase order id) show sales orders;
``GET /api/orders/{id}/ledger`` the per-PO timeline; ``GET /api/overdue`` the documents whose
997/999 is overdue; ``POST /api/outbound/{id}/resend`` (operator) delivers one again.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, status

from gateway.entrypoints.api.deps import OperatorDep, RuntimeDep, UowDep, ViewerDep
from gateway.errors import NotFound
from gateway.services.ledger import overdue, resend, timeline
from gateway.services.reports import list_orders, order_view

router = APIRouter(prefix="/api", tags=["orders"])


def _json(value: Any) -> Any:
    data = asdict(value)
    for key, item in list(data.items()):
        if isinstance(item, datetime):
            data[key] = item.isoformat()
    return data


@router.get("/orders")
def get_orders(uow: UowDep, _who: ViewerDep, status: str | None = None) -> list[dict[str, Any]]:
    return [_json(v) for v in list_orders(uow, status=status)]


@router.get("/orders/{purchase_order_id}")
def get_order(purchase_order_id: int, uow: UowDep, _who: ViewerDep) -> dict[str, Any]:
    view = order_view(uow, purchase_order_id)
    if view is None:
        raise NotFound(f"no purchase order {purchase_order_id}")
    return _json(view)


@router.get("/orders/{purchase_order_id}/ledger")
def get_ledger(purchase_order_id: int, uow: UowDep, _who: ViewerDep) -> list[dict[str, Any]]:
    return [_json(e) for e in timeline(uow, purchase_order_id)]


@router.get("/overdue")
def get_overdue(uow: UowDep, _who: ViewerDep) -> list[dict[str, Any]]:
    return [_json(o) for o in overdue(uow, datetime.now(UTC))]


@router.post("/outbound/{outbound_id}/resend", status_code=status.HTTP_202_ACCEPTED)
def post_resend(outbound_id: int, runtime: RuntimeDep, who: OperatorDep) -> dict[str, Any]:
    resend(runtime.context, outbound_id)
    return {"outbound_id": outbound_id, "resent": True, "by": who.name}
