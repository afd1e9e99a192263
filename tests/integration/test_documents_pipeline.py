"""PDF, CSV, XLSX, cXML and UBL orders through the whole pipeline, on SQLite and PostgreSQL.

Archived first, read with the sending partner's layouts, stored with their
extraction, confirmed by the same rules as an 850: a clean order from a
partner with ``auto_confirm_documents`` is confirmed (and answered with an
855), anything else ends as a sales order ``needs_review`` with stable reason
codes; an unreadable document stays archived, ``rejected`` with the reason.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from gateway.domain.orders import OrderStatus
from gateway.services.process_document import process_document
from gateway.services.receive import receive
from tests.integration.pipeline_helpers import Pipeline, assert_stock_consistent, open_pipeline

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ACME = "ACMEHARDWARE"


def _auto_confirm(p: Pipeline, partner_id: str = ACME, on: bool = True) -> None:
    with p.uow() as uow:
        profile = uow.partners.get(partner_id)
        assert profile is not None
        profile.policy.auto_confirm_documents = on
        uow.partners.upsert(profile)
        uow.commit()


def _send(p: Pipeline, name: str, partner_id: str | None = ACME, channel: str = "email") -> int:
    raw = (FIXTURES / name).read_bytes()
    document_id = receive(p.ctx, raw, channel=channel, filename=Path(name).name, partner_id=partner_id)
    p.runtime.drain()
    return document_id


def _reasons(p: Pipeline, po_number: str, partner_id: str = ACME) -> tuple[OrderStatus, list[str]]:
    with p.uow() as uow:
        so = uow.sales_orders.get_by_po(partner_id, po_number)
    assert so is not None, f"no sales order for {po_number}"
    return so.status, [o.reason for o in so.review_reasons]


def _reserved(p: Pipeline) -> Decimal:
    with p.uow() as uow:
        assert_stock_consistent(uow)
        return sum((lv.allocated for lv in uow.catalog.stock(uow.catalog.all_items())), Decimal(0))


def test_a_clean_pdf_is_confirmed_and_answered_when_the_partner_allows_it(
    db_url: str, tmp_path: Path
) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        _auto_confirm(p)
        document_id = _send(p, "pdf/ruled.pdf")
        status, reasons = _reasons(p, "PO-4471")
        assert (status, reasons) == (OrderStatus.CONFIRMED, [])
        with p.uow() as uow:
            doc = uow.documents.get(document_id)
            assert doc is not None and doc.format == "pdf" and doc.partner_id == ACME
            (stored,) = uow.purchase_orders.for_document(document_id)
            po = stored.document
            assert po.extraction is not None and po.extraction.confidence == 1
            assert po.source.format == "pdf" and po.source.channel == "email"
            assert {f.field for f in po.extraction.fields} >= {"po_number", "po_date", "lines[0].quantity"}
            answers = uow.outbound.list(inbound_document_id=None)
        assert any(o.doc_type == "855" for o in answers)
        assert _reserved(p) > 0


def test_a_clean_pdf_waits_for_a_person_by_default(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        _send(p, "pdf/unruled.pdf")
        _send(p, "pdf/ruled.pdf")
        assert _reasons(p, "PO-4471") == (OrderStatus.NEEDS_REVIEW, ["document.manual_confirmation"])
        status, reasons = _reasons(p, "BL-20931")  # Brightline's parts are not in Acme's cross-reference
        assert status is OrderStatus.NEEDS_REVIEW and set(reasons) == {"document.unresolved_item"}
        assert _reserved(p) == 0


def test_a_total_that_disagrees_holds_the_order_with_its_reasons(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        _auto_confirm(p)
        _send(p, "pdf/total-mismatch.pdf")
        status, reasons = _reasons(p, "PO-4472")
        assert status is OrderStatus.NEEDS_REVIEW
        assert {"document.total_mismatch", "document.line_amount_mismatch"} <= set(reasons)
        assert _reserved(p) == 0


def test_an_unreadable_row_sends_the_spreadsheet_order_to_review(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        _auto_confirm(p)
        _send(p, "csv/unreadable-row.csv")
        status, reasons = _reasons(p, "PO-6001")
        assert status is OrderStatus.NEEDS_REVIEW
        assert reasons.count("document.unreadable_row") == 2


def test_unreadable_documents_stay_archived_with_the_reason(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        ids = {name: _send(p, f"pdf/{name}") for name in ("encrypted.pdf", "truncated.pdf")}
        with p.uow() as uow:
            for name, code in (("encrypted.pdf", "pdf.encrypted"), ("truncated.pdf", "pdf.broken")):
                doc = uow.documents.get(ids[name])
                assert doc is not None
                assert doc.status == "rejected" and doc.raw == (FIXTURES / "pdf" / name).read_bytes()
                assert [d["code"] for d in doc.diagnostics] == [code]
                assert uow.purchase_orders.for_document(ids[name]) == []


def test_a_scan_is_held_for_a_person(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        _auto_confirm(p)
        document_id = _send(p, "pdf/scan.pdf")
        with p.uow() as uow:
            (stored,) = uow.purchase_orders.for_document(document_id)
            so = uow.sales_orders.get_by_purchase_order(stored.id)
        assert so is not None and so.order.status is OrderStatus.NEEDS_REVIEW
        assert "document.no_text_layer" in [o.reason for o in so.order.review_reasons]


def test_a_document_with_no_partner_is_held_unread(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        document_id = _send(p, "csv/multi-po-grouped.csv", partner_id=None)
        with p.uow() as uow:
            doc = uow.documents.get(document_id)
            assert doc is not None and doc.status == "needs_review" and doc.format == "csv"
            assert [d["code"] for d in doc.diagnostics] == ["partner.unknown_sender"]
            assert uow.purchase_orders.for_document(document_id) == []


def test_structured_xml_orders_are_confirmed_like_an_850(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        _send(p, "cxml/order-request.xml")
        assert _reasons(p, "CX-4471") == (OrderStatus.CONFIRMED, [])
        _send(p, "ubl/total-mismatch.xml")
        status, reasons = _reasons(p, "UB-901")
        assert status is OrderStatus.NEEDS_REVIEW and "document.total_mismatch" in reasons


def test_several_orders_of_one_file_and_a_replay_make_nothing_twice(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        _auto_confirm(p)
        raw = (FIXTURES / "xlsx" / "two-pos.xlsx").read_bytes()
        first = receive(p.ctx, raw, channel="email", message_id="<m1@acme>", partner_id=ACME)
        p.runtime.drain()
        assert _reasons(p, "XL-1") == (OrderStatus.CONFIRMED, [])
        assert _reasons(p, "XL-2")[0] is OrderStatus.CONFIRMED
        reserved = _reserved(p)
        again = receive(p.ctx, raw, channel="email", message_id="<m1@acme>", partner_id=ACME)
        process_document(p.ctx, first)
        p.runtime.drain()
        assert again == first and _reserved(p) == reserved
        other = receive(p.ctx, raw, channel="email", message_id="<m2@acme>", partner_id=ACME)
        p.runtime.drain()
        with p.uow() as uow:
            doc = uow.documents.get(other)
            assert doc is not None and doc.status == "duplicate"
            assert len(uow.sales_orders.list()) == 2
        assert _reserved(p) == reserved
