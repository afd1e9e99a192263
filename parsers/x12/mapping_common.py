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
    head = next((s for s in segs[1:3] if s[0] == tag), None) or next((s for s in segs if s[0] == tag), None)
    set_id = ctx.ts.set_id
    if head is None:
        ctx.fail(f"x12.{set_id}.no_{tag.lower()}", f"the {set_id} has no {tag} segment", segment_id=tag)
        return None
    ctx.position = segs.index(head) + 1
    po_number = values.text(el(head, 3))
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
    return Source(
        format="x12",
        sender_id=ic.sender_id,
        sender_qualifier=ic.sender_qualifier,
        receiver_id=ic.receiver_id,
        receiver_qualifier=ic.receiver_qualifier,
        interchange_control=ic.control,
        group_control=g.control if g else None,
        set_control=ts.control,
        version=g.version if g else None,
        test=ic.is_test,
        functional_sender=g.sender if g else None,
        functional_receiver=g.receiver if g else None,
    )


def reference(seg: Segment) -> Reference:
    if len(seg) < 4:
        seg = [*seg, "", "", ""]
    return Reference(seg[1], values.text(seg[2]) or "", values.text(seg[3]))


def contact(seg: Segment) -> Contact:
    if len(seg) < 9:
        seg = seg + [""] * (9 - len(seg))
    c = Contact(function=seg[1] or None, name=values.text(seg[2]))
    for q, v in ((seg[3], seg[4]), (seg[5], seg[6]), (seg[7], seg[8])):
        attr = COMM.get(q)
        if attr and v and getattr(c, attr) is None:
            setattr(c, attr, values.text(v))
    return c


def party(seg: Segment) -> Party:
    if len(seg) < 5:
        seg = [*seg, "", "", "", ""]
    code = seg[1]
    return Party(
        role=ROLES.get(code, code.lower() or "party"),
        name=values.text(seg[2]),
        id_qualifier=seg[3] or None,
        id=values.text(seg[4]),
        entity_code=code or None,
    )


def add_party_detail(ctx: SetContext, p: Party, seg: Segment) -> bool:
    """Apply an N2/N3/N4/PER to the current party; False when ``seg`` is none of those."""
    tag = seg[0]
    if (tag == "N2" or tag == "N3" or tag == "N4") and len(seg) < 5:
        seg = [*seg, "", "", "", ""]
    if tag == "N2":
        extra = [t for t in (values.text(seg[1]), values.text(seg[2])) if t]
        p.name = " ".join([p.name, *extra]) if p.name else " ".join(extra) or None
    elif tag == "N3":
        p.address_lines.extend(t for t in (values.text(seg[1]), values.text(seg[2])) if t)
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
    d: date | None = ctx.read(seg, 2, values.x12_date, fatal=fatal, reference="373")
    if d is None:
        return None
    return DateRef(seg[1], d, (seg[3] if len(seg) > 3 else "") or None)


def terms(ctx: SetContext, seg: Segment) -> PaymentTerms:
    return PaymentTerms(
        type_code=el(seg, 1) or None,
        basis_date_code=el(seg, 2) or None,
        discount_percent=ctx.read(seg, 3, values.decimal),
        discount_days=ctx.read(seg, 5, values.integer),
        net_days=ctx.read(seg, 7, values.integer),
        description=values.text(el(seg, 12)),
    )


def charge(ctx: SetContext, seg: Segment) -> Charge:
    amount: Decimal | None = ctx.read(seg, 5, lambda v: values.implied(v, 2))
    return Charge(
        indicator=el(seg, 1),
        code=el(seg, 2) or None,
        amount=amount,
        percent=ctx.read(seg, 7, values.decimal),
        description=values.text(el(seg, 15)),
    )


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
