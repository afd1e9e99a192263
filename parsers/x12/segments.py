"""Cutting one interchange's text into segments and feeding them to its envelope state.

Segments are cut a window at a time with one ``split``.  The common layouts
("~" or "~\\n" after every segment, no other line break, no blank at the start
of a segment) are cut clean, and runs of segments inside a transaction set are
taken in bulk between the envelope segments (found by one regex search of the
window); anything else is cleaned segment by segment (line breaks, a CR before
the terminator, leading blanks).  The per-segment loop stays in one function
(``read_interchange``): it is the reader's hot path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Generator, Iterator

from gateway.domain.diagnostics import Diagnostic, Severity
from parsers.x12.envelope import ENVELOPE_TAGS, MAX_SET_SEGMENTS, EnvelopeState
from parsers.x12.envelope_diagnostics import interchange_issue
from parsers.x12.source import Source
from parsers.x12.structure import Event, InterchangeHeader, InterchangeStart

MAX_SEGMENT_CHARS = 1 << 20  # a segment longer than this is not X12 we will hold in memory
PADDING = " \t\r\n\x00\x1a"  # between interchanges and after the last segment
_LEAD = " \t\r\n"
_WINDOW = 1 << 16  # segments are cut up to this many characters at a time
_FIRST_WINDOW = 4096

# (part index, absolute position) of each envelope segment in a window, then of its end
Marks = list[tuple[int, int]]


@functools.lru_cache(maxsize=16)
def _envelope_finder(sep: str, esep: str) -> Callable[[str], Iterator[re.Match[str]]]:
    """``finditer`` of the envelope segments (ST, SE, GS, ...) that follow a ``sep`` in a text."""
    tags = "|".join(sorted(ENVELOPE_TAGS))
    return re.compile(f"{re.escape(sep)}(?:{tags})(?={re.escape(esep)}|{re.escape(sep)})").finditer


def cut_window(
    text: str, pos: int, term: str, esep: str, strip_breaks: bool
) -> tuple[list[str], int, bool, bool, Marks]:
    """Split ``text`` (the buffer from ``pos``) into segment texts.

    Returns ``(parts, step, clean, bulk, marks)``: the whole segments (the
    unterminated rest is dropped), the characters between two of them (the
    terminator, plus one for a "~\\n" layout), whether they need no cleaning,
    whether runs inside a set may be taken in bulk, and the envelope marks.
    """
    tlen = len(term)
    lf_sep = term + "\n"
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
    bulk = (
        clean
        and nparts > 2
        and len(esep) == 1
        and esep not in sep
        and (sep + sep) not in text
        and not text.startswith(sep)
    )
    marks = _envelope_marks(text, pos, sep, esep, step > tlen, nparts) if bulk else []
    marks.append((nparts, pos + len(text) - tail_len))
    return parts, step, clean, bulk, marks


def _envelope_marks(text: str, pos: int, sep: str, esep: str, lf_layout: bool, nparts: int) -> Marks:
    """(part index, position) of every envelope segment in ``text`` but the first part."""
    # in a "~\n" layout every line break ends a terminator: count the one character
    counted = "\n" if lf_layout else sep
    seps_before = 0
    prev = 1 if lf_layout and text[:1] == "\n" else 0  # not the "\n" of a "~\n" before
    marks: Marks = []
    for m in _envelope_finder(sep, esep)(text):
        o = m.start()
        seps_before += text.count(counted, prev, o)
        prev = o
        if seps_before >= nparts - 1:
            break
        marks.append((seps_before + 1, pos + o + len(sep)))
    return marks


def read_interchange(
    src: Source, header: InterchangeHeader, pos: int, strip_breaks: bool, isa_diags: list[Diagnostic]
) -> Generator[Event, None, int]:
    """Yield one interchange's events; returns the position just past it."""
    term = header.separators.segment
    esep = header.separators.element
    yield InterchangeStart(header=header, diagnostics=isa_diags)
    state = EnvelopeState(header)
    handlers = state.handlers
    outside_set = state.outside_set
    in_set = False
    set_segments = state.segments
    set_texts = state.texts
    file_segment = 1  # the ISA

    buf = src.buf
    tlen = len(term)
    # the window starts small (an interchange may be a few hundred bytes in a large buffer) and
    # doubles as it is used up, up to _WINDOW
    window = _FIRST_WINDOW
    while True:
        n = len(buf)
        stop = pos + window
        partial = stop < n
        text = buf[pos:stop] if partial else buf[pos:] if pos else buf
        parts, step, clean, bulk, marks = cut_window(text, pos, term, esep, strip_breaks)
        del text
        nparts = len(parts)
        too_long = False
        mark = 0
        nxt, nxt_pos = marks[0]
        i = 0
        while i < nparts:
            if i == nxt:
                mark += 1
                nxt, nxt_pos = marks[mark]
            elif bulk and in_set and i and len(set_segments) + (nxt - i) <= MAX_SET_SEGMENTS:
                # a run of segments inside a set, up to the next envelope segment
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
                # the first part may hold the "\n" of a "~\n" cut before it
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
            if in_set and tag not in ENVELOPE_TAGS:
                if len(set_segments) < MAX_SET_SEGMENTS:
                    set_segments.append(seg)
                    set_texts.append(seg_text)
                else:
                    state.overflow = True
                continue
            events = handlers.get(tag, outside_set)(seg, seg_text, file_segment)
            if events:
                yield from events
            if state.ended:
                src.buf = buf
                # past the IEA's terminator, or at the next ISA (its leading padding is skipped by the caller)
                return pos - step + tlen if tag == "IEA" else buf.find("ISA", seg_start)
            in_set = state.in_set
            set_segments = state.segments
            set_texts = state.texts
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
        if not too_long and not src.eof and n - pos <= MAX_SEGMENT_CHARS:
            pos = _read_to_terminator(src, pos, term)
            buf = src.buf
            continue
        pos, read_on = _end_of_text(src, state, pos, too_long, term, strip_breaks)
        if not read_on:
            break
        buf = src.buf

    yield from state.missing_iea("the file ends before the IEA trailer")
    return pos


