"""Drop folders: files a partner (or a VAN, or OpenSSH's chrooted SFTP) leaves in an inbox folder.

A file is picked up only when it has settled (unchanged for ``settle_seconds``;
names ending in ``.tmp`` or ``.part`` and dotfiles are never touched), is
claimed by renaming it into ``<inbox>/.claimed/`` (one rename wins, so two
pollers never read the same file), hashed a chunk at a time for its message id,
handed to ``store`` as an open file (which reads it a chunk at a time and
commits it, in chunks when it is large, so memory does not grow with the file),
and only then moved to the processed folder.  An empty file, or one larger than
``max_bytes``, is no document: it is moved to the failed folder.  A poller that died
after its claim leaves the file in ``.claimed/``; once the claim is older than
``claim_timeout`` the next poll takes it over, and because the message id is
the file's name and content hash, a file stored before the crash is stored once.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

CLAIMED = ".claimed"
IGNORED_SUFFIXES = (".tmp", ".part", ".partial", ".filepart", ".crdownload")

# (raw bytes or a binary file open at its start, file name, message id) -> the stored document's id
Store = Callable[[bytes | BinaryIO, str, str], int]

HASH_CHUNK = 1024 * 1024  # bytes read at a time while hashing a file


@dataclass(slots=True)
class DropFolder:
    inbox: Path
    processed: Path
    failed: Path
    settle_seconds: float = 5.0
    claim_timeout: float = 600.0
    max_bytes: int = 8 * 1024 * 1024 * 1024  # a multi-GB interchange is a document too
    claims_dir: Path | None = None  # default <inbox>/.claimed; on the inbox's file system

    @property
    def claims(self) -> Path:
        return self.claims_dir or self.inbox / CLAIMED


@dataclass(slots=True)
class PollOutcome:
    stored: list[int] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def hashed_message_id(name: str, sha256: str) -> str:
    """Which file this is, for the idempotent receive: its name and its content's SHA-256 (hex)."""
    return f"{name}:{sha256}"


def file_message_id(name: str, path: Path) -> str:
    """``hashed_message_id`` of a file on disk, hashed a chunk at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while piece := f.read(HASH_CHUNK):
            digest.update(piece)
    return hashed_message_id(name, digest.hexdigest())


def ready_files(folder: DropFolder, now: float | None = None) -> list[Path]:
    """Files in the inbox that have settled, oldest first."""
    now = time.time() if now is None else now
    out: list[tuple[float, str, Path]] = []
    try:
        entries = list(os.scandir(folder.inbox))
    except FileNotFoundError:
        return []
    for entry in entries:
        name = entry.name
        if name.startswith(".") or name.lower().endswith(IGNORED_SUFFIXES):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            mtime = entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:
            continue  # taken by another poller meanwhile
        if now - mtime < folder.settle_seconds:
            continue  # still being written
        out.append((mtime, name, Path(entry.path)))
    return [p for _, _, p in sorted(out)]


def claim(folder: DropFolder, path: Path) -> Path | None:
    """Rename ``path`` into the claims folder; None when another poller took it first."""
    folder.claims.mkdir(parents=True, exist_ok=True)
    target = folder.claims / f"{uuid.uuid4().hex[:12]}~{path.name}"
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return None
    os.utime(target)  # the claim's age starts now
    return target


def stale_claims(folder: DropFolder, now: float | None = None) -> list[Path]:
    """Claims left by a poller that died (older than ``claim_timeout``)."""
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(folder.claims))
    except FileNotFoundError:
        return []
    out = []
    for entry in entries:
        try:
            if entry.is_file() and now - entry.stat().st_mtime >= folder.claim_timeout:
                out.append(Path(entry.path))
        except FileNotFoundError:
            continue
    return sorted(out)


def original_name(claimed: Path) -> str:
    return claimed.name.split("~", 1)[1] if "~" in claimed.name else claimed.name


def _move(path: Path, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if target.exists():
        stem, dot, ext = name.partition(".")
        target = folder / f"{stem}-{uuid.uuid4().hex[:8]}{dot}{ext}"
    os.replace(path, target)
    return target


def poll(folder: DropFolder, store: Store, *, now: float | None = None, limit: int = 1000) -> PollOutcome:
    """Pick up what is ready: stale claims first, then settled files; see the module docstring."""
    outcome = PollOutcome()
    taken: list[Path] = []
    for stale in stale_claims(folder, now):
        again = folder.claims / f"{uuid.uuid4().hex[:12]}~{original_name(stale)}"
        try:
            os.rename(stale, again)  # one poller wins the takeover too
        except FileNotFoundError:
            continue
        os.utime(again)
        taken.append(again)
    for path in ready_files(folder, now):
        if len(taken) >= limit:
            break
        claimed = claim(folder, path)
        if claimed is not None:
            taken.append(claimed)
    for claimed in taken:
        name = original_name(claimed)
        size = claimed.stat().st_size
        if size == 0 or size > folder.max_bytes:
            _move(claimed, folder.failed, name)
            outcome.failed.append(name)
            continue
        mid = file_message_id(name, claimed)
        with claimed.open("rb") as f:
            outcome.stored.append(store(f, name, mid))  # committed before the move
        _move(claimed, folder.processed, name)
    return outcome
