"""validate_set: each 997/999 code provoked by a small hand-written set."""

from __future__ import annotations

import random

import pytest

from gateway.domain.diagnostics import Diagnostic, Level, Severity
from parsers.x12.dictionary import (
    DATE,
    ID,
    NUM,
    REAL,
    TIME,
    ElementSpec,
    LoopNode,
    SegmentNode,
    get_definition,
)
from parsers.x12.structure import GroupHeader, InterchangeHeader, Separators, TransactionSet
from parsers.x12.validator import validate_set

SEP = Separators(element="*", component=":", segment="~", repetition="^")


def make_set(text: str, version: str = "004010") -> TransactionSet:
    """Build a TransactionSet from 'SEG*a*b~SEG*...' text (ST..SE)."""
    segs = [s.strip().split("*") for s in text.split("~") if s.strip()]
    isa = ["ISA"] + [""] * 16
    ih = InterchangeHeader(
        isa, SEP, "000000001", "ZZ", "BUYER", "ZZ", "SELLER", "240101", "1200", "00401", "0", "P"
    )
    gs = ["GS", "PO", "BUYER", "SELLER", "20240101", "1200", "1", "X", version]
    gh = GroupHeader(gs, "PO", "BUYER", "SELLER", "20240101", "1200", "1", "X", version)
    return TransactionSet(ih, gh, segs[0][1], segs[0][2], segs)


def run(text: str, version: str = "004010") -> list[Diagnostic]:
    ts = make_set(text, version)
    definition = get_definition(ts.set_id, version)
    assert definition is not None
    return validate_set(ts, definition, SEP)


CLEAN_850_4010 = """ST*850*0001~BEG*00*SA*PO123**20240115~CUR*BY*USD~REF*DP*038~PER*BD*JANE*TE*5551234~
FOB*PP~ITD*01*3*2**30**60~DTM*002*20240201*1330~TD5****M*UPS GROUND~N9*ZZ*NOTE~MSG*PLEASE CALL~
N1*ST*STORE 12*92*0012~N2*RECEIVING~N3*1 MAIN ST*SUITE 2~N4*SPRINGFIELD*IL*62701*US~
N1*BT*BUYER INC~PO1*1*10*EA*9.99*PE*VN*ABC-1*UP*012345678905*BP*X1~
CTP**RES*12.99~PID*F****WIDGET~PO4*12*1*EA~SAC*C*D240***1500~DTM*002*20240203~
SCH*5*EA***002*20240210~PO1*2*1*CA*100**VP*Z9~PID*F****BOX~N1*ST*STORE 9*92*09~CTT*2*11~SE*30*0001~"""

CLEAN_850_5010 = """ST*850*0002*005010X~BEG*00*SA*PO124**20240115~
REF*DP*THIS-REFERENCE-IS-LONGER-THAN-THIRTY-CHARS~
PER*BD*JANE*EM*jane@example.com~DTM*010*20240201~N1*ST*STORE*92*12~N3*1 MAIN~N4*CITY*ON*K1A0B1*CA**ON~
PO1*1*2*EA*3.5**VN*A~PID*F****THING~CTT*1~SE*12*0002~"""

CLEAN_860_4010 = """ST*860*0003~BCH*04*SA*PO123**1*20240115****20240120~REF*DP*038~DTM*002*20240301~
N1*ST*STORE*92*12~POC*1*QD*10*2*EA*9.99**VN*ABC-1~PID*F****WIDGET~DTM*002*20240305~
POC*2*AI*5*5*EA*1.00**UP*012345678905~CTT*2~SE*11*0003~"""

CLEAN_860_5010 = """ST*860*0004*005010~BCH*01*SA*PO123***20240115~POC*1*DI****~CTT*1~SE*5*0004~"""


@pytest.mark.parametrize(
    ("text", "version"),
    [(CLEAN_850_4010, "004010"), (CLEAN_850_5010, "005010"), (CLEAN_860_4010, "004010"),
     (CLEAN_860_5010, "005010"), (CLEAN_850_4010, "004010VICS")],
)  # fmt: skip
def test_clean_sets(text: str, version: str) -> None:
    assert run(text, version) == []


