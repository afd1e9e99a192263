"""The per-PO ledger: everything received and sent about one purchase order, in time order.

``timeline(uow, purchase_order_id)`` lists the inbound document that carried the
order and the outbound documents answering it (the 997/999/TA1 of its
interchange, its 855 and whatever follows); ``overdue(uow, now)`` lists the
documents we sent whose acknowledgement from the partner has not come back in
``ACK_DUE``; ``resend(context, outbound_id)`` queues a stored document for
delivery again, byte for byte (same control numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.errors import NotFound
from gateway.services.ports import Context, UnitOfWork

ACK_DUE = timedelta(hours=24)
# what we send that a partner acknowledges (acknowledgements themselves are never acknowledged)
ACKNOWLEDGED_TYPES = ("855", "856", "810", "865")


@dataclass(slots=True)
class LedgerEntry:
    at: datetime
    direction: str  # "in" / "out"
    document: str  # "850", "997", "855", ...
    summary: str
    control: str | None
    status: str
    document_id: int | None = None
    outbound_id: int | None = None


def timeline(uow: UnitOfWork, purchase_order_id: int) -> list[LedgerEntry]:
    stored = uow.purchase_orders.get(purchase_order_id)
    if stored is None:
        raise NotFound(f"no purchase order {purchase_order_id}")
    entries: list[LedgerEntry] = []
    doc = uow.documents.get(stored.document_id)
    kind = "860" if stored.kind == "change" else (stored.document.source.format or "order")
    if kind == "x12":
        kind = "850"
    if doc is not None:
        entries.append(
            LedgerEntry(
                at=doc.received_at,
                direction="in",
                document=kind,
                summary=f"PO {stored.po_number} received on {doc.channel} ({doc.filename or 'no file name'})",
                control=stored.set_control,
                status=doc.status,
                document_id=doc.id,
            )
        )
    outbound = {o.id: o for o in uow.outbound.list(inbound_document_id=stored.document_id)}
    outbound.update({o.id: o for o in uow.outbound.list(purchase_order_id=purchase_order_id)})
    for out in outbound.values():
        status = out.delivery_status + (f", acknowledged {out.ack_status}" if out.ack_status else "")
        entries.append(
            LedgerEntry(
                at=out.created_at,
                direction="out",
                document=out.doc_type,
                summary=f"{out.doc_type} to {out.partner_id}",
                control=str(out.isa_control) if out.isa_control is not None else None,
                status=status,
                outbound_id=out.id,
            )
        )
    entries.sort(key=lambda e: (e.at, e.direction != "in"))
    return entries


def overdue(uow: UnitOfWork, now: datetime) -> list[LedgerEntry]:
    """Sent documents of ``ACKNOWLEDGED_TYPES`` with no acknowledgement after ``ACK_DUE``, oldest first."""
    found: list[LedgerEntry] = []
    for out in uow.outbound.list(delivery_status="sent"):
        if out.doc_type not in ACKNOWLEDGED_TYPES or out.ack_status is not None:
            continue
        sent = out.delivered_at or out.created_at
        if now - sent < ACK_DUE:
            continue
        found.append(
            LedgerEntry(
                at=sent,
                direction="out",
                document=out.doc_type,
                summary=f"{out.doc_type} to {out.partner_id}: no acknowledgement since {sent:%Y-%m-%d %H:%M}",
                control=str(out.isa_control) if out.isa_control is not None else None,
                status="overdue",
                outbound_id=out.id,
            )
        )
    found.sort(key=lambda e: e.at)
    return found


def resend(context: Context, outbound_id: int, actor: str = "system") -> None:
    """Deliver a stored outbound document again (the same bytes, the same control numbers)."""
    with context.uow() as uow:
        if uow.outbound.get(outbound_id) is None:
            raise NotFound(f"no outbound document {outbound_id}")
        uow.outbound.set_delivery(outbound_id, "pending")
        uow.audit.record(actor, "outbound", outbound_id, "resend", None)
        uow.commit()
    context.dispatcher.send("deliver", outbound_id)
