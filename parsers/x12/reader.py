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

The work is split over small modules: ``source`` (the chunked buffer),
``isa`` (separators from the ISA), ``segments`` (cutting an interchange into
segments, the hot loop), ``envelope`` (ST/SE, GS/GE, ISA/IEA rules) and
``envelope_diagnostics``.  This module scans for ISAs and reports what lies
outside any interchange.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO

from parsers.x12.envelope import MAX_SET_SEGMENTS
from parsers.x12.envelope_diagnostics import file_fatal
from parsers.x12.isa import ISA_WINDOW, read_isa
from parsers.x12.segments import MAX_SEGMENT_CHARS, PADDING, read_interchange
from parsers.x12.source import Source
from parsers.x12.structure import Event, StrayData

__all__ = ["CHUNK", "MAX_SEGMENT_CHARS", "MAX_SET_SEGMENTS", "read_bytes", "read_events"]

CHUNK = 1 << 20
_STRAY_SAMPLE = 60  # characters of stray data quoted in its event


def read_events(stream: BinaryIO, chunk_size: int = CHUNK) -> Iterator[Event]:
    """Yield the envelope events of every interchange in ``stream``."""
    return _scan(Source(stream, chunk_size))


def read_bytes(data: bytes) -> Iterator[Event]:
    """``read_events`` over bytes in memory."""
    return read_events(io.BytesIO(data))


def _scan(src: Source) -> Iterator[Event]:
    """Find each ISA, read its interchange; report the bytes between interchanges."""
    pos = 0
    found_any = False
    reported = False  # stray data was reported (so the input was not empty)
    while True:
        pos = src.ensure(pos, ISA_WINDOW)
        buf = src.buf
        # skip padding between interchanges (line breaks, NUL, DOS end-of-file)
        n = len(buf)
        while pos < n and buf[pos] in PADDING:
            pos += 1
        if pos >= n:
            if src.eof:
                break
            continue
        start = buf.find("ISA", pos)
        if start != pos:
            # bytes that are not an interchange: report them, then resume at the next ISA
            stop = start if start >= 0 else n
            sample = buf[pos : min(stop, pos + _STRAY_SAMPLE)]
            if not sample.strip(PADDING) and start >= 0:
                pos = start
                continue
            reported = True
            yield _stray(src.base + pos, stop - pos, sample, not found_any and start < 0)
            if start < 0:
                # keep the last two characters: an "ISA" may straddle the chunk boundary
                pos = max(pos, n - 2) if not src.eof else n
                if src.eof:
                    break
                continue
            pos = start
            continue
        found_any = True
        pos = src.ensure(pos, ISA_WINDOW)
        isa = read_isa(src.buf, pos, src.base)
        if isa.header is None:
            reported = True
            sample = src.buf[pos : pos + _STRAY_SAMPLE]
            yield StrayData(byte_offset=src.base + pos, sample=sample, diagnostics=isa.diagnostics)
            pos += 3
            continue
        pos = yield from read_interchange(src, isa.header, isa.end, isa.strip_line_breaks, isa.diagnostics)
    if not found_any and not reported:
        empty = file_fatal("x12.empty", "the document is empty", 0)
        yield StrayData(byte_offset=0, sample="", diagnostics=[empty])


def _stray(offset: int, length: int, sample: str, not_x12: bool) -> StrayData:
    message = f"{length} bytes outside any interchange at byte {offset}"
    if not_x12:
        message += ": no ISA segment found; this is not X12"
    diag = file_fatal("x12.stray_data", message, offset, sample)
    return StrayData(byte_offset=offset, sample=sample, diagnostics=[diag])
