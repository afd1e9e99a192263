"""Words on a page, grouped into lines; phrases matched on them; values right of or below a label."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from parsers.reading import normalise

LINE_TOLERANCE = 2.5  # points: words whose tops differ by less are on one line
VALUE_GAP = 130.0  # the value right of a label starts within this many points
WORD_GAP = 14.0  # words further apart than this are not one value
MAX_PHRASE = 4


@dataclass(slots=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def center(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass(slots=True)
class Line:
    page: int
    words: list[Word] = field(default_factory=list)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(slots=True)
class Phrase:
    """Words of one line matched to a name (a heading role or a label field)."""

    name: str
    line: Line
    start: int  # index of the first word in the line
    end: int  # one past the last

    @property
    def words(self) -> list[Word]:
        return self.line.words[self.start : self.end]

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1


def region(words: Iterable[Word]) -> list[float]:
    ws = list(words)
    return [
        round(min(w.x0 for w in ws), 1),
        round(min(w.top for w in ws), 1),
        round(max(w.x1 for w in ws), 1),
        round(max(w.bottom for w in ws), 1),
    ]


def to_lines(page: int, words: Iterable[Word]) -> list[Line]:
    """Words grouped into lines by their tops, each line left to right."""
    lines: list[Line] = []
    for w in sorted(words, key=lambda w: (w.top, w.x0)):
        if lines and abs(lines[-1].words[0].top - w.top) <= LINE_TOLERANCE:
            lines[-1].words.append(w)
        else:
            lines.append(Line(page, [w]))
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
    return lines


def match_phrases(line: Line, index: Mapping[str, str]) -> list[Phrase]:
    """Longest-first matches of ``index`` (normalised text -> name) along a line, left to right."""
    found: list[Phrase] = []
    i = 0
    words = line.words
    while i < len(words):
        for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            chunk = words[i : i + n]
            if any(b.x0 - a.x1 > WORD_GAP for a, b in itertools.pairwise(chunk)):
                continue
            key = normalise(" ".join(w.text for w in chunk))
            if key and key in index:
                found.append(Phrase(index[key], line, i, i + n))
                i += n
                break
        else:
            i += 1
    return found


def value_right(phrase: Phrase, stop_at: set[int] | None = None) -> list[Word]:
    """The words right of a label on its line: starting within ``VALUE_GAP``, ending at a wide gap."""
    out: list[Word] = []
    last = phrase.x1
    for j in range(phrase.end, len(phrase.line.words)):
        if stop_at and j in stop_at:
            break
        w = phrase.line.words[j]
        gap = w.x0 - last
        if (not out and gap > VALUE_GAP) or (out and gap > WORD_GAP):
            break
        out.append(w)
        last = w.x1
    return out


def block_below(
    phrase: Phrase, lines: list[Line], right_limit: float, max_lines: int = 6
) -> list[list[Word]]:
    """The lines of a block under a label (an address), between the label's left edge and ``right_limit``."""
    left = phrase.x0 - 3
    at = lines.index(phrase.line)
    out: list[list[Word]] = []
    last_bottom = phrase.line.bottom
    pitch: float | None = None
    for line in lines[at + 1 :]:
        ws = [w for w in line.words if left <= w.x0 < right_limit]
        if not ws:
            if out:
                break
            continue
        gap = ws[0].top - last_bottom
        if gap > (pitch * 2.2 if pitch else 14):
            break
        if out and pitch is None:
            pitch = max(gap, 2.0)
        out.append(ws)
        last_bottom = max(w.bottom for w in ws)
        if len(out) >= max_lines:
            break
    return out


def right_limit(phrase: Phrase, page_width: float, others: Iterable[Phrase]) -> float:
    """Where a block under ``phrase`` ends on the right: the next label or word right of it on its line."""
    limit = page_width
    for w in phrase.line.words[phrase.end :]:
        if w.x0 > phrase.x1 + 30:
            limit = min(limit, w.x0 - 2)
            break
    for other in others:
        if other is not phrase and abs(other.line.top - phrase.line.top) < 30 and other.x0 > phrase.x1 + 10:
            limit = min(limit, other.x0 - 2)
    return limit


def value_below(phrase: Phrase, lines: list[Line]) -> list[Word]:
    """The words just under a label (a form whose labels head a row of values): on the next line,
    within the label's width (a little wider on the right, where values often run on)."""
    try:
        at = lines.index(phrase.line)
    except ValueError:
        return []
    if at + 1 >= len(lines):
        return []
    below = lines[at + 1]
    height = phrase.line.bottom - phrase.line.top
    if below.top - phrase.line.bottom > max(2 * height, 14):
        return []
    return [w for w in below.words if phrase.x0 - 10 <= w.center <= phrase.x1 + 30]
