"""The partner's acknowledgements of what we sent, and the look-ups that match them to it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, func, not_, or_, select

from gateway.adapters.db.records import StoredAcknowledgement
from gateway.adapters.db.tables import acknowledgements, outbound_documents

acks = acknowledgements
out = outbound_documents
# acknowledgements are never acknowledged: they are not what a 997 names
_NOT_ACKS = not_(or_(out.c.doc_type.like("997%"), out.c.doc_type.like("999%"), out.c.doc_type.like("TA1%")))


def _stored(row: Row[Any]) -> StoredAcknowledgement:
    return StoredAcknowledgement(
        id=row.id,
        document_id=row.document_id,
        position=row.position,
        partner_id=row.partner_id,
        kind=row.kind,
        interchange_control=row.interchange_control,
        acknowledged_interchange=row.acknowledged_interchange,
        functional_id=row.functional_id,
        group_control=row.group_control,
        set_id=row.set_id,
        set_control=row.set_control,
        status=row.status,
        code=row.code,
        errors=row.errors,
        outbound_document_id=row.outbound_document_id,
        received_at=row.received_at,
    )


class AcknowledgementRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add_many(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Store acknowledgement items (the columns of ``acknowledgements`` but ``id``)."""
        listed = [dict(r) for r in rows]
        if listed:
            self._c.execute(acks.insert(), listed)

    def count_for_document(self, document_id: int) -> int:
        stmt = select(func.count()).select_from(acks).where(acks.c.document_id == document_id)
        return int(self._c.execute(stmt).scalar_one())

    def for_document(self, document_id: int) -> list[StoredAcknowledgement]:
        stmt = select(acks).where(acks.c.document_id == document_id).order_by(acks.c.position)
        return [_stored(r) for r in self._c.execute(stmt)]

    def for_outbound(self, outbound_ids: Iterable[int]) -> dict[int, list[StoredAcknowledgement]]:
        """Outbound id → what the partner said about it, oldest first."""
        wanted = sorted(set(outbound_ids))
        found: dict[int, list[StoredAcknowledgement]] = {i: [] for i in wanted}
        if not wanted:
            return found
        stmt = select(acks).where(acks.c.outbound_document_id.in_(wanted)).order_by(acks.c.id)
        for r in self._c.execute(stmt):
            found[r.outbound_document_id].append(_stored(r))
        return found

    def unmatched(self, limit: int = 100) -> list[StoredAcknowledgement]:
        stmt = (
            select(acks).where(acks.c.outbound_document_id.is_(None)).order_by(acks.c.id.desc()).limit(limit)
        )
        return [_stored(r) for r in self._c.execute(stmt)]

    # -- matching what we sent -------------------------------------------------

    def match_set(self, partner_id: str, group_control: int, set_control: int, set_id: str) -> int | None:
        """Our outbound document with this GS06 and ST02 (and set id) to this partner."""
        stmt = (
            select(out.c.id)
            .where(
                out.c.partner_id == partner_id,
                out.c.gs_control == group_control,
                out.c.st_control == set_control,
                out.c.doc_type == set_id,
            )
            .order_by(out.c.id.desc())
            .limit(1)
        )
        found = self._c.execute(stmt).scalar_one_or_none()
        return int(found) if found is not None else None

    def match_group(self, partner_id: str, group_control: int) -> list[int]:
        stmt = (
            select(out.c.id)
            .where(and_(out.c.partner_id == partner_id, out.c.gs_control == group_control, _NOT_ACKS))
            .order_by(out.c.id)
        )
        return [int(i) for i in self._c.execute(stmt).scalars()]

    def match_interchange(self, partner_id: str, interchange_control: int) -> list[int]:
        stmt = (
            select(out.c.id)
            .where(and_(out.c.partner_id == partner_id, out.c.isa_control == interchange_control, _NOT_ACKS))
            .order_by(out.c.id)
        )
        return [int(i) for i in self._c.execute(stmt).scalars()]

    def unacknowledged(self, sent_before: datetime) -> list[Row[Any]]:
        """Outbound documents (not acknowledgements) delivered before ``sent_before`` that no
        acknowledgement names: id, partner, type, PO row, control numbers and times (not the bytes)."""
        has_ack = select(acks.c.id).where(acks.c.outbound_document_id == out.c.id).exists()
        stmt = (
            select(
                out.c.id,
                out.c.partner_id,
                out.c.doc_type,
                out.c.purchase_order_id,
                out.c.isa_control,
                out.c.gs_control,
                out.c.st_control,
                out.c.delivered_at,
                out.c.created_at,
            )
            .where(
                out.c.delivery_status == "sent",
                _NOT_ACKS,
                ~has_ack,
                out.c.ack_status.is_(None),  # the partner's code, however it was recorded
                out.c.delivered_at <= sent_before,
            )
            .order_by(out.c.id)
        )
        return list(self._c.execute(stmt))
