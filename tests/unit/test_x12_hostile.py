"""Hostile input: whatever the bytes, reading ends, raises nothing but ``GatewayError``,
and never drops a purchase order without saying so.

The invariants checked on every damaged input:

* ``parse_file`` and ``read_events`` finish and raise nothing outside the ``GatewayError`` tree;
* every transaction set the reader found is reported by exactly one result;
* at least one result comes out (purchase orders, or a rejected/unreadable result);
* if fewer orders come out than the undamaged file holds, some result says why
  (rejected, accepted with errors, unreadable).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.errors import GatewayError
from gateway.services.parse_documents import DocumentResult, parse_file
from parsers.x12.reader import MAX_SEGMENT_CHARS, read_events
from parsers.x12.structure import Event, TransactionSet

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "x12"
# valid fixtures with "*" elements and "~" terminators (line breaks after them vary)
TILDE_FILES = (
    "850-5010-star-tilde-rep",
    "850-4010-tilde-crlf",
    "multi-group-multi-set",
    "860-4010-change-codes",
)
OTHER_FILES = (
    "850-4010-wrapped-80",
    "850-4010-control-chars",
    "850-4010-pipe-newline",
    "850-4010-crlf-terminator",
    "multi-interchange-mixed-separators",
    "850-5010-bom-dos-eof",
)
DATA = {name: (FIXTURES / f"{name}.x12").read_bytes() for name in TILDE_FILES + OTHER_FILES}
ALL = tuple(DATA)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_SET_KINDS_EXCLUDED = ("interchange", "group", "unreadable")


def _read(data: bytes) -> tuple[list[Event], list[DocumentResult]]:
    events: list[Event] = []
    results: list[DocumentResult] = []
    with contextlib.suppress(GatewayError):
        events = list(read_events(io.BytesIO(data), chunk_size=97))
    with contextlib.suppress(GatewayError):
        results = parse_file(io.BytesIO(data))
    return events, results


def _documents(results: list[DocumentResult]) -> int:
    return sum(1 for r in results if r.document is not None)


def _flagged(results: list[DocumentResult]) -> bool:
    return any(r.status != "accepted" or r.kind == "unreadable" for r in results)


def _st_count(data: bytes) -> int:
    """ST segments in a file with '*' elements and '~' terminators."""
    return len(re.findall(rb"~\s*ST\*", data))


ORIGINAL_DOCS = {name: _documents(parse_file(io.BytesIO(data))) for name, data in DATA.items()}


def test_the_base_files_are_clean() -> None:
    for name, data in DATA.items():
        results = parse_file(io.BytesIO(data))
        assert results
        assert all(r.status == "accepted" for r in results), name
        assert ORIGINAL_DOCS[name] >= 1
        if name in TILDE_FILES:
            assert _st_count(data) == ORIGINAL_DOCS[name]


def check(data: bytes, original_docs: int | None = None) -> list[DocumentResult]:
    """The invariants every input must keep; returns the results for further checks."""
    events, results = _read(data)
    assert results, "no result at all"
    sets = [e for e in events if isinstance(e, TransactionSet)]
    set_results = [r for r in results if r.kind not in _SET_KINDS_EXCLUDED]
    # every transaction set found is reported once, in order
    assert [(r.kind, r.envelope.get("set")) for r in set_results] == [
        (s.set_id or "unknown", s.control) for s in sets
    ]
    # something comes out: documents, or a result that says what went wrong
    assert _documents(results) + sum(1 for r in results if r.status == "rejected") >= 1
    if original_docs is not None and _documents(results) < original_docs:
        assert _flagged(results), "fewer orders than the file holds, and nothing says why"
    # no document comes out of a rejected result
    assert all(r.document is None for r in results if r.status == "rejected")
    return results


# --------------------------------------------------------------------------- random bytes


@SETTINGS
@given(st.binary(max_size=3000))
def test_random_bytes(data: bytes) -> None:
    check(data)


@SETTINGS
@given(st.binary(max_size=1500), st.sampled_from([b"ISA*", b"ISA|", b"ISA\x1d", b"\xef\xbb\xbfISA*", b"ISA"]))
def test_random_bytes_after_an_isa_tag(data: bytes, head: bytes) -> None:
    check(head + data)


@SETTINGS
@given(st.sampled_from(ALL), st.data())
def test_random_byte_mutations(name: str, data: st.DataObject) -> None:
    raw = bytearray(DATA[name])
    n = data.draw(st.integers(1, 8))
    for _ in range(n):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    check(bytes(raw), ORIGINAL_DOCS[name])


# --------------------------------------------------------------------------- truncation


def _clean_cut(raw: bytes, k: int) -> bool:
    """True when ``raw[:k]`` ends at an interchange boundary (at most the last terminator is lost)."""
    rest = raw[k:].lstrip(b"~'\x1c\r\n\x1a ")
    return not rest or rest.startswith(b"ISA")


def _check_truncated(raw: bytes, k: int, original_docs: int) -> None:
    if _clean_cut(raw, k):
        # a file cut between interchanges is a shorter, valid file
        check(raw[:k])
        return
    results = check(raw[:k], original_docs)
    assert any(r.status == "rejected" for r in results), f"cut at {k} not rejected"


def test_truncation_at_every_offset() -> None:
    for name in ("multi-group-multi-set", "multi-interchange-mixed-separators"):
        raw = DATA[name]
        for k in range(len(raw)):
            _check_truncated(raw, k, ORIGINAL_DOCS[name])


@SETTINGS
@given(st.sampled_from(ALL), st.data())
def test_truncation_at_any_offset(name: str, data: st.DataObject) -> None:
    raw = DATA[name]
    k = data.draw(st.integers(0, len(raw)))
    _check_truncated(raw, k, ORIGINAL_DOCS[name])


# --------------------------------------------------------------------------- corrupted counts


@SETTINGS
@given(st.sampled_from(TILDE_FILES), st.sampled_from([b"SE", b"GE", b"IEA"]), st.integers(-3, 3), st.data())
def test_corrupted_counts_are_rejected(name: str, trailer: bytes, delta: int, data: st.DataObject) -> None:
    raw = DATA[name]
    matches = list(re.finditer(rb"(?<![A-Z])" + trailer + rb"\*(\d+)\*", raw))
    m = data.draw(st.sampled_from(matches))
    value = int(m.group(1)) + (delta or 7)
    bad = raw[: m.start(1)] + str(abs(value) if value >= 0 else "X").encode() + raw[m.end(1) :]
    if bad == raw:
        return
    results = check(bad, ORIGINAL_DOCS[name])
    assert any(r.status == "rejected" for r in results)
    codes = {d.code for r in results for d in r.diagnostics}
    expected = {
        b"SE": "x12.se.count_mismatch",
        b"GE": "x12.ge.count_mismatch",
        b"IEA": "x12.iea.count_mismatch",
    }
    assert expected[trailer] in codes


@FEW
@given(st.sampled_from(TILDE_FILES), st.sampled_from([b"SE", b"GE", b"IEA"]), st.data())
def test_corrupted_control_numbers_are_rejected(name: str, trailer: bytes, data: st.DataObject) -> None:
    raw = DATA[name]
    matches = list(re.finditer(rb"(?<![A-Z])" + trailer + rb"\*\d+\*(\d+)~", raw))
    m = data.draw(st.sampled_from(matches))
    bad = raw[: m.start(1)] + b"9" + m.group(1)[1:] + b"1" + raw[m.end(1) :]
    results = check(bad, ORIGINAL_DOCS[name])
    assert any(r.status == "rejected" for r in results)


# --------------------------------------------------------------------------- separator swaps


@SETTINGS
@given(
    st.sampled_from(TILDE_FILES),
    st.sampled_from([b"*", b"~", b">", b"\n"]),
    st.sampled_from([b"*", b"~", b">", b"|", b"^", b":", b"\n", b"\r", b" ", b"A", b"0", b"\x1d", b""]),
    st.data(),
)
def test_separator_swaps(name: str, old: bytes, new: bytes, data: st.DataObject) -> None:
    raw = DATA[name]
    if old == new:
        return
    everywhere = data.draw(st.booleans())
    if everywhere:
        bad = raw.replace(old, new)
    else:
        # swap only after the ISA (the file then disagrees with its own header)
        cut = raw.index(b"GS")
        bad = raw[:cut] + raw[cut:].replace(old, new)
    check(bad, ORIGINAL_DOCS[name])


# --------------------------------------------------------------------------- segments deleted, duplicated


def _segments(raw: bytes) -> list[bytes]:
    return re.findall(rb"[^~]*~\s*", raw)


@SETTINGS
@given(st.sampled_from(TILDE_FILES), st.sampled_from(["delete", "duplicate", "swap"]), st.data())
def test_deleted_or_duplicated_segments(name: str, how: str, data: st.DataObject) -> None:
    segs = _segments(DATA[name])
    i = data.draw(st.integers(0, len(segs) - 1))
    if how == "delete":
        segs = segs[:i] + segs[i + 1 :]
    elif how == "duplicate":
        segs = [*segs[: i + 1], segs[i], *segs[i + 1 :]]
    else:
        j = data.draw(st.integers(0, len(segs) - 1))
        segs[i], segs[j] = segs[j], segs[i]
    bad = b"".join(segs)
    results = check(bad, ORIGINAL_DOCS[name])
    if how != "swap" and bad != DATA[name]:
        # any lost or repeated segment is visible somewhere
        assert _flagged(results)


def test_every_single_segment_deletion_is_flagged() -> None:
    for name in TILDE_FILES:
        segs = _segments(DATA[name])
        for i in range(len(segs)):
            results = check(b"".join(segs[:i] + segs[i + 1 :]), ORIGINAL_DOCS[name])
            assert _flagged(results), f"{name}: deleting segment {i} ({segs[i][:20]!r}) went unnoticed"


# --------------------------------------------------------------------------- splicing


@SETTINGS
@given(st.sampled_from(ALL), st.sampled_from(ALL), st.data())
def test_random_splicing(a: str, b: str, data: st.DataObject) -> None:
    ra, rb = DATA[a], DATA[b]
    i = data.draw(st.integers(0, len(ra)))
    j = data.draw(st.integers(0, len(rb)))
    check(ra[:i] + rb[j:])


@FEW
@given(st.sampled_from(TILDE_FILES), st.data())
def test_splicing_inside_one_file_accounts_for_every_set(name: str, data: st.DataObject) -> None:
    segs = _segments(DATA[name])
    i = data.draw(st.integers(0, len(segs)))
    j = data.draw(st.integers(0, len(segs)))
    bad = b"".join(segs[:i] + segs[j:])
    results = check(bad)
    set_results = [r for r in results if r.kind not in _SET_KINDS_EXCLUDED]
    if len(set_results) < _st_count(bad):
        assert _flagged(results)


# --------------------------------------------------------------------------- huge elements


def test_an_element_of_several_megabytes() -> None:
    raw = DATA["850-5010-star-tilde-rep"]
    huge = b"X" * (3 * MAX_SEGMENT_CHARS)
    bad = raw.replace(b"TRAIL BACKPACK 30L BLACK", huge)
    results = check(bad, ORIGINAL_DOCS["850-5010-star-tilde-rep"])
    assert results[0].status == "rejected"
    codes = {d.code for r in results for d in r.diagnostics}
    assert "x12.segment.too_long" in codes


def test_a_large_element_under_the_limit_is_read() -> None:
    raw = DATA["850-5010-star-tilde-rep"]
    big = b"Y" * (MAX_SEGMENT_CHARS // 2)
    results = check(raw.replace(b"TRAIL BACKPACK 30L BLACK", big))
    # read, and the over-long element is reported by validation
    assert results[0].status != "accepted"
    assert any(d.severity != "warning" for d in results[0].diagnostics)


def test_no_terminator_at_all() -> None:
    raw = DATA["850-4010-tilde-crlf"]
    isa_end = raw.index(b"~") + 1
    bad = raw[:isa_end] + raw[isa_end:].replace(b"~", b"")
    results = check(bad, ORIGINAL_DOCS["850-4010-tilde-crlf"])
    assert any(r.status == "rejected" for r in results)


@pytest.mark.parametrize("count", [1, 50])
def test_many_interchanges_in_one_file(count: int) -> None:
    raw = DATA["850-4010-tilde-crlf"]
    results = check(raw * count)
    assert _documents(results) == count
    assert all(r.status == "accepted" for r in results)


def test_sets_before_a_later_group_are_reported() -> None:
    """Two 850s whose GS was lost, followed by a good PC group: all three sets are reported."""
    raw = DATA["multi-group-multi-set"]
    bad = raw.replace(b"GS*PO*WILLOWFLORAL*ORDERGATE*20261117*1700*1701*X*004010~\n", b"")
    assert bad != raw
    results = check(bad, ORIGINAL_DOCS["multi-group-multi-set"])
    kinds = [r.kind for r in results if r.kind not in _SET_KINDS_EXCLUDED]
    assert kinds == ["850", "850", "860"]
