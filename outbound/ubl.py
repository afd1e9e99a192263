"""The UBL 2.1 ``OrderResponse`` to a UBL Order (PEPPOL BIS Ordering 3 shape, without signatures).

Header code (UNCL 4343): ``AP`` accepted, ``CA`` accepted with changes,
``RE`` rejected; an order still held for review is not answered yet.  Each
line (when the answer is CA) carries its UNCL 1229 status: ``5`` accepted
unchanged, ``3`` changed (quantity, backorder, price or date), ``7`` not
accepted, with the confirmed quantity, a note saying what is backordered or
cancelled, the price we confirm when it changed, the item (``cac:Item`` is
required in a UBL 2.1 ``LineItem``: its name and our SKU as the seller's id) and
the order line it answers (``OrderLineReference/LineID``).  Elements are written
in the sequence the UBL 2.1 schema gives them.
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from gateway.domain.model import PurchaseOrder
from gateway.domain.orders import LineStatus, OrderStatus, SalesOrder, SalesOrderLine

NS_DOC = "urn:oasis:names:specification:ubl:schema:xsd:OrderResponse-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CUSTOMIZATION = "urn:fdc:peppol.eu:poacc:trns:order_response:3"
PROFILE = "urn:fdc:peppol.eu:poacc:bis:ordering:3"


def _cbc(parent: etree._Element, name: str, text: str, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{CBC}}}{name}", attrs)
    el.text = text
    return el


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{CAC}}}{name}")


def response_code(order: SalesOrder) -> str | None:
    if order.status in (OrderStatus.REJECTED, OrderStatus.DUPLICATE):
        return "RE"
    if order.status is not OrderStatus.CONFIRMED:
        return None  # held for review (or a test order): answered when a person decides
    return "AP" if all(line.status is LineStatus.ACCEPTED for line in order.lines) else "CA"


def _line_code(status: LineStatus) -> str:
    if status is LineStatus.ACCEPTED:
        return "5"
    if status is LineStatus.REJECTED:
        return "7"
    return "3"


def _line_note(line: SalesOrderLine) -> str | None:
    if line.status is LineStatus.REJECTED:
        reasons = [o.message for o in line.outcomes if o.message]
        return "not accepted" + (f": {reasons[0]}" if reasons else "")
    parts = []
    if line.backordered_quantity:
        parts.append(f"{format(line.backordered_quantity, 'f')} backordered")
    if line.cancelled_quantity:
        parts.append(f"{format(line.cancelled_quantity, 'f')} cancelled")
    return "; ".join(parts) or None


def order_response(
    po: PurchaseOrder, order: SalesOrder, *, response_id: str, issued: date, seller_name: str
) -> bytes | None:
    """The OrderResponse for a decided order; ``None`` while it waits for a person."""
    code = response_code(order)
    if code is None:
        return None
    root = etree.Element(f"{{{NS_DOC}}}OrderResponse", nsmap={None: NS_DOC, "cac": CAC, "cbc": CBC})
    _cbc(root, "UBLVersionID", "2.1")
    _cbc(root, "CustomizationID", CUSTOMIZATION)
    _cbc(root, "ProfileID", PROFILE)
    _cbc(root, "ID", response_id)
    _cbc(root, "IssueDate", issued.isoformat())
    _cbc(root, "OrderResponseCode", code)
    if po.currency:
        _cbc(root, "DocumentCurrencyCode", po.currency)
    ref = _cac(root, "OrderReference")
    _cbc(ref, "ID", po.po_number)
    seller = _cac(_cac(root, "SellerSupplierParty"), "Party")
    _cbc(_cac(seller, "PartyName"), "Name", seller_name)
    buyer_party = po.party("buyer")
    buyer = _cac(_cac(root, "BuyerCustomerParty"), "Party")
    if buyer_party is not None and buyer_party.id:
        attrs = {"schemeID": buyer_party.id_qualifier} if buyer_party.id_qualifier else {}
        _cbc(_cac(buyer, "PartyIdentification"), "ID", buyer_party.id, **attrs)
    _cbc(_cac(buyer, "PartyName"), "Name", (buyer_party.name if buyer_party else None) or order.partner_id)
    if code == "CA":
        names = {ln.line_number: ln.description for ln in po.lines}
        for n, line in enumerate(order.lines, start=1):
            order_line = _cac(root, "OrderLine")
            item = _cac(order_line, "LineItem")
            _cbc(item, "ID", line.line_number or str(n))
            note = _line_note(line)
            if note:
                _cbc(item, "Note", note)
            _cbc(item, "LineStatusCode", _line_code(line.status))
            unit = {"unitCode": line.unit} if line.unit else {}
            _cbc(item, "Quantity", format(line.confirmed_quantity, "f"), **unit)
            if LineStatus.PRICE_CHANGED in line.statuses and line.unit_price is not None:
                currency = {"currencyID": po.currency} if po.currency else {}
                _cbc(_cac(item, "Price"), "PriceAmount", format(line.unit_price, "f"), **currency)
            described = _cac(item, "Item")
            name = names.get(line.line_number) or line.sku
            if name:
                _cbc(described, "Name", name)
            if line.sku:
                _cbc(_cac(described, "SellersItemIdentification"), "ID", line.sku)
            _cbc(_cac(order_line, "OrderLineReference"), "LineID", line.line_number or str(n))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