def test_standard_allows_what_mock_edi_flags() -> None:
    # VN qualifier, header TD5/N9/MSG, no PO104
    text = "ST*850*0001~BEG*00*SA*P1**20240101~TD5****M~N9*ZZ*X~MSG*HI~PO1*1*1*EA***VN*A~SE*7*0001~"
    assert run(text) == []


def one(diags: list[Diagnostic], level: Level) -> Diagnostic:
    found = [d for d in diags if d.level is level]
    assert len(found) == 1, diags
    return found[0]


BASE = "ST*850*0001~BEG*00*SA*P1**20240101~{mid}PO1*1*1*EA*1.5**VN*A~{tail}SE*9*0001~"

SEGMENT_CASES = [
    # (id, text, AK304, code, severity, segment id, position)
    ("unrecognized", BASE.format(mid="zz*1~", tail=""), "1", "x12.segment.unrecognized", Severity.FATAL, "zz", 3),  # noqa: E501
    ("unexpected", BASE.format(mid="BCH*04*SA*1**20240101~", tail=""), "2", "x12.segment.unexpected",
     Severity.FATAL, "BCH", 3),
    ("not in set", BASE.format(mid="XYZ*1~", tail=""), "6", "x12.segment.not_in_set", Severity.FATAL, "XYZ", 3),  # noqa: E501
    ("out of sequence", BASE.format(mid="", tail="BEG*00*SA*P2**20240101~"), "7", "x12.segment.out_of_sequence",  # noqa: E501
     Severity.FATAL, "BEG", 4),
    ("mandatory missing", "ST*850*0001~CUR*BY*USD~PO1*1*1*EA~SE*4*0001~", "3", "x12.segment.mandatory_missing",  # noqa: E501
     Severity.FATAL, "BEG", 2),
    ("over max use", BASE.format(mid="CUR*BY*USD~CUR*BY*CAD~", tail=""), "5", "x12.segment.over_max_use",
     Severity.ERROR, "CUR", 4),
    ("loop over max", "ST*850*0001~BEG*00*SA*P1**20240101~PO1*1~CTT*1~CTT*1~SE*6*0001~", "4", "x12.segment.loop_over_max",  # noqa: E501
     Severity.ERROR, "CTT", 5),
]  # fmt: skip


@pytest.mark.parametrize("case", SEGMENT_CASES, ids=[c[0] for c in SEGMENT_CASES])
def test_segment_errors(case: tuple) -> None:
    _, text, ack, code, severity, seg_id, position = case
    diags = run(text)
    d = one(diags, Level.SEGMENT)
    assert (d.ack.segment, d.code, d.severity) == (ack, code, severity)
    assert (d.location.segment_id, d.location.segment_position) == (seg_id, position)
    s = one(diags, Level.SET)
    assert s.ack.set == "5" and s.severity is severity


def test_missing_mandatory_po1_loop_reported_at_se() -> None:
    diags = run("ST*850*0001~BEG*00*SA*P1**20240101~CTT*0~SE*4*0001~")
    d = one(diags, Level.SEGMENT)
    assert (d.ack.segment, d.location.segment_id, d.location.segment_position) == ("3", "PO1", 3)


