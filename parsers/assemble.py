"""From cells found on a page or in a sheet to a canonical purchase order with its cross-checks.

The PDF and spreadsheet readers find *where* things are; this module reads the
values, builds the ``PurchaseOrder`` and runs the checks that set its
confidence (``gateway.domain.model.Extraction``):

=====================  ======  ============================================================
check                  weight  reason when it fails
=====================  ======  ============================================================
``po_number``          3       ``document.po_number_missing``
``po_date``            1       ``document.po_date_missing``
``lines``              3       ``document.no_lines``
``rows_readable``      3       ``document.unreadable_row`` (one reason per row)
``line_values``        2       ``document.line_incomplete`` (no quantity or no item)
``line_amounts``       2       ``document.line_amount_mismatch`` (quantity × price ≠ amount)
``total``              2       ``document.total_mismatch`` / ``document.total_missing``
=====================  ======  ============================================================

A check that cannot apply (no amount column, a spreadsheet with no total) is
left out.  Confidence is the passed weight over the weight of the checks that
applied; below ``LOW_CONFIDENCE`` the order also carries
``document.low_confidence``.  Any reason at all sets ``needs_review``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from gateway.domain.model import (
    Contact,
    Extraction,
    FieldSource,
    Party,
    PaymentTerms,
    PoLine,
    ProductId,
    PurchaseOrder,
    ReviewReason,
    Source,
)
from parsers.reading import clean_unit, find_date, to_decimal

WEIGHTS = {
    "po_number": 3,
    "po_date": 1,
    "lines": 3,
    "rows_readable": 3,
    "line_values": 2,
    "line_amounts": 2,
    "total": 2,
}
LOW_CONFIDENCE = Decimal("0.8")
CENT = Decimal("0.01")
ID_QUALIFIERS = {"item": "BP", "vendor_part": "VP", "upc": "UP"}


@dataclass(slots=True)
class Cell:
    """A value found in a document, and where."""

    text: str
    page: int | None = None
    region: list[float] | None = None
    row: int | None = None
    column: str | None = None
    lines: list[str] = field(default_factory=list)  # a block (an address): its lines

    def source(self, name: str) -> FieldSource:
        return FieldSource(
            field=name, text=self.text, page=self.page, region=self.region, row=self.row, column=self.column
        )

    def reason(self, code: str, message: str, name: str | None = None) -> ReviewReason:
        return ReviewReason(
            code=code,
            message=message,
            field=name,
            page=self.page,
            region=self.region,
            row=self.row,
            column=self.column,
        )


@dataclass(slots=True)
class RowDraft:
    """One line of the order table: cells by role."""

    cells: dict[str, Cell]
    where: Cell  # the row as a whole (page + region of the row, or row number)


@dataclass(slots=True)
class Draft:
    """What a reader found for one purchase order."""

    fmt: str  # pdf, csv, xlsx
    method: str
    header: dict[str, Cell] = field(default_factory=dict)
    rows: list[RowDraft] = field(default_factory=list)
    reasons: list[ReviewReason] = field(default_factory=list)  # found by the reader itself
    failed_checks: set[str] = field(default_factory=set)
    style: str = "point"
    date_format: str | None = None
    totals_expected: bool = True  # a PDF states its total; a spreadsheet seldom does
    pages: int | None = None


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def party_from_block(role: str, lines: list[str]) -> Party:
    """A party from an address block: name, street lines, and ``City, ST 12345`` when it is there."""
    lines = [ln.strip() for ln in lines if ln.strip()]
    party = Party(role=role, name=lines[0] if lines else None)
    rest = lines[1:]
    country = None
    if rest and re.fullmatch(r"[A-Z]{2}|USA|United States|Canada|Germany|France|Mexico", rest[-1]):
        country = rest.pop()
    if rest:
        m = re.fullmatch(r"(.+?),?\s+([A-Z]{2})\s+(\d{5}(?:-\d{4})?|[A-Z]\d[A-Z] ?\d[A-Z]\d)", rest[-1])
        m2 = re.fullmatch(r"(\d{4,5})\s+(.+)", rest[-1])
        if m:
            party.city, party.state, party.postal_code = m.group(1).rstrip(","), m.group(2), m.group(3)
            rest.pop()
        elif m2:
            party.postal_code, party.city = m2.group(1), m2.group(2)
            rest.pop()
    party.address_lines = rest
    party.country = country
    return party


def _terms(text: str) -> PaymentTerms:
    terms = PaymentTerms(description=text)
    net = re.search(r"net\s*(\d{1,3})", text, re.IGNORECASE)
    if net:
        terms.net_days = int(net.group(1))
    disc = re.search(r"(\d+(?:\.\d+)?)\s*%\s*(\d{1,3})", text)
    if disc:
        terms.discount_percent = Decimal(disc.group(1))
        terms.discount_days = int(disc.group(2))
    return terms


def _date(draft: Draft, name: str, po_fields: list[FieldSource]) -> date | None:
    cell = draft.header.get(name)
    if cell is None:
        return None
    value = find_date(cell.text, draft.date_format)
    if value is None:
        draft.reasons.append(
            cell.reason(
                "document.unreadable_value", f"{name.replace('_', ' ')} {cell.text!r} is no date", name
            )
        )
    else:
        po_fields.append(cell.source(name))
    return value


def build_order(draft: Draft) -> PurchaseOrder:
    """The canonical order of a draft, its checks run and its confidence set."""
    fields: list[FieldSource] = []
    reasons = list(draft.reasons)
    checks: dict[str, bool] = {}
    po_cell = draft.header.get("po_number")
    po_number = po_cell.text.strip() if po_cell is not None else ""
    if po_cell is not None and po_number:
        fields.append(po_cell.source("po_number"))
    checks["po_number"] = bool(po_number)
    if not po_number:
        reasons.append(ReviewReason("document.po_number_missing", "no purchase-order number was found"))
    po_date = _date(draft, "po_date", fields)
    checks["po_date"] = po_date is not None
    if po_date is None and "po_date" not in draft.header:
        reasons.append(ReviewReason("document.po_date_missing", "no order date was found"))
    order = PurchaseOrder(po_number=po_number, po_date=po_date, source=Source(format=draft.fmt))
    order.requested_delivery_date = _date(draft, "requested_date", fields)
    if (cell := draft.header.get("buyer")) is not None and cell.text.strip():
        order.contacts.append(Contact(function="BD", name=cell.text.strip()))
        fields.append(cell.source("contacts[0].name"))
    if (cell := draft.header.get("terms")) is not None and cell.text.strip():
        order.payment_terms.append(_terms(cell.text.strip()))
        fields.append(cell.source("payment_terms[0]"))
    if (cell := draft.header.get("currency")) is not None and cell.text.strip():
        order.currency = cell.text.strip().upper()[:3]
        fields.append(cell.source("currency"))
    for role in ("ship_to", "bill_to"):
        if (cell := draft.header.get(role)) is not None and (cell.lines or cell.text.strip()):
            order.parties.append(party_from_block(role, cell.lines or cell.text.splitlines()))
            fields.append(cell.source(f"parties[{len(order.parties) - 1}]"))

    incomplete: list[ReviewReason] = []
    mismatched: list[ReviewReason] = []
    line_sum = Decimal(0)
    sum_known = True
    amounts_seen = False
    for i, row in enumerate(draft.rows):
        line = _line(draft, row, i, fields, incomplete)
        order.lines.append(line)
        amount_cell = row.cells.get("amount")
        amount = to_decimal(amount_cell.text, draft.style) if amount_cell is not None else None
        if amount_cell is not None and amount is None and amount_cell.text.strip():
            incomplete.append(
                amount_cell.reason("document.unreadable_value", "amount is no number", f"lines[{i}].amount")
            )
        if amount is not None:
            amounts_seen = True
            fields.append(amount_cell.source(f"lines[{i}].amount"))  # type: ignore[union-attr]
            if (
                line.quantity is not None
                and line.unit_price is not None
                and abs(_round(line.quantity * line.unit_price) - amount) > CENT
            ):
                mismatched.append(
                    row.where.reason(
                        "document.line_amount_mismatch",
                        f"line {line.line_number}: {line.quantity} × {line.unit_price} is "
                        f"{_round(line.quantity * line.unit_price)}, the document says {amount}",
                        f"lines[{i}]",
                    )
                )
            line_sum += amount
        elif line.quantity is not None and line.unit_price is not None:
            line_sum += _round(line.quantity * line.unit_price)
        else:
            sum_known = False
    checks["lines"] = bool(order.lines)
    if not order.lines:
        reasons.append(ReviewReason("document.no_lines", "no order lines were found"))
    checks["rows_readable"] = "rows_readable" not in draft.failed_checks
    checks["line_values"] = not incomplete
    reasons.extend(incomplete)
    if amounts_seen:
        checks["line_amounts"] = not mismatched
        reasons.extend(mismatched)

    subtotal = _stated(draft, "subtotal", fields)
    total = _stated(draft, "total", fields)
    order.stated_total = total if total is not None else subtotal
    order.stated_line_count = None
    stated = subtotal if subtotal is not None else total
    if stated is not None and order.lines:
        ok = sum_known and abs(line_sum - stated) <= CENT
        checks["total"] = ok
        if not ok:
            where = draft.header.get("subtotal") or draft.header.get("total")
            message = (
                f"the lines add up to {line_sum}, the document states {stated}"
                if sum_known
                else f"the document states {stated}, but not every line has an amount to add up"
            )
            reason = where.reason("document.total_mismatch", message, "total") if where else None
            reasons.append(reason or ReviewReason("document.total_mismatch", message, "total"))
    elif draft.totals_expected and order.lines:
        checks["total"] = False
        reasons.append(ReviewReason("document.total_missing", "no subtotal or total was found to check"))

    for name in draft.failed_checks:
        checks[name] = False
    order.extraction = extraction(draft.method, checks, reasons, fields, structured=False)
    order.extraction.pages = draft.pages
    order.extraction.stated_subtotal = subtotal
    return order


def extraction(
    method: str,
    checks: dict[str, bool],
    reasons: list[ReviewReason],
    fields: list[FieldSource],
    *,
    structured: bool,
) -> Extraction:
    """The extraction record: confidence from weighted checks, document.low_confidence below the bar."""
    weight = sum(WEIGHTS.get(k, 1) for k in checks)
    passed = sum(WEIGHTS.get(k, 1) for k, ok in checks.items() if ok)
    confidence = (Decimal(passed) / Decimal(weight)).quantize(CENT) if weight else Decimal(0)
    reasons = list(reasons)
    if confidence < LOW_CONFIDENCE:
        reasons.append(
            ReviewReason("document.low_confidence", f"confidence {confidence} is below {LOW_CONFIDENCE}")
        )
    return Extraction(
        method=method,
        structured=structured,
        confidence=confidence,
        needs_review=bool(reasons),
        review_reasons=reasons,
        checks=checks,
        fields=fields,
    )


def _stated(draft: Draft, name: str, fields: list[FieldSource]) -> Decimal | None:
    cell = draft.header.get(name)
    if cell is None:
        return None
    value = to_decimal(cell.text, draft.style)
    if value is not None:
        fields.append(cell.source(name))
    return value


def _line(
    draft: Draft, row: RowDraft, i: int, fields: list[FieldSource], problems: list[ReviewReason]
) -> PoLine:
    cells = row.cells
    where = f"lines[{i}]"

    def text(role: str) -> str | None:
        cell = cells.get(role)
        return cell.text.strip() if cell is not None and cell.text.strip() else None

    number = text("line_number") or str(i + 1)
    qty_text = text("quantity")
    quantity = to_decimal(qty_text, draft.style) if qty_text else None
    price_text = text("unit_price")
    price = to_decimal(price_text, draft.style) if price_text else None
    line = PoLine(line_number=number, quantity=quantity, unit=clean_unit(text("unit")), unit_price=price)
    for role, qualifier in ID_QUALIFIERS.items():
        value = text(role)
        if value:
            line.product_ids.append(ProductId(qualifier, value))
    line.description = text("description")
    if quantity is None:
        problems.append(
            row.where.reason(
                "document.line_incomplete",
                f"line {number}: " + (f"quantity {qty_text!r} is no number" if qty_text else "no quantity"),
                f"{where}.quantity",
            )
        )
    if not line.product_ids and not line.description:
        problems.append(
            row.where.reason("document.line_incomplete", f"line {number}: no item", f"{where}.product_ids")
        )
    if price_text and price is None:
        problems.append(
            row.where.reason(
                "document.line_incomplete", f"line {number}: price {price_text!r} is no number", f"{where}"
            )
        )
    for role, cell in cells.items():
        if role in ("amount",):
            continue
        fields.append(cell.source(f"{where}.{role}"))
    return line
