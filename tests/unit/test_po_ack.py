"""The 855 purchase order acknowledgement, read back from its enveloped bytes.

Every case is written with ``envelope_855`` and read again with our own X12
reader (``parsers.x12.reader.read_bytes``), then compared with the canonical
purchase order it answers: PO number, line numbers and product ids must come
back exactly as the buyer sent them.  ``CASES`` is shared with the peer test
(``tests/integration/test_855_mock_edi.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from gateway.domain.model import Party as DomainParty
from gateway.domain.model import PoLine, ProductId, PurchaseOrder, Reference
from gateway.domain.orders import AckType, LineStatus, OrderStatus, SalesOrder, SalesOrderLine
from outbound.x12 import InMemoryControlNumbers, Party, WriterError, X12Writer
from outbound.x12.documents import envelope_855
from outbound.x12.po_ack import build_855
from parsers.x12.reader import read_bytes
from parsers.x12.structure import (
    GroupHeader,
    GroupStart,
    InterchangeHeader,
    InterchangeStart,
    Segment,
    TransactionSet,
)

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
PO_DATE = date(2026, 2, 27)
PROMISED = date(2026, 3, 9)
OURS = Party("ZZ", "ORDERGATE")
THEIRS = Party("ZZ", "ACMEBUYER")
OUR_GS = "ORDERGATE"
THEIR_GS = "ACMEBUYER"
SO_NUMBER = "SO-000417"
VERSIONS = ("004010", "005010")


# -- the documents, built by hand


def po_line(
    number: str | None,
    quantity: str,
    *,
    unit: str = "EA",
    price: str = "12.50",
    ids: tuple[tuple[str, str], ...] = (("BP", "B-100"), ("UP", "012345678905")),
) -> PoLine:
    return PoLine(
        line_number=number,
        quantity=Decimal(quantity),
        unit=unit,
        unit_price=Decimal(price),
        price_basis="PE",
        product_ids=[ProductId(q, v) for q, v in ids],
    )


def purchase_order(*lines: PoLine, number: str = "4500001234") -> PurchaseOrder:
    return PurchaseOrder(
        po_number=number,
        po_date=PO_DATE,
        release_number="R1",
        references=[Reference("DP", "042"), Reference("IA", "V-77"), Reference("ZZ", "not echoed")],
        parties=[
            DomainParty("buyer", name="Acme Stores", id="0012345", id_qualifier="92"),
            DomainParty(
                "ship_to",
                name="Acme DC 9",
                id="0009",
                id_qualifier="92",
                address_lines=["100 Warehouse Way"],
                city="Springfield",
                state="IL",
                postal_code="62701",
                country="US",
            ),
        ],
        lines=list(lines),
    )


def so_line(
    number: str | None,
    ordered: str,
    confirmed: str | None = None,
    *,
    unit: str = "EA",
    price: str = "12.50",
    backordered: str = "0",
    cancelled: str = "0",
    statuses: tuple[LineStatus, ...] = (),
    promised: date | None = None,
    sku: str = "SKU-1",
) -> SalesOrderLine:
    return SalesOrderLine(
        line_number=number,
        sku=sku,
        ordered_quantity=Decimal(ordered),
        unit=unit,
        unit_price=Decimal(price),
        confirmed_quantity=Decimal(ordered if confirmed is None else confirmed),
        backordered_quantity=Decimal(backordered),
        cancelled_quantity=Decimal(cancelled),
        statuses=list(statuses),
        promised_date=promised,
    )


def sales_order(ack: AckType, *lines: SalesOrderLine, po_number: str = "4500001234") -> SalesOrder:
    status = OrderStatus.REJECTED if ack is AckType.REJECTED else OrderStatus.CONFIRMED
    return SalesOrder("acme", po_number, status, ack, lines=list(lines))


@dataclass
class Case:
    order: SalesOrder
    po: PurchaseOrder
    options: dict[str, Any] = field(default_factory=dict)


def _accepted() -> Case:
    po = purchase_order(po_line("1", "100"), po_line("2", "24", unit="CA", price="30", ids=(("VP", "W-2"),)))
    order = sales_order(
        AckType.ACCEPTED_NO_CHANGE,
        so_line("1", "100", promised=PROMISED),
        so_line("2", "24", unit="CA", price="30", promised=PROMISED),
    )
    return Case(order, po)


def _backordered() -> Case:
    po = purchase_order(po_line("1", "100"), po_line("2", "10", ids=(("VP", "W-2"),)))
    order = sales_order(
        AckType.ACCEPTED_WITH_CHANGES,
        so_line("1", "100", "80", backordered="20", statuses=(LineStatus.BACKORDERED,), promised=PROMISED),
        so_line("2", "10", promised=PROMISED),
    )
    return Case(order, po)


def _cancelled() -> Case:
    po = purchase_order(po_line("1", "100"), po_line("2", "10", ids=(("VP", "W-2"),)))
    order = sales_order(
        AckType.ACCEPTED_WITH_CHANGES,
        so_line("1", "100", "80", cancelled="20", statuses=(LineStatus.QUANTITY_CHANGED,), promised=PROMISED),
        so_line("2", "10", promised=PROMISED),
    )
    return Case(order, po)


def _price_changed() -> Case:
    po = purchase_order(po_line("1", "100", price="12.50"))
    order = sales_order(
        AckType.ACCEPTED_WITH_CHANGES,
        so_line("1", "100", price="13.10", statuses=(LineStatus.PRICE_CHANGED,), promised=PROMISED),
    )
    return Case(order, po)


def _date_rescheduled() -> Case:
    po = purchase_order(po_line("1", "100"))
    order = sales_order(
        AckType.ACCEPTED_WITH_CHANGES,
        so_line("1", "100", statuses=(LineStatus.DATE_RESCHEDULED,), promised=PROMISED),
    )
    return Case(order, po)


def _line_rejected() -> Case:
    po = purchase_order(po_line("1", "100"), po_line("2", "5", ids=(("VP", "DISCONTINUED-9"),)))
    order = sales_order(
        AckType.ACCEPTED_WITH_CHANGES,
        so_line("1", "100", promised=PROMISED),
        so_line("2", "5", "0", cancelled="5", statuses=(LineStatus.REJECTED,)),
    )
    return Case(order, po)


def _exceptions_only() -> Case:
    po = purchase_order(
        po_line("1", "100"),
        po_line("2", "50", ids=(("VP", "W-2"),)),
        po_line("3", "10", price="4.00", ids=(("VP", "W-3"),)),
    )
    order = sales_order(
        AckType.ACCEPTED_WITH_CHANGES,
        so_line("1", "100", promised=PROMISED),
        so_line("2", "50", "30", backordered="20", statuses=(LineStatus.BACKORDERED,), promised=PROMISED),
        so_line("3", "10", price="4.25", statuses=(LineStatus.PRICE_CHANGED,), promised=PROMISED),
    )
    return Case(order, po, {"exceptions_only": True})


def _rejected() -> Case:
    po = purchase_order(po_line("1", "100"), po_line("2", "10"))
    order = sales_order(
        AckType.REJECTED,
        so_line("1", "100", "0", cancelled="100", statuses=(LineStatus.REJECTED,)),
        so_line("2", "10", "0", cancelled="10", statuses=(LineStatus.REJECTED,)),
    )
    return Case(order, po)


def _changes_made() -> Case:
    """Short and cancelled, and at our price: two changes on one line are IC."""
    po = purchase_order(po_line("1", "100"))
    order = sales_order(
        AckType.ACCEPTED_WITH_CHANGES,
        so_line(
            "1",
            "100",
            "60",
            cancelled="40",
            price="13.10",
            statuses=(LineStatus.PRICE_CHANGED, LineStatus.QUANTITY_CHANGED),
            promised=PROMISED,
        ),
    )
    return Case(order, po)


def _all_backordered() -> Case:
    po = purchase_order(po_line("1", "100"))
    order = sales_order(
        AckType.ACCEPTED_WITH_CHANGES,
        so_line("1", "100", "0", backordered="100", statuses=(LineStatus.BACKORDERED,)),
    )
    return Case(order, po)


CASES: dict[str, Callable[[], Case]] = {
    "accepted": _accepted,
    "short-backordered": _backordered,
    "short-cancelled": _cancelled,
    "price-changed": _price_changed,
    "date-rescheduled": _date_rescheduled,
    "line-rejected": _line_rejected,
    "exceptions-only": _exceptions_only,
    "rejected": _rejected,
    "changes-made": _changes_made,
    "all-backordered": _all_backordered,
}


# -- writing and reading back


def write_855(case: Case, version: str = "004010", **options: Any) -> bytes:
    """The case enveloped as ``envelope_855`` writes it for the pipeline."""
    kwargs: dict[str, Any] = {"sales_order_number": SO_NUMBER, **case.options, **options}
    if version >= "005":
        kwargs.setdefault("implementation_ref", version)
    written = envelope_855(
        X12Writer(InMemoryControlNumbers(), clock=lambda: NOW),
        case.order,
        case.po,
        ours=OURS,
        theirs=THEIRS,
        our_gs=OUR_GS,
        their_gs=THEIR_GS,
        version=version,
        today=TODAY,
        **kwargs,
    )
    return written.data


@dataclass
class Read:
    interchange: InterchangeHeader
    group: GroupHeader
    st: TransactionSet

    @property
    def body(self) -> list[Segment]:
        return self.st.segments[1:-1]

    def all(self, tag: str) -> list[Segment]:
        return [s for s in self.body if s[0] == tag]

    def one(self, tag: str) -> Segment:
        (found,) = self.all(tag)
        return found

    def lines(self) -> list[tuple[Segment, list[Segment]]]:
        """Each PO1 with the ACK segments of its loop."""
        out: list[tuple[Segment, list[Segment]]] = []
        for seg in self.body:
            if seg[0] == "PO1":
                out.append((seg, []))
            elif seg[0] == "ACK":
                out[-1][1].append(seg)
        return out


def read_855(data: bytes) -> Read:
    """Our own reader over our own bytes: exactly one clean interchange, group and 855."""
    events = list(read_bytes(data))
    for event in events:
        assert not getattr(event, "diagnostics", []), event
    (head,) = [e.header for e in events if isinstance(e, InterchangeStart)]
    (group,) = [e.header for e in events if isinstance(e, GroupStart)]
    (st,) = [e for e in events if isinstance(e, TransactionSet)]
    assert st.set_id == "855"
    return Read(head, group, st)


def ids_of(po1: Segment) -> list[tuple[str, str]]:
    rest = po1[6:]
    return list(zip(rest[::2], rest[1::2], strict=True))


def assert_echoes(read: Read, po: PurchaseOrder, numbers: list[str]) -> None:
    """BAK03/BAK04 and every PO1's number, quantity, unit and ids as the canonical PO has them."""
    bak = read.one("BAK")
    assert bak[3] == po.po_number
    assert bak[4] == po.po_date.strftime("%Y%m%d")  # type: ignore[union-attr]
    by_number = {ln.line_number: ln for ln in po.lines}
    assert [po1[1] for po1, _ in read.lines()] == numbers
    for po1, _ in read.lines():
        sent = by_number[po1[1]]
        assert Decimal(po1[2]) == sent.quantity
        assert po1[3] == sent.unit
        assert ids_of(po1) == [(p.qualifier, p.value) for p in sent.product_ids]


