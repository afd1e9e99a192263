"""The UBL 2.1 ``OrderResponse`` to a UBL Order (PEPPOL BIS Ordering 3 shape, without signatures).

Header code (UNCL 4343): ``AP`` accepted, ``CA`` accepted with changes,
``RE`` rejected; an order still held for review is not answered yet.  Each
line (when the answer is CA) carries its UNCL 1229 status: ``5`` accepted
unchanged, ``3`` changed (quantity, backorder, price or date), ``7`` not
accepted, with the confirmed quantity.
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from gateway.domain.model import PurchaseOrder
from gateway.domain.orders import LineStatus, OrderStatus, SalesOrder

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
        for line in order.lines:
            item = _cac(_cac(root, "OrderLine"), "LineItem")
            _cbc(item, "ID", line.line_number or "")
            _cbc(item, "LineStatusCode", _line_code(line.status))
            if line.unit:
                _cbc(item, "Quantity", format(line.confirmed_quantity, "f"), unitCode=line.unit)
            else:
                _cbc(item, "Quantity", format(line.confirmed_quantity, "f"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
