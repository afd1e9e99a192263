"""mock-edi as a misbehaving buyer: a duplicate 850, a change after our 855, a cancel after the goods left.

As in ``test_mock_edi_buyer.py``, mock-edi runs as its own process and trades with us over its
pickup and drop folders; here our side keeps one database for the whole exchange, so a second
document finds the first.  mock-edi's supplier behaviours (``POST /_mock/partners`` with
``behaviour``):

- ``duplicate-order``: it sends its 850 a second time a second later (released with
  ``POST /_mock/advance``).  We acknowledge both and make one order and one 855.
- ``change-after-confirm``: when our 855 arrives it sends an 860 halving the first line with more
  than one unit.  We apply it (stock released) and answer with an 865, which it files clean.
- ``cancel-late``: when an 856 arrives it sends an 860 cancelling the whole order.  We record the
  shipment (stock leaves, the lines' shipped quantity rises) and our own 856 goes to the mock, which
  answers with its cancellation.  We refuse it for everything that shipped (865 BCA02 RD, ACK IR).

Where mock-edi 0.9 reads an 865 more narrowly than X12 (``test_cancel_after_the_goods_left_is_refused``):
it takes ``ACK01 = IR`` as "nothing confirmed" and reports the line ``confirmed-less``.  In an 865
the ACK answers the *change* on the line: IR says the requested change (here, the cancellation) is
rejected, and the line stands as it was - with its quantity in ACK02, which the mock ignores for IR.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.bootstrap import Runtime, build, init_database
from gateway.services.ledger import timeline
from gateway.services.receive import receive
from gateway.services.shipping import record_shipment
from tests.e2e.buyer_helpers import (
    BUYER,
    SUPPLIER,
    Line,
    add_supplier,
    disagreements,
    first,
    partner_yaml,
    purchase,
    segments,
    supplier_settings,
    write_catalog,
)
from tests.e2e.mock_edi import MockEdiProcess

pytestmark = pytest.mark.peer

D = Decimal

LINES = (
    Line("OG-HEX-9", "HEX KEY SET METRIC 9 PC", 10, "9.40"),
    Line("OG-TAPE-25", "TAPE MEASURE 25 FT", 30, "15.90"),
)
STOCK = {"OG-HEX-9": 100, "OG-TAPE-25": 100}


class Ours:
    """Our gateway as the supplier ORDERGATE, one database for the whole exchange."""

    def __init__(self, workdir: Path) -> None:
        self.settings = supplier_settings(workdir)
        self._write_reference()
        init_database(self.settings)
        self.runtime: Runtime = build(self.settings)
        self.seen: set[Path] = set()

    def _write_reference(self) -> None:
        partners = self.settings.partners_dir
        partners.mkdir(parents=True)
        (partners / "mockedi.yaml").write_text(
            partner_yaml()
            + "documents:\n  functional_ack: true\n  ta1: never\n  po_ack: true\n  ship_notice: true\n"
            "  asn_hierarchy: SOI\n"
            "  invoice: false\n  change_ack: true\n"
            "policy:\n  short_stock: backorder\n  id_preference: [VP, BP, UP]\n  ship_lead_days: 0\n",
            encoding="utf-8",
        )
        write_catalog(self.settings.catalog_dir, STOCK, LINES, warehouse="Boston")

    def take(self, path: Path) -> dict[str, list[Path]]:
        """Receive one file from the mock; what we wrote back, by GS01 (FA, PR, CA)."""
        receive(self.runtime.context, path.read_bytes(), channel="folder", filename=path.name)
        self.runtime.drain()
        folder = self.settings.outbox / BUYER
        new = sorted(p for p in folder.iterdir() if p not in self.seen)
        self.seen.update(new)
        out: dict[str, list[Path]] = {}
        for p in new:
            out.setdefault(first(p.read_bytes(), "GS")[1], []).append(p)
        return out

    def allocated(self) -> dict[str, Decimal]:
        with self.runtime.context.uow() as uow:
            return {s.sku: s.allocated for s in uow.catalog.stock(STOCK)}

    def ship_everything(self, po: str) -> Path:
        """Record the shipment of everything open on the order; our 856 (the file in the outbox)."""
        with self.runtime.context.uow() as uow:
            so_id = uow.sales_orders.get_by_purchase_order(uow.purchase_orders.find(BUYER, po).id).id
        record_shipment(self.runtime.context, so_id)
        self.runtime.drain()
        folder = self.settings.outbox / BUYER
        new = sorted(p for p in folder.iterdir() if p not in self.seen)
        self.seen.update(new)
        (asn,) = [p for p in new if first(p.read_bytes(), "GS")[1] == "SH"]
        return asn

    def close(self) -> None:
        self.runtime.engine.dispose()


@pytest.fixture
def ours(tmp_path: Path) -> Any:
    side = Ours(tmp_path / "ordergate")
    yield side
    side.close()


def poc_acks(data: bytes) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    out: list[tuple[str, str, str, list[tuple[str, str]]]] = []
    for seg in segments(data):
        if seg[0] == "POC":
            out.append((seg[1], seg[2], seg[3], []))
        elif seg[0] == "ACK":
            out[-1][3].append((seg[1], seg[2]))
    return out


def start(mock: MockEdiProcess, behaviour: str, po: str) -> None:
    add_supplier(mock, behaviour=behaviour)
    placed = purchase(mock, po, LINES)
    assert placed["status"] == "placed"


def drop(mock: MockEdiProcess, path: Path) -> dict[str, Any]:
    scan = mock.drop(path.name, path.read_bytes())
    assert (scan["ok"], scan["partner"], scan["error"]) == (True, SUPPLIER, ""), scan
    return scan


def confirm(
    mock: MockEdiProcess, ours: Ours, po: str, produced: list[str] | None = None
) -> tuple[Path, Path]:
    """The mock's 850 through our pipeline; our 997 and 855 back into its drop folder."""
    answers = ours.take(mock.wait_for_pickup(f"{SUPPLIER}-850-*.edi"))
    (ack,), (po_ack,) = answers["FA"], answers["PR"]
    assert drop(mock, ack)["produced"] == []
    assert drop(mock, po_ack)["produced"] == (produced or ["997"])
    assert first(po_ack.read_bytes(), "BAK")[3] == po
    return ack, po_ack


