"""What an AS2 receipt does to our records: the payload stored (once), a refusal noted.

The payload is committed here before the endpoint answers with its MDN, so a
``processed`` MDN always names a document we hold.  The key is the sender's
AS2 id with its Message-ID: a partner retrying a message (because our MDN never
reached it) finds it stored and processing re-queued, which finishes what is
unfinished and makes nothing twice.
"""

from __future__ import annotations

from typing import Any

from gateway.services.ports import Context

CHANNEL = "as2"


def as2_key(as2_from: str, message_id: str) -> str:
    return f"{as2_from}/{message_id}"


def store_as2_payload(
    ctx: Context,
    payload: bytes,
    *,
    partner_id: str,
    as2_from: str,
    message_id: str,
    filename: str | None,
    detail: dict[str, Any],
) -> tuple[int, bool]:
    """Store the payload and queue its processing; (document id, whether it is new)."""
    with ctx.uow() as uow:
        document_id, new = uow.documents.receive(
            payload,
            CHANNEL,
            partner_id=partner_id,
            filename=filename,
            message_id=as2_key(as2_from, message_id),
        )
        uow.audit.record(
            "system",
            "document",
            str(document_id),
            "received" if new else "received_again",
            {"channel": CHANNEL, "filename": filename, "size": len(payload), "as2": detail},
        )
        uow.commit()
    ctx.dispatcher.send("process_document", document_id)
    return document_id, new


def record_as2_refusal(ctx: Context, *, as2_from: str, message_id: str, detail: dict[str, Any]) -> None:
    """An AS2 message we answered with an error disposition: who, which, and why."""
    with ctx.uow() as uow:
        uow.audit.record("system", "as2_message", as2_key(as2_from, message_id)[:100], "refused", detail)
        uow.commit()


def record_as2_mdn(
    ctx: Context, *, partner_id: str, original_message_id: str, detail: dict[str, Any]
) -> None:
    """An asynchronous MDN a partner posted for a message we sent."""
    with ctx.uow() as uow:
        uow.audit.record("system", "as2_message", f"{partner_id}/{original_message_id}"[:100], "mdn", detail)
        uow.commit()
