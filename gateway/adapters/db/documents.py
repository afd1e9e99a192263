"""Inbound documents (raw bytes first, before anything is acknowledged) and interchanges seen."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import Connection, Row, delete, func, select, text, update

from gateway.adapters.db._sql import insert, is_postgresql, now
from gateway.adapters.db.records import DocumentSummary, StoredDocument
from gateway.adapters.db.tables import DOCUMENT_STATUSES, document_chunks, inbound_documents, interchanges
from gateway.errors import NotFound

docs = inbound_documents
chunks = document_chunks

CHUNK_SIZE = 4 * 1024 * 1024  # a document larger than this is archived in chunks of this size
_READ = 1024 * 1024  # how much of a stream is read at a time while receiving


class ChunkReader(io.RawIOBase):
    """A chunked document as a readable binary file: one chunk in memory at a time.

    ``fetch(seq)`` returns chunk ``seq`` (None past the last), so the caller chooses
    the connection each fetch runs on (a short transaction each, for a long read)."""

    def __init__(self, fetch: Callable[[int], bytes | None]) -> None:
        self._fetch = fetch
        self._seq = 0
        self._buf = b""
        self._pos = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        view = memoryview(target).cast("B")
        while self._pos >= len(self._buf):
            if self._done:
                return 0
            data = self._fetch(self._seq)
            self._seq += 1
            if data is None:
                self._done = True
                self._buf, self._pos = b"", 0
                return 0
            self._buf, self._pos = data, 0
        n = min(len(view), len(self._buf) - self._pos)
        view[:n] = self._buf[self._pos : self._pos + n]
        self._pos += n
        return n


def _pieces(source: bytes | BinaryIO | Iterable[bytes]) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        yield bytes(source)
        return
    read = getattr(source, "read", None)
    if read is not None:
        while piece := read(_READ):
            yield piece
        return
    for piece in source:  # type: ignore[union-attr]
        if piece:
            yield bytes(piece)


_SUMMARY = [c for c in docs.c if c.name in DocumentSummary.__dataclass_fields__]


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
        chunked=bool(row.chunked),
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
        raw: bytes | BinaryIO | Iterable[bytes],
        channel: str,
        partner_id: str | None = None,
        filename: str | None = None,
        message_id: str | None = None,
        format: str | None = None,
        *,
        chunk_size: int | None = None,
    ) -> tuple[int, bool]:
        """Like ``add``, and whether the document is new (False: a repeated ``message_id``).

        ``raw`` may be bytes, a binary file object or an iterator of bytes: it is read
        ``chunk_size`` bytes at a time, its SHA-256 and size computed on the way.  A document
        of at most ``chunk_size`` bytes is stored in ``raw`` as it always was; a larger one in
        ``document_chunks`` (``raw`` b"", ``chunked`` true), so memory does not grow with it.
        ``chunk_size`` None is ``CHUNK_SIZE``, read at the call."""
        chunk_size = CHUNK_SIZE if chunk_size is None else chunk_size
        digest = hashlib.sha256()
        buffer = bytearray()
        pieces = _pieces(raw)
        for piece in pieces:
            digest.update(piece)
            buffer += piece
            if len(buffer) > chunk_size:
                break
        if len(buffer) <= chunk_size:
            whole = bytes(buffer)
            return self._insert(
                whole,
                len(whole),
                digest.hexdigest(),
                False,
                channel,
                partner_id,
                filename,
                message_id,
                format,
            )
        document_id, new = self._insert(b"", 0, "", True, channel, partner_id, filename, message_id, format)
        if not new:
            for _ in pieces:  # the sender's stream is read to its end all the same
                pass
            return document_id, False
        seq = 0
        size = 0
        for piece in pieces:
            digest.update(piece)
            buffer += piece
            while len(buffer) >= chunk_size:
                with memoryview(buffer) as view:  # one copy of the chunk, not two
                    data = bytes(view[:chunk_size])
                self._c.execute(chunks.insert().values(document_id=document_id, seq=seq, data=data))
                del data
                size += chunk_size
                seq += 1
                del buffer[:chunk_size]
        while buffer:
            self._c.execute(
                chunks.insert().values(document_id=document_id, seq=seq, data=bytes(buffer[:chunk_size]))
            )
            size += min(chunk_size, len(buffer))
            seq += 1
            del buffer[:chunk_size]
        self._c.execute(
            update(docs).where(docs.c.id == document_id).values(size=size, content_hash=digest.hexdigest())
        )
        return document_id, True

    def _insert(
        self,
        raw: bytes,
        size: int,
        content_hash: str,
        chunked: bool,
        channel: str,
        partner_id: str | None,
        filename: str | None,
        message_id: str | None,
        format: str | None,
    ) -> tuple[int, bool]:
        at = now()
        values = {
            "received_at": at,
            "updated_at": at,
            "channel": channel,
            "partner_id": partner_id,
            "filename": filename,
            "content_hash": content_hash,
            "size": size,
            "raw": raw,
            "chunked": chunked,
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

    def chunk(self, document_id: int, seq: int) -> bytes | None:
        """Chunk ``seq`` of a chunked document (None past its last)."""
        found = self._c.execute(
            select(chunks.c.data).where(chunks.c.document_id == document_id, chunks.c.seq == seq)
        ).scalar_one_or_none()
        return bytes(found) if found is not None else None

    def size(self, document_id: int) -> int:
        return int(self._c.execute(select(docs.c.size).where(docs.c.id == document_id)).scalar_one())

    def is_chunked(self, document_id: int) -> bool:
        return bool(
            self._c.execute(select(docs.c.chunked).where(docs.c.id == document_id)).scalar_one_or_none()
        )

    def open(self, document_id: int, fetch: Callable[[int], bytes | None] | None = None) -> BinaryIO:
        """The document's bytes as a readable binary file (a small one: ``io.BytesIO``; a chunked
        one fetched chunk by chunk, by ``fetch(seq)`` when given, else on this connection)."""
        row = self._c.execute(select(docs.c.chunked, docs.c.raw).where(docs.c.id == document_id)).first()
        if row is None:
            raise NotFound(f"no inbound document {document_id}")
        if not row.chunked:
            return io.BytesIO(bytes(row.raw))
        reader = ChunkReader(fetch or (lambda seq: self.chunk(document_id, seq)))
        return io.BufferedReader(reader, CHUNK_SIZE)  # type: ignore[return-value]

    def read(self, document_id: int, limit: int | None = None) -> bytes:
        """The document's bytes, at most ``limit`` of them (all when None): a bounded read for
        whoever needs bytes in hand (a view, a PDF page, an answer)."""
        with self.open(document_id) as stream:
            return stream.read(-1 if limit is None else limit)

    def claim_staging(self, document_id: int, run: str, *, first: bool) -> bool:
        """Make ``run`` the run whose staged orders are the document's (``first``: take it over,
        deleting what an earlier run staged), or check it still is.  The document's row is
        locked until the commit, so two runs never both hold it; False: the document is no
        longer waiting (processed) or another run took it over."""
        stmt = select(docs.c.status, docs.c.staging_run).where(docs.c.id == document_id)
        if is_postgresql(self._c):
            stmt = stmt.with_for_update()
        row = self._c.execute(stmt).first()
        if row is None or row.status != "received":
            return False
        if not first:
            return row.staging_run == run
        from gateway.adapters.db.tables import purchase_orders as pos

        self._c.execute(delete(pos).where(pos.c.document_id == document_id, pos.c.status == "staged"))
        self._c.execute(update(docs).where(docs.c.id == document_id).values(staging_run=run))
        return True

    def summaries(self, document_ids: Iterable[int]) -> dict[int, DocumentSummary]:
        """Id → the document without its bytes, for those that exist."""
        wanted = sorted(set(document_ids))
        if not wanted:
            return {}
        stmt = select(*_SUMMARY).where(docs.c.id.in_(wanted))
        return {int(r.id): DocumentSummary(**r._mapping) for r in self._c.execute(stmt)}

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
        row = self._c.execute(
            select(func.substr(docs.c.raw, 1, size).label("head"), docs.c.chunked).where(
                docs.c.id == document_id
            )
        ).first()
        if row is None:
            return b""
        if row.chunked:
            return self.read(document_id, size)
        return bytes(row.head or b"")

    def contains(self, document_id: int, needle: bytes) -> bool:
        """Do the document's bytes contain ``needle``?  (searched in the database; a chunked
        document chunk by chunk, each with the end of the one before)"""
        where = "position(:needle in {col}) > 0" if is_postgresql(self._c) else "instr({col}, :needle) > 0"
        stmt = select(docs.c.id).where(
            docs.c.id == document_id, text(where.format(col="raw")).bindparams(needle=needle)
        )
        if self._c.execute(stmt).first() is not None:
            return True
        if not self.is_chunked(document_id) or not needle:
            return False
        in_chunk = select(chunks.c.seq).where(
            chunks.c.document_id == document_id, text(where.format(col="data")).bindparams(needle=needle)
        )
        if self._c.execute(in_chunk.limit(1)).first() is not None:
            return True
        # across a boundary: the end of one chunk and the start of the next
        span = len(needle) - 1
        previous = b""
        seq = 0
        while True:
            start = self._c.execute(
                select(func.substr(chunks.c.data, 1, span)).where(
                    chunks.c.document_id == document_id, chunks.c.seq == seq
                )
            ).scalar_one_or_none()
            if start is None:
                return False
            if seq and needle in previous + bytes(start):
                return True
            length = self._c.execute(
                select(func.length(chunks.c.data)).where(
                    chunks.c.document_id == document_id, chunks.c.seq == seq
                )
            ).scalar_one()
            tail_from = max(1, int(length) - span + 1)
            previous = bytes(
                self._c.execute(
                    select(func.substr(chunks.c.data, tail_from, span)).where(
                        chunks.c.document_id == document_id, chunks.c.seq == seq
                    )
                ).scalar_one()
            )
            seq += 1

    def waiting_heads(self, document_id: int, size: int, *, limit: int = 1000) -> list[tuple[int, bytes]]:
        """(id, first ``size`` bytes) of the documents received before ``document_id`` and still
        waiting to be processed, oldest first (at most ``limit``; for a chunked document the
        bytes come from its first chunk)."""
        first_chunk = (
            select(func.substr(chunks.c.data, 1, size))
            .where(chunks.c.document_id == docs.c.id, chunks.c.seq == 0)
            .scalar_subquery()
        )
        stmt = (
            select(docs.c.id, func.coalesce(func.nullif(func.substr(docs.c.raw, 1, size), b""), first_chunk))
            .where(docs.c.id < document_id, docs.c.status == "received")
            .order_by(docs.c.id)
            .limit(limit)
        )
        return [(int(i), bytes(h or b"")) for i, h in self._c.execute(stmt)]

    def find_by_hash(self, content_hash: str) -> list[int]:
        """Ids of the documents with this SHA-256 (hex), oldest first."""
        stmt = select(docs.c.id).where(docs.c.content_hash == content_hash.lower()).order_by(docs.c.id)
        return [int(i) for i in self._c.execute(stmt).scalars()]

    def received_since(self, since: datetime) -> list[DocumentSummary]:
        """The documents received at or after ``since``, oldest first, without their bytes."""
        stmt = select(*_SUMMARY).where(docs.c.received_at >= since).order_by(docs.c.id)
        return [DocumentSummary(**r._mapping) for r in self._c.execute(stmt)]

    def list(self, status: str | None = None, limit: int = 100) -> list[DocumentSummary]:
        """The latest ``limit`` documents (of ``status``), newest first, without their bytes."""
        stmt = select(*_SUMMARY).order_by(docs.c.id.desc()).limit(limit)
        if status is not None:
            stmt = stmt.where(docs.c.status == status)
        return [DocumentSummary(**r._mapping) for r in self._c.execute(stmt)]


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
