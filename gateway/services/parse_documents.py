"""Use case: read a file into canonical documents and report what was found.

No database: this is what ``ordergate parse`` shows, and what the ingest
pipeline builds on.  A set inside a group or interchange that is rejected at
its trailer is reported rejected and yields no document, however clean it was
on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from gateway.domain.diagnostics import Diagnostic, Level, Severity
from gateway.domain.layouts import DocumentLayouts
from gateway.domain.model import PurchaseOrder, PurchaseOrderChange
from gateway.domain.serialize import to_json
from gateway.errors import InputError
from outbound.x12.ack import AckBuilder, AckResult
from parsers.detect import detect_format
from parsers.documents import DOCUMENT_FORMATS, read_document
from parsers.x12.process import ParsedSet, parse_stream
from parsers.x12.structure import (
    GroupEnd,
    GroupStart,
    InterchangeEnd,
    InterchangeHeader,
    InterchangeStart,
    StrayData,
)


@dataclass(slots=True)
class DocumentResult:
    """One transaction set (or one unreadable stretch) of a file; for other formats, one order."""

    kind: str  # "850", "860", ..., or "interchange" / "unreadable" for envelope-level findings
    status: str  # accepted / accepted_with_errors / rejected (and needs_review for PDF, CSV, ...)
    envelope: dict[str, Any]
    document: PurchaseOrder | PurchaseOrderChange | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    format: str = "x12"

    def to_json(self, source_name: str | None = None) -> dict[str, Any]:
        if self.format != "x12":
            return _document_json(self, source_name)
        out: dict[str, Any] = {"format": "x12", "type": self.kind, "status": self.status}
        if source_name is not None:
            out["file"] = source_name
        out["envelope"] = self.envelope
        pos = [to_json(self.document)] if isinstance(self.document, PurchaseOrder) else []
        changes = [to_json(self.document)] if isinstance(self.document, PurchaseOrderChange) else []
        out["purchase_orders"] = pos
        out["changes"] = changes
        out["diagnostics"] = [_diag_json(d) for d in self.diagnostics]
        return out


def _diag_json(d: Diagnostic) -> dict[str, Any]:
    data = to_json(d)
    data["location"] = {k: v for k, v in data["location"].items() if v is not None}
    data["ack"] = {k: v for k, v in data["ack"].items() if v is not None}
    data["text"] = d.describe()
    return data


def _status(diags: list[Diagnostic]) -> str:
    if any(d.severity is Severity.FATAL for d in diags):
        return "rejected"
    if any(d.severity is Severity.ERROR for d in diags):
        return "accepted_with_errors"
    return "accepted"


def _envelope(
    ic: InterchangeHeader | None, group: Any = None, set_control: str | None = None
) -> dict[str, Any]:
    env: dict[str, Any] = {}
    if ic is not None:
        env.update(
            interchange=ic.control,
            sender=f"{ic.sender_qualifier}:{ic.sender_id}",
            receiver=f"{ic.receiver_qualifier}:{ic.receiver_id}",
            usage=ic.usage,
        )
    if group is not None:
        env.update(
            group=group.control,
            functional_id=group.functional_id,
            version=group.version,
            application_sender=group.sender,
            application_receiver=group.receiver,
        )
    if set_control is not None:
        env["set"] = set_control
    return env


def _reject_all(results: list[DocumentResult], because: list[Diagnostic]) -> None:
    fatal = [d for d in because if d.severity is Severity.FATAL]
    for r in results:
        if r.kind in ("interchange", "group"):
            continue
        r.diagnostics.extend(fatal)
        r.status = "rejected"
        r.document = None


def x12_results(stream: BinaryIO) -> Iterator[DocumentResult]:
    """Per-set results of an X12 stream, released at each interchange's end."""
    for result, _ack in x12_results_with_events(stream):
        if result is not None:
            yield result


