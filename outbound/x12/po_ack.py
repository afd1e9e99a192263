"""855 purchase order acknowledgement from a sales order (004010 and 005010).

The body is the same in both versions (only the envelope and ST03 differ)::

    BAK*00*<587>*<PO number>*<PO date>*<release>***<our order number>*<today>
    REF / N1 N3 N4     the partner's own header references and parties, echoed
                       (``header_echo``): REF IA/DP/VR, N1 BY and N1 ST
    PO1*<line>*<ordered qty>*<unit>*<our price>*<basis>*<the ids as sent>
    ACK*<668>*<qty>*<unit>[*068*<promised ship date>]     one or more per line
    CTT*<number of PO1>[*<hash total of PO102>]

BAK02 (587): AD acknowledge with detail, no change; AC with detail and change;
AE with exception detail only (``exceptions_only``: PO1 loops only for lines
we do not take exactly as ordered); RJ rejected, no detail (no PO1 loops).

A line's ACK segments split its ordered quantity by outcome, and their ACK02
quantities add up to what we will supply (now and later).  Whatever of PO102
they do not account for is cancelled.  The first ACK is the part we ship now
(668 codes as the standard defines them):

    IA  Item Accepted                        as ordered (the whole PO102)
    IQ  Item Accepted - Quantity Changed     ACK02 is the new, lower quantity;
                                             the rest of the line is cancelled
    IP  Item Accepted - Price Changed        our price is in PO104
    DR  Item Accepted - Date Rescheduled     the date in ACK04 068 / ACK05
    IC  Item Accepted - Changes Made         more than one of IQ, IP and DR

then ``IB`` (Item Backordered) with the quantity to follow.  A line we will not
supply at all is one ``ACK*IR*0*<unit>`` (Item Rejected: nothing supplied).

Why IQ with the new quantity for a short, cancelled line, rather than IA for
the part shipped plus IR for the part cancelled: IR reads as "the item is
rejected" and a receiver keying on the status would drop the whole line; IQ
says in one code that the item was accepted at a changed quantity, which is
what happened.  It is also what mock-edi, the independent peer we test
against, writes (``transactions._x12_855``: one ``ACK*IQ*<confirmed>`` for a
short line, ``ACK*IR*0`` for a rejected one), and the reading most published
855 guides give.  A short line whose remainder is backordered is not a
quantity change (the whole quantity is still coming), so it is IA + IB.

CTT02 (hash total, element 347) is the sum of PO102.  347 is summed "without
regard to decimal points", which disagrees with a plain sum as soon as a
quantity has a fraction; CTT02 is optional, so it is written only when every
PO102 is a whole number and both readings agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

from gateway.domain.model import PoLine, PurchaseOrder
from gateway.domain.orders import AckType, LineStatus, SalesOrder, SalesOrderLine
from outbound.x12.errors import WriterError
from outbound.x12.segments_common import (
    ack_segment,
    d8,
    hash_total,
    lines_by_number,
    num,
    party_segments,
    product_ids,
)
from outbound.x12.writer import Element, SetContent

PURPOSE_ORIGINAL = "00"  # BAK01 353
PURPOSE_REPLACE = "05"
CHANGES_MADE = "IC"  # 668: Item Accepted - Changes Made (no LineStatus member)
ECHOED_REFERENCES = ("IA", "DP", "VR")  # REF01 128 echoed from the PO header
ECHOED_PARTIES = (("buyer", "BY"), ("ship_to", "ST"))  # role, default N101

ZERO = Decimal(0)


def line_acks(so_line: SalesOrderLine, unit: str) -> list[list[Element]]:
    """The ACK segments for one line (see the module docstring for the codes)."""
    confirmed = so_line.confirmed_quantity
    backordered = so_line.backordered_quantity
    cancelled = so_line.cancelled_quantity
    if LineStatus.REJECTED in so_line.statuses or (confirmed <= 0 and backordered <= 0):
        return [ack_segment(LineStatus.REJECTED.value, ZERO, unit)]
    acks: list[list[Element]] = []
    if confirmed > 0:
        changes: list[str] = []
        if cancelled > 0 or LineStatus.QUANTITY_CHANGED in so_line.statuses:
            changes.append(LineStatus.QUANTITY_CHANGED.value)
        if LineStatus.PRICE_CHANGED in so_line.statuses:
            changes.append(LineStatus.PRICE_CHANGED.value)
        if LineStatus.DATE_RESCHEDULED in so_line.statuses:
            changes.append(LineStatus.DATE_RESCHEDULED.value)
        code = CHANGES_MADE if len(changes) > 1 else (changes[0] if changes else LineStatus.ACCEPTED.value)
        acks.append(ack_segment(code, confirmed, unit, so_line.promised_date))
    if backordered > 0:
        acks.append(ack_segment(LineStatus.BACKORDERED.value, backordered, unit))
    return acks


def _unchanged(acks: Sequence[Sequence[Element]], ordered: Decimal | None) -> bool:
    """One ACK*IA for the whole ordered quantity: nothing to report under AE."""
    return (
        len(acks) == 1
        and acks[0][1] == LineStatus.ACCEPTED.value
        and ordered is not None
        and acks[0][2] == num(ordered)
    )


def _matcher(order: SalesOrder) -> Callable[[int, PoLine], SalesOrderLine | None]:
    """Sales-order lines by PO1 line number, falling back to position."""
    by_number = lines_by_number(order.lines)

    def match(index: int, po_line: PoLine) -> SalesOrderLine | None:
        if po_line.line_number is not None and po_line.line_number in by_number:
            return by_number[po_line.line_number]
        return order.lines[index] if index < len(order.lines) else None

    return match


def build_855(
    order: SalesOrder,
    po: PurchaseOrder,
    *,
    today: date,
    exceptions_only: bool = False,
    implementation_ref: str | None = None,
    sales_order_number: str | None = None,
    header_echo: bool = True,
    purpose: str = PURPOSE_ORIGINAL,
) -> SetContent:
    """The 855 body for ``order`` answering ``po``; envelope it with ``X12Writer``.

    ``purpose`` is BAK01: ``00`` for the first answer, ``05`` (replace) for one that
    supersedes it (a released backorder).

    ``sales_order_number`` is our order number (BAK08); ``header_echo`` sends
    the partner's header REF IA/DP/VR and N1 BY/ST back to it;
    ``implementation_ref`` is ST03 (005010 only).
    """
    if po.po_date is None:
        raise WriterError(f"BAK04 (purchase order date) is mandatory; order {po.po_number} has none")
    ack_type = order.ack_type
    if exceptions_only and ack_type is not AckType.REJECTED:
        ack_type = AckType.EXCEPTIONS_ONLY
    body: list[list[Element]] = [
        [
            "BAK",
            purpose,
            ack_type.value,
            po.po_number,
            d8(po.po_date),
            po.release_number or "",
            "",  # BAK06 request reference number
            "",  # BAK07 contract number
            sales_order_number or "",
            d8(today),
        ],
    ]
    if header_echo:
        for ref in po.references:
            if ref.qualifier in ECHOED_REFERENCES and ref.value:
                body.append(["REF", ref.qualifier, ref.value])
        for role, code in ECHOED_PARTIES:
            party = po.party(role)
            if party is not None:
                body.extend(party_segments(party, party.entity_code or code))

    quantities: list[Decimal] = []
    if ack_type is not AckType.REJECTED:
        match = _matcher(order)
        for index, po_line in enumerate(po.lines):
            so_line = match(index, po_line)
            if so_line is None:
                continue
            unit = po_line.unit or so_line.unit or "EA"
            ordered = po_line.quantity if po_line.quantity is not None else so_line.ordered_quantity
            acks = line_acks(so_line, unit)
            if exceptions_only and _unchanged(acks, ordered):
                continue
            price = so_line.unit_price if so_line.unit_price is not None else po_line.unit_price
            body.append(
                [
                    "PO1",
                    po_line.line_number or so_line.line_number or str(index + 1),
                    num(ordered),
                    unit,
                    num(price),
                    po_line.price_basis or "",
                    *product_ids(po_line, so_line.sku),
                ]
            )
            body.extend(acks)
            quantities.append(ordered)
    if quantities:
        ctt: list[Element] = ["CTT", str(len(quantities))]
        hashed = hash_total(quantities)
        if hashed is not None:
            ctt.append(hashed)
        body.append(ctt)
    return SetContent(set_id="855", body=body, implementation_ref=implementation_ref)
