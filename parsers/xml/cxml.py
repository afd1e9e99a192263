"""cXML ``OrderRequest`` (1.2.x) into the canonical purchase order.

OrderRequestHeader: ``orderID`` → PO number, ``orderDate`` → PO date, ``type``
(new / update / delete) → purpose, ``requestedDeliveryDate``, Total/Money →
stated total and currency, ShipTo / BillTo addresses, Contact, Comments,
PaymentTerm.  ItemOut: ``quantity``, ``lineNumber``, ``requestedDeliveryDate``;
ItemID/SupplierPartID → VP, BuyerPartID → BP; ItemDetail UnitPrice, Description,
UnitOfMeasure, ManufacturerPartID → MG.  The Header's From / Sender identities
go to ``source`` (never the SharedSecret).  Checks: PO number, date, lines,
every line with a quantity and an item, and the lines against Total.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from gateway.domain.model import (
    Contact,
    DateRef,
    FieldSource,
    Party,
    PaymentTerms,
    PoLine,
    ProductId,
    PurchaseOrder,
    Purpose,
    Reference,
    ReviewReason,
    Source,
)
from gateway.errors import InputError
from parsers.assemble import extraction
from parsers.xml.common import decimal, iso_date, text, unit
from parsers.xml.safe import doctype_system_url, local, parse_xml

PURPOSES = {"new": Purpose.ORIGINAL, "update": Purpose.CHANGE, "delete": Purpose.CANCEL}


def _find(el: etree._Element | None, *path: str) -> etree._Element | None:
    """The first descendant path by local names (cXML has no namespace, but tolerate one)."""
    cur = el
    for name in path:
        if cur is None:
            return None
        cur = next((c for c in cur if local(c.tag) == name), None)
    return cur


def _all(el: etree._Element | None, name: str) -> list[etree._Element]:
    return [] if el is None else [c for c in el if local(c.tag) == name]


def _party(role: str, holder: etree._Element | None) -> Party | None:
    address = _find(holder, "Address")
    if address is None:
        return None
    postal = _find(address, "PostalAddress")
    party = Party(role=role, name=text(_find(address, "Name")), id=address.get("addressID"))
    if party.id:
        party.id_qualifier = "addressID"
    if postal is not None:
        party.address_lines = [
            t for c in _all(postal, "DeliverTo") + _all(postal, "Street") if (t := text(c))
        ]
        party.city = text(_find(postal, "City"))
        party.state = text(_find(postal, "State"))
        party.postal_code = text(_find(postal, "PostalCode"))
        country = _find(postal, "Country")
        party.country = (country.get("isoCountryCode") if country is not None else None) or text(country)
    email = text(_find(address, "Email"))
    phone = _find(address, "Phone")
    if email or phone is not None:
        party.contacts.append(Contact(email=email, phone=text(phone)))
    return party


def read_cxml(raw: bytes) -> list[PurchaseOrder]:
    """The purchase order of a cXML OrderRequest (``InputError`` for any other cXML message)."""
    root = parse_xml(raw)
    if local(root.tag) != "cXML":
        raise InputError(f"not cXML: the root element is {local(root.tag)}", code="cxml.not_order")
    request = _find(root, "Request", "OrderRequest")
    if request is None:
        raise InputError("the cXML message holds no Request/OrderRequest", code="cxml.not_order")
    header = _find(request, "OrderRequestHeader")
    problems: list[ReviewReason] = []
    fields: list[FieldSource] = []
    base = "/cXML/Request/OrderRequest/OrderRequestHeader"
    po_number = (header.get("orderID") if header is not None else None) or ""
    po_date = iso_date(header.get("orderDate") if header is not None else None, "orderDate", problems, base)
    order = PurchaseOrder(po_number=po_number.strip(), po_date=po_date)
    sender = text(_find(root, "Header", "Sender", "Credential", "Identity"))
    from_id = text(_find(root, "Header", "From", "Credential", "Identity"))
    to_id = text(_find(root, "Header", "To", "Credential", "Identity"))
    to_credential = _find(root, "Header", "To", "Credential")
    order.source = Source(format="cxml", sender_id=sender, functional_sender=from_id, receiver_id=to_id)
    order.source.receiver_qualifier = to_credential.get("domain") if to_credential is not None else None
    dtd = doctype_system_url(raw) or ""
    order.source.version = dtd.rsplit("/", 2)[-2] if dtd.count("/") >= 2 else None
    if root.get("payloadID"):
        order.references.append(Reference("payloadID", root.get("payloadID") or ""))
    fields.append(FieldSource("po_number", text=po_number, path=f"{base}/@orderID"))
    if header is not None:
        kind = (header.get("type") or "new").lower()
        order.purpose = PURPOSES.get(kind, Purpose.OTHER)
        order.purpose_code = kind
        order.requested_delivery_date = iso_date(
            header.get("requestedDeliveryDate"), "requestedDeliveryDate", problems, base
        )
        money = _find(header, "Total", "Money")
        order.stated_total = decimal(text(money), "Total", problems, f"{base}/Total/Money")
        if money is not None:
            order.currency = money.get("currency")
        for role, name in (("ship_to", "ShipTo"), ("bill_to", "BillTo")):
            party = _party(role, _find(header, name))
            if party is not None:
                order.parties.append(party)
        for contact in _all(header, "Contact"):
            order.contacts.append(
                Contact(
                    function=contact.get("role"),
                    name=text(_find(contact, "Name")),
                    email=text(_find(contact, "Email")),
                    phone=text(_find(contact, "Phone")),
                )
            )
        for comment in _all(header, "Comments"):
            if (t := text(comment)) is not None:
                order.notes.append(t)
        for term in _all(header, "PaymentTerm"):
            days = term.get("payInNumberOfDays")
            order.payment_terms.append(PaymentTerms(net_days=int(days) if days and days.isdigit() else None))
    line_sum = Decimal(0)
    sum_known = True
    incomplete = False
    for i, item in enumerate(_all(request, "ItemOut")):
        path = f"/cXML/Request/OrderRequest/ItemOut[{i + 1}]"
        qty = decimal(item.get("quantity"), "quantity", problems, f"{path}/@quantity")
        detail = _find(item, "ItemDetail")
        price = decimal(
            text(_find(detail, "UnitPrice", "Money")), "unit price", problems, f"{path}/ItemDetail"
        )
        line = PoLine(
            line_number=item.get("lineNumber") or str(i + 1),
            quantity=qty,
            unit=unit(text(_find(detail, "UnitOfMeasure"))),
            unit_price=price,
            description=text(_find(detail, "Description")),
        )
        ids = _find(item, "ItemID")
        for name, qualifier in (("BuyerPartID", "BP"), ("SupplierPartID", "VP")):
            if (value := text(_find(ids, name))) is not None:
                line.product_ids.append(ProductId(qualifier, value))
        if (mfr := text(_find(detail, "ManufacturerPartID"))) is not None:
            line.product_ids.append(ProductId("MG", mfr))
        if (aux := text(_find(ids, "SupplierPartAuxiliaryID"))) is not None:
            line.references.append(Reference("SupplierPartAuxiliaryID", aux))
        requested = iso_date(item.get("requestedDeliveryDate"), "requestedDeliveryDate", problems, path)
        if requested is not None:
            line.dates.append(DateRef("002", requested))
        if qty is None or not (line.product_ids or line.description):
            incomplete = True
            problems.append(
                ReviewReason(
                    "document.line_incomplete", f"line {line.line_number}: no quantity or no item", field=path
                )
            )
        if qty is not None and price is not None:
            line_sum += (qty * price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        else:
            sum_known = False
        order.lines.append(line)
    checks = {"po_number": bool(order.po_number), "po_date": po_date is not None, "lines": bool(order.lines)}
    if not order.po_number:
        problems.append(ReviewReason("document.po_number_missing", "OrderRequestHeader has no orderID"))
    if not order.lines:
        problems.append(ReviewReason("document.no_lines", "the OrderRequest has no ItemOut"))
    checks["line_values"] = not incomplete
    if order.stated_total is not None and order.lines:
        ok = sum_known and abs(line_sum - order.stated_total) <= Decimal("0.01")
        checks["total"] = ok
        if not ok:
            problems.append(
                ReviewReason(
                    "document.total_mismatch",
                    f"the items add up to {line_sum}, Total says {order.stated_total}",
                    field=f"{base}/Total",
                )
            )
    order.extraction = extraction("cxml", checks, problems, fields, structured=True)
    return [order]
