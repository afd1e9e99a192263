"""997, 999 and TA1 acknowledgements from the reader's events.

``AckBuilder`` is fed the events of one inbound stream and, at each
``InterchangeEnd``, returns the acknowledgement interchange owed for it (or
nothing when none is owed).  The diagnostics on the events carry the codes;
this module only decides verdicts and places the codes:

- A set is R when any of its diagnostics is FATAL, E when any is ERROR, else
  A.  WARNINGs are never reported.
- A group is R when it is itself fatally wrong (every set's AK5 is then R,
  keeping its own AK3/AK4), when it holds no set, or when every set is
  rejected; P when some are; E when all are accepted and some with errors (or
  the group has non-fatal group errors); else A.
- 997 for GS08 in the 004xxx family and older, 999 for 005xxx (configurable).
- Groups with GS01 = FA are never acknowledged, nor is an interchange that
  holds no group and no fault (the shape of a TA1 on its own).
- A TA1 is sent when ISA14 = 1, or when the interchange has ERROR (TA104 E,
  groups still acknowledged) or FATAL (TA104 R, no functional ack at all)
  interchange diagnostics.  An interchange the stream ends inside is answered
  as cut short: TA1 R with note 023.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from gateway.domain.diagnostics import Diagnostic, Level, Severity
from outbound.x12.control import ControlNumberAllocator
from outbound.x12.errors import WriterError
from outbound.x12.writer import (
    TA1,
    Clock,
    Element,
    Envelope,
    GroupContent,
    OutSegment,
    Party,
    SetContent,
    WrittenInterchange,
    X12Writer,
    isa_version_for,
    reserved_characters,
    utc_now,
)
from parsers.x12.structure import (
    Event,
    GroupEnd,
    GroupHeader,
    GroupStart,
    InterchangeEnd,
    InterchangeHeader,
    InterchangeStart,
    TransactionSet,
)

AckKind = Literal["TA1", "997", "999"]
IMPLEMENTATION_999 = "005010X231A1"
FUNCTIONAL_ACK_GROUP = "FA"
MAX_SET_CODES = 5  # AK502..AK506 / IK502..IK506
MAX_GROUP_CODES = 5  # AK905..AK909
MAX_BAD_VALUE = 99  # AK404 / IK404
_REPORTED = (Severity.FATAL, Severity.ERROR)
_SEGMENT_LEVELS = (Level.SEGMENT, Level.ELEMENT)
_SEGMENT_HAS_ELEMENT_ERRORS = "8"
_SEGMENTS_IN_ERROR = "5"
_GROUP_TRAILER_MISSING = "3"
_PREMATURE_END = "023"
_INVALID_CONTENT = "024"
_NO_ERROR = "000"


@dataclass(frozen=True, slots=True)
class SetAnswer:
    set_id: str  # AK201
    control: str  # AK202
    code: str  # AK501 / IK501


@dataclass(frozen=True, slots=True)
class GroupAnswer:
    functional_id: str  # AK101
    control: str  # AK102: the inbound GS06
    kind: AckKind  # "997" or "999"
    code: str  # AK901
    sets: tuple[SetAnswer, ...]


@dataclass(frozen=True, slots=True)
class AckResult:
    """The acknowledgement owed for one inbound interchange.

    ``data`` is ``None`` only when it could not be written (``problem`` says
    why, e.g. the inbound ISA named no sender to answer).
    """

    data: bytes | None
    kinds: tuple[AckKind, ...]
    interchange_control: str  # the inbound ISA13 answered
    partner: Party  # whom it goes to: the inbound ISA sender
    ta1_code: str | None = None  # TA104 when a TA1 is included
    ta1_note: str | None = None  # TA105
    groups: tuple[GroupAnswer, ...] = ()
    written: WrittenInterchange | None = None  # our ISA13/GS06/ST02
    problem: str | None = None


@dataclass(slots=True)
class _SetState:
    set_id: str
    control: str
    implementation_ref: str | None
    diagnostics: list[Diagnostic]


@dataclass(slots=True)
class _GroupState:
    header: GroupHeader
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sets: list[_SetState] = field(default_factory=list)
    end: GroupEnd | None = None


@dataclass(slots=True)
class _InterchangeState:
    header: InterchangeHeader
    diagnostics: list[Diagnostic] = field(default_factory=list)
    groups: list[_GroupState] = field(default_factory=list)
    current: _GroupState | None = None


@dataclass(slots=True)
class _SegmentNote:
    segment_id: str
    position: int
    loop_id: str | None = None
    codes: list[str] = field(default_factory=list)
    elements: list[Diagnostic] = field(default_factory=list)


def _reported(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity in _REPORTED]


def _unique(codes: Iterable[str | None], limit: int) -> list[str]:
    out: list[str] = []
    for code in codes:
        if code and code not in out:
            out.append(code)
    return out[:limit]


class AckBuilder:
    """Builds the acknowledgements owed for the interchanges of one inbound stream.

    Usage::

        builder = AckBuilder(InMemoryControlNumbers())
        for event in reader_events:
            for result in builder.feed(event):
                deliver(result.data)
        for result in builder.finish():   # an interchange the stream ended inside
            deliver(result.data)

    ``identity`` overrides who we answer as (default: the inbound ISA
    receiver).  ``ack_5010`` chooses 999 or 997 for 005xxx groups.
    ``max_errors_per_set`` bounds the AK3/AK4 notes written for one set (its
    AK5 still carries the verdict).  ``ta1_warnings`` makes interchange-level
    WARNINGs that carry a TA1 note code count as errors (TA104 E).
    """

    def __init__(
        self,
        allocator: ControlNumberAllocator,
        *,
        clock: Clock = utc_now,
        identity: Party | None = None,
        ack_5010: Literal["999", "997"] = "999",
        max_errors_per_set: int = 10,
        ta1_warnings: bool = False,
        newline: bool = False,
        encoding: str = "utf-8",
    ) -> None:
        self.writer = X12Writer(allocator, clock=clock, encoding=encoding)
        self.identity = identity
        self.ack_5010 = ack_5010
        self.max_errors_per_set = max_errors_per_set
        self.ta1_warnings = ta1_warnings
        self.newline = newline
        self.results: list[AckResult] = []
        self._open: _InterchangeState | None = None

    # -- events

    def feed(self, event: Event) -> list[AckResult]:
        """Take one reader event; return the acknowledgements it completes."""
        out: list[AckResult] = []
        if isinstance(event, InterchangeStart):
            out.extend(self.finish())
            self._open = _InterchangeState(event.header, list(event.diagnostics))
        elif isinstance(event, GroupStart):
            state = self._state(event.interchange)
            state.current = _GroupState(event.header, list(event.diagnostics))
            state.groups.append(state.current)
        elif isinstance(event, TransactionSet):
            state = self._state(event.interchange)
            if event.group is None:
                return out  # a set outside any group: the interchange diagnostics answer for it
            if state.current is None or state.current.header != event.group:
                state.current = _GroupState(event.group)
                state.groups.append(state.current)
            state.current.sets.append(
                _SetState(event.set_id, event.control, event.implementation_ref, _reported(event.diagnostics))
            )
        elif isinstance(event, GroupEnd):
            state = self._state(event.interchange)
            if state.current is None:
                state.current = _GroupState(event.header)
                state.groups.append(state.current)
            state.current.end = event
            state.current = None
        elif isinstance(event, InterchangeEnd):
            state = self._state(event.header)
            self._open = None
            state.diagnostics.extend(event.diagnostics)
            result = self._answer(state, event)
            if result is not None:
                out.append(result)
        self.results.extend(out)
        return out

    def finish(self) -> list[AckResult]:
        """The stream ended: answer an interchange it ended inside (TA1 R, note 023)."""
        state, self._open = self._open, None
        if state is None:
            return []
        result = self._answer(state, None)
        if result is None:
            return []
        self.results.append(result)
        return [result]

    def _state(self, header: InterchangeHeader) -> _InterchangeState:
        if self._open is None:
            # Events without their InterchangeStart: answer them all the same.
            self._open = _InterchangeState(header)
        return self._open

    # -- verdicts

    def _interchange_problems(self, state: _InterchangeState) -> tuple[list[Diagnostic], list[Diagnostic]]:
        fatal = [d for d in state.diagnostics if d.severity is Severity.FATAL]
        errors = [
            d
            for d in state.diagnostics
            if d.severity is Severity.ERROR
            or (self.ta1_warnings and d.severity is Severity.WARNING and d.ack.interchange)
        ]
        return fatal, errors

    def _answer(self, state: _InterchangeState, end: InterchangeEnd | None) -> AckResult | None:
        header = state.header
        partner = Party(header.sender_qualifier, header.sender_id)
        fatal, errors = self._interchange_problems(state)
        if end is None:
            note = _PREMATURE_END
        elif fatal:
            note = next((d.ack.interchange for d in fatal if d.ack.interchange), _INVALID_CONTENT)
        elif errors:
            note = next((d.ack.interchange for d in errors if d.ack.interchange), _INVALID_CONTENT)
        else:
            note = _NO_ERROR
        rejected = end is None or bool(fatal)
        if not rejected and not errors and not state.groups:
            return None  # a TA1 on its own, or nothing at all: never acknowledged
        ta1_code: str | None = None
        if rejected:
            ta1_code = "R"
        elif errors:
            ta1_code = "E"
        elif header.ack_requested == "1":
            ta1_code = "A"

        answered = [g for g in state.groups if g.header.functional_id != FUNCTIONAL_ACK_GROUP]
        if rejected:
            answered = []
        if ta1_code is None and not answered:
            return None

        version = header.version if len(header.version) == 5 and header.version.isdigit() else None
        if version is None:
            version = isa_version_for(answered[0].header.version) if answered else "00401"
        separators = header.separators
        kinds: list[AckKind] = []
        ta1: list[TA1] = []
        if ta1_code is not None:
            kinds.append("TA1")
            ta1.append(self._ta1(header, ta1_code, note))
        problem: str | None = None
        try:
            reserved = reserved_characters(separators, version)
        except WriterError as exc:
            return AckResult(None, tuple(kinds), header.control, partner, ta1_code, note, problem=exc.message)

        contents: dict[tuple[str, str, str], list[SetContent]] = {}
        answers: list[GroupAnswer] = []
        for group in answered:
            kind = self._kind_for(group.header)
            content, answer = self._functional_ack(group, kind, separators.component, reserved)
            if kind not in kinds:
                kinds.append(kind)
            ack_version = IMPLEMENTATION_999 if kind == "999" else group.header.version
            key = (ack_version, group.header.receiver, group.header.sender)
            contents.setdefault(key, []).append(content)
            answers.append(answer)
        groups = [
            GroupContent(FUNCTIONAL_ACK_GROUP, sender, receiver, ack_version, sets)
            for (ack_version, sender, receiver), sets in contents.items()
        ]
        identity = self.identity or Party(header.receiver_qualifier, header.receiver_id)
        envelope = Envelope(
            sender=identity,
            receiver=partner,
            version=version,
            separators=separators,
            usage=header.usage if header.usage in ("P", "T", "I") else "P",
            ack_requested=False,
            newline=self.newline,
        )
        written: WrittenInterchange | None = None
        try:
            written = self.writer.write(envelope, groups, ta1=ta1)
        except WriterError as exc:
            problem = exc.message
        return AckResult(
            data=written.data if written else None,
            kinds=tuple(kinds),
            interchange_control=header.control,
            partner=partner,
            ta1_code=ta1_code,
            ta1_note=note if ta1_code else None,
            groups=tuple(answers),
            written=written,
            problem=problem,
        )

    def _ta1(self, header: InterchangeHeader, code: str, note: str) -> TA1:
        now = self.writer.clock()
        digits = "".join(c for c in header.control if c.isdigit())[-9:]
        date = header.date if len(header.date) == 6 and header.date.isdigit() else now.strftime("%y%m%d")
        time = header.time if len(header.time) == 4 and header.time.isdigit() else now.strftime("%H%M")
        return TA1(digits.rjust(9, "0"), date, time, code, note)

    def _kind_for(self, group: GroupHeader) -> AckKind:
        version = group.version
        if version[:3].isdigit() and version[:3] >= "005":
            return self.ack_5010
        return "997"

    def _functional_ack(
        self, group: _GroupState, kind: AckKind, component: str, reserved: frozenset[str]
    ) -> tuple[SetContent, GroupAnswer]:
        gs = group.header
        v5010 = kind == "999" or gs.version[:3] >= "005"
        prefix = "IK" if kind == "999" else "AK"
        group_diags = _reported(group.diagnostics + (group.end.diagnostics if group.end else []))
        group_codes = [d.ack.group for d in group_diags]
        if group.end is None:
            group_codes.append(_GROUP_TRAILER_MISSING)
        group_fatal = group.end is None or any(d.severity is Severity.FATAL for d in group_diags)

        body: list[OutSegment] = []
        ak1: list[Element] = ["AK1", gs.functional_id, gs.control]
        if v5010:
            ak1.append(gs.version)
        body.append(ak1)
        set_answers: list[SetAnswer] = []
        for item in group.sets:
            ak2: list[Element] = ["AK2", item.set_id, item.control]
            if v5010 and item.implementation_ref:
                ak2.append(item.implementation_ref)
            body.append(ak2)
            body.extend(self._segment_notes(item.diagnostics, prefix, v5010, component, reserved))
            code = "A"
            if group_fatal or any(d.severity is Severity.FATAL for d in item.diagnostics):
                code = "R"
            elif item.diagnostics:
                code = "E"
            set_codes = [d.ack.set for d in item.diagnostics]
            if any(d.level in _SEGMENT_LEVELS for d in item.diagnostics):
                set_codes.append(_SEGMENTS_IN_ERROR)
            body.append([f"{prefix}5", code, *_unique(set_codes, MAX_SET_CODES)])
            set_answers.append(SetAnswer(item.set_id, item.control, code))

        received = len(group.sets)
        if group.end is not None:
            received = max(received, group.end.received_sets)
        declared = received
        if group.end is not None and group.end.declared_sets is not None:
            declared = group.end.declared_sets
        accepted = sum(1 for s in set_answers if s.code != "R")
        if group_fatal or received == 0 or accepted == 0:
            status = "R"
        elif accepted < len(set_answers):
            status = "P"
        elif any(s.code == "E" for s in set_answers) or group_diags:
            status = "E"
        else:
            status = "A"
        counts = [str(declared), str(received), str(accepted)]
        body.append(["AK9", status, *counts, *_unique(group_codes, MAX_GROUP_CODES)])
        implementation = IMPLEMENTATION_999 if kind == "999" else None
        content = SetContent(kind, body, implementation)
        return content, GroupAnswer(gs.functional_id, gs.control, kind, status, tuple(set_answers))

    def _segment_notes(
        self,
        diagnostics: Sequence[Diagnostic],
        prefix: str,
        v5010: bool,
        component: str,
        reserved: frozenset[str],
    ) -> list[OutSegment]:
        notes: dict[tuple[int, str], _SegmentNote] = {}
        taken = 0
        for diag in diagnostics:
            if diag.level not in _SEGMENT_LEVELS:
                continue
            if taken >= self.max_errors_per_set:
                break
            loc = diag.location
            if loc.segment_position is None or not loc.segment_id:
                continue
            taken += 1
            note = notes.setdefault(
                (loc.segment_position, loc.segment_id), _SegmentNote(loc.segment_id, loc.segment_position)
            )
            if note.loop_id is None and loc.loop_id and len(loc.loop_id) <= 6:
                note.loop_id = loc.loop_id
            if diag.level is Level.ELEMENT and loc.element_position is not None:
                note.elements.append(diag)
            else:
                code = diag.ack.segment or _SEGMENT_HAS_ELEMENT_ERRORS
                if code not in note.codes:
                    note.codes.append(code)
        out: list[OutSegment] = []
        for key in sorted(notes):
            note = notes[key]
            codes = list(note.codes)
            if note.elements and _SEGMENT_HAS_ELEMENT_ERRORS not in codes:
                codes.append(_SEGMENT_HAS_ELEMENT_ERRORS)
            for code in codes:
                out.append([f"{prefix}3", note.segment_id, str(note.position), note.loop_id or "", code])
                if code == _SEGMENT_HAS_ELEMENT_ERRORS:
                    for diag in note.elements:
                        if diag.ack.element:
                            out.append(self._element_note(diag, prefix, v5010, reserved))
        return out

    @staticmethod
    def _element_note(diag: Diagnostic, prefix: str, v5010: bool, reserved: frozenset[str]) -> OutSegment:
        loc = diag.location
        position: list[str] = [str(loc.element_position)]
        if loc.component_position is not None:
            position.append(str(loc.component_position))
        if v5010 and loc.repetition is not None:
            if len(position) == 1:
                position.append("")
            position.append(str(loc.repetition))
        ref = loc.element_reference or ""
        if not (ref.isdigit() and len(ref) <= 4):
            ref = ""
        bad = diag.bad_value or ""
        if reserved.intersection(bad) or not bad.isprintable() or not bad.isascii():
            bad = ""  # the copy is optional; one we cannot write faithfully is left out
        return [f"{prefix}4", tuple(position), ref, diag.ack.element or "", bad[:MAX_BAD_VALUE]]