def received(mock: MockEdiProcess, po: str, code: str) -> list[dict[str, Any]]:
    events = mock.client.timeline(po, partner=SUPPLIER)["events"]
    return [e for e in events if e["event"] == "received" and e["code"] == code]


def test_duplicate_order_is_acknowledged_twice_and_fulfilled_once(
    mock_edi: MockEdiProcess, ours: Ours
) -> None:
    po = "4500009001"
    start(mock_edi, "duplicate-order", po)
    mock_edi.client.advance(seconds=5)  # the second sending, a moment later
    orders = sorted(mock_edi.pickup_dir.glob(f"{SUPPLIER}-850-*.edi"))
    assert len(orders) == 2
    assert first(orders[0].read_bytes(), "BEG")[3] == first(orders[1].read_bytes(), "BEG")[3] == po

    once = ours.take(orders[0])
    twice = ours.take(orders[1])
    assert sorted(once) == ["FA", "PR"]
    assert sorted(twice) == ["FA"]  # acknowledged (it is sound X12), answered with no second 855
    assert [s[1] for s in segments(twice["FA"][0].read_bytes()) if s[0] in ("AK5", "AK9")] == ["A", "A"]
    for path in (once["FA"][0], twice["FA"][0], once["PR"][0]):
        drop(mock_edi, path)
    assert ours.take(mock_edi.wait_for_pickup(f"{SUPPLIER}-997-*.edi")) == {}  # its 997 for our 855

    with ours.runtime.context.uow() as uow:
        assert len(uow.sales_orders.list()) == 1
        stored = uow.purchase_orders.find(BUYER, po)
        statuses = [(e.direction, e.document, e.status) for e in timeline(uow, stored.id)]
    assert statuses.count(("in", "850", "duplicate")) == 1
    assert statuses.count(("out", "855", "accepted")) == 1  # the mock's 997 for it came back

    events = mock_edi.client.timeline(po, partner=SUPPLIER)["events"]
    acknowledged = [(e["code"], e["status"]) for e in events if e["event"] == "acknowledged"]
    assert acknowledged == [("850", "accepted"), ("850", "accepted")]
    assert len(received(mock_edi, po, "855")) == 1
    assert disagreements(mock_edi, po) == []
    assert ours.allocated() == {"OG-HEX-9": D(10), "OG-TAPE-25": D(30)}  # reserved once


