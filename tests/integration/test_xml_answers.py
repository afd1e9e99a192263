"""cXML and UBL buyers known by their ids, and answered in their own format, on SQLite and PostgreSQL.

A UBL Order and a cXML OrderRequest from Acme arrive with no partner named by
the channel: the buyer party GLN / the From credential find Acme's profile;
the orders are confirmed by Acme's policy (one line as ordered, one short and
partly backordered, one for an item we do not sell, refused here because the
test sets ``unknown_item: reject_line``) and answered with a UBL OrderResponse
(CA; lines 5, 3, 7) / a cXML ConfirmationRequest (detail; accept, accept +
backordered, reject), stored once, delivered to the outbox as ``.xml`` and in
the order's ledger.  A partner hint that disagrees with the document's ids is
held for review; replays make nothing twice.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from lxml import etree

from gateway.domain.orders import OrderStatus
from gateway.services import review
from gateway.services.emit import emit_855
from gateway.services.ledger import overdue, timeline
from gateway.services.process_document import process_document
from gateway.services.receive import receive
from gateway.services.sweep import sweep, unfinished_steps
from outbound.ubl import CAC, CBC, NS_DOC
from tests.integration.pipeline_helpers import FIXED_NOW, Pipeline, assert_delivered, open_pipeline

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ACME = "ACMEHARDWARE"
NS = {"cac": CAC, "cbc": CBC, "o": NS_DOC}

# UBL 2.1 OrderResponse (maindoc/UBL-OrderResponse-2.1.xsd): the top-level elements in their
# schema sequence (those this gateway may write), and the ones with minOccurs 1
SEQUENCE = [
    "cbc:UBLVersionID",
    "cbc:CustomizationID",
    "cbc:ProfileID",
    "cbc:ID",
    "cbc:SalesOrderID",
    "cbc:IssueDate",
    "cbc:IssueTime",
    "cbc:OrderResponseCode",
    "cbc:Note",
    "cbc:DocumentCurrencyCode",
    "cac:OrderReference",
    "cac:SellerSupplierParty",
    "cac:BuyerCustomerParty",
    "cac:Delivery",
    "cac:OrderLine",
]
REQUIRED = [
    "cbc:ID",
    "cbc:IssueDate",
    "cac:OrderReference",
    "cac:SellerSupplierParty",
    "cac:BuyerCustomerParty",
]
# cac:LineItem in its sequence: ID is required, and so is Item
LINE_ITEM = ["cbc:ID", "cbc:Note", "cbc:LineStatusCode", "cbc:Quantity", "cac:Price", "cac:Item"]


def _acme_rejects_unknown_items(p: Pipeline) -> None:
    with p.uow() as uow:
        profile = uow.partners.get(ACME)
        assert profile is not None
        profile.policy.unknown_item = "reject_line"
        uow.partners.upsert(profile)
        uow.commit()


def _send(p: Pipeline, name: str, partner_id: str | None = None, message_id: str | None = None) -> int:
    raw = (FIXTURES / name).read_bytes()
    document_id = receive(
        p.ctx, raw, channel="http", filename=Path(name).name, partner_id=partner_id, message_id=message_id
    )
    p.runtime.drain()
    return document_id


def _qname(el: etree._Element) -> str:
    q = etree.QName(el)
    return f"{'cbc' if q.namespace == CBC else 'cac' if q.namespace == CAC else '?'}:{q.localname}"


def _in_sequence(names: list[str], sequence: list[str]) -> bool:
    positions = [sequence.index(n) for n in names]
    return positions == sorted(positions)


def _check_ubl_order_response(raw: bytes) -> etree._Element:
    """Well-formed, in the OrderResponse-2 namespace, with what UBL 2.1 requires, in schema order."""
    assert raw.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(raw)
    assert root.tag == f"{{{NS_DOC}}}OrderResponse"
    children = [_qname(c) for c in root]
    assert all(n in SEQUENCE for n in children), children
    assert _in_sequence(children, SEQUENCE), children
    for name in REQUIRED:
        assert name in children, name
    assert root.findtext("cac:OrderReference/cbc:ID", namespaces=NS)
    assert root.find("cac:SellerSupplierParty/cac:Party", NS) is not None
    assert root.find("cac:BuyerCustomerParty/cac:Party", NS) is not None
    for item in root.findall("cac:OrderLine/cac:LineItem", NS):
        names = [_qname(c) for c in item]
        assert _in_sequence(names, LINE_ITEM), names
        assert "cbc:ID" in names and "cac:Item" in names, names
    for line in root.findall("cac:OrderLine", NS):
        assert [_qname(c) for c in line] == ["cac:LineItem", "cac:OrderLineReference"]
    return root


def _answers(p: Pipeline, kind: str) -> list:  # type: ignore[type-arg]
    with p.uow() as uow:
        return [o for o in uow.outbound.list() if o.doc_type == kind]


def test_a_ubl_order_without_a_hint_is_matched_by_its_buyer_id_and_answered_with_an_order_response(
    db_url: str, tmp_path: Path
) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        _acme_rejects_unknown_items(p)
        document_id = _send(p, "ubl/order-acme-answers.xml")
        with p.uow() as uow:
            doc = uow.documents.get(document_id)
            assert doc is not None and doc.partner_id == ACME and doc.format == "ubl", doc and doc.diagnostics
            so = uow.sales_orders.get_by_po(ACME, "UB-ACME-7310")
            assert so is not None and so.status is OrderStatus.CONFIRMED
            lines = {ln.line_number: ln for ln in so.lines}
            assert lines["2"].confirmed_quantity == 20 and lines["2"].backordered_quantity == 16
            assert uow.outbound.list(doc_type="855") == []  # answered in UBL, not with an 855
            assert_delivered(uow, p.outbox)
        (answer,) = _answers(p, "UBL-OR")
        root = _check_ubl_order_response(answer.data)
        assert root.findtext("cbc:OrderResponseCode", namespaces=NS) == "CA"
        assert root.findtext("cac:OrderReference/cbc:ID", namespaces=NS) == "UB-ACME-7310"
        assert root.findtext("cbc:DocumentCurrencyCode", namespaces=NS) == "USD"
        buyer = root.find("cac:BuyerCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID", NS)
        assert buyer is not None and (buyer.get("schemeID"), buyer.text) == ("0088", "0812345000016")
        items = root.findall("cac:OrderLine/cac:LineItem", NS)
        got = [
            (
                i.findtext("cbc:ID", namespaces=NS),
                i.findtext("cbc:LineStatusCode", namespaces=NS),
                Decimal(i.findtext("cbc:Quantity", namespaces=NS) or "-1"),
                i.findtext("cac:Item/cac:SellersItemIdentification/cbc:ID", namespaces=NS),
            )
            for i in items
        ]
        assert got == [
            ("1", "5", Decimal(24), "HX-1420"),
            ("2", "3", Decimal(20), "TB-0090"),
            ("3", "7", 0, None),
        ]
        assert items[1].findtext("cbc:Note", namespaces=NS) == "16 backordered"
        assert "not accepted" in (items[2].findtext("cbc:Note", namespaces=NS) or "")
        # delivered to Acme's outbox under an .xml name, byte for byte
        (delivered,) = [f for f in p.outbox.rglob("*.xml")]
        assert delivered.read_bytes() == answer.data and delivered.name.startswith("UBL-OR-")


def test_a_cxml_order_without_a_hint_is_matched_by_its_credential_and_confirmed_line_by_line(
    db_url: str, tmp_path: Path
) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        _acme_rejects_unknown_items(p)
        document_id = _send(p, "cxml/order-acme-answers.xml")
        with p.uow() as uow:
            doc = uow.documents.get(document_id)
            assert doc is not None and doc.partner_id == ACME and doc.format == "cxml", (
                doc and doc.diagnostics
            )
            assert uow.outbound.list(doc_type="855") == []
            assert_delivered(uow, p.outbox)
            (stored,) = uow.purchase_orders.for_document(document_id)
            entries = timeline(uow, stored.id, now=FIXED_NOW)
        (answer,) = _answers(p, "cXML-CR")
        assert (
            answer.data.startswith(b"<?xml") and b'<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/' in answer.data
        )
        root = etree.fromstring(answer.data)
        assert root.tag == "cXML" and root.get("payloadID") and root.get("timestamp")
        assert [c.tag for c in root] == ["Header", "Request"]
        header = root.find("Header")
        assert header is not None and [c.tag for c in header] == ["From", "To", "Sender"]
        to = root.find("Header/To/Credential")
        assert to is not None and (to.get("domain"), to.findtext("Identity")) == (
            "NetworkID",
            "AN01000000001",
        )
        ours = root.find("Header/From/Credential")
        assert ours is not None and (ours.get("domain"), ours.findtext("Identity")) == ("DUNS", "123456789")
        assert root.find("Header/Sender/Credential/SharedSecret") is None
        request = root.find("Request/ConfirmationRequest")
        assert request is not None
        assert [c.tag for c in request] == ["ConfirmationHeader", "OrderReference", *["ConfirmationItem"] * 3]
        head = request.find("ConfirmationHeader")
        assert head is not None and head.get("type") == "detail" and head.get("noticeDate")
        ref = request.find("OrderReference")
        assert ref is not None and ref.get("orderID") == "CX-7311"
        assert ref.find("DocumentReference").get("payloadID") == "1795600800.7311@buyer.example"  # type: ignore[union-attr]
        got = []
        for item in request.findall("ConfirmationItem"):
            assert item.findtext("UnitOfMeasure") == "EA"
            statuses = [
                (s.get("type"), Decimal(s.get("quantity") or "-1"))
                for s in item.findall("ConfirmationStatus")
            ]
            assert all(s.findtext("UnitOfMeasure") == "EA" for s in item.findall("ConfirmationStatus"))
            got.append((item.get("lineNumber"), Decimal(item.get("quantity") or "-1"), statuses))
        assert got == [
            ("1", 24, [("accept", 24)]),
            ("2", 36, [("accept", 20), ("backordered", 16)]),
            ("3", 6, [("reject", 6)]),
        ]
        # the ledger shows the order as cXML and the answer as delivered, never overdue
        kinds = [(e.direction, e.document, e.status) for e in entries]
        assert kinds[0][:2] == ("in", "cXML")
        assert ("out", "cXML-CR", "delivered") in kinds
        with p.uow() as uow:
            later = overdue(uow, FIXED_NOW.replace(year=2027))
        assert answer.id not in [o.outbound_id for o in later]


def test_an_order_whose_dates_moved_is_confirmed_in_detail_with_the_new_dates(
    db_url: str, tmp_path: Path
) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        _send(p, "cxml/order-request.xml")  # Acme's CX-4471: all there, but wanted by March 2026
        with p.uow() as uow:
            so = uow.sales_orders.get_by_po(ACME, "CX-4471")
        assert so is not None and so.status is OrderStatus.CONFIRMED
        (answer,) = _answers(p, "cXML-CR")
        request = etree.fromstring(answer.data).find("Request/ConfirmationRequest")
        assert request is not None and request.find("ConfirmationHeader").get("type") == "detail"  # type: ignore[union-attr]
        statuses = [s.attrib for s in request.iterfind("ConfirmationItem/ConfirmationStatus")]
        assert [(s["type"], s["quantity"]) for s in statuses] == [("detail", "24"), ("detail", "12")]
        promised = {ln.line_number: ln.promised_date for ln in so.lines}
        assert [s["deliveryDate"] for s in statuses] == [promised["1"].isoformat(), promised["2"].isoformat()]  # type: ignore[union-attr]
        prices = [m.text for m in request.iterfind("ConfirmationItem/ConfirmationStatus/UnitPrice/Money")]
        assert prices == ["8.75", "9.10"]


def test_a_hint_that_disagrees_with_the_document_ids_goes_to_review(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        for name in ("cxml/order-acme-answers.xml", "ubl/order-acme-answers.xml"):
            document_id = _send(p, name, partner_id="BRIGHTSUPPLY")
            with p.uow() as uow:
                doc = uow.documents.get(document_id)
                assert doc is not None and doc.status == "needs_review"
                assert [d["code"] for d in doc.diagnostics] == ["partner.sender_mismatch"]
                assert "ACMEHARDWARE" in doc.diagnostics[0]["message"]
                assert uow.purchase_orders.for_document(document_id) == []
        with p.uow() as uow:
            assert uow.outbound.list() == [] and uow.sales_orders.list() == []


def test_an_unknown_sender_with_no_hint_is_held_naming_its_ids(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        document_id = _send(p, "ubl/order-2.1.xml")  # Nordwerk: no profile has its GLN
        with p.uow() as uow:
            doc = uow.documents.get(document_id)
            assert doc is not None and doc.status == "needs_review"
            assert [d["code"] for d in doc.diagnostics] == ["partner.unknown_sender"]
            assert "0088:7300010000001" in doc.diagnostics[0]["message"]
        # a person names the sender: the document is read again as that partner's
        review.assign_sender(p.ctx, document_id, "DELTAMRO", "olga")
        p.runtime.drain()
        with p.uow() as uow:
            doc = uow.documents.get(document_id)
            assert doc is not None and doc.status == "parsed" and doc.partner_id == "DELTAMRO"
            (stored,) = uow.purchase_orders.for_document(document_id)
            assert stored.po_number == "UB-900" and stored.partner_id == "DELTAMRO"


def test_replays_make_nothing_twice(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        _acme_rejects_unknown_items(p)
        first = _send(p, "ubl/order-acme-answers.xml", message_id="<u1@acme>")
        cx = _send(p, "cxml/order-acme-answers.xml", message_id="<c1@acme>")
        with p.uow() as uow:
            before = sorted((o.id, o.doc_type) for o in uow.outbound.list())
            sales = uow.sales_orders.list()
        assert [k for _, k in before] == ["UBL-OR", "cXML-CR"]
        # the same message again, the step again, the answer step again, a sweep
        assert _send(p, "ubl/order-acme-answers.xml", message_id="<u1@acme>") == first
        process_document(p.ctx, first)
        process_document(p.ctx, cx)
        for so in sales:
            assert emit_855(p.ctx, so.id) in {i for i, _ in before}
        sweep(p.ctx)
        p.runtime.drain()
        # the same order in a new message: a duplicate PO, no second answer
        again = _send(p, "cxml/order-acme-answers.xml", message_id="<c2@acme>")
        with p.uow() as uow:
            assert sorted((o.id, o.doc_type) for o in uow.outbound.list()) == before
            assert len(uow.sales_orders.list()) == 2
            doc = uow.documents.get(again)
            assert doc is not None and doc.status == "duplicate"
            assert_delivered(uow, p.outbox)
        assert len(list(p.outbox.rglob("*.xml"))) == 2


def test_a_held_order_is_answered_when_a_person_decides(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        # Acme holds an order with an unknown item for a person: no answer yet
        document_id = _send(p, "ubl/order-acme-answers.xml")
        with p.uow() as uow:
            so = uow.sales_orders.get_by_po(ACME, "UB-ACME-7310")
            assert so is not None and so.status is OrderStatus.NEEDS_REVIEW
            assert uow.outbound.list() == []
            assert unfinished_steps(uow, document_id) == []  # nothing is owed while it waits
            (stored,) = uow.purchase_orders.for_document(document_id)
        released = review.reject(p.ctx, stored.id, "admin")
        p.runtime.drain()
        assert released.status == "rejected" and released.outbound_id is not None
        (answer,) = _answers(p, "UBL-OR")
        assert answer.id == released.outbound_id
        root = _check_ubl_order_response(answer.data)
        assert root.findtext("cbc:OrderResponseCode", namespaces=NS) == "RE"
        assert root.findall("cac:OrderLine", NS) == []  # a refused order is answered without lines
        with p.uow() as uow:
            assert_delivered(uow, p.outbox)