def bak(code: str, our_number: str = SO_NUMBER) -> list[str]:
    """BAK01..BAK09: purpose, type, PO number, PO date, release, -, -, our order number, today."""
    return ["BAK", "00", code, "4500001234", "20260227", "R1", "", "", our_number, "20260302"]


def ack(code: str, qty: str, unit: str = "EA", when: date | None = None) -> list[str]:
    seg = ["ACK", code, qty, unit]
    if when is not None:
        seg += ["068", when.strftime("%Y%m%d")]
    return seg


# -- the cases


def test_all_lines_accepted() -> None:
    case = _accepted()
    read = read_855(write_855(case))
    assert read.one("BAK") == bak("AD")
    assert_echoes(read, case.po, ["1", "2"])
    assert [acks for _, acks in read.lines()] == [
        [ack("IA", "100", when=PROMISED)],
        [ack("IA", "24", "CA", PROMISED)],
    ]
    assert [po1[4] for po1, _ in read.lines()] == ["12.5", "30"]
    assert read.one("CTT") == ["CTT", "2", "124"]
    # the envelope: one PR group in 004010, no ST03
    assert read.interchange.version == "00401"
    assert (read.interchange.sender_id, read.interchange.receiver_id) == ("ORDERGATE", "ACMEBUYER")
    assert (read.group.functional_id, read.group.version) == ("PR", "004010")
    assert (read.group.sender, read.group.receiver) == (OUR_GS, THEIR_GS)
    assert read.st.implementation_ref is None
    assert read.st.segments[0] == ["ST", "855", read.st.control]


