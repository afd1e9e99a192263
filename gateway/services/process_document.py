"""Step 2: parse an archived document, acknowledge it, and store its purchase orders.

An X12 document is read a chunk and a set at a time (``StagedRun``): its orders and
changes are committed ``staged`` in batches, which nothing acts on; the last
transaction writes the acknowledgements (their control numbers are taken only
there), records the interchanges, releases the staged rows (or deletes those of a
group or interchange rejected at its trailer) and sets the document's status, so
memory does not grow with the document.  A run cut short leaves only staged rows;
running the step again deletes them and starts over, so every order is stored once.
PDF, CSV, XLSX, cXML and UBL documents are stored in one transaction.

Per interchange: the sender is identified by ISA qualifier and id; an unknown
sender is held for review (answered only when configured); a repeated
interchange (same sender and ISA13 within the window) is acknowledged again but
nothing in it is processed twice.  Sets in a group or interchange rejected at
its trailer are never acted on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, BinaryIO

from gateway.domain.diagnostics import Severity
from gateway.domain.model import PurchaseOrder, PurchaseOrderChange
from gateway.domain.partners import PartnerProfile
from gateway.domain.serialize import to_json
from gateway.errors import GatewayError
from gateway.services.acknowledgements import record_acknowledgements
from gateway.services.ingest_documents import process_layout_document
from gateway.services.parse_documents import (
    DocumentResult,
    EnvelopeRead,
    InterchangeClosed,
    InterchangeOpened,
    SetRead,
    SetsRejected,
    StreamItem,
    x12_stream,
)
from gateway.services.ports import Context, UnitOfWork
from gateway.services.sweep import unfinished_steps
from outbound.x12.ack import AckBuilder, AckResult
from outbound.x12.writer import Party
from parsers.detect import detect_format
from parsers.documents import DOCUMENT_FORMATS
from parsers.x12.structure import InterchangeEnd, InterchangeHeader

ACKNOWLEDGEMENTS = frozenset(("997", "999", "TA1"))


STAGE_BATCH = 500  # purchase orders staged per commit while a large interchange is read
STAGE_LINES = 10_000  # ... or fewer, so that a batch holds at most about this many order lines
LAYOUT_LIMIT = (
    64 * 1024 * 1024
)  # a chunked PDF/CSV/XML document is read up to this (above every reader's limit)
ACK_LIMIT = 64 * 1024 * 1024  # an inbound 997/999/TA1 document is read up to this
MAX_DIAGNOSTICS = 200  # per interchange, as reported on the document


@dataclass(slots=True)
class InterchangeWork:
    """What is kept of one interchange while its document is read: no set, only spans of ids."""

    header: InterchangeHeader
    partner: PartnerProfile | None
    ack: AckResult | None = None
    duplicate_of: int | None = None
    stores: bool = False  # its orders are stored (a known sender on its own channel, not a repeat)
    allocator: Any = None
    builder: AckBuilder | None = None
    end: InterchangeEnd | None = None
    closed: bool = False
    answered: bool = True
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    statuses: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    po_sets: bool = False  # it holds 850/860 sets
    po_groups: set[int] = field(default_factory=set)
    rejected_all: bool = False
    span: tuple[int, int] | None = None  # ids staged from it (first, last)
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)  # per group
    dropped: list[tuple[int, int]] = field(default_factory=list)  # spans to delete (rejected)

    def note(self, r: DocumentResult) -> None:
        """A result's kind, status and (the first ``MAX_DIAGNOSTICS``) diagnostics."""
        self.kinds.add(r.kind)
        if r.kind in ("850", "860"):
            self.po_sets = True
            if r.document is None and r.status == "rejected":
                self.statuses.add("rejected")
        for d in r.diagnostics:
            if len(self.diagnostics) >= MAX_DIAGNOSTICS:
                break
            if d.severity is not Severity.WARNING:
                item = to_json(d)
                item["text"] = d.describe()
                self.diagnostics.append(item)

    def widen(self, po_id: int, group: int) -> None:
        self.span = (po_id, po_id) if self.span is None else (self.span[0], po_id)
        if group:
            found = self.spans.get(group)
            self.spans[group] = (po_id, po_id) if found is None else (found[0], po_id)


def _note(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "severity": "fatal", "text": message}