ELEMENT_CASES = [
    # (id, text, AK403, code, severity, segment id, position, element, component, bad value, reference)
    ("mandatory missing", "ST*850*0001~BEG*00*SA***20240101~PO1*1~SE*4*0001~", "1", "x12.element.mandatory_missing",  # noqa: E501
     Severity.FATAL, "BEG", 2, 3, None, None, "324"),
    ("trailing mandatory missing", "ST*850*0001~BEG*00*SA*P1~PO1*1~SE*4*0001~", "1", "x12.element.mandatory_missing",  # noqa: E501
     Severity.FATAL, "BEG", 2, 5, None, None, "373"),
    ("too many elements", "ST*850*0001~BEG*00*SA*P1**20240101~CUR*BY*USD" + "*" * 20 + "X~PO1*1~SE*5*0001~", "3",  # noqa: E501
     "x12.element.too_many_elements", Severity.ERROR, "CUR", 3, 22, None, "X", None),
    ("too short", "ST*850*0001~BEG*00*SA*P1**20240101~CUR*BY*US~PO1*1~SE*5*0001~", "4", "x12.element.too_short",  # noqa: E501
     Severity.ERROR, "CUR", 3, 2, None, "US", "100"),
    ("too long", "ST*850*0001~BEG*00*SA*P1**20240101~REF*DP*" + "R" * 31 + "~PO1*1~SE*5*0001~", "5",
     "x12.element.too_long", Severity.ERROR, "REF", 3, 2, None, "R" * 31, "127"),
    ("too long critical", "ST*850*0001~BEG*00*SA*" + "P" * 23 + "**20240101~PO1*1~SE*4*0001~", "5",
     "x12.element.too_long", Severity.FATAL, "BEG", 2, 3, None, "P" * 23, "324"),
    ("invalid character", "ST*850*0001~BEG*00*SA*P1**20240101~PO1*1*1*EA*1.5*PE*VN*A~CTT*1X~SE*5*0001~", "6",
     "x12.element.invalid_character", Severity.ERROR, "CTT", 4, 1, None, "1X", "354"),
    ("invalid number critical", "ST*850*0001~BEG*00*SA*P1**20240101~PO1*1*1,5*EA~SE*4*0001~", "6",
     "x12.element.invalid_character", Severity.FATAL, "PO1", 3, 2, None, "1,5", "330"),
    ("invalid price critical", "ST*850*0001~BEG*00*SA*P1**20240101~PO1*1*1*EA*1.2.3~SE*4*0001~", "6",
     "x12.element.invalid_character", Severity.FATAL, "PO1", 3, 4, None, "1.2.3", "212"),
    ("invalid code", "ST*850*0001~BEG*00*QQ*P1**20240101~PO1*1~SE*4*0001~", "7", "x12.element.invalid_code",
     Severity.ERROR, "BEG", 2, 2, None, "QQ", "92"),
    ("invalid date critical", "ST*850*0001~BEG*00*SA*P1**20240230~PO1*1~SE*4*0001~", "8", "x12.element.invalid_date",  # noqa: E501
     Severity.FATAL, "BEG", 2, 5, None, "20240230", "373"),
    ("invalid date", "ST*850*0001~BEG*00*SA*P1**20240101~DTM*002*20231301~PO1*1~SE*5*0001~", "8",
     "x12.element.invalid_date", Severity.ERROR, "DTM", 3, 2, None, "20231301", "373"),
    ("invalid time", "ST*850*0001~BEG*00*SA*P1**20240101~DTM*002*20240101*2460~PO1*1~SE*5*0001~", "9",
     "x12.element.invalid_time", Severity.ERROR, "DTM", 3, 3, None, "2460", "337"),
    ("components in simple", "ST*850*0001~BEG*00*SA*P1**20240101~REF*DP*A:B~PO1*1~SE*5*0001~", "13",
     "x12.element.too_many_components", Severity.ERROR, "REF", 3, 2, None, "A:B", "127"),
    ("too many components", "ST*850*0001~BEG*00*SA*P1**20240101~PO1*1~MEA**WT*1*LB" + ":" * 15 + "X~SE*5*0001~",  # noqa: E501
     "13", "x12.element.too_many_components", Severity.ERROR, "MEA", 4, 4, 16, None, "C001"),
    ("component error", "ST*860*0001~BCH*04*SA*P1***20240101~POC*1*QD*1**E~SE*4*0001~", "4", "x12.element.too_short",  # noqa: E501
     Severity.ERROR, "POC", 3, 5, 1, "E", "355"),
]  # fmt: skip


@pytest.mark.parametrize("case", ELEMENT_CASES, ids=[c[0] for c in ELEMENT_CASES])
def test_element_errors(case: tuple) -> None:
    _, text, ack, code, severity, seg_id, pos, ele, comp, bad, ref = case
    diags = run(text)
    d = one(diags, Level.ELEMENT)
    assert (d.ack.segment, d.ack.element, d.code, d.severity) == ("8", ack, code, severity)
    loc = d.location
    assert (loc.segment_id, loc.segment_position, loc.element_position, loc.component_position) == (
        seg_id, pos, ele, comp,
    )  # fmt: skip
    if bad is not None:
        assert d.bad_value == bad[:35]
    assert loc.element_reference == ref
    assert d.message
    assert one(diags, Level.SET).ack.set == "5"


