"""The X12 envelope writer and the in-memory control numbers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from gateway.errors import GatewayError
from outbound.x12 import (
    TA1,
    Envelope,
    GroupContent,
    InMemoryControlNumbers,
    Party,
    SetContent,
    WriterError,
    X12Writer,
)
from outbound.x12.control import MAX_CONTROL
from parsers.x12.structure import Separators

NOW = datetime(2026, 3, 4, 5, 6, tzinfo=UTC)
US = Party("ZZ", "ORDERGATE")
THEM = Party("01", "123456789")


def clock() -> datetime:
    return NOW


def split(data: bytes) -> tuple[str, list[list[str]]]:
    """The ISA text and every segment split into elements (learned from the ISA)."""
    text = data.decode()
    element, terminator = text[3], text[105]
    segments = [s.strip("\r\n") for s in text.split(terminator)]
    return text[:106], [s.split(element) for s in segments if s]


def body(n: int) -> list[list[str]]:
    return [["BAK", "00", "AD", f"PO{i}", "20260304"] for i in range(n)]


def writer(allocator: InMemoryControlNumbers | None = None) -> X12Writer:
    return X12Writer(allocator or InMemoryControlNumbers(), clock=clock)


def group(*segments: list, version: str = "004010") -> list[GroupContent]:
    """One group holding one 855 with ``segments`` as its body."""
    return [GroupContent("PR", "A1", "B1", version, [SetContent("855", list(segments))])]


def write(envelope: Envelope, groups: list[GroupContent]) -> bytes:
    return writer().write(envelope, groups).data


def test_envelope_counts_and_fixed_width_isa() -> None:
    written = writer().write(
        Envelope(US, THEM),
        [
            GroupContent(
                "PR",
                "OGATE",
                "BUYER",
                "004010",
                [SetContent("855", body(3)), SetContent("855", body(1))],
            )
        ],
    )
    isa, segs = split(written.data)
    assert len(isa) == 106 and isa.endswith("~")
    assert isa == (
        "ISA*00*          *00*          *ZZ*ORDERGATE      *01*123456789      "
        "*260304*0506*U*00401*000000001*0*P*>~"
    )
    ids = [s[0] for s in segs]
    assert ids == ["ISA", "GS", "ST", "BAK", "BAK", "BAK", "SE", "ST", "BAK", "SE", "GE", "IEA"]
    gs = segs[1]
    assert gs == ["GS", "PR", "OGATE", "BUYER", "20260304", "0506", "1", "X", "004010"]
    assert segs[2] == ["ST", "855", "0001"]
    assert segs[6] == ["SE", "5", "0001"]
    assert segs[7] == ["ST", "855", "0002"]
    assert segs[9] == ["SE", "3", "0002"]
    assert segs[10] == ["GE", "2", "1"]
    assert segs[11] == ["IEA", "1", "000000001"]
    assert written.control == 1
    assert written.groups[0].control == 1
    assert written.groups[0].set_controls == ("0001", "0002")


def test_se01_counts_st_through_se_for_every_set() -> None:
    _, segs = split(write(Envelope(US, THEM), group(*body(7))))
    st = next(i for i, s in enumerate(segs) if s[0] == "ST")
    se = next(i for i, s in enumerate(segs) if s[0] == "SE")
    assert int(segs[se][1]) == se - st + 1 == 9


def test_00501_uses_the_repetition_separator_in_isa11_and_st03() -> None:
    seps = Separators(element="|", component=":", segment="\n", repetition="{")
    written = writer().write(
        Envelope(US, THEM, separators=seps, usage="T", ack_requested=True),
        [GroupContent("PR", "A1", "B1", "005010", [SetContent("855", body(1), "005010X999")])],
    )
    text = written.data.decode()
    isa = text[:106]
    assert len(isa) == 106 and isa[-1] == "\n"
    fields = isa[:-1].split("|")
    assert fields[11] == "{" and fields[12] == "00501" and fields[14] == "1" and fields[15] == "T"
    assert fields[16] == ":"
    assert "ST|855|0001|005010X999\n" in text


def test_version_defaults_from_gs08_and_repetition_defaults_to_caret() -> None:
    seps = Separators("*", ">", "~", None)
    isa, _ = split(write(Envelope(US, THEM, separators=seps), group(version="005010VICS")))
    assert isa.split("*")[11:13] == ["^", "00501"]


def test_trailing_empty_elements_and_components_are_trimmed() -> None:
    assert b"~REF*IA***1~" in write(Envelope(US, THEM), group(["REF", "IA", "", "", ("1", "", "")]))
    assert b"~N1*ST~C1*A>B~" in write(Envelope(US, THEM), group(["N1", "ST", "", ""], ["C1", ("A", "B")]))


@pytest.mark.parametrize("value", ["A*B", "A~B", "A>B"])
def test_refuses_a_value_holding_a_separator(value: str) -> None:
    with pytest.raises(WriterError, match="separator") as caught:
        write(Envelope(US, THEM), group(["N1", "ST", value]))
    assert isinstance(caught.value, GatewayError)
    assert caught.value.code == "x12.writer"


def test_repetition_separator_is_only_reserved_where_it_is_one() -> None:
    assert b"MSG*A^B~" in write(Envelope(US, THEM), group(["MSG", "A^B"]))
    with pytest.raises(WriterError):
        write(Envelope(US, THEM), group(["MSG", "A^B"], version="005010"))


def test_refuses_bad_isa_fields_and_separators() -> None:
    group = [GroupContent("PR", "A1", "B1", "004010", [SetContent("855", [])])]
    with pytest.raises(WriterError, match="ISA06"):
        writer().write(Envelope(Party("ZZ", "X" * 16), THEM), group)
    with pytest.raises(WriterError, match="ISA08"):
        writer().write(Envelope(US, Party("ZZ", "")), group)
    with pytest.raises(WriterError, match="differ"):
        writer().write(Envelope(US, THEM, separators=Separators("*", "*", "~")), group)
    with pytest.raises(WriterError, match="cannot be"):
        writer().write(Envelope(US, THEM, separators=Separators("A", ">", "~")), group)
    with pytest.raises(WriterError, match="GS02"):
        writer().write(Envelope(US, THEM), [GroupContent("PR", "A", "B1", "004010", [SetContent("855", [])])])
    with pytest.raises(WriterError, match="ISA15"):
        writer().write(Envelope(US, THEM, usage="X"), group)
    with pytest.raises(WriterError):
        writer().write(Envelope(US, THEM))


def test_newline_after_each_terminator_is_optional() -> None:
    group = [GroupContent("PR", "A1", "B1", "004010", [SetContent("855", body(1))])]
    plain = writer().write(Envelope(US, THEM), group).data
    assert b"\n" not in plain
    pretty = writer().write(Envelope(US, THEM, newline=True), group).data
    lines = pretty.decode().splitlines()
    assert len(lines) == 7 and all(line.endswith("~") for line in lines)
    assert len(lines[0]) == 106


def test_ta1_sits_after_the_isa_with_or_without_groups() -> None:
    ta1 = TA1("000000042", "260301", "1200", "A", "000")
    only = writer().write(Envelope(US, THEM), ta1=[ta1]).data
    _, segs = split(only)
    assert segs[1:] == [["TA1", "000000042", "260301", "1200", "A", "000"], ["IEA", "0", "000000001"]]
    acks = [GroupContent("FA", "A1", "B1", "004010", [SetContent("997", [])])]
    both = writer().write(Envelope(US, THEM), acks, ta1=[ta1]).data
    _, segs = split(both)
    assert [s[0] for s in segs] == ["ISA", "TA1", "GS", "ST", "SE", "GE", "IEA"]
    assert segs[-1] == ["IEA", "1", "000000001"]


def test_control_numbers_per_partner_and_st_keeps_counting_across_groups() -> None:
    numbers = InMemoryControlNumbers()
    w = writer(numbers)
    groups = [
        GroupContent("PR", "A1", "B1", "004010", [SetContent("855", []), SetContent("855", [])]),
        GroupContent("PR", "A1", "B1", "004010", [SetContent("855", [])]),
    ]
    first = w.write(Envelope(US, THEM), groups)
    assert [g.control for g in first.groups] == [1, 2]
    assert [g.set_controls for g in first.groups] == [("0001", "0002"), ("0003",)]
    second = w.write(Envelope(US, THEM), groups[:1])
    assert second.control == 2 and second.groups[0].control == 3
    other = w.write(Envelope(US, Party("ZZ", "OTHER")), groups[:1])
    assert other.control == 1
    assert numbers.last(THEM.key, "ST") == 5
    assert THEM.key == "01:123456789"


def test_control_numbers_wrap_and_are_thread_safe() -> None:
    numbers = InMemoryControlNumbers({("P", "ISA"): MAX_CONTROL - 1})
    assert numbers.next("P", "ISA") == MAX_CONTROL
    assert numbers.next("P", "ISA") == 1
    with pytest.raises(ValueError):
        numbers.next("P", "XX")  # type: ignore[arg-type]

    seen: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        got = [numbers.next("Q", "GS") for _ in range(500)]
        with lock:
            seen.extend(got)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(1, 4001))
