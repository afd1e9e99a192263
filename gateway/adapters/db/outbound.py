"""Outbound documents: the bytes we send, once per idempotency key, and their delivery."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, or_, select, update

from gateway.adapters.db._sql import insert, now
from gateway.adapters.db.records import StoredOutbound
from gateway.adapters.db.tables import (
    DELIVERY_STATUSES,
    inbound_documents,
    outbound_documents,
    purchase_orders,
)
from gateway.errors import NotFound

out = outbound_documents


def idempotency_key(
    doc_type: str, inbound_document_id: int | None = None, purchase_order_id: int | None = None, key: str = ""
) -> str:
    """``doc_type|inbound id|PO id|key``: one 855 per order, one 997 per inbound group, ...

    ``key`` tells apart several documents of one type for the same ids (the GS06
    of the group a 997 answers, a shipment id for an 856).
    """
    return f"{doc_type}|{inbound_document_id or ''}|{purchase_order_id or ''}|{key}"


def _stored(row: Row[Any]) -> StoredOutbound:
    return StoredOutbound(
        id=row.id,
        partner_id=row.partner_id,
        doc_type=row.doc_type,
        purchase_order_id=row.purchase_order_id,
        inbound_document_id=row.inbound_document_id,
        idempotency_key=row.idempotency_key,
        isa_control=row.isa_control,
        gs_control=row.gs_control,
        st_control=row.st_control,
        data=bytes(row.data),
        created_at=row.created_at,
        delivery_status=row.delivery_status,
        delivered_at=row.delivered_at,
        ack_status=row.ack_status,
        channel=row.channel,
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
    )


_OUT_INSERTS: dict[str, Any] = {}


def _out_insert(connection: Connection) -> Any:
    """INSERT ... ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, built once per dialect."""
    name = connection.dialect.name
    stmt = _OUT_INSERTS.get(name)
    if stmt is None:
        stmt = _OUT_INSERTS[name] = (
            insert(connection, out)
            .on_conflict_do_nothing(index_elements=[out.c.idempotency_key])
            .returning(out.c.id)
        )
    return stmt


class OutboundRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(
        self,
        partner_id: str,
        doc_type: str,
        data: bytes,
        controls: Mapping[str, int | None] | None = None,
        purchase_order_id: int | None = None,
        inbound_document_id: int | None = None,
        *,
        key: str = "",
    ) -> int:
        """Store a document to send; the existing id when its idempotency key is already stored.

        ``controls`` maps "ISA"/"GS"/"ST" to the first numbers used (kept on the row).  The
        control-number ledger is not touched: the caller links every number it took
        (``ControlNumberRepository.link_taken``, ``ControlNumberBlock.link``)."""
        controls = controls or {}
        new_id = self.add_new(
            partner_id,
            doc_type,
            data,
            controls,
            purchase_order_id=purchase_order_id,
            inbound_document_id=inbound_document_id,
            key=key,
        )
        if new_id is None:
            ident = idempotency_key(doc_type, inbound_document_id, purchase_order_id, key)
            return int(self._c.execute(select(out.c.id).where(out.c.idempotency_key == ident)).scalar_one())
        return int(new_id)

    def add_new(
        self,
        partner_id: str,
        doc_type: str,
        data: bytes,
        controls: Mapping[str, int | None] | None = None,
        purchase_order_id: int | None = None,
        inbound_document_id: int | None = None,
        *,
        key: str = "",
    ) -> int | None:
        """Store a document to send; None (nothing stored) when its idempotency key is taken.

        The control-number ledger is not touched (``ControlNumberBlock.link`` writes its rows
        with the document's id)."""
        controls = controls or {}
        params = {
            "partner_id": partner_id,
            "doc_type": doc_type,
            "purchase_order_id": purchase_order_id,
            "inbound_document_id": inbound_document_id,
            "idempotency_key": idempotency_key(doc_type, inbound_document_id, purchase_order_id, key),
            "isa_control": controls.get("ISA"),
            "gs_control": controls.get("GS"),
            "st_control": controls.get("ST"),
            "data": data,
            "created_at": now(),
            "delivery_status": "pending",
        }
        new_id = self._c.execute(_out_insert(self._c), params).scalar_one_or_none()
        return int(new_id) if new_id is not None else None

    def find(
        self,
        doc_type: str,
        inbound_document_id: int | None = None,
        purchase_order_id: int | None = None,
        key: str = "",
    ) -> int | None:
        """The id stored under this idempotency key: check before spending control numbers."""
        ident = idempotency_key(doc_type, inbound_document_id, purchase_order_id, key)
        found = self._c.execute(select(out.c.id).where(out.c.idempotency_key == ident)).scalar_one_or_none()
        return int(found) if found is not None else None

    def get(self, outbound_id: int) -> StoredOutbound | None:
        row = self._c.execute(select(out).where(out.c.id == outbound_id)).first()
        return _stored(row) if row is not None else None

    def get_many(self, outbound_ids: Iterable[int]) -> list[StoredOutbound]:
        """The stored documents with these ids, by id (missing ids are left out)."""
        wanted = sorted(set(outbound_ids))
        if not wanted:
            return []
        return [
            _stored(r) for r in self._c.execute(select(out).where(out.c.id.in_(wanted)).order_by(out.c.id))
        ]

    def set_sent(
        self, outbound_ids: Iterable[int], at: datetime | None = None, *, channel: str | None = None
    ) -> None:
        """``set_delivery(id, "sent", at)`` for many documents in one statement (``channel``: the one
        they went on)."""
        wanted = sorted(set(outbound_ids))
        if not wanted:
            return
        values: dict[str, Any] = {
            "delivery_status": "sent",
            "delivered_at": at or now(),
            "next_attempt_at": None,
        }
        if channel is not None:
            values["channel"] = channel
        result = self._c.execute(update(out).where(out.c.id.in_(wanted)).values(**values))
        if result.rowcount != len(wanted):
            raise NotFound(f"an outbound document of {wanted} does not exist")

    def list(
        self,
        partner_id: str | None = None,
        doc_type: str | None = None,
        delivery_status: str | None = None,
        purchase_order_id: int | None = None,
        inbound_document_id: int | None = None,
    ) -> list[StoredOutbound]:
        stmt = select(out).order_by(out.c.id)
        for column, value in (
            (out.c.partner_id, partner_id),
            (out.c.doc_type, doc_type),
            (out.c.delivery_status, delivery_status),
            (out.c.purchase_order_id, purchase_order_id),
            (out.c.inbound_document_id, inbound_document_id),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        return [_stored(r) for r in self._c.execute(stmt)]

    def headers(self, delivery_status: str) -> list[Row[Any]]:
        """The documents in ``delivery_status``, by id: id, partner, type, purchase order, inbound
        document and creation time (not the bytes)."""
        stmt = (
            select(
                out.c.id,
                out.c.partner_id,
                out.c.doc_type,
                out.c.purchase_order_id,
                out.c.inbound_document_id,
                out.c.created_at,
            )
            .where(out.c.delivery_status == delivery_status)
            .order_by(out.c.id)
        )
        return list(self._c.execute(stmt))

    def answer_times(self, doc_type: str, since: datetime) -> list[tuple[datetime, datetime]]:
        """(received, created) of each ``doc_type`` document created at or after ``since`` that
        answers a purchase order: when the order's document came in, and when the answer was made."""
        stmt = (
            select(inbound_documents.c.received_at, out.c.created_at)
            .join(purchase_orders, purchase_orders.c.id == out.c.purchase_order_id)
            .join(inbound_documents, inbound_documents.c.id == purchase_orders.c.document_id)
            .where(out.c.doc_type == doc_type, out.c.created_at >= since)
            .order_by(out.c.id)
        )
        return [(r, c) for r, c in self._c.execute(stmt)]

    def pending_for_document(self, document_id: int, answer_types: Iterable[str]) -> list[int]:
        """Ids of the pending outbound documents a document still has to send: its own (the
        997/999/TA1 answering it) and the answers (``answer_types``) to its purchase orders."""
        of_document = select(purchase_orders.c.id).where(purchase_orders.c.document_id == document_id)
        stmt = (
            select(out.c.id)
            .where(
                out.c.delivery_status == "pending",
                or_(
                    out.c.inbound_document_id == document_id,
                    out.c.purchase_order_id.in_(of_document) & out.c.doc_type.in_(list(answer_types)),
                ),
            )
            .order_by(out.c.id)
        )
        return [int(i) for i in self._c.execute(stmt).scalars()]

    def set_delivery(self, outbound_id: int, status: str, at: datetime | None = None) -> None:
        if status not in DELIVERY_STATUSES:
            raise ValueError(f"delivery status must be one of {', '.join(DELIVERY_STATUSES)}, not {status!r}")
        values: dict[str, Any] = {"delivery_status": status}
        if status == "sent":
            values["delivered_at"] = at or now()
        self._update(outbound_id, values)

    def record_failure(self, outbound_id: int, channel: str, error: str, *, retry_at: datetime | None) -> int:
        """A delivery attempt that failed: one more attempt, the error kept; the document stays
        pending until ``retry_at``, or is marked failed (for a person) when ``retry_at`` is None.
        Returns the attempts so far."""
        values: dict[str, Any] = {
            "attempts": out.c.attempts + 1,
            "last_error": error[:2000],
            "channel": channel,
            "next_attempt_at": retry_at,
            "delivery_status": "pending" if retry_at is not None else "failed",
        }
        result = self._c.execute(
            update(out).where(out.c.id == outbound_id).values(**values).returning(out.c.attempts)
        )
        attempts = result.scalar_one_or_none()
        if attempts is None:
            raise NotFound(f"no outbound document {outbound_id}")
        return int(attempts)

    def due_for_retry(self, at: datetime, limit: int = 500) -> list[int]:
        """Pending documents whose earlier attempt failed and whose next attempt is due."""
        stmt = (
            select(out.c.id)
            .where(out.c.delivery_status == "pending", out.c.attempts > 0, out.c.next_attempt_at <= at)
            .order_by(out.c.next_attempt_at, out.c.id)
            .limit(limit)
        )
        return [int(i) for i in self._c.execute(stmt).scalars()]

    def requeue(self, outbound_ids: Iterable[int]) -> list[int]:
        """Send again from the start (a person's resend): pending, no attempts, no error kept.
        Returns the ids that exist."""
        wanted = sorted(set(outbound_ids))
        if not wanted:
            return []
        self._c.execute(
            update(out)
            .where(out.c.id.in_(wanted))
            .values(delivery_status="pending", attempts=0, last_error=None, next_attempt_at=None)
        )
        return [int(i) for i in self._c.execute(select(out.c.id).where(out.c.id.in_(wanted))).scalars()]

    def set_ack_status(self, outbound_id: int, ack_status: str) -> None:
        """What the partner said about it (their 997/999 code, an MDN disposition)."""
        self._update(outbound_id, {"ack_status": ack_status})

    def _update(self, outbound_id: int, values: dict[str, Any]) -> None:
        result = self._c.execute(update(out).where(out.c.id == outbound_id).values(**values))
        if result.rowcount == 0:
            raise NotFound(f"no outbound document {outbound_id}")
