"""860 purchase order change → canonical ``PurchaseOrderChange`` (4010 and 5010)."""

from __future__ import annotations

from gateway.domain.model import ChangeCode, ChangeLine, Party, PurchaseOrderChange
from parsers.x12 import values
from parsers.x12.mapping_common import (
    SetContext,
    add_party_detail,
    date_ref,
    el,
    header_segment,
    party,
    product_ids,
    purpose,
    reference,
    source_of,
)
from parsers.x12.structure import TransactionSet

CHANGES = {
    "AI": ChangeCode.ADD,
    "DI": ChangeCode.DELETE,
    "QD": ChangeCode.QUANTITY_DECREASE,
    "QI": ChangeCode.QUANTITY_INCREASE,
    "PC": ChangeCode.PRICE_CHANGE,
    "PQ": ChangeCode.PRICE_AND_QUANTITY,
    "RZ": ChangeCode.REPLACE_ITEM,
    "RA": ChangeCode.REPLACE_ITEM,
    "RS": ChangeCode.REPLACE_ITEM,
    "CT": ChangeCode.DATE_CHANGE,
    "DC": ChangeCode.DATE_CHANGE,
    "NC": ChangeCode.NO_CHANGE,
}


def read_860(ts: TransactionSet) -> tuple[PurchaseOrderChange | None, SetContext]:
    ctx = SetContext(ts)
    segs = ts.segments
    found = header_segment(ctx, "BCH")
    if found is None:
        return None, ctx
    bch, po_number = found
    change = PurchaseOrderChange(
        po_number=po_number,
        po_date=ctx.read(bch, 6, values.x12_date, fatal=True, reference="373"),
        purpose=purpose(bch),
        purpose_code=el(bch, 1) or None,
        order_type=el(bch, 2) or None,
        release_number=values.text(el(bch, 4)),
        change_request_date=ctx.read(bch, 11, values.x12_date) or ctx.read(bch, 10, values.x12_date),
        source=source_of(ts),
    )
    line: ChangeLine | None = None
    current: Party | None = None
    dec = values.decimal
    for pos, seg in enumerate(segs, start=1):
        tag = seg[0]
        ctx.position = pos
        if tag == "POC":
            current = None
            code = el(seg, 2)
            line = ChangeLine(
                line_number=el(seg, 1) or None,
                change=CHANGES.get(code, ChangeCode.CHANGE_OTHER),
                change_code=code,
                quantity_ordered=ctx.read(seg, 3, dec, fatal=True, reference="380"),
                quantity_change=ctx.read(seg, 4, dec, fatal=True, reference="380"),
                unit=el(seg, 5) or None,
                unit_price=ctx.read(seg, 6, dec, fatal=True, reference="212"),
                price_basis=el(seg, 7) or None,
                product_ids=product_ids(seg, 8, 26),
            )
            change.lines.append(line)
        elif tag == "PID":
            if line is not None:
                desc = values.text(el(seg, 5))
                if desc:
                    line.description = f"{line.description} {desc}" if line.description else desc
        elif current is not None and add_party_detail(ctx, current, seg):
            pass
        elif tag == "N1":
            current = party(seg)
            if line is None:
                change.parties.append(current)
        elif tag == "DTM":
            d = date_ref(ctx, seg)
            if d is not None:
                (change.dates if line is None else line.dates).append(d)
        elif tag == "REF":
            if current is None and line is None:
                change.references.append(reference(seg))
        elif tag == "CUR" and line is None:
            change.currency = el(seg, 2) or None
        elif tag == "MSG" or tag == "NTE":
            note = values.text(el(seg, 1) if tag == "MSG" else el(seg, 2) or el(seg, 1))
            if note and line is None:
                change.notes.append(note)
        elif tag == "CTT":
            line = None
            change.stated_line_count = ctx.read(seg, 1, values.integer)
    return change, ctx
