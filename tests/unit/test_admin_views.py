"""Pure helpers of the admin UI: X12 segments marked, SVG charts, decisions honoured by the rules."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from gateway.entrypoints.admin import charts, x12view
from gateway.services.review import Decided, decided_inputs, summarize

RAW = (
    b"ISA*00*          *00*          *ZZ*ACME           *ZZ*ORDERGATE      "
    b"*261126*1403*U*00401*000000001*0*P*>~\n"
    b"GS*PO*ACME*ORDERGATE*20261126*1403*1*X*004010~ST*850*0001~BEG*00*SA*1**20261126~"
    b"PO1*1*6*EA*38.00**BP*1~PO1*2*6*EA*38.00**BP*2~CTT*2~SE*6*0001~GE*1*1~IEA*1*000000001~"
)


def test_segments_are_cut_and_marked() -> None:
    segs = x12view.cut(RAW)
    assert [s.text[:3] for s in segs][:4] == ["ISA", "GS*", "ST*", "BEG"] and len(segs) == 10
    x12view.mark_lines(segs, "0001", {1: ["line two is wrong"]})
    assert [s.number for s in segs if s.marked] == [6] and segs[5].notes == ["line two is wrong"]
    x12view.mark_diagnostics(
        segs, [{"text": "bad BEG", "location": {"set_control": "0001", "segment_position": 2}}]
    )
    assert segs[3].notes == ["bad BEG"]
    x12view.mark_diagnostics(segs, [{"code": "x", "location": {"file_segment": 10}}])
    assert segs[9].notes == ["x"]
    assert x12view.cut(b"not x12") == []


def test_charts_escape_and_scale() -> None:
    svg = charts.stacked_columns("Docs <per> day", ["a", "b"], {"as2": [1, 3], "<sftp>": [1, 0]})
    assert svg.startswith("<svg") and "&lt;sftp&gt;" in svg and "<sftp>" not in svg
    assert svg.count("<rect") == 3 + 2  # three non-empty bars, two legend keys
    bars = charts.bars("Reasons", {"item.unknown": 4, "price.beyond_tolerance": 2})
    assert 'width="380.0"' in bars and 'width="190.0"' in bars
    assert "no orders yet" in charts.gauge("Touchless", None) and "75 %" in charts.gauge("Touchless", 0.75)


def test_decisions_summarised_latest_wins() -> None:
    d = [
        SimpleNamespace(kind="price", line_number="1", value={"price": "2.50"}),
        SimpleNamespace(kind="price", line_number="1", value={"price": "2.60"}),
        SimpleNamespace(kind="quantity", line_number="2", value={"quantity": "4"}),
        SimpleNamespace(kind="warehouse", line_number=None, value={"warehouse": "ATL"}),
        SimpleNamespace(kind="approve", line_number=None, value=None),
    ]
    decided = summarize(d)
    assert decided.prices == {"1": Decimal("2.60")} and decided.quantities == {"2": Decimal(4)}
    assert decided.warehouse == "ATL" and decided.approved and not decided.rejected


def test_rejection_keeps_only_the_partner_rule() -> None:
    from gateway.domain.model import PurchaseOrder

    po = PurchaseOrder(po_number="1", po_date=None)
    _po, _partner, rules = decided_inputs(po, None, Decided(rejected=True))
    assert rules.names() == ["partner", "review"]
    _po, _partner, rules = decided_inputs(po, None, Decided())
    assert rules.names()[-1] == "review" and "price" in rules.names()


def test_envelope_problems_mark_their_trailer_or_the_last_segment() -> None:
    segs = x12view.cut(RAW)
    x12view.mark_diagnostics(
        segs, [{"code": "x12.se.count_mismatch", "level": "set", "location": {"set_control": "0001"}}]
    )
    assert [s.text[:2] for s in segs if s.marked] == ["SE"]
    cut_short = x12view.cut(RAW[: RAW.index(b"GE*")])
    x12view.mark_diagnostics(
        cut_short,
        [{"code": "x12.iea.missing", "location": {"interchange": "000000001", "segment_id": "IEA"}}],
    )
    assert [s.number for s in cut_short if s.marked] == [len(cut_short)]


def test_a_long_file_shows_the_envelope_heads_and_the_one_set() -> None:
    segs = x12view.cut(RAW)
    shown = x12view.only_set(segs, "0001", limit=5)
    assert [s.text[:3] for s in shown] == ["ISA", "GS*", "ST*", "BEG", "PO1", "PO1", "CTT", "SE*"]
    assert x12view.only_set(segs, "0001") is segs