def x12_results_with_events(
    stream: BinaryIO, on_interchange: Callable[[InterchangeHeader], AckBuilder | None] | None = None
) -> Iterator[tuple[DocumentResult | None, AckResult | None]]:
    """Per-set results, and the acknowledgement of each interchange.

    ``on_interchange`` is called at each ISA and may return the ``AckBuilder``
    that answers that interchange (none: no acknowledgement is built).
    """
    builder: AckBuilder | None = None
    pending: list[DocumentResult] = []
    group_results: list[DocumentResult] = []
    ic: InterchangeHeader | None = None
    ic_diags: list[Diagnostic] = []
    group_fatal: list[Diagnostic] = []
    for event in parse_stream(stream):
        if isinstance(event, InterchangeStart) and on_interchange is not None:
            builder = on_interchange(event.header)
        if builder is not None:
            for ack in builder.feed(event.transaction_set if isinstance(event, ParsedSet) else event):
                yield None, ack
        if isinstance(event, ParsedSet):
            ts = event.transaction_set
            group_results.append(
                DocumentResult(
                    kind=ts.set_id or "unknown",
                    status=event.status,
                    envelope=_envelope(ts.interchange, ts.group, ts.control),
                    document=event.document,
                    diagnostics=list(ts.diagnostics),
                )
            )
        elif isinstance(event, InterchangeStart):
            ic = event.header
            ic_diags = list(event.diagnostics)
            pending = []
        elif isinstance(event, GroupStart):
            pending.extend(group_results)  # sets read outside any group
            group_results = []
            group_fatal = [d for d in event.diagnostics if d.severity is Severity.FATAL]
            if any(d.severity is not Severity.WARNING for d in event.diagnostics):
                pending.append(
                    DocumentResult(
                        kind="group",
                        status=_status(event.diagnostics),
                        envelope=_envelope(ic, event.header),
                        diagnostics=list(event.diagnostics),
                    )
                )
        elif isinstance(event, GroupEnd):
            if group_fatal:
                _reject_all(group_results, group_fatal)
            if event.fatal:
                _reject_all(group_results, event.diagnostics)
                pending.append(
                    DocumentResult(
                        kind="group",
                        status="rejected",
                        envelope=_envelope(ic, event.header),
                        diagnostics=list(event.diagnostics),
                    )
                )
            pending.extend(group_results)
            group_results = []
            group_fatal = []
        elif isinstance(event, InterchangeEnd):
            diags = ic_diags + event.diagnostics
            pending.extend(group_results)
            group_results = []
            if event.fatal or any(d.severity is Severity.FATAL for d in ic_diags):
                _reject_all(pending, diags)
            if any(d.severity is not Severity.WARNING for d in diags):
                pending.insert(
                    0,
                    DocumentResult(
                        kind="interchange", status=_status(diags), envelope=_envelope(ic), diagnostics=diags
                    ),
                )
            for r in pending:
                yield r, None
            pending = []
        elif isinstance(event, StrayData):
            unreadable = DocumentResult(
                kind="unreadable",
                status="rejected",
                envelope={"byte_offset": event.byte_offset},
                diagnostics=event.diagnostics,
            )
            yield unreadable, None
    if builder is not None:
        for ack in builder.finish():
            yield None, ack


@dataclass(slots=True)
class SetRead:
    """A transaction set as read: provisional until its group's and interchange's trailers are."""

    result: DocumentResult
    group: int  # its group's number in the interchange (1, 2, ...); 0 outside any group


@dataclass(slots=True)
class SetsRejected:
    """The sets read so far of group ``group`` (None: of the whole interchange) are rejected at a
    trailer: nothing in them may be acted on."""

    group: int | None


@dataclass(slots=True)
class EnvelopeRead:
    """A finding about a group, an interchange or unreadable bytes (no order in it)."""

    result: DocumentResult


@dataclass(slots=True)
class InterchangeOpened:
    header: InterchangeHeader
    builder: AckBuilder | None


@dataclass(slots=True)
class InterchangeClosed:
    """An interchange read to its end (``end``), or cut short (``end`` None): its sets are then
    never acted on.  ``end`` has not been fed to the ``AckBuilder`` yet: whoever writes the
    acknowledgement feeds it (``builder.feed(end)``, or ``builder.finish()`` when cut short at
    the stream's end, ``answered``) when its control numbers may be taken."""

    header: InterchangeHeader
    builder: AckBuilder | None
    end: InterchangeEnd | None
    answered: bool = True


StreamItem = SetRead | SetsRejected | EnvelopeRead | InterchangeOpened | InterchangeClosed