def _read_to_terminator(src: Source, pos: int, term: str) -> int:
    """``buf[pos:]`` holds no terminator: read on until one arrives, looking only at what is new."""
    tlen = len(term)
    seen = len(src.buf) - pos
    pos = src.fill(pos)
    buf = src.buf
    while (
        not src.eof
        and len(buf) - pos <= MAX_SEGMENT_CHARS
        and buf.find(term, pos + max(seen - tlen + 1, 0)) < 0
    ):
        seen = len(buf) - pos
        pos = src.fill(pos)
        buf = src.buf
    return pos


def _end_of_text(
    src: Source, state: EnvelopeState, pos: int, too_long: bool, term: str, strip_breaks: bool
) -> tuple[int, bool]:
    """No terminator follows ``pos`` and no more text will come (or a segment is too long).

    Reports a too-long segment (and skips to the next ISA) or a last segment
    with no terminator (and appends one so it reads as usual).  Returns the
    position and whether to read on.
    """
    buf = src.buf
    tail = buf[pos:].strip(PADDING)
    if too_long or len(buf) - pos > MAX_SEGMENT_CHARS:
        message = (
            f"a segment runs past {MAX_SEGMENT_CHARS} characters without a "
            f"terminator {term!r}; the rest of the interchange is not read"
        )
        where = state.location(byte_offset=src.base + pos)
        state.diagnostics.append(
            interchange_issue("x12.segment.too_long", message, Severity.FATAL, "024", where, tail[:35])
        )
        # resume at the next ISA, if any
        nxt = buf.find("ISA", pos + 1)
        return (nxt if nxt >= 0 else src.drain()), False
    if tail:
        # a last segment with no terminator: read it, then report the missing terminator
        seg_text = tail.replace("\r", "").replace("\n", "") if strip_breaks else tail
        where = state.location(byte_offset=src.base + pos)
        message = f"the last segment has no terminator {term!r}"
        state.diagnostics.append(
            interchange_issue("x12.segment.unterminated", message, Severity.WARNING, "023", where, seg_text)
        )
        # feed it through the same path as a terminated segment
        src.buf = buf[:pos] + tail + term
        return pos, True
    return len(buf), False
