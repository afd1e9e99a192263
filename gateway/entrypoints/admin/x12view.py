"""Raw X12 cut into segments for display, with the segments a problem points at marked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class SegmentView:
    number: int  # from 1, over the whole file
    text: str
    notes: list[str] = field(default_factory=list)

    @property
    def marked(self) -> bool:
        return bool(self.notes)


def cut(raw: bytes) -> list[SegmentView]:
    """The segments of an X12 file (the terminator is the byte after ISA16); empty when it is not X12."""
    text = raw.decode("latin-1")
    start = text.find("ISA")
    if start < 0 or len(text) < start + 106:
        return []
    terminator = text[start + 105]
    parts = [p.strip("\r\n\t \x1a") for p in text[start:].split(terminator)]
    return [SegmentView(i + 1, p) for i, p in enumerate(p for p in parts if p)]


def _sets(segments: list[SegmentView]) -> dict[str, int]:
    """ST02 → index of its ST segment."""
    found: dict[str, int] = {}
    for i, seg in enumerate(segments):
        if seg.text.startswith("ST") and len(seg.text) > 3:
            elements = seg.text.split(seg.text[2])
            if len(elements) > 2:
                found.setdefault(elements[2], i)
    return found


def mark_diagnostics(segments: list[SegmentView], diagnostics: Iterable[Mapping[str, Any]]) -> None:
    """Mark the segment each diagnostic locates (by its set and position, else its place in the file)."""
    sets = _sets(segments)
    for d in diagnostics:
        loc = d.get("location") or {}
        note = str(d.get("text") or d.get("message") or d.get("code") or "problem")
        index = None
        st = sets.get(str(loc.get("set_control") or ""))
        if st is not None and loc.get("segment_position"):
            index = st + int(loc["segment_position"]) - 1
        elif loc.get("file_segment"):
            index = int(loc["file_segment"]) - 1
        if index is not None and 0 <= index < len(segments):
            segments[index].notes.append(note)


def mark_lines(segments: list[SegmentView], set_control: str | None, notes: Mapping[int, list[str]]) -> None:
    """Mark the n-th PO1 (from 0) of the transaction set ``set_control`` with ``notes[n]``."""
    sets = _sets(segments)
    st = sets.get(set_control or "", 0 if not sets else None)
    if st is None:
        return
    n = -1
    for seg in segments[st:]:
        if seg.text.startswith("SE") and n >= 0:
            break
        if seg.text.startswith("PO1"):
            n += 1
            seg.notes.extend(notes.get(n, []))
