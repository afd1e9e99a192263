"""Which parser a document needs, judged from its content (not its name)."""

from __future__ import annotations

_SKIP = b" \t\r\n\x00"
_BOM = b"\xef\xbb\xbf"


def detect_format(head: bytes) -> str | None:
    """The format of a document from its first bytes: ``x12``, ``edifact``, ``xml``, ``pdf`` or ``None``."""
    data = head[3:] if head.startswith(_BOM) else head
    data = data.lstrip(_SKIP)
    if data.startswith(b"ISA"):
        return "x12"
    at = data.find(b"ISA")
    if at >= 0 and len(data) > at + 3 and not chr(data[at + 3]).isalnum():
        return "x12"  # an interchange after some stray bytes: the reader reports them
    if data.startswith((b"UNA", b"UNB")):
        return "edifact"
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"<"):
        return "xml"
    return None