def test_5010_lengths_and_st03() -> None:
    assert run("ST*850*0001*X~BEG*00*SA*P1**20240101~PO1*1~SE*4*0001~", "005010") == []
    diags = run("ST*850*0001*X~BEG*00*SA*P1**20240101~PO1*1~SE*4*0001~", "004010")
    assert one(diags, Level.ELEMENT).ack.element == "3"


def test_numbers_and_dates() -> None:
    ok = "ST*850*0001~BEG*00*SA*P1**20240229~PO1*1*-1.5*EA*.5~DTM*002*240101*235959~CTT*-3~SE*6*0001~"
    diags = run(ok)
    # 6-digit date is a real date but shorter than 373's minimum of 8
    assert [d.ack.element for d in diags if d.level is Level.ELEMENT] == ["4"]
    assert run("ST*850*0001~BEG*00*SA*P1**20230229~PO1*1~SE*4*0001~")[0].ack.element == "8"


def test_bad_value_truncated() -> None:
    diags = run("ST*850*0001~BEG*00*SA*P1**20240101~REF*DP*" + "R" * 60 + "~PO1*1~SE*5*0001~")
    assert one(diags, Level.ELEMENT).bad_value == "R" * 35


def test_loop_ids_and_nested_loops() -> None:
    text = (
        "ST*850*0001~BEG*00*SA*P1**20240101~PO1*1~SAC*C*D240~CUR*BY*USD~PID*F****X~"
        "N1*ST*S*92*01~N3*A~N4*BB~SLN*1**I~SE*11*0001~"
    )
    diags = run(text)
    d = one(diags, Level.SEGMENT)
    assert (d.location.segment_id, d.ack.segment) == ("PID", "7")  # PID loop precedes the SAC loop
    diags = run("ST*850*0001~BEG*00*SA*P1**20240101~PO1*1~N1*ST~N4*XX~REF*DP*" + "R" * 31 + "~SE*7*0001~")
    assert one(diags, Level.ELEMENT).location.loop_id == "N1"


# a small pool of segments, valid on their own, to be put in random (mostly wrong) orders
_POOL_850 = [
    "BEG*00*SA*P1**20240101", "CUR*BY*USD", "REF*DP*038", "PER*BD*JANE", "FOB*PP", "ITD*01*3",
    "DTM*002*20240201", "TD5****M", "N9*ZZ*NOTE", "MSG*HI", "N1*ST*STORE*92*12", "N2*RECEIVING", "N3*1 MAIN",
    "N4*CITY*IL*62701", "PO1*1*10*EA*9.99*PE*VN*A", "CTP**RES*12.99", "PID*F****WIDGET", "PO4*12*1*EA",
    "SAC*C*D240***1500", "SCH*5*EA***002*20240210", "SLN*1**I", "CTT*2", "AMT*TT*12.5", "ZZZ*1",
    "BCH*04*SA*P1", "REF*DP*" + "R" * 31,
]  # fmt: skip


def test_memoized_walk_reports_what_the_general_walk_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    """Random segment orders: the same findings with the validator's memoized moves as without them."""
    from parsers.x12 import validator

    rng = random.Random(850)
    texts = []
    for _ in range(400):
        n = rng.randint(1, 40)
        # runs of PO1 lines and repeats, so that loops repeat and counts run over
        body = [rng.choice(_POOL_850) for _ in range(n)]
        if rng.random() < 0.5:
            body = ["BEG*00*SA*P1**20240101"] + body + ["PO1*1~PID*F****X~PO4*1"] * rng.randint(1, 5)
        if rng.random() < 0.2:
            body += ["CTT*1"] * rng.randint(1, 3)
        tail = "SE*1*0001~" if rng.random() < 0.9 else ""
        texts.append("ST*850*0001~" + "~".join(body) + "~" + tail)
    fast = [[(d.code, d.location, d.message) for d in run(t)] for t in texts]

    def forget(loop: LoopNode) -> None:
        for at in loop.positions:
            at.moves.clear()
        for kid in loop.children:
            if isinstance(kid, LoopNode):
                forget(kid)

    definition = get_definition("850", "004010")
    assert definition is not None
    forget(definition.root)
    monkeypatch.setattr(validator, "_move", lambda at, seg_id: None)  # every segment through _place
    slow = [[(d.code, d.location, d.message) for d in run(t)] for t in texts]
    assert fast == slow
    assert sum(1 for found in fast if found) > 100  # most orders are wrong somewhere
    assert any(c == "x12.segment.loop_over_max" for found in fast for c, _, _ in found)


