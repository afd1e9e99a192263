"""Folder delivery: outbound documents written into a per-partner outbox.

A file is written under a temporary name and renamed into place, so a reader
polling the folder never sees half a document, and writing the same document
again leaves one file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text) or "_"


def write_atomically(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``folder/name`` (created if needed) via a temporary file and a rename."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_name(name)
    if target.exists() and target.read_bytes() == data:
        return target
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
