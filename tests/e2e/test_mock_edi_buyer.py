"""mock-edi buys from us, over two folders; its view of our answers is the verdict.

The exchange, every hop real:

1. mock-edi runs as its own process (``tests/e2e/mock_edi.py``) with
   ``--pickup-dir`` and ``--drop-dir``.  Through its control plane we add a
   partner ``ORDERGATE`` with ``role: supplier`` (``POST /_mock/partners``) and
   place an order with it (``POST /_mock/purchase``, choosing sku, quantity,
   unit and price).  Its 850 is written to the pickup folder as
   ``ORDERGATE-850-<control>.edi``, addressed from ``ZZ:MOCKEDI`` to
   ``ZZ:ORDERGATE``.
2. Our side is configured to be that supplier: ``Settings.isa_id`` / ``gs_id``
   are ``ORDERGATE``, a partner profile in a temporary partners dir names
   ``ZZ:MOCKEDI`` as the sender, and a temporary catalog holds the SKUs the mock
   orders, with the stock each case needs.  The 850 file goes through
   ``receive`` + ``drain``; our 997 and 855 land in ``<outbox>/MOCKEDI/``.
3. Each is written into mock-edi's drop folder (the way its README says a
   partner answers in directory trading) and read at once with
   ``POST /_mock/drop/scan``, the 997 first, as we sent them.  The mock files
   the 855 under the order and answers it with a 997 of its own, which it
   writes to the pickup folder.
4. ``GET /_mock/disagreements?partner=ORDERGATE&po=<po>`` is the business
   verdict, ``GET /_mock/orders/<po>/timeline`` the syntax one: the 850 marked
   accepted by our 997, our 855 received with no findings and accepted.

One place mock-edi 0.9 is narrower than X12 (pinned in
``test_short_line_is_the_only_disagreement``): its 855 reader takes the first
``ACK`` of a ``PO1`` loop and ignores the rest, although its own dictionary, like
004010/005010, allows the ``ACK`` 104 times there.  Our backordered line is
``ACK*IA*20`` + ``ACK*IB*10`` (20 ship now, 10 follow; ``outbound/x12/po_ack.py``),
so the mock reads "20, IA" and files the line ``IA`` with nothing backordered.
The quantity it compares (20 of 30) is still the one confirmed for now, so the
rule it reports, ``confirmed-less`` on that line, is the right one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.bootstrap import build, init_database
from gateway.services.receive import receive
from tests.e2e.buyer_helpers import (
    BUYER,
    LINES,
    SUPPLIER,
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

PLENTY = {line.sku: 500 for line in LINES}
SHORT_LINE = "2"
SHORT_STOCK = {**PLENTY, "OG-TAPE-25": 20}  # 20 on hand against 30 ordered


# -- our side: a partner profile for mock-edi, a catalog, and the pipeline


def write_partner(directory: Path, short_stock: str) -> None:
    directory.mkdir(parents=True)
    (directory / "mockedi.yaml").write_text(
        partner_yaml()
        + f"""\
documents:
  functional_ack: true
  ta1: never
  po_ack: true
  po_ack_detail: all_lines
  ship_notice: false
  invoice: false
  change_ack: false
policy:
  short_stock: {short_stock}
  partial_shipment: true
  multi_warehouse: false
  id_preference: [VP, BP, UP]
  ship_lead_days: 0
