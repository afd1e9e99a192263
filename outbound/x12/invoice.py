"""810 invoice from an ``gateway.domain.invoicing.Invoice`` (004010 and 005010).

    BIG*<date>*<invoice number>*<PO date>*<PO number>***DI*00
    CUR*SE*<currency>
    REF*VN*<our order number>  REF*BM*<bill of lading>  REF*SI*<shipment id> (one per shipment)
    N1*RE <us, remit to>  N1*SF <ship from>  N1*ST / N1*BT <echoed from the PO>
    ITD*08*3*<discount %>**<discount days>**<net days>   (ITD*01*3*****<net days> without a discount)
    DTM*011*<ship date>
    IT1*<PO line>*<qty>*<unit>*<agreed price>**<the partner's ids as sent>  [PID*F****<description>]
    TDS*<total>*<amount subject to discount>*<due if discounted>*<discount>   (N2: two implied decimals)
    TXI*ST*<tax>*<percent>
    SAC*<A|C>*<code>***<amount, N2>  one per allowance or charge on the invoice
    CTT*<number of IT1>

Totals are the domain's, to the cent: TDS01 = lines + charges - allowances + tax.
"""

from __future__ import annotations

from gateway.domain.catalog import Warehouse
from gateway.domain.invoicing import Invoice
from gateway.domain.model import PoLine, PurchaseOrder
from outbound.x12.segments_common import (
    d8,
    implied2,
    lines_by_number,
    num,
    one_set_interchange,
    party_segments,
    product_ids,
    warehouse_party,
)
from outbound.x12.writer import DEFAULT_SEPARATORS, Element, Party, SetContent, WrittenInterchange, X12Writer
from parsers.x12.structure import Separators

INVOICE_GROUP = "IN"  # GS01 479 for the 810
DEBIT_INVOICE = "DI"  # BIG07 640
ORIGINAL = "00"  # BIG08 353
SELLER = "SE"  # CUR01 98
TERMS_DISCOUNT = "08"  # ITD01 336: basic discount offered
TERMS_BASIC = "01"
INVOICE_DATE_BASIS = "3"  # ITD02 333
STATE_SALES_TAX = "ST"  # TXI01 963


def build_810(
    invoice: Invoice,
    po: PurchaseOrder | None,
    *,
    remit_to: str,
    ship_from: Warehouse | None = None,
    implementation_ref: str | None = None,
) -> SetContent:
    body: list[list[Element]] = [
        [
            "BIG",
            d8(invoice.invoice_date),
            invoice.number,
            d8(invoice.po_date),
            invoice.po_number,
            "",
            "",
            DEBIT_INVOICE,
            ORIGINAL,
        ],
        ["CUR", SELLER, invoice.currency],
    ]
    if invoice.sales_order_number:
        body.append(["REF", "VN", invoice.sales_order_number])
    if invoice.bill_of_lading:
        body.append(["REF", "BM", invoice.bill_of_lading])
    for shipment_id in invoice.shipment_ids[:10]:
        body.append(["REF", "SI", shipment_id])
    body.append(["N1", "RE", remit_to])
    if ship_from is not None:
        body.extend(party_segments(warehouse_party(ship_from), "SF"))
    if po is not None:
        for role, code in (("ship_to", "ST"), ("bill_to", "BT")):
            party = po.party(role)
            if party is not None:
                body.extend(party_segments(party, code))
    terms = invoice.terms
    if terms.discount_percent > 0:
        body.append(
            [
                "ITD",
                TERMS_DISCOUNT,
                INVOICE_DATE_BASIS,
                num(terms.discount_percent),
                "",
                str(terms.discount_days),
                "",
                str(terms.net_days),
            ]
        )
    else:
        body.append(["ITD", TERMS_BASIC, INVOICE_DATE_BASIS, "", "", "", "", str(terms.net_days)])
    if invoice.ship_date is not None:
        body.append(["DTM", "011", d8(invoice.ship_date)])
    po_lines: dict[str, PoLine] = lines_by_number(po.lines) if po is not None else {}
    for line in invoice.lines:
        po_line = po_lines.get(line.line_number)
        ids: list[Element] = (
            [v for pair in line.product_ids for v in pair]
            if line.product_ids
            else product_ids(po_line, line.sku)
        )
        body.append(["IT1", line.line_number, num(line.quantity), line.unit, num(line.unit_price), "", *ids])
        if line.description:
            body.append(["PID", "F", "", "", "", line.description[:80]])
    body.append(
        [
            "TDS",
            implied2(invoice.total),
            implied2(invoice.discount_base),
            implied2(invoice.due_if_discounted),
            implied2(invoice.discount),
        ]
    )
    if invoice.tax > 0:
        body.append(["TXI", STATE_SALES_TAX, num(invoice.tax), num(invoice.tax_percent)])
    for charge in invoice.charges:
        body.append(["SAC", charge.indicator, charge.code, "", "", implied2(charge.amount)])
    body.append(["CTT", str(len(invoice.lines))])
    return SetContent(set_id="810", body=body, implementation_ref=implementation_ref)


def envelope_810(
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
    """One interchange holding one IN group holding the 810."""
    return one_set_interchange(
        writer,
        INVOICE_GROUP,
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
