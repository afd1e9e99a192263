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


def _id(seg: SegmentView) -> str:
    """The segment id: its leading letters and digits (two or three)."""
    n = 0
    while n < min(len(seg.text), 3) and seg.text[n].isalnum():
        n += 1
    return seg.text[:n]


def _element(seg: SegmentView, n: int) -> str | None:
    parts = seg.text.split(seg.text[3])
    return parts[n].strip() if len(parts) > n else None


def _scope(segments: list[SegmentView], loc: Mapping[str, Any], sets: dict[str, int]) -> tuple[int, int]:
    """The segments a location's set (or else interchange) spans, as [start, end)."""
    st = sets.get(str(loc.get("set_control") or ""))
    if st is not None:
        end = next((i + 1 for i in range(st, len(segments)) if _id(segments[i]) == "SE"), len(segments))
        return st, end
    control = str(loc.get("interchange") or "")
    for i, seg in enumerate(segments):
        if _id(seg) == "ISA" and len(seg.text) > 3 and _element(seg, 13) == control:
            end = next((j + 1 for j in range(i, len(segments)) if _id(segments[j]) == "IEA"), len(segments))
            return i, end
    return 0, len(segments)


FALLBACK = {"set": "SE", "group": "GE", "interchange": "ISA"}


def mark_diagnostics(segments: list[SegmentView], diagnostics: Iterable[Mapping[str, Any]]) -> None:
    """Mark the segment each diagnostic locates: by its set and position, its place in the file, or
    else its segment id (or the trailer of its level) within its set or interchange; a segment that is
    missing marks the last one there is."""
    if not segments:
        return
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
        else:
            wanted = loc.get("segment_id") or FALLBACK.get(str(d.get("level") or ""))
            if wanted:
                start, end = _scope(segments, loc, sets)
                found = [i for i in range(start, end) if _id(segments[i]) == wanted]
                index = found[0] if found else end - 1
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


def only_set(segments: list[SegmentView], set_control: str | None, limit: int = 400) -> list[SegmentView]:
    """For a long file, the envelope headers and the one transaction set (numbers kept as in the file)."""
    if len(segments) <= limit:
        return segments
    st = _sets(segments).get(set_control or "")
    if st is None:
        return segments[:limit]
    end = next((i + 1 for i in range(st, len(segments)) if _id(segments[i]) == "SE"), len(segments))
    heads = [seg for seg in segments[:st] if _id(seg) in ("ISA", "GS")][-2:]
    return heads + segments[st:end]
