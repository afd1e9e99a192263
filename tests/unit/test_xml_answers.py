"""cXML / UBL partner identities and the writers of their answers (pure: no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from gateway.domain.orders import AckType, LineStatus, OrderStatus, Outcome, SalesOrder, SalesOrderLine
from gateway.domain.partners import CxmlCredential, PartnerProfile, UblPartyId
from gateway.services.ingest_documents import partner_for_xml
from mappings.loader import load_partners
from mappings.schema import ConfigProblems
from outbound.cxml import confirmation_request, line_statuses
from outbound.ubl import CAC, CBC, order_response
from parsers.xml import read_cxml, read_ubl
from parsers.xml.senders import SenderId, cxml_senders, ubl_buyer_ids, xml_senders

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NS = {"cac": CAC, "cbc": CBC}
WHEN = datetime(2026, 11, 27, 12, tzinfo=UTC)


def _line(
    n: str, status: LineStatus, ordered: int, confirmed: int, back: int = 0, cancelled: int = 0
) -> SalesOrderLine:
    return SalesOrderLine(
        n,
        "HX-1420",
        Decimal(ordered),
        "EA",
        unit_price=Decimal("8.75"),
        confirmed_quantity=Decimal(confirmed),
        backordered_quantity=Decimal(back),
        cancelled_quantity=Decimal(cancelled),
        statuses=[status],
    )


def _order(status: OrderStatus, *lines: SalesOrderLine) -> SalesOrder:
    return SalesOrder("ACMEHARDWARE", "CX-4471", status, AckType.ACCEPTED_WITH_CHANGES, lines=list(lines))


def _cxml(order: SalesOrder, test: bool = False) -> etree._Element | None:
    (po,) = read_cxml((FIXTURES / "cxml" / "order-request.xml").read_bytes())
    raw = confirmation_request(
        po,
        order,
        payload_id="1@us",
        timestamp=WHEN,
        confirm_id="SO1",
        ours=("DUNS", "123456789"),
        theirs=("NetworkID", "AN01000000001"),
        test=test,
    )
    return None if raw is None else etree.fromstring(raw)


def test_cxml_confirmation_header_follows_the_order() -> None:
    accepted = _cxml(_order(OrderStatus.CONFIRMED, _line("1", LineStatus.ACCEPTED, 24, 24)), test=True)
    assert accepted is not None
    assert accepted.find("Request").get("deploymentMode") == "test"  # type: ignore[union-attr]
    head = accepted.find("Request/ConfirmationRequest/ConfirmationHeader")
    assert head is not None and head.get("type") == "accept"
    assert accepted.findall("Request/ConfirmationRequest/ConfirmationItem") == []
    refused = _order(OrderStatus.REJECTED, _line("1", LineStatus.REJECTED, 24, 0))
    refused.outcomes.append(Outcome("partner", "partner.inactive", "Acme is not active."))
    rejected = _cxml(refused)
    assert rejected is not None
    head = rejected.find("Request/ConfirmationRequest/ConfirmationHeader")
    assert head is not None and head.get("type") == "reject"
    assert head.findtext("Comments") == "Acme is not active."
    assert _cxml(_order(OrderStatus.NEEDS_REVIEW, _line("1", LineStatus.ACCEPTED, 24, 24))) is None


def test_cxml_line_statuses_split_the_quantity() -> None:
    assert line_statuses(_line("1", LineStatus.ACCEPTED, 24, 24)) == [("accept", 24)]
    assert line_statuses(_line("1", LineStatus.BACKORDERED, 36, 20, back=16)) == [
        ("accept", 20),
        ("backordered", 16),
    ]
    assert line_statuses(_line("1", LineStatus.QUANTITY_CHANGED, 40, 35, cancelled=5)) == [
        ("accept", 35),
        ("reject", 5),
    ]
    assert line_statuses(_line("1", LineStatus.PRICE_CHANGED, 12, 12)) == [("detail", 12)]
    assert line_statuses(_line("1", LineStatus.REJECTED, 6, 0, cancelled=6)) == [("reject", 6)]
    assert line_statuses(_line("1", LineStatus.BACKORDERED, 10, 0, back=10)) == [("backordered", 10)]


def test_ubl_order_response_codes_and_a_changed_price() -> None:
    (po,) = read_ubl((FIXTURES / "ubl" / "order-2.1.xml").read_bytes())

    def respond(order: SalesOrder) -> etree._Element | None:
        raw = order_response(po, order, response_id="SO1", issued=date(2026, 11, 27), seller_name="Us")
        return None if raw is None else etree.fromstring(raw)

    ap = respond(_order(OrderStatus.CONFIRMED, _line("1", LineStatus.ACCEPTED, 20, 20)))
    assert ap is not None and ap.findtext("cbc:OrderResponseCode", namespaces=NS) == "AP"
    assert ap.findall("cac:OrderLine", NS) == []
    re_ = respond(_order(OrderStatus.REJECTED, _line("1", LineStatus.REJECTED, 20, 0)))
    assert re_ is not None and re_.findtext("cbc:OrderResponseCode", namespaces=NS) == "RE"
    assert respond(_order(OrderStatus.NEEDS_REVIEW, _line("1", LineStatus.ACCEPTED, 20, 20))) is None
    ca = respond(_order(OrderStatus.CONFIRMED, _line("1", LineStatus.PRICE_CHANGED, 20, 20)))
    assert ca is not None and ca.findtext("cbc:OrderResponseCode", namespaces=NS) == "CA"
    price = ca.find("cac:OrderLine/cac:LineItem/cac:Price/cbc:PriceAmount", NS)
    assert price is not None and (price.text, price.get("currencyID")) == ("8.75", "EUR")
    assert (
        ca.findtext("cac:OrderLine/cac:LineItem/cac:Item/cbc:Name", namespaces=NS)
        == "Sechskantschluessel-Satz"
    )


def test_the_sender_ids_an_xml_order_names() -> None:
    assert cxml_senders((FIXTURES / "cxml" / "order-request.xml").read_bytes()) == [
        SenderId("NetworkID", "AN01000000001")
    ]
    ids = ubl_buyer_ids((FIXTURES / "ubl" / "order-acme-answers.xml").read_bytes())
    assert ids == [SenderId("0088", "0812345000016"), SenderId("0088", "0812345000016")]
    assert xml_senders(b"<not xml", "ubl") == [] and xml_senders(b"%PDF-1.4", "pdf") == []


def test_a_partner_is_found_by_its_credential_or_party_id() -> None:
    acme = PartnerProfile("ACME", "Acme", cxml_credentials=[CxmlCredential("NetworkID", "AN01000000001")])
    nord = PartnerProfile("NORD", "Nordwerk", ubl_parties=[UblPartyId("0088", "7300010000001")])
    anyscheme = PartnerProfile("ANY", "Any", ubl_parties=[UblPartyId(None, "4711")])
    partners = [acme, nord, anyscheme]
    assert partner_for_xml(partners, "cxml", [SenderId("networkid", "an01000000001")]) is acme
    assert partner_for_xml(partners, "cxml", [SenderId("DUNS", "AN01000000001")]) is None
    assert partner_for_xml(partners, "ubl", [SenderId("0088", "7300010000001")]) is nord
    assert partner_for_xml(partners, "ubl", [SenderId("0060", "7300010000001")]) is None
    assert partner_for_xml(partners, "ubl", [SenderId("0060", "4711")]) is anyscheme
    assert partner_for_xml(partners, "cxml", [SenderId("0088", "7300010000001")]) is None  # a UBL id


def _profile(directory: Path, name: str, identities: str) -> None:
    (directory / f"{name}.yaml").write_text(f"id: {name.upper()}\nname: {name}\nidentities:\n{identities}")


def test_profiles_declare_xml_identities_and_two_may_not_share_one(tmp_path: Path) -> None:
    _profile(
        tmp_path,
        "one",
        '  cxml:\n    - {domain: NetworkID, identity: AN1}\n  ubl_party:\n    - {scheme: "0088", id: "12"}\n',
    )
    loaded = load_partners(tmp_path)["ONE"]
    assert loaded.cxml_credentials == [CxmlCredential("NetworkID", "AN1")]
    assert loaded.ubl_parties == [UblPartyId("0088", "12")] and loaded.documents.order_response is True
    _profile(tmp_path, "two", "  cxml:\n    - {domain: networkid, identity: an1}\n")
    with pytest.raises(ConfigProblems) as exc:
        load_partners(tmp_path)
    assert "cXML credential NETWORKID:AN1 is already used" in str(exc.value)
    (tmp_path / "two.yaml").write_text(
        "id: TWO\nname: two\nidentities:\n  cxml:\n    - {domain: NetworkID}\n"
    )
    with pytest.raises(ConfigProblems) as exc:
        load_partners(tmp_path)
    assert "identities.cxml[0].identity: is required" in str(exc.value)
