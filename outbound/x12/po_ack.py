"""855 purchase order acknowledgement from a sales order (4010 and 5010).

BAK carries the header status (BAK02); each purchase-order line comes back as
a PO1 with the item ids the partner sent, followed by one ACK per outcome: the
confirmed quantity (IA, IP or DR) and, where short, the backordered (IB) or
cancelled (IQ/IR) remainder.  With ``exceptions_only`` (BAK02 AE) lines
accepted unchanged are left out.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gateway.domain.model import Party, PoLine, PurchaseOrder
from gateway.domain.orders import AckType, LineStatus, SalesOrder, SalesOrderLine
from outbound.x12.writer import Element, SetContent

SCHEDULED_SHIP = "068"  # ACK04: current schedule ship


def _num(value: Decimal | None) -> str:
    """An R element: no exponent, no trailing zeros after the point, no needless point."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _d(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


def _party(p: Party) -> list[list[Element]]:
    segs: list[list[Element]] = [
        ["N1", p.entity_code or "ST", p.name or "", p.id_qualifier or "", p.id or ""]
    ]
    if p.address_lines:
        segs.append(["N3", *p.address_lines[:2]])
    if p.city or p.state or p.postal_code:
        segs.append(["N4", p.city or "", p.state or "", p.postal_code or "", p.country or ""])
    return segs


def _ids(line: PoLine) -> list[Element]:
    out: list[Element] = []
    for pid in line.product_ids[:10]:
        out.extend((pid.qualifier, pid.value))
    return out


def _acks(so_line: SalesOrderLine, unit: str) -> list[list[Element]]:
    acks: list[list[Element]] = []
    promised = _d(so_line.promised_date)
    date_q = SCHEDULED_SHIP if promised else ""
    if so_line.confirmed_quantity > 0:
        first = LineStatus.ACCEPTED
        if LineStatus.PRICE_CHANGED in so_line.statuses:
            first = LineStatus.PRICE_CHANGED
        elif LineStatus.DATE_RESCHEDULED in so_line.statuses:
            first = LineStatus.DATE_RESCHEDULED
        acks.append(["ACK", first.value, _num(so_line.confirmed_quantity), unit, date_q, promised])
    if so_line.backordered_quantity > 0:
        acks.append(["ACK", LineStatus.BACKORDERED.value, _num(so_line.backordered_quantity), unit])
    if so_line.cancelled_quantity > 0:
        code = LineStatus.REJECTED if so_line.confirmed_quantity == 0 else LineStatus.QUANTITY_CHANGED
        acks.append(["ACK", code.value, _num(so_line.cancelled_quantity), unit])
    if not acks:
        acks.append(["ACK", LineStatus.REJECTED.value, "0", unit])
    return acks


def build_855(
    order: SalesOrder,
    po: PurchaseOrder,
    *,
    today: date,
    exceptions_only: bool = False,
    implementation_ref: str | None = None,
) -> SetContent:
    """The 855 body for ``order`` answering ``po``; envelope it with ``X12Writer``."""
    ack_type = order.ack_type
    if exceptions_only and ack_type is not AckType.REJECTED:
        ack_type = AckType.EXCEPTIONS_ONLY
    body: list[list[Element]] = [
        [
            "BAK",
            "00",
            ack_type.value,
            po.po_number,
            _d(po.po_date),
            po.release_number or "",
            "",
            "",
            "",
            _d(today),
        ],
    ]
    for ref in po.references:
        if ref.qualifier in ("IA", "DP", "VR") and ref.value:
            body.append(["REF", ref.qualifier, ref.value])
    for role in ("buyer", "ship_to"):
        party = po.party(role)
        if party is not None:
            body.extend(_party(party))
    by_number = {ln.line_number: ln for ln in order.lines}
    written = 0
    if ack_type is not AckType.REJECTED:
        for index, po_line in enumerate(po.lines):
            so_line = by_number.get(po_line.line_number) or (
                order.lines[index] if index < len(order.lines) else None
            )
            if so_line is None:
                continue
            if exceptions_only and so_line.status is LineStatus.ACCEPTED and len(so_line.statuses) <= 1:
                continue
            unit = po_line.unit or so_line.unit or "EA"
            price = so_line.unit_price if so_line.unit_price is not None else po_line.unit_price
            body.append(
                [
                    "PO1",
                    po_line.line_number or str(index + 1),
                    _num(po_line.quantity),
                    unit,
                    _num(price),
                    po_line.price_basis or "",
                    *_ids(po_line),
                ]
            )
            body.extend(_acks(so_line, unit))
            written += 1
    body.append(["CTT", str(written)])
    return SetContent(set_id="855", body=body, implementation_ref=implementation_ref)
