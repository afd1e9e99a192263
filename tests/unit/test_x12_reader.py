"""The X12 reader over our own fixtures: separators, envelopes, diagnostics, chunking.

``tests/fixtures/x12/NAME.x12`` each has ``NAME.expected.json``: the exact
``ordergate parse`` output for it without the ``file`` key.  Set
``ORDERGATE_REGEN=1`` to rewrite the expected files from the current code (then
read the diff: every value in them was checked by hand once).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from gateway.domain.diagnostics import Diagnostic
from gateway.services.parse_documents import parse_file
from parsers.x12.isa import read_isa
from parsers.x12.reader import read_bytes, read_events
from parsers.x12.structure import (
    Event,
    GroupEnd,
    GroupStart,
    InterchangeEnd,
    InterchangeStart,
    Separators,
    StrayData,
    TransactionSet,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "x12"
FIXTURE_FILES = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".x12", ".edi"))
REGEN = os.environ.get("ORDERGATE_REGEN") == "1"
CHUNK_SIZES = (1, 2, 3, 7, 64, 4096)


def _expected_path(path: Path) -> Path:
    return path.with_name(path.stem + ".expected.json")


def _parse_json(data: bytes) -> dict[str, Any]:
    results = parse_file(io.BytesIO(data))
    # through json so that the comparison sees exactly what the CLI prints
    return json.loads(json.dumps({"documents": [r.to_json() for r in results]}, ensure_ascii=False))


def _events(data: bytes, chunk_size: int = 4096) -> list[Event]:
    return list(read_events(io.BytesIO(data), chunk_size=chunk_size))


def _codes(diags: list[Diagnostic]) -> list[str]:
    return [d.code for d in diags]


def _all_diags(events: list[Event]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for e in events:
        out.extend(e.diagnostics)
    return out


def _sets(events: list[Event]) -> list[TransactionSet]:
    return [e for e in events if isinstance(e, TransactionSet)]


# --------------------------------------------------------------------------- fixtures


def test_there_are_fixtures() -> None:
    assert len(FIXTURE_FILES) >= 20
    for path in FIXTURE_FILES:
        assert _expected_path(path).exists() or REGEN, f"{path.name} has no expected JSON"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fixture_parses_to_expected_json(path: Path) -> None:
    actual = _parse_json(path.read_bytes())
    expected_path = _expected_path(path)
    if REGEN:
        expected_path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert actual == expected


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fixture_reads_the_same_in_any_chunk_size(path: Path) -> None:
    data = path.read_bytes()
    reference = _events(data, chunk_size=1 << 20)
    for k in CHUNK_SIZES:
        assert _events(data, chunk_size=k) == reference, f"chunk_size={k}"


def _po_numbers(doc: dict[str, Any]) -> list[str]:
    out = []
    for r in doc["documents"]:
        out.extend(p["po_number"] for p in r["purchase_orders"])
        out.extend(c["po_number"] for c in r["changes"])
    return out


# A second, independent look at the expected files: what a reader of each fixture sees by eye.
SUMMARY: dict[str, tuple[list[str], list[int], list[str]]] = {
    # name: (PO numbers, line counts, statuses)
    "850-4010-caret-apostrophe": (["CS000917"], [3], ["accepted"]),
    "850-4010-control-chars": (["GC-40217"], [3], ["accepted"]),
    "850-4010-crlf-terminator": (["LF-55012"], [2], ["accepted"]),
    "850-4010-isa-without-isa16": (["SB-7001"], [1], ["accepted"]),
    "850-4010-pipe-newline": (["OB-31877"], [2], ["accepted"]),
    "850-4010-tilde-crlf": (["PN-2026-1108"], [1], ["accepted"]),
    "850-4010-unpadded-isa": (["TT-11"], [2], ["accepted"]),
    "850-4010-wrapped-80": (["RW-100045"], [2], ["accepted"]),
    "850-5010-bom-dos-eof": (["MB-8830"], [2], ["accepted"]),
    "850-5010-star-tilde-rep": (["NW-4500123"], [3], ["accepted"]),
    "860-4010-change-codes": (["HB-778201"], [6], ["accepted"]),
    "860-5010-test-usage": (["NW-4500123"], [3], ["accepted"]),
    "multi-group-multi-set": (["WF-9001", "WF-9002", "WF-8990"], [2, 1, 1], ["accepted"] * 3),
    "multi-interchange-mixed-separators": (["AL-1", "AL-2", "AL-3"], [1, 2, 1], ["accepted"] * 3),
    "bad-se-count": ([], [], ["rejected"]),
    "bad-se-control": ([], [], ["rejected"]),
    "bad-ge-count": ([], [], ["rejected", "rejected"]),
    "bad-iea-control": ([], [], ["rejected", "rejected"]),
    "truncated-no-iea": ([], [], ["rejected", "rejected", "rejected"]),
    "bad-version-003040": ([], [], ["rejected", "rejected"]),
    "bad-810-in-po-group": (["NG-100"], [2], ["accepted", "rejected"]),
    "bad-beg-date": ([], [], ["rejected"]),
}


@pytest.mark.parametrize("name", sorted(SUMMARY))
def test_fixture_summary(name: str) -> None:
    pos, line_counts, statuses = SUMMARY[name]
    doc = _parse_json((FIXTURES / f"{name}.x12").read_bytes())
    assert _po_numbers(doc) == pos
    counts = [len(p["lines"]) for r in doc["documents"] for p in r["purchase_orders"] + r["changes"]]
    assert counts == line_counts
    assert [r["status"] for r in doc["documents"]] == statuses


NEGATIVE_CODES = {
    "bad-se-count": {("850", "x12.se.count_mismatch", "set", "4")},
    "bad-se-control": {("850", "x12.se.control_mismatch", "set", "3")},
    "bad-ge-count": {
        ("group", "x12.ge.count_mismatch", "group", "5"),
        ("850", "x12.ge.count_mismatch", "group", "5"),
    },
    "bad-iea-control": {
        ("interchange", "x12.iea.control_mismatch", "interchange", "001"),
        ("850", "x12.iea.control_mismatch", "interchange", "001"),
    },
    "truncated-no-iea": {
        ("interchange", "x12.iea.missing", "interchange", "023"),
        ("group", "x12.ge.missing", "group", "3"),
        ("850", "x12.se.missing", "set", "2"),
    },
    "bad-version-003040": {
        ("group", "x12.gs.version", "group", "2"),
        ("850", "x12.gs.version", "group", "2"),
    },
    "bad-810-in-po-group": {("810", "x12.set.not_supported", "set", "1")},
    "bad-beg-date": {("850", "x12.element.invalid_date", "element", "8")},
}


@pytest.mark.parametrize("name", sorted(NEGATIVE_CODES))
def test_negative_fixture_diagnostics(name: str) -> None:
    doc = _parse_json((FIXTURES / f"{name}.x12").read_bytes())
    found = {
        (r["type"], d["code"], level, code)
        for r in doc["documents"]
        for d in r["diagnostics"]
        for level, code in d["ack"].items()
    }
    missing = NEGATIVE_CODES[name] - found
    assert not missing, f"{name}: missing {missing}; found {sorted(found)}"


# --------------------------------------------------------------------------- separators


SEPARATORS = {
    "850-5010-star-tilde-rep": Separators("*", ">", "~", "^"),
    "850-4010-pipe-newline": Separators("|", ":", "\n", None),
    "850-4010-caret-apostrophe": Separators("^", ":", "'", None),
    "850-4010-tilde-crlf": Separators("*", ">", "~", None),
    "850-4010-crlf-terminator": Separators("*", ">", "\n", None),
    "850-4010-wrapped-80": Separators("*", ">", "~", None),
    "850-5010-bom-dos-eof": Separators("*", ">", "~", "^"),
    "850-4010-control-chars": Separators("\x1d", "\x1f", "\x1c", None),
    "850-4010-isa-without-isa16": Separators("*", ">", "~", None),
    "850-4010-unpadded-isa": Separators("*", ">", "~", None),
    "860-5010-test-usage": Separators("*", ">", "~", "^"),
}


@pytest.mark.parametrize("name", sorted(SEPARATORS))
def test_separator_detection_on_fixtures(name: str) -> None:
    events = _events((FIXTURES / f"{name}.x12").read_bytes())
    starts = [e for e in events if isinstance(e, InterchangeStart)]
    assert len(starts) == 1
    assert starts[0].header.separators == SEPARATORS[name]


def test_each_interchange_keeps_its_own_separators() -> None:
    events = _events((FIXTURES / "multi-interchange-mixed-separators.x12").read_bytes())
    starts = [e.header for e in events if isinstance(e, InterchangeStart)]
    assert [h.separators for h in starts] == [
        Separators("*", ">", "~", None),
        Separators("|", ":", "\n", None),
        Separators("*", ">", "~", "^"),
    ]
    assert [h.control for h in starts] == ["000001501", "000001502", "000001503"]
    assert [h.version for h in starts] == ["00401", "00401", "00501"]
    ends = [e for e in events if isinstance(e, InterchangeEnd)]
    assert [e.diagnostics for e in ends] == [[], [], []]
    assert [[s[0] for s in ts.segments][:2] for ts in _sets(events)] == [["ST", "BEG"]] * 3


def _isa(
    elem: str = "*",
    comp: str = ">",
    term: str = "~",
    rep: str = "U",
    version: str = "00401",
    usage: str = "P",
    control: str = "000000042",
) -> str:
    fields = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        "SENDER".ljust(15),
        "ZZ",
        "RECEIVER".ljust(15),
        "261101",
        "1200",
        rep,
        version,
        control,
        "0",
        usage,
        comp,
    ]
    return elem.join(fields) + term


ISA_CASES = [
    # (description, text after ISA built, expected separators, strip line breaks)
    ("star tilde gt", _isa(), Separators("*", ">", "~"), True),
    ("5010 repetition caret", _isa(rep="^", version="00501"), Separators("*", ">", "~", "^"), True),
    ("4010 U is not a repetition", _isa(rep="U", version="00401"), Separators("*", ">", "~"), True),
    ("00402 repetition", _isa(rep="!", version="00402"), Separators("*", ">", "~", "!"), True),
    ("00401 has no repetition", _isa(rep="!", version="00401"), Separators("*", ">", "~"), True),
    ("pipe newline colon", _isa("|", ":", "\n"), Separators("|", ":", "\n"), False),
    ("caret apostrophe colon", _isa("^", ":", "'"), Separators("^", ":", "'"), True),
    ("CRLF terminator", _isa(term="\r\n"), Separators("*", ">", "\n"), False),
    ("CR terminator", _isa(term="\r"), Separators("*", ">", "\r"), False),
    ("control chars", _isa("\x1d", "\x1f", "\x1c"), Separators("\x1d", "\x1f", "\x1c"), True),
    ("tilde element newline", _isa("~", "|", "\n"), Separators("~", "|", "\n"), False),
    ("NAK terminator", _isa(comp="}", term="\x15"), Separators("*", "}", "\x15"), True),
    ("plus apostrophe", _isa("+", ":", "'", rep="^", version="00403"), Separators("+", ":", "'", "^"), True),
]


@pytest.mark.parametrize(("text", "seps", "strip"), [c[1:] for c in ISA_CASES], ids=[c[0] for c in ISA_CASES])
def test_read_isa_separators(text: str, seps: Separators, strip: bool) -> None:
    result = read_isa(text + "GS", 0)
    assert result.header is not None, result.diagnostics
    assert result.header.separators == seps
    assert result.strip_line_breaks is strip
    assert result.end == len(text)
    assert [d.code for d in result.diagnostics] == []


def test_read_isa_wrapped_inside_elements() -> None:
    text = _isa()
    wrapped = text[:80] + "\n" + text[80:] + "\n"
    result = read_isa(wrapped + "GS*PO", 0)
    assert result.header is not None
    assert result.header.separators == Separators("*", ">", "~")
    assert result.header.time == "1200"
    assert result.header.control == "000000042"
    assert result.strip_line_breaks


def test_read_isa_wrapped_just_before_component_and_terminator() -> None:
    text = _isa()
    # wrapped at 80 columns, plus a break right before ISA16 and another right before the terminator
    text = text[:80] + "\n" + text[80:]
    wrapped = text[:-2] + "\n" + text[-2] + "\n" + text[-1] + "\nGS*PO"
    result = read_isa(wrapped, 0)
    assert result.header is not None
    assert result.header.separators == Separators("*", ">", "~")


def test_read_isa_without_isa16() -> None:
    text = _isa()[:-3] + "~"  # drop "*>" : ISA15 then the terminator
    result = read_isa(text + "GS", 0)
    assert result.header is not None
    assert result.header.separators == Separators("*", ">", "~")
    assert _codes(result.diagnostics) == ["x12.isa.component_separator_missing"]
    assert result.diagnostics[0].ack.interchange == "027"


def test_read_isa_unpadded_ids_is_a_warning() -> None:
    text = "ISA*00**00**ZZ*S*ZZ*R*261101*1200*U*00401*42*0*P*>~"
    result = read_isa(text, 0)
    assert result.header is not None
    assert (result.header.sender_id, result.header.receiver_id, result.header.control) == ("S", "R", "42")
    assert _codes(result.diagnostics) == ["x12.isa.width"]
    assert result.diagnostics[0].severity == "warning"
    assert result.diagnostics[0].ack.interchange == "022"


@pytest.mark.parametrize(
    ("text", "code", "ta1"),
    [
        ("ISA", "x12.isa.truncated", "023"),
        ("ISA*00*          *00*", "x12.isa.truncated", "023"),
        ("ISAA00", "x12.isa.element_separator", "026"),
        ("ISA 00", "x12.isa.element_separator", "026"),
        (_isa(term="A"), "x12.isa.segment_terminator", "004"),
        (_isa(term="*"), "x12.isa.segment_terminator", "004"),
    ],
    ids=[
        "isa-only",
        "short",
        "alnum-separator",
        "space-separator",
        "alnum-terminator",
        "terminator-is-element",
    ],
)
def test_read_isa_refuses(text: str, code: str, ta1: str) -> None:
    result = read_isa(text, 0)
    assert result.header is None
    assert code in _codes(result.diagnostics)
    assert result.diagnostics[0].ack.interchange == ta1


def test_isa_field_checks() -> None:
    text = _isa(usage="X", control="00000004A")
    result = read_isa(text, 0)
    assert result.header is not None
    codes = {d.code: d.ack.interchange for d in result.diagnostics}
    assert codes == {"x12.isa.usage": "020", "x12.isa.control_number": "018"}


def test_isa15_test_usage() -> None:
    events = _events((FIXTURES / "860-5010-test-usage.x12").read_bytes())
    start = events[0]
    assert isinstance(start, InterchangeStart)
    assert start.header.usage == "T"
    assert start.header.is_test


# --------------------------------------------------------------------------- envelopes

GS = "GS*PO*SENDER*RECEIVER*20261101*1200*7*X*004010~"
BODY = "BEG*00*SA*P1**20261101~PO1*1*1*EA*1**VN*A~CTT*1~"


def _file(
    *,
    st: str = "ST*850*0001~",
    body: str = BODY,
    se: str | None = None,
    gs: str = GS,
    ge: str = "GE*1*7~",
    iea: str = "IEA*1*000000042~",
) -> bytes:
    n = 2 + body.count("~")
    se = f"SE*{n}*0001~" if se is None else se
    return (_isa() + gs + st + body + se + ge + iea).encode("latin-1")


def test_clean_envelope_events_in_order() -> None:
    events = _events(_file())
    assert [type(e) for e in events] == [
        InterchangeStart,
        GroupStart,
        TransactionSet,
        GroupEnd,
        InterchangeEnd,
    ]
    assert _all_diags(events) == []
    ts = events[2]
    assert isinstance(ts, TransactionSet)
    assert (ts.set_id, ts.control) == ("850", "0001")
    assert [s[0] for s in ts.segments] == ["ST", "BEG", "PO1", "CTT", "SE"]
    assert ts.segments[2] == ["PO1", "1", "1", "EA", "1", "", "VN", "A"]
    ge = events[3]
    assert isinstance(ge, GroupEnd)
    assert (ge.declared_sets, ge.received_sets, ge.trailer_control) == (1, 1, "7")
    iea = events[4]
    assert isinstance(iea, InterchangeEnd)
    assert (iea.declared_groups, iea.received_groups, iea.trailer_control) == (1, 1, "000000042")


ENVELOPE_CASES = [
    # (id, file kwargs, event type carrying it, code, ack level, ack code)
    ("se-count", {"se": "SE*9*0001~"}, TransactionSet, "x12.se.count_mismatch", "set", "4"),
    ("se-count-not-numeric", {"se": "SE*X*0001~"}, TransactionSet, "x12.se.count_mismatch", "set", "4"),
    ("se-control", {"se": "SE*5*0002~"}, TransactionSet, "x12.se.control_mismatch", "set", "3"),
    ("se-missing", {"se": ""}, TransactionSet, "x12.se.missing", "set", "2"),
    ("st-control-missing", {"st": "ST*850~", "se": "SE*5~"}, TransactionSet, "x12.st.control", "set", "7"),
    ("st-id-missing", {"st": "ST**0001~"}, TransactionSet, "x12.st.set_id", "set", "6"),
    ("ge-count", {"ge": "GE*3*7~"}, GroupEnd, "x12.ge.count_mismatch", "group", "5"),
    ("ge-control", {"ge": "GE*1*8~"}, GroupEnd, "x12.ge.control_mismatch", "group", "4"),
    ("ge-missing", {"ge": ""}, GroupEnd, "x12.ge.missing", "group", "3"),
    ("gs-version", {"gs": GS.replace("004010", "003040")}, GroupStart, "x12.gs.version", "group", "2"),
    (
        "gs-control",
        {"gs": GS.replace("*7*X", "*A7*X"), "ge": "GE*1*A7~"},
        GroupStart,
        "x12.gs.control",
        "group",
        "6",
    ),
    (
        "iea-control",
        {"iea": "IEA*1*000000043~"},
        InterchangeEnd,
        "x12.iea.control_mismatch",
        "interchange",
        "001",
    ),
    (
        "iea-count",
        {"iea": "IEA*2*000000042~"},
        InterchangeEnd,
        "x12.iea.count_mismatch",
        "interchange",
        "021",
    ),
    ("iea-missing", {"iea": ""}, InterchangeEnd, "x12.iea.missing", "interchange", "023"),
    ("st-outside-group", {"gs": "", "ge": ""}, InterchangeEnd, "x12.st.outside_group", "interchange", "024"),
]


@pytest.mark.parametrize(
    ("kwargs", "kind", "code", "level", "ack"),
    [c[1:] for c in ENVELOPE_CASES],
    ids=[c[0] for c in ENVELOPE_CASES],
)
def test_envelope_diagnostics(kwargs: dict[str, str], kind: type, code: str, level: str, ack: str) -> None:
    events = _events(_file(**kwargs))
    carriers = [e for e in events if isinstance(e, kind) and code in _codes(e.diagnostics)]
    assert carriers, (
        f"{code} not on any {kind.__name__}: {[(type(e).__name__, _codes(e.diagnostics)) for e in events]}"
    )
    diag = next(d for d in carriers[0].diagnostics if d.code == code)
    assert getattr(diag.ack, level) == ack
    # every one of these rejects its unit
    assert diag.severity == "fatal"


def test_trailers_without_headers_are_errors() -> None:
    events = _events(_file(gs=""))
    end = events[-1]
    assert isinstance(end, InterchangeEnd)
    found = {d.code: (d.severity, d.ack.interchange) for d in end.diagnostics}
    assert found == {
        "x12.st.outside_group": ("fatal", "024"),
        "x12.ge.unexpected": ("error", "024"),
        "x12.iea.count_mismatch": ("fatal", "021"),  # IEA*1 with no group
    }


def test_segment_outside_set_is_located() -> None:
    data = (
        _isa() + GS + "BEG*00*SA*X**20261101~" + "ST*850*0001~" + BODY + "SE*5*0001~GE*1*7~IEA*1*000000042~"
    ).encode()
    events = _events(data)
    end = events[-1]
    assert isinstance(end, InterchangeEnd)
    (diag,) = end.diagnostics
    assert diag.code == "x12.segment.outside_set"
    assert diag.location.segment_id == "BEG"
    assert diag.location.file_segment == 3  # ISA=1, GS=2, BEG=3
    assert diag.ack.interchange == "024"
    assert len(_sets(events)) == 1


def test_se_without_st_is_reported() -> None:
    data = (_isa() + GS + "SE*2*0009~GE*0*7~IEA*1*000000042~").encode()
    end = _events(data)[-1]
    assert isinstance(end, InterchangeEnd)
    assert _codes(end.diagnostics) == ["x12.se.unexpected"]
    assert end.diagnostics[0].location.file_segment == 3


def test_new_isa_before_iea_closes_the_open_interchange() -> None:
    first = _file(iea="").decode()
    second = _file().decode().replace("000000042", "000000043")
    events = _events((first + second).encode())
    ends = [e for e in events if isinstance(e, InterchangeEnd)]
    assert len(ends) == 2
    assert _codes(ends[0].diagnostics) == ["x12.iea.missing"]
    assert ends[1].diagnostics == []
    assert len(_sets(events)) == 2


def test_next_set_without_se_closes_the_open_set() -> None:
    data = _isa() + GS + "ST*850*0001~" + BODY + "ST*850*0002~" + BODY + "SE*5*0002~GE*2*7~IEA*1*000000042~"
    sets = _sets(_events(data.encode()))
    assert [(s.control, _codes(s.diagnostics)) for s in sets] == [("0001", ["x12.se.missing"]), ("0002", [])]


def test_last_segment_without_terminator() -> None:
    data = _file()[:-1]  # IEA loses its "~"
    events = _events(data)
    end = events[-1]
    assert isinstance(end, InterchangeEnd)
    assert end.trailer_control == "000000042"
    assert _codes(end.diagnostics) == ["x12.segment.unterminated"]
    assert end.diagnostics[0].severity == "warning"


def test_ta1_is_passed_through_as_its_own_set() -> None:
    data = (_isa() + "TA1*000000101*261101*1200*A*000~IEA*0*000000042~").encode()
    events = _events(data)
    sets = _sets(events)
    assert [(s.set_id, s.control) for s in sets] == [("TA1", "000000101")]
    assert _all_diags(events) == []


def test_byte_offsets_and_file_segments() -> None:
    one = _file(se="SE*9*0001~")
    two = _file().replace(b"000000042", b"000000077")
    data = b"\r\n" + one + b"\r\n\r\n" + two
    events = _events(data)
    starts = [e.header for e in events if isinstance(e, InterchangeStart)]
    assert [h.byte_offset for h in starts] == [2, 2 + len(one) + 4]
    bad = _sets(events)[0]
    assert bad.diagnostics[0].location.set_control == "0001"
    assert bad.diagnostics[0].location.interchange == "000000042"
    assert bad.diagnostics[0].location.group == "7"


def test_validation_and_mapping_diagnostics_carry_segment_positions() -> None:
    doc = _parse_json((FIXTURES / "bad-beg-date.x12").read_bytes())
    (result,) = doc["documents"]
    diag = next(d for d in result["diagnostics"] if d["code"] == "x12.element.invalid_date")
    assert diag["location"]["segment_id"] == "BEG"
    assert diag["location"]["segment_position"] == 2
    assert diag["location"]["element_position"] == 5
    assert diag["bad_value"] == "20261345"


# --------------------------------------------------------------------------- stray data, empty input


def test_empty_input() -> None:
    events = _events(b"")
    assert len(events) == 1
    stray = events[0]
    assert isinstance(stray, StrayData)
    assert _codes(stray.diagnostics) == ["x12.empty"]
    assert stray.diagnostics[0].ack.interchange == "024"


@pytest.mark.parametrize("padding", [b"\r\n", b"   \n\t", b"\x00\x00", b"\x1a", b"\xef\xbb\xbf"])
def test_padding_only_input_is_empty(padding: bytes) -> None:
    events = _events(padding)
    assert [_codes(e.diagnostics) for e in events] == [["x12.empty"]]


def test_padding_around_an_interchange_is_not_reported() -> None:
    data = b"\xef\xbb\xbf\r\n  \n" + _file() + b"\r\n\x00\x1a"
    events = _events(data)
    assert not any(isinstance(e, StrayData) for e in events)
    assert _all_diags(events) == []


def test_junk_before_an_interchange() -> None:
    data = b"Subject: orders\r\n\r\n" + _file()
    events = _events(data)
    stray = events[0]
    assert isinstance(stray, StrayData)
    assert stray.byte_offset == 0
    assert stray.sample.startswith("Subject: orders")
    assert _codes(stray.diagnostics) == ["x12.stray_data"]
    assert stray.diagnostics[0].severity == "fatal"
    assert len(_sets(events)) == 1
    assert _all_diags(events[1:]) == []


def test_junk_between_interchanges() -> None:
    one = _file()
    data = one + b"\n--boundary--\n" + _file().replace(b"000000042", b"000000043")
    events = _events(data)
    strays = [e for e in events if isinstance(e, StrayData)]
    assert len(strays) == 1
    assert strays[0].byte_offset == len(one) + 1
    assert strays[0].sample.startswith("--boundary--")
    assert len(_sets(events)) == 2


def test_junk_after_the_last_interchange() -> None:
    one = _file()
    events = _events(one + b"trailing garbage")
    assert isinstance(events[-1], StrayData)
    assert events[-1].byte_offset == len(one)


def test_not_x12_at_all() -> None:
    events = _events(b"hello, world\n")
    (stray,) = events
    assert isinstance(stray, StrayData)
    assert "not X12" in stray.diagnostics[0].message


@pytest.mark.parametrize("k", CHUNK_SIZES)
def test_stray_data_and_bom_in_any_chunk_size(k: int) -> None:
    data = b"\xef\xbb\xbf" + _file() + b"\nJUNK\n" + _file().replace(b"000000042", b"000000043") + b"\x1a"
    assert _events(data, chunk_size=k) == _events(data, chunk_size=1 << 20)


def test_read_bytes_is_read_events() -> None:
    data = (FIXTURES / "multi-group-multi-set.x12").read_bytes()
    assert list(read_bytes(data)) == _events(data)
    events = list(read_bytes(data))
    groups = [e.header for e in events if isinstance(e, GroupStart)]
    assert [(g.functional_id, g.control, g.version) for g in groups] == [
        ("PO", "1701", "004010"),
        ("PC", "1702", "004010"),
    ]
    assert [(s.set_id, s.control) for s in _sets(events)] == [
        ("850", "0001"),
        ("850", "0002"),
        ("860", "0003"),
    ]


def test_sets_outside_a_group_do_not_count_against_the_next_group() -> None:
    data = (
        _isa()
        + "ST*850*0001~"
        + BODY
        + "SE*5*0001~GE*1*6~"
        + GS
        + "ST*850*0002~"
        + BODY
        + "SE*5*0002~GE*1*7~IEA*1*000000042~"
    )
    events = _events(data.encode())
    (group_end,) = [e for e in events if isinstance(e, GroupEnd)]
    assert (group_end.declared_sets, group_end.received_sets) == (1, 1)
    assert group_end.diagnostics == []
    end = events[-1]
    assert isinstance(end, InterchangeEnd)
    assert sorted(_codes(end.diagnostics)) == ["x12.ge.unexpected", "x12.st.outside_group"]