def process_document(ctx: Context, document_id: int, *, batch: int | None = None) -> None:
    """Parse, acknowledge and store one archived document (idempotent).

    ``batch``: purchase orders staged per commit for X12 (``STAGE_BATCH``)."""
    with ctx.uow() as uow:
        doc = uow.documents.get(document_id)
        if doc is None:
            raise GatewayError(f"document {document_id} does not exist", code="document.missing")
        if doc.status != "received":
            uow.rollback()
            _resume(ctx, document_id)
            return
        head = uow.documents.head(document_id, 4096) if doc.chunked else doc.raw[:4096]
        fmt = detect_format(head)
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
        uow.rollback()  # nothing written: the X12 run below commits in its own transactions
    run = StagedRun(ctx, document_id, doc, STAGE_BATCH if batch is None else batch)
    outcome = run.run()
    if outcome is None:
        _resume(ctx, document_id)  # processed (or taken over) by another run of this step
        return
    if run.handed:
        ctx.handover.put(run.handed)  # committed: confirm_document may take them instead of reading them
    if outcome.outbound_ids:
        ctx.dispatcher.send("deliver", *outcome.outbound_ids)
    if outcome.orders:
        ctx.dispatcher.send("confirm_document", document_id)
    for change_id in run.changes:
        ctx.dispatcher.send("apply_change", change_id)