def test_header_references_and_parties_are_echoed() -> None:
    read = read_855(write_855(_accepted()))
    assert read.all("REF") == [["REF", "DP", "042"], ["REF", "IA", "V-77"]]
    assert read.all("N1") == [
        ["N1", "BY", "Acme Stores", "92", "0012345"],
        ["N1", "ST", "Acme DC 9", "92", "0009"],
    ]
    assert read.all("N3") == [["N3", "100 Warehouse Way"]]
    assert read.all("N4") == [["N4", "Springfield", "IL", "62701", "US"]]
    tags = [s[0] for s in read.body]
    assert tags[: tags.index("PO1")] == ["BAK", "REF", "REF", "N1", "N1", "N3", "N4"]


def test_header_echo_can_be_turned_off() -> None:
    read = read_855(write_855(_accepted(), header_echo=False))
    assert [s[0] for s in read.body][:2] == ["BAK", "PO1"]
    assert not read.all("REF") and not read.all("N1")


def test_sales_order_number_is_optional() -> None:
    read = read_855(write_855(_accepted(), sales_order_number=None))
    assert read.one("BAK") == bak("AD", our_number="")


def test_short_and_backordered_is_ia_then_ib() -> None:
    case = _backordered()
    read = read_855(write_855(case))
    assert read.one("BAK")[2] == "AC"
    assert_echoes(read, case.po, ["1", "2"])
    assert [acks for _, acks in read.lines()] == [
        [ack("IA", "80", when=PROMISED), ack("IB", "20")],
        [ack("IA", "10", when=PROMISED)],
    ]


