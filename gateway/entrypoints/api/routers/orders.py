"""Overdue acknowledgements: ``GET /api/overdue`` lists what we sent whose 997/999 is late.

The orders themselves, their ledger and resending are in ``routers.review`` (``/api/orders``,
``/api/orders/{id}/ledger``, ``POST /api/outbound/{id}/resend``), where a partner's token sees only
its own orders.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter

from gateway.entrypoints.api.deps import RuntimeDep, UowDep, ViewerDep
from gateway.services.ledger import overdue

router = APIRouter(prefix="/api", tags=["orders"])


def _json(value: Any) -> Any:
    data = asdict(value)
    for key, item in list(data.items()):
        if isinstance(item, datetime):
            data[key] = item.isoformat()
    return data


@router.get("/overdue")
def get_overdue(uow: UowDep, runtime: RuntimeDep, _who: ViewerDep) -> list[dict[str, Any]]:
    return [_json(o) for o in overdue(uow, runtime.context.clock())]
