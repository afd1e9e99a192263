"""Conformance over the shared corpus of public X12 samples (``../shared/corpus``).

Every 850/860 in the x12-850 and x12-860 folders either parses into the purchase
order numbers and line counts below, or is rejected with the diagnostic code below.
The table was made by reading each file by eye (and counting BEG/BCH and
PO1/POC per ST with a separate throwaway script), not by copying the parser's
output.  Every file of every x12-* folder is read without a crash; sets we do not
turn into orders (855, 856, 810, 820, 997, 999, TA1) are reported as not
supported or passed through, never as documents.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from gateway.services.parse_documents import DocumentResult, parse_file

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
if not CORPUS.is_dir():
    pytest.skip(f"no corpus at {CORPUS}", allow_module_level=True)


def _manifest() -> dict[str, str]:
    path = CORPUS / "MANIFEST.tsv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["file"]: row.get("notes", "") for row in csv.DictReader(fh, delimiter="\t")}


NOTES = _manifest()
X12_FILES = sorted(p for d in CORPUS.glob("x12-*") if d.is_dir() for p in d.iterdir() if p.is_file())
ORDER_FILES = [p for p in X12_FILES if p.parent.name in ("x12-850", "x12-860")]

Parsed = tuple[str, int]  # (PO number, line count)
Outcome = Parsed | str  # or the code that rejects the set

# one entry per 850/860 set, in file order
EXPECTED: dict[str, list[Outcome]] = {
    "x12-850/EDIandXML__OBOE__5-850.x12": ["x12.gs.version"],  # 003040
    "x12-850/EdiFabric__X12.NET__CorruptSt.txt": ["x12.ge.count_mismatch"],  # "T*850": SE without ST; GE01=2
    "x12-850/EdiFabric__X12.NET__DuplicateGroup.txt": [("XX-1234", 1), ("XX-1234", 1)],
    "x12-850/EdiFabric__X12.NET__DuplicateInterchange.txt": [("XX-1234", 1), ("XX-1234", 1)],
    "x12-850/EdiFabric__X12.NET__DuplicateMessage.txt": [("XX-1234", 1), ("XX-1234", 1)],
    "x12-850/EdiFabric__X12.NET__MixedTransactions.txt": [("XX-1234", 1)],
    "x12-850/EdiFabric__X12.NET__PurchaseOrder.txt": [("XX-1234", 1)],
    "x12-850/EdiFabric__X12.NET__PurchaseOrderInvalid.txt": ["x12.se.count_mismatch"],  # SE01 15 vs 14
    "x12-850/EdiFabric__X12.NET__PurchaseOrders.txt": [("XX-1234", 1), ("XX-1234", 1)],
    "x12-850/Inteligenz__X12Parser__ORD_850_Example1_PGWGlass.txt": [("S41000439", 4)],
    "x12-850/Inteligenz__X12Parser__ORD_850_Example2_Adobe_TLP.txt": [("TLP-X12", 1)],
    "x12-850/Inteligenz__X12Parser__ORD_850_Example3_Adobe_CLP.txt": [("ANSI-X12-CLP", 2)],
    # SE01 18, the set holds 34
    "x12-850/Inteligenz__X12Parser__ORD_850_Example4_Adobe_ShrinkWrapped.txt": ["x12.se.count_mismatch"],
    "x12-850/Inteligenz__X12Parser__ORD_850_From_aojuk.txt": [("6190", 2)],
    "x12-850/Stedi-Demos__bootstrap-archived__5010-850-input.edi": [("365465413", 2)],
    "x12-850/aaronhuggins__node-x12__850.edi": [("08292233294", 6)],
    "x12-850/aaronhuggins__node-x12__850_2.edi": [("08292233294", 6)],
    "x12-850/aaronhuggins__node-x12__850_3.edi": [("----------", 1)],
    "x12-850/aaronhuggins__node-x12__850_fat.edi": [("08292233294", 6), ("08292233294", 6)],
    "x12-850/apimeister__x12-types__004010_850.edi": [("A99999-01", 7)],
    "x12-850/bots-edi__bots-plugins__850-004010-01.x12": [("91393058", 8)],
    "x12-850/bots-edi__bots-plugins__850-004010-02.x12": [("95018017", 1)] * 4,
    "x12-850/bots-edi__bots-plugins__850-004010-03.x12": [("0123456789123", 3)],
    "x12-850/bots-edi__bots-plugins__850-004010-04.x12": [("548177", 5)],
    "x12-850/bots-edi__bots-plugins__850-004010-05.x12": [("801104", 3), ("PONUM-1234567", 8)],
    "x12-850/bots-edi__bots-plugins__850-004010-06.x12": [("2619003", 6)],
    "x12-850/bots-edi__bots-plugins__850-004010-07.x12": [("801104", 3), ("PONUM-1234567", 8)],
    "x12-850/bots-edi__bots-plugins__850-004010-08.x12": [("801104", 3), ("PONUM-1234567", 8)],
    "x12-850/bots-edi__bots-plugins__850-004010-09.x12": [("801104", 3), ("PONUM-1234567", 8)],
    "x12-850/bots-edi__bots-plugins__850-004010-10.x12": [("3768856", 1), ("3769108", 1)],
    "x12-850/bots-edi__bots-plugins__850-004010-11.x12": [("1234512345", 1)],
    "x12-850/bots-edi__bots-plugins__850-004010-12.x12": [
        ("4167427123", 2),
        ("1234567890", 4),
        ("1234567890", 4),
    ],
    "x12-850/bots-edi__bots-plugins__850-004010-18.x12": [("520981", 2)],
    "x12-850/bots-edi__bots-plugins__850-004010-ascii-lf.x12": [("12345678", 4)],
    "x12-850/bots-edi__bots-plugins__850-004010-ascii-st.x12": [("12345678", 4)],
    "x12-850/bots-edi__bots-plugins__850-004010-ascii1.x12": [("12345678", 4)],
    "x12-850/bots-edi__bots-plugins__850-004010.13.x12": [("1234512345", 1)],
    "x12-850/bots-edi__bots-plugins__850-004010.14.x12": [
        ("4167427123", 2),
        ("1234567890", 4),
        ("1234567890", 4),
    ],
    "x12-850/bots-edi__bots-plugins__850-004010.15.x12": [
        ("P1234567", 5),
        ("Q1234567", 2),
        ("V1234567", 1),
        ("W1234567", 11),
    ],
    "x12-850/bots-edi__bots-plugins__850-004010.16.x12": [("801104", 3), ("PONUM-1234567", 8)],
    "x12-850/bots-edi__bots-plugins__850-004010.17.x12": [("95018017", 1)] * 4,
    "x12-850/bots-edi__bots-plugins__850-004010VICS-01.x12": [
        ("15918851602", 64),
        ("15918861602", 58),
        ("15918871602", 25),
        ("15918881602", 22),
    ],
    "x12-850/bots-edi__bots-plugins__850-004010VICS-02.x12": [("520981", 2)],
    "x12-850/bots-edi__bots-plugins__850-004030-01.x12": [("587852", 2)],
    "x12-850/bots-edi__bots-plugins__850-004030-02.x12": [("589094", 26), ("589109", 26), ("604025", 4)],
    "x12-850/bots-edi__bots-plugins__850-004030-03.x12": [("520981", 2)],
    "x12-850/bots-edi__bots-plugins__850-004030VICS-01.x12": [("520981", 2)],
    "x12-850/bots-edi__bots-plugins__mailbag01.x12": [
        ("587852", 2),
        ("91393058", 8),
        ("95018017", 1),
        ("95018017", 1),
        ("95018017", 1),
        ("95018017", 1),
        ("3768856", 1),
        ("3769108", 1),
        ("801104", 3),
        ("PONUM-1234567", 8),
        ("12345678", 4),
    ],
    "x12-850/bots-edi__bots-plugins__x12demo-850_01.x12": [("333333333333", 1)],
    "x12-850/indice-co__EDI.Net__x12.850.edi": ["x12.iea.control_mismatch"],
    # ISA16 lost (read as "~" terminator); a DTM lost its "~" and merged with the next PO1: SE01 is off
    "x12-850/indice-co__EDI.Net__x12.850.issue135.edi": ["x12.se.count_mismatch", ("740151", 11)],
    "x12-850/indice-co__EDI.Net__x12.850a.edi": ["x12.iea.control_mismatch"],
    "x12-850/indice-co__EDI.Net__x12.Issue101.edi": ["x12.se.count_mismatch"],
    "x12-850/kputnam__stupidedi__003010-PO850-fail-1.edi": ["x12.gs.version"],
    "x12-850/kputnam__stupidedi__003050-PO850-fail-1.edi": ["x12.gs.version"],
    "x12-850/kputnam__stupidedi__004010-PO850-pass-1.edi": [("PO12345", 1)],
    "x12-850/kputnam__stupidedi__X357-aerospace-basic-po.edi": [("508517", 1)],
    "x12-850/kputnam__stupidedi__X357-aerospace-taxexempt-po.edi": [("XX-1234", 1)],
    "x12-850/olmelabs__EdiEngine__850.Composite.SLN.OK.edi": [("08292233294", 2)],
    "x12-850/olmelabs__EdiEngine__850.OK.edi": [("08292233294", 6)],
    "x12-850/olmelabs__EdiEngine__850.SyntaxNotes.ERR.edi": [("08292233294", 6)],
    "x12-850/xlate__staedi__invoice810_po850_dual.edi": ["x12.gs.version"],  # the 850 group is 003010
    "x12-860/Inteligenz__X12Parser__ORD_860_Example1.txt": ["x12.se.count_mismatch"],  # N1 lost its "~"
    "x12-860/kputnam__stupidedi__003010-PC860-fail-1.edi": ["x12.gs.version"],
}

# Where the right answer is known but the code does not give it yet.
KNOWN_GAPS: dict[str, str] = {}

NOT_ORDERS_OK = {"x12.set.not_supported"}
PASS_THROUGH = ("997", "999", "TA1")


def _rel(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _results(path: Path) -> list[DocumentResult]:
    with path.open("rb") as fh:
        return parse_file(fh)


def _outcomes(results: list[DocumentResult]) -> list[Outcome]:
    out: list[Outcome] = []
    for r in results:
        if r.kind not in ("850", "860"):
            continue
        if r.document is not None:
            out.append((r.document.po_number, len(r.document.lines)))
        else:
            out.append("rejected")
    return out


def test_the_table_covers_every_order_file() -> None:
    assert sorted(EXPECTED) == sorted(_rel(p) for p in ORDER_FILES)


@pytest.mark.parametrize("path", ORDER_FILES, ids=_rel)
def test_order_file(path: Path) -> None:
    rel = _rel(path)
    if rel in KNOWN_GAPS:
        pytest.xfail(KNOWN_GAPS[rel])
    expected = EXPECTED[rel]
    results = _results(path)
    note = NOTES.get(rel, "")
    sets = [r for r in results if r.kind in ("850", "860")]
    assert len(sets) == len(expected), note
    for r, want in zip(sets, expected, strict=True):
        if isinstance(want, tuple):
            assert r.document is not None, (rel, [d.describe() for d in r.diagnostics], note)
            assert (r.document.po_number, len(r.document.lines)) == want
            assert r.status in ("accepted", "accepted_with_errors")
        else:
            assert r.document is None
            assert r.status == "rejected"
            fatal = {d.code for d in r.diagnostics if d.severity == "fatal"}
            assert want in fatal, (rel, sorted(fatal), note)


@pytest.mark.parametrize("path", X12_FILES, ids=_rel)
def test_any_x12_file_reads_without_a_crash(path: Path) -> None:
    results = _results(path)
    assert results, f"{_rel(path)}: no result"
    for r in results:
        assert r.status in ("accepted", "accepted_with_errors", "rejected")
        if r.kind in ("850", "860"):
            continue
        assert r.document is None
        if r.kind in ("interchange", "group", "unreadable") or r.kind in PASS_THROUGH:
            continue
        # 810, 820, 855, 856 ...: read as envelopes, reported as not supported (or rejected
        # earlier, with their group or interchange)
        assert r.status == "rejected"
        fatal = {d.code for d in r.diagnostics if d.severity == "fatal"}
        assert fatal, (_rel(path), r.kind)
        if not any(d.level in ("group", "interchange") for d in r.diagnostics if d.severity == "fatal"):
            assert NOT_ORDERS_OK & fatal, (_rel(path), r.kind, sorted(fatal))


def test_the_corpus_holds_what_the_manifest_lists() -> None:
    listed = {name for name in NOTES if name.startswith("x12-")}
    if not listed:
        pytest.skip("no MANIFEST.tsv")
    assert {_rel(p) for p in X12_FILES} <= listed
