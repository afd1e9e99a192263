"""Writing X12 interchanges: ISA/GS/ST envelopes around transaction set bodies.

Nothing is escaped (X12 has no release character): an element value that
holds one of the interchange's separators is refused with ``WriterError``.
Trailing empty elements (and trailing empty components of a composite) are
trimmed.  The ISA is written at its fixed widths, 106 characters with its
terminator.  A TA1 is a bare segment placed right after the ISA.

An element is a ``str``, or a ``tuple[str, ...]`` for a composite, whose
components are joined with the component separator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from outbound.x12.control import MAX_CONTROL, ControlNumberAllocator, Level
from outbound.x12.errors import WriterError
from parsers.x12.structure import Separators

Element = str | tuple[str, ...]
OutSegment = Sequence[Element]
Clock = Callable[[], datetime]

DEFAULT_SEPARATORS = Separators(element="*", component=">", segment="~", repetition="^")
_REPETITION_CHOICES = ("^", "|", "!", "{", "}", "`", "\\")
USAGE_INDICATORS = ("P", "T", "I")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Party:
    """An interchange identity: ISA05/ISA07 qualifier and ISA06/ISA08 id."""

    qualifier: str
    id: str

    @property
    def key(self) -> str:
        """The key control numbers are allocated under: ``"ZZ:ACME"``."""
        return f"{self.qualifier}:{self.id}"


@dataclass(frozen=True, slots=True)
class SetContent:
    """One transaction set to write: its id and the segments between ST and SE."""

    set_id: str
    body: Sequence[OutSegment]
    implementation_ref: str | None = None  # ST03


@dataclass(frozen=True, slots=True)
class GroupContent:
    """One functional group to write."""

    functional_id: str  # GS01
    sender_code: str  # GS02
    receiver_code: str  # GS03
    version: str  # GS08, e.g. 004010 or 005010X231A1
    sets: Sequence[SetContent]
    agency: str = "X"  # GS07


@dataclass(frozen=True, slots=True)
class TA1:
    """An interchange acknowledgement segment."""

    control: str  # TA101: the acknowledged ISA13
    date: str  # TA102: its ISA09 (YYMMDD)
    time: str  # TA103: its ISA10 (HHMM)
    code: str  # TA104: A, E or R
    note: str  # TA105: I18 note code, "000" when none

    def segment(self) -> list[Element]:
        return ["TA1", self.control, self.date, self.time, self.code, self.note]


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who an interchange is from and to, and how it is punctuated.

    ``version`` is ISA12; ``None`` derives it from the first group's GS08
    (``00501`` for 005xxx, ``00401`` otherwise).  From 00402 on, ISA11 is the
    repetition separator (``separators.repetition``, or ``^`` when unset);
    before that it is ``U``.
    """

    sender: Party
    receiver: Party
    version: str | None = None
    separators: Separators = DEFAULT_SEPARATORS
    usage: str = "P"
    ack_requested: bool = False
    newline: bool = False
    authorization: tuple[str, str] = ("00", "")  # ISA01, ISA02
    security: tuple[str, str] = ("00", "")  # ISA03, ISA04


@dataclass(frozen=True, slots=True)
class WrittenGroup:
    control: int  # GS06
    set_controls: tuple[str, ...]  # ST02 of each set, in order


@dataclass(frozen=True, slots=True)
class WrittenInterchange:
    data: bytes
    control: int  # ISA13
    groups: tuple[WrittenGroup, ...] = field(default_factory=tuple)

    def __bytes__(self) -> bytes:
        return self.data


def isa_version_for(gs_version: str) -> str:
    """ISA12 for a GS08: ``00501`` for the 005xxx family, ``00401`` otherwise."""
    return "00501" if gs_version[:3] == "005" else "00401"


def format_st_control(number: int) -> str:
    """ST02/SE02: at least four digits (element 329 is AN 4/9)."""
    return f"{number:04d}"


