"""From envelope events to canonical documents.

``parse_events`` runs over the reader's events: each transaction set is
validated against its definition and, when nothing fatal was found, read into
its canonical document.  It yields the reader's events unchanged (the
acknowledgement builder consumes them) with a ``ParsedSet`` in place of each
``TransactionSet``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from gateway.domain.diagnostics import AckCodes, Diagnostic, Level, Location, Severity
from gateway.domain.model import PurchaseOrder, PurchaseOrderChange
from parsers.x12.dictionary import get_definition
from parsers.x12.pc860 import read_860
from parsers.x12.po850 import read_850
from parsers.x12.reader import read_events
from parsers.x12.structure import Event, GroupStart, TransactionSet
from parsers.x12.validator import validate_set

CanonicalDocument = PurchaseOrder | PurchaseOrderChange

# sets we read into canonical documents; other sets are acknowledged as not supported
READERS = {"850": read_850, "860": read_860}
# sets we receive but do not turn into orders: read for their own purpose elsewhere
PASS_THROUGH = frozenset(("997", "999", "TA1"))


@dataclass(slots=True)
class ParsedSet:
    transaction_set: TransactionSet
    document: CanonicalDocument | None

    @property
    def status(self) -> str:
        diags = self.transaction_set.diagnostics
        if any(d.severity is Severity.FATAL for d in diags):
            return "rejected"
        if any(d.severity is Severity.ERROR for d in diags):
            return "accepted_with_errors"
        return "accepted"


ParseEvent = Event | ParsedSet


def _not_supported(ts: TransactionSet, why: str) -> Diagnostic:
    return Diagnostic(
        code="x12.set.not_supported",
        message=why,
        severity=Severity.FATAL,
        level=Level.SET,
        location=Location(
            interchange=ts.interchange.control,
            group=ts.group.control if ts.group else None,
            set_control=ts.control,
            set_id=ts.set_id,
        ),
        ack=AckCodes(set="1"),
        bad_value=ts.set_id,
    )


# versions we hold definitions for; others of the 004xxx/005xxx families are read with the nearest one
_MAPPED_VERSIONS = ("004010", "005010")
_SEGMENTS_IN_ERROR = "x12.set.segments_in_error"
_PLACEMENT = frozenset(
    (
        "x12.segment.unrecognized",
        "x12.segment.unexpected",
        "x12.segment.not_in_set",
        "x12.segment.out_of_sequence",
    )
)


def _tolerate_later_segments(found: list[Diagnostic]) -> None:
    """A segment the nearest definition cannot place may be a later addition: report it, do not reject."""
    for d in found:
        if d.code in _PLACEMENT and d.severity is Severity.FATAL:
            d.severity = Severity.ERROR
            d.message += " (not in the definition this version is read with; accepted with an error)"
    others_fatal = any(d.severity is Severity.FATAL and d.code != _SEGMENTS_IN_ERROR for d in found)
    if not others_fatal:
        for d in found:
            if d.code == _SEGMENTS_IN_ERROR:
                d.severity = Severity.ERROR


def parse_set(ts: TransactionSet, *, validate: bool = True) -> ParsedSet:
    """Validate one transaction set and read it; diagnostics are added to ``ts``."""
    if ts.set_id in PASS_THROUGH:
        return ParsedSet(ts, None)
    reader = READERS.get(ts.set_id)
    version = ts.group.version if ts.group else ""
    if reader is None:
        if ts.set_id:
            ts.diagnostics.append(_not_supported(ts, f"transaction set {ts.set_id} is not one we receive"))
        return ParsedSet(ts, None)
    if ts.fatal:
        return ParsedSet(ts, None)
    if validate:
        definition = get_definition(ts.set_id, version)
        if definition is None:
            ts.diagnostics.append(_not_supported(ts, f"{ts.set_id} in version {version!r} is not supported"))
            return ParsedSet(ts, None)
        found = validate_set(ts, definition, ts.interchange.separators)
        if not version.startswith(_MAPPED_VERSIONS):
            _tolerate_later_segments(found)
        ts.diagnostics.extend(found)
        if ts.fatal:
            return ParsedSet(ts, None)
    document, ctx = reader(ts)
    ts.diagnostics.extend(ctx.diagnostics)
    if ts.fatal:
        document = None
    return ParsedSet(ts, document)


def parse_events(events: Iterable[Event], *, validate: bool = True) -> Iterator[ParseEvent]:
    rejected_group = False
    for event in events:
        if isinstance(event, TransactionSet):
            if rejected_group:
                yield ParsedSet(event, None)
            else:
                yield parse_set(event, validate=validate)
        else:
            if isinstance(event, GroupStart):
                rejected_group = any(d.severity is Severity.FATAL for d in event.diagnostics)
            yield event


def parse_stream(stream: BinaryIO, *, validate: bool = True) -> Iterator[ParseEvent]:
    """Read, validate and map every transaction set in ``stream``."""
    return parse_events(read_events(stream), validate=validate)
