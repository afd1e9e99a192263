"""Step 1: archive the raw bytes. Nothing is acknowledged before this commits."""

from __future__ import annotations

from gateway.services.ports import Context


def receive(
    ctx: Context,
    raw: bytes,
    *,
    channel: str,
    filename: str | None = None,
    message_id: str | None = None,
    partner_id: str | None = None,
) -> int:
    """Store ``raw`` and queue its processing; returns the document id (the existing one for a repeat).

    A repeat (the same ``message_id`` on ``channel``) is stored once, and its processing is queued
    again: the sender may be retrying because a crash cut us short, and ``process_document``
    finishes what is unfinished and makes nothing twice."""
    with ctx.uow() as uow:
        document_id, new = uow.documents.receive(
            raw, channel, partner_id=partner_id, filename=filename, message_id=message_id
        )
        if new:
            uow.audit.record(
                "system",
                "document",
                str(document_id),
                "received",
                {"channel": channel, "filename": filename, "size": len(raw)},
            )
        uow.commit()
    # a repeat too: processing is idempotent, and resumes what a crash left undone
    ctx.dispatcher.send("process_document", document_id)
    return document_id
