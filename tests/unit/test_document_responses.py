"""The answers cXML and UBL partners expect: a cXML Status Response, a UBL OrderResponse."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from lxml import etree

from gateway.domain.orders import AckType, LineStatus, OrderStatus, SalesOrder, SalesOrderLine
from outbound.cxml import status_for, status_response
from outbound.ubl import CAC, CBC, order_response
from parsers.xml import parse_xml, read_ubl

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NS = {"cac": CAC, "cbc": CBC}


def test_cxml_status_response_reads_back_with_its_code() -> None:
    raw = status_response(
        400, payload_id="42@ordergate", timestamp=datetime(2026, 3, 2, tzinfo=UTC), message="no <ItemOut>"
    )
    root = parse_xml(raw)  # our own safe reader: the DOCTYPE only names the DTD
    status = root.find("Response/Status")
    assert status is not None
    assert (status.get("code"), status.get("text"), status.text) == ("400", "Bad Request", "no <ItemOut>")
    assert root.get("payloadID") == "42@ordergate" and root.get("timestamp") == "2026-03-02T00:00:00+00:00"
    assert [status_for(s) for s in ("parsed", "needs_review", "rejected", "duplicate")] == [
        200,
        200,
        400,
        406,
    ]


def _sales_order(status: OrderStatus, *line_statuses: list[LineStatus]) -> SalesOrder:
    lines = [
        SalesOrderLine(str(i + 1), "SKU", Decimal(20), "EA", confirmed_quantity=Decimal(15), statuses=list(s))
        for i, s in enumerate(line_statuses)
    ]
    return SalesOrder("NORDWERK", "UB-900", status, AckType.ACCEPTED_WITH_CHANGES, lines=lines)


def test_ubl_order_response_with_changes_names_each_line() -> None:
    (po,) = read_ubl((FIXTURES / "ubl" / "order-2.1.xml").read_bytes())
    so = _sales_order(OrderStatus.CONFIRMED, [], [LineStatus.BACKORDERED])
    raw = order_response(po, so, response_id="R-1", issued=date(2026, 4, 2), seller_name="Ordergate Supplies")
    assert raw is not None
    root = etree.fromstring(raw)
    assert root.findtext("cbc:OrderResponseCode", namespaces=NS) == "CA"
    assert root.findtext("cac:OrderReference/cbc:ID", namespaces=NS) == "UB-900"
    assert root.findtext("cbc:DocumentCurrencyCode", namespaces=NS) == "EUR"
    buyer_id = root.find("cac:BuyerCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID", NS)
    assert buyer_id is not None and (buyer_id.text, buyer_id.get("schemeID")) == ("7300010000001", "0088")
    codes = [e.text for e in root.findall("cac:OrderLine/cac:LineItem/cbc:LineStatusCode", NS)]
    assert codes == ["5", "3"]
    qty = root.find("cac:OrderLine/cac:LineItem/cbc:Quantity", NS)
    assert qty is not None and (qty.text, qty.get("unitCode")) == ("15", "EA")


def test_ubl_order_response_codes_and_no_answer_while_held() -> None:
    (po,) = read_ubl((FIXTURES / "ubl" / "order-2.1.xml").read_bytes())
    kw = {"response_id": "R", "issued": date(2026, 4, 2), "seller_name": "S"}
    accepted = order_response(po, _sales_order(OrderStatus.CONFIRMED, []), **kw)  # type: ignore[arg-type]
    assert accepted is not None and b"<cbc:OrderResponseCode>AP<" in accepted and b"OrderLine" not in accepted
    rejected = order_response(po, _sales_order(OrderStatus.REJECTED, [LineStatus.REJECTED]), **kw)  # type: ignore[arg-type]
    assert rejected is not None and b"<cbc:OrderResponseCode>RE<" in rejected
    assert order_response(po, _sales_order(OrderStatus.NEEDS_REVIEW, []), **kw) is None  # type: ignore[arg-type]
