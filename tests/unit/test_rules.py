"""The rules engine: each named rule's outcomes, the header status and BAK02, end to end."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gateway.domain.catalog import Item, StockLevel, Warehouse
from gateway.domain.crossref import ItemResolver, normalize_gtin, unit_factor
from gateway.domain.model import DateRef, Party, PoLine, ProductId, PurchaseOrder, Source
from gateway.domain.orders import AckType, LineStatus, OrderStatus, SalesOrder
from gateway.domain.partners import (
    CrossReference,
    OrderPolicy,
    PartnerProfile,
    PriceAction,
    PriceTolerance,
    ShortStockAction,
)
from gateway.domain.rules import RULES, OrderContext, Rule, RuleRegistry, confirm_order, resolve_skus

D = Decimal
TODAY = date(2026, 3, 2)
IA, IB, IQ, IP, IR, DR = (
    LineStatus.ACCEPTED,
    LineStatus.BACKORDERED,
    LineStatus.QUANTITY_CHANGED,
    LineStatus.PRICE_CHANGED,
    LineStatus.REJECTED,
    LineStatus.DATE_RESCHEDULED,
)
WAREHOUSES = [Warehouse("NYC", "Manhattan", state="NY", postal_code="10013")]
ITEMS = {
    "WID-1": Item(
        "WID-1", "Widget", list_price=D("12.00"), upc="036000291452", contract_prices={"acme": D(10)}
    ),
    "GAD-2": Item("GAD-2", "Gadget", list_price=D("5.00"), pack_size=D(6)),
    "OLD-3": Item("OLD-3", "Retired", list_price=D("1.00"), active=False),
    "FREE-4": Item("FREE-4", "Unpriced"),
}
XREFS = [
    CrossReference("WID-1", buyer_part="ACME-77"),
    CrossReference("GAD-2", buyer_part="ACME-88", upc="012345678905", vendor_part="V-9"),
    CrossReference("WID-1", unit="CA", factor=D(12)),
    CrossReference("GAD-2", unit="BX", factor_from_pack=True),
    CrossReference("GONE-9", buyer_part="ACME-99"),
]


# --- builders ----------------------------------------------------------------


def pol(**kw: object) -> OrderPolicy:
    return OrderPolicy(**kw)  # type: ignore[arg-type]


def partner(policy: OrderPolicy | None = None, **kw: object) -> PartnerProfile:
    return PartnerProfile(
        id="acme", name="Acme", policy=policy or OrderPolicy(), cross_references=list(XREFS), **kw
    )  # type: ignore[arg-type]


def ln(
    number: str = "1",
    qty: str | None = "10",
    unit: str | None = "EA",
    price: str | None = "10",
    ids: tuple[tuple[str, str], ...] = (("SK", "WID-1"),),
    dates: tuple[tuple[str, date], ...] = (),
) -> PoLine:
    return PoLine(
        line_number=number,
        quantity=None if qty is None else D(qty),
        unit=unit,
        unit_price=None if price is None else D(price),
        product_ids=[ProductId(q, v) for q, v in ids],
        dates=[DateRef(q, d) for q, d in dates],
    )


def po(*lines: PoLine, ship_to: bool = True, test: bool = False, **kw: object) -> PurchaseOrder:
    parties = [Party(role="buyer", name="Acme")]
    if ship_to:
        parties.append(Party(role="ship_to", name="Store 12", state="NY", postal_code="10001"))
    return PurchaseOrder(
        po_number="PO-1",
        po_date=TODAY,
        parties=parties,
        lines=list(lines) or [ln()],
        source=Source(format="x12", test=test),
        **kw,  # type: ignore[arg-type]
    )


def stock(**by_sku: str) -> list[StockLevel]:
    levels = {"WID-1": "100", "GAD-2": "100"} | by_sku
    return [StockLevel(sku, "NYC", D(q)) for sku, q in levels.items()]


def run(
    order: PurchaseOrder,
    who: PartnerProfile | None = None,
    rows: list[StockLevel] | None = None,
    *,
    already: bool = False,
    rules: RuleRegistry = RULES,
) -> SalesOrder:
    rows = stock() if rows is None else rows
    return confirm_order(
        order,
        partner() if who is None else who,
        ITEMS,
        rows,
        WAREHOUSES,
        already_ordered=already,
        today=TODAY,
        rules=rules,
    )


def reasons(so: SalesOrder) -> list[str]:
    return [o.reason for o in so.outcomes] + [o.reason for line in so.lines for o in line.outcomes]


def reserved(rows: list[StockLevel]) -> Decimal:
    return sum((r.allocated for r in rows), D(0))


# --- registry ----------------------------------------------------------------


def test_default_rules_run_in_this_order() -> None:
    assert RULES.names() == [
        "partner",
        "duplicate",
        "test_indicator",
        "document",
        "lines_present",
        "ship_to",
        "item",
        "unit",
        "quantity",
        "price",
        "dates",
    ]


def test_registry_refuses_a_second_rule_of_one_name() -> None:
    registry = RULES.without("dates")
    with pytest.raises(ValueError, match="already registered"):
        registry.add(Rule("partner", lambda ctx: None))


def test_a_custom_rule_records_outcomes_under_its_name() -> None:
    registry = RULES.without()

    @registry.register("no_friday_orders")
    def _hold(ctx: OrderContext) -> None:
        ctx.note("calendar.hold", "Held for a person.", review=True)

    rows = stock()
    so = run(po(), rows=rows, rules=registry)
    assert so.status is OrderStatus.NEEDS_REVIEW
    assert so.outcomes[-1].rule == "no_friday_orders"
    assert reserved(rows) == 0  # custom rules run before allocation
    assert len(RULES) == 11


def test_rules_can_be_left_out() -> None:
    rows = stock()
    so = run(po(ln(price="99")), rows=rows, rules=RULES.without("price"))
    assert so.status is OrderStatus.CONFIRMED and so.ack_type is AckType.ACCEPTED_NO_CHANGE
    assert reserved(rows) == D(10)


# --- header rules ------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "who", "already", "status", "ack", "reason"),
    [
        pytest.param(
            po(), partner(), False, OrderStatus.CONFIRMED, AckType.ACCEPTED_NO_CHANGE, None, id="ok"
        ),
        pytest.param(
            po(), None, False, OrderStatus.NEEDS_REVIEW, None, "partner.unknown", id="unknown-partner"
        ),
        pytest.param(
            po(),
            partner(active=False),
            False,
            OrderStatus.REJECTED,
            AckType.REJECTED,
            "partner.inactive",
            id="inactive",
        ),
        pytest.param(
            po(),
            partner(),
            True,
            OrderStatus.DUPLICATE,
            AckType.REJECTED,
            "order.duplicate",
            id="duplicate-po",
        ),
        pytest.param(
            po(ship_to=False),
            partner(),
            False,
            OrderStatus.NEEDS_REVIEW,
            None,
            "ship_to.missing",
            id="no-ship-to",
        ),
        pytest.param(
            po(test=True),
            partner(),
            False,
            OrderStatus.TEST,
            AckType.ACCEPTED_NO_CHANGE,
            "order.test",
            id="test",
        ),
        pytest.param(
            po(test=True),
            partner(test_mode=True),
            False,
            OrderStatus.CONFIRMED,
            None,
            None,
            id="test-mode-partner",
        ),
    ],
)
def test_header_rules(
    order: PurchaseOrder,
    who: PartnerProfile | None,
    already: bool,
    status: OrderStatus,
    ack: AckType | None,
    reason: str | None,
) -> None:
    rows = stock()
    so = confirm_order(order, who, ITEMS, rows, WAREHOUSES, already_ordered=already, today=TODAY)
    assert so.status is status
    if ack is not None:
        assert so.ack_type is ack
    if reason is not None:
        assert reason in [o.reason for o in so.outcomes]
    assert reserved(rows) == (D(10) if status is OrderStatus.CONFIRMED else 0)
    assert all(not line.allocations for line in so.lines) or status is OrderStatus.CONFIRMED


def test_unknown_partner_stops_before_line_rules() -> None:
    so = confirm_order(po(), None, ITEMS, stock(), WAREHOUSES, already_ordered=False, today=TODAY)
    assert reasons(so) == ["partner.unknown"]
    assert so.review_reasons[0].review


def test_duplicate_evaluates_nothing_else() -> None:
    so = run(po(ln(ids=(("SK", "NOPE"),))), already=True)
    assert reasons(so) == ["order.duplicate"]
    assert so.lines[0].sku is None


def test_test_order_still_runs_every_rule() -> None:
    rows = stock()
    so = run(po(ln(price="99"), ln("2", ids=(("BP", "NOPE"),)), test=True), rows=rows)
    assert so.status is OrderStatus.TEST
    assert {"order.test", "price.changed", "item.unknown"} <= set(reasons(so))
    assert reserved(rows) == 0


def test_test_order_answers_what_production_would_do_without_reserving() -> None:
    rows = stock(**{"WID-1": "6"})
    so = run(po(test=True), rows=rows)
    line = so.lines[0]
    assert so.status is OrderStatus.TEST
    assert (line.confirmed_quantity, line.backordered_quantity) == (D(6), D(4))
    assert not line.allocations
    assert reserved(rows) == 0


def test_an_order_without_lines_needs_review() -> None:
    order = po()
    order.lines = []
    so = run(order)
    assert so.status is OrderStatus.NEEDS_REVIEW and reasons(so) == ["order.no_lines"]


# --- item resolution ---------------------------------------------------------


@pytest.mark.parametrize(
    ("ids", "preference", "sku", "qualifier"),
    [
        pytest.param((("BP", "ACME-77"),), None, "WID-1", "BP", id="buyer-part"),
        pytest.param((("BP", " acme-88 "),), None, "GAD-2", "BP", id="buyer-part-trimmed-any-case"),
        pytest.param((("UP", "036000291452"),), None, "WID-1", "UP", id="upc-12-catalog"),
        pytest.param((("UK", "00036000291452"),), None, "WID-1", "UK", id="gtin-14-catalog"),
        pytest.param((("EN", "0036000291452"),), None, "WID-1", "EN", id="ean-13-catalog"),
        pytest.param((("UK", "00012345678905"),), None, "GAD-2", "UK", id="gtin-14-cross-reference"),
        pytest.param((("VP", "V-9"),), None, "GAD-2", "VP", id="vendor-part-cross-reference"),
        pytest.param((("VN", "wid-1"),), None, "WID-1", "VN", id="vendor-part-is-our-sku"),
        pytest.param((("SK", "GAD-2"),), None, "GAD-2", "SK", id="our-sku"),
        pytest.param(
            (("UP", "036000291452"), ("BP", "ACME-88")), None, "GAD-2", "BP", id="preference-bp-first"
        ),
        pytest.param(
            (("UP", "036000291452"), ("BP", "ACME-88")), ["UP", "BP"], "WID-1", "UP", id="preference-up-first"
        ),
        pytest.param((("BP", "NOPE"), ("UP", "036000291452")), None, "WID-1", "UP", id="falls-through"),
        pytest.param((("UP", "036000291452"),), ["BP"], "WID-1", "UP", id="unlisted-known-qualifier"),
        pytest.param((("BP", "ACME-99"),), None, None, None, id="cross-reference-to-missing-sku"),
        pytest.param((("MG", "WID-1"),), None, None, None, id="unknown-qualifier"),
        pytest.param((), None, None, None, id="no-ids"),
    ],
)
def test_item_resolution(
    ids: tuple[tuple[str, str], ...], preference: list[str] | None, sku: str | None, qualifier: str | None
) -> None:
    who = partner(pol(id_preference=preference) if preference else None)
    order = po(ln(ids=ids))
    match = ItemResolver(who, ITEMS).resolve(order.lines[0])
    found = (match.sku, match.qualifier) if match else (None, None)
    assert found == (sku, qualifier)
    assert resolve_skus(order, who, ITEMS) == ({sku} if sku else set())
    so = run(order, who)
    assert so.lines[0].sku == sku


def test_without_a_partner_only_the_catalog_resolves() -> None:
    order = po(ln(ids=(("BP", "ACME-77"),)), ln("2", ids=(("UK", "00036000291452"),)))
    assert resolve_skus(order, None, ITEMS) == {"WID-1"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("036000291452", "36000291452", id="gtin-12"),
        pytest.param("0036000291452", "36000291452", id="gtin-13"),
        pytest.param("00036000291452", "36000291452", id="gtin-14"),
        pytest.param("0 36000 29145 2", "36000291452", id="spaced"),
        pytest.param("0000", None, id="zeros"),
        pytest.param(None, None, id="none"),
    ],
)
def test_normalize_gtin(value: str | None, expected: str | None) -> None:
    assert normalize_gtin(value) == expected


@pytest.mark.parametrize(
    ("ids", "unknown_item", "status", "line_status", "reason", "ack"),
    [
        pytest.param(
            (("BP", "NOPE"),),
            "review",
            OrderStatus.NEEDS_REVIEW,
            IA,
            "item.unknown",
            None,
            id="unknown-review",
        ),
        pytest.param(
            (("BP", "NOPE"),),
            "reject_line",
            OrderStatus.CONFIRMED,
            IR,
            "item.unknown",
            AckType.ACCEPTED_WITH_CHANGES,
            id="unknown-reject-line",
        ),
        pytest.param(
            (("SK", "OLD-3"),),
            "review",
            OrderStatus.NEEDS_REVIEW,
            IA,
            "item.inactive",
            None,
            id="inactive-review",
        ),
        pytest.param(
            (("SK", "OLD-3"),),
            "reject_line",
            OrderStatus.CONFIRMED,
            IR,
            "item.inactive",
            AckType.ACCEPTED_WITH_CHANGES,
            id="inactive-reject-line",
        ),
    ],
)
def test_unknown_item_by_policy(
    ids: tuple[tuple[str, str], ...],
    unknown_item: str,
    status: OrderStatus,
    line_status: LineStatus,
    reason: str,
    ack: AckType | None,
) -> None:
    rows = stock()
    so = run(po(ln(), ln("2", ids=ids)), partner(pol(unknown_item=unknown_item)), rows)
    assert so.status is status
    bad = so.lines[1]
    assert bad.status is line_status
    assert [o.reason for o in bad.outcomes] == [reason]
    assert bad.outcomes[0].review is (unknown_item == "review")
    if ack is not None:
        assert so.ack_type is ack
        assert bad.cancelled_quantity == D(10) and bad.confirmed_quantity == 0
    assert reserved(rows) == (D(10) if status is OrderStatus.CONFIRMED else 0)


# --- units and quantities ---------------------------------------------------


@pytest.mark.parametrize(
    ("line", "factor", "base"),
    [
        pytest.param(ln(qty="2", unit="CA", price="120"), D(12), D(24), id="case-to-each-by-factor"),
        pytest.param(ln(qty="3", unit="ca", price="120"), D(12), D(36), id="unit-any-case"),
        pytest.param(
            ln(qty="2", unit="BX", price="30", ids=(("SK", "GAD-2"),)), D(6), D(12), id="box-is-the-item-pack"
        ),
        pytest.param(ln(qty="5", unit=None), D(1), D(5), id="no-unit-is-base-unit"),
        pytest.param(ln(qty="5", unit="EA"), D(1), D(5), id="base-unit"),
    ],
)
def test_unit_conversion(line: PoLine, factor: Decimal, base: Decimal) -> None:
    rows = stock()
    so = run(po(line), rows=rows)
    out = so.lines[0]
    assert (out.factor, out.base_quantity) == (factor, base)
    assert so.status is OrderStatus.CONFIRMED, reasons(so)
    assert out.confirmed_quantity == line.quantity
    assert reserved(rows) == base


def test_case_to_each_confirms_in_cases_and_reserves_eaches() -> None:
    rows = stock(**{"WID-1": "30"})
    so = run(po(ln(qty="3", unit="CA", price="120")), rows=rows)
    line = so.lines[0]
    assert (line.confirmed_quantity, line.backordered_quantity, line.unit) == (D(2), D(1), "CA")
    assert line.allocations[0].quantity == D(24)
    assert rows[0].allocated == D(24)


def test_unknown_unit_needs_review() -> None:
    rows = stock()
    so = run(po(ln(unit="DZ")), rows=rows)
    assert so.status is OrderStatus.NEEDS_REVIEW
    assert reasons(so) == ["unit.unknown"]
    assert reserved(rows) == 0


def test_unit_factor_prefers_the_resolving_cross_reference() -> None:
    item = ITEMS["WID-1"]
    mine = CrossReference("WID-1", unit="CA", factor=D(24))
    assert unit_factor("CA", item, [mine, *XREFS]) == D(24)
    assert unit_factor("CA", item, XREFS) == D(12)
    assert unit_factor("PL", item, XREFS) is None


@pytest.mark.parametrize(
    ("qty", "required", "status", "line_status", "reason"),
    [
        pytest.param("0", False, OrderStatus.REJECTED, IR, "quantity.not_positive", id="zero"),
        pytest.param("-3", False, OrderStatus.REJECTED, IR, "quantity.not_positive", id="negative"),
        pytest.param(None, False, OrderStatus.REJECTED, IR, "quantity.not_positive", id="missing"),
        pytest.param(
            "10", True, OrderStatus.NEEDS_REVIEW, IA, "quantity.pack_multiple", id="not-pack-multiple"
        ),
        pytest.param("12", True, OrderStatus.CONFIRMED, IA, None, id="pack-multiple"),
        pytest.param("10", False, OrderStatus.CONFIRMED, IA, None, id="pack-not-required"),
    ],
)
def test_quantity_rules(
    qty: str | None, required: bool, status: OrderStatus, line_status: LineStatus, reason: str | None
) -> None:
    rows = stock()
    so = run(
        po(ln(qty=qty, price="5", ids=(("SK", "GAD-2"),))),
        partner(pol(pack_multiple_required=required)),
        rows,
    )
    assert so.status is status
    assert so.lines[0].status is line_status
    line_reasons = [o.reason for o in so.lines[0].outcomes]
    assert line_reasons == ([reason] if reason else [])
    if status is OrderStatus.REJECTED:
        assert so.ack_type is AckType.REJECTED
        assert "order.rejected" in reasons(so)
    assert reserved(rows) == (D(qty or 0) if status is OrderStatus.CONFIRMED else 0)


# --- price -------------------------------------------------------------------

ABS = PriceTolerance(absolute=D("0.50"))
PCT = PriceTolerance(percent=D(5))


def tol(action: str) -> PriceTolerance:
    return PriceTolerance(absolute=D("0.50"), action=PriceAction(action))


@pytest.mark.parametrize(
    ("sent", "tolerance", "status", "line_status", "price", "reason"),
    [
        pytest.param("10", PriceTolerance(), OrderStatus.CONFIRMED, IA, "10", None, id="exact"),
        pytest.param("10.40", ABS, OrderStatus.CONFIRMED, IA, "10.40", None, id="within-absolute-above"),
        pytest.param("9.50", ABS, OrderStatus.CONFIRMED, IA, "9.50", None, id="within-absolute-below"),
        pytest.param("10.50", PCT, OrderStatus.CONFIRMED, IA, "10.50", None, id="within-percent-above"),
        pytest.param("9.60", PCT, OrderStatus.CONFIRMED, IA, "9.60", None, id="within-percent-below"),
        pytest.param("10.51", PCT, OrderStatus.CONFIRMED, IP, "10", "price.changed", id="beyond-percent"),
        pytest.param(
            "12",
            tol("accept_our_price"),
            OrderStatus.CONFIRMED,
            IP,
            "10",
            "price.changed",
            id="above-accept-ours",
        ),
        pytest.param(
            "8",
            tol("accept_our_price"),
            OrderStatus.CONFIRMED,
            IP,
            "10",
            "price.changed",
            id="below-accept-ours",
        ),
        pytest.param(
            "12",
            tol("review"),
            OrderStatus.NEEDS_REVIEW,
            IA,
            "12",
            "price.beyond_tolerance",
            id="above-review",
        ),
        pytest.param(
            "8", tol("review"), OrderStatus.NEEDS_REVIEW, IA, "8", "price.beyond_tolerance", id="below-review"
        ),
        pytest.param(
            "12",
            tol("reject_line"),
            OrderStatus.CONFIRMED,
            IR,
            None,
            "price.beyond_tolerance",
            id="above-reject-line",
        ),
        pytest.param(
            "8",
            tol("reject_line"),
            OrderStatus.CONFIRMED,
            IR,
            None,
            "price.beyond_tolerance",
            id="below-reject-line",
        ),
        pytest.param(None, tol("review"), OrderStatus.CONFIRMED, IA, "10", None, id="no-price-sent"),
    ],
)
def test_price_against_contract(
    sent: str | None,
    tolerance: PriceTolerance,
    status: OrderStatus,
    line_status: LineStatus,
    price: str | None,
    reason: str | None,
) -> None:
    # line 2 is a plain good line so one rejected line does not reject the order
    order = po(ln(price=sent), ln("2", price="5", qty="6", ids=(("SK", "GAD-2"),)))
    so = run(order, partner(pol(price_tolerance=tolerance)))
    line = so.lines[0]
    assert so.status is status
    assert line.status is line_status
    assert line.statuses == ([] if line_status is IA else [line_status])
    if price is not None:
        assert line.unit_price == D(price)
    assert [o.reason for o in line.outcomes] == ([reason] if reason else [])
    assert any(o.review for o in line.outcomes) is (status is OrderStatus.NEEDS_REVIEW)


@pytest.mark.parametrize(
    ("line", "price", "reason"),
    [
        pytest.param(ln(qty="1", unit="CA", price="120"), D(120), None, id="contract-price-per-case"),
        pytest.param(
            ln(ids=(("SK", "GAD-2"),), qty="6", price=None), D(5), None, id="list-price-no-contract"
        ),
        pytest.param(ln(ids=(("SK", "FREE-4"),), price="3"), None, "price.unknown", id="we-have-no-price"),
    ],
)
def test_our_price(line: PoLine, price: Decimal | None, reason: str | None) -> None:
    so = run(po(line), rows=[*stock(), StockLevel("FREE-4", "NYC", D(50))])
    assert so.lines[0].unit_price == price
    assert [o.reason for o in so.lines[0].outcomes] == ([reason] if reason else [])


# --- dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "line_dates", "lead", "po_date", "promised", "requested"),
    [
        pytest.param(
            {"requested_ship_date": date(2026, 3, 3)},
            (),
            2,
            TODAY,
            date(2026, 3, 4),
            date(2026, 3, 3),
            id="ship-too-soon",
        ),
        pytest.param(
            {"requested_ship_date": date(2026, 3, 4)},
            (),
            2,
            TODAY,
            None,
            date(2026, 3, 4),
            id="ship-feasible",
        ),
        pytest.param(
            {"requested_delivery_date": date(2026, 3, 1)},
            (),
            1,
            TODAY,
            date(2026, 3, 3),
            date(2026, 3, 1),
            id="delivery-too-soon",
        ),
        pytest.param(
            {"requested_ship_date": date(2026, 3, 10)},
            (("010", date(2026, 3, 2)),),
            1,
            TODAY,
            date(2026, 3, 3),
            date(2026, 3, 2),
            id="line-date-overrides-header",
        ),
        pytest.param(
            {"requested_ship_date": date(2026, 3, 2)},
            (),
            1,
            date(2026, 2, 20),
            date(2026, 3, 3),
            date(2026, 3, 2),
            id="old-po-counts-from-today",
        ),
        pytest.param({}, (), 5, TODAY, None, None, id="no-dates"),
    ],
)
def test_requested_dates(
    kw: dict[str, date],
    line_dates: tuple[tuple[str, date], ...],
    lead: int,
    po_date: date,
    promised: date | None,
    requested: date | None,
) -> None:
    order = po(ln(dates=line_dates), **kw)
    order.po_date = po_date
    rows = stock()
    so = run(order, partner(pol(ship_lead_days=lead)), rows)
    line = so.lines[0]
    assert line.promised_date == promised
    assert line.requested_date == requested
    assert line.status is (DR if promised else IA)
    assert so.status is OrderStatus.CONFIRMED
    assert so.ack_type is (AckType.ACCEPTED_WITH_CHANGES if promised else AckType.ACCEPTED_NO_CHANGE)
    assert line.confirmed_quantity == D(10) and reserved(rows) == D(10)


# --- stock through confirm_order -------------------------------------------


@pytest.mark.parametrize(
    ("short_stock", "status", "line_status", "backordered", "cancelled", "held"),
    [
        pytest.param(ShortStockAction.BACKORDER, OrderStatus.CONFIRMED, IB, D(4), D(0), D(6), id="backorder"),
        pytest.param(ShortStockAction.CANCEL, OrderStatus.CONFIRMED, IQ, D(0), D(4), D(6), id="cancel"),
        pytest.param(ShortStockAction.REVIEW, OrderStatus.NEEDS_REVIEW, IA, D(0), D(0), D(0), id="review"),
    ],
)
def test_short_line(
    short_stock: ShortStockAction,
    status: OrderStatus,
    line_status: LineStatus,
    backordered: Decimal,
    cancelled: Decimal,
    held: Decimal,
) -> None:
    rows = stock(**{"WID-1": "6"})
    so = run(po(), partner(pol(short_stock=short_stock)), rows)
    line = so.lines[0]
    assert so.status is status
    assert line.status is line_status
    assert (line.backordered_quantity, line.cancelled_quantity) == (backordered, cancelled)
    assert rows[0].allocated == held
    assert so.ack_type is (
        AckType.ACCEPTED_WITH_CHANGES if status is OrderStatus.CONFIRMED else AckType.ACCEPTED_NO_CHANGE
    )


def test_partial_shipment_not_allowed_backorders_the_whole_line() -> None:
    rows = stock(**{"WID-1": "6"})
    so = run(po(), partner(pol(partial_shipment=False)), rows)
    line = so.lines[0]
    assert (line.confirmed_quantity, line.backordered_quantity, line.status) == (D(0), D(10), IB)
    assert rows[0].allocated == 0


def test_an_order_held_for_review_reserves_nothing() -> None:
    rows = stock()
    so = run(po(ln(), ln("2", price="50")), partner(pol(price_tolerance=tol("review"))), rows)
    assert so.status is OrderStatus.NEEDS_REVIEW
    assert reserved(rows) == 0
    assert all(line.confirmed_quantity == 0 and not line.allocations for line in so.lines)


# --- BAK02 -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "rows", "status", "ack"),
    [
        pytest.param(
            (ln(), ln("2", qty="6", price="5", ids=(("SK", "GAD-2"),))),
            None,
            OrderStatus.CONFIRMED,
            AckType.ACCEPTED_NO_CHANGE,
            id="AD-all-accepted",
        ),
        pytest.param(
            (ln(), ln("2", price="12")),
            None,
            OrderStatus.CONFIRMED,
            AckType.ACCEPTED_WITH_CHANGES,
            id="AC-price",
        ),
        pytest.param(
            (ln(),), {"WID-1": "3"}, OrderStatus.CONFIRMED, AckType.ACCEPTED_WITH_CHANGES, id="AC-backorder"
        ),
        pytest.param(
            (ln(), ln("2", qty="0")),
            None,
            OrderStatus.CONFIRMED,
            AckType.ACCEPTED_WITH_CHANGES,
            id="AC-one-rejected",
        ),
        pytest.param(
            (ln(qty="0"), ln("2", qty="0")),
            None,
            OrderStatus.REJECTED,
            AckType.REJECTED,
            id="RJ-all-rejected",
        ),
    ],
)
def test_ack_type(
    lines: tuple[PoLine, ...], rows: dict[str, str] | None, status: OrderStatus, ack: AckType
) -> None:
    so = run(po(*lines), rows=stock(**(rows or {})))
    assert (so.status, so.ack_type) == (status, ack)


def test_sales_order_header() -> None:
    so = run(po())
    assert (so.partner_id, so.po_number, so.order_date, so.ship_from) == ("acme", "PO-1", TODAY, "NYC")
    line = so.lines[0]
    assert (line.sku, line.ordered_quantity, line.unit, line.sent_price, line.unit_price) == (
        "WID-1",
        D(10),
        "EA",
        D(10),
        D(10),
    )