def _process_layout(ctx: Context, uow: UnitOfWork, document_id: int, doc: Any, fmt: str) -> None:
    """A PDF, CSV, XLSX, cXML or UBL document (``gateway.services.ingest_documents``); commits.

    Read whole (each reader has its own size limit): a chunked one up to ``LAYOUT_LIMIT`` bytes."""
    raw = uow.documents.read(document_id, LAYOUT_LIMIT) if doc.chunked else doc.raw
    handed: dict[int, PurchaseOrder] = {}
    new_orders, status, diags, partner_id = process_layout_document(
        uow, document_id, raw, fmt, doc.partner_id, doc.channel, handed
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


def open_document(ctx: Context, document_id: int) -> BinaryIO:
    """The archived document as a binary file; a chunked one is fetched a chunk at a time, each in
    a short transaction of its own (no transaction stays open while it is read)."""

    def fetch(seq: int) -> bytes | None:
        with ctx.uow() as uow:
            data: bytes | None = uow.documents.chunk(document_id, seq)
            uow.rollback()
        return data

    with ctx.uow() as uow:
        stream: BinaryIO = uow.documents.open(document_id, fetch=fetch)
        uow.rollback()
    return stream


class _LateAllocator:
    """Control numbers taken from the final transaction's counter: an interchange's answer is
    written only there, so a run cut short spends none."""

    def __init__(self) -> None:
        self.target: Any = None

    def next(self, partner: str, level: Any) -> int:
        if self.target is None:
            raise GatewayError("control numbers asked for outside the final transaction", code="x12.ack")
        return int(self.target.next(partner, level))


@dataclass(slots=True)
class Staged:
    document: PurchaseOrder | PurchaseOrderChange
    partner_id: str
    work: InterchangeWork
    group: int


@dataclass(slots=True)
class Outcome:
    orders: int
    outbound_ids: list[int]


class Superseded(Exception):
    """Another run of the step took the document over, or it was processed meanwhile."""


class StagedRun:
    """One run of ``process_document`` over an X12 document, in memory that does not grow with it.

    The stream is read a set at a time (``x12_stream``); orders and changes are stored
    ``staged`` (acted on by nothing) ``batch`` at a time, each batch in its own commit.  The first
    commit makes this run the document's staging run (deleting what a run cut short staged
    before), each later one checks it still is.  A group or interchange rejected at its trailer
    has its staged rows deleted (their ids form one span: rows are staged in stream order).  The
    last transaction writes the acknowledgements (their control numbers are taken only there),
    records the interchanges, releases the staged rows and sets the document's status.

    Kept per set: nothing but the acknowledgement builder's AK2 state (set id, control number,
    implementation reference and the set's ERROR/FATAL diagnostics); per document at most
    ``batch`` orders or ``STAGE_LINES`` order lines (the last batch is what is handed over), the
    first 200 diagnostics per interchange, the ids of the changes and the duplicates found."""

    def __init__(self, ctx: Context, document_id: int, doc: Any, batch: int) -> None:
        self.ctx = ctx
        self.document_id = document_id
        self.doc = doc
        self.batch_size = max(1, batch)
        self.token = uuid.uuid4().hex
        self.claimed = False
        self.works: list[InterchangeWork] = []
        self.pending: list[Staged] = []
        self.pending_lines = 0
        self.handed: dict[int, PurchaseOrder] = {}
        self.changes: list[int] = []
        self.duplicates: list[tuple[int, str, str, InterchangeWork, int]] = []
        self.stored_released = 0  # rows of the last batch, stored released at once
        self.since = ctx.clock() - timedelta(days=ctx.duplicate_interchange_days)

    # -- reading

    def _open_interchange(self, header: InterchangeHeader) -> AckBuilder | None:
        ctx = self.ctx
        with ctx.uow() as uow:
            partner = uow.partners.find_by_x12(header.sender_qualifier, header.sender_id)
            work = InterchangeWork(header, partner)
            if partner is not None:
                work.duplicate_of = uow.interchanges.seen(
                    partner.id, header.sender_qualifier, header.sender_id, header.control, self.since
                )
            uow.rollback()
        claimed_by = self.doc.partner_id
        work.stores = (
            partner is not None
            and (claimed_by is None or partner.id == claimed_by)
            and not (work.duplicate_of is not None and work.duplicate_of != self.document_id)
        )
        self.works.append(work)
        wants = partner.documents if partner is not None else None
        if wants is None and not ctx.answer_unknown_senders:
            return None  # an unknown sender is held for review, unanswered
        if wants is not None and not wants.functional_ack and wants.ta1 == "never":
            return None  # nothing will be sent: spend no control numbers on it
        work.allocator = _LateAllocator()
        return AckBuilder(
            work.allocator,
            clock=ctx.clock,
            identity=Party(ctx.identity.isa_qualifier, ctx.identity.isa_id),
        )

    def run(self) -> Outcome | None:
        try:
            with open_document(self.ctx, self.document_id) as stream:
                for item in x12_stream(stream, self._open_interchange):
                    self._take(item)
            return self._finish()
        except Superseded:
            return None

    def _take(self, item: StreamItem) -> None:
        work = self.works[-1] if self.works else None
        if isinstance(item, InterchangeOpened) or work is None:
            return
        if isinstance(item, SetRead):
            r = item.result
            work.note(r)
            if r.document is not None and work.stores:
                assert work.partner is not None
                self.pending.append(Staged(r.document, work.partner.id, work, item.group))
                self.pending_lines += len(getattr(r.document, "lines", ()))
                if item.group:
                    work.po_groups.add(item.group)
                if len(self.pending) >= self.batch_size or self.pending_lines >= STAGE_LINES:
                    self._flush()
        elif isinstance(item, SetsRejected):
            self._reject(work, item.group)
        elif isinstance(item, EnvelopeRead):
            work.note(item.result)
        elif isinstance(item, InterchangeClosed):
            work.end = item.end
            work.closed = True
            work.answered = item.answered
            work.builder = item.builder

    def _reject(self, work: InterchangeWork, group: int | None) -> None:
        """Sets of ``group`` (None: the whole interchange) rejected at a trailer: undo their staging."""

        def hit(s: Staged) -> bool:
            return s.work is work and (group is None or s.group == group)

        self.pending = [s for s in self.pending if not hit(s)]
        self.duplicates = [
            d for d in self.duplicates if not (d[3] is work and (group is None or d[4] == group))
        ]
        span = work.spans.pop(group, None) if group is not None else work.span
        if group is None:
            work.spans.clear()
            work.span = None
        if span is not None:
            work.dropped.append(span)
            self.handed = {k: v for k, v in self.handed.items() if not span[0] <= k <= span[1]}
            self.changes = [c for c in self.changes if not span[0] <= c <= span[1]]
        if group is None:
            work.rejected_all = True
        elif group in work.po_groups:
            work.statuses.add("rejected")

    def _claim(self, uow: UnitOfWork) -> None:
        if not uow.documents.claim_staging(self.document_id, self.token, first=not self.claimed):
            uow.rollback()
            raise Superseded()
        self.claimed = True

    def _flush(self) -> None:
        """Store the pending orders staged, in one commit."""
        staged, self.pending = self.pending, []
        self.pending_lines = 0
        handed: dict[int, PurchaseOrder] = {}
        with self.ctx.uow() as uow:
            self._claim(uow)
            for s in staged:
                self._stage(uow, s, handed)
            uow.commit()
        self.handed = handed  # the latest batch only: the handover stays bounded

    def _stage(
        self, uow: UnitOfWork, s: Staged, handed: dict[int, PurchaseOrder], *, status: str = "staged"
    ) -> None:
        s.document.source.partner = s.partner_id
        s.document.source.document_id = str(self.document_id)
        po_id, duplicate = uow.purchase_orders.stage(
            s.document, s.partner_id, self.document_id, status=status
        )
        if duplicate:
            self.duplicates.append((po_id, s.document.po_number, s.partner_id, s.work, s.group))
            return
        if status != "staged":
            self.stored_released += 1
        s.work.widen(po_id, s.group)
        if isinstance(s.document, PurchaseOrder):
            handed[po_id] = s.document
        else:
            self.changes.append(po_id)

    # -- the last transaction

    def _finish(self) -> Outcome:
        ctx = self.ctx
        document_id = self.document_id
        handed: dict[int, PurchaseOrder] = {}
        with ctx.uow() as uow:
            self._claim(uow)
            for s in self.pending:
                # what a trailer rejected has left ``pending`` already: the rest is released as it is
                # stored, in this same transaction (a document of one batch is never staged)
                self._stage(uow, s, handed, status="parsed")
            self.pending = []
            if handed:
                self.handed = handed
            outbound_ids: list[int] = []
            statuses: set[str] = set()
            diags: list[dict[str, Any]] = []
            kinds: set[str] = set()
            partner_id: str | None = None
            for work in self.works:
                self._answer(uow, work)
                for first, last in work.dropped:
                    uow.purchase_orders.drop_staged(document_id, first, last)
                partner = work.partner
                header = work.header
                if partner is None:
                    out_id = _store_ack(uow, work, document_id)
                    if out_id is not None:
                        outbound_ids.append(out_id)
                    statuses.add("needs_review")
                    diags.append(
                        _note(
                            "partner.unknown_sender",
                            f"no trading partner has ISA id {header.sender_qualifier}:{header.sender_id}",
                        )
                    )
                    continue
                if self.doc.partner_id is not None and partner.id != self.doc.partner_id:
                    uow.control_numbers.link_taken(None)  # its answer is not sent
                    statuses.add("needs_review")
                    diags.append(
                        _note(
                            "partner.sender_mismatch",
                            f"interchange {header.control} names {partner.id} as its sender, but it came "
                            f"on {self.doc.partner_id}'s channel; held, not acknowledged",
                        )
                    )
                    continue
                partner_id = partner.id
                out_id = _store_ack(uow, work, document_id)
                if out_id is not None:
                    outbound_ids.append(out_id)
                if work.duplicate_of is not None and work.duplicate_of != document_id:
                    statuses.add("duplicate")
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
                if work.end is None:
                    continue  # cut short: nothing of it was read to its end
                diags.extend(work.diagnostics)
                kinds.update(work.kinds)
                statuses.update(work.statuses)
                if work.rejected_all and work.po_sets:
                    statuses.add("rejected")
                if work.kinds and not work.kinds & {"850", "860", *ACKNOWLEDGEMENTS}:
                    statuses.add("rejected")
            for po_id, po_number, partner_of, _work, _group in self.duplicates:
                uow.audit.record(
                    "system",
                    "purchase_order",
                    po_id,
                    "duplicate_received",
                    {"document": document_id, "po": po_number},
                )
                statuses.add("duplicate")
                if len(diags) < 400:
                    diags.append(
                        _note(
                            "order.duplicate_po",
                            f"purchase order {po_number} from {partner_of} was already "
                            "received; no second sales order",
                        )
                    )
            released = uow.purchase_orders.release_staged(document_id) + self.stored_released
            orders = max(0, released - len(self.changes))
            if not self.works:
                statuses.add("rejected")
                diags.append(_note("x12.no_interchange", "no readable interchange in the document"))
            if kinds & ACKNOWLEDGEMENTS:
                record_acknowledgements(
                    uow, document_id, uow.documents.read(document_id, ACK_LIMIT), self.doc.received_at
                )
            status = _overall(statuses, bool(orders))
            uow.documents.set_status(document_id, status, diags, partner_id=partner_id, format="x12")
            uow.audit.record(
                "system",
                "document",
                document_id,
                status,
                {"purchase_orders": orders, "outbound": outbound_ids},
            )
            uow.commit()
        return Outcome(orders, outbound_ids)

    def _answer(self, uow: UnitOfWork, work: InterchangeWork) -> None:
        """Complete the interchange's acknowledgement, its control numbers from this transaction."""
        builder = work.builder
        if builder is None or work.allocator is None:
            return
        work.allocator.target = uow.control_numbers
        if work.end is not None:
            acks = builder.feed(work.end)
        elif work.answered:
            acks = builder.finish()
        else:
            acks = []
        work.ack = acks[-1] if acks else None


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
    )
    uow.control_numbers.link_taken(out_id)  # every number the acknowledgement took (each group, set)
    return out_id