def test_short_and_cancelled_is_one_iq_with_the_new_quantity() -> None:
    case = _cancelled()
    read = read_855(write_855(case))
    assert read.one("BAK")[2] == "AC"
    assert_echoes(read, case.po, ["1", "2"])
    (po1, acks), _ = read.lines()
    assert acks == [ack("IQ", "80", when=PROMISED)]
    # nothing says IR for the cancelled 20: PO102 less what the ACKs account for is cancelled
    assert Decimal(po1[2]) - sum(Decimal(a[2]) for a in acks) == Decimal(20)


def test_price_changed_is_ip_with_our_price_in_po104() -> None:
    case = _price_changed()
    read = read_855(write_855(case))
    assert_echoes(read, case.po, ["1"])
    ((po1, acks),) = read.lines()
    assert po1[4] == "13.1" and po1[5] == "PE"
    assert case.po.lines[0].unit_price == Decimal("12.50")
    assert acks == [ack("IP", "100", when=PROMISED)]


def test_date_rescheduled_is_dr_with_the_ship_date() -> None:
    read = read_855(write_855(_date_rescheduled()))
    ((_, acks),) = read.lines()
    assert acks == [["ACK", "DR", "100", "EA", "068", "20260309"]]


def test_rejected_line_is_ir_with_nothing_supplied() -> None:
    case = _line_rejected()
    read = read_855(write_855(case))
    assert read.one("BAK")[2] == "AC"
    assert_echoes(read, case.po, ["1", "2"])
    assert [acks for _, acks in read.lines()] == [[ack("IA", "100", when=PROMISED)], [ack("IR", "0")]]


def test_exceptions_only_sends_the_changed_lines() -> None:
    case = _exceptions_only()
    read = read_855(write_855(case))
    assert read.one("BAK")[2] == "AE"
    assert_echoes(read, case.po, ["2", "3"])
    assert [acks for _, acks in read.lines()] == [
        [ack("IA", "30", when=PROMISED), ack("IB", "20")],
        [ack("IP", "10", when=PROMISED)],
    ]
    assert read.one("CTT") == ["CTT", "2", "60"]


def test_exceptions_only_with_nothing_changed_has_no_lines() -> None:
    read = read_855(write_855(_accepted(), exceptions_only=True))
    assert read.one("BAK")[2] == "AE"
    assert not read.lines() and not read.all("CTT")


def test_rejected_order_is_rj_without_detail() -> None:
    case = _rejected()
    read = read_855(write_855(case))
    assert read.one("BAK") == bak("RJ")
    assert [s[0] for s in read.body] == ["BAK", "REF", "REF", "N1", "N1", "N3", "N4"]
    # exceptions-only does not turn a rejection into AE
    assert read_855(write_855(case, exceptions_only=True)).one("BAK")[2] == "RJ"


def test_two_changes_on_one_line_are_ic() -> None:
    read = read_855(write_855(_changes_made()))
    ((po1, acks),) = read.lines()
    assert po1[4] == "13.1"
    assert acks == [ack("IC", "60", when=PROMISED)]


def test_a_line_wholly_backordered_is_ib_alone() -> None:
    read = read_855(write_855(_all_backordered()))
    ((_, acks),) = read.lines()
    assert acks == [ack("IB", "100")]


