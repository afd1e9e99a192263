"""865 writer: structure and codes in 004010 and 005010, from real change results."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from gateway.domain.changes import ChangeResult
from gateway.domain.model import ChangeCode, PoLine, ProductId, PurchaseOrder, PurchaseOrderChange, Purpose
from gateway.domain.rules import confirm_order
from outbound.x12 import InMemoryControlNumbers, Party, WriterError, X12Writer
from outbound.x12.change_ack import build_865, envelope_865
from parsers.x12.reader import read_bytes
from parsers.x12.structure import GroupStart, TransactionSet
from tests.unit.test_changes import (
    ITEMS,
    SHIP_TO,
    TODAY,
    WAREHOUSES,
    change,
    partner,
    poc,
    run,
    stock,
)

D = Decimal
NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
VERSIONS = ("004010", "005010")
OURS, THEIRS = Party("ZZ", "ORDERGATE"), Party("ZZ", "ACMEBUYER")


def original() -> PurchaseOrder:
    return PurchaseOrder(
        po_number="PO1",
        po_date=TODAY,
        parties=[SHIP_TO],
        lines=[
            PoLine(
                "1", D(10), "EA", D("10.00"), product_ids=[ProductId("BP", "B-1"), ProductId("SK", "WID-1")]
            ),
            PoLine("2", D(20), "EA", D("5.00"), product_ids=[ProductId("SK", "GAD-2")]),
        ],
    )


def answered(ch: PurchaseOrderChange, *, shipped: dict[int, str] | None = None) -> ChangeResult:
    levels = stock(wid="15")
    order = confirm_order(
        original(), partner(), ITEMS, levels, WAREHOUSES, already_ordered=False, today=TODAY
    )
    for index, quantity in (shipped or {}).items():
        order.lines[index].shipped_quantity = D(quantity)
    return run(order, ch, levels)


CASES: dict[str, Callable[[], tuple[ChangeResult, PurchaseOrderChange]]] = {}


def case(
    fn: Callable[[], PurchaseOrderChange], **kw: object
) -> Callable[[], tuple[ChangeResult, PurchaseOrderChange]]:
    def build() -> tuple[ChangeResult, PurchaseOrderChange]:
        ch = fn()
        return answered(ch, **kw), ch  # type: ignore[arg-type]

    return build


CASES["quantity-decrease"] = case(lambda: change(poc("1", "QD", ChangeCode.QUANTITY_DECREASE, qty="4")))
CASES["increase-backordered"] = case(lambda: change(poc("1", "QI", ChangeCode.QUANTITY_INCREASE, qty="25")))
CASES["add-and-delete"] = case(
    lambda: change(poc("3", "AI", ChangeCode.ADD, qty="40", sku="BOLT-3"), poc("2", "DI", ChangeCode.DELETE))
)
CASES["date-rescheduled"] = case(
    lambda: change(poc("2", "DC", ChangeCode.DATE_CHANGE, dates=(("002", TODAY),)))
)
CASES["cancel"] = case(lambda: change(purpose=Purpose.CANCEL))
CASES["cancel-late"] = case(lambda: change(purpose=Purpose.CANCEL), shipped={0: "10", 1: "5"})
CASES["refused"] = case(
    lambda: change(poc("1", "QD", ChangeCode.QUANTITY_DECREASE, qty="2")), shipped={0: "8"}
)


def write(result: ChangeResult, ch: PurchaseOrderChange, version: str) -> bytes:
    written = envelope_865(
        X12Writer(InMemoryControlNumbers(), clock=lambda: NOW),
        result,
        ch,
        ours=OURS,
        theirs=THEIRS,
        our_gs="ORDERGATE",
        their_gs="ACMEBUYER",
        version=version,
        today=NOW.date(),
        po=original(),
        sales_order_number="SO7",
        implementation_ref=version if version >= "005" else None,
    )
    return written.data


def body(data: bytes) -> tuple[str, list[list[str]]]:
    events = list(read_bytes(data))
    for event in events:
        assert not getattr(event, "diagnostics", []), event
    (group,) = [e.header for e in events if isinstance(e, GroupStart)]
    (st,) = [e for e in events if isinstance(e, TransactionSet)]
    assert st.set_id == "865"
    assert st.segments[-1] == ["SE", str(len(st.segments)), st.control]
    return group.functional_id, st.segments[1:-1]


def loops(segments: list[list[str]]) -> list[tuple[list[str], list[list[str]]]]:
    out: list[tuple[list[str], list[list[str]]]] = []
    for seg in segments:
        if seg[0] == "POC":
            out.append((seg, []))
        elif seg[0] == "ACK":
            out[-1][1].append(seg)
    return out


@pytest.mark.parametrize("version", VERSIONS)
def test_quantity_decrease(version: str) -> None:
    result, ch = CASES["quantity-decrease"]()
    gs01, segs = body(write(result, ch, version))
    assert gs01 == "CA"
    assert segs[0] == ["BCA", "00", "AD", "PO1", "", "", "20260302", "", "", "SO7", "20260302"]
    assert loops(segs) == [
        (["POC", "1", "QD", "4", "", "EA", "10", "", "BP", "B-1", "SK", "WID-1"], [["ACK", "IA", "4", "EA"]])
    ]
    assert segs[-1] == ["CTT", "1"]


@pytest.mark.parametrize("version", VERSIONS)
def test_codes_of_each_case(version: str) -> None:
    expected = {
        "increase-backordered": ("AC", [("1", "QI", [("IA", "15"), ("IB", "10")])]),
        "add-and-delete": ("AD", [("3", "AI", [("IA", "40")]), ("2", "DI", [("ID", "0")])]),
        "date-rescheduled": ("AC", [("2", "DC", [("DR", "20")])]),
        "cancel": ("AD", [("1", "DI", [("ID", "0")]), ("2", "DI", [("ID", "0")])]),
        "cancel-late": ("AC", [("1", "DI", [("IR", "10")]), ("2", "DI", [("IQ", "5")])]),
        "refused": ("RD", [("1", "QD", [("IR", "10")])]),
    }
    for name, (bca02, lines) in expected.items():
        result, ch = CASES[name]()
        _, segs = body(write(result, ch, version))
        assert segs[0][2] == bca02, name
        got = [(poc_[1], poc_[2], [(a[1], a[2]) for a in acks]) for poc_, acks in loops(segs)]
        assert got == lines, name
        assert segs[-1] == ["CTT", str(len(lines))]


def test_date_rescheduled_carries_the_promised_ship_date() -> None:
    result, ch = CASES["date-rescheduled"]()
    _, segs = body(write(result, ch, "004010"))
    ((_, acks),) = loops(segs)
    assert acks == [["ACK", "DR", "20", "EA", "068", "20260303"]]


def test_st03_only_from_005010() -> None:
    result, ch = CASES["cancel"]()
    with pytest.raises(WriterError):
        envelope_865(
            X12Writer(InMemoryControlNumbers(), clock=lambda: NOW),
            result,
            ch,
            ours=OURS,
            theirs=THEIRS,
            our_gs="A",
            their_gs="B",
            version="004010",
            today=NOW.date(),
            implementation_ref="005010",
        )


def test_po_date_is_mandatory() -> None:
    result, ch = CASES["cancel"]()
    ch.po_date = None
    result.order.order_date = None
    with pytest.raises(WriterError):
        build_865(result, ch, today=date(2026, 3, 2))
