"""Allocation: warehouse ranking, single vs split, short stock by policy, never over on-hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain.allocation import allocate, rank_warehouses, warehouse_distance
from gateway.domain.catalog import StockLevel, Warehouse
from gateway.domain.model import Party
from gateway.domain.orders import LineStatus, SalesOrderLine
from gateway.domain.partners import OrderPolicy, ShortStockAction

D = Decimal
IB, IQ = LineStatus.BACKORDERED, LineStatus.QUANTITY_CHANGED

# ship-to 10001 (three-digit prefix 100): NYC same prefix, ALB/BUF same first digit, NJ/ATL elsewhere
NYC = Warehouse("NYC", "Manhattan", state="NY", postal_code="10013")
ALB = Warehouse("ALB", "Albany", state="NY", postal_code="12205")
BUF = Warehouse("BUF", "Buffalo", state="NY", postal_code="14201")
NJ = Warehouse("NJ", "Newark", state="NJ", postal_code="07094")
ATL = Warehouse("ATL", "Atlanta", state="GA", postal_code="30301")
ALL = [ATL, NJ, BUF, ALB, NYC]
SHIP_TO = Party(role="ship_to", name="Store 12", state="NY", postal_code="10001-2233")


def line(qty: str = "10", sku: str = "WID", factor: str = "1", number: str = "1") -> SalesOrderLine:
    f = D(factor)
    return SalesOrderLine(
        line_number=number, sku=sku, ordered_quantity=D(qty), unit="EA", base_quantity=D(qty) * f, factor=f
    )


def stock(**by_warehouse: str) -> list[StockLevel]:
    return [StockLevel("WID", code, D(qty)) for code, qty in by_warehouse.items()]


def policy(**kw: object) -> OrderPolicy:
    return OrderPolicy(**kw)  # type: ignore[arg-type]


def allocated(rows: list[StockLevel]) -> dict[str, Decimal]:
    return {r.warehouse: r.allocated for r in rows}


# --- ranking -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("ship_to", "preferred", "expected"),
    [
        pytest.param(SHIP_TO, [], ["NYC", "ALB", "BUF", "NJ", "ATL"], id="nearest-by-zip"),
        pytest.param(SHIP_TO, ["ATL", "NJ"], ["ATL", "NJ", "NYC", "ALB", "BUF"], id="preferred-first"),
        pytest.param(SHIP_TO, ["NOPE", "BUF"], ["BUF", "NYC", "ALB", "NJ", "ATL"], id="unknown-preferred"),
        pytest.param(None, [], ["ATL", "NJ", "BUF", "ALB", "NYC"], id="no-ship-to-keeps-given-order"),
        pytest.param(
            Party(role="ship_to", state="NJ", postal_code=None),
            [],
            ["NJ", "ATL", "BUF", "ALB", "NYC"],
            id="no-zip-same-state-first",
        ),
        pytest.param(
            Party(role="ship_to", postal_code="30097"),
            [],
            ["ATL", "BUF", "ALB", "NYC", "NJ"],
            id="atlanta-ship-to-numeric-spread",
        ),
    ],
)
def test_rank_warehouses(ship_to: Party | None, preferred: list[str], expected: list[str]) -> None:
    assert [w.code for w in rank_warehouses(ALL, ship_to, preferred)] == expected


@pytest.mark.parametrize(
    ("warehouse", "expected"),
    [
        pytest.param(NYC, (0, 0), id="same-three-digits"),
        pytest.param(ALB, (1, 22), id="same-first-digit"),
        pytest.param(NJ, (2, 30), id="other-region"),
        pytest.param(Warehouse("TOR", "Toronto", state="ON", postal_code="M5V 2T6"), (4, 0), id="non-us-zip"),
    ],
)
def test_warehouse_distance(warehouse: Warehouse, expected: tuple[int, int]) -> None:
    assert warehouse_distance(warehouse, SHIP_TO) == expected


# --- where stock comes from -------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "pol", "want", "expected_alloc", "ship_from", "backordered"),
    [
        pytest.param(
            stock(NYC="50", ALB="50"), policy(), "10", {"NYC": D(10), "ALB": D(0)}, "NYC", D(0), id="nearest"
        ),
        pytest.param(
            stock(NYC="50", ATL="50"),
            policy(preferred_warehouses=["ATL"]),
            "10",
            {"NYC": D(0), "ATL": D(10)},
            "ATL",
            D(0),
            id="preferred-warehouse",
        ),
        pytest.param(
            stock(NYC="6", ALB="10"),
            policy(multi_warehouse=False),
            "10",
            {"NYC": D(0), "ALB": D(10)},
            "ALB",
            D(0),
            id="single-warehouse-that-fills",
        ),
        pytest.param(
            stock(NYC="6", ALB="10"),
            policy(multi_warehouse=True),
            "10",
            {"NYC": D(6), "ALB": D(4)},
            None,
            D(0),
            id="split-allowed",
        ),
        pytest.param(
            stock(NYC="6", ALB="3"),
            policy(multi_warehouse=False),
            "10",
            {"NYC": D(6), "ALB": D(0)},
            "NYC",
            D(4),
            id="split-not-allowed-short",
        ),
        pytest.param(
            stock(NYC="6", ALB="3"),
            policy(multi_warehouse=True),
            "10",
            {"NYC": D(6), "ALB": D(3)},
            None,
            D(1),
            id="split-allowed-short",
        ),
        pytest.param(
            [*stock(NYC="50"), StockLevel("WID", "ELSEWHERE", D(50))],
            policy(),
            "60",
            {"NYC": D(50), "ELSEWHERE": D(0)},
            "NYC",
            D(10),
            id="unlisted-warehouse-ignored",
        ),
    ],
)
def test_where_stock_comes_from(
    rows: list[StockLevel],
    pol: OrderPolicy,
    want: str,
    expected_alloc: dict[str, Decimal],
    ship_from: str | None,
    backordered: Decimal,
) -> None:
    ln = line(want)
    result = allocate([ln], rows, ALL, SHIP_TO, pol)
    assert allocated(rows) == expected_alloc
    assert result.ship_from == ship_from
    assert ln.backordered_quantity == backordered
    assert ln.confirmed_quantity == D(want) - backordered
    assert sum(a.quantity for a in ln.allocations) == ln.confirmed_quantity


def test_single_warehouse_serves_the_whole_order() -> None:
    rows = [StockLevel("WID", "NYC", D(10)), StockLevel("GAD", "ALB", D(5)), StockLevel("WID", "ALB", D(10))]
    a, b = line("10"), line("5", sku="GAD", number="2")
    result = allocate([a, b], rows, ALL, SHIP_TO, policy(multi_warehouse=False))
    assert result.ship_from == "ALB"
    assert [al.warehouse for al in a.allocations + b.allocations] == ["ALB", "ALB"]


def test_lines_of_one_sku_share_the_stock() -> None:
    rows = stock(NYC="15")
    a, b = line("10"), line("10", number="2")
    allocate([a, b], rows, ALL, SHIP_TO, policy())
    assert (a.confirmed_quantity, b.confirmed_quantity, b.backordered_quantity) == (D(10), D(5), D(5))
    assert rows[0].allocated == D(15)


# --- short stock by policy --------------------------------------------------


@pytest.mark.parametrize(
    ("short_stock", "partial", "confirmed", "backordered", "cancelled", "statuses", "reason", "reserved"),
    [
        pytest.param("backorder", True, 6, 4, 0, [IB], "stock.backordered", 6, id="backorder"),
        pytest.param("cancel", True, 6, 0, 4, [IQ], "stock.cancelled", 6, id="cancel"),
        pytest.param("review", True, 0, 0, 0, [], "stock.short", 0, id="review"),
        pytest.param("backorder", False, 0, 10, 0, [IB], "stock.backordered", 0, id="no-partial-backorder"),
        pytest.param("cancel", False, 0, 0, 10, [IQ], "stock.cancelled", 0, id="no-partial-cancel"),
        pytest.param("review", False, 0, 0, 0, [], "stock.short", 0, id="no-partial-review"),
    ],
)
def test_short_line_by_policy(
    short_stock: str,
    partial: bool,
    confirmed: int,
    backordered: int,
    cancelled: int,
    statuses: list[LineStatus],
    reason: str,
    reserved: int,
) -> None:
    rows = stock(NYC="6")
    ln = line("10")
    result = allocate(
        [ln], rows, ALL, SHIP_TO, policy(short_stock=ShortStockAction(short_stock), partial_shipment=partial)
    )
    assert (ln.confirmed_quantity, ln.backordered_quantity, ln.cancelled_quantity) == (
        D(confirmed),
        D(backordered),
        D(cancelled),
    )
    assert ln.statuses == statuses
    assert [o.reason for o in ln.outcomes] == [reason]
    assert result.review is (short_stock == "review")
    assert rows[0].allocated == D(reserved)


def test_review_changes_nothing_even_for_lines_that_could_fill() -> None:
    rows = [StockLevel("WID", "NYC", D(6)), StockLevel("GAD", "NYC", D(100))]
    full, short = line("5", sku="GAD"), line("10", number="2")
    result = allocate([full, short], rows, ALL, SHIP_TO, policy(short_stock=ShortStockAction.REVIEW))
    assert result.review
    assert [r.allocated for r in rows] == [D(0), D(0)]
    assert full.allocations == [] and full.confirmed_quantity == 0
    assert [o.line_number for o in result.outcomes] == ["2"]


@pytest.mark.parametrize(
    ("qty", "factor", "available", "pack_required", "confirmed", "base_taken"),
    [
        pytest.param("2", "12", "20", False, "1", "12", id="whole-cases-only"),
        pytest.param("2", "12", "24", False, "2", "24", id="cases-filled"),
        pytest.param("12", "1", "10", True, "6", "6", id="whole-packs-only"),
        pytest.param("12", "1", "10", False, "10", "10", id="eaches-when-packs-not-required"),
    ],
)
def test_quantities_taken_in_whole_units(
    qty: str, factor: str, available: str, pack_required: bool, confirmed: str, base_taken: str
) -> None:
    rows = stock(NYC=available)
    ln = line(qty, factor=factor)
    allocate([ln], rows, ALL, SHIP_TO, policy(pack_multiple_required=pack_required), pack_sizes={"WID": D(6)})
    assert ln.confirmed_quantity == D(confirmed)
    assert ln.backordered_quantity == D(qty) - D(confirmed)
    assert rows[0].allocated == D(base_taken)


# --- never more than on hand ------------------------------------------------


@pytest.mark.parametrize(
    ("on_hand", "already", "expected"),
    [
        pytest.param("10", "4", "10", id="tops-up-to-on-hand"),
        pytest.param("10", "10", "10", id="fully-allocated"),
        pytest.param("10", "12", "12", id="over-allocated-row-untouched"),
    ],
)
def test_allocated_never_exceeds_on_hand(on_hand: str, already: str, expected: str) -> None:
    rows = [StockLevel("WID", "NYC", D(on_hand), allocated=D(already))]
    ln = line("20")
    allocate([ln], rows, ALL, SHIP_TO, policy())
    assert rows[0].allocated == D(expected)
    assert ln.confirmed_quantity == D(expected) - D(already)


@settings(max_examples=150, deadline=None)
@given(
    quantities=st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=4),
    factors=st.lists(st.sampled_from([1, 2, 12]), min_size=4, max_size=4),
    on_hands=st.lists(st.integers(min_value=0, max_value=60), min_size=5, max_size=5),
    already=st.lists(st.integers(min_value=0, max_value=70), min_size=5, max_size=5),
    multi=st.booleans(),
    partial=st.booleans(),
    short=st.sampled_from(list(ShortStockAction)),
)
def test_allocation_invariants(
    quantities: list[int],
    factors: list[int],
    on_hands: list[int],
    already: list[int],
    multi: bool,
    partial: bool,
    short: ShortStockAction,
) -> None:
    rows = [
        StockLevel("WID", w.code, D(on_hand), D(min(a, on_hand + 5)))
        for w, on_hand, a in zip(ALL, on_hands, already, strict=True)
    ]
    before = [r.allocated for r in rows]
    lines = [line(str(q), factor=str(factors[i]), number=str(i + 1)) for i, q in enumerate(quantities)]
    pol = policy(multi_warehouse=multi, partial_shipment=partial, short_stock=short)
    result = allocate(lines, rows, ALL, SHIP_TO, pol)
    for row, was in zip(rows, before, strict=True):
        assert row.allocated >= was
        assert row.allocated <= max(row.on_hand, was)
    reserved = sum(r.allocated for r in rows) - sum(before)
    assert reserved == sum(a.quantity for ln in lines for a in ln.allocations)
    for ln in lines:
        assert sum(a.quantity for a in ln.allocations) == ln.confirmed_quantity * ln.factor
        if result.review:
            assert ln.confirmed_quantity == 0 and not ln.allocations
        else:
            total = ln.confirmed_quantity + ln.backordered_quantity + ln.cancelled_quantity
            assert total == ln.ordered_quantity
            if not partial:
                assert ln.confirmed_quantity in (0, ln.ordered_quantity)
            if not multi:
                assert len({a.warehouse for a in ln.allocations}) <= 1