class _Punctuation:
    """The separators in force for one interchange, and the refusal check."""

    def __init__(self, separators: Separators, version: str) -> None:
        self.element = separators.element
        self.component = separators.component
        self.segment = separators.segment
        self.repetition: str | None = None
        if version >= "00402":
            rep = separators.repetition
            if rep is None:
                taken = {self.element, self.component, self.segment}
                rep = next(c for c in _REPETITION_CHOICES if c not in taken)
            self.repetition = rep
        chars = [("element", self.element), ("component", self.component), ("segment", self.segment)]
        if self.repetition is not None:
            chars.append(("repetition", self.repetition))
        for name, ch in chars:
            if len(ch) != 1:
                raise WriterError(f"the {name} separator must be one character, not {ch!r}")
            if ch.isalnum() or ch == " ":
                raise WriterError(f"{ch!r} cannot be the {name} separator")
        values = [ch for _, ch in chars]
        if len(set(values)) != len(values):
            raise WriterError(f"the separators must all differ: {values!r}")
        self.reserved = frozenset(values)
        # one scan of a whole segment's values for any separator (the fast path of ``render``)
        self._reserved_re = re.compile("[" + re.escape("".join(values)) + "]")

    def check(self, value: str, where: str) -> str:
        bad = self.reserved.intersection(value)
        if bad:
            raise WriterError(
                f"{where} holds the separator {sorted(bad)[0]!r} and cannot be written: {value!r}"
            )
        return value

    def render(self, segment: OutSegment) -> str:
        if not segment:
            raise WriterError("cannot write an empty segment")
        seg_id = segment[0]
        if not isinstance(seg_id, str) or not seg_id.isalnum() or not 2 <= len(seg_id) <= 3:
            raise WriterError(f"{seg_id!r} is not a segment id")
        # Fast path: every element a plain string and none holding a separator (one scan of
        # them all); anything else (a composite, a refusal, a wrong type) takes the element by
        # element path below, which says where.
        try:
            joined = "".join(segment)  # type: ignore[arg-type]
        except TypeError:
            return self._render_elements(seg_id, segment)
        if self._reserved_re.search(joined) is not None:
            return self._render_elements(seg_id, segment)
        end = len(segment)
        while end > 1 and segment[end - 1] == "":
            end -= 1
        return self.element.join(segment[:end] if end < len(segment) else segment)  # type: ignore[arg-type]

    def _render_elements(self, seg_id: str, segment: OutSegment) -> str:
        parts: list[str] = [seg_id]
        for pos, value in enumerate(segment[1:], start=1):
            where = f"{seg_id}{pos:02d}"
            if isinstance(value, tuple):
                comps = [self.check(c, f"{where}-{i}") for i, c in enumerate(value, start=1)]
                while comps and comps[-1] == "":
                    comps.pop()
                parts.append(self.component.join(comps))
            else:
                parts.append(self.check(value, where))
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        return self.element.join(parts)


def _fixed(value: str, width: int, where: str, *, pad: str = " ") -> str:
    if len(value) > width:
        raise WriterError(f"{where} is {len(value)} characters; the field is {width} wide: {value!r}")
    if not value.isascii():
        raise WriterError(f"{where} must be ASCII: {value!r}")
    return value.ljust(width, pad)


