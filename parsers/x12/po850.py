"""850 purchase order → canonical ``PurchaseOrder`` (4010 and 5010)."""

from __future__ import annotations

from decimal import Decimal

from gateway.domain.model import DateRef, Fob, Party, PoLine, ProductId, PurchaseOrder, new_po_line
from parsers.x12 import values
from parsers.x12.mapping_common import (
    SetContext,
    add_party_detail,
    charge,
    contact,
    date_ref,
    el,
    header_segment,
    party,
    purpose,
    reference,
    source_of,
    terms,
)
from parsers.x12.structure import TransactionSet

# quantities and pack sizes are mostly small whole numbers: their Decimals, made once (Decimal is immutable);
# "0" maps to a false Decimal, so a miss and "0" both fall back to Decimal(text), which gives the same value
_SMALL = {str(i): Decimal(i) for i in range(1000)}

# DTM01 qualifiers that fill the header's named dates
REQUESTED_DELIVERY = ("002", "074", "017", "064")
REQUESTED_SHIP = ("010", "037", "038", "118")
CANCEL_AFTER = ("001", "063")


# what the loop does with a segment other than PO1, PID and PO4 (absent: nothing)
_DETAIL, _PER, _N1, _DTM, _REF, _SAC, _NOTE, _CTT, _AMT, _CUR, _ITD, _FOB = range(12)
_KINDS = {
    "N2": _DETAIL, "N3": _DETAIL, "N4": _DETAIL, "PER": _PER, "N1": _N1, "DTM": _DTM, "REF": _REF,
    "SAC": _SAC, "MSG": _NOTE, "NTE": _NOTE, "CTT": _CTT, "AMT": _AMT, "CUR": _CUR, "ITD": _ITD, "FOB": _FOB,
}  # fmt: skip


def _apply_dates(po: PurchaseOrder, d: DateRef) -> None:
    q = d.qualifier
    if q in REQUESTED_DELIVERY and po.requested_delivery_date is None:
        po.requested_delivery_date = d.value
    elif q in REQUESTED_SHIP and po.requested_ship_date is None:
        po.requested_ship_date = d.value
    elif q in CANCEL_AFTER and po.cancel_after_date is None:
        po.cancel_after_date = d.value


