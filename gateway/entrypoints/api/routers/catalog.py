"""Read-only JSON views of partners (profiles and cross-references) and stock by warehouse (``/api``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import TypeAdapter

from gateway.domain.partners import PartnerProfile
from gateway.entrypoints.api.auth import Role
from gateway.entrypoints.api.deps import PrincipalDep, RuntimeDep, ViewerDep
from gateway.errors import NotFound

router = APIRouter(prefix="/api", tags=["catalog"])
_profile = TypeAdapter(PartnerProfile)


@router.get("/partners")
def partners(runtime: RuntimeDep, _user: ViewerDep) -> list[dict[str, Any]]:
    with runtime.context.uow() as uow:
        found = uow.partners.list()
    return [
        {
            "id": p.id,
            "name": p.name,
            "active": p.active,
            "test_mode": p.test_mode,
            "xrefs": len(p.cross_references),
        }
        for p in found
    ]


@router.get("/partners/{partner_id}")
def partner(runtime: RuntimeDep, principal: PrincipalDep, partner_id: str) -> dict[str, Any]:
    """A partner's profile: viewers see every one, a partner token only its own."""
    if principal.partner_id is not None and principal.partner_id != partner_id:
        raise NotFound(f"no trading partner {partner_id}")
    if principal.partner_id is None and not principal.may(Role.VIEWER):
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="this needs the viewer role")
    with runtime.context.uow() as uow:
        found = uow.partners.get(partner_id)
        rows = uow.partners.cross_reference_rows(partner_id) if found is not None else []
    if found is None:
        raise NotFound(f"no trading partner {partner_id}")
    data = _profile.dump_python(found, mode="json")
    data["cross_references"] = [
        {**TypeAdapter(type(x)).dump_python(x, mode="json"), "origin": origin, "created_by": by}
        for x, origin, by in rows
    ]
    return data


@router.get("/stock")
def stock(runtime: RuntimeDep, _user: ViewerDep, sku: str | None = None) -> list[dict[str, Any]]:
    with runtime.context.uow() as uow:
        skus = [sku] if sku else list(uow.catalog.all_items())
        levels = uow.catalog.stock(skus)
    return [
        {
            "sku": lv.sku,
            "warehouse": lv.warehouse,
            "on_hand": format(lv.on_hand.normalize(), "f"),
            "allocated": format(lv.allocated.normalize(), "f"),
        }
        for lv in levels
    ]
