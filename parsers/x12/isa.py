"""Reading the ISA: separators and interchange identities.

The element separator is the character right after ``ISA``; the component
separator is ISA16 and the segment terminator the character after it; the
repetition separator is ISA11 from version 00402 on.  The ISA is found by
counting element separators rather than by fixed byte offsets, so an ISA whose
ids were not padded, or one wrapped at 80 columns by a line break, still reads;
a deviation from the fixed widths is reported, not fatal.  An ISA that lost
ISA16 (15 separators, then the terminator) is read with a default component
separator and a diagnostic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.domain.diagnostics import AckCodes, Diagnostic, Level, Location, Severity
from parsers.x12.structure import InterchangeHeader, Separators

ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
LINE_BREAKS = "\r\n"
# The ISA must be read whole within this many characters (106 when fixed width,
# more when wrapped or padded with line breaks).
ISA_WINDOW = 400
_DEFAULT_COMPONENT = (">", ":", "^", "\\", "|")


@dataclass(slots=True)
class IsaResult:
    header: InterchangeHeader | None
    end: int  # index just past the ISA terminator (and a CR/LF pair that forms it)
    strip_line_breaks: bool  # line breaks inside segments are wrapping, not data
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _diag(
    code: str,
    message: str,
    severity: Severity,
    ta1: str,
    *,
    control: str | None = None,
    value: str | None = None,
    offset: int | None = None,
) -> Diagnostic:
    return Diagnostic(
        code=code,
        message=message,
        severity=severity,
        level=Level.INTERCHANGE,
        location=Location(interchange=control, segment_id="ISA", byte_offset=offset),
        ack=AckCodes(interchange=ta1),
        bad_value=value,
    )


def _unreadable(
    end: int, code: str, message: str, ta1: str, offset: int, value: str | None = None
) -> IsaResult:
    """An ISA no separators can be read from: no header, one fatal diagnostic."""
    return IsaResult(
        None, end, False, [_diag(code, message, Severity.FATAL, ta1, value=value, offset=offset)]
    )


def _truncated(end: int, message: str, offset: int) -> IsaResult:
    return _unreadable(end, "x12.isa.truncated", message, "023", offset)


def _bad_separator(ch: str) -> bool:
    return ch.isalnum() or ch in LINE_BREAKS or ch == " "


def read_isa(text: str, start: int, base_offset: int = 0) -> IsaResult:
    """Read the ISA that begins at ``text[start]`` (which holds ``"ISA"``).

    ``text`` must hold at least ``ISA_WINDOW`` characters from ``start`` unless
    the stream ends sooner.  Returns a header of ``None`` when no usable
    separators can be found; the diagnostics then say why.
    """
    offset = base_offset + start
    window = text[start : start + ISA_WINDOW]
    if len(window) < 4:
        return _truncated(start + len(window), "the file ends inside the ISA segment", offset)
    elem = window[3]
    if _bad_separator(elem):
        return _unreadable(
            start + 3,
            "x12.isa.element_separator",
            f"{elem!r} cannot be an element separator",
            "026",
            offset,
            elem,
        )
    # Walk the ISA: collect its 16 elements, skipping line breaks (wrapping).
    elements: list[str] = ["ISA"]
    current: list[str] = []
    wrapped = False
    i = 4
    n = len(window)
    # the usual ISA, on one line: ISA01..ISA14 by one split (what the walk below gives when it meets
    # no line break)
    parts = window.split(elem, 15)
    if len(parts) == 16:
        past = n - len(parts[15])  # just past the separator that follows ISA14
        head = window[4 : past + 1]
        if not any(brk in head for brk in LINE_BREAKS):
            elements = parts[:15]
            i = past
    while i < n and len(elements) < 15:
        ch = window[i]
        if ch == elem:
            elements.append("".join(current))
            current = []
        elif ch in LINE_BREAKS:
            wrapped = True
        else:
            current.append(ch)
        i += 1
    diags: list[Diagnostic] = []
    if len(elements) < 15:
        return _truncated(start + n, "the ISA segment is incomplete: fewer than 16 elements", offset)
    # elements holds ISA01..ISA14; i is just past the separator that precedes ISA15.
    # ISA15 is one character; then either the 16th separator (normal) or a terminator.
    while i < n and window[i] in LINE_BREAKS:
        wrapped = True
        i += 1
    if i >= n:
        return _truncated(start + n, "the file ends inside the ISA segment", offset)
    isa15 = window[i]
    i += 1
    while i < n and window[i] in LINE_BREAKS and wrapped:
        i += 1
    if i >= n:
        return _truncated(start + n, "the file ends inside the ISA segment", offset)
    elements.append(isa15)
    component: str
    if window[i] == elem:
        i += 1
        while i < n and window[i] in LINE_BREAKS and wrapped:
            i += 1
        if i + 1 > n:
            return _truncated(start + n, "the file ends inside the ISA segment", offset)
        component = window[i]
        i += 1
        if i >= n:
            return _truncated(start + n, "the file ends before the ISA segment terminator", offset)
        terminator = window[i]
        if terminator in LINE_BREAKS and wrapped:
            # A wrapped ISA: this line break may be wrapping; the terminator is
            # then the next character unless a segment starts right there.
            j = i
            while j < n and window[j] in LINE_BREAKS:
                j += 1
            if j < n and not window[j].isalpha():
                terminator = window[j]
                i = j
    else:
        # ISA16 is missing: what follows ISA15 is the terminator.
        terminator = window[i]
        component = next(c for c in _DEFAULT_COMPONENT if c not in (elem, terminator))
        diags.append(
            _diag(
                "x12.isa.component_separator_missing",
                f"ISA16 (component separator) is missing; read as {component!r}",
                Severity.WARNING,
                "027",
                offset=offset,
            )
        )
    end = i + 1
    if terminator == "\r" and window[end : end + 1] == "\n":
        terminator = "\n"
        end += 1
    if terminator in LINE_BREAKS and _ends_next_segment(window, end, component, terminator):
        # "*P*~" then a line break, and the next segment also ends in "~": ISA16 was
        # lost and "~" is the terminator, the line breaks only layout.
        terminator = component
        component = next(c for c in _DEFAULT_COMPONENT if c not in (elem, terminator))
        end = i
        diags.append(
            _diag(
                "x12.isa.component_separator_missing",
                f"ISA16 (component separator) is missing; {terminator!r} is the segment terminator and the "
                f"component separator is read as {component!r}",
                Severity.WARNING,
                "027",
                offset=offset,
            )
        )
    elements.append(component)
    if _bad_separator(component) and component not in LINE_BREAKS:
        diags.append(
            _diag(
                "x12.isa.component_separator",
                f"{component!r} cannot be a component separator",
                Severity.FATAL,
                "027",
                value=component,
                offset=offset,
            )
        )
    if terminator in (elem, component) or terminator.isalnum():
        return _unreadable(
            start + end,
            "x12.isa.segment_terminator",
            f"{terminator!r} cannot be the segment terminator (element separator {elem!r})",
            "004",
            offset,
            terminator,
        )
    if component == elem:
        diags.append(
            _diag(
                "x12.isa.component_separator",
                "the component separator equals the element separator",
                Severity.FATAL,
                "027",
                value=component,
                offset=offset,
            )
        )

    version = elements[12].strip()
    repetition: str | None = None
    isa11 = elements[11]
    if (
        len(isa11) == 1
        and version >= "00402"
        and not isa11.isalnum()
        and isa11 not in (elem, component, terminator)
    ):
        repetition = isa11
    control = elements[13].strip()
    header = InterchangeHeader(
        elements=elements,
        separators=Separators(element=elem, component=component, segment=terminator, repetition=repetition),
        control=control,
        sender_qualifier=elements[5].strip(),
        sender_id=elements[6].strip(),
        receiver_qualifier=elements[7].strip(),
        receiver_id=elements[8].strip(),
        date=elements[9].strip(),
        time=elements[10].strip(),
        version=version,
        ack_requested=elements[14].strip(),
        usage=elements[15].strip(),
        byte_offset=offset,
    )
    diags.extend(_check_fields(elements, control, offset))
    strip = terminator not in LINE_BREAKS
    return IsaResult(header, start + end, strip, diags)


def _ends_next_segment(window: str, start: int, candidate: str, terminator: str) -> bool:
    """Whether the segment after the ISA ends with ``candidate`` right before ``terminator``."""
    if candidate.isalnum() or candidate in LINE_BREAKS:
        return False
    stop = window.find(terminator, start)
    if stop < 0:
        return False
    segment = window[start:stop].rstrip("\r")
    return len(segment) > 2 and segment.endswith(candidate)


def _check_fields(el: list[str], control: str, offset: int) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    widths_off = [f"ISA{k:02d}" for k, w in enumerate(ISA_WIDTHS, start=1) if len(el[k]) != w]
    if widths_off:
        out.append(
            _diag(
                "x12.isa.width",
                "ISA is not fixed width: " + ", ".join(widths_off) + " off size",
                Severity.WARNING,
                "022",
                control=control,
                offset=offset,
            )
        )
    if not (control.isdigit() and len(control) <= 9):
        out.append(
            _diag(
                "x12.isa.control_number",
                "ISA13 (interchange control number) must be up to 9 digits",
                Severity.FATAL,
                "018",
                control=control,
                value=el[13],
                offset=offset,
            )
        )
    checks = (
        (el[9].strip(), 6, "014", "ISA09 (interchange date) must be YYMMDD"),
        (el[10].strip(), 4, "015", "ISA10 (interchange time) must be HHMM"),
        (el[12].strip(), 5, "017", "ISA12 (interchange version) must be 5 digits"),
    )
    for value, width, ta1, text in checks:
        if not (value.isdigit() and len(value) == width):
            out.append(
                _diag("x12.isa.field", text, Severity.ERROR, ta1, control=control, value=value, offset=offset)
            )
    if el[14].strip() not in ("0", "1"):
        out.append(
            _diag(
                "x12.isa.ack_requested",
                "ISA14 (acknowledgment requested) must be 0 or 1",
                Severity.ERROR,
                "019",
                control=control,
                value=el[14],
                offset=offset,
            )
        )
    if el[15].strip() not in ("P", "T", "I"):
        out.append(
            _diag(
                "x12.isa.usage",
                "ISA15 (usage indicator) must be P, T or I",
                Severity.ERROR,
                "020",
                control=control,
                value=el[15],
                offset=offset,
            )
        )
    if not el[6].strip():
        out.append(
            _diag(
                "x12.isa.sender",
                "ISA06 (interchange sender id) is empty",
                Severity.FATAL,
                "006",
                control=control,
                offset=offset,
            )
        )
    if not el[8].strip():
        out.append(
            _diag(
                "x12.isa.receiver",
                "ISA08 (interchange receiver id) is empty",
                Severity.FATAL,
                "008",
                control=control,
                offset=offset,
            )
        )
    return out
