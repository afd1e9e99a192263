"""The line table of a PDF order: its header row, its columns, its rows, across pages.

The header row is a line with a quantity heading and at least two more known
headings (``parsers.reading.HEADINGS``, or a template's own).  Columns come
from the cells of a ruled table when the header sits in one (pdfplumber's line
finder), otherwise from the data: the x-ranges no word of the header or of any
row covers are the gutters, and each stretch between gutters takes the role of
the heading over it.  Rows follow the header until a line says Total/Subtotal,
a gap of more than three row pitches, or the end of the page; a line with no
quantity continues the description of the row above.  A page whose header row
repeats continues the table.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from statistics import median

from parsers.assemble import Cell, RowDraft
from parsers.pdf.layout import Line, Phrase, Word, match_phrases, region
from parsers.reading import LABEL_INDEX, looks_numeric, normalise

MIN_GUTTER = 3.5
WORD_SPACE = 4.0  # words closer than this on a line are one value (a space is about 2.8 pt at 10 pt)
STOP_WORDS = {
    "subtotal",
    "sub total",
    "total",
    "order total",
    "grand total",
    "freight",
    "tax",
    "sales tax",
    "shipping",
    "net total",
    "total amount",
}


@dataclass(slots=True)
class Column:
    role: str
    x0: float
    x1: float
    heading: str


@dataclass(slots=True)
class TableOnPage:
    header: Line
    columns: list[Column]
    rows: list[RowDraft]
    lines: list[Line]  # every line the table took (header and rows)


def find_header(lines: list[Line], index: dict[str, str]) -> tuple[Line, list[Phrase]] | None:
    for line in lines:
        phrases = match_phrases(line, index)
        roles = {p.name for p in phrases}
        if "quantity" in roles and len(roles) >= 3:
            seen: set[str] = set()
            unique = []
            for p in phrases:
                if p.name not in seen:
                    seen.add(p.name)
                    unique.append(p)
            return line, unique
    return None


def _ruled_columns(
    header: Line, phrases: list[Phrase], cells: list[tuple[float, float, float, float]]
) -> list[Column]:
    """Columns from the ruled cells of the header row."""
    mid = (header.top + header.bottom) / 2
    row_cells = sorted((c for c in cells if c[1] - 1 <= mid <= c[3] + 1), key=lambda c: c[0])
    columns: list[Column] = []
    for x0, _top, x1, _bottom in row_cells:
        inside = [p for p in phrases if x0 - 1 <= (p.x0 + p.x1) / 2 <= x1 + 1]
        if inside:
            p = inside[0]
            columns.append(Column(p.name, x0, x1, " ".join(w.text for w in p.words)))
    return columns


def _row_lines(
    lines: list[Line],
    header: Line,
    x_min: float,
    x_max: float,
    stop: frozenset[str] = frozenset(),
    indent_limit: float | None = None,
) -> list[Line]:
    """The lines under the header that belong to the table: a row starts in the first columns (a
    wrapped description in the second); a line that starts further right (a total, a note) ends it."""
    out: list[Line] = []
    at = lines.index(header)
    last_bottom = header.bottom
    gaps: list[float] = []
    for line in lines[at + 1 :]:
        words = [w for w in line.words if w.x1 >= x_min - 20 and w.x0 <= x_max + 20]
        if not words:
            continue
        key = normalise(" ".join(w.text for w in words))
        first = normalise(words[0].text)
        if any(key.startswith(s) or first.startswith(s) for s in STOP_WORDS | stop) or LABEL_INDEX.get(
            key
        ) in (
            "subtotal",
            "total",
        ):
            break
        if any(
            normalise(" ".join(w.text for w in words[i : i + 2])) in STOP_WORDS for i in range(len(words))
        ):
            break
        if indent_limit is not None and words[0].x0 > indent_limit:
            break
        gap = line.top - last_bottom
        pitch = median(gaps) if gaps else 12.0
        if gap > max(3 * pitch, 30):
            break
        gaps.append(max(gap, 1.0))
        out.append(Line(line.page, words))
        last_bottom = line.bottom
    return out


def _gutter_columns(header: Line, phrases: list[Phrase], rows: list[Line]) -> list[Column]:
    """Columns from the white space every line of the table leaves between its values.

    A stretch with no heading over it joins the column on its left when it holds numbers (right-aligned
    under a left-aligned heading), else the column whose heading is nearest."""
    spans: list[tuple[float, float, bool]] = []
    for line in [header, *rows]:
        ws = line.words
        start, end, texts = ws[0].x0, ws[0].x1, [ws[0].text]
        for w in ws[1:]:
            if w.x0 - end < WORD_SPACE:
                end = max(end, w.x1)
                texts.append(w.text)
            else:
                spans.append((start, end, line is not header and looks_numeric(" ".join(texts))))
                start, end, texts = w.x0, w.x1, [w.text]
        spans.append((start, end, line is not header and looks_numeric(" ".join(texts))))
    spans.sort()
    blocks: list[list[float]] = []  # x0, x1, numeric spans, all spans
    for s0, e0, numeric in spans:
        if blocks and s0 <= blocks[-1][1] + MIN_GUTTER:
            blocks[-1][1] = max(blocks[-1][1], e0)
            blocks[-1][2] += numeric
            blocks[-1][3] += 1
        else:
            blocks.append([s0, e0, float(numeric), 1.0])
    columns: list[Column] = []
    for b0, b1, numeric, count in blocks:
        over = [p for p in phrases if min(b1, p.x1) - max(b0, p.x0) > 0]
        if not over:
            if columns and numeric >= count / 2:
                columns[-1].x1 = b1
                continue
            nearest = min(phrases, key=lambda p: min(abs(p.x0 - b1), abs(b0 - p.x1)))
            over = [nearest]
        p = max(over, key=lambda p: min(b1, p.x1) - max(b0, p.x0))
        heading = " ".join(w.text for w in p.words)
        if columns and columns[-1].role == p.name:
            columns[-1].x1 = max(columns[-1].x1, b1)  # a heading wider than the gutters it spans
            continue
        columns.append(Column(p.name, b0 - 1, b1 + 1, heading))
    # every column edge meets the next: a value a little wider than the others still falls in
    for a, b in itertools.pairwise(columns):
        edge = (a.x1 + b.x0) / 2
        a.x1, b.x0 = edge, edge
    return columns


def _assign(line: Line, columns: list[Column]) -> dict[str, list[Word]]:
    out: dict[str, list[Word]] = {}
    for w in line.words:
        for c in columns:
            if c.x0 <= w.center < c.x1:
                out.setdefault(c.role, []).append(w)
                break
    return out


def read_table(
    lines: list[Line],
    index: dict[str, str],
    ruled_cells: list[tuple[float, float, float, float]],
    stop: frozenset[str] = frozenset(),
) -> TableOnPage | None:
    """The table on one page (``None`` when it has no header row)."""
    found = find_header(lines, index)
    if found is None:
        return None
    header, phrases = found
    columns = _ruled_columns(header, phrases, ruled_cells) if ruled_cells else []
    if len({c.role for c in columns}) < 3 or "quantity" not in {c.role for c in columns}:
        columns = []
    x_min = min(min(p.x0 for p in phrases), columns[0].x0 if columns else 1e9)
    x_max = max(max(p.x1 for p in phrases), columns[-1].x1 if columns else 0)
    ordered = sorted(phrases, key=lambda p: p.x0)
    indent_limit = ordered[1].x1 + 20 if len(ordered) > 1 else None
    row_lines = _row_lines(lines, header, x_min, x_max, stop, indent_limit)
    if not columns:
        columns = _gutter_columns(header, phrases, row_lines)
    rows: list[RowDraft] = []
    taken = [header]
    for line in row_lines:
        if find_header([line], index) is not None:
            continue  # the header repeated inside the table
        parts = _assign(line, columns)
        if not parts:
            continue
        taken.append(line)
        if "quantity" not in parts and not rows:
            continue  # text between the header and the first row
        if "quantity" in parts:
            cells = {
                role: Cell(" ".join(w.text for w in ws), page=line.page, region=region(ws))
                for role, ws in parts.items()
            }
            rows.append(RowDraft(cells, Cell(line.text, page=line.page, region=region(line.words))))
        else:
            row = rows[-1]
            for role, ws in parts.items():
                text = " ".join(w.text for w in ws)
                if role in row.cells and role in ("description",):
                    row.cells[role].text += " " + text
                elif role not in row.cells:
                    row.cells[role] = Cell(text, page=line.page, region=region(ws))
            row.where.region = (
                region(line.words)
                if row.where.region is None
                else [
                    row.where.region[0],
                    row.where.region[1],
                    max(row.where.region[2], region(line.words)[2]),
                    region(line.words)[3],
                ]
            )
    return TableOnPage(header, columns, rows, taken)