def read_850(ts: TransactionSet) -> tuple[PurchaseOrder | None, SetContext]:
    """Map an 850; returns ``None`` (with fatal diagnostics) when it cannot be a purchase order."""
    ctx = SetContext(ts)
    segs = ts.segments
    found = header_segment(ctx, "BEG")
    if found is None:
        return None, ctx
    beg, po_number = found
    po = PurchaseOrder(
        po_number=po_number,
        po_date=ctx.read(beg, 5, values.x12_date, fatal=True, reference="373"),
        purpose=purpose(beg),
        purpose_code=el(beg, 1) or None,
        order_type=el(beg, 2) or None,
        release_number=values.text(el(beg, 4)),
        source=source_of(ts),
    )
    line: PoLine | None = None
    current: Party | None = None  # the N1 loop being read (header or line)
    in_summary = False
    lines = po.lines
    read = ctx.read
    dec = values.decimal
    text = values.text
    for pos, seg in enumerate(segs, start=1):
        tag = seg[0]
        if tag == "PO1":
            current = None
            n = len(seg)
            if n > 5:
                number, qty, unit, price, basis = seg[1], seg[2], seg[3], seg[4], seg[5]
            else:
                number, qty, unit, price, basis = [*seg, "", "", "", "", ""][1:6]
            # plain unsigned numbers are read here; anything else goes through the reader (and its diagnostic)
            if qty:
                if qty.isdigit() and qty.isascii():
                    qty = _SMALL.get(qty) or Decimal(qty)
                else:
                    ctx.position = pos
                    qty = read(seg, 2, dec, fatal=True, reference="330")
            else:
                qty = None
            if price:
                if price.replace(".", "", 1).isdigit() and price.isascii():
                    price = Decimal(price)
                else:
                    ctx.position = pos
                    price = read(seg, 4, dec, fatal=True, reference="212")
            else:
                price = None
            # product_ids(seg, 6, 24), inline: (PO106, PO107), (PO108, PO109), ... up to (PO124, PO125);
            # values.text of an ASCII value is the value stripped (or None when it is all blanks)
            ids: list[ProductId] = []
            if n == 12:  # the usual PO1: three ids
                q, v, q2, v2, q3, v3 = seg[6:]
                if q and v:
                    ids.append(ProductId(q, (v.strip() or v) if v.isascii() else (text(v) or v)))
                if q2 and v2:
                    ids.append(ProductId(q2, (v2.strip() or v2) if v2.isascii() else (text(v2) or v2)))
                if q3 and v3:
                    ids.append(ProductId(q3, (v3.strip() or v3) if v3.isascii() else (text(v3) or v3)))
            else:
                for i in range(6, 25 if n > 25 else n - 1, 2):
                    q = seg[i]
                    if q:
                        v = seg[i + 1]
                        if v:
                            ids.append(ProductId(q, (v.strip() or v) if v.isascii() else (text(v) or v)))
            line = new_po_line(number or None, qty, unit or None, price, basis or None, ids)
            lines.append(line)
        elif tag == "PID":
            if line is not None:
                desc = seg[5] if len(seg) > 5 else ""
                if desc:
                    desc = (desc.strip() or None) if desc.isascii() else text(desc)
                    if desc:
                        line.description = f"{line.description} {desc}" if line.description else desc
        elif tag == "PO4":
            if line is not None:
                n = len(seg)
                v = seg[1] if n > 1 else ""
                line.pack = (
                    (_SMALL.get(v) or Decimal(v))
                    if v.isdigit() and v.isascii()
                    else _decimal(seg, 1, ctx, pos)
                    if v
                    else None
                )
                v = seg[2] if n > 2 else ""
                line.pack_size = (
                    (_SMALL.get(v) or Decimal(v))
                    if v.isdigit() and v.isascii()
                    else _decimal(seg, 2, ctx, pos)
                    if v
                    else None
                )
                line.pack_unit = (seg[3] if n > 3 else "") or None
                line.inner_pack = _decimal(seg, 14, ctx, pos) if n > 14 else None
        else:
            kind = _KINDS.get(tag)
            if kind is None:
                continue  # BEG (read above), ST, SE and segments the canonical model does not hold
            if kind <= _PER:  # N2, N3, N4, PER: detail of the party being read, if any
                if current is not None:
                    add_party_detail(ctx, current, seg)
                elif kind == _PER and line is None:
                    po.contacts.append(contact(seg))
            elif kind == _N1:
                current = party(seg)
                if line is None:
                    po.parties.append(current)
                else:
                    line.ship_to = current
            elif kind == _DTM:
                ctx.position = pos
                d = date_ref(ctx, seg)
                if d is None:
                    continue
                if line is None:
                    po.dates.append(d)
                    _apply_dates(po, d)
                else:
                    line.dates.append(d)
            elif kind == _REF:
                if current is not None:
                    continue  # references of a party are not part of the canonical model
                (po.references if line is None else line.references).append(reference(seg))
            elif kind == _SAC:
                ctx.position = pos
                (po.charges if line is None else line.charges).append(charge(ctx, seg))
            elif kind == _NOTE:
                note = values.text(el(seg, 1) if tag == "MSG" else el(seg, 2) or el(seg, 1))
                if note:
                    (po.notes if line is None else line.notes).append(note)
            elif kind == _CTT:
                ctx.position = pos
                in_summary = True
                line = None
                po.stated_line_count = read(seg, 1, values.integer)
            elif kind == _AMT:
                if in_summary and el(seg, 1) in ("TT", "GV", "1"):
                    ctx.position = pos
                    po.stated_total = read(seg, 2, dec)
            elif line is None:
                if kind == _CUR:
                    po.currency = el(seg, 2) or None
                elif kind == _ITD:
                    ctx.position = pos
                    po.payment_terms.append(terms(ctx, seg))
                else:  # FOB
                    po.fob = Fob(
                        payment_method=el(seg, 1) or None,
                        location_qualifier=el(seg, 2) or None,
                        description=values.text(el(seg, 3)),
                    )
    ctx.position = len(segs)
    return po, ctx


def _decimal(seg: list[str], index: int, ctx: SetContext, position: int) -> Decimal | None:
    """``ctx.read(seg, index, values.decimal)`` at ``position``, plain unsigned numbers read directly."""
    if index >= len(seg):
        return None
    v = seg[index]
    if not v:
        return None
    if v.replace(".", "", 1).isdigit() and v.isascii():
        return Decimal(v)
    ctx.position = position
    return ctx.read(seg, index, values.decimal)
