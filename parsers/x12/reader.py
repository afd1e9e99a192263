"""Streaming X12 reader: bytes in, envelope events out.

``read_events(stream)`` reads a binary file object in chunks and yields
``InterchangeStart``, ``GroupStart``, one ``TransactionSet`` per ST..SE,
``GroupEnd`` and ``InterchangeEnd`` as it goes; memory is bounded by the
largest transaction set, never by the file.  Several interchanges in one file
may each use their own separators.  Envelope checks (control numbers and counts
at every level, missing trailers, segments outside their envelope) become
diagnostics on the event they belong to.

Bytes are decoded as ISO-8859-1 so that every byte maps to one character and
single-byte control-character delimiters survive; text fields are re-decoded
as UTF-8 where they hold one (``parsers.x12.text``).
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

from gateway.domain.diagnostics import AckCodes, Diagnostic, Level, Location, Severity
from parsers.x12.isa import ISA_WINDOW, read_isa
from parsers.x12.structure import (
    Event,
    GroupEnd,
    GroupHeader,
    GroupStart,
    InterchangeEnd,
    InterchangeHeader,
    InterchangeStart,
    Segment,
    StrayData,
    TransactionSet,
)

CHUNK = 1 << 20
MAX_SEGMENT_CHARS = 1 << 20  # a segment longer than this is not X12 we will hold in memory
MAX_SET_SEGMENTS = 1_000_000
_ENVELOPE = frozenset(("ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"))
_PADDING = " \t\r\n\x00\x1a"
_BOM = "\xef\xbb\xbf"
_LEAD = " \t\r\n"
_WINDOW = 1 << 16  # segments are cut up to this many characters at a time


@functools.lru_cache(maxsize=16)
def _envelope_finder(sep: str, esep: str) -> Callable[[str], Iterator[re.Match[str]]]:
    """``finditer`` of the envelope segments (ST, SE, GS, ...) that follow a ``sep`` in a text."""
    tags = "|".join(sorted(_ENVELOPE))
    return re.compile(f"{re.escape(sep)}(?:{tags})(?={re.escape(esep)}|{re.escape(sep)})").finditer


def read_events(stream: BinaryIO, chunk_size: int = CHUNK) -> Iterator[Event]:
    """Yield the envelope events of every interchange in ``stream``."""
    return _Reader(stream, chunk_size).events()


def read_bytes(data: bytes) -> Iterator[Event]:
    return read_events(io.BytesIO(data))


def _diag(
    code: str,
    message: str,
    severity: Severity,
    level: Level,
    *,
    ack: AckCodes,
    location: Location,
    value: str | None = None,
) -> Diagnostic:
    return Diagnostic(
        code=code,
        message=message,
        severity=severity,
        level=level,
        location=location,
        ack=ack,
        bad_value=value if value is None else value[:35],
    )


class _Reader:
    def __init__(self, stream: BinaryIO, chunk_size: int) -> None:
        self.stream = stream
        self.chunk_size = chunk_size
        self.buf = ""
        self.base = 0  # absolute offset of buf[0]
        self.eof = False
        self.first = True

    # -- buffer -----------------------------------------------------------
    def fill(self, pos: int) -> int:
        """Read one more chunk; drop what lies before ``pos``. Returns the new ``pos``."""
        if pos:
            self.buf = self.buf[pos:]
            self.base += pos
            pos = 0
        chunk = self.stream.read(self.chunk_size)
        if not chunk:
            self.eof = True
        else:
            self.buf += chunk.decode("latin-1")
        # a UTF-8 BOM is dropped only at the very start; it may arrive split over small chunks
        if self.first and (len(self.buf) >= len(_BOM) or self.eof):
            self.first = False
            if self.buf.startswith(_BOM):
                self.buf = self.buf[len(_BOM) :]
                self.base += len(_BOM)
        return pos

    def ensure(self, pos: int, count: int) -> int:
        while not self.eof and len(self.buf) - pos < count:
            pos = self.fill(pos)
        return pos

    # -- top level --------------------------------------------------------
    def events(self) -> Iterator[Event]:
        pos = 0
        found_any = False
        reported = False  # stray data was reported (so the input was not empty)
        while True:
            pos = self.ensure(pos, ISA_WINDOW)
            buf = self.buf
            # skip padding between interchanges (line breaks, NUL, DOS end-of-file)
            n = len(buf)
            while pos < n and buf[pos] in _PADDING:
                pos += 1
            if pos >= n:
                if self.eof:
                    break
                continue
            start = buf.find("ISA", pos)
            if start != pos:
                # bytes that are not an interchange: report them, then resume at the next ISA
                stop = start if start >= 0 else n
                sample = buf[pos : min(stop, pos + 60)]
                if not sample.strip(_PADDING) and start >= 0:
                    pos = start
                    continue
                reported = True
                yield StrayData(
                    byte_offset=self.base + pos,
                    sample=sample,
                    diagnostics=[
                        _diag(
                            "x12.stray_data",
                            f"{stop - pos} bytes outside any interchange at byte {self.base + pos}"
                            + ("" if found_any or start >= 0 else ": no ISA segment found; this is not X12"),
                            Severity.FATAL,
                            Level.FILE,
                            ack=AckCodes(interchange="024"),
                            location=Location(byte_offset=self.base + pos),
                            value=sample,
                        )
                    ],
                )
                if start < 0:
                    # keep the last two characters: an "ISA" may straddle the chunk boundary
                    pos = max(pos, n - 2) if not self.eof else n
                    if self.eof:
                        break
                    continue
                pos = start
                continue
            found_any = True
            pos = self.ensure(pos, ISA_WINDOW)
            isa = read_isa(self.buf, pos, self.base)
            if isa.header is None:
                reported = True
                yield StrayData(
                    byte_offset=self.base + pos, sample=self.buf[pos : pos + 60], diagnostics=isa.diagnostics
                )
                pos += 3
                continue
            pos = yield from self.interchange(isa.header, isa.end, isa.strip_line_breaks, isa.diagnostics)
        if not found_any and not reported:
            yield StrayData(
                byte_offset=0,
                sample="",
                diagnostics=[
                    _diag(
                        "x12.empty",
                        "the document is empty",
                        Severity.FATAL,
                        Level.FILE,
                        ack=AckCodes(interchange="024"),
                        location=Location(byte_offset=0),
                    )
                ],
            )

    # -- one interchange ----------------------------------------------------
    def interchange(
        self, header: InterchangeHeader, pos: int, strip_breaks: bool, isa_diags: list[Diagnostic]
    ) -> Iterator[Event]:
        """Yield one interchange's events; returns the position just past it."""
        seps = header.separators
        term = seps.segment
        esep = seps.element
        control = header.control
        yield InterchangeStart(header=header, diagnostics=isa_diags)
        ic_diags: list[Diagnostic] = []

        group: GroupHeader | None = None
        group_sets = 0
        groups = 0
        in_set = False
        set_segments: list[Segment] = []
        set_texts: list[str] = []  # each segment's text as read (what was split on the element separator)
        st: Segment = []
        set_overflow = False
        file_segment = 1  # the ISA

        def loc(**kw: object) -> Location:
            return Location(interchange=control, group=group.control if group else None, **kw)  # type: ignore[arg-type]

        def close_set(se: Segment | None) -> TransactionSet:
            nonlocal in_set, group_sets
            in_set = False
            group_sets += 1
            set_id = st[1] if len(st) > 1 else ""
            set_ctl = st[2] if len(st) > 2 else ""
            impl = st[3] if len(st) > 3 and st[3] else None
            where = Location(
                interchange=control,
                group=group.control if group else None,
                set_control=set_ctl,
                set_id=set_id,
            )
            diags: list[Diagnostic] = []
            if not set_id or not set_id.isalnum():
                diags.append(
                    _diag(
                        "x12.st.set_id",
                        "ST01 (transaction set identifier) is missing or invalid",
                        Severity.FATAL,
                        Level.SET,
                        ack=AckCodes(set="6"),
                        location=where,
                        value=set_id,
                    )
                )
            if not set_ctl:
                diags.append(
                    _diag(
                        "x12.st.control",
                        "ST02 (transaction set control number) is missing",
                        Severity.FATAL,
                        Level.SET,
                        ack=AckCodes(set="7"),
                        location=where,
                    )
                )
            if set_overflow:
                diags.append(
                    _diag(
                        "x12.set.too_large",
                        f"the transaction set holds more than {MAX_SET_SEGMENTS} segments; not read",
                        Severity.FATAL,
                        Level.SET,
                        ack=AckCodes(set="5"),
                        location=where,
                    )
                )
            if se is None:
                diags.append(
                    _diag(
                        "x12.se.missing",
                        "the transaction set has no SE trailer",
                        Severity.FATAL,
                        Level.SET,
                        ack=AckCodes(set="2"),
                        location=where,
                    )
                )
            else:
                count = se[1] if len(se) > 1 else ""
                se_ctl = se[2] if len(se) > 2 else ""
                if se_ctl != set_ctl:
                    diags.append(
                        _diag(
                            "x12.se.control_mismatch",
                            f"SE02 {se_ctl!r} does not match ST02 {set_ctl!r}",
                            Severity.FATAL,
                            Level.SET,
                            ack=AckCodes(set="3"),
                            location=where,
                            value=se_ctl,
                        )
                    )
                actual = len(set_segments)
                if not count.isdigit() or int(count) != actual:
                    diags.append(
                        _diag(
                            "x12.se.count_mismatch",
                            f"SE01 says {count or 'nothing'} segments, the set holds {actual}",
                            Severity.FATAL,
                            Level.SET,
                            ack=AckCodes(set="4"),
                            location=where,
                            value=count,
                        )
                    )
            return TransactionSet(
                interchange=header,
                group=group,
                set_id=set_id,
                control=set_ctl,
                segments=set_segments,
                segment_texts=set_texts,
                implementation_ref=impl,
                diagnostics=diags,
            )

        def close_group(ge: Segment | None) -> GroupEnd:
            nonlocal group, group_sets, groups
            assert group is not None
            where = Location(interchange=control, group=group.control)
            diags: list[Diagnostic] = []
            declared: int | None = None
            trailer: str | None = None
            if ge is None:
                diags.append(
                    _diag(
                        "x12.ge.missing",
                        "the functional group has no GE trailer",
                        Severity.FATAL,
                        Level.GROUP,
                        ack=AckCodes(group="3"),
                        location=where,
                    )
                )
            else:
                count = ge[1] if len(ge) > 1 else ""
                trailer = ge[2] if len(ge) > 2 else ""
                if count.isdigit():
                    declared = int(count)
                if trailer != group.control:
                    diags.append(
                        _diag(
                            "x12.ge.control_mismatch",
                            f"GE02 {trailer!r} does not match GS06 {group.control!r}",
                            Severity.FATAL,
                            Level.GROUP,
                            ack=AckCodes(group="4"),
                            location=where,
                            value=trailer,
                        )
                    )
                if declared != group_sets:
                    diags.append(
                        _diag(
                            "x12.ge.count_mismatch",
                            f"GE01 says {count or 'nothing'} transaction sets, the group holds {group_sets}",
                            Severity.FATAL,
                            Level.GROUP,
                            ack=AckCodes(group="5"),
                            location=where,
                            value=count,
                        )
                    )
            end = GroupEnd(
                interchange=header,
                header=group,
                declared_sets=declared,
                received_sets=group_sets,
                trailer_control=trailer,
                diagnostics=diags,
            )
            group = None
            group_sets = 0
            groups += 1
            return end

        buf = self.buf
        tlen = len(term)
        # Segments are cut a window at a time with one ``split``; the window starts small (an
        # interchange may be a few hundred bytes in a large buffer) and doubles as it is used up,
        # up to _WINDOW.
        window = 4096
        lf_sep = term + "\n"
        while True:
            n = len(buf)
            stop = pos + window
            partial = stop < n
            text = buf[pos:stop] if partial else buf[pos:] if pos else buf
            # The common layouts ("~" or "~\n" after every segment, no other line break, no blank
            # at the start of a segment) are cut clean; anything else is cleaned segment by
            # segment, and so is the first part (it may hold the "\n" of a "~\n" cut before it).
            clean = False
            step = tlen
            parts: list[str] | None = None
            if strip_breaks and len(text) <= MAX_SEGMENT_CHARS and "\r" not in text:
                lfs = text.count("\n") - (text[:1] == "\n")
                if lfs == 0:
                    clean = True
                elif lfs == text.count(term):
                    parts = text.split(lf_sep)
                    if len(parts) - 1 == lfs:  # every terminator is followed by a line break
                        clean = True
                        step = tlen + 1
                    else:
                        parts = None
                if clean:
                    sep = lf_sep if step > tlen else term
                    if (sep + " ") in text or ("\t" in text and (sep + "\t") in text):
                        clean = False
                        step = tlen
                        parts = None
            sep = lf_sep if step > tlen else term
            if parts is None:
                parts = text.split(sep)
            # the last part has no terminator after it (yet): cut by the window or the end of the buffer
            tail_len = len(parts.pop())
            nparts = len(parts)
            # Runs of segments inside a transaction set are taken in bulk; the envelope segments
            # (found by one search of the text) and the first part are read one at a time.
            # marks: (part index, its position) of each envelope segment, then of the end.
            bulk = (
                clean
                and nparts > 2
                and len(esep) == 1
                and esep not in sep
                and (sep + sep) not in text
                and not text.startswith(sep)
            )
            marks: list[tuple[int, int]] = []
            if bulk:
                # in a "~\n" layout every line break ends a terminator: count the one character
                counted = "\n" if step > tlen else sep
                seps_before = 0
                prev = 1 if step > tlen and text[:1] == "\n" else 0  # not the "\n" of a "~\n" before
                for m in _envelope_finder(sep, esep)(text):
                    o = m.start()
                    seps_before += text.count(counted, prev, o)
                    prev = o
                    if seps_before >= nparts - 1:
                        break
                    marks.append((seps_before + 1, pos + o + len(sep)))
            marks.append((nparts, pos + len(text) - tail_len))
            del text
            too_long = False
            mark = 0
            nxt, nxt_pos = marks[0]
            i = 0
            while i < nparts:
                if i == nxt:
                    mark += 1
                    nxt, nxt_pos = marks[mark]
                elif bulk and in_set and i and len(set_segments) + (nxt - i) <= MAX_SET_SEGMENTS:
                    run = parts[i:nxt]
                    set_segments += [t.split(esep) for t in run]
                    set_texts += run
                    file_segment += nxt - i
                    i = nxt
                    pos = nxt_pos
                    continue
                seg_text = parts[i]
                i += 1
                seg_start = pos
                pos += len(seg_text) + step
                if not clean or i == 1:
                    if len(seg_text) > MAX_SEGMENT_CHARS:
                        pos = seg_start
                        too_long = True
                        break
                    if strip_breaks:
                        # the leading break ("~\n") first: most segments then hold no break to remove
                        if seg_text[:1] in _LEAD:
                            seg_text = seg_text.lstrip(_LEAD)
                        if "\n" in seg_text or "\r" in seg_text:
                            seg_text = seg_text.replace("\r", "").replace("\n", "")
                    else:
                        if seg_text[-1:] == "\r":
                            seg_text = seg_text[:-1]
                        if seg_text[:1] in _LEAD:
                            seg_text = seg_text.lstrip(_LEAD)
                if not seg_text:
                    continue
                seg = seg_text.split(esep)
                tag = seg[0]
                file_segment += 1
                if in_set and tag not in _ENVELOPE:
                    if len(set_segments) < MAX_SET_SEGMENTS:
                        set_segments.append(seg)
                        set_texts.append(seg_text)
                    else:
                        set_overflow = True
                    continue
                if tag == "SE":
                    if in_set:
                        set_segments.append(seg)
                        set_texts.append(seg_text)
                        yield close_set(seg)
                        set_segments = []
                        set_texts = []
                    else:
                        ic_diags.append(
                            _diag(
                                "x12.se.unexpected",
                                "SE without a matching ST",
                                Severity.ERROR,
                                Level.INTERCHANGE,
                                ack=AckCodes(interchange="024"),
                                location=loc(segment_id="SE", file_segment=file_segment),
                            )
                        )
                    continue
                if tag == "ST":
                    if in_set:
                        yield close_set(None)
                    if group is None:
                        ic_diags.append(
                            _diag(
                                "x12.st.outside_group",
                                "ST outside a functional group (no GS before it)",
                                Severity.FATAL,
                                Level.INTERCHANGE,
                                ack=AckCodes(interchange="024"),
                                location=loc(segment_id="ST", file_segment=file_segment),
                            )
                        )
                    in_set = True
                    set_overflow = False
                    st = seg
                    set_segments = [seg]
                    set_texts = [seg_text]
                    continue
                if tag == "GS":
                    if in_set:
                        yield close_set(None)
                    if group is not None:
                        yield close_group(None)
                    group_sets = 0  # sets read outside any group are not this group's
                    g = seg + [""] * (9 - len(seg)) if len(seg) < 9 else seg
                    group = GroupHeader(
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
                    gs_diags: list[Diagnostic] = []
                    where = Location(interchange=control, group=g[6], segment_id="GS")
                    if not g[6].isdigit():
                        gs_diags.append(
                            _diag(
                                "x12.gs.control",
                                "GS06 (group control number) must be numeric",
                                Severity.FATAL,
                                Level.GROUP,
                                ack=AckCodes(group="6"),
                                location=where,
                                value=g[6],
                            )
                        )
                    if not group.version_family and group.functional_id != "FA":
                        gs_diags.append(
                            _diag(
                                "x12.gs.version",
                                f"GS08 version {g[8]!r} is not supported (004xxx and 005xxx are)",
                                Severity.FATAL,
                                Level.GROUP,
                                ack=AckCodes(group="2"),
                                location=where,
                                value=g[8],
                            )
                        )
                    if g[7] not in ("X", "T"):
                        gs_diags.append(
                            _diag(
                                "x12.gs.agency",
                                f"GS07 agency code {g[7]!r} should be X",
                                Severity.WARNING,
                                Level.GROUP,
                                ack=AckCodes(),
                                location=where,
                                value=g[7],
                            )
                        )
                    yield GroupStart(interchange=header, header=group, diagnostics=gs_diags)
                    continue
                if tag == "GE":
                    if in_set:
                        yield close_set(None)
                    if group is None:
                        ic_diags.append(
                            _diag(
                                "x12.ge.unexpected",
                                "GE without a matching GS",
                                Severity.ERROR,
                                Level.INTERCHANGE,
                                ack=AckCodes(interchange="024"),
                                location=loc(segment_id="GE", file_segment=file_segment),
                            )
                        )
                    else:
                        yield close_group(seg)
                    continue
                if tag == "IEA":
                    if in_set:
                        yield close_set(None)
                    if group is not None:
                        yield close_group(None)
                    yield self._close_interchange(header, seg, groups, ic_diags)
                    self.buf = buf
                    return pos - step + tlen  # just past the terminator
                if tag == "ISA":
                    # a new interchange begins before this one ended
                    if in_set:
                        yield close_set(None)
                    if group is not None:
                        yield close_group(None)
                    ic_diags.append(
                        _diag(
                            "x12.iea.missing",
                            "the interchange has no IEA trailer before the next ISA",
                            Severity.FATAL,
                            Level.INTERCHANGE,
                            ack=AckCodes(interchange="023"),
                            location=loc(segment_id="IEA"),
                        )
                    )
                    yield InterchangeEnd(
                        header=header,
                        declared_groups=None,
                        received_groups=groups,
                        trailer_control=None,
                        diagnostics=ic_diags,
                    )
                    self.buf = buf
                    # resume at the ISA itself (its leading padding is skipped by the caller)
                    return buf.find("ISA", seg_start)
                if tag == "TA1":
                    yield TransactionSet(
                        interchange=header,
                        group=None,
                        set_id="TA1",
                        control=seg[1] if len(seg) > 1 else "",
                        segments=[seg],
                    )
                    continue
                # a segment outside any transaction set
                ic_diags.append(
                    _diag(
                        "x12.segment.outside_set",
                        f"segment {tag[:3]!r} outside a transaction set",
                        Severity.ERROR,
                        Level.INTERCHANGE,
                        ack=AckCodes(interchange="024"),
                        location=loc(segment_id=tag[:3], file_segment=file_segment),
                        value=seg_text,
                    )
                )
            if step > tlen and parts:
                # ``pos`` is kept just past a terminator (a line break after it is the next
                # segment's leading break), as the positions in diagnostics say
                pos -= 1
            del parts
            if partial and not too_long:
                # a window that held no whole segment doubles until it does (a long segment);
                # otherwise windows grow to _WINDOW (small enough to stay in the CPU cache)
                window = window << 1 if not nparts else min(window << 1, _WINDOW)
                continue
            if not too_long and not self.eof and n - pos <= MAX_SEGMENT_CHARS:
                # buf[pos:] holds no terminator: read on until one arrives, looking only at what is new
                seen = n - pos
                pos = self.fill(pos)
                buf = self.buf
                while (
                    not self.eof
                    and len(buf) - pos <= MAX_SEGMENT_CHARS
                    and buf.find(term, pos + max(seen - tlen + 1, 0)) < 0
                ):
                    seen = len(buf) - pos
                    pos = self.fill(pos)
                    buf = self.buf
                continue
            tail = buf[pos:].strip(_PADDING)
            if too_long or n - pos > MAX_SEGMENT_CHARS:
                ic_diags.append(
                    _diag(
                        "x12.segment.too_long",
                        f"a segment runs past {MAX_SEGMENT_CHARS} characters without a "
                        f"terminator {term!r}; the rest of the interchange is not read",
                        Severity.FATAL,
                        Level.INTERCHANGE,
                        ack=AckCodes(interchange="024"),
                        location=loc(byte_offset=self.base + pos),
                        value=tail[:35],
                    )
                )
                # resume at the next ISA, if any
                nxt = buf.find("ISA", pos + 1)
                pos = nxt if nxt >= 0 else len(buf)
                if nxt < 0:
                    while not self.eof:
                        pos = self.fill(len(self.buf))
                    pos = len(self.buf)
            elif tail:
                # a last segment with no terminator: read it, then report the missing terminator
                seg_text = tail.replace("\r", "").replace("\n", "") if strip_breaks else tail
                ic_diags.append(
                    _diag(
                        "x12.segment.unterminated",
                        f"the last segment has no terminator {term!r}",
                        Severity.WARNING,
                        Level.INTERCHANGE,
                        ack=AckCodes(interchange="023"),
                        location=loc(byte_offset=self.base + pos),
                        value=seg_text[:35],
                    )
                )
                # feed it through the same path as a terminated segment
                buf = self.buf = buf[:pos] + tail + term
                continue
            else:
                pos = len(buf)
            break

        # end of data without IEA
        if in_set:
            yield close_set(None)
        if group is not None:
            yield close_group(None)
        ic_diags.append(
            _diag(
                "x12.iea.missing",
                "the file ends before the IEA trailer",
                Severity.FATAL,
                Level.INTERCHANGE,
                ack=AckCodes(interchange="023"),
                location=loc(segment_id="IEA"),
            )
        )
        yield InterchangeEnd(
            header=header,
            declared_groups=None,
            received_groups=groups,
            trailer_control=None,
            diagnostics=ic_diags,
        )
        return pos

    def _close_interchange(
        self, header: InterchangeHeader, iea: Segment, groups: int, diags: list[Diagnostic]
    ) -> InterchangeEnd:
        count = iea[1] if len(iea) > 1 else ""
        trailer = iea[2].strip() if len(iea) > 2 else ""
        where = Location(interchange=header.control, segment_id="IEA")
        declared = int(count) if count.isdigit() else None
        if trailer != header.control:
            diags.append(
                _diag(
                    "x12.iea.control_mismatch",
                    f"IEA02 {trailer!r} does not match ISA13 {header.control!r}",
                    Severity.FATAL,
                    Level.INTERCHANGE,
                    ack=AckCodes(interchange="001"),
                    location=where,
                    value=trailer,
                )
            )
        if declared != groups:
            diags.append(
                _diag(
                    "x12.iea.count_mismatch",
                    f"IEA01 says {count or 'nothing'} functional groups, the interchange holds {groups}",
                    Severity.FATAL,
                    Level.INTERCHANGE,
                    ack=AckCodes(interchange="021"),
                    location=where,
                    value=count,
                )
            )
        return InterchangeEnd(
            header=header,
            declared_groups=declared,
            received_groups=groups,
            trailer_control=trailer,
            diagnostics=diags,
        )