def test_change_after_confirm_is_applied_and_answered_with_865(mock_edi: MockEdiProcess, ours: Ours) -> None:
    po = "4500009002"
    start(mock_edi, "change-after-confirm", po)
    confirm(mock_edi, ours, po, produced=["997", "860"])  # its 997 for our 855, and the change at once
    change = mock_edi.wait_for_pickup(f"{SUPPLIER}-860-*.edi")
    poc = first(change.read_bytes(), "POC")
    assert poc[1:4] == ["1", "CA", "5"]  # line 1 (10 EA) halved

    answers = ours.take(change)
    (ack,), (change_ack,) = answers["FA"], answers["CA"]
    data = change_ack.read_bytes()
    assert first(data, "BCA")[1:4] == ["00", "AD", po]
    assert poc_acks(data) == [("1", "CA", "5", [("IA", "5")])]
    assert ours.allocated() == {"OG-HEX-9": D(5), "OG-TAPE-25": D(30)}

    drop(mock_edi, ack)
    assert drop(mock_edi, change_ack)["produced"] == ["997"]
    (answer,) = received(mock_edi, po, "865")
    assert (answer["accepted"], answer["findings"]) == (True, [])
    assert disagreements(mock_edi, po) == []
    order = mock_edi.client.order(po, partner=SUPPLIER)
    assert [(r["line"], r["ordered"], r["confirmed"]) for r in order["reconciliation"]] == [
        ("1", "5", "5"),
        ("2", "30", "30"),
    ]

    # and its 997 for our 865 reconciles it on our side
    their_ack = sorted(mock_edi.pickup_dir.glob(f"{SUPPLIER}-997-*.edi"))[-1]
    assert first(their_ack.read_bytes(), "AK2")[1:3] == ["865", first(data, "ST")[2]]
    ours.take(their_ack)
    with ours.runtime.context.uow() as uow:
        (out_865,) = uow.outbound.list(doc_type="865")
        assert out_865.ack_status == "A"


def test_cancel_after_the_goods_left_is_refused(mock_edi: MockEdiProcess, ours: Ours) -> None:
    po = "4500009003"
    start(mock_edi, "cancel-late", po)
    confirm(mock_edi, ours, po)
    shipped = ours.ship_everything(po)
    assert [s[1:3] for s in segments(shipped.read_bytes()) if s[0] == "SN1"] == [["1", "10"], ["2", "30"]]
    before = ours.allocated()
    assert drop(mock_edi, shipped)["produced"] == ["997", "860"]  # the late cancellation, at once
    cancel = mock_edi.wait_for_pickup(f"{SUPPLIER}-860-*.edi")
    assert first(cancel.read_bytes(), "BCH")[1] == "01"  # cancellation

    answers = ours.take(cancel)
    (ack,), (change_ack,) = answers["FA"], answers["CA"]
    data = change_ack.read_bytes()
    assert first(data, "BCA")[1:4] == ["00", "RD", po]
    assert poc_acks(data) == [("1", "DI", "10", [("IR", "10")]), ("2", "DI", "30", [("IR", "30")])]
    assert ours.allocated() == before  # nothing released: the order stands as shipped
    (asn_answer,) = received(mock_edi, po, "856")
    assert (asn_answer["accepted"], asn_answer["findings"]) == (True, [])
    with ours.runtime.context.uow() as uow:
        stored = uow.purchase_orders.find(BUYER, po)
        so = uow.sales_orders.get_by_purchase_order(stored.id)
        assert so.order.status.value == "confirmed"
        (change,) = uow.purchase_orders.changes_for(BUYER, po)
        assert change.status == "refused"

    drop(mock_edi, ack)
    assert drop(mock_edi, change_ack)["produced"] == ["997"]
    (answer,) = received(mock_edi, po, "865")
    assert (answer["accepted"], answer["findings"]) == (True, [])  # clean X12
    found = disagreements(mock_edi, po)
    # The peer's narrowness (see the module docstring): it reads IR as nothing confirmed.
    assert sorted((d["rule"], d["line"], d["code"]) for d in found if d["code"] == "865") == [
        ("confirmed-less", "1", "865"),
        ("confirmed-less", "2", "865"),
    ]
