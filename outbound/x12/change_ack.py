"""865 purchase order change acknowledgement from a change result (004010 and 005010).

The body, the same in both versions (only the envelope and ST03 differ)::

    BCA*00*<587>*<PO number>*<release>**<PO date>***<our order number>*<today>*<change date>
    POC*<line>*<670 as requested>*<quantity>**<unit>*<price>*<basis>*<ids>
    ACK*<668>*<quantity>*<unit>[*068*<promised ship date>]     one or more per line
    CTT*<number of POC>

BCA02 (587) and the ACK codes (668) come from ``gateway.domain.changes``:
``AD`` every change taken as asked, ``AC`` some taken with changes or some
refused, ``RD`` every one refused, ``AK`` nothing to detail.  Each POC
answers one requested line (each line of the order for a whole-order
cancellation, with POC02 ``DI``) and states the line as it now stands: its
ordered quantity, our price, the product ids the buyer used for it.

The ACK loop is the last thing in the POC loop (position 270 in 004010, after
PID, REF and DTM), so nothing else is written in the loop: the reasons for a
refusal stay in our ledger rather than in a REF that would have to precede
the ACK.
"""

from __future__ import annotations

from datetime import date

from gateway.domain.changes import ChangeLineResult, ChangeResult
from gateway.domain.model import PoLine, PurchaseOrder, PurchaseOrderChange
from outbound.x12.errors import WriterError
from outbound.x12.segments_common import (
    ack_segment,
    d8,
    ids_as_sent,
    num,
    one_set_interchange,
    require_st03_version,
)
from outbound.x12.writer import DEFAULT_SEPARATORS, Element, Party, SetContent, WrittenInterchange, X12Writer
from parsers.x12.structure import Separators

CHANGE_ACK_GROUP = "CA"  # GS01 479 for the 865
PURPOSE_ORIGINAL = "00"  # BCA01 353


def _ids(r: ChangeLineResult, po_line: PoLine | None) -> list[Element]:
    """The ids the buyer used: on the change line, else on its 850 line; our SKU when it sent none."""
    sent = (r.request.product_ids if r.request is not None else []) or (
        po_line.product_ids if po_line else []
    )
    return ids_as_sent(sent, r.line.sku if r.line is not None else None)


def _poc(r: ChangeLineResult, po_line: PoLine | None, index: int) -> list[list[Element]]:
    line, req = r.line, r.request
    if line is not None:
        quantity, unit, price = line.ordered_quantity, line.unit, line.unit_price
    elif req is not None:
        quantity, unit, price = req.quantity_ordered, req.unit, req.unit_price
    else:  # pragma: no cover - every result has a line or a request
        raise WriterError(f"line {r.line_number} has nothing to answer")
    unit = unit or (req.unit if req is not None else None) or "EA"
    basis = (req.price_basis if req is not None else None) or (po_line.price_basis if po_line else None)
    segs: list[list[Element]] = [
        [
            "POC",
            r.line_number or str(index + 1),
            r.change_code or "CA",
            num(quantity),
            "",
            unit,
            num(price),
            (basis or "") if price is not None else "",
            *_ids(r, po_line),
        ]
    ]
    segs.extend(ack_segment(ack.code.value, ack.quantity, unit, ack.promised) for ack in r.acks)
    return segs


def build_865(
    result: ChangeResult,
    change: PurchaseOrderChange,
    *,
    today: date,
    po: PurchaseOrder | None = None,
    sales_order_number: str | None = None,
    implementation_ref: str | None = None,
) -> SetContent:
    """The 865 body answering ``change`` with ``result``; ``po`` is the original order (for its ids)."""
    po_date = change.po_date or (po.po_date if po else None) or result.order.order_date
    if po_date is None:
        raise WriterError(f"BCA06 (purchase order date) is mandatory; order {change.po_number} has none")
    body: list[list[Element]] = [
        [
            "BCA",
            PURPOSE_ORIGINAL,
            result.ack_type.value,
            change.po_number,
            change.release_number or "",
            "",  # BCA05 change order sequence number
            d8(po_date),
            "",  # BCA07 request reference number
            "",  # BCA08 contract number
            sales_order_number or "",
            d8(today),
            d8(change.change_request_date),
        ]
    ]
    by_number = {ln.line_number: ln for ln in po.lines} if po is not None else {}
    for index, r in enumerate(result.lines):
        body.extend(_poc(r, by_number.get(r.line_number), index))
    if result.lines:
        body.append(["CTT", str(len(result.lines))])
    return SetContent(set_id="865", body=body, implementation_ref=implementation_ref)


def envelope_865(
    writer: X12Writer,
    result: ChangeResult,
    change: PurchaseOrderChange,
    *,
    ours: Party,
    theirs: Party,
    our_gs: str,
    their_gs: str,
    version: str,
    today: date,
    po: PurchaseOrder | None = None,
    separators: Separators = DEFAULT_SEPARATORS,
    usage: str = "P",
    sales_order_number: str | None = None,
    implementation_ref: str | None = None,
    ack_requested: bool = False,
) -> WrittenInterchange:
    """The 865 as one interchange holding one CA group from ``ours`` to ``theirs`` (GS08 ``version``)."""
    require_st03_version(version, implementation_ref)
    content = build_865(
        result,
        change,
        today=today,
        po=po,
        sales_order_number=sales_order_number,
        implementation_ref=implementation_ref,
    )
    return one_set_interchange(
        writer,
        CHANGE_ACK_GROUP,
        content,
        ours=ours,
        theirs=theirs,
        our_gs=our_gs,
        their_gs=their_gs,
        version=version,
        separators=separators,
        usage=usage,
        ack_requested=ack_requested,
    )
