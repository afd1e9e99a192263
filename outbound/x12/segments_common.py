"""Small pieces the 856 and 810 writers share: numbers, dates, parties, the partner's item ids."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gateway.domain.catalog import Warehouse
from gateway.domain.model import Party, PoLine
from outbound.x12.writer import Element

MAX_PRODUCT_IDS = 10
CENT = Decimal("0.01")


def num(value: Decimal | None) -> str:
    """An R element: no exponent, no trailing zeros, no needless point."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def implied2(value: Decimal) -> str:
    """An N2 element: the amount in cents, two implied decimals (125.00 -> 12500)."""
    return str(int((value.quantize(CENT) * 100).to_integral_value()))


def d8(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


def party_segments(p: Party, code: str) -> list[list[Element]]:
    """N1 (N3, N4) for a party under entity code ``code``; nothing when it has neither name nor id."""
    has_id = bool(p.id and p.id_qualifier)
    if not p.name and not has_id:
        return []
    segs: list[list[Element]] = [
        ["N1", code, p.name or "", p.id_qualifier if has_id else "", p.id if has_id else ""]
    ]
    lines = [line for line in p.address_lines if line]
    for start in range(0, min(len(lines), 4), 2):
        segs.append(["N3", *lines[start : start + 2]])
    if p.city or p.state or p.postal_code or p.country:
        segs.append(["N4", p.city or "", p.state or "", p.postal_code or "", p.country or ""])
    return segs


def warehouse_party(w: Warehouse) -> Party:
    return Party(
        role="ship_from",
        name=w.name,
        address_lines=[w.address] if w.address else [],
        city=w.city or None,
        state=w.state or None,
        postal_code=w.postal_code or None,
        country=w.country or None,
    )


def product_ids(po_line: PoLine | None, sku: str | None) -> list[Element]:
    """The partner's own ids for a line exactly as it sent them; our SKU (VP) when it sent none."""
    out: list[Element] = []
    if po_line is not None:
        for pid in po_line.product_ids:
            if pid.qualifier and pid.value:
                out.extend((pid.qualifier, pid.value))
            if len(out) == 2 * MAX_PRODUCT_IDS:
                break
    if not out and sku:
        out.extend(("VP", sku))
    return out


def hash_total(quantities: list[Decimal]) -> str | None:
    """CTT02 (element 347), when every quantity is whole: the sum, truncated on the left to 10 digits."""
    if not quantities or any(q != q.to_integral_value() or q < 0 for q in quantities):
        return None
    total = int(sum(quantities, Decimal(0)))
    return str(total)[-10:].lstrip("0") or "0"
