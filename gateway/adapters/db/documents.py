"""Inbound documents (raw bytes first, before anything is acknowledged) and interchanges seen."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select, text, update

from gateway.adapters.db._sql import insert, is_postgresql, now
from gateway.adapters.db.records import StoredDocument
from gateway.adapters.db.tables import DOCUMENT_STATUSES, inbound_documents, interchanges
from gateway.errors import NotFound

docs = inbound_documents


def _document(row: Row[Any]) -> StoredDocument:
    return StoredDocument(
        id=row.id,
        received_at=row.received_at,
        channel=row.channel,
        partner_id=row.partner_id,
        filename=row.filename,
        content_hash=row.content_hash,
        size=row.size,
        raw=bytes(row.raw),
        format=row.format,
        status=row.status,
        diagnostics=row.diagnostics,
        message_id=row.message_id,
        updated_at=row.updated_at,
    )


class DocumentRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(
        self,
        raw: bytes,
        channel: str,
        partner_id: str | None = None,
        filename: str | None = None,
        message_id: str | None = None,
        format: str | None = None,
    ) -> int:
        """Store a received document; the id of the one already stored when ``message_id`` repeats
        on ``channel``."""
        return self.receive(raw, channel, partner_id, filename, message_id, format)[0]

    def receive(
        self,
        raw: bytes,
        channel: str,
        partner_id: str | None = None,
        filename: str | None = None,
        message_id: str | None = None,
        format: str | None = None,
    ) -> tuple[int, bool]:
        """Like ``add``, and whether the document is new (False: a repeated ``message_id``)."""
        at = now()
        values = {
            "received_at": at,
            "updated_at": at,
            "channel": channel,
            "partner_id": partner_id,
            "filename": filename,
            "content_hash": hashlib.sha256(raw).hexdigest(),
            "size": len(raw),
            "raw": raw,
            "format": format,
            "status": "received",
            "message_id": message_id,
        }
        if message_id is None:
            return int(
                self._c.execute(docs.insert().values(**values).returning(docs.c.id)).scalar_one()
            ), True
        stmt = (
            insert(self._c, docs)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[docs.c.channel, docs.c.message_id])
            .returning(docs.c.id)
        )
        new_id = self._c.execute(stmt).scalar_one_or_none()
        if new_id is not None:
            return int(new_id), True
        existing = self._c.execute(
            select(docs.c.id).where(docs.c.channel == channel, docs.c.message_id == message_id)
        ).scalar_one()
        return int(existing), False

    def get(self, document_id: int) -> StoredDocument | None:
        row = self._c.execute(select(docs).where(docs.c.id == document_id)).first()
        return _document(row) if row is not None else None

    def set_status(
        self,
        document_id: int,
        status: str,
        diagnostics: Any = None,
        *,
        partner_id: str | None = None,
        format: str | None = None,
    ) -> None:
        """Move the document to ``status``; diagnostics (JSON-ready), partner and format when given."""
        if status not in DOCUMENT_STATUSES:
            raise ValueError(f"document status must be one of {', '.join(DOCUMENT_STATUSES)}, not {status!r}")
        values: dict[str, Any] = {"status": status, "updated_at": now()}
        if diagnostics is not None:
            values["diagnostics"] = diagnostics
        if partner_id is not None:
            values["partner_id"] = partner_id
        if format is not None:
            values["format"] = format
        result = self._c.execute(update(docs).where(docs.c.id == document_id).values(**values))
        if result.rowcount == 0:
            raise NotFound(f"no inbound document {document_id}")

    def head(self, document_id: int, size: int = 106) -> bytes:
        """The first ``size`` bytes of a document (b"" when there is none)."""
        found = self._c.execute(
            select(func.substr(docs.c.raw, 1, size)).where(docs.c.id == document_id)
        ).scalar_one_or_none()
        return bytes(found or b"")

    def contains(self, document_id: int, needle: bytes) -> bool:
        """Do the document's bytes contain ``needle``?  (searched in the database)"""
        where = "position(:needle in raw) > 0" if is_postgresql(self._c) else "instr(raw, :needle) > 0"
        stmt = select(docs.c.id).where(docs.c.id == document_id, text(where).bindparams(needle=needle))
        return self._c.execute(stmt).first() is not None

    def earlier_unprocessed(self, document_id: int, isa_sender: bytes) -> int | None:
        """The oldest document received before ``document_id``, still waiting to be processed, whose
        ISA05-ISA06 (bytes 33-50 of a fixed-width ISA, separator included) is ``isa_sender``."""
        stmt = (
            select(docs.c.id)
            .where(
                docs.c.id < document_id,
                docs.c.status == "received",
                func.substr(docs.c.raw, 33, len(isa_sender)) == isa_sender,
            )
            .order_by(docs.c.id)
            .limit(1)
        )
        found = self._c.execute(stmt).scalar_one_or_none()
        return int(found) if found is not None else None

    def find_by_hash(self, content_hash: str) -> list[int]:
        """Ids of the documents with this SHA-256 (hex), oldest first."""
        stmt = select(docs.c.id).where(docs.c.content_hash == content_hash.lower()).order_by(docs.c.id)
        return [int(i) for i in self._c.execute(stmt).scalars()]

    def list(self, status: str | None = None, limit: int = 100) -> list[StoredDocument]:
        stmt = select(docs).order_by(docs.c.id.desc()).limit(limit)
        if status is not None:
            stmt = stmt.where(docs.c.status == status)
        return [_document(r) for r in self._c.execute(stmt)]


class InterchangeRepository:
    """ISA13s already received, for the duplicate-interchange check within a window."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def seen(
        self, partner_id: str | None, sender_qualifier: str, sender_id: str, control: str, since: datetime
    ) -> int | None:
        """The document that brought this interchange on or after ``since``, if any (the earliest)."""
        stmt = (
            select(interchanges.c.document_id)
            .where(
                interchanges.c.partner_id.is_not_distinct_from(partner_id),
                interchanges.c.sender_qualifier == sender_qualifier.strip(),
                interchanges.c.sender_id == sender_id.strip(),
                interchanges.c.control_number == control.strip(),
                interchanges.c.received_at >= since,
            )
            .order_by(interchanges.c.received_at, interchanges.c.id)
            .limit(1)
        )
        found = self._c.execute(stmt).scalar_one_or_none()
        return int(found) if found is not None else None

    def record(
        self,
        partner_id: str | None,
        sender_qualifier: str,
        sender_id: str,
        control: str,
        document_id: int,
        received_at: datetime | None = None,
    ) -> int:
        stmt = (
            interchanges.insert()
            .values(
                partner_id=partner_id,
                sender_qualifier=sender_qualifier.strip(),
                sender_id=sender_id.strip(),
                control_number=control.strip(),
                document_id=document_id,
                received_at=received_at or now(),
            )
            .returning(interchanges.c.id)
        )
        return int(self._c.execute(stmt).scalar_one())
