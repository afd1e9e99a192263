"""The shapes an X12 stream is read into.

The reader (``parsers.x12.reader``) yields these as events, one transaction set
at a time, so a file of any size is read in bounded memory:

    InterchangeStart, GroupStart, TransactionSet..., GroupEnd, ..., InterchangeEnd

A segment is a ``list[str]``: the segment id at index 0 and the elements at
their X12 positions (``seg[1]`` is element 01).  Composite and repeated
elements stay unsplit; ``Separators`` says how to split them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.domain.diagnostics import Diagnostic, Severity

Segment = list[str]


@dataclass(slots=True, frozen=True)
class Separators:
    element: str
    component: str
    segment: str
    repetition: str | None = None

    def describe(self) -> str:
        return (
            f"element {self.element!r}, component {self.component!r}, "
            f"repetition {self.repetition!r}, segment {self.segment!r}"
        )


@dataclass(slots=True)
class InterchangeHeader:
    """ISA, with ids trimmed of their fixed-width padding."""

    elements: Segment
    separators: Separators
    control: str
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: str
    time: str
    version: str  # ISA12
    ack_requested: str  # ISA14
    usage: str  # ISA15: P production, T test, I information
    byte_offset: int = 0

    @property
    def is_test(self) -> bool:
        return self.usage == "T"


@dataclass(slots=True)
class GroupHeader:
    """GS."""

    elements: Segment
    functional_id: str  # GS01, e.g. PO, PC, FA
    sender: str  # GS02
    receiver: str  # GS03
    date: str
    time: str
    control: str  # GS06
    agency: str  # GS07
    version: str  # GS08, e.g. 004010, 005010VICS

    @property
    def version_family(self) -> str | None:
        """'4010' or '5010' style family of GS08 (None when not X12 004xxx/005xxx)."""
        v = self.version
        if len(v) >= 6 and v[:3] in ("004", "005") and v[3:6].isdigit():
            return v[:6]
        return None


@dataclass(slots=True)
class InterchangeStart:
    header: InterchangeHeader
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass(slots=True)
class GroupStart:
    interchange: InterchangeHeader
    header: GroupHeader
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass(slots=True)
class TransactionSet:
    """One ST..SE with its envelope context.

    ``diagnostics`` holds the envelope findings for this set (control number
    and segment count against SE, a missing SE); validation adds its own.
    """

    interchange: InterchangeHeader
    group: GroupHeader | None
    set_id: str
    control: str
    segments: list[Segment]
    implementation_ref: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # the reader's text of each segment (``interchange.separators.element``.join of it), kept so
    # the validator need not join it again; None when the set was built otherwise
    segment_texts: list[str] | None = field(default=None, compare=False, repr=False)

    @property
    def fatal(self) -> bool:
        diags = self.diagnostics
        return bool(diags) and any(d.severity is Severity.FATAL for d in diags)


@dataclass(slots=True)
class GroupEnd:
    interchange: InterchangeHeader
    header: GroupHeader
    declared_sets: int | None  # GE01, None when GE is missing or unreadable
    received_sets: int
    trailer_control: str | None  # GE02
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        diags = self.diagnostics
        return bool(diags) and any(d.severity is Severity.FATAL for d in diags)


@dataclass(slots=True)
class InterchangeEnd:
    header: InterchangeHeader
    declared_groups: int | None  # IEA01
    received_groups: int
    trailer_control: str | None  # IEA02
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        diags = self.diagnostics
        return bool(diags) and any(d.severity is Severity.FATAL for d in diags)


@dataclass(slots=True)
class StrayData:
    """Bytes outside any interchange that are not just padding (reported, never dropped)."""

    byte_offset: int
    sample: str
    diagnostics: list[Diagnostic] = field(default_factory=list)


Event = InterchangeStart | GroupStart | TransactionSet | GroupEnd | InterchangeEnd | StrayData
