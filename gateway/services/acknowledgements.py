"""Reading the partner's 997/999/TA1 about what we sent, and recording what they say.

``read_acknowledgements(raw)`` (no I/O) turns every 997, 999 and TA1 in an
interchange file into ``AckItem``s:

- a 997/999 gives one item per AK2/IK2 (the set it answers: AK201 set id,
  AK202 ST02) with AK501/IK501 as its status and the AK3/AK4 (IK3/IK4) detail
  under it; a functional group answered with no AK2 (AK9 only) gives one
  item for the group (AK102 GS06) with AK901 as its status;
- a TA1 gives one item for the interchange it answers (TA101 ISA13).

``record_acknowledgements(uow, document_id, raw, at)`` matches each item to our
outbound document: a set by the partner, GS06 and ST02 (and set id), a group by
the partner and GS06, a TA1 by the partner and ISA13; stores one row per match
(an item naming something we never sent is stored with no outbound document:
unmatched, never dropped) and sets the outbound document's ``ack_status`` to the
partner's code (AK501/IK501, AK901 or TA104: ``A``, ``E``, ``P``, ``R``, ...).
Running it again for the same document records nothing twice.

Codes: AK501/IK501 ``A`` accepted, ``E`` accepted with errors, ``R``, ``M``,
``W``, ``X`` rejected; AK901/IK901 also ``P`` partially accepted; TA104 ``A``,
``E``, ``R`` likewise.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gateway.services.ports import UnitOfWork
from parsers.x12.reader import read_events
from parsers.x12.structure import InterchangeHeader, Segment, TransactionSet

ACK_SETS = ("997", "999")
SET_STATUS = {"A": "accepted", "E": "accepted_with_errors"}
GROUP_STATUS = {"A": "accepted", "E": "accepted_with_errors", "P": "partially_accepted"}


@dataclass(slots=True)
class AckItem:
    kind: str  # 997 999 TA1
    interchange_control: str  # ISA13 of the acknowledgement
    status: str
    code: str | None
    functional_id: str | None = None
    group_control: str | None = None
    set_id: str | None = None
    set_control: str | None = None
    acknowledged_interchange: str | None = None
    errors: dict[str, Any] = field(default_factory=dict)


def _el(seg: Segment, n: int) -> str:
    return seg[n].strip() if len(seg) > n else ""


def _set_status(code: str) -> str:
    return SET_STATUS.get(code, "rejected")


def _group_status(code: str) -> str:
    return GROUP_STATUS.get(code, "rejected")


def _functional(ts: TransactionSet) -> list[AckItem]:
    """The items of one 997 or 999."""
    header = ts.interchange
    ik = ts.set_id == "999"
    set_tag, seg_tag, el_tag, end_tag = ("IK2", "IK3", "IK4", "IK5") if ik else ("AK2", "AK3", "AK4", "AK5")
    functional_id = group_control = None
    items: list[AckItem] = []
    current: AckItem | None = None
    segment_error: dict[str, Any] | None = None
    group_code = ""
    group_errors: list[str] = []
    for seg in ts.segments:
        tag = seg[0]
        if tag == "AK1":
            functional_id, group_control = _el(seg, 1) or None, _el(seg, 2) or None
        elif tag in ("AK2", set_tag):
            current = AckItem(
                kind=ts.set_id,
                interchange_control=header.control,
                status="accepted",
                code=None,
                functional_id=functional_id,
                group_control=group_control,
                set_id=_el(seg, 1) or None,
                set_control=_el(seg, 2) or None,
                errors={"segments": [], "set": []},
            )
            items.append(current)
            segment_error = None
        elif tag in ("AK3", seg_tag) and current is not None:
            segment_error = {
                "segment": _el(seg, 1),
                "position": _el(seg, 2),
                "loop": _el(seg, 3),
                "code": _el(seg, 4),
                "elements": [],
            }
            current.errors["segments"].append(segment_error)
        elif tag in ("AK4", el_tag) and segment_error is not None:
            segment_error["elements"].append(
                {"position": _el(seg, 1), "reference": _el(seg, 2), "code": _el(seg, 3), "value": _el(seg, 4)}
            )
        elif tag in ("AK5", end_tag) and current is not None:
            current.code = _el(seg, 1) or None
            current.status = _set_status(current.code or "")
            current.errors["set"] = [c for c in (_el(seg, n) for n in range(2, 7)) if c]
            current = None
        elif tag == "AK9":
            group_code = _el(seg, 1)
            group_errors = [c for c in (_el(seg, n) for n in range(5, 10)) if c]
    for item in items:
        if item.code is None:  # no AK5: the group's verdict is the set's
            item.code = group_code or None
            item.status = _group_status(group_code)
        if group_errors:
            item.errors["group"] = group_errors
    if not items and group_control is not None:
        items.append(
            AckItem(
                kind=ts.set_id,
                interchange_control=header.control,
                status=_group_status(group_code),
                code=group_code or None,
                functional_id=functional_id,
                group_control=group_control,
                errors={"group": group_errors},
            )
        )
    return items


def _ta1(ts: TransactionSet) -> AckItem:
    (seg,) = ts.segments[:1]
    code = _el(seg, 4)
    return AckItem(
        kind="TA1",
        interchange_control=ts.interchange.control,
        status=_group_status(code) if code != "P" else "rejected",
        code=code or None,
        acknowledged_interchange=_el(seg, 1) or None,
        errors={"note": _el(seg, 5)} if _el(seg, 5) and _el(seg, 5) != "000" else {},
    )


def read_acknowledgements(raw: bytes) -> list[tuple[InterchangeHeader, AckItem]]:
    """Every acknowledgement item in ``raw``, with the interchange it came in."""
    found: list[tuple[InterchangeHeader, AckItem]] = []
    for event in read_events(io.BytesIO(raw)):
        if not isinstance(event, TransactionSet):
            continue
        if event.set_id in ACK_SETS:
            found.extend((event.interchange, item) for item in _functional(event))
        elif event.set_id == "TA1" and event.segments:
            found.append((event.interchange, _ta1(event)))
    return found


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _matches(uow: UnitOfWork, partner_id: str | None, item: AckItem) -> list[int]:
    if partner_id is None:
        return []
    if item.kind == "TA1":
        isa = _number(item.acknowledged_interchange)
        return uow.acknowledgements.match_interchange(partner_id, isa) if isa is not None else []
    gs, st = _number(item.group_control), _number(item.set_control)
    if gs is None:
        return []
    if item.set_control is None:
        return uow.acknowledgements.match_group(partner_id, gs)
    if st is None or item.set_id is None:
        return []
    found = uow.acknowledgements.match_set(partner_id, gs, st, item.set_id)
    return [found] if found is not None else []


def record_acknowledgements(uow: UnitOfWork, document_id: int, raw: bytes, at: datetime) -> list[int]:
    """Match and store the acknowledgements in an inbound document; the outbound ids they named."""
    if uow.acknowledgements.count_for_document(document_id):
        return []  # recorded by an earlier run of this step
    rows: list[dict[str, Any]] = []
    named: list[int] = []
    codes: dict[int, str] = {}
    partners: dict[tuple[str, str], str | None] = {}
    for header, item in read_acknowledgements(raw):
        key = (header.sender_qualifier, header.sender_id)
        if key not in partners:
            partner = uow.partners.find_by_x12(*key)
            partners[key] = partner.id if partner is not None else None
        partner_id = partners[key]
        matched: list[int | None] = list(_matches(uow, partner_id, item)) or [None]
        for outbound_id in matched:
            rows.append(
                {
                    "document_id": document_id,
                    "position": len(rows),
                    "partner_id": partner_id,
                    "kind": item.kind,
                    "interchange_control": item.interchange_control,
                    "acknowledged_interchange": item.acknowledged_interchange,
                    "functional_id": item.functional_id,
                    "group_control": item.group_control,
                    "set_id": item.set_id,
                    "set_control": item.set_control,
                    "status": item.status,
                    "code": item.code,
                    "errors": item.errors,
                    "outbound_document_id": outbound_id,
                    "received_at": at,
                }
            )
            if outbound_id is not None:
                named.append(outbound_id)
                codes[outbound_id] = item.code or item.status[:1].upper()
    uow.acknowledgements.add_many(rows)
    for outbound_id, code in codes.items():
        uow.outbound.set_ack_status(outbound_id, code)
    unmatched = sum(1 for r in rows if r["outbound_document_id"] is None)
    uow.audit.record(
        "system",
        "document",
        document_id,
        "acknowledgements_recorded",
        {"items": len(rows), "matched": sorted(set(named)), "unmatched": unmatched},
    )
    return named
