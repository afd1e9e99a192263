"""What the 855, 856, 810 and 865 writers share: element formats, parties, item ids, ACKs, the envelope.

Every one of them is one transaction set in one functional group in one
interchange (``one_set_interchange``); only the group's GS01 differs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol, TypeVar

from gateway.domain.catalog import Warehouse
from gateway.domain.model import Party, PoLine, ProductId
from outbound.x12.errors import WriterError
from outbound.x12.writer import (
    DEFAULT_SEPARATORS,
    Element,
    Envelope,
    GroupContent,
    SetContent,
    WrittenInterchange,
    X12Writer,
)
from outbound.x12.writer import Party as InterchangeParty
from parsers.x12.structure import Separators

MAX_PRODUCT_IDS = 10  # PO106..PO125, LIN02..LIN31 and IT106..IT125 hold up to ten pairs here
HASH_DIGITS = 10  # CTT02 (347) is R 1/10
CURRENT_SCHEDULE_SHIP = "068"  # ACK04 374: the promised date is a ship date
CENT = Decimal("0.01")


class _Numbered(Protocol):
    @property
    def line_number(self) -> str | None: ...


L = TypeVar("L", bound=_Numbered)


def num(value: Decimal | None) -> str:
    """An R element: no exponent, no trailing zeros after the point, no needless point."""
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
    has_id = bool(p.id and p.id_qualifier)  # N103/N104 come as a pair (P0304)
    if not p.name and not has_id:  # N102 or N103 is required (R0203)
        return []
    segs: list[list[Element]] = [
        ["N1", code, p.name or "", p.id_qualifier if has_id else "", p.id if has_id else ""]
    ]
    lines = [line for line in p.address_lines if line]
    for start in range(0, min(len(lines), 4), 2):  # N3 is used at most twice
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


def ids_as_sent(sent: Iterable[ProductId], sku: str | None) -> list[Element]:
    """Product ids exactly as the partner sent them, as qualifier/id pairs; our SKU (VP) when it sent none."""
    out: list[Element] = []
    for pid in sent:
        if pid.qualifier and pid.value:  # a qualifier and its id come as a pair
            out.extend((pid.qualifier, pid.value))
        if len(out) == 2 * MAX_PRODUCT_IDS:
            break
    if not out and sku:
        out.extend(("VP", sku))
    return out


def product_ids(po_line: PoLine | None, sku: str | None) -> list[Element]:
    """The partner's own ids for a line of its order (``ids_as_sent``)."""
    return ids_as_sent(po_line.product_ids if po_line is not None else (), sku)


def lines_by_number(lines: Iterable[L]) -> dict[str, L]:
    """Lines keyed by their line number; lines without one are left out."""
    return {ln.line_number: ln for ln in lines if ln.line_number is not None}


def ack_segment(code: str, quantity: Decimal, unit: str, promised: date | None = None) -> list[Element]:
    """ACK*<668>*<quantity>*<unit>, with ``068*<promised ship date>`` when there is one (C0405)."""
    seg: list[Element] = ["ACK", code, num(quantity), unit]
    if promised is not None:
        seg.extend((CURRENT_SCHEDULE_SHIP, d8(promised)))
    return seg


def hash_total(quantities: Sequence[Decimal]) -> str | None:
    """CTT02 (element 347), when every quantity is whole: the sum, truncated on the left to 10 digits.

    347 is summed "without regard to decimal points", which disagrees with a
    plain sum as soon as a quantity has a fraction; CTT02 is optional, so None
    (leave it out) unless both readings agree.
    """
    if not quantities or any(q != q.to_integral_value() or q < 0 for q in quantities):
        return None
    total = int(sum(quantities, Decimal(0)))
    return str(total)[-HASH_DIGITS:].lstrip("0") or "0"


def require_st03_version(version: str, implementation_ref: str | None) -> None:
    """ST03 only exists from 005010 on: refuse to write it where it is not defined."""
    if implementation_ref and version[:3] < "005":
        raise WriterError(f"ST03 does not exist in {version}; it cannot carry {implementation_ref!r}")


def one_set_interchange(
    writer: X12Writer,
    functional_id: str,
    content: SetContent,
    *,
    ours: InterchangeParty,
    theirs: InterchangeParty,
    our_gs: str,
    their_gs: str,
    version: str,
    separators: Separators = DEFAULT_SEPARATORS,
    usage: str = "P",
    ack_requested: bool = False,
) -> WrittenInterchange:
    """One interchange from ``ours`` to ``theirs`` holding one ``functional_id`` group holding ``content``.

    ``version`` is GS08 (``004010``, ``005010``...); ISA12 follows from it.
    """
    envelope = Envelope(
        sender=ours, receiver=theirs, separators=separators, usage=usage, ack_requested=ack_requested
    )
    group = GroupContent(functional_id, our_gs, their_gs, version, [content])
    return writer.write(envelope, [group])