def test_5010_carries_st03_and_the_same_body() -> None:
    case = _cancelled()
    read = read_855(write_855(case, "005010", implementation_ref="005010"))
    assert read.interchange.version == "00501"
    assert read.group.version == "005010"
    assert read.st.implementation_ref == "005010"
    assert read.st.segments[0] == ["ST", "855", read.st.control, "005010"]
    assert_echoes(read, case.po, ["1", "2"])
    assert read.body == read_855(write_855(_cancelled(), "004010")).body


def test_st03_is_refused_before_5010() -> None:
    with pytest.raises(WriterError, match="ST03"):
        write_855(_accepted(), "004010", implementation_ref="X")


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("version", VERSIONS)
def test_every_case_round_trips(name: str, version: str) -> None:
    case = CASES[name]()
    read = read_855(write_855(case, version))
    se = read.st.segments[-1]
    assert se == ["SE", str(len(read.st.segments)), read.st.control]
    numbers = [po1[1] for po1, _ in read.lines()]
    assert_echoes(read, case.po, numbers)
    if read.lines():
        ctt = read.one("CTT")
        assert ctt[1] == str(len(numbers))
        assert Decimal(ctt[2]) == sum(Decimal(po1[2]) for po1, _ in read.lines())
        assert read.body[-1] == ctt
    for _, acks in read.lines():
        assert acks, "every PO1 has at least one ACK"


# -- smaller rules


def test_lines_are_matched_by_number_not_position() -> None:
    po = purchase_order(po_line("10", "5", ids=(("VP", "A"),)), po_line("20", "7", ids=(("VP", "B"),)))
    order = sales_order(
        AckType.ACCEPTED_WITH_CHANGES,
        so_line("20", "7", "0", cancelled="7", statuses=(LineStatus.REJECTED,)),
        so_line("10", "5"),
    )
    read = read_855(write_855(Case(order, po)))
    assert [(po1[1], acks[0][1]) for po1, acks in read.lines()] == [("10", "IA"), ("20", "IR")]


def test_product_ids_are_echoed_exactly_and_our_sku_only_when_none_were_sent() -> None:
    odd = (("BP", "ab-01 x"), ("UP", "000012345678"), ("EN", "4006381333931"), ("VP", "v.2"))
    po = purchase_order(po_line("1", "3", ids=odd), po_line("2", "4", ids=()))
    order = sales_order(
        AckType.ACCEPTED_NO_CHANGE, so_line("1", "3", sku="SKU-A"), so_line("2", "4", sku="SKU-B")
    )
    (first, _), (second, _) = read_855(write_855(Case(order, po))).lines()
    assert ids_of(first) == list(odd)
    assert ids_of(second) == [("VP", "SKU-B")]


def test_a_fractional_quantity_leaves_the_hash_total_out() -> None:
    po = purchase_order(po_line("1", "2.5", unit="LB"), po_line("2", "3"))
    order = sales_order(AckType.ACCEPTED_NO_CHANGE, so_line("1", "2.5", unit="LB"), so_line("2", "3"))
    read = read_855(write_855(Case(order, po)))
    assert read.one("CTT") == ["CTT", "2"]
    assert read.lines()[0][1] == [ack("IA", "2.5", "LB")]


def test_a_party_without_an_id_qualifier_sends_neither_n103_nor_n104() -> None:
    case = _accepted()
    case.po.parties = [DomainParty("buyer", name="Acme", id="0012345"), DomainParty("ship_to")]
    read = read_855(write_855(case))
    assert read.all("N1") == [["N1", "BY", "Acme"]]


def test_a_purchase_order_without_a_date_cannot_be_acknowledged() -> None:
    case = _accepted()
    case.po.po_date = None
    with pytest.raises(WriterError, match="BAK04"):
        build_855(case.order, case.po, today=TODAY)


def test_control_numbers_come_from_the_writer() -> None:
    allocator = InMemoryControlNumbers()
    writer = X12Writer(allocator, clock=lambda: NOW)
    case = _accepted()
    for expected in (1, 2):
        written = envelope_855(
            writer,
            case.order,
            case.po,
            ours=OURS,
            theirs=THEIRS,
            our_gs=OUR_GS,
            their_gs=THEIR_GS,
            version="004010",
            today=TODAY,
            usage="T",
        )
        assert written.control == expected
        assert written.groups[0].set_controls == (f"{expected:04d}",)
        assert read_855(written.data).interchange.usage == "T"
    assert allocator.last(THEIRS.key, "ST") == 2