def x12_stream(
    stream: BinaryIO, on_interchange: Callable[[InterchangeHeader], AckBuilder | None]
) -> Iterator[StreamItem]:
    """The sets of an X12 stream as they are read, for a reader that keeps none of them.

    Unlike ``x12_results_with_events`` nothing is held back until an interchange's end: each
    set comes at once (``SetRead``), and a trailer that rejects a group or the interchange
    comes later as ``SetsRejected``, so the reader undoes what it did with those sets.  The
    acknowledgement builders are fed every event but each interchange's end, which comes with
    ``InterchangeClosed``."""
    builder: AckBuilder | None = None
    ic: InterchangeHeader | None = None
    ic_diags: list[Diagnostic] = []
    ic_fatal = False
    group = 0
    in_group = False
    group_fatal = False
    for event in parse_stream(stream):
        if isinstance(event, InterchangeStart):
            if ic is not None:
                yield SetsRejected(None)
                yield InterchangeClosed(ic, builder, None, answered=False)
            builder = on_interchange(event.header)
            ic = event.header
            ic_diags = list(event.diagnostics)
            ic_fatal = any(d.severity is Severity.FATAL for d in ic_diags)
            group, in_group, group_fatal = 0, False, False
            yield InterchangeOpened(event.header, builder)
        if builder is not None and not isinstance(event, InterchangeEnd):
            for _ack in builder.feed(event.transaction_set if isinstance(event, ParsedSet) else event):
                pass  # an interchange's answer is only completed by its end, fed by the reader
        if isinstance(event, ParsedSet):
            ts = event.transaction_set
            result = DocumentResult(
                kind=ts.set_id or "unknown",
                status=event.status,
                envelope=_envelope(ts.interchange, ts.group, ts.control),
                document=event.document,
                diagnostics=list(ts.diagnostics),
            )
            yield SetRead(result, group if in_group else 0)
        elif isinstance(event, GroupStart):
            group += 1
            in_group = True
            group_fatal = any(d.severity is Severity.FATAL for d in event.diagnostics)
            if any(d.severity is not Severity.WARNING for d in event.diagnostics):
                yield EnvelopeRead(
                    DocumentResult(
                        kind="group",
                        status=_status(event.diagnostics),
                        envelope=_envelope(ic, event.header),
                        diagnostics=list(event.diagnostics),
                    )
                )
        elif isinstance(event, GroupEnd):
            if group_fatal or event.fatal:
                yield SetsRejected(group)
            if event.fatal:
                yield EnvelopeRead(
                    DocumentResult(
                        kind="group",
                        status="rejected",
                        envelope=_envelope(ic, event.header),
                        diagnostics=list(event.diagnostics),
                    )
                )
            in_group, group_fatal = False, False
        elif isinstance(event, InterchangeEnd):
            diags = ic_diags + event.diagnostics
            if event.fatal or ic_fatal:
                yield SetsRejected(None)
            if any(d.severity is not Severity.WARNING for d in diags):
                yield EnvelopeRead(
                    DocumentResult(
                        kind="interchange", status=_status(diags), envelope=_envelope(ic), diagnostics=diags
                    )
                )
            yield InterchangeClosed(event.header, builder, event)
            ic, builder = None, None
        elif isinstance(event, StrayData):
            yield EnvelopeRead(
                DocumentResult(
                    kind="unreadable",
                    status="rejected",
                    envelope={"byte_offset": event.byte_offset},
                    diagnostics=event.diagnostics,
                )
            )
    if ic is not None:
        yield SetsRejected(None)
        yield InterchangeClosed(ic, builder, None)


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _document_json(result: DocumentResult, source_name: str | None) -> dict[str, Any]:
    """A PDF / CSV / XLSX / cXML / UBL order: the canonical order, and how far it can be trusted."""
    out: dict[str, Any] = {"format": result.format, "type": result.kind, "status": result.status}
    if source_name is not None:
        out["file"] = source_name
    po = result.document
    if isinstance(po, PurchaseOrder) and po.extraction is not None:
        ex = po.extraction
        data = to_json(po)
        data.pop("extraction", None)
        out["needs_review"] = ex.needs_review
        out["review_reasons"] = [_compact(r) for r in to_json_list(ex.review_reasons)]
        out["confidence"] = str(ex.confidence)
        out["method"] = ex.method
        out["checks"] = ex.checks
        out["purchase_orders"] = [data]
        out["sources"] = [_compact(f) for f in to_json_list(ex.fields)]
    else:
        out["purchase_orders"] = []
    out["diagnostics"] = [_diag_json(d) for d in result.diagnostics]
    return out


def to_json_list(items: list[Any]) -> list[dict[str, Any]]:
    from pydantic import TypeAdapter

    if not items:
        return []
    return TypeAdapter(list[type(items[0])]).dump_python(items, mode="json")  # type: ignore[misc]


def document_results(raw: bytes, fmt: str, layouts: DocumentLayouts | None = None) -> list[DocumentResult]:
    """The orders of a PDF, CSV, XLSX, cXML or UBL document (one result each), or why it cannot be read."""
    try:
        orders = read_document(raw, fmt, layouts)
    except InputError as exc:
        return [
            DocumentResult(
                kind="unreadable",
                status="rejected",
                envelope={},
                diagnostics=[
                    Diagnostic(code=exc.code, message=exc.message, severity=Severity.FATAL, level=Level.FILE)
                ],
                format=fmt,
            )
        ]
    return [
        DocumentResult(
            kind="purchase_order",
            status="needs_review" if po.extraction is not None and po.extraction.needs_review else "accepted",
            envelope={},
            document=po,
            format=fmt,
        )
        for po in orders
    ]


def parse_file(stream: BinaryIO, layouts: DocumentLayouts | None = None) -> list[DocumentResult]:
    """Every result of one file, whatever its format (``layouts``: the sending partner's, when known)."""
    head = stream.read(4096)
    stream.seek(0)
    fmt = detect_format(head)
    if fmt == "x12":
        return list(x12_results(stream))
    if fmt in DOCUMENT_FORMATS:
        return document_results(stream.read(), fmt, layouts)
    return [
        DocumentResult(
            kind="unreadable",
            status="rejected",
            envelope={},
            diagnostics=[
                Diagnostic(
                    code="input.unsupported_format",
                    message=f"not a format this gateway reads ({fmt or 'unrecognised content'})",
                    severity=Severity.FATAL,
                    level=Level.FILE,
                )
            ],
        )
    ]
