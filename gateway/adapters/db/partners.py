"""Trading partners: the profile as JSON, its identities as columns, its cross-references as rows."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, Row, delete, select, update

from gateway.adapters.db._sql import insert, now
from gateway.adapters.db.tables import item_cross_references as xrefs
from gateway.adapters.db.tables import sender_aliases
from gateway.adapters.db.tables import trading_partners as partners
from gateway.domain.partners import CrossReference, PartnerProfile
from gateway.errors import NotFound


@cache
def _profile_adapter() -> TypeAdapter[PartnerProfile]:
    return TypeAdapter(PartnerProfile)


def _xref_row(partner_id: str, xref: CrossReference, origin: str, created_by: str | None) -> dict[str, Any]:
    return {
        "partner_id": partner_id,
        "sku": xref.sku,
        "buyer_part": xref.buyer_part,
        "upc": xref.upc,
        "vendor_part": xref.vendor_part,
        "unit": xref.unit,
        "factor": xref.factor,
        "factor_from_pack": xref.factor_from_pack,
        "origin": origin,
        "created_by": created_by,
        "created_at": now(),
    }


def _xref(row: Row[Any]) -> CrossReference:
    return CrossReference(
        sku=row.sku,
        buyer_part=row.buyer_part,
        upc=row.upc,
        vendor_part=row.vendor_part,
        unit=row.unit,
        factor=row.factor,
        factor_from_pack=row.factor_from_pack,
    )


class PartnerRepository:
    """Profiles by id and by X12 identity.

    A profile's own cross-references (origin ``profile``) are replaced on every
    ``upsert``; those a person added from the review queue (origin ``review``)
    stay, and come back after the profile's own.
    """

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def upsert(self, profile: PartnerProfile) -> None:
        data = _profile_adapter().dump_python(profile, mode="json")
        data.pop("cross_references", None)
        values = {
            "name": profile.name,
            "active": profile.active,
            "test_mode": profile.test_mode,
            "isa_qualifier": profile.x12.isa_qualifier.strip() if profile.x12 else None,
            "isa_id": profile.x12.isa_id.strip() if profile.x12 else None,
            "gs_id": profile.x12.gs_id.strip() if profile.x12 else None,
            "profile": data,
            "updated_at": now(),
        }
        stmt = insert(self._c, partners).values(id=profile.id, **values)
        self._c.execute(stmt.on_conflict_do_update(index_elements=[partners.c.id], set_=values))
        self._c.execute(delete(xrefs).where(xrefs.c.partner_id == profile.id, xrefs.c.origin == "profile"))
        if profile.cross_references:
            rows = [_xref_row(profile.id, x, "profile", None) for x in profile.cross_references]
            self._c.execute(xrefs.insert(), rows)

    def add_cross_reference(self, partner_id: str, xref: CrossReference, created_by: str) -> int:
        """A mapping a person made in the review queue: kept across profile reloads."""
        if self._c.execute(select(partners.c.id).where(partners.c.id == partner_id)).first() is None:
            raise NotFound(f"no trading partner {partner_id}")
        result = self._c.execute(
            xrefs.insert().values(**_xref_row(partner_id, xref, "review", created_by)).returning(xrefs.c.id)
        )
        return int(result.scalar_one())

    def get(self, partner_id: str) -> PartnerProfile | None:
        rows = self._load(select(partners).where(partners.c.id == partner_id))
        return rows[0] if rows else None

    def find_by_x12(self, qualifier: str, isa_id: str) -> PartnerProfile | None:
        """The partner whose ISA qualifier and id these are (ids compare without padding), or to whom a
        person assigned this sender (``sender_aliases``)."""
        stmt = (
            select(partners)
            .where(partners.c.isa_qualifier == qualifier.strip(), partners.c.isa_id == isa_id.strip())
            .order_by(partners.c.id)
            .limit(1)
        )
        rows = self._load(stmt)
        if rows:
            return rows[0]
        # a sender a person assigned to a partner from the review queue
        alias = select(sender_aliases.c.partner_id).where(
            sender_aliases.c.isa_qualifier == qualifier.strip(), sender_aliases.c.isa_id == isa_id.strip()
        )
        rows = self._load(select(partners).where(partners.c.id.in_(alias)))
        return rows[0] if rows else None

    def cross_reference_rows(self, partner_id: str) -> list[tuple[CrossReference, str, str | None]]:
        """The partner's cross-references with where each came from (``profile`` / ``review``) and who
        made it."""
        stmt = (
            select(xrefs)
            .where(xrefs.c.partner_id == partner_id)
            .order_by((xrefs.c.origin == "review"), xrefs.c.id)
        )
        return [(_xref(r), r.origin, r.created_by) for r in self._c.execute(stmt)]

    def list(self, *, active_only: bool = False) -> list[PartnerProfile]:
        stmt = select(partners).order_by(partners.c.id)
        if active_only:
            stmt = stmt.where(partners.c.active.is_(True))
        return self._load(stmt)

    def set_active(self, partner_id: str, active: bool) -> None:
        result = self._c.execute(
            update(partners).where(partners.c.id == partner_id).values(active=active, updated_at=now())
        )
        if result.rowcount == 0:
            raise NotFound(f"no trading partner {partner_id}")

    def _load(self, stmt: Any) -> list[PartnerProfile]:
        rows: Sequence[Row[Any]] = self._c.execute(stmt).all()
        if not rows:
            return []
        ids = [r.id for r in rows]
        by_partner: dict[str, list[CrossReference]] = {i: [] for i in ids}
        xref_stmt = (
            select(xrefs)
            .where(xrefs.c.partner_id.in_(ids))
            .order_by(xrefs.c.partner_id, (xrefs.c.origin == "review"), xrefs.c.id)
        )
        for x in self._c.execute(xref_stmt):
            by_partner[x.partner_id].append(_xref(x))
        profiles = []
        for r in rows:
            data = dict(r.profile)
            data["cross_references"] = []
            profile = _profile_adapter().validate_python(data)
            # the columns are the truth for what set_active and friends change
            profile.active = r.active
            profile.test_mode = r.test_mode
            profile.cross_references = by_partner[r.id]
            profiles.append(profile)
        return profiles