def _random_value(rng: random.Random, spec: ElementSpec, comp: str) -> str:
    """A value around the edges of ``spec``: codes, boundary lengths, signs, points, odd characters."""
    if spec.components is not None:
        parts = [_random_value(rng, c, comp) if rng.random() < 0.7 else "" for c in spec.components]
        if rng.random() < 0.1:
            parts.append(rng.choice(["", "X"]))
        return comp.join(parts[: rng.randint(0, len(parts))] if rng.random() < 0.3 else parts)
    lo, hi = spec.min_len, spec.max_len
    n = rng.choice([max(lo, 1), hi, hi + 1, max(lo - 1, 1), rng.randint(1, max(hi, 1))])
    if rng.random() < 0.1:
        return ""
    if spec.dtype == ID and spec.codes and rng.random() < 0.6:
        return rng.choice(sorted(spec.codes))
    if spec.dtype in (NUM, REAL):
        v = "".join(rng.choice("0123456789") for _ in range(n))
        if spec.dtype == REAL and v and rng.random() < 0.5:
            p = rng.randint(0, len(v))
            v = v[:p] + "." + v[p:]
        v = ("-" if rng.random() < 0.1 else "") + v
        return v + (rng.choice([".", "-", "x", "+", " ", ".5"]) if rng.random() < 0.05 else "")
    if spec.dtype == DATE:
        return rng.choice(["20240229", "20230229", "19000229", "20241301", "20240431", "240101", "240230",
                           "2024011", "21000229", "000229", "20241232", "2024010a"])  # fmt: skip
    if spec.dtype == TIME:
        return rng.choice(["1200", "2359", "2400", "1260", "120000", "125960", "1200001", "12000012", "123"])
    alphabet = (
        "ABC xyz019-.,/#&'\u00e9" + ("\x01\t" if rng.random() < 0.05 else "") + comp * (rng.random() < 0.05)
    )
    return "".join(rng.choice(alphabet) for _ in range(n))


def _segment_nodes(loop: LoopNode) -> list[SegmentNode]:
    out: list[SegmentNode] = []
    for kid in loop.children:
        out.extend(_segment_nodes(kid) if isinstance(kid, LoopNode) else [kid])
    return out


@pytest.mark.parametrize(("set_id", "version"), [("850", "004010"), ("860", "004010"), ("850", "005010")])
def test_fast_clean_segment_test_accepts_exactly_what_the_element_checks_find_clean(
    set_id: str, version: str
) -> None:
    from parsers.x12 import validator

    rng = random.Random(f"{set_id}{version}")
    definition = get_definition(set_id, version)
    assert definition is not None
    ts = make_set("ST*850*0001~SE*2*0001~")
    accepted = rejected = 0
    for node in _segment_nodes(definition.root):
        for esep, comp in (("*", ">"), ("|", "^")):
            separators = Separators(element=esep, component=comp, segment="~")
            table = validator._fast_table(separators)
            test = table.get(node) or validator._matcher(table, node, separators)
            specs = node.spec.elements
            for _ in range(40):
                k = rng.randint(0, len(specs) + 2)
                elements = [_random_value(rng, s, comp) if rng.random() < 0.8 else "" for s in specs[:k]]
                elements += [rng.choice(["", "X"]) for _ in range(k - len(specs))]
                seg = [node.id, *elements]
                text = esep.join(seg)
                if text.count(esep) != len(seg) - 1:
                    continue
                clean = validator._check_segment(seg, node, 1, "L", comp, None, ts) is None
                assert (test(text) is not None) == clean, text
                accepted += clean
                rejected += not clean
    assert accepted > 200 and rejected > 200
