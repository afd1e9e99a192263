"""Which parser a document needs, judged from its content (not its name).

``x12``, ``edifact``, ``pdf``, ``xlsx`` (a zip holding ``xl/`` parts),
``cxml`` (root element ``cXML``), ``ubl`` (root ``Order`` in the UBL
namespace), ``xml`` (any other XML), ``csv`` (text whose first lines split
alike on one delimiter), or ``None``.
"""

from __future__ import annotations

import re

_SKIP = b" \t\r\n\x00"
_BOM = b"\xef\xbb\xbf"
_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)[\s>/]")
_UBL_NS = b"urn:oasis:names:specification:ubl:schema:xsd:Order-2"
_DELIMITERS = b",;\t|"


def _xml_kind(data: bytes) -> str:
    at = 0
    while True:
        m = _ROOT.search(data, at)
        if m is None:
            return "xml"
        before = data[m.start() : m.start() + 2]
        if before in (b"<?", b"<!"):
            at = m.end()
            continue
        name = m.group(2)
        if name == b"cXML":
            return "cxml"
        if name == b"Order" and _UBL_NS in data:
            return "ubl"
        return "xml"


def _looks_csv(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    sample = data[:4096]
    printable = sum(1 for b in sample if b >= 32 or b in (9, 10, 13))
    if printable < len(sample) * 0.95:
        return False
    lines = [ln for ln in sample.splitlines() if ln.strip()][:10]
    if len(lines) > 1 and not data.endswith((b"\n", b"\r")) and len(data) >= 4096:
        lines = lines[:-1]  # the last line may be cut at 4096 bytes
    if not lines:
        return False
    for d in _DELIMITERS:
        counts = [ln.count(bytes([d])) for ln in lines]
        if counts[0] >= 1 and sum(1 for c in counts if c >= 1) >= max(1, len(counts) * 0.6):
            return True
    return False


def detect_format(head: bytes) -> str | None:
    """The format of a document from its first bytes (see the module docstring)."""
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
    if data.startswith(b"PK\x03\x04"):
        return "xlsx" if (b"xl/" in data or b"[Content_Types].xml" in data) else None
    if data.startswith(b"<"):
        return _xml_kind(data)
    if _looks_csv(data):
        return "csv"
    return None
