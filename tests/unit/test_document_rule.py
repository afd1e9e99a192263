"""The ``document`` rule: what an order read from a PDF, spreadsheet, cXML or UBL needs first."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gateway.domain.model import Extraction, ReviewReason
from gateway.domain.orders import OrderStatus
from tests.unit.test_rules import ln, partner, po, pol, reserved, run, stock


def _document(fmt: str = "pdf", *reasons: ReviewReason, structured: bool = False, **kw: object):  # type: ignore[no-untyped-def]
    order = po(ln(ids=(("BP", "ACME-77"),)), **kw)
    order.source.format = fmt
    order.extraction = Extraction(
        method=f"{fmt}.generic",
        structured=structured,
        confidence=Decimal("1.00") if not reasons else Decimal("0.50"),
        needs_review=bool(reasons),
        review_reasons=list(reasons),
    )
    return order


def test_a_clean_document_order_is_confirmed_when_the_partner_allows_it() -> None:
    rows = stock()
    so = run(_document(), partner(pol(auto_confirm_documents=True)), rows)
    assert so.status is OrderStatus.CONFIRMED
    assert reserved(rows) == Decimal(10)


def test_a_clean_document_order_waits_for_a_person_by_default() -> None:
    rows = stock()
    so = run(_document(), partner(), rows)
    assert so.status is OrderStatus.NEEDS_REVIEW
    assert [o.reason for o in so.review_reasons] == ["document.manual_confirmation"]
    assert reserved(rows) == 0


@pytest.mark.parametrize("fmt", ["pdf", "csv", "xlsx"])
def test_every_extraction_reason_holds_the_order_with_where_it_was_found(fmt: str) -> None:
    reasons = (
        ReviewReason(
            "document.total_mismatch",
            "the lines add up to 1, the document states 2",
            page=1,
            region=[1.0, 2.0, 3.0, 4.0],
        ),
        ReviewReason("document.unreadable_row", "row 7: quantity 'x' is not a number", row=7),
    )
    so = run(_document(fmt, *reasons), partner(pol(auto_confirm_documents=True)))
    assert so.status is OrderStatus.NEEDS_REVIEW
    held = {o.reason: o.message for o in so.review_reasons}
    assert set(held) == {"document.total_mismatch", "document.unreadable_row"}
    assert "(page 1, region [1.0, 2.0, 3.0, 4.0])" in held["document.total_mismatch"]
    assert "(row 7)" in held["document.unreadable_row"]


def test_an_item_the_cross_reference_cannot_resolve_is_a_document_reason() -> None:
    order = _document()
    order.lines = [ln(ids=(("BP", "NOBODY-KNOWS"),))]
    so = run(order, partner(pol(auto_confirm_documents=True, unknown_item="reject_line")))
    assert so.status is OrderStatus.NEEDS_REVIEW
    assert "document.unresolved_item" in [o.reason for o in so.review_reasons]


def test_structured_documents_and_x12_are_not_held_for_manual_confirmation() -> None:
    so = run(_document("ubl", structured=True), partner())
    assert so.status is OrderStatus.CONFIRMED
    plain = po(ln(ids=(("BP", "ACME-77"),)))
    assert plain.extraction is None
    assert run(plain, partner()).status is OrderStatus.CONFIRMED
