"""Applying an 860 to a sales order: each change type, cancellation, refusals for what has shipped."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

from gateway.domain.catalog import Item, StockLevel, Warehouse
from gateway.domain.changes import ChangeAck, ChangeAckType, ChangeResult, LineAck, apply_change
from gateway.domain.model import (
    ChangeCode,
    ChangeLine,
    DateRef,
    Party,
    PoLine,
    ProductId,
    PurchaseOrder,
    PurchaseOrderChange,
    Purpose,
)
from gateway.domain.orders import LineStatus, OrderStatus, SalesOrder
from gateway.domain.partners import OrderPolicy, PartnerProfile, PriceAction, PriceTolerance, ShortStockAction
from gateway.domain.rules import confirm_order

D = Decimal
TODAY = date(2026, 3, 2)
WAREHOUSES = [Warehouse("NYC", "Manhattan", state="NY", postal_code="10013")]
ITEMS = {
    "WID-1": Item("WID-1", "Widget", list_price=D("10.00")),
    "GAD-2": Item("GAD-2", "Gadget", list_price=D("5.00")),
    "BOLT-3": Item("BOLT-3", "Bolt", list_price=D("0.50")),
}
SHIP_TO = Party("ship_to", name="Store 1", postal_code="10001", state="NY")


def partner(**policy: object) -> PartnerProfile:
    return PartnerProfile(id="acme", name="Acme", policy=OrderPolicy(**policy))  # type: ignore[arg-type]


def stock(wid: str = "100", gad: str = "100", bolt: str = "100") -> list[StockLevel]:
    return [
        StockLevel("WID-1", "NYC", D(wid)),
        StockLevel("GAD-2", "NYC", D(gad)),
        StockLevel("BOLT-3", "NYC", D(bolt)),
    ]


def confirmed(levels: list[StockLevel], profile: PartnerProfile | None = None) -> SalesOrder:
    po = PurchaseOrder(
        po_number="PO1",
        po_date=TODAY,
        parties=[SHIP_TO],
        lines=[
            PoLine("1", D(10), "EA", D("10.00"), product_ids=[ProductId("SK", "WID-1")]),
            PoLine("2", D(20), "EA", D("5.00"), product_ids=[ProductId("SK", "GAD-2")]),
        ],
    )
    order = confirm_order(
        po, profile or partner(), ITEMS, levels, WAREHOUSES, already_ordered=False, today=TODAY
    )
    assert order.status is OrderStatus.CONFIRMED
    return order


def change(*lines: ChangeLine, purpose: Purpose = Purpose.CHANGE) -> PurchaseOrderChange:
    return PurchaseOrderChange(po_number="PO1", po_date=TODAY, purpose=purpose, lines=list(lines))


def poc(
    number: str | None,
    code: str,
    kind: ChangeCode,
    qty: str | None = None,
    price: str | None = None,
    sku: str | None = None,
    dates: tuple[tuple[str, date], ...] = (),
) -> ChangeLine:
    return ChangeLine(
        line_number=number,
        change=kind,
        change_code=code,
        quantity_ordered=None if qty is None else D(qty),
        unit="EA",
        unit_price=None if price is None else D(price),
        product_ids=[ProductId("SK", sku)] if sku else [],
        dates=[DateRef(q, d) for q, d in dates],
    )


def run(order: SalesOrder, ch: PurchaseOrderChange, levels: list[StockLevel], **kw: object) -> ChangeResult:
    return apply_change(
        order,
        ch,
        partner=kw.pop("profile", partner()),  # type: ignore[arg-type]
        items=ITEMS,
        stock=levels,
        warehouses=WAREHOUSES,
        today=TODAY,
        ship_to=SHIP_TO,
    )


def allocated(levels: list[StockLevel]) -> dict[str, Decimal]:
    return {lv.sku: lv.allocated for lv in levels}


def test_quantity_decrease_releases_stock() -> None:
    levels = stock()
    order = confirmed(levels)
    before = copy.deepcopy(order)
    result = run(order, change(poc("1", "QD", ChangeCode.QUANTITY_DECREASE, qty="4")), levels)
    assert order == before  # the order passed in is never touched
    line = result.order.lines[0]
    assert (line.ordered_quantity, line.confirmed_quantity, line.base_quantity) == (D(4), D(4), D(4))
    assert [(a.warehouse, a.quantity) for a in line.allocations] == [("NYC", D(4))]
    assert allocated(levels) == {"WID-1": D(4), "GAD-2": D(20), "BOLT-3": D(0)}
    assert result.lines[0].acks == [LineAck(ChangeAck.ACCEPTED, D(4))]
    assert result.ack_type is ChangeAckType.ACCEPTED_NO_CHANGE


def test_quantity_increase_short_stock_is_backordered() -> None:
    levels = stock(wid="15")
    order = confirmed(levels)
    result = run(order, change(poc("1", "QI", ChangeCode.QUANTITY_INCREASE, qty="25")), levels)
    line = result.order.lines[0]
    assert (line.confirmed_quantity, line.backordered_quantity) == (D(15), D(10))
    assert allocated(levels)["WID-1"] == D(15)
    assert result.lines[0].acks == [LineAck(ChangeAck.ACCEPTED, D(15)), LineAck(ChangeAck.BACKORDERED, D(10))]
    assert result.ack_type is ChangeAckType.ACCEPTED_WITH_CHANGES


def test_quantity_increase_short_stock_cancel_policy_is_iq() -> None:
    levels = stock(wid="15")
    profile = partner(short_stock=ShortStockAction.CANCEL)
    order = confirmed(levels, profile)
    result = run(
        order, change(poc("1", "QI", ChangeCode.QUANTITY_INCREASE, qty="25")), levels, profile=profile
    )
    assert result.lines[0].acks == [LineAck(ChangeAck.QUANTITY_CHANGED, D(15))]
    assert result.order.lines[0].cancelled_quantity == D(10)


def test_added_line_is_resolved_priced_and_allocated() -> None:
    levels = stock()
    order = confirmed(levels)
    result = run(order, change(poc("3", "AI", ChangeCode.ADD, qty="40", sku="BOLT-3")), levels)
    added = result.order.lines[-1]
    assert (added.line_number, added.sku, added.confirmed_quantity, added.unit_price) == (
        "3",
        "BOLT-3",
        D(40),
        D("0.50"),
    )
    assert allocated(levels)["BOLT-3"] == D(40)
    assert result.lines[0].acks == [LineAck(ChangeAck.ACCEPTED, D(40))]


def test_added_unknown_item_is_refused_and_nothing_changes() -> None:
    levels = stock()
    order = confirmed(levels)
    before_stock = allocated(levels)
    result = run(order, change(poc("3", "AI", ChangeCode.ADD, qty="4", sku="NOPE")), levels)
    assert result.order == order
    assert allocated(levels) == before_stock
    (line,) = result.lines
    assert (line.accepted, line.reason, line.line) == (False, "item.unknown", None)
    assert result.ack_type is ChangeAckType.REJECTED_WITH_DETAIL


def test_deleted_line_releases_its_reservation() -> None:
    levels = stock()
    order = confirmed(levels)
    result = run(order, change(poc("2", "DI", ChangeCode.DELETE)), levels)
    line = result.order.lines[1]
    assert (line.confirmed_quantity, line.cancelled_quantity, line.allocations) == (D(0), D(20), [])
    assert allocated(levels)["GAD-2"] == D(0)
    assert result.lines[0].acks == [LineAck(ChangeAck.DELETED, D(0))]
    assert result.order.status is OrderStatus.CONFIRMED  # line 1 is still on


def test_price_change_within_tolerance_and_beyond() -> None:
    levels = stock()
    profile = partner(price_tolerance=PriceTolerance(percent=D(10), action=PriceAction.ACCEPT_OUR_PRICE))
    order = confirmed(levels, profile)
    ok = run(order, change(poc("1", "PC", ChangeCode.PRICE_CHANGE, price="9.50")), levels, profile=profile)
    assert ok.order.lines[0].unit_price == D("9.50")
    assert ok.lines[0].acks == [LineAck(ChangeAck.ACCEPTED, D(10))]
    ours = run(order, change(poc("1", "PC", ChangeCode.PRICE_CHANGE, price="5.00")), levels, profile=profile)
    assert ours.order.lines[0].unit_price == D("10.00")
    assert ours.lines[0].acks == [LineAck(ChangeAck.PRICE_CHANGED, D(10))]
    strict = partner(price_tolerance=PriceTolerance(percent=D(10), action=PriceAction.REJECT_LINE))
    refused = run(
        order, change(poc("1", "PC", ChangeCode.PRICE_CHANGE, price="5.00")), levels, profile=strict
    )
    assert (refused.lines[0].accepted, refused.lines[0].reason) == (False, "price.beyond_tolerance")
    assert refused.order == order


def test_date_change_met_and_rescheduled() -> None:
    levels = stock()
    order = confirmed(levels)
    later = date(2026, 4, 1)
    met = run(order, change(poc("1", "DC", ChangeCode.DATE_CHANGE, dates=(("002", later),))), levels)
    assert (met.order.lines[0].requested_date, met.order.lines[0].promised_date) == (later, None)
    assert met.lines[0].acks == [LineAck(ChangeAck.ACCEPTED, D(10))]
    early = run(order, change(poc("1", "DC", ChangeCode.DATE_CHANGE, dates=(("002", TODAY),))), levels)
    promised = date(2026, 3, 3)  # today + one lead day
    assert early.lines[0].acks == [LineAck(ChangeAck.DATE_RESCHEDULED, D(10), promised)]
    assert LineStatus.DATE_RESCHEDULED in early.order.lines[0].statuses


def test_whole_order_cancel_releases_everything() -> None:
    levels = stock()
    order = confirmed(levels)
    result = run(order, change(purpose=Purpose.CANCEL), levels)
    assert result.cancel and result.order.status is OrderStatus.CANCELLED
    assert allocated(levels) == {"WID-1": D(0), "GAD-2": D(0), "BOLT-3": D(0)}
    assert [(r.line_number, r.change_code, r.acks) for r in result.lines] == [
        ("1", "DI", [LineAck(ChangeAck.DELETED, D(0))]),
        ("2", "DI", [LineAck(ChangeAck.DELETED, D(0))]),
    ]
    assert result.ack_type is ChangeAckType.ACCEPTED_NO_CHANGE


def test_late_cancel_is_refused_for_what_shipped() -> None:
    levels = stock()
    order = confirmed(levels)
    order.lines[0].shipped_quantity = D(10)  # line 1 has left in full
    order.lines[1].shipped_quantity = D(5)  # 5 of line 2's 20 have left
    order.lines[1].allocations[0].quantity = D(15)  # what is still reserved for it
    levels[1].allocated = D(15)
    before = copy.deepcopy(order)
    result = run(order, change(purpose=Purpose.CANCEL), levels)
    assert order == before
    first, second = result.lines
    assert (first.accepted, first.reason) == (False, "line.shipped")
    assert "shipped in full" in first.message
    assert first.acks == [LineAck(ChangeAck.REJECTED, D(10))]
    assert result.order.lines[0] == before.lines[0]
    assert (second.accepted, second.reason) == (True, "line.shipped")
    assert second.acks == [LineAck(ChangeAck.QUANTITY_CHANGED, D(5))]
    assert (result.order.lines[1].confirmed_quantity, result.order.lines[1].cancelled_quantity) == (
        D(5),
        D(15),
    )
    assert allocated(levels)["GAD-2"] == D(0)
    assert result.order.status is OrderStatus.CONFIRMED  # goods have left: the order stands


def test_cancel_of_an_order_shipped_in_full_changes_nothing() -> None:
    levels = stock()
    order = confirmed(levels)
    for line in order.lines:
        line.shipped_quantity = line.ordered_quantity
    before_stock = allocated(levels)
    result = run(order, change(purpose=Purpose.CANCEL), levels)
    assert not result.accepted
    assert result.order == order
    assert allocated(levels) == before_stock
    assert result.ack_type is ChangeAckType.REJECTED_WITH_DETAIL
    assert {r.reason for r in result.lines} == {"line.shipped"}


def test_late_quantity_decrease_below_shipped_is_refused_and_order_unchanged() -> None:
    levels = stock()
    order = confirmed(levels)
    order.lines[0].shipped_quantity = D(8)
    before_stock = allocated(levels)
    result = run(
        order,
        change(
            poc("1", "QD", ChangeCode.QUANTITY_DECREASE, qty="5"),
            poc("2", "PC", ChangeCode.PRICE_CHANGE, price="5.00"),
        ),
        levels,
    )
    refused, taken = result.lines
    assert (refused.accepted, refused.reason) == (False, "line.shipped")
    assert "8 have shipped" in refused.message
    assert result.order.lines[0] == order.lines[0]
    assert taken.accepted
    assert allocated(levels) == before_stock
    assert result.ack_type is ChangeAckType.ACCEPTED_WITH_CHANGES


def test_late_delete_and_price_change_refused() -> None:
    levels = stock()
    order = confirmed(levels)
    order.lines[1].shipped_quantity = D(1)
    result = run(
        order,
        change(poc("2", "DI", ChangeCode.DELETE), poc("2", "PC", ChangeCode.PRICE_CHANGE, price="4.00")),
        levels,
    )
    assert [(r.accepted, r.reason) for r in result.lines] == [
        (False, "line.shipped"),
        (False, "line.shipped"),
    ]
    assert result.order == order


def test_unknown_line_and_item_replacement_refused() -> None:
    levels = stock()
    order = confirmed(levels)
    result = run(
        order,
        change(
            poc("9", "QD", ChangeCode.QUANTITY_DECREASE, qty="1"),
            poc("1", "RA", ChangeCode.REPLACE_ITEM, sku="GAD-2"),
        ),
        levels,
    )
    assert [r.reason for r in result.lines] == ["line.unknown", "change.unsupported"]
    assert not result.accepted and result.order == order


def test_change_other_takes_what_it_states() -> None:
    levels = stock()
    order = confirmed(levels)
    result = run(order, change(poc("2", "CA", ChangeCode.CHANGE_OTHER, qty="12", price="5.00")), levels)
    line = result.order.lines[1]
    assert (line.ordered_quantity, line.unit_price) == (D(12), D("5.00"))
    assert allocated(levels)["GAD-2"] == D(12)
    assert result.lines[0].acks == [LineAck(ChangeAck.ACCEPTED, D(12))]


def test_a_closed_order_takes_no_change() -> None:
    levels = stock()
    order = confirmed(levels)
    cancelled = run(order, change(purpose=Purpose.CANCEL), levels).order
    assert cancelled.status is OrderStatus.CANCELLED
    before_stock = allocated(levels)
    again = run(cancelled, change(poc("1", "QI", ChangeCode.QUANTITY_INCREASE, qty="20")), levels)
    assert not again.accepted and again.order == cancelled
    assert [(r.reason, r.acks) for r in again.lines] == [
        ("order.closed", [LineAck(ChangeAck.REJECTED, D(10))])
    ]
    assert allocated(levels) == before_stock
