"""Rows of cells (from a CSV or a sheet) to purchase orders.

The header row is the first of the first 30 that heads at least two columns
with known roles, one of them the quantity (a partner's ``ColumnMap`` names
them exactly; otherwise the synonyms of ``parsers.reading.HEADINGS``).  Rows
above it written as ``Label, value`` give header fields (PO number, date,
...).  Below it: blank rows are skipped, a row whose first text cell says
``Total``/``Subtotal`` gives the stated total of the order above it, every
other row is a line.  Lines are grouped into orders by the PO-number column
(in order of first appearance).  A row that cannot be read (no number for a
quantity, more cells than headings) is left out of the lines and reported as
``document.unreadable_row`` with its row number and reason on its order (on
every order of the file when its PO number cannot be told), so the order goes
to review instead of passing as complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from gateway.domain.layouts import LINE_ROLES, ColumnMap
from gateway.domain.model import PurchaseOrder, ReviewReason
from gateway.errors import InputError
from parsers.assemble import Cell, Draft, RowDraft, build_order
from parsers.reading import LABEL_INDEX, decimal_style, heading_role, normalise, to_decimal

HEADER_SEARCH_ROWS = 30
MAX_ROWS = 200_000
NUMERIC_ROLES = ("quantity", "unit_price", "amount")
TOTAL_WORDS = {"total", "subtotal", "sub total", "grand total", "order total", "totals", "sum"}


@dataclass(slots=True)
class SheetRow:
    number: int  # the row of the file or sheet, from 1
    cells: list[str]


def _header(rows: Sequence[SheetRow], column_map: ColumnMap | None) -> tuple[int, dict[int, str]] | None:
    extra = column_map.columns if column_map and column_map.columns else None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        roles: dict[int, str] = {}
        for col, text in enumerate(row.cells):
            role = heading_role(text, extra) if text.strip() else None
            if role is not None and role not in roles.values():
                roles[col] = role
        if "quantity" in roles.values() and len(roles) >= 2:
            return index, roles
    return None


def header_index(rows: Sequence[SheetRow], column_map: ColumnMap | None = None) -> int | None:
    """The index in ``rows`` of the header row the reader takes (``None`` when there is none)."""
    found = _header(rows, column_map)
    return found[0] if found is not None else None


def _preamble(rows: Sequence[SheetRow], headings: list[str]) -> dict[str, Cell]:
    found: dict[str, Cell] = {}
    for row in rows:
        texts = [c for c in row.cells if c.strip()]
        if len(texts) < 2:
            continue
        for i, text in enumerate(row.cells[:-1]):
            role = LABEL_INDEX.get(normalise(text))
            value = next((v for v in row.cells[i + 1 :] if v.strip()), None)
            if role and value and role not in found:
                found[role] = Cell(value.strip(), row=row.number, column=text.strip())
                break
    return found


def rows_to_orders(
    rows: Sequence[SheetRow], fmt: str, column_map: ColumnMap | None = None
) -> list[PurchaseOrder]:
    """The purchase orders in ``rows``; an ``InputError`` when no line table can be found at all."""
    if len(rows) > MAX_ROWS:
        raise InputError(
            f"{len(rows)} rows: more than the {MAX_ROWS} a file may have", code="document.too_large"
        )
    found = _header(rows, column_map)
    if found is None:
        raise InputError(
            "no header row with a quantity column and one more known column (Item, SKU, Description, "
            "Price, ...) in the first 30 rows",
            code=f"{fmt}.no_header",
        )
    at, roles = found
    header_row = rows[at]
    headings = header_row.cells
    style = (column_map.decimal if column_map else None) or decimal_style(
        row.cells[c]
        for row in rows[at + 1 :]
        for c, r in roles.items()
        if r in NUMERIC_ROLES and c < len(row.cells)
    )
    date_format = column_map.date_format if column_map else None
    preamble = _preamble(rows[:at], headings)
    method = f"{fmt}.column_map" if column_map and column_map.columns else f"{fmt}.headings"
    po_col = next((c for c, r in roles.items() if r == "po_number"), None)

    groups: dict[str, Draft] = {}
    order_of: list[str] = []
    orphans: list[ReviewReason] = []  # unreadable rows whose order cannot be told
    last_key: str | None = None

    def group(key: str) -> Draft:
        if key not in groups:
            draft = Draft(fmt=fmt, method=method, style=style, date_format=date_format, totals_expected=False)
            draft.header.update(preamble)
            if key:
                draft.header["po_number"] = draft.header.get("po_number") or Cell(key)
            groups[key] = draft
            order_of.append(key)
        return groups[key]

    def fixed_po() -> str:
        if "po_number" in preamble:
            return preamble["po_number"].text.strip()
        return column_map.po_number if column_map and column_map.po_number else ""

    width = len(headings)
    for row in rows[at + 1 :]:
        texts = [c.strip() for c in row.cells]
        if not any(texts):
            continue
        first_text = next((t for t in texts if t), "")
        if normalise(first_text).rstrip(" :") in TOTAL_WORDS:
            if not _file_total(row, roles, groups, style):
                _total_row(
                    row, roles, headings, groups.get(last_key) if last_key is not None else None, style
                )
            continue
        cells = {
            role: Cell(texts[c], row=row.number, column=headings[c].strip() or f"column {c + 1}")
            for c, role in roles.items()
            if c < len(texts) and texts[c]
        }
        key = cells["po_number"].text if po_col is not None and "po_number" in cells else None
        if po_col is None:
            key = fixed_po()
        problem = _row_problem(row, texts, width, cells, style)
        if problem is not None:
            reason = ReviewReason(
                "document.unreadable_row", f"row {row.number}: {problem}", row=row.number, column=None
            )
            target = key if key is not None else last_key
            if target is None:
                orphans.append(reason)
            else:
                d = group(target)
                d.reasons.append(reason)
                d.failed_checks.add("rows_readable")
            continue
        if key is None:
            key = last_key if last_key is not None else ""
        last_key = key
        draft = group(key)
        for role in ("po_date", "requested_date", "buyer", "currency", "terms", "ship_to"):
            if role in cells and role not in draft.header:
                draft.header[role] = cells[role]
        draft.rows.append(
            RowDraft(
                cells={r: c for r, c in cells.items() if r in LINE_ROLES}, where=Cell("", row=row.number)
            )
        )
    if not groups:
        group(fixed_po())  # a table with no readable row: an order with no lines, for review
    for draft in groups.values():
        if orphans:
            draft.reasons.extend(orphans)
            draft.failed_checks.add("rows_readable")
    return [build_order(groups[k]) for k in order_of]


def _row_problem(
    row: SheetRow, texts: list[str], width: int, cells: dict[str, Cell], style: str
) -> str | None:
    extra = [t for t in texts[width:] if t]
    if extra:
        return f"{len(texts)} cells under {width} headings (an unquoted delimiter inside a value?)"
    qty = cells.get("quantity")
    if qty is None:
        return "no quantity"
    if to_decimal(qty.text, style) is None:
        return f"quantity {qty.text!r} is not a number"
    for role in ("unit_price", "amount"):
        cell = cells.get(role)
        if cell is not None and to_decimal(cell.text, style) is None:
            return f"{role.replace('_', ' ')} {cell.text!r} is not a number"
    return None


def _row_amount(cells: dict[str, Cell], style: str) -> Decimal | None:
    amount = to_decimal(cells["amount"].text, style) if "amount" in cells else None
    if amount is not None:
        return amount
    qty = to_decimal(cells["quantity"].text, style) if "quantity" in cells else None
    price = to_decimal(cells["unit_price"].text, style) if "unit_price" in cells else None
    return (qty * price).quantize(Decimal("0.01")) if qty is not None and price is not None else None


def _file_total(row: SheetRow, roles: dict[int, str], groups: dict[str, Draft], style: str) -> bool:
    """A total row under several orders that states the total of all of them (not of the last one)."""
    if len(groups) < 2:
        return False
    amounts = [_row_amount(r.cells, style) for d in groups.values() for r in d.rows]
    if any(a is None for a in amounts):
        return False
    everything = sum((a for a in amounts if a is not None), Decimal(0))
    stated = [v for c in row.cells if (v := to_decimal(c, style)) is not None]
    return bool(stated) and abs(stated[-1] - everything) <= Decimal("0.01")


def _total_row(
    row: SheetRow, roles: dict[int, str], headings: list[str], draft: Draft | None, style: str
) -> None:
    if draft is None:
        return
    amount_col = next((c for c, r in roles.items() if r == "amount"), None)
    candidates = [amount_col] if amount_col is not None else []
    candidates += list(range(len(row.cells) - 1, -1, -1))
    for c in candidates:
        if c is not None and c < len(row.cells) and to_decimal(row.cells[c], style) is not None:
            name = "subtotal" if "sub" in normalise(next(t for t in row.cells if t.strip())) else "total"
            draft.header[name] = Cell(
                row.cells[c].strip(), row=row.number, column=headings[c] if c < len(headings) else None
            )
            return