class X12Writer:
    """Envelopes transaction sets; control numbers come from ``allocator``.

    The partner key for the allocator is the receiver's ``Party.key``.
    """

    def __init__(
        self,
        allocator: ControlNumberAllocator,
        clock: Clock = utc_now,
        encoding: str = "utf-8",
    ) -> None:
        self.allocator = allocator
        self.clock = clock
        self.encoding = encoding

    def write(
        self,
        envelope: Envelope,
        groups: Sequence[GroupContent] = (),
        *,
        ta1: Sequence[TA1] = (),
    ) -> WrittenInterchange:
        """One interchange: ISA, the TA1 segments, the groups, IEA."""
        if not groups and not ta1:
            raise WriterError("an interchange needs at least one functional group or a TA1")
        version = envelope.version or (isa_version_for(groups[0].version) if groups else "00401")
        if not (len(version) == 5 and version.isdigit()):
            raise WriterError(f"ISA12 must be five digits, not {version!r}")
        if envelope.usage not in USAGE_INDICATORS:
            raise WriterError(f"ISA15 must be one of {', '.join(USAGE_INDICATORS)}, not {envelope.usage!r}")
        punct = _Punctuation(envelope.separators, version)
        partner = envelope.receiver.key
        now = self.clock()

        isa_control = self._allocate(partner, "ISA")
        lines: list[str] = [self._isa(envelope, punct, version, isa_control, now)]
        lines.extend(punct.render(t.segment()) for t in ta1)
        written: list[WrittenGroup] = []
        for group in groups:
            gs_control = self._allocate(partner, "GS")
            for label, value in (("GS02", group.sender_code), ("GS03", group.receiver_code)):
                if not 2 <= len(value) <= 15:
                    raise WriterError(f"{label} must be 2 to 15 characters: {value!r}")
            if not group.sets:
                raise WriterError(f"functional group {group.functional_id} holds no transaction set")
            lines.append(
                punct.render(
                    [
                        "GS",
                        group.functional_id,
                        group.sender_code,
                        group.receiver_code,
                        now.strftime("%Y%m%d"),
                        now.strftime("%H%M"),
                        str(gs_control),
                        group.agency,
                        group.version,
                    ]
                )
            )
            controls: list[str] = []
            for content in group.sets:
                st_control = format_st_control(self._allocate(partner, "ST"))
                controls.append(st_control)
                lines.extend(_render_set(content, st_control, punct))
            lines.append(punct.render(["GE", str(len(group.sets)), str(gs_control)]))
            written.append(WrittenGroup(gs_control, tuple(controls)))
        lines.append(punct.render(["IEA", str(len(groups)), f"{isa_control:09d}"]))

        terminator = punct.segment
        if envelope.newline and terminator not in "\r\n":
            terminator += "\n"
        text = terminator.join(lines) + terminator
        return WrittenInterchange(text.encode(self.encoding), isa_control, tuple(written))

    def _allocate(self, partner: str, level: Level) -> int:
        number = self.allocator.next(partner, level)
        if not 1 <= number <= MAX_CONTROL:
            raise WriterError(f"the allocator gave {level} control number {number}, outside 1..{MAX_CONTROL}")
        return number

    @staticmethod
    def _isa(envelope: Envelope, punct: _Punctuation, version: str, control: int, now: datetime) -> str:
        isa11 = punct.repetition if punct.repetition is not None else "U"
        fields = [
            _fixed(envelope.authorization[0], 2, "ISA01"),
            _fixed(envelope.authorization[1], 10, "ISA02"),
            _fixed(envelope.security[0], 2, "ISA03"),
            _fixed(envelope.security[1], 10, "ISA04"),
            _fixed(envelope.sender.qualifier, 2, "ISA05"),
            _fixed(envelope.sender.id, 15, "ISA06"),
            _fixed(envelope.receiver.qualifier, 2, "ISA07"),
            _fixed(envelope.receiver.id, 15, "ISA08"),
            now.strftime("%y%m%d"),
            now.strftime("%H%M"),
            isa11,
            version,
            f"{control:09d}",
            "1" if envelope.ack_requested else "0",
            envelope.usage,
        ]
        for pos, value in enumerate(fields, start=1):
            if pos != 11:
                punct.check(value, f"ISA{pos:02d}")
        for pos in (5, 6, 7, 8):
            if not fields[pos - 1].strip():
                raise WriterError(f"ISA{pos:02d} is empty")
        return punct.element.join(["ISA", *fields, punct.component])


def _render_set(content: SetContent, control: str, punct: _Punctuation) -> list[str]:
    """ST, the body and SE (SE01 counts ST through SE), rendered."""
    st: list[Element] = ["ST", content.set_id, control]
    if content.implementation_ref:
        st.append(content.implementation_ref)
    out = [punct.render(st)]
    out.extend(punct.render(segment) for segment in content.body)
    out.append(punct.render(["SE", str(len(content.body) + 2), control]))
    return out


def reserved_characters(separators: Separators, version: str) -> frozenset[str]:
    """The characters no element value may hold in an interchange of ``version``."""
    return _Punctuation(separators, version).reserved
