"""The reader's input buffer: a binary stream read in chunks, decoded as ISO-8859-1.

Every byte maps to one character, so a position in the text is a byte offset
(``base`` + index) and single-byte control-character delimiters survive.
"""

from __future__ import annotations

from typing import BinaryIO

_BOM = "\xef\xbb\xbf"


class Source:
    """``buf`` holds the unread text; ``base`` is the absolute offset of ``buf[0]``."""

    def __init__(self, stream: BinaryIO, chunk_size: int) -> None:
        self.stream = stream
        self.chunk_size = chunk_size
        self.buf = ""
        self.base = 0
        self.eof = False
        self.first = True

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
        """Read until ``count`` characters from ``pos`` are buffered (or the stream ends)."""
        while not self.eof and len(self.buf) - pos < count:
            pos = self.fill(pos)
        return pos

    def drain(self) -> int:
        """Read (and drop) the rest of the stream; returns the end of the buffer."""
        while not self.eof:
            self.fill(len(self.buf))
        return len(self.buf)
