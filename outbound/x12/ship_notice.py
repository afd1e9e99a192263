"""856 ship notice/manifest from a recorded shipment (004010 and 005010).

One flat HL loop carries a tree by its parent pointers (HL02); HL04 says
whether a level has children.  The hierarchies (BSN05, element 1005):

    SOPI   0001  S shipment ─ O order ─ P pack (carton) ─ I item
    SOTPI  0001  S shipment ─ O order ─ T tare (pallet) ─ P pack ─ I item
    SOI    0004  S shipment ─ O order ─ I item

(1005 0001 is "Shipment, Order, Packaging, Item": a tare is a packaging level.)

    BSN*00*<shipment id>*<date>*<time>*<1005>
    HL S   TD1*CTN25*<cartons>****G*<weight>*LB  TD5**2*<SCAC>*<method>*<carrier>
           REF*BM*<bill of lading>  REF*CN*<tracking>  DTM*011*<ship date>  N1 SF / N1 ST
    HL O   PRF*<PO number>***<PO date>
    HL T   MAN*GM*<pallet SSCC>
    HL P   MAN*GM*<carton SSCC>
    HL I   LIN*<PO line>*<the partner's ids as sent>  SN1*<PO line>*<qty>*<unit>[*<to date>]*<ordered>*<unit>
    CTT*<number of HL segments>[*<hash total of SN102>]

SN104 (quantity shipped to date) is written under SOI only, where one item
level carries the whole of a line; under a pack level a line split across
cartons has several item levels and no one of them is "to date".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from gateway.domain.catalog import Warehouse
from gateway.domain.model import PurchaseOrder
from gateway.domain.orders import SalesOrder
from gateway.domain.shipping import Shipment
from outbound.x12.errors import WriterError
from outbound.x12.segments_common import (
    d8,
    hash_total,
    lines_by_number,
    num,
    one_set_interchange,
    party_segments,
    product_ids,
    warehouse_party,
)
from outbound.x12.writer import DEFAULT_SEPARATORS, Element, Party, SetContent, WrittenInterchange, X12Writer
from parsers.x12.structure import Separators

SHIP_NOTICE_GROUP = "SH"  # GS01 479 for the 856
HIERARCHIES = {"SOPI": "0001", "SOTPI": "0001", "SOI": "0004"}
CARTON_PACKAGING = "CTN25"  # TD101 103: carton (CTN), corrugated (25)
SCAC_QUALIFIER = "2"  # TD502 66: Standard Carrier Alpha Code
SSCC_MARKS = "GM"  # MAN01 88: SSCC-18 and application identifier


@dataclass(frozen=True, slots=True)
class Level:
    """One HL: id, parent id (None for the shipment), level code and whether it has children."""

    id: int
    parent: int | None
    code: str
    has_children: bool


class _Tree:
    def __init__(self) -> None:
        self.levels: list[Level] = []
        self.segments: list[list[Element]] = []
        self._open: list[tuple[int, int]] = []  # (index in segments of the HL, level id)

    def add(self, parent: int | None, code: str, body: list[list[Element]]) -> int:
        new_id = len(self.levels) + 1
        self.levels.append(Level(new_id, parent, code, False))
        self._open.append((len(self.segments), new_id))
        self.segments.append(["HL", str(new_id), "" if parent is None else str(parent), code, "0"])
        self.segments.extend(body)
        return new_id

    def finish(self) -> None:
        parents = {lv.parent for lv in self.levels if lv.parent is not None}
        for (index, level_id), level in zip(self._open, self.levels, strict=True):
            child = level_id in parents
            self.levels[level_id - 1] = Level(level.id, level.parent, level.code, child)
            self.segments[index][4] = "1" if child else "0"


def build_856(
    shipment: Shipment,
    order: SalesOrder,
    po: PurchaseOrder,
    *,
    ship_from: Warehouse,
    hierarchy: str = "SOPI",
    hash_totals: bool = False,
    written_at: datetime,
    implementation_ref: str | None = None,
) -> SetContent:
    """The 856 body for ``shipment`` of ``order`` (the order as it stands after the shipment)."""
    if hierarchy not in HIERARCHIES:
        raise WriterError(f"856 hierarchy must be one of {', '.join(HIERARCHIES)}, not {hierarchy!r}")
    packed = hierarchy != "SOI"
    for carton in shipment.cartons if packed else ():
        if not carton.sscc:
            raise WriterError(f"shipment {shipment.shipment_id}: a carton has no SSCC for its MAN*GM")
    if hierarchy == "SOTPI" and any(not p.sscc for p in shipment.pallets):
        raise WriterError(f"shipment {shipment.shipment_id}: a pallet has no SSCC for its MAN*GM")
    po_lines = lines_by_number(po.lines)
    so_lines = lines_by_number(order.lines)
    tree = _Tree()

    td1: list[Element] = ["TD1", CARTON_PACKAGING, str(len(shipment.cartons))]
    weight = shipment.gross_weight
    if weight > 0:
        td1.extend(("", "", "", "G", num(weight), "LB"))
    s_body: list[list[Element]] = [td1]
    if shipment.carrier_scac or shipment.carrier_name:
        s_body.append(
            [
                "TD5",
                "",
                SCAC_QUALIFIER if shipment.carrier_scac else "",
                shipment.carrier_scac or "",
                shipment.transport_method,
                shipment.carrier_name or "",
            ]
        )
    if shipment.bill_of_lading:
        s_body.append(["REF", "BM", shipment.bill_of_lading])
    if shipment.tracking_number:
        s_body.append(["REF", "CN", shipment.tracking_number])
    s_body.append(["DTM", "011", d8(shipment.ship_date)])
    s_body.extend(party_segments(warehouse_party(ship_from), "SF"))
    ship_to = po.party("ship_to")
    if ship_to is not None:
        s_body.extend(party_segments(ship_to, "ST"))
    shipment_hl = tree.add(None, "S", s_body)
    order_hl = tree.add(shipment_hl, "O", [["PRF", po.po_number, "", "", d8(po.po_date)]])

    shipped: list[Decimal] = []

    def item(parent: int, line_number: str, quantity: Decimal, to_date: bool) -> None:
        so_line = so_lines.get(line_number)
        po_line = po_lines.get(line_number)
        unit = (po_line.unit if po_line else None) or (so_line.unit if so_line else None) or "EA"
        ordered = so_line.ordered_quantity if so_line else None
        sn1: list[Element] = ["SN1", line_number, num(quantity), unit]
        sn1.append(num(so_line.shipped_quantity) if to_date and so_line else "")
        if ordered is not None:
            sn1.extend((num(ordered), unit))
        lin: list[Element] = ["LIN", line_number, *product_ids(po_line, so_line.sku if so_line else None)]
        if len(lin) < 4:
            raise WriterError(f"line {line_number}: LIN needs a product id and none is known")
        tree.add(parent, "I", [lin, sn1])
        shipped.append(quantity)

    if not packed:
        for line_number, quantity in shipment.line_quantities().items():
            item(order_hl, line_number, quantity, True)
    else:
        pallet_hls: dict[int, int] = {}
        if hierarchy == "SOTPI":
            for index, pallet in enumerate(shipment.pallets):
                pallet_hls[index] = tree.add(order_hl, "T", [["MAN", SSCC_MARKS, pallet.sscc or ""]])
        for carton in shipment.cartons:
            parent = pallet_hls.get(carton.pallet, order_hl) if carton.pallet is not None else order_hl
            pack_hl = tree.add(parent, "P", [["MAN", SSCC_MARKS, carton.sscc or ""]])
            for cl in carton.lines:
                item(pack_hl, cl.line_number, cl.quantity, False)
    tree.finish()
    body: list[list[Element]] = [
        [
            "BSN",
            "00",
            shipment.shipment_id,
            written_at.strftime("%Y%m%d"),
            written_at.strftime("%H%M"),
            HIERARCHIES[hierarchy],
        ],
        *tree.segments,
    ]
    ctt: list[Element] = ["CTT", str(len(tree.levels))]
    if hash_totals:
        hashed = hash_total(shipped)
        if hashed is not None:
            ctt.append(hashed)
    body.append(ctt)
    return SetContent(set_id="856", body=body, implementation_ref=implementation_ref)


def envelope_856(
    writer: X12Writer,
    content: SetContent,
    *,
    ours: Party,
    theirs: Party,
    our_gs: str,
    their_gs: str,
    version: str,
    separators: Separators = DEFAULT_SEPARATORS,
    usage: str = "P",
    ack_requested: bool = False,
) -> WrittenInterchange:
    """One interchange holding one SH group holding the 856."""
    return one_set_interchange(
        writer,
        SHIP_NOTICE_GROUP,
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
