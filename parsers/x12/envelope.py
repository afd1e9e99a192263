"""Envelope state of one interchange: ST/SE, GS/GE, ISA/IEA and TA1 rules.

``EnvelopeState`` is fed the envelope segments of one interchange (and any
segment found outside a transaction set) and returns the events each one
completes, with the trailer checks (control numbers and counts at every level,
missing trailers, segments outside their envelope) as their diagnostics.

The segments inside a transaction set are not passed one by one: the reader
appends them to ``segments`` / ``texts`` itself (its hot loop), and tells the
state only when a set holds too many (``overflow``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gateway.domain.diagnostics import Diagnostic, Location, Severity
from parsers.x12.envelope_diagnostics import group_issue, interchange_issue, set_fatal
from parsers.x12.structure import (
    Event,
    GroupEnd,
    GroupHeader,
    GroupStart,
    InterchangeEnd,
    InterchangeHeader,
    Segment,
    TransactionSet,
)

MAX_SET_SEGMENTS = 1_000_000
ENVELOPE_TAGS = frozenset(("ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"))

_NO_EVENTS: tuple[Event, ...] = ()

# ``handle(seg, text, file_segment)``: the events the segment completes
Handler = Callable[[Segment, str, int], Sequence[Event]]


def _element(seg: Segment, index: int) -> str:
    return seg[index] if len(seg) > index else ""


class EnvelopeState:
    """What is open in one interchange: the group, the transaction set, their counts."""

    def __init__(self, header: InterchangeHeader) -> None:
        self.header = header
        self.control = header.control
        self.diagnostics: list[Diagnostic] = []  # the interchange's own, on its InterchangeEnd
        self.group: GroupHeader | None = None
        self.group_sets = 0
        self.groups = 0
        self.in_set = False
        self.st: Segment = []
        self.segments: list[Segment] = []  # the open set's segments, ST first
        self.texts: list[str] = []  # each segment's text as read (what was split on the element separator)
        self.overflow = False  # the open set holds more than MAX_SET_SEGMENTS segments
        self.ended = False  # an IEA or the next ISA closed the interchange
        self.handlers: dict[str, Handler] = {
            "SE": self.se,
            "ST": self.st_,
            "GS": self.gs,
            "GE": self.ge,
            "IEA": self.iea,
            "ISA": self.next_isa,
            "TA1": self.ta1,
        }

    def location(self, **fields: object) -> Location:
        group = self.group
        return Location(interchange=self.control, group=group.control if group else None, **fields)  # type: ignore[arg-type]

    # -- segments -----------------------------------------------------------
    def se(self, seg: Segment, text: str, file_segment: int) -> Sequence[Event]:
        if not self.in_set:
            where = self.location(segment_id="SE", file_segment=file_segment)
            self.diagnostics.append(
                interchange_issue(
                    "x12.se.unexpected", "SE without a matching ST", Severity.ERROR, "024", where
                )
            )
            return _NO_EVENTS
        self.segments.append(seg)
        self.texts.append(text)
        return [self._close_set(seg)]

    def st_(self, seg: Segment, text: str, file_segment: int) -> Sequence[Event]:
        events = [self._close_set(None)] if self.in_set else _NO_EVENTS
        if self.group is None:
            where = self.location(segment_id="ST", file_segment=file_segment)
            self.diagnostics.append(
                interchange_issue(
                    "x12.st.outside_group",
                    "ST outside a functional group (no GS before it)",
                    Severity.FATAL,
                    "024",
                    where,
                )
            )
        self.in_set = True
        self.overflow = False
        self.st = seg
        self.segments = [seg]
        self.texts = [text]
        return events

    def gs(self, seg: Segment, text: str, file_segment: int) -> Sequence[Event]:
        events = self.close_open()
        self.group_sets = 0  # sets read outside any group are not this group's
        g = seg + [""] * (9 - len(seg)) if len(seg) < 9 else seg
        group = self.group = GroupHeader(
            elements=seg,
            functional_id=g[1],
            sender=g[2].strip(),
            receiver=g[3].strip(),
            date=g[4],
            time=g[5],
            control=g[6],
            agency=g[7],
            version=g[8],
        )
        diags: list[Diagnostic] = []
        where = Location(interchange=self.control, group=g[6], segment_id="GS")
        if not g[6].isdigit():
            diags.append(
                group_issue("x12.gs.control", "GS06 (group control number) must be numeric", "6", where, g[6])
            )
        if not group.version_family and group.functional_id != "FA":
            message = f"GS08 version {g[8]!r} is not supported (004xxx and 005xxx are)"
            diags.append(group_issue("x12.gs.version", message, "2", where, g[8]))
        if g[7] not in ("X", "T"):
            message = f"GS07 agency code {g[7]!r} should be X"
            diags.append(group_issue("x12.gs.agency", message, "", where, g[7], severity=Severity.WARNING))
        events.append(GroupStart(interchange=self.header, header=group, diagnostics=diags))
        return events

    def ge(self, seg: Segment, text: str, file_segment: int) -> Sequence[Event]:
        events = [self._close_set(None)] if self.in_set else []
        if self.group is None:
            where = self.location(segment_id="GE", file_segment=file_segment)
            self.diagnostics.append(
                interchange_issue(
                    "x12.ge.unexpected", "GE without a matching GS", Severity.ERROR, "024", where
                )
            )
        else:
            events.append(self._close_group(seg))
        return events

    def iea(self, seg: Segment, text: str, file_segment: int) -> Sequence[Event]:
        events = self.close_open()
        events.append(self._close_interchange(seg))
        self.ended = True
        return events

    def next_isa(self, seg: Segment, text: str, file_segment: int) -> Sequence[Event]:
        """A new interchange begins before this one ended."""
        self.ended = True
        return self.missing_iea("the interchange has no IEA trailer before the next ISA")

    def ta1(self, seg: Segment, text: str, file_segment: int) -> Sequence[Event]:
        set_ = TransactionSet(
            interchange=self.header, group=None, set_id="TA1", control=_element(seg, 1), segments=[seg]
        )
        return [set_]

    def outside_set(self, seg: Segment, text: str, file_segment: int) -> Sequence[Event]:
        tag = seg[0][:3]
        where = self.location(segment_id=tag, file_segment=file_segment)
        message = f"segment {tag!r} outside a transaction set"
        self.diagnostics.append(
            interchange_issue("x12.segment.outside_set", message, Severity.ERROR, "024", where, text)
        )
        return _NO_EVENTS

    # -- closing ------------------------------------------------------------
    def close_open(self) -> list[Event]:
        """Close the open set and group, neither with its trailer."""
        events: list[Event] = []
        if self.in_set:
            events.append(self._close_set(None))
        if self.group is not None:
            events.append(self._close_group(None))
        return events

    def missing_iea(self, message: str) -> list[Event]:
        """Close everything open and end the interchange without its IEA."""
        events = self.close_open()
        where = self.location(segment_id="IEA")
        self.diagnostics.append(interchange_issue("x12.iea.missing", message, Severity.FATAL, "023", where))
        events.append(
            InterchangeEnd(
                header=self.header,
                declared_groups=None,
                received_groups=self.groups,
                trailer_control=None,
                diagnostics=self.diagnostics,
            )
        )
        return events

    def _close_set(self, se: Segment | None) -> TransactionSet:
        self.in_set = False
        self.group_sets += 1
        st = self.st
        set_id = _element(st, 1)
        set_ctl = _element(st, 2)
        impl = st[3] if len(st) > 3 and st[3] else None
        group = self.group
        where = Location(
            interchange=self.control,
            group=group.control if group else None,
            set_control=set_ctl,
            set_id=set_id,
        )
        diags: list[Diagnostic] = []
        if not set_id or not set_id.isalnum():
            message = "ST01 (transaction set identifier) is missing or invalid"
            diags.append(set_fatal("x12.st.set_id", message, "6", where, set_id))
        if not set_ctl:
            diags.append(
                set_fatal("x12.st.control", "ST02 (transaction set control number) is missing", "7", where)
            )
        if self.overflow:
            message = f"the transaction set holds more than {MAX_SET_SEGMENTS} segments; not read"
            diags.append(set_fatal("x12.set.too_large", message, "5", where))
        segments = self.segments
        if se is None:
            diags.append(set_fatal("x12.se.missing", "the transaction set has no SE trailer", "2", where))
        else:
            count = _element(se, 1)
            se_ctl = _element(se, 2)
            if se_ctl != set_ctl:
                message = f"SE02 {se_ctl!r} does not match ST02 {set_ctl!r}"
                diags.append(set_fatal("x12.se.control_mismatch", message, "3", where, se_ctl))
            actual = len(segments)
            if not count.isdigit() or int(count) != actual:
                message = f"SE01 says {count or 'nothing'} segments, the set holds {actual}"
                diags.append(set_fatal("x12.se.count_mismatch", message, "4", where, count))
        set_ = TransactionSet(
            interchange=self.header,
            group=group,
            set_id=set_id,
            control=set_ctl,
            segments=segments,
            segment_texts=self.texts,
            implementation_ref=impl,
            diagnostics=diags,
        )
        self.segments = []
        self.texts = []
        return set_

    def _close_group(self, ge: Segment | None) -> GroupEnd:
        group = self.group
        assert group is not None
        where = Location(interchange=self.control, group=group.control)
        diags: list[Diagnostic] = []
        declared: int | None = None
        trailer: str | None = None
        if ge is None:
            diags.append(group_issue("x12.ge.missing", "the functional group has no GE trailer", "3", where))
        else:
            count = _element(ge, 1)
            trailer = _element(ge, 2)
            if count.isdigit():
                declared = int(count)
            if trailer != group.control:
                message = f"GE02 {trailer!r} does not match GS06 {group.control!r}"
                diags.append(group_issue("x12.ge.control_mismatch", message, "4", where, trailer))
            if declared != self.group_sets:
                message = (
                    f"GE01 says {count or 'nothing'} transaction sets, the group holds {self.group_sets}"
                )
                diags.append(group_issue("x12.ge.count_mismatch", message, "5", where, count))
        end = GroupEnd(
            interchange=self.header,
            header=group,
            declared_sets=declared,
            received_sets=self.group_sets,
            trailer_control=trailer,
            diagnostics=diags,
        )
        self.group = None
        self.group_sets = 0
        self.groups += 1
        return end

    def _close_interchange(self, iea: Segment) -> InterchangeEnd:
        header = self.header
        count = _element(iea, 1)
        trailer = iea[2].strip() if len(iea) > 2 else ""
        where = Location(interchange=header.control, segment_id="IEA")
        declared = int(count) if count.isdigit() else None
        diags = self.diagnostics
        if trailer != header.control:
            message = f"IEA02 {trailer!r} does not match ISA13 {header.control!r}"
            diags.append(
                interchange_issue("x12.iea.control_mismatch", message, Severity.FATAL, "001", where, trailer)
            )
        if declared != self.groups:
            message = (
                f"IEA01 says {count or 'nothing'} functional groups, the interchange holds {self.groups}"
            )
            diags.append(
                interchange_issue("x12.iea.count_mismatch", message, Severity.FATAL, "021", where, count)
            )
        return InterchangeEnd(
            header=header,
            declared_groups=declared,
            received_groups=self.groups,
            trailer_control=trailer,
            diagnostics=diags,
        )
