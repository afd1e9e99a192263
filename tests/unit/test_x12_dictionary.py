"""The compiled X12 dictionary: loading, lookups, version families."""

from __future__ import annotations

import pytest

from parsers.x12.dictionary import (
    DATE,
    NUM,
    REAL,
    LoopNode,
    SegmentNode,
    get_definition,
    supported_sets,
    version_family,
)


def _segment(loop: LoopNode, seg_id: str) -> SegmentNode:
    node = loop.children[loop.index[seg_id][0]]
    return node.first_segment if isinstance(node, LoopNode) else node


def test_supported_sets() -> None:
    assert supported_sets() == [("850", "4010"), ("850", "5010"), ("860", "4010"), ("860", "5010")]


@pytest.mark.parametrize(
    ("gs08", "family"),
    [("004010", "4010"), ("004010VICS", "4010"), ("004030", "4010"), ("005010", "5010"),
     ("005010X231", "5010"), ("003040", None), ("", None)],
)  # fmt: skip
def test_version_family(gs08: str, family: str | None) -> None:
    assert version_family(gs08) == family
    definition = get_definition("850", gs08)
    assert (definition.version if definition else None) == family


def test_unknown_set_is_none() -> None:
    assert get_definition("810", "004010") is None


def test_cached_once() -> None:
    assert get_definition("850", "004010") is get_definition("850", "004010VICS")


def test_850_structure() -> None:
    d = get_definition("850", "004010")
    assert d is not None
    root = d.root
    assert [c.id for c in root.children[:3]] == ["ST", "BEG", "CUR"]
    assert root.children[-1].id == "SE"
    po1 = root.children[root.index["PO1"][0]]
    assert isinstance(po1, LoopNode) and po1.mandatory and po1.repeat == 100000
    # header TD5, N9 and MSG are allowed by the standard
    assert "TD5" in root.index and "N9" in root.index
    n9 = root.children[root.index["N9"][0]]
    assert isinstance(n9, LoopNode) and "MSG" in n9.index
    beg = _segment(root, "BEG")
    assert beg.mandatory and beg.max_use == 1
    assert beg.spec.elements[4].dtype == DATE and beg.spec.elements[4].critical
    assert beg.spec.elements[0].codes and "00" in beg.spec.elements[0].codes


def test_po1_elements_open_lists() -> None:
    d = get_definition("850", "005010")
    assert d is not None
    po1 = _segment(d.root, "PO1")
    e = po1.spec.elements
    assert len(e) == 25
    assert not e[1].mandatory and not e[3].mandatory  # PO102, PO104 conditional in the standard
    assert e[1].dtype == REAL and e[1].critical and e[3].critical
    assert e[2].codes is None and e[5].codes is None  # unit of measure, product id qualifier: open


def test_version_differences() -> None:
    d4 = get_definition("850", "004010")
    d5 = get_definition("850", "005010")
    assert d4 is not None and d5 is not None
    st4, st5 = _segment(d4.root, "ST"), _segment(d5.root, "ST")
    assert len(st4.spec.elements) == 2 and len(st5.spec.elements) == 3
    ref4, ref5 = _segment(d4.root, "REF"), _segment(d5.root, "REF")
    assert ref4.spec.elements[1].max_len == 30 and ref5.spec.elements[1].max_len == 50
    se = _segment(d4.root, "SE")
    assert se.spec.elements[0].dtype == NUM


def test_860_structure() -> None:
    d = get_definition("860", "004010")
    assert d is not None
    root = d.root
    assert root.children[1].id == "BCH"
    poc = root.children[root.index["POC"][0]]
    assert isinstance(poc, LoopNode) and not poc.mandatory
    e = poc.first_segment.spec.elements
    assert len(e) == 27 and e[1].mandatory and "QD" in (e[1].codes or ())
    assert e[4].components is not None and e[4].components[0].reference == "355"
