"""Sniffing a CSV file: its encoding and its delimiter."""

from __future__ import annotations

import csv

from gateway.errors import InputError

BOM = b"\xef\xbb\xbf"
DELIMITERS = ",;\t|"


def decode(raw: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read with.

    UTF-8 with or without a byte-order mark, else cp1252 (the Windows export),
    else Latin-1; ``encoding`` forces one.  Binary content (NUL bytes) is refused.
    """
    if b"\x00" in raw[:65536]:
        raise InputError("the file holds NUL bytes: it is not a text spreadsheet", code="csv.not_text")
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            raise InputError(
                f"the file is not {encoding} (byte {exc.start} cannot be read)", code="csv.encoding"
            ) from None
    if raw.startswith(BOM):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise InputError(
                f"the file starts with a UTF-8 byte-order mark but byte {exc.start + 3} is not UTF-8",
                code="csv.encoding",
            ) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV text: the csv sniffer on its head, else the commonest candidate there."""
    head = text[:16384]
    lines = [ln for ln in head.splitlines() if ln.strip()][:30]
    sample = "\n".join(lines)
    try:
        found = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        found = None
    counts = {d: sum(ln.count(d) for ln in lines) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if found and counts.get(found, 0) > 0:
        # the sniffer may pick ',' for "1,50;2,50": prefer a delimiter that splits every line alike
        if found == "," and counts[";"] and all(ln.count(";") == lines[0].count(";") for ln in lines):
            return ";"
        return found
    return best if counts[best] else ","
