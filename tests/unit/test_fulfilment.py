"""Fulfilment in pure logic: SSCC-18 check digits, 856 hierarchies, 810 totals, shipment checks.

The SSCC and GTIN check digits are GS1's own published examples: the GS1 General
Specifications' check-digit example for an SSCC (376104250021234569, prefix
761042500), the SSCC of GS1 US's guides under GS1's example company prefix
0614141 ((00) 1 0614141 123456789 7), the GTIN-13 6291041500213 of the same
check-digit table and the UPC-A 036000241457.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from gateway.domain.catalog import Warehouse
from gateway.domain.invoicing import DISCOUNT, FREIGHT, AllowanceCharge, Invoice, InvoiceLine, Terms
from gateway.domain.orders import AckType, Allocation, OrderStatus, SalesOrder, SalesOrderLine
from gateway.domain.shipping import (
    Carton,
    CartonLine,
    Pallet,
    Shipment,
    apply_shipment,
    open_quantity,
    pack_open_lines,
    plan_shipment,
)
from gateway.domain.sscc import InvalidSscc, gs1_check_digit, is_valid_sscc, make_sscc
from gateway.errors import InputError, OverShipment
from outbound.x12 import InMemoryControlNumbers, Party, SetContent, WrittenInterchange, X12Writer
from outbound.x12.invoice import build_810, envelope_810
from outbound.x12.ship_notice import build_856, envelope_856
from tests.unit.test_po_ack import po_line, purchase_order

NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
SHIP_DATE = date(2026, 3, 2)
COL = Warehouse("COL", "Columbus DC", "2850 Rohr Rd", "Groveport", "OH", "43125")


# -- SSCC-18 --------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["376104250021234569", "106141411234567897"],
)
def test_published_ssccs_check(number: str) -> None:
    assert is_valid_sscc(number)
    assert gs1_check_digit(number[:17]) == int(number[17])
    wrong = number[:17] + str((int(number[17]) + 1) % 10)
    assert not is_valid_sscc(wrong)


def test_published_gtin_check_digits() -> None:
    assert gs1_check_digit("629104150021") == 3  # GTIN-13 6291041500213
    assert gs1_check_digit("03600024145") == 7  # UPC-A 036000241457


def test_make_sscc_builds_the_published_numbers() -> None:
    assert make_sscc(3, "761042500", 2123456) == "376104250021234569"
    assert make_sscc(1, "0614141", 123456789) == "106141411234567897"
    assert make_sscc(0, "0614141", 1) == "006141410000000012"


def test_make_sscc_refuses_what_does_not_fit() -> None:
    with pytest.raises(InvalidSscc):
        make_sscc(0, "0614141", 10**9)  # a 7-digit prefix leaves 9 digits of serial
    with pytest.raises(InvalidSscc):
        make_sscc(10, "0614141", 1)
    with pytest.raises(InvalidSscc):
        make_sscc(0, "06141", 1)


# -- orders and shipments ---------------------------------------------------------


def order(*lines: SalesOrderLine) -> SalesOrder:
    return SalesOrder(
        "ACME", "4500001234", OrderStatus.CONFIRMED, AckType.ACCEPTED_NO_CHANGE, lines=list(lines)
    )


def line(
    number: str, confirmed: str, *, shipped: str = "0", factor: str = "1", sku: str = "SKU-1"
) -> SalesOrderLine:
    base = Decimal(confirmed) * Decimal(factor)
    return SalesOrderLine(
        line_number=number,
        sku=sku,
        ordered_quantity=Decimal(confirmed),
        unit="EA",
        unit_price=Decimal("12.50"),
        confirmed_quantity=Decimal(confirmed),
        shipped_quantity=Decimal(shipped),
        factor=Decimal(factor),
        allocations=[Allocation("COL", base - Decimal(shipped) * Decimal(factor))],
    )


def shipment(*cartons: list[tuple[str, str]], pallets: int = 0, sid: str = "SH1") -> Shipment:
    return Shipment(
        sid,
        SHIP_DATE,
        [Carton([CartonLine(n, Decimal(q)) for n, q in c]) for c in cartons],
        pallets=[Pallet() for _ in range(pallets)],
        carrier_scac="UPSN",
        carrier_name="UPS",
        bill_of_lading="BOL-1",
        tracking_number="1Z999",
    )


def test_shipping_more_than_allocated_is_refused() -> None:
    so = order(line("1", "30"), line("2", "10", sku="SKU-2"))
    with pytest.raises(OverShipment) as refused:
        plan_shipment(so, shipment([("1", "20")], [("1", "11")]))
    assert refused.value.http_status == 409
    assert refused.value.code == "shipment.over_allocated"
    assert "line 1" in refused.value.message and "31" in refused.value.message


def test_shipping_a_line_the_order_does_not_have_is_refused() -> None:
    with pytest.raises(InputError):
        plan_shipment(order(line("1", "5")), shipment([("9", "1")]))


def test_a_line_split_across_cartons_and_shipments() -> None:
    so = order(line("1", "30"), line("2", "10", sku="SKU-2"))
    first = shipment([("1", "10")], [("1", "10"), ("2", "4")])
    plan = plan_shipment(so, first)
    assert [(p.line_number, p.quantity, [(t.warehouse, t.quantity) for t in p.takes]) for p in plan] == [
        ("1", Decimal(20), [("COL", Decimal(20))]),
        ("2", Decimal(4), [("COL", Decimal(4))]),
    ]
    apply_shipment(so, plan)
    assert [ln.shipped_quantity for ln in so.lines] == [20, 4]
    assert [open_quantity(ln) for ln in so.lines] == [10, 6]
    assert so.lines[0].allocations == [Allocation("COL", Decimal(10))]
    # the rest of line 1 in a second shipment; one more than is left is refused
    with pytest.raises(OverShipment):
        plan_shipment(so, shipment([("1", "11")], sid="SH2"))
    apply_shipment(so, plan_shipment(so, shipment([("1", "10")], sid="SH2")))
    assert so.lines[0].shipped_quantity == 30
    assert so.lines[0].allocations == []
    assert open_quantity(so.lines[0]) == 0


def test_partner_units_move_base_units() -> None:
    so = order(line("1", "4", factor="12"))  # 4 cases of 12
    plan = plan_shipment(so, shipment([("1", "3")]))
    assert plan[0].base_quantity == 36
    assert plan[0].takes == [Allocation("COL", Decimal(36))]


def test_a_shipment_from_one_warehouse_takes_only_what_is_allocated_there() -> None:
    ln = line("1", "30")
    ln.allocations = [Allocation("COL", Decimal(20)), Allocation("RNO", Decimal(10))]
    so = order(ln)
    assert open_quantity(ln, "RNO") == 10
    s = shipment([("1", "10")])
    s.warehouse = "RNO"
    assert plan_shipment(so, s)[0].takes == [Allocation("RNO", Decimal(10))]
    s = shipment([("1", "11")])
    s.warehouse = "RNO"
    with pytest.raises(OverShipment):
        plan_shipment(so, s)


def test_packing_open_lines_splits_into_cartons() -> None:
    so = order(line("1", "25"), line("2", "10", shipped="10"))
    cartons = pack_open_lines(so, per_carton=Decimal(10))
    assert [[(cl.line_number, cl.quantity) for cl in c.lines] for c in cartons] == [
        [("1", 10)],
        [("1", 10)],
        [("1", 5)],
    ]


# -- 856 -------------------------------------------------------------------------------


def segments(data: bytes) -> list[list[str]]:
    text = data.decode("ascii")
    element, terminator = text[3], text[105]
    return [s.strip().split(element) for s in text.split(terminator) if s.strip()]


def write_856(
    s: Shipment, so: SalesOrder, hierarchy: str, *, version: str = "004010", hashed: bool = False
) -> bytes:
    serial = iter(range(1, 100))
    for p in [*s.pallets, *s.cartons]:
        p.sscc = make_sscc(0, "0614141", next(serial))
    po = purchase_order(po_line("1", "30"), po_line("2", "10", ids=(("BP", "B-200"),)))
    content = build_856(s, so, po, ship_from=COL, hierarchy=hierarchy, hash_totals=hashed, written_at=NOW)
    return enveloped(envelope_856, content, version)


def enveloped(envelope: Callable[..., WrittenInterchange], content: SetContent, version: str) -> bytes:
    """``content`` in one interchange from ORDERGATE to ACMEBUYER (``envelope_856`` or ``envelope_810``)."""
    return envelope(
        X12Writer(InMemoryControlNumbers(), clock=lambda: NOW),
        content,
        ours=Party("ZZ", "ORDERGATE"),
        theirs=Party("ZZ", "ACMEBUYER"),
        our_gs="ORDERGATE",
        their_gs="ACMEBUYER",
        version=version,
    ).data


def write_810(version: str = "004010") -> bytes:
    """The 810 for ``invoice()`` against a one-line purchase order, shipped from COL."""
    content = build_810(
        invoice(), purchase_order(po_line("1", "3")), remit_to="Ordergate Supply", ship_from=COL
    )
    return enveloped(envelope_810, content, version)


def two_cartons(pallets: int = 0) -> tuple[Shipment, SalesOrder]:
    so = order(line("1", "30"), line("2", "10", sku="SKU-2"))
    s = shipment([("1", "10")], [("1", "10"), ("2", "4")], pallets=pallets)
    apply_shipment(so, plan_shipment(so, s))
    return s, so


def hl_tree(data: bytes) -> list[tuple[str, str, str, str]]:
    return [tuple(s[1:5]) for s in segments(data) if s[0] == "HL"]  # type: ignore[misc]


def check_counts(data: bytes) -> None:
    segs = segments(data)
    st = next(i for i, s in enumerate(segs) if s[0] == "ST")
    se = next(i for i, s in enumerate(segs) if s[0] == "SE")
    assert int(segs[se][1]) == se - st + 1
    ctt = next(s for s in segs if s[0] == "CTT")
    assert int(ctt[1]) == len(hl_tree(data))  # CTT01 counts the HL segments in an 856


def test_856_sopi_tree() -> None:
    s, so = two_cartons()
    data = write_856(s, so, "SOPI")
    assert hl_tree(data) == [
        ("1", "", "S", "1"),
        ("2", "1", "O", "1"),
        ("3", "2", "P", "1"),
        ("4", "3", "I", "0"),
        ("5", "2", "P", "1"),
        ("6", "5", "I", "0"),
        ("7", "5", "I", "0"),
    ]
    segs = segments(data)
    assert next(x for x in segs if x[0] == "BSN")[1:] == ["00", "SH1", "20260302", "1030", "0001"]
    assert [x[1:] for x in segs if x[0] == "MAN"] == [
        ["GM", "006141410000000012"],
        ["GM", "006141410000000029"],
    ]
    assert [x[1:] for x in segs if x[0] == "SN1"] == [
        ["1", "10", "EA", "", "30", "EA"],
        ["1", "10", "EA", "", "30", "EA"],
        ["2", "4", "EA", "", "10", "EA"],
    ]
    # the partner's own item ids, as it sent them
    assert [x[1:] for x in segs if x[0] == "LIN"] == [
        ["1", "BP", "B-100", "UP", "012345678905"],
        ["1", "BP", "B-100", "UP", "012345678905"],
        ["2", "BP", "B-200"],
    ]
    assert next(x for x in segs if x[0] == "PRF")[1] == "4500001234"
    assert [x[1] for x in segs if x[0] == "REF"] == ["BM", "CN"]
    assert [x[1] for x in segs if x[0] == "N1"] == ["SF", "ST"]
    assert next(x for x in segs if x[0] == "CTT") == ["CTT", "7"]
    check_counts(data)


def test_856_sotpi_tree_has_a_tare_level() -> None:
    s, so = two_cartons(pallets=1)
    for c in s.cartons:
        c.pallet = 0
    data = write_856(s, so, "SOTPI", version="005010", hashed=True)
    assert hl_tree(data) == [
        ("1", "", "S", "1"),
        ("2", "1", "O", "1"),
        ("3", "2", "T", "1"),
        ("4", "3", "P", "1"),
        ("5", "4", "I", "0"),
        ("6", "3", "P", "1"),
        ("7", "6", "I", "0"),
        ("8", "6", "I", "0"),
    ]
    segs = segments(data)
    assert [x[2] for x in segs if x[0] == "MAN"] == [
        "006141410000000012",  # the pallet
        "006141410000000029",
        "006141410000000036",
    ]
    assert next(x for x in segs if x[0] == "CTT") == ["CTT", "8", "24"]  # hash total: 10 + 10 + 4
    check_counts(data)


def test_856_soi_tree_has_one_item_per_line() -> None:
    s, so = two_cartons()
    data = write_856(s, so, "SOI")
    assert hl_tree(data) == [
        ("1", "", "S", "1"),
        ("2", "1", "O", "1"),
        ("3", "2", "I", "0"),
        ("4", "2", "I", "0"),
    ]
    segs = segments(data)
    assert next(x for x in segs if x[0] == "BSN")[5] == "0004"
    assert not [x for x in segs if x[0] == "MAN"]
    # SN104: shipped to date, the whole line under SOI
    assert [x[1:] for x in segs if x[0] == "SN1"] == [
        ["1", "20", "EA", "20", "30", "EA"],
        ["2", "4", "EA", "4", "10", "EA"],
    ]
    check_counts(data)


# -- 810 -------------------------------------------------------------------------------


def invoice() -> Invoice:
    return Invoice(
        number="INV0000042",
        invoice_date=date(2026, 3, 3),
        partner_id="ACME",
        po_number="4500001234",
        po_date=date(2026, 2, 27),
        lines=[
            InvoiceLine("1", "SKU-1", Decimal(3), "EA", Decimal("10.333"), [("BP", "B-100")]),
            InvoiceLine("2", "SKU-2", Decimal(7), "EA", Decimal("2.125"), [("BP", "B-200")]),
        ],
        charges=[
            AllowanceCharge("C", FREIGHT, Decimal("12.50"), "Freight"),
            AllowanceCharge("A", DISCOUNT, Decimal("5"), "Promotion"),
        ],
        tax_percent=Decimal("6.25"),
        terms=Terms(net_days=30, discount_percent=Decimal(2), discount_days=10),
        shipment_ids=["SH1"],
        ship_date=SHIP_DATE,
        sales_order_number="SO7",
    )


def test_invoice_totals_to_the_cent() -> None:
    inv = invoice()
    assert [ln.amount for ln in inv.lines] == [Decimal("31.00"), Decimal("14.88")]  # 30.999, 14.875 half up
    assert inv.lines_total == Decimal("45.88")
    assert inv.charges_total == Decimal("7.50")
    assert inv.tax == Decimal("3.34")  # 6.25 % of 53.38 = 3.33625
    assert inv.total == Decimal("56.72")
    assert inv.discount_base == Decimal("40.88")
    assert inv.discount == Decimal("0.82")
    assert inv.terms.text == "2% 10 net 30"


def test_810_carries_the_totals() -> None:
    inv = invoice()
    data = write_810()
    segs = segments(data)
    get = lambda tag: [x[1:] for x in segs if x[0] == tag]  # noqa: E731
    assert get("BIG") == [["20260303", "INV0000042", "20260227", "4500001234", "", "", "DI", "00"]]
    assert get("IT1") == [
        ["1", "3", "EA", "10.333", "", "BP", "B-100"],
        ["2", "7", "EA", "2.125", "", "BP", "B-200"],
    ]
    assert get("ITD") == [["08", "3", "2", "", "10", "", "30"]]
    assert get("TDS") == [["5672", "4088", "5590", "82"]]
    assert get("TXI") == [["ST", "3.34", "6.25"]]
    assert get("SAC") == [["C", "D240", "", "", "1250"], ["A", "C310", "", "", "500"]]
    assert get("CTT") == [["2"]]
    assert [x[0] for x in get("N1")] == ["RE", "SF", "ST"]
    assert get("REF") == [["VN", "SO7"], ["SI", "SH1"]]
    # what a reader adds up is what TDS01 says: lines + charges - allowances + tax
    assert Decimal(get("TDS")[0][0]) / 100 == inv.lines_total + Decimal("12.50") - Decimal("5.00") + Decimal(
        "3.34"
    )


# -- partner options -----------------------------------------------------------------


def test_sample_partners_ship_and_bill_differently() -> None:
    from gateway.config import SAMPLES
    from mappings.loader import load_partners

    partners = load_partners(SAMPLES / "partners")
    docs = {pid: p.documents for pid, p in partners.items()}
    assert {pid: d.asn_hierarchy for pid, d in docs.items()} == {
        "ACMEHARDWARE": "SOPI",
        "BRIGHTSUPPLY": "SOTPI",
        "CORNERSTORE": "SOI",
        "DELTAMRO": "SOI",
    }
    assert docs["BRIGHTSUPPLY"].asn_hash_total is True
    assert (docs["ACMEHARDWARE"].terms_discount_percent, docs["ACMEHARDWARE"].freight_charge) == (
        2,
        Decimal("12.50"),
    )
    assert (docs["CORNERSTORE"].invoice_per, docs["CORNERSTORE"].tax_percent) == ("order", Decimal("6.25"))
    assert docs["BRIGHTSUPPLY"].backorder_release == "none"
    assert partners["BRIGHTSUPPLY"].policy.priority > partners["ACMEHARDWARE"].policy.priority


def test_a_wrong_hierarchy_names_file_and_field(tmp_path: object) -> None:
    from pathlib import Path

    from gateway.errors import ConfigurationError
    from mappings.loader import load_partner_file

    path = Path(str(tmp_path)) / "p.yaml"
    path.write_text(
        "id: T\nname: T\nidentities:\n  x12: {isa_qualifier: ZZ, isa_id: T1, gs_id: T1}\n"
        "documents:\n  asn_hierarchy: SOTI\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError) as refused:
        load_partner_file(path)
    assert "documents.asn_hierarchy" in str(refused.value)
