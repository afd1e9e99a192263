"""Folder delivery: outbound documents written into a per-partner outbox.

A file is written under a temporary name and renamed into place, so a reader
polling the folder never sees half a document, and writing the same document
again leaves one file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
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


def write_many(files: Sequence[tuple[Path, str, bytes]], *, threads: int = 4) -> list[Path]:
    """``write_atomically`` for each (folder, name, data), a few at a time: creating and
    syncing files is waiting on the file system, which threads overlap.  All are written
    (each durable) when it returns; the first error is raised after the others finished."""
    if len(files) <= 1 or threads <= 1:
        return [write_atomically(*f) for f in files]
    with ThreadPoolExecutor(max_workers=min(threads, len(files))) as pool:
        futures = [pool.submit(write_atomically, *f) for f in files]
    return [f.result() for f in futures]
