"""Polling inbound channels on their intervals, one lease per (partner, channel).

``due_polls`` says which pollers are due (each partner's ``folder`` and ``sftp``
at their ``poll_seconds``, the shared mail inbox at its interval); the
``poll_channel`` step takes the lease on its row (so two workers never poll the
same inbox at once), runs the channel's poller (``ctx.pollers``, chosen by the
bootstrap) with a ``store`` that archives each document through ``receive``,
and records when it ran, what it found and any error.  ``retry_deliveries``
queues the outbound documents whose next delivery attempt is due.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, BinaryIO

from gateway.errors import GatewayError
from gateway.services.ports import Context
from gateway.services.receive import receive

SHARED = "*"  # the partner id of a poller that is not one partner's (the mail inbox)
LEASE = timedelta(minutes=15)


def due_polls(ctx: Context, *, shared: dict[str, int] | None = None) -> list[tuple[str, str]]:
    """(partner id, channel) of every poller whose interval has passed since it last ran.

    ``shared`` maps channels polled once for all partners (``imap``) to their interval."""
    now = ctx.clock()
    with ctx.uow() as uow:
        last = uow.polls.last_polled()
        partners = uow.partners.list(active_only=True)
    wanted: list[tuple[str, str, int]] = [
        (p.id, channel, seconds) for p in partners for channel, seconds in p.channels.pollers().items()
    ]
    wanted += [(SHARED, channel, seconds) for channel, seconds in (shared or {}).items()]
    due = []
    for partner_id, channel, seconds in wanted:
        if channel not in ctx.pollers:
            continue
        at = last.get((partner_id, channel))
        if at is None or now - at >= timedelta(seconds=seconds):
            due.append((partner_id, channel))
    return due


def poll_channel(ctx: Context, partner_id: str, channel: str) -> int:
    """Run one poller under its lease; the number of documents it stored (0 when another holds it)."""
    poller = ctx.pollers.get(channel)
    if poller is None:
        raise GatewayError(f"no poller is installed for the {channel} channel", code="channel.unknown")
    holder = uuid.uuid4().hex
    with ctx.uow() as uow:
        partner = None if partner_id == SHARED else uow.partners.get(partner_id)
        if partner_id != SHARED and partner is None:
            raise GatewayError(f"no trading partner {partner_id}", code="partner.missing")
        claimed = uow.polls.claim(partner_id, channel, holder, ctx.clock(), LEASE)
        uow.commit()
    if not claimed:
        return 0
    stored: list[int] = []

    def store(
        raw: bytes | BinaryIO,
        *,
        filename: str | None,
        message_id: str | None,
        partner: str | None = None,
        hold: str | None = None,
    ) -> int:
        document_id = receive(
            ctx,
            raw,
            channel=channel if channel != "imap" else "email",
            filename=filename,
            message_id=message_id,
            partner_id=partner if partner is not None else (None if partner_id == SHARED else partner_id),
            hold=hold,
        )
        stored.append(document_id)
        return document_id

    error: str | None = None
    refused: list[str] = []
    try:
        outcome = poller(ctx, partner, store)
        refused = list(getattr(outcome, "failed", None) or [])
    except GatewayError as exc:
        error = f"{exc.code}: {exc.message}"
    finally:
        with ctx.uow() as uow:
            uow.polls.release(partner_id, channel, holder, ctx.clock(), len(stored), error)
            if refused:  # files that are no document (empty, too large): moved aside, and said so
                uow.audit.record(
                    "system", "channel", f"{partner_id}/{channel}", "refused", {"files": refused}
                )
            if error is not None:
                uow.audit.record(
                    "system", "channel", f"{partner_id}/{channel}", "poll_failed", {"error": error}
                )
            uow.commit()
    return len(stored)


def poll_due(ctx: Context, *, shared: dict[str, int] | None = None) -> list[tuple[str, str]]:
    """Send a ``poll_channel`` step for every due poller, and a ``deliver`` for due retries."""
    due = due_polls(ctx, shared=shared)
    for partner_id, channel in due:
        ctx.dispatcher.send("poll_channel", partner_id, channel)
    retry_deliveries(ctx)
    return due


def retry_deliveries(ctx: Context) -> list[int]:
    """Queue ``deliver`` for outbound documents whose next attempt is due."""
    with ctx.uow() as uow:
        ids = uow.outbound.due_for_retry(ctx.clock())
    if ids:
        ctx.dispatcher.send("deliver", *ids)
    return ids


def resend(ctx: Context, outbound_ids: list[int], actor: str = "operator") -> list[int]:
    """A person's resend: the documents start over (pending, no attempts) and ``deliver`` is queued."""
    with ctx.uow() as uow:
        found = uow.outbound.requeue(outbound_ids)
        for out_id in found:
            uow.audit.record(actor, "outbound", out_id, "resend", {})
        uow.commit()
    if found:
        ctx.dispatcher.send("deliver", *found)
    return found


def failed_deliveries(ctx: Context, partner_id: str | None = None) -> list[Any]:
    """Outbound documents whose delivery failed for good: for the review queue and the CLI."""
    with ctx.uow() as uow:
        return uow.outbound.list(partner_id=partner_id, delivery_status="failed")
