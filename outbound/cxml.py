"""The cXML answer to an OrderRequest: a ``Response`` with its ``Status`` (cXML 1.2 User's Guide, ch. 2).

A buyer's procurement system posts the OrderRequest and reads the Status in
the HTTP response: ``200 OK`` when the order was read and taken in (confirmed
or waiting for a person: the supplier confirms later with a
ConfirmationRequest), ``400 Bad Request`` when it could not be read, ``406 Not
Acceptable`` when it was read but refused (an inactive partner, a duplicate).
The ``payloadID`` is new per answer; ``inReplyTo`` is not part of a Response.

What became of the order (confirmed, partly backordered, refused) travels
afterwards as a ``ConfirmationRequest`` (cXML 1.2 User's Guide, "Order
Confirmation"): ``ConfirmationHeader type`` ``accept`` / ``detail`` /
``reject``, and for ``detail`` one ``ConfirmationItem`` per order line with a
``ConfirmationStatus`` per part of its quantity (``accept``, ``detail`` for a
changed price or date, ``backordered``, ``reject``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from gateway.domain.model import PurchaseOrder
from gateway.domain.orders import LineStatus, OrderStatus, SalesOrder, SalesOrderLine

DTD = "http://xml.cxml.org/schemas/cXML/1.2.056/cXML.dtd"
TEXTS = {200: "OK", 201: "Accepted", 400: "Bad Request", 406: "Not Acceptable", 500: "Internal Server Error"}


def status_response(code: int, *, payload_id: str, timestamp: datetime, message: str | None = None) -> bytes:
    """A cXML Response carrying one Status (``message`` as the Status content, for a person)."""
    text = TEXTS.get(code, "OK" if code < 300 else "Error")
    body = escape(message) if message else ""
    status = f"<Status code={quoteattr(str(code))} text={quoteattr(text)}>{body}</Status>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<!DOCTYPE cXML SYSTEM "{DTD}">\n'
        f"<cXML payloadID={quoteattr(payload_id)} timestamp={quoteattr(timestamp.isoformat())}"
        f' xml:lang="en-US"><Response>{status}</Response></cXML>\n'
    ).encode()


def status_for(document_status: str) -> int:
    """The Status code for what became of the document (``inbound_documents.status``)."""
    if document_status in ("parsed", "acknowledged", "confirmed", "needs_review"):
        return 200
    if document_status in ("duplicate",):
        return 406
    if document_status in ("rejected",):
        return 400
    return 500


# --- the ConfirmationRequest: what became of an order, after its Status ---------------------

Credential = tuple[str, str]  # (domain, identity)


def _el(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, name, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = text
    return el


def _qty(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value else "0"
    return text


def _credential(parent: etree._Element, who: Credential) -> None:
    cred = _el(parent, "Credential", domain=who[0])
    _el(cred, "Identity", who[1])


def header_type(order: SalesOrder) -> str | None:
    """ConfirmationHeader ``type``: ``accept`` (every line as ordered), ``detail`` (line by line),
    ``reject``; ``None`` while the order waits for a person (it is answered when decided)."""
    if order.status in (OrderStatus.REJECTED, OrderStatus.DUPLICATE):
        return "reject"
    if order.status not in (OrderStatus.CONFIRMED, OrderStatus.TEST):
        return None
    if all(line.status is LineStatus.ACCEPTED for line in order.lines):
        return "accept"
    return "detail"


def line_statuses(line: SalesOrderLine) -> list[tuple[str, Decimal]]:
    """(ConfirmationStatus ``type``, quantity) for one line: the confirmed part (``accept``, or
    ``detail`` when its price or date changed), the backordered part (``backordered``), the
    cancelled part or a refused line (``reject``)."""
    if line.status is LineStatus.REJECTED:
        return [("reject", line.ordered_quantity)]
    out: list[tuple[str, Decimal]] = []
    changed = {LineStatus.PRICE_CHANGED, LineStatus.DATE_RESCHEDULED} & set(line.statuses)
    if line.confirmed_quantity:
        out.append(("detail" if changed else "accept", line.confirmed_quantity))
    if line.backordered_quantity:
        out.append(("backordered", line.backordered_quantity))
    if line.cancelled_quantity:
        out.append(("reject", line.cancelled_quantity))
    return out or [("reject", line.ordered_quantity)]


def confirmation_request(
    po: PurchaseOrder,
    order: SalesOrder,
    *,
    payload_id: str,
    timestamp: datetime,
    confirm_id: str,
    ours: Credential,
    theirs: Credential,
    test: bool = False,
) -> bytes | None:
    """The ConfirmationRequest answering a decided order (``None`` while it waits for a person).

    ``ours`` goes in From and Sender (no SharedSecret: this gateway holds none of the buyer's
    network), ``theirs`` in To; the OrderReference names the order and the payloadID it came in."""
    kind = header_type(order)
    if kind is None:
        return None
    root = etree.Element("cXML", payloadID=payload_id, timestamp=timestamp.isoformat())
    root.set("{http://www.w3.org/XML/1998/namespace}lang", "en-US")
    header = _el(root, "Header")
    _credential(_el(header, "From"), ours)
    _credential(_el(header, "To"), theirs)
    sender = _el(header, "Sender")
    _credential(sender, ours)
    _el(sender, "UserAgent", "Ordergate")
    request = _el(root, "Request", deploymentMode="test" if test else "production")
    confirmation = _el(request, "ConfirmationRequest")
    head = _el(
        confirmation, "ConfirmationHeader", type=kind, noticeDate=timestamp.isoformat(), confirmID=confirm_id
    )
    if kind == "reject":
        reasons = [o.message for o in order.outcomes if o.message]
        if reasons:
            _el(head, "Comments", "; ".join(reasons[:5]))
    payload = next((r.value for r in po.references if r.qualifier == "payloadID"), "")
    ref = _el(
        confirmation,
        "OrderReference",
        orderID=po.po_number,
        orderDate=po.po_date.isoformat() if po.po_date else None,
    )
    _el(ref, "DocumentReference", payloadID=payload)
    if kind == "detail":
        currency = po.currency
        for line in order.lines:
            item = _el(
                confirmation,
                "ConfirmationItem",
                quantity=_qty(line.ordered_quantity),
                lineNumber=line.line_number or "",
            )
            _el(item, "UnitOfMeasure", line.unit or "EA")
            for status, quantity in line_statuses(line):
                promised = line.promised_date if status == "detail" else None
                st = _el(
                    item,
                    "ConfirmationStatus",
                    quantity=_qty(quantity),
                    type=status,
                    deliveryDate=promised.isoformat() if promised else None,
                )
                _el(st, "UnitOfMeasure", line.unit or "EA")
                if status == "detail" and line.unit_price is not None:
                    _el(_el(st, "UnitPrice"), "Money", format(line.unit_price, "f"), currency=currency)
                if status == "reject":
                    reasons = [o.message for o in line.outcomes if o.message]
                    if reasons:
                        _el(st, "Comments", reasons[0])
    return etree.tostring(
        root,
        xml_declaration=True,
        encoding="UTF-8",
        pretty_print=True,
        doctype=f'<!DOCTYPE cXML SYSTEM "{DTD}">',
    )
