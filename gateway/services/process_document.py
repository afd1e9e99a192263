"""Step 2: parse an archived document, acknowledge it, and store its purchase orders.

One transaction per document: the acknowledgements (with their control
numbers), the stored orders and the document's new status commit together, or
not at all, so running the step again after a crash creates nothing twice.

Per interchange: the sender is identified by ISA qualifier and id; an unknown
sender is held for review (answered only when configured); a repeated
interchange (same sender and ISA13 within the window) is acknowledged again but
nothing in it is processed twice.  Sets in a group or interchange rejected at
its trailer are never acted on.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from gateway.domain.diagnostics import Severity
from gateway.domain.model import PurchaseOrder, PurchaseOrderChange
from gateway.domain.partners import PartnerProfile
from gateway.domain.serialize import to_json
from gateway.errors import DuplicatePurchaseOrder, GatewayError
from gateway.services.acknowledgements import record_acknowledgements
from gateway.services.ingest_documents import process_layout_document
from gateway.services.parse_documents import DocumentResult, x12_results_with_events
from gateway.services.ports import Context, UnitOfWork
from gateway.services.sweep import unfinished_steps
from outbound.x12.ack import AckBuilder, AckResult
from outbound.x12.writer import Party
from parsers.detect import detect_format
from parsers.documents import DOCUMENT_FORMATS
from parsers.x12.structure import InterchangeHeader

ACKNOWLEDGEMENTS = frozenset(("997", "999", "TA1"))


@dataclass(slots=True)
class InterchangeWork:
    header: InterchangeHeader
    partner: PartnerProfile | None
    results: list[DocumentResult] = field(default_factory=list)
    ack: AckResult | None = None
    duplicate_of: int | None = None


def _diag_list(results: list[DocumentResult]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in results:
        for d in r.diagnostics:
            if d.severity is not Severity.WARNING:
                item = to_json(d)
                item["text"] = d.describe()
                out.append(item)
    return out[:200]


def _note(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "severity": "fatal", "text": message}


def process_document(ctx: Context, document_id: int) -> None:
    """Parse, acknowledge and store one archived document (idempotent)."""
    with ctx.uow() as uow:
        doc = uow.documents.get(document_id)
        if doc is None:
            raise GatewayError(f"document {document_id} does not exist", code="document.missing")
        if doc.status != "received":
            uow.rollback()
            _resume(ctx, document_id)
            return
        fmt = detect_format(doc.raw[:4096])
        if fmt in DOCUMENT_FORMATS:
            _process_layout(ctx, uow, document_id, doc, fmt)
            return
        if fmt != "x12":
            uow.documents.set_status(
                document_id,
                "needs_review",
                [
                    _note(
                        "input.unsupported_format",
                        f"not a format this gateway reads yet ({fmt or 'unrecognised'})",
                    )
                ],
                format=fmt or "unknown",
            )
            uow.audit.record("system", "document", document_id, "needs_review", {"reason": "format"})
            uow.commit()
            return
        handed: dict[int, PurchaseOrder] = {}
        changes: list[int] = []
        kinds: set[str] = set()
        new_orders, outbound_ids, status, diags, partner_id = _process_x12(
            ctx, uow, document_id, doc.raw, handed, changes, kinds, claimed_by=doc.partner_id
        )
        again = uow.documents.get(document_id)
        if again is not None and again.status != "received":
            # processed by a run of this same step while this one waited for the control-number
            # lock: roll back (the numbers go back to the counter) and only resume
            uow.rollback()
            _resume(ctx, document_id)
            return
        if kinds & ACKNOWLEDGEMENTS:
            record_acknowledgements(uow, document_id, doc.raw, doc.received_at)
        uow.documents.set_status(document_id, status, diags, partner_id=partner_id, format="x12")
        uow.audit.record(
            "system",
            "document",
            document_id,
            status,
            {"purchase_orders": new_orders, "outbound": outbound_ids},
        )
        uow.commit()
    if handed:
        ctx.handover.put(handed)  # committed: confirm_document may take them instead of reading them
    if outbound_ids:
        ctx.dispatcher.send("deliver", *outbound_ids)
    if new_orders:
        ctx.dispatcher.send("confirm_document", document_id)
    for change_id in changes:
        ctx.dispatcher.send("apply_change", change_id)


def _process_layout(ctx: Context, uow: UnitOfWork, document_id: int, doc: Any, fmt: str) -> None:
    """A PDF, CSV, XLSX, cXML or UBL document (``gateway.services.ingest_documents``); commits."""
    handed: dict[int, PurchaseOrder] = {}
    new_orders, status, diags, partner_id = process_layout_document(
        uow, document_id, doc.raw, fmt, doc.partner_id, doc.channel, handed
    )
    uow.documents.set_status(document_id, status, diags, partner_id=partner_id, format=fmt)
    uow.audit.record(
        "system", "document", document_id, status, {"purchase_orders": new_orders, "format": fmt}
    )
    uow.commit()
    if handed:
        ctx.handover.put(handed)
    if new_orders:
        ctx.dispatcher.send("confirm_document", document_id)


def _resume(ctx: Context, document_id: int) -> None:
    """A document already processed: queue again whatever its later steps have not done."""
    with ctx.uow() as uow:
        steps = unfinished_steps(uow, document_id)
    for step, ids in steps:
        ctx.dispatcher.send(step, *ids)


def _process_x12(
    ctx: Context,
    uow: UnitOfWork,
    document_id: int,
    raw: bytes,
    handed: dict[int, PurchaseOrder],
    changes: list[int],
    kinds: set[str],
    *,
    claimed_by: str | None = None,
) -> tuple[list[int], list[int], str, list[dict[str, Any]], str | None]:
    """``claimed_by``: the partner the channel says sent the document (its API token, SFTP account,
    mail address); an interchange whose ISA sender is another partner is held for review."""
    works: list[InterchangeWork] = []
    current: InterchangeWork | None = None
    since = ctx.clock() - timedelta(days=ctx.duplicate_interchange_days)

    def on_interchange(header: InterchangeHeader) -> AckBuilder | None:
        nonlocal current
        partner = uow.partners.find_by_x12(header.sender_qualifier, header.sender_id)
        current = InterchangeWork(header, partner)
        if partner is not None:
            current.duplicate_of = uow.interchanges.seen(
                partner.id, header.sender_qualifier, header.sender_id, header.control, since
            )
        works.append(current)
        wants = partner.documents if partner is not None else None
        if wants is None and not ctx.answer_unknown_senders:
            return None  # an unknown sender is held for review, unanswered
        if wants is not None and not wants.functional_ack and wants.ta1 == "never":
            return None  # nothing will be sent: spend no control numbers on it
        builder = AckBuilder(
            uow.control_numbers,
            clock=ctx.clock,
            identity=Party(ctx.identity.isa_qualifier, ctx.identity.isa_id),
        )
        return builder

    for result, ack in x12_results_with_events(io.BytesIO(raw), on_interchange):
        if result is not None and current is not None:
            current.results.append(result)
        if ack is not None and current is not None:
            current.ack = ack

    new_orders: list[int] = []
    outbound_ids: list[int] = []
    statuses: list[str] = []
    diags: list[dict[str, Any]] = []
    partner_id: str | None = None
    for work in works:
        partner = work.partner
        header = work.header
        if partner is None:
            out_id = _store_ack(uow, work, document_id)
            if out_id is not None:
                outbound_ids.append(out_id)
            statuses.append("needs_review")
            diags.append(
                _note(
                    "partner.unknown_sender",
                    f"no trading partner has ISA id {header.sender_qualifier}:{header.sender_id}",
                )
            )
            continue
        if claimed_by is not None and partner.id != claimed_by:
            statuses.append("needs_review")
            diags.append(
                _note(
                    "partner.sender_mismatch",
                    f"interchange {header.control} names {partner.id} as its sender, but it came "
                    f"on {claimed_by}'s channel; held, not acknowledged",
                )
            )
            continue
        partner_id = partner.id
        out_id = _store_ack(uow, work, document_id)
        if out_id is not None:
            outbound_ids.append(out_id)
        if work.duplicate_of is not None and work.duplicate_of != document_id:
            statuses.append("duplicate")
            diags.append(
                _note(
                    "x12.interchange.duplicate",
                    f"interchange {header.control} from {partner.id} was already received "
                    f"(document {work.duplicate_of}); acknowledged again, not processed again",
                )
            )
            continue
        uow.interchanges.record(
            partner.id, header.sender_qualifier, header.sender_id, header.control, document_id
        )
        diags.extend(_diag_list(work.results))
        kinds.update(r.kind for r in work.results)
        for r in work.results:
            if r.document is None:
                if r.status == "rejected" and r.kind in ("850", "860"):
                    statuses.append("rejected")
                continue
            po_id, duplicate = _store_order(uow, r.document, partner.id, document_id)
            if duplicate:
                uow.audit.record(
                    "system",
                    "purchase_order",
                    po_id,
                    "duplicate_received",
                    {"document": document_id, "po": r.document.po_number},
                )
                statuses.append("duplicate")
                diags.append(
                    _note(
                        "order.duplicate_po",
                        f"purchase order {r.document.po_number} from {partner.id} was already "
                        "received; no second sales order",
                    )
                )
            elif isinstance(r.document, PurchaseOrder):
                new_orders.append(po_id)
                handed[po_id] = r.document
            else:
                changes.append(po_id)
        if not any(r.kind in ("850", "860", *ACKNOWLEDGEMENTS) for r in work.results) and work.results:
            statuses.append("rejected")
    if not works:
        statuses.append("rejected")
        diags.append(_note("x12.no_interchange", "no readable interchange in the document"))
    status = _overall(statuses, bool(new_orders))
    return new_orders, outbound_ids, status, diags, partner_id


def _overall(statuses: list[str], any_orders: bool) -> str:
    for s in ("needs_review", "rejected", "duplicate"):
        if s in statuses and not (any_orders and s != "needs_review"):
            return s
    return "acknowledged"


def unknown_partner_id(header: InterchangeHeader) -> str:
    return f"unknown-{header.sender_qualifier}-{header.sender_id}"


def _store_ack(uow: UnitOfWork, work: InterchangeWork, document_id: int) -> int | None:
    ack = work.ack
    partner = work.partner
    if ack is None or ack.data is None:
        return None
    kinds = set(ack.kinds)
    if partner is not None:
        wants = partner.documents
        if not wants.functional_ack:
            kinds -= {"997", "999"}
        if wants.ta1 == "never":
            kinds.discard("TA1")
    # an unknown sender answered by configuration: its outbox is named after its ISA id
    recipient = partner.id if partner is not None else unknown_partner_id(work.header)
    if not kinds:
        uow.control_numbers.link_taken(None)
        return None
    doc_type = "/".join(k for k in ack.kinds if k in kinds)
    key = f"{work.header.control}" + (f"#dup{document_id}" if work.duplicate_of is not None else "")
    existing = uow.outbound.find(doc_type, inbound_document_id=document_id, key=key)
    if existing is not None:
        uow.control_numbers.link_taken(None)
        return existing
    written = ack.written
    controls: dict[str, int | None] = {}
    if written is not None:
        controls["ISA"] = written.control
        if written.groups:
            controls["GS"] = written.groups[0].control
            st = written.groups[0].set_controls
            controls["ST"] = int(st[0]) if st else None
    out_id = uow.outbound.add(
        recipient,
        doc_type,
        ack.data,
        controls,
        inbound_document_id=document_id,
        key=key,
        control_partner=ack.partner.key,
    )
    uow.control_numbers.link_taken(out_id)  # every number the acknowledgement took (each group, set)
    return out_id


def _store_order(
    uow: UnitOfWork, document: PurchaseOrder | PurchaseOrderChange, partner_id: str, document_id: int
) -> tuple[int, bool]:
    document.source.partner = partner_id
    document.source.document_id = str(document_id)
    try:
        return uow.purchase_orders.add(document, partner_id, document_id), False
    except DuplicatePurchaseOrder as exc:
        return exc.existing_id, True
