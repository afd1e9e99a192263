"""The per-PO ledger: everything that came in and went out about one purchase order, in order.

``timeline(uow, purchase_order_id)`` gathers, for the order and every change
to it (same partner and PO number):

- in: the 850 (a cXML or UBL order as ``cXML`` / ``UBL``; and each repeat of
  it, answered without a second order), each 860, and the partner's
  997/999/TA1 about what we sent for it;
- out: our 997/999/TA1 for each of those documents, the 855 (or the UBL
  OrderResponse / cXML ConfirmationRequest, which nothing acknowledges: they are
  ``delivered``, never overdue), each 865, and
  whatever else the outbound-document table holds for the order by its
  document type (856, 810, ...), with delivery and acknowledgement status.

Times are those the database recorded (received, stored); entries are in
that order.  ``overdue(uow, now)`` lists documents we delivered that have no
997/999 after the partner's window (``documents.ack_window_hours``, 24 h by
default).  ``resend(context, outbound_id)`` delivers a stored document's bytes
again, unchanged (same control numbers: the partner's translator sees a
repeat, which it may acknowledge again), and records it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from gateway.domain.partners import PartnerProfile
from gateway.errors import NotFound
from gateway.services.ports import Context, UnitOfWork
from gateway.services.xml_answers import XML_DOC_TYPES

ACK_TYPES = ("997", "999", "TA1")
IN_KINDS = {"cxml": "cXML", "ubl": "UBL"}  # how an order that is not an 850 shows
DEFAULT_WINDOW_HOURS = 24


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    at: datetime
    direction: Literal["in", "out"]
    document: str  # "850", "860", "997", "999", "TA1", "855", "865", "856", "810"
    summary: str  # one readable sentence
    control: str | None  # "ISA13/GS06/ST02" of the document, when X12
    status: str  # processed, delivered, accepted, accepted_with_errors, rejected, awaiting_ack, overdue, ...
    document_id: int | None  # inbound document id
    outbound_id: int | None  # outbound document id (what ``resend`` takes)


@dataclass(frozen=True, slots=True)
class OverdueItem:
    outbound_id: int
    partner_id: str
    document: str  # doc type: 855, 865, 856, 810
    control: str | None
    purchase_order_id: int | None
    po_number: str | None
    sent_at: datetime
    due_at: datetime

    def overdue_by(self, now: datetime) -> timedelta:
        return now - self.due_at


def _control(isa: Any, gs: Any = None, st: Any = None) -> str | None:
    if isa in (None, ""):
        return None
    parts = [f"{int(isa):09d}" if str(isa).isdigit() else str(isa)]
    if gs not in (None, ""):
        parts.append(str(gs))
        if st not in (None, ""):
            parts.append(f"{int(st):04d}" if str(st).isdigit() else str(st))
    return "/".join(parts)


def _kind(doc_type: str) -> str:
    """The document an outbound row is, for the ledger: its functional ack when a TA1 rides with one."""
    parts = doc_type.split("/")
    return next((p for p in parts if p in ("997", "999")), parts[0])


def _is_ack(doc_type: str) -> bool:
    return doc_type.split("/")[0] in ACK_TYPES


def _window(partner: PartnerProfile | None) -> timedelta:
    hours = partner.documents.ack_window_hours if partner is not None else DEFAULT_WINDOW_HOURS
    return timedelta(hours=hours)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _fmt(value: Any) -> str:
    text = format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _outbound_status(out: Any, acks: list[Any], due: datetime | None, now: datetime) -> str:
    if acks:
        return str(acks[-1].status)
    if out.delivery_status != "sent":
        return "failed" if out.delivery_status == "failed" else "pending"
    if _is_ack(out.doc_type) or out.doc_type in XML_DOC_TYPES:
        return "delivered"  # nothing acknowledges an acknowledgement, nor a cXML / UBL answer
    if due is not None and now > due:
        return "overdue"
    return "awaiting_ack"


def _outbound_summary(out: Any, po_number: str, acks: list[Any]) -> str:
    kind = out.doc_type
    what = {
        "855": f"Purchase order acknowledgement for PO {po_number}",
        "865": f"Change acknowledgement for PO {po_number}",
        "856": f"Ship notice for PO {po_number}",
        "810": f"Invoice for PO {po_number}",
        "UBL-OR": f"UBL order response for PO {po_number}",
        "cXML-CR": f"cXML order confirmation for PO {po_number}",
    }.get(kind, f"{kind.replace('/', ' and ')} for document {out.inbound_document_id or po_number}")
    if out.delivery_status == "sent" and out.delivered_at is not None:
        what += f", delivered {_aware(out.delivered_at):%Y-%m-%d %H:%M} UTC"
    else:
        what += f", {out.delivery_status}"
    if acks:
        last = acks[-1]
        what += f"; the partner's {last.kind} says {last.status.replace('_', ' ')}"
    return what + "."


def _order_summary(stored: Any, sales: Any) -> tuple[str, str]:
    po = stored.document
    lines = len(po.lines)
    text = f"PO {stored.po_number} from {stored.partner_id}, {lines} line{'s' if lines != 1 else ''}"
    if sales is None:
        return text + f", {stored.status}.", stored.status
    order = sales.order
    return (
        f"{text}; sales order SO{sales.id} {order.status.value} ({order.ack_type.value}).",
        order.status.value,
    )


def _change_summary(stored: Any, audit: dict[int, Any]) -> str:
    change = stored.document
    what = "cancellation" if change.purpose == "cancel" else "change"
    text = (
        f"PO {stored.po_number} {what} with {len(change.lines)} line{'s' if len(change.lines) != 1 else ''}"
    )
    detail = audit.get(stored.id)
    if detail:
        refused = [ln for ln in detail.get("lines", []) if not ln.get("accepted")]
        if refused:
            reasons = sorted({ln.get("reason") for ln in refused})
            text += f"; {len(refused)} refused ({', '.join(reasons)})"
    return f"{text}, {stored.status}."


def _source_control(document: Any) -> str | None:
    source = getattr(document, "source", None)
    if source is None:
        return None
    return _control(source.interchange_control, source.group_control, source.set_control)


def timeline(uow: UnitOfWork, purchase_order_id: int, *, now: datetime | None = None) -> list[LedgerEntry]:
    """What came in and went out about a purchase order and its changes, oldest first."""
    now = now or datetime.now(UTC)
    stored = uow.purchase_orders.get(purchase_order_id)
    if stored is None:
        raise NotFound(f"no purchase order {purchase_order_id}")
    original = uow.purchase_orders.find(stored.partner_id, stored.po_number)
    rows = [r for r in (original,) if r is not None and r.kind == "order"]
    rows += uow.purchase_orders.changes_for(stored.partner_id, stored.po_number)
    if stored.id not in {r.id for r in rows}:
        rows.insert(0, stored)
    partner = uow.partners.get(stored.partner_id) if stored.partner_id else None
    window = _window(partner)
    entries: list[tuple[datetime, int, LedgerEntry]] = []

    def add(entry: LedgerEntry, order: int) -> None:
        entries.append((_aware(entry.at), order, entry))

    documents: dict[int, Any] = {}
    for row in rows:
        documents.setdefault(row.document_id, uow.documents.get(row.document_id))
    duplicates: list[int] = []
    change_audit: dict[int, Any] = {}
    for row in rows:
        for a in uow.audit.list("purchase_order", row.id):
            if a.action == "duplicate_received" and isinstance(a.detail, dict):
                duplicates.append(int(a.detail["document"]))
            elif a.action in ("applied", "refused") and isinstance(a.detail, dict):
                change_audit[row.id] = a.detail
    for document_id in duplicates:
        documents.setdefault(document_id, uow.documents.get(document_id))

    for row in rows:
        doc = documents.get(row.document_id)
        at = doc.received_at if doc is not None else row.created_at
        if row.kind == "order":
            sales = uow.sales_orders.get_by_purchase_order(row.id)
            summary, status = _order_summary(row, sales)
            kind = IN_KINDS.get(row.document.source.format, "850")
            add(
                LedgerEntry(
                    at, "in", kind, summary, _source_control(row.document), status, row.document_id, None
                ),
                0,
            )
        else:
            add(
                LedgerEntry(
                    at,
                    "in",
                    "860",
                    _change_summary(row, change_audit),
                    _source_control(row.document),
                    row.status,
                    row.document_id,
                    None,
                ),
                0,
            )
    for document_id in sorted(set(duplicates)):
        doc = documents.get(document_id)
        if doc is None:
            continue
        add(
            LedgerEntry(
                doc.received_at,
                "in",
                "850",
                f"PO {stored.po_number} received again; acknowledged, no second order made.",
                None,
                "duplicate",
                document_id,
                None,
            ),
            0,
        )

    outbound: dict[int, Any] = {}
    for document_id in documents:
        for out in uow.outbound.list(inbound_document_id=document_id):
            outbound[out.id] = out
    for row in rows:
        for out in uow.outbound.list(purchase_order_id=row.id):
            outbound[out.id] = out
    acks = uow.acknowledgements.for_outbound(outbound)
    for out in sorted(outbound.values(), key=lambda o: o.id):
        theirs = acks.get(out.id, [])
        sent = out.delivered_at or out.created_at
        due = _aware(sent) + window if not _is_ack(out.doc_type) else None
        add(
            LedgerEntry(
                out.created_at,
                "out",
                _kind(out.doc_type),
                _outbound_summary(out, stored.po_number, theirs),
                _control(out.isa_control, out.gs_control, out.st_control),
                _outbound_status(out, theirs, due, now),
                out.inbound_document_id,
                out.id,
            ),
            1,
        )
    seen_ack_docs: set[tuple[int, int]] = set()
    for out_id, items in acks.items():
        for item in items:
            if (item.document_id, out_id) in seen_ack_docs:
                continue
            seen_ack_docs.add((item.document_id, out_id))
            out = outbound[out_id]
            errors = item.errors or {}
            detail = ""
            segs = errors.get("segments") or []
            if segs:
                first = segs[0]
                plural = "s" if len(segs) != 1 else ""
                detail = f" ({len(segs)} segment error{plural}, first {first.get('segment')}"
                if first.get("elements"):
                    el = first["elements"][0]
                    detail += f" element {el.get('position')} code {el.get('code')}"
                detail += ")"
            add(
                LedgerEntry(
                    item.received_at,
                    "in",
                    item.kind,
                    f"The partner's {item.kind} for our {out.doc_type}: "
                    f"{item.status.replace('_', ' ')}{detail}.",
                    _control(item.interchange_control, item.group_control, item.set_control)
                    if item.kind != "TA1"
                    else _control(item.interchange_control),
                    item.status,
                    item.document_id,
                    out_id,
                ),
                2,
            )
    entries.sort(key=lambda e: (e[0], e[1]))
    return [e for _, _, e in entries]


def overdue(uow: UnitOfWork, now: datetime) -> list[OverdueItem]:
    """Documents we delivered with no 997/999/TA1 from the partner after its window, oldest first."""
    now = _aware(now)
    partners: dict[str, PartnerProfile | None] = {}
    found: list[OverdueItem] = []
    # no window is shorter than an hour: what was sent within the last hour is not overdue anywhere
    for out in uow.acknowledgements.unacknowledged(sent_before=now - timedelta(hours=1)):
        if out.partner_id not in partners:
            partners[out.partner_id] = uow.partners.get(out.partner_id)
        partner = partners[out.partner_id]
        if (partner is not None and partner.x12 is None) or out.doc_type in XML_DOC_TYPES:
            continue  # no functional acknowledgement comes back for these
        sent = _aware(out.delivered_at or out.created_at)
        due = sent + _window(partner)
        if now <= due:
            continue
        found.append(
            OverdueItem(
                outbound_id=out.id,
                partner_id=out.partner_id,
                document=out.doc_type,
                control=_control(out.isa_control, out.gs_control, out.st_control),
                purchase_order_id=out.purchase_order_id,
                po_number=None,
                sent_at=sent,
                due_at=due,
            )
        )
    # the PO numbers in one query, without reading the orders themselves
    numbers = uow.purchase_orders.numbers(o.purchase_order_id for o in found if o.purchase_order_id)
    found = [replace(o, po_number=numbers.get(o.purchase_order_id or 0)) for o in found]
    return sorted(found, key=lambda o: (o.due_at, o.outbound_id))


def resend(context: Context, outbound_id: int, actor: str = "system") -> None:
    """Deliver a stored outbound document again, byte for byte, on the partner's channel: it starts
    over (pending, no attempts) and the ``deliver`` step is queued; recorded in the audit trail."""
    with context.uow() as uow:
        out = uow.outbound.get(outbound_id)
        if out is None:
            raise NotFound(f"no outbound document {outbound_id}")
        uow.outbound.requeue([out.id])
        uow.audit.record(actor, "outbound", out.id, "resent", {"previous": out.delivery_status})
        uow.commit()
    context.dispatcher.send("deliver", out.id)
