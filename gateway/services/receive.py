"""Step 1: archive the raw bytes. Nothing is acknowledged before this commits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from gateway.services.ports import Context


def receive_stream(
    ctx: Context,
    stream: BinaryIO | Iterable[bytes],
    *,
    channel: str,
    filename: str | None = None,
    message_id: str | None = None,
    partner_id: str | None = None,
    hold: str | None = None,
    chunk_size: int | None = None,
) -> int:
    """``receive`` for a binary file object (or an iterator of bytes), read a chunk at a time: a
    large document is archived in chunks (``chunk_size`` bytes each, the repository's default
    when None), so memory does not grow with the file."""
    return receive(
        ctx,
        stream,
        channel=channel,
        filename=filename,
        message_id=message_id,
        partner_id=partner_id,
        hold=hold,
        chunk_size=chunk_size,
    )


def receive(
    ctx: Context,
    raw: bytes | BinaryIO | Iterable[bytes],
    *,
    channel: str,
    filename: str | None = None,
    message_id: str | None = None,
    partner_id: str | None = None,
    hold: str | None = None,
    chunk_size: int | None = None,
) -> int:
    """Store ``raw`` and queue its processing; returns the document id (the existing one for a repeat).

    A repeat (the same ``message_id`` on ``channel``) is stored once, and its processing is queued
    again: the sender may be retrying because a crash cut us short, and ``process_document``
    finishes what is unfinished and makes nothing twice.

    ``partner_id`` is the channel's word on who sent it (an SFTP account, a mail sender, an API
    token).  ``hold`` keeps a new document for a person instead of processing it (status
    ``needs_review`` with ``hold`` as the reason, e.g. a mail from an unknown sender)."""
    with ctx.uow() as uow:
        sizing = {} if chunk_size is None else {"chunk_size": chunk_size}
        document_id, new = uow.documents.receive(
            raw, channel, partner_id=partner_id, filename=filename, message_id=message_id, **sizing
        )
        if new:
            uow.audit.record(
                "system",
                "document",
                str(document_id),
                "received",
                {
                    "channel": channel,
                    "filename": filename,
                    "size": uow.documents.size(document_id),
                    "partner": partner_id,
                },
            )
            if hold is not None:
                code, _, text = hold.partition(": ")
                note = {"code": code, "message": text or code, "severity": "fatal", "text": text or code}
                uow.documents.set_status(document_id, "needs_review", [note])
                uow.audit.record("system", "document", str(document_id), "needs_review", {"reason": code})
        held = uow.documents.get(document_id).status == "needs_review" if hold is not None else False
        uow.commit()
    if held:
        return document_id
    # a repeat too: processing is idempotent, and resumes what a crash left undone
    ctx.dispatcher.send("process_document", document_id)
    return document_id
