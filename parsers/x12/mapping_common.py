"""Pieces shared by the 850 and 860 readers: parties, references, dates, notes.

A ``SetContext`` walks a transaction set's segments and records located
diagnostics when a value cannot be read; the mappers stay declarative.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar

from gateway.domain.diagnostics import AckCodes, Diagnostic, Level, Location, Severity
from gateway.domain.model import (
    Charge,
    Contact,
    DateRef,
    Party,
    PaymentTerms,
    ProductId,
    Purpose,
    Reference,
    Source,
)
from parsers.x12 import values
from parsers.x12.structure import Segment, TransactionSet

T = TypeVar("T")

PURPOSES = {
    "00": Purpose.ORIGINAL,
    "01": Purpose.CANCEL,
    "04": Purpose.CHANGE,
    "05": Purpose.REPLACE,
    "06": Purpose.CONFIRMATION,
    "07": Purpose.DUPLICATE,
}

ROLES = {
    "BY": "buyer",
    "ST": "ship_to",
    "BT": "bill_to",
    "SE": "seller",
    "SU": "seller",
    "VN": "seller",
    "SF": "ship_from",
    "RI": "remit_to",
    "OB": "ordered_by",
    "Z7": "mark_for",
    "BS": "bill_and_ship_to",
}

COMM = {"TE": "phone", "EM": "email", "FX": "fax"}


@dataclass(slots=True)
class SetContext:
    ts: TransactionSet
    diagnostics: list[Diagnostic] = field(default_factory=list)
    position: int = 0  # the current segment's position from ST = 1

    def read(
        self,
        seg: Segment,
        index: int,
        reader: Callable[[str], T],
        *,
        fatal: bool = False,
        reference: str | None = None,
    ) -> T | None:
        """Read element ``index`` of ``seg`` with ``reader``; a bad value becomes a diagnostic."""
        if index >= len(seg):
            return None
        raw = seg[index]
        try:
            return reader(raw)
        except ValueError as exc:
            self.diagnostics.append(
                Diagnostic(
                    code="x12.element.unreadable",
                    message=f"{seg[0]}{index:02d}: {exc}",
                    severity=Severity.FATAL if fatal else Severity.ERROR,
                    level=Level.ELEMENT,
                    location=Location(
                        interchange=self.ts.interchange.control,
                        group=self.ts.group.control if self.ts.group else None,
                        set_control=self.ts.control,
                        set_id=self.ts.set_id,
                        segment_id=seg[0],
                        segment_position=self.position,
                        element_position=index,
                        element_reference=reference,
                    ),
                    ack=AckCodes(segment="8", element="8" if reader is values.x12_date else "6"),
                    bad_value=raw[:35],
                )
            )
            return None

    def fail(self, code: str, message: str, *, segment_id: str | None = None) -> None:
        self.diagnostics.append(
            Diagnostic(
                code=code,
                message=message,
                severity=Severity.FATAL,
                level=Level.SET,
                location=Location(
                    interchange=self.ts.interchange.control,
                    group=self.ts.group.control if self.ts.group else None,
                    set_control=self.ts.control,
                    set_id=self.ts.set_id,
                    segment_id=segment_id,
                ),
                ack=AckCodes(segment="3", set="5"),
            )
        )


def header_segment(ctx: SetContext, tag: str) -> tuple[Segment, str] | None:
    """The header segment (BEG, BCH) and its PO number; a fatal diagnostic when either is missing."""
    segs = ctx.ts.segments
    # where it belongs (right after ST, or one later), else the first one anywhere
    at = 1 if len(segs) > 1 and segs[1][0] == tag else 2 if len(segs) > 2 and segs[2][0] == tag else None
    if at is None:
        at = next((i for i, s in enumerate(segs) if s[0] == tag), None)
    set_id = ctx.ts.set_id
    if at is None:
        ctx.fail(f"x12.{set_id}.no_{tag.lower()}", f"the {set_id} has no {tag} segment", segment_id=tag)
        return None
    head = segs[at]
    ctx.position = at + 1
    po_number = values.text(head[3] if len(head) > 3 else "")
    if not po_number:
        ctx.fail(f"x12.{set_id}.no_po_number", f"{tag}03 (purchase order number) is empty", segment_id=tag)
        return None
    return head, po_number


def purpose(head: Segment) -> Purpose:
    return PURPOSES.get(el(head, 1), Purpose.OTHER)


def el(seg: Segment, index: int) -> str:
    return seg[index] if index < len(seg) else ""


def source_of(ts: TransactionSet) -> Source:
    ic = ts.interchange
    g = ts.group
    # positional (one per set): format, partner, channel, document_id, sender_id, sender_qualifier,
    # receiver_id, receiver_qualifier, interchange_control, group_control, set_control, version, test,
    # functional_sender, functional_receiver
    if g is None:
        return Source(
            "x12", None, None, None, ic.sender_id, ic.sender_qualifier, ic.receiver_id, ic.receiver_qualifier,
            ic.control, None, ts.control, None, ic.usage == "T", None, None,
        )  # fmt: skip
    return Source(
        "x12", None, None, None, ic.sender_id, ic.sender_qualifier, ic.receiver_id, ic.receiver_qualifier,
        ic.control, g.control, ts.control, g.version, ic.usage == "T", g.sender, g.receiver,
    )  # fmt: skip


def reference(seg: Segment) -> Reference:
    if len(seg) < 4:
        seg = [*seg, "", "", ""]
    return Reference(seg[1], values.text(seg[2]) or "", values.text(seg[3]))


def contact(seg: Segment) -> Contact:
    if len(seg) < 9:
        seg = seg + [""] * (9 - len(seg))
    text = values.text
    # the first of each kind (COMM) that reads as text
    phone = email = fax = None
    for i in (3, 5, 7):
        v = seg[i + 1]
        if v:
            q = seg[i]
            if q == "TE":
                if phone is None:
                    phone = text(v)
            elif q == "EM":
                if email is None:
                    email = text(v)
            elif q == "FX" and fax is None:
                fax = text(v)
    return Contact(seg[1] or None, text(seg[2]), phone, email, fax)


def party(seg: Segment) -> Party:
    if len(seg) < 5:
        seg = [*seg, "", "", "", ""]
    code = seg[1]
    role = ROLES.get(code) or code.lower() or "party"
    # positional: role, name, id, id_qualifier; entity_code by name
    return Party(role, values.text(seg[2]), values.text(seg[4]), seg[3] or None, entity_code=code or None)


def add_party_detail(ctx: SetContext, p: Party, seg: Segment) -> bool:
    """Apply an N2/N3/N4/PER to the current party; False when ``seg`` is none of those."""
    tag = seg[0]
    if (tag == "N2" or tag == "N3" or tag == "N4") and len(seg) < 5:
        seg = [*seg, "", "", "", ""]
    if tag == "N2":
        extra = [t for t in (values.text(seg[1]), values.text(seg[2])) if t]
        p.name = " ".join([p.name, *extra]) if p.name else " ".join(extra) or None
    elif tag == "N3":
        line1 = values.text(seg[1])
        line2 = values.text(seg[2])
        if line1:
            p.address_lines.append(line1)
        if line2:
            p.address_lines.append(line2)
    elif tag == "N4":
        p.city = values.text(seg[1])
        p.state = seg[2] or None
        p.postal_code = values.text(seg[3])
        p.country = seg[4] or None
    elif tag == "PER":
        p.contacts.append(contact(seg))
    else:
        return False
    return True


def date_ref(ctx: SetContext, seg: Segment, *, fatal: bool = False) -> DateRef | None:
    v = seg[2] if len(seg) > 2 else ""
    d: date | None = None
    if len(v) == 8 and v.isdigit() and v.isascii():
        # CCYYMMDD read here; a date that does not exist goes through the reader (and its diagnostic)
        try:
            d = date(int(v[:4]), int(v[4:6]), int(v[6:]))
        except ValueError:  # not a calendar date
            d = None
    if d is None:
        d = ctx.read(seg, 2, values.x12_date, fatal=fatal, reference="373")
    if d is None:
        return None
    return DateRef(seg[1], d, (seg[3] if len(seg) > 3 else "") or None)


def terms(ctx: SetContext, seg: Segment) -> PaymentTerms:
    n = len(seg)
    # plain unsigned numbers are read here; anything else goes through the reader (and its diagnostic)
    v = seg[3] if n > 3 else ""
    plain = v.replace(".", "", 1).isdigit() and v.isascii()
    percent = Decimal(v) if plain else ctx.read(seg, 3, values.decimal)
    v = seg[5] if n > 5 else ""
    days = int(v) if v.isdigit() and v.isascii() else ctx.read(seg, 5, values.integer)
    v = seg[7] if n > 7 else ""
    net = int(v) if v.isdigit() and v.isascii() else ctx.read(seg, 7, values.integer)
    return PaymentTerms(
        (seg[1] if n > 1 else "") or None,
        (seg[2] if n > 2 else "") or None,
        percent,
        days,
        net,
        values.text(seg[12] if n > 12 else ""),
    )


def _hundredths(value: str) -> Decimal | None:
    """SAC05: an N2 amount (two implied decimal places)."""
    return values.implied(value, 2)


def charge(ctx: SetContext, seg: Segment) -> Charge:
    if len(seg) < 16:
        seg = seg + [""] * (16 - len(seg))
    # an empty element reads as None: the readers are called only for a value
    amount: Decimal | None = ctx.read(seg, 5, _hundredths) if seg[5] else None
    percent = ctx.read(seg, 7, values.decimal) if seg[7] else None
    return Charge(seg[1], seg[2] or None, amount, percent, values.text(seg[15]))


def product_ids(seg: Segment, first: int, last: int) -> list[ProductId]:
    out: list[ProductId] = []
    # (seg[i], seg[i + 1]) for i = first, first + 2, ... <= last; a qualifier without its value is skipped
    for i in range(first, min(last + 1, len(seg) - 1), 2):
        q = seg[i]
        if q:
            v = seg[i + 1]
            if v:
                # values.text of an ASCII value is the value stripped (or None when it is all blanks)
                out.append(ProductId(q, (v.strip() or v) if v.isascii() else (values.text(v) or v)))
    return out