""",
        encoding="utf-8",
    )


def run_our_pipeline(workdir: Path, short_stock: str, stock: dict[str, int], name: str, raw: bytes) -> Path:
    """Receive one file as the supplier ORDERGATE; the folder our answers to mock-edi were written to."""
    settings = supplier_settings(workdir)
    write_partner(settings.partners_dir, short_stock)
    write_catalog(settings.catalog_dir, stock)
    init_database(settings)
    runtime = build(settings)
    try:
        receive(runtime.context, raw, channel="folder", filename=name)
        runtime.drain()
    finally:
        runtime.engine.dispose()
    return settings.outbox / BUYER


# -- reading our answers


def acks_by_line(data: bytes) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    line = ""
    for seg in segments(data):
        if seg[0] == "PO1":
            line = seg[1]
            out[line] = []
        elif seg[0] == "ACK":
            out[line].append((seg[1], seg[2]))
    return out


# -- one whole exchange


@dataclass
class Exchange:
    po: str
    order_control: str  # ST02 of mock-edi's 850
    ack: bytes  # our 997
    po_ack: bytes  # our 855
    ack_scan: dict[str, Any]
    po_ack_scan: dict[str, Any]


def trade(mock: MockEdiProcess, tmp_path: Path, po: str, short_stock: str, stock: dict[str, int]) -> Exchange:
    add_supplier(mock)
    placed = purchase(mock, po)
    assert (placed["status"], placed["sent"]["code"]) == ("placed", "850")

    order_file = mock.wait_for_pickup(f"{SUPPLIER}-850-*.edi")
    raw = order_file.read_bytes()
    isa = first(raw, "ISA")
    assert (isa[5], isa[6].strip(), isa[7], isa[8].strip()) == ("ZZ", BUYER, "ZZ", SUPPLIER)
    assert first(raw, "BEG")[3] == po
    order_control = first(raw, "ST")[2]

    outbox = run_our_pipeline(tmp_path / "ordergate", short_stock, stock, order_file.name, raw)
    answers = {first(path.read_bytes(), "GS")[1]: path for path in sorted(outbox.iterdir())}
    assert sorted(answers) == ["FA", "PR"], sorted(p.name for p in outbox.iterdir())
    ack_file, po_ack_file = answers["FA"], answers["PR"]

    ack_scan = mock.drop(ack_file.name, ack_file.read_bytes())
    po_ack_scan = mock.drop(po_ack_file.name, po_ack_file.read_bytes())
    return Exchange(po, order_control, ack_file.read_bytes(), po_ack_file.read_bytes(), ack_scan, po_ack_scan)


def assert_mock_accepted_our_answers(mock: MockEdiProcess, ex: Exchange) -> None:
    """Our 997 marked its 850 accepted; our 855 was read clean, filed under the order and accepted."""
    # what we sent, in our own words
    assert [s[0:2] for s in segments(ex.ack) if s[0] in ("AK1", "AK2", "AK5", "AK9")] == [
        ["AK1", "PO"],
        ["AK2", "850"],
        ["AK5", "A"],
        ["AK9", "A"],
    ]
    assert first(ex.po_ack, "BAK")[3] == ex.po

    # the drop folder read both, as from us, and answered only the 855 (a 997 is never acknowledged)
    assert (ex.ack_scan["ok"], ex.ack_scan["partner"], ex.ack_scan["produced"]) == (True, SUPPLIER, [])
    assert ex.ack_scan["error"] == ""
    assert (ex.po_ack_scan["ok"], ex.po_ack_scan["partner"], ex.po_ack_scan["produced"]) == (
        True,
        SUPPLIER,
        ["997"],
    )
    assert ex.po_ack_scan["error"] == ""

    events = mock.client.timeline(ex.po, partner=SUPPLIER)["events"]
    acknowledged = [e for e in events if e["event"] == "acknowledged"]
    assert [(e["code"], e["control"], e["status"], e["acknowledgmentCode"]) for e in acknowledged] == [
        ("850", ex.order_control, "accepted", "A")
    ]
    received = [e for e in events if e["event"] == "received"]
    assert [(e["code"], e["kind"], e["control"], e["transport"]) for e in received] == [
        ("855", "response", first(ex.po_ack, "ST")[2], "drop")
    ]
    (response,) = received
    assert response["accepted"] is True
    assert response["findings"] == []  # no syntax finding on our 855
    answered = [e["answers"] for e in events if e["event"] == "sent" and e["code"] == "997"]
    assert [[(s["code"], s["status"]) for s in a["sets"]] for a in answered] == [[("855", "accepted")]]

    # and its 997 for our 855 came back through the pickup folder, accepting it
    their_ack = mock.wait_for_pickup(f"{SUPPLIER}-997-*.edi").read_bytes()
    assert first(their_ack, "AK2")[1:3] == ["855", first(ex.po_ack, "ST")[2]]
    assert first(their_ack, "AK5")[1] == "A"
    assert first(their_ack, "AK9")[1] == "A"


def reconciliation(mock: MockEdiProcess, po: str) -> list[tuple[str, str, str]]:
    order = mock.client.order(po, partner=SUPPLIER)
    return [(row["line"], row["ordered"], row["confirmed"]) for row in order["reconciliation"]]


# -- the cases


def test_everything_in_stock_means_no_disagreement(mock_edi: MockEdiProcess, tmp_path: Path) -> None:
    ex = trade(mock_edi, tmp_path, "4500001001", "backorder", PLENTY)

    assert first(ex.po_ack, "BAK")[2] == "AD"
    assert acks_by_line(ex.po_ack) == {
        str(n): [("IA", str(line.quantity))] for n, line in enumerate(LINES, start=1)
    }
    assert_mock_accepted_our_answers(mock_edi, ex)

    assert disagreements(mock_edi, ex.po) == []
    assert reconciliation(mock_edi, ex.po) == [
        (str(n), str(line.quantity), str(line.quantity)) for n, line in enumerate(LINES, start=1)
    ]


# What our 855 says about the short line under each policy, and the sentence
# mock-edi files with its confirmed-less finding.
SHORT_CASES = {
    # Backordered: 20 ship now (IA), 10 follow (IB); the ACKs add up to the 30
    # ordered.  mock-edi reads the first ACK only (the narrowness described in
    # the module docstring), hence "says IA": the IB ACK beside it is not read.
    "backorder": (
        [("IA", "20"), ("IB", "10")],
        "line 2: ordered 30, 855 confirms 20 and says IA, accepted as ordered",
    ),
    # Cancelled remainder: one ACK, IQ (Item Accepted - Quantity Changed) with
    # the new quantity, which is also how mock-edi itself writes a short line.
    "cancel": (
        [("IQ", "20")],
        "line 2: ordered 30, 855 confirms 20 IQ, and gives no reason",
    ),
}


@pytest.mark.parametrize("short_stock", sorted(SHORT_CASES))
def test_short_line_is_the_only_disagreement(
    mock_edi: MockEdiProcess, tmp_path: Path, short_stock: str
) -> None:
    expected_acks, expected_note = SHORT_CASES[short_stock]
    po = {"backorder": "4500002001", "cancel": "4500002002"}[short_stock]
    ex = trade(mock_edi, tmp_path, po, short_stock, SHORT_STOCK)

    assert first(ex.po_ack, "BAK")[2] == "AC"
    assert acks_by_line(ex.po_ack) == {"1": [("IA", "10")], "2": expected_acks, "3": [("IA", "24")]}
    assert_mock_accepted_our_answers(mock_edi, ex)

    found = disagreements(mock_edi, ex.po)
    assert [
        (d["rule"], d["line"], d["code"], Decimal(d["expected"]), Decimal(d["found"])) for d in found
    ] == [("confirmed-less", SHORT_LINE, "855", Decimal(30), Decimal(20))]
    assert found[0]["note"] == expected_note
    assert reconciliation(mock_edi, ex.po) == [("1", "10", "10"), ("2", "30", "20"), ("3", "24", "24")]
