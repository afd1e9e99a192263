"""UBL 2.x ``Order`` (2.0 to 2.3, PEPPOL BIS Ordering 3) into the canonical purchase order.

Header: cbc:ID, IssueDate, OrderTypeCode, DocumentCurrencyCode, Note; parties
BuyerCustomerParty → buyer, SellerSupplierParty → seller,
AccountingCustomerParty → bill_to, Delivery/DeliveryLocation (or
DeliveryParty) → ship_to; Delivery/RequestedDeliveryPeriod → requested
delivery date; PaymentTerms/Note; AnticipatedMonetaryTotal: PayableAmount →
stated total, LineExtensionAmount checked against the lines.  OrderLine/LineItem:
ID, Quantity (@unitCode, UN/ECE rec. 20 codes mapped to EA/CA/...),
LineExtensionAmount (checked against quantity × price / base quantity),
Price/PriceAmount, Item/Name + Description, BuyersItemIdentification → BP,
SellersItemIdentification → VP, StandardItemIdentification → EN (GTIN).
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
    ReviewReason,
    Source,
)
from gateway.errors import InputError
from parsers.assemble import extraction
from parsers.xml.common import decimal, iso_date, text, unit
from parsers.xml.safe import local, parse_xml

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}
CENT = Decimal("0.01")


def _x(el: etree._Element | None, path: str) -> etree._Element | None:
    if el is None:
        return None
    found = el.find(path, NS)
    return found


def _t(el: etree._Element | None, path: str) -> str | None:
    return text(_x(el, path))


def _address(party: Party, address: etree._Element | None) -> None:
    if address is None:
        return
    street = " ".join(t for t in (_t(address, "cbc:StreetName"), _t(address, "cbc:BuildingNumber")) if t)
    lines = [street] if street else []
    lines += [t for p in ("cbc:AdditionalStreetName", "cbc:Postbox") if (t := _t(address, p))]
    lines += [text(a) for a in address.findall("cac:AddressLine/cbc:Line", NS) if text(a)]  # type: ignore[misc]
    party.address_lines = lines
    party.city = _t(address, "cbc:CityName")
    party.postal_code = _t(address, "cbc:PostalZone")
    party.state = _t(address, "cbc:CountrySubentity")
    party.country = _t(address, "cac:Country/cbc:IdentificationCode")


def _party(role: str, el: etree._Element | None) -> Party | None:
    if el is None:
        return None
    party = Party(
        role=role,
        name=_t(el, "cac:PartyName/cbc:Name") or _t(el, "cac:PartyLegalEntity/cbc:RegistrationName"),
    )
    ident = _x(el, "cac:PartyIdentification/cbc:ID")
    if ident is None:
        ident = _x(el, "cbc:EndpointID")
    if ident is not None:
        party.id = text(ident)
        party.id_qualifier = ident.get("schemeID")
    _address(party, _x(el, "cac:PostalAddress"))
    contact = _x(el, "cac:Contact")
    if contact is not None:
        party.contacts.append(
            Contact(
                name=_t(contact, "cbc:Name"),
                phone=_t(contact, "cbc:Telephone"),
                email=_t(contact, "cbc:ElectronicMail"),
                fax=_t(contact, "cbc:Telefax"),
            )
        )
    return party


def _line_charges(item: etree._Element, problems: list[ReviewReason], path: str) -> Decimal:
    """Charges less allowances on a line (cac:AllowanceCharge with cbc:ChargeIndicator)."""
    total = Decimal(0)
    for ac in item.findall("cac:AllowanceCharge", NS):
        amount = decimal(_t(ac, "cbc:Amount"), "AllowanceCharge Amount", problems, path) or Decimal(0)
        charge = (_t(ac, "cbc:ChargeIndicator") or "false").lower() == "true"
        total += amount if charge else -amount
    return total


def read_ubl(raw: bytes) -> list[PurchaseOrder]:
    """The purchase order of a UBL Order document."""
    root = parse_xml(raw)
    if local(root.tag) != "Order":
        raise InputError(f"not a UBL Order: the root element is {local(root.tag)}", code="ubl.not_order")
    problems: list[ReviewReason] = []
    fields: list[FieldSource] = [FieldSource("po_number", text=_t(root, "cbc:ID"), path="/Order/cbc:ID")]
    po_number = _t(root, "cbc:ID") or ""
    po_date = iso_date(_t(root, "cbc:IssueDate"), "IssueDate", problems, "/Order/cbc:IssueDate")
    order = PurchaseOrder(po_number=po_number, po_date=po_date)
    order.source = Source(format="ubl", version=_t(root, "cbc:UBLVersionID"))
    order.order_type = _t(root, "cbc:OrderTypeCode")
    order.currency = _t(root, "cbc:DocumentCurrencyCode")
    order.notes = [t for n in root.findall("cbc:Note", NS) if (t := text(n))]
    for role, path in (
        ("buyer", "cac:BuyerCustomerParty/cac:Party"),
        ("seller", "cac:SellerSupplierParty/cac:Party"),
        ("bill_to", "cac:AccountingCustomerParty/cac:Party"),
    ):
        party = _party(role, _x(root, path))
        if party is not None:
            order.parties.append(party)
    delivery = _x(root, "cac:Delivery")
    if delivery is not None:
        location = _x(delivery, "cac:DeliveryLocation")
        ship = _party("ship_to", _x(delivery, "cac:DeliveryParty")) or Party(role="ship_to")
        if location is not None:
            ident = _x(location, "cbc:ID")
            if ident is not None and ship.id is None:
                ship.id, ship.id_qualifier = text(ident), ident.get("schemeID")
            if ship.name is None:
                ship.name = _t(location, "cbc:Name") or _t(location, "cbc:Description")
            _address(ship, _x(location, "cac:Address"))
        if ship.name or ship.id or ship.address_lines:
            order.parties.append(ship)
        period = _x(delivery, "cac:RequestedDeliveryPeriod")
        order.requested_delivery_date = iso_date(
            _t(period, "cbc:StartDate") or _t(period, "cbc:EndDate"),
            "RequestedDeliveryPeriod",
            problems,
            "/Order/cac:Delivery",
        )
    for note in root.findall("cac:PaymentTerms/cbc:Note", NS):
        if (t := text(note)) is not None:
            order.payment_terms.append(PaymentTerms(description=t))
    totals = _x(root, "cac:AnticipatedMonetaryTotal")
    order.stated_total = decimal(
        _t(totals, "cbc:PayableAmount"), "PayableAmount", problems, "/Order/cac:AnticipatedMonetaryTotal"
    )
    lines_total = decimal(
        _t(totals, "cbc:LineExtensionAmount"),
        "LineExtensionAmount",
        problems,
        "/Order/cac:AnticipatedMonetaryTotal",
    )
    line_sum = Decimal(0)
    sum_known = True
    amounts_ok = True
    incomplete = False
    for i, item in enumerate(root.findall("cac:OrderLine/cac:LineItem", NS)):
        path = f"/Order/cac:OrderLine[{i + 1}]/cac:LineItem"
        qty_el = _x(item, "cbc:Quantity")
        qty = decimal(text(qty_el), "Quantity", problems, f"{path}/cbc:Quantity")
        price = decimal(_t(item, "cac:Price/cbc:PriceAmount"), "PriceAmount", problems, f"{path}/cac:Price")
        base = decimal(
            _t(item, "cac:Price/cbc:BaseQuantity"), "BaseQuantity", problems, f"{path}/cac:Price"
        ) or Decimal(1)
        amount = decimal(_t(item, "cbc:LineExtensionAmount"), "LineExtensionAmount", problems, path)
        name = _t(item, "cac:Item/cbc:Name")
        desc = _t(item, "cac:Item/cbc:Description")
        line = PoLine(
            line_number=_t(item, "cbc:ID") or str(i + 1),
            quantity=qty,
            unit=unit(qty_el.get("unitCode") if qty_el is not None else None),
            unit_price=(price / base) if price is not None and base not in (0, 1) else price,
            description=" - ".join(t for t in (name, desc) if t) or None,
        )
        for p, qualifier in (
            ("cac:Item/cac:BuyersItemIdentification/cbc:ID", "BP"),
            ("cac:Item/cac:SellersItemIdentification/cbc:ID", "VP"),
            ("cac:Item/cac:StandardItemIdentification/cbc:ID", "EN"),
        ):
            if (value := _t(item, p)) is not None:
                line.product_ids.append(ProductId(qualifier, value))
        period = _x(item, "cac:Delivery/cac:RequestedDeliveryPeriod")
        requested = iso_date(
            _t(period, "cbc:StartDate") or _t(period, "cbc:EndDate"), "delivery date", problems, path
        )
        if requested is not None:
            line.dates.append(DateRef("002", requested))
        if qty is None or not (line.product_ids or line.description):
            incomplete = True
            problems.append(
                ReviewReason(
                    "document.line_incomplete", f"line {line.line_number}: no quantity or no item", field=path
                )
            )
        computed = (
            (qty * price / base + _line_charges(item, problems, path)).quantize(CENT, rounding=ROUND_HALF_UP)
            if qty is not None and price is not None
            else None
        )
        if amount is not None and computed is not None and abs(amount - computed) > CENT:
            amounts_ok = False
            problems.append(
                ReviewReason(
                    "document.line_amount_mismatch",
                    f"line {line.line_number}: {qty} × {price} / {base} (with its allowances and charges) "
                    f"is {computed}, LineExtensionAmount says {amount}",
                    field=path,
                )
            )
        value = amount if amount is not None else computed
        if value is None:
            sum_known = False
        else:
            line_sum += value
        order.lines.append(line)
    checks = {"po_number": bool(po_number), "po_date": po_date is not None, "lines": bool(order.lines)}
    if not po_number:
        problems.append(ReviewReason("document.po_number_missing", "the Order has no cbc:ID"))
    if not order.lines:
        problems.append(ReviewReason("document.no_lines", "the Order has no OrderLine"))
    checks["line_values"] = not incomplete
    checks["line_amounts"] = amounts_ok
    if lines_total is not None and order.lines:
        ok = sum_known and abs(line_sum - lines_total) <= CENT
        checks["total"] = ok
        if not ok:
            problems.append(
                ReviewReason(
                    "document.total_mismatch",
                    f"the lines add up to {line_sum}, "
                    f"AnticipatedMonetaryTotal/LineExtensionAmount says {lines_total}",
                    field="/Order/cac:AnticipatedMonetaryTotal",
                )
            )
    order.extraction = extraction("ubl", checks, problems, fields, structured=True)
    return [order]
