"""997 / 999 / TA1 from hand-built reader events."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.domain.diagnostics import AckCodes, Diagnostic, Level, Location, Severity
from outbound.x12 import AckBuilder, AckResult, InMemoryControlNumbers
from parsers.x12.structure import (
    Event,
    GroupEnd,
    GroupHeader,
    GroupStart,
    InterchangeEnd,
    InterchangeHeader,
    InterchangeStart,
    Separators,
    TransactionSet,
)

NOW = datetime(2026, 3, 4, 5, 6, tzinfo=UTC)


def clock() -> datetime:
    return NOW


# -- building inbound events


def isa(
    control: str = "000000123",
    version: str = "00401",
    ack: str = "0",
    usage: str = "P",
    separators: Separators | None = None,
) -> InterchangeHeader:
    seps = separators or Separators("*", ">", "~", "^" if version >= "00501" else None)
    elements = [
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", "ACME".ljust(15), "ZZ", "ORDERGATE".ljust(15),
        "260301", "1200", seps.repetition or "U", version, control, ack, usage, seps.component,
    ]  # fmt: skip
    return InterchangeHeader(
        elements=elements,
        separators=seps,
        control=control,
        sender_qualifier="ZZ",
        sender_id="ACME",
        receiver_qualifier="ZZ",
        receiver_id="ORDERGATE",
        date="260301",
        time="1200",
        version=version,
        ack_requested=ack,
        usage=usage,
    )


def gs(control: str = "17", version: str = "004010", functional_id: str = "PO") -> GroupHeader:
    elements = ["GS", functional_id, "ACMEGS", "OGATE", "20260301", "1200", control, "X", version]
    return GroupHeader(elements, functional_id, "ACMEGS", "OGATE", "20260301", "1200", control, "X", version)


def st(
    head: InterchangeHeader,
    group: GroupHeader,
    control: str,
    *diagnostics: Diagnostic,
    set_id: str = "850",
    ref: str | None = None,
) -> TransactionSet:
    return TransactionSet(head, group, set_id, control, [["ST", set_id, control]], ref, list(diagnostics))


def element_error(
    segment: str,
    position: int,
    element: int,
    code: str,
    *,
    severity: Severity = Severity.ERROR,
    ref: str | None = None,
    bad: str | None = None,
    component: int | None = None,
    loop: str | None = None,
) -> Diagnostic:
    return Diagnostic(
        code="x12.element",
        message="bad element",
        severity=severity,
        level=Level.ELEMENT,
        location=Location(
            segment_id=segment,
            segment_position=position,
            loop_id=loop,
            element_position=element,
            component_position=component,
            element_reference=ref,
        ),
        ack=AckCodes(element=code),
        bad_value=bad,
    )


def segment_error(segment: str, position: int, code: str, severity: Severity = Severity.FATAL) -> Diagnostic:
    return Diagnostic(
        "x12.segment",
        "bad segment",
        severity,
        Level.SEGMENT,
        Location(segment_id=segment, segment_position=position),
        AckCodes(segment=code),
    )


def set_error(code: str, severity: Severity = Severity.FATAL) -> Diagnostic:
    return Diagnostic("x12.set", "bad set", severity, Level.SET, ack=AckCodes(set=code))


def group_error(code: str) -> Diagnostic:
    return Diagnostic("x12.group", "bad group", Severity.FATAL, Level.GROUP, ack=AckCodes(group=code))


def interchange_error(code: str, severity: Severity = Severity.FATAL) -> Diagnostic:
    return Diagnostic(
        "x12.isa", "bad interchange", severity, Level.INTERCHANGE, ack=AckCodes(interchange=code)
    )


def stream(
    head: InterchangeHeader,
    groups: list[tuple[GroupHeader, list[TransactionSet], list[Diagnostic], int | None]],
    end_diagnostics: list[Diagnostic] | None = None,
) -> list[Event]:
    events: list[Event] = [InterchangeStart(head)]
    for group, sets, diags, declared in groups:
        events.append(GroupStart(head, group))
        events.extend(sets)
        count = len(sets) if declared is None else declared
        events.append(GroupEnd(head, group, count, len(sets), group.control, diags))
    events.append(InterchangeEnd(head, len(groups), len(groups), head.control, end_diagnostics or []))
    return events


def run(events: list[Event], **options: object) -> list[AckResult]:
    builder = AckBuilder(InMemoryControlNumbers(), clock=clock, **options)  # type: ignore[arg-type]
    out: list[AckResult] = []
    for event in events:
        out.extend(builder.feed(event))
    out.extend(builder.finish())
    return out


# -- reading what we wrote


def split(data: bytes) -> tuple[str, list[list[str]]]:
    text = data.decode()
    element, terminator = text[3], text[105]
    return text[:106], [s.split(element) for s in (p.strip("\r\n") for p in text.split(terminator)) if s]


def only(results: list[AckResult]) -> tuple[AckResult, list[list[str]]]:
    assert len(results) == 1
    result = results[0]
    assert result.data is not None, result.problem
    isa_text, segs = split(result.data)
    assert len(isa_text) == 106
    check_envelope(segs)
    return result, segs


def check_envelope(segs: list[list[str]]) -> None:
    """SE01 = actual count, GE01 = sets, IEA01 = groups, trailers repeat headers."""
    assert segs[0][0] == "ISA" and segs[-1][0] == "IEA"
    groups = 0
    st_at = None
    sets = 0
    for i, seg in enumerate(segs):
        if seg[0] == "GS":
            groups += 1
            sets = 0
            gs_control = seg[6]
        elif seg[0] == "ST":
            st_at = i
            sets += 1
        elif seg[0] == "SE":
            assert st_at is not None
            assert int(seg[1]) == i - st_at + 1
            assert seg[2] == segs[st_at][2]
        elif seg[0] == "GE":
            assert int(seg[1]) == sets and seg[2] == gs_control
    assert int(segs[-1][1]) == groups
    assert segs[-1][2] == segs[0][13]


def ids(segs: list[list[str]]) -> list[str]:
    return [s[0] for s in segs]


def find(segs: list[list[str]], seg_id: str) -> list[list[str]]:
    return [s for s in segs if s[0] == seg_id]


# -- the cases


def test_all_clean_gives_997_accepted() -> None:
    head, group = isa(), gs()
    result, segs = only(
        run(stream(head, [(group, [st(head, group, "0001"), st(head, group, "0002")], [], None)]))
    )
    assert result.kinds == ("997",)
    assert result.ta1_code is None
    assert result.interchange_control == "000000123"
    assert result.partner.key == "ZZ:ACME"
    isa_seg = segs[0]
    assert isa_seg[5:9] == ["ZZ", "ORDERGATE      ", "ZZ", "ACME           "]
    assert isa_seg[11:16] == ["U", "00401", "000000001", "0", "P"]
    assert find(segs, "GS")[0] == ["GS", "FA", "OGATE", "ACMEGS", "20260304", "0506", "1", "X", "004010"]
    assert find(segs, "ST")[0] == ["ST", "997", "0001"]
    assert find(segs, "AK1") == [["AK1", "PO", "17"]]
    assert find(segs, "AK2") == [["AK2", "850", "0001"], ["AK2", "850", "0002"]]
    assert find(segs, "AK5") == [["AK5", "A"], ["AK5", "A"]]
    assert find(segs, "AK9") == [["AK9", "A", "2", "2", "2"]]
    assert "TA1" not in ids(segs)
    assert result.groups[0].code == "A" and result.groups[0].control == "17"


def test_element_errors_give_accepted_with_errors_and_ak3_ak4() -> None:
    head, group = isa(), gs()
    diags = [
        element_error("PO1", 3, 3, "7", ref="355", bad="ZZ", loop="PO1"),
        element_error("PO1", 3, 2, "6", ref="330", bad="ten", loop="PO1"),
        element_error("BEG", 2, 5, "8", ref="373", bad="2026-09-24"),
        Diagnostic("x12.warn", "tolerated", Severity.WARNING, Level.ELEMENT,
                   Location(segment_id="REF", segment_position=4, element_position=2)),
    ]  # fmt: skip
    _, segs = only(run(stream(head, [(group, [st(head, group, "0001", *diags)], [], None)])))
    body = segs[segs.index(["AK2", "850", "0001"]) : segs.index(find(segs, "AK9")[0]) + 1]
    assert body == [
        ["AK2", "850", "0001"],
        ["AK3", "BEG", "2", "", "8"],
        ["AK4", "5", "373", "8", "2026-09-24"],
        ["AK3", "PO1", "3", "PO1", "8"],
        ["AK4", "3", "355", "7", "ZZ"],
        ["AK4", "2", "330", "6", "ten"],
        ["AK5", "E", "5"],
        ["AK9", "E", "1", "1", "1"],
    ]


def test_a_fatal_set_is_rejected_and_the_group_partially_accepted() -> None:
    head, group = isa(), gs()
    sets = [
        st(head, group, "0001"),
        st(head, group, "0002", segment_error("PO1", 5, "3"), set_error("4")),
        st(head, group, "0003", element_error("N1", 4, 1, "7", bad="XX")),
    ]
    result, segs = only(run(stream(head, [(group, sets, [], None)])))
    assert find(segs, "AK5") == [["AK5", "A"], ["AK5", "R", "4", "5"], ["AK5", "E", "5"]]
    assert find(segs, "AK3")[0] == ["AK3", "PO1", "5", "", "3"]
    assert find(segs, "AK9") == [["AK9", "P", "3", "3", "2"]]
    assert [s.code for s in result.groups[0].sets] == ["A", "R", "E"]


def test_all_sets_rejected_rejects_the_group() -> None:
    head, group = isa(), gs()
    _, segs = only(run(stream(head, [(group, [st(head, group, "0001", set_error("1"))], [], None)])))
    assert find(segs, "AK5") == [["AK5", "R", "1"]]
    assert find(segs, "AK9") == [["AK9", "R", "1", "1", "0"]]


def test_ge_count_mismatch_rejects_the_group_and_every_set() -> None:
    head, group = isa(), gs()
    sets = [st(head, group, "0001"), st(head, group, "0002", element_error("PO1", 3, 4, "6", bad="x"))]
    _, segs = only(run(stream(head, [(group, sets, [group_error("5")], 3)])))
    assert find(segs, "AK5") == [["AK5", "R"], ["AK5", "R", "5"]]
    assert find(segs, "AK4") == [["AK4", "4", "", "6", "x"]]  # the set keeps its own notes
    assert find(segs, "AK9") == [["AK9", "R", "3", "2", "0", "5"]]


def test_missing_ge_is_a_group_error_3_and_counts_what_arrived() -> None:
    head, group = isa(), gs()
    events: list[Event] = [
        InterchangeStart(head),
        GroupStart(head, group),
        st(head, group, "0001"),
        InterchangeEnd(head, 1, 1, head.control),
    ]
    _, segs = only(run(events))
    assert find(segs, "AK9") == [["AK9", "R", "1", "1", "0", "3"]]
    assert find(segs, "AK5") == [["AK5", "R"]]


def test_5010_group_gets_a_999_with_ik_segments_and_ak203() -> None:
    head = isa(version="00501")
    group = gs(version="005010")
    diags = [element_error("REF", 4, 4, "7", ref="C040", bad="Q", component=2, loop="N1")]
    sets = [st(head, group, "0001", *diags, ref="005010X220A1"), st(head, group, "0002")]
    result, segs = only(run(stream(head, [(group, sets, [], None)])))
    assert result.kinds == ("999",)
    assert segs[0][11:13] == ["^", "00501"]
    assert find(segs, "GS")[0][8] == "005010X231A1"
    assert find(segs, "ST")[0] == ["ST", "999", "0001", "005010X231A1"]
    assert find(segs, "AK1") == [["AK1", "PO", "17", "005010"]]
    assert find(segs, "AK2") == [["AK2", "850", "0001", "005010X220A1"], ["AK2", "850", "0002"]]
    assert find(segs, "IK3") == [["IK3", "REF", "4", "N1", "8"]]
    assert find(segs, "IK4") == [["IK4", "4>2", "", "7", "Q"]]  # C030 as element>component; C040 is no number
    assert find(segs, "IK5") == [["IK5", "E", "5"], ["IK5", "A"]]
    assert find(segs, "AK9") == [["AK9", "E", "2", "2", "2"]]
    assert not find(segs, "AK3") and not find(segs, "AK5")


def test_5010_group_can_get_a_997_instead() -> None:
    head, group = isa(version="00501"), gs(version="005010")
    result, segs = only(
        run(stream(head, [(group, [st(head, group, "0001", ref="X")], [], None)]), ack_5010="997")
    )
    assert result.kinds == ("997",)
    assert find(segs, "ST")[0] == ["ST", "997", "0001"]
    assert find(segs, "AK1") == [["AK1", "PO", "17", "005010"]]
    assert find(segs, "AK2") == [["AK2", "850", "0001", "X"]]


def test_mixed_versions_get_one_fa_group_each() -> None:
    head = isa()
    g4, g5 = gs("1", "004010"), gs("2", "005010")
    result, segs = only(
        run(stream(head, [(g4, [st(head, g4, "0001")], [], None), (g5, [st(head, g5, "0001")], [], None)]))
    )
    assert result.kinds == ("997", "999")
    assert [s[8] for s in find(segs, "GS")] == ["004010", "005010X231A1"]


def test_functional_acks_are_never_acknowledged() -> None:
    head, group = isa(), gs(functional_id="FA")
    assert run(stream(head, [(group, [st(head, group, "0001", set_id="997")], [], None)])) == []


def test_only_the_fa_group_is_skipped() -> None:
    head, fa, po = isa(), gs("5", functional_id="FA"), gs("6")
    result, segs = only(
        run(
            stream(
                head,
                [
                    (fa, [st(head, fa, "0001", set_id="997")], [], None),
                    (po, [st(head, po, "0002")], [], None),
                ],
            )
        )
    )
    assert find(segs, "AK1") == [["AK1", "PO", "6"]]
    assert len(result.groups) == 1


def test_an_interchange_with_no_group_and_no_fault_is_not_answered() -> None:
    assert run(stream(isa(ack="1"), [])) == []


def test_ack_requested_gives_ta1_accepted_before_the_groups() -> None:
    head, group = isa(ack="1"), gs()
    result, segs = only(run(stream(head, [(group, [st(head, group, "0001")], [], None)])))
    assert result.kinds == ("TA1", "997")
    assert ids(segs)[:3] == ["ISA", "TA1", "GS"]
    assert segs[1] == ["TA1", "000000123", "260301", "1200", "A", "000"]
    assert segs[0][14] == "0"


def test_broken_iea_gives_ta1_rejected_only() -> None:
    head, group = isa(), gs()
    events = stream(head, [(group, [st(head, group, "0001")], [], None)], [interchange_error("001")])
    result, segs = only(run(events))
    assert result.kinds == ("TA1",)
    assert ids(segs) == ["ISA", "TA1", "IEA"]
    assert segs[1] == ["TA1", "000000123", "260301", "1200", "R", "001"]
    assert segs[2] == ["IEA", "0", segs[0][13]]
    assert result.groups == ()


def test_isa_field_errors_give_ta1_e_and_still_acknowledge_groups() -> None:
    head, group = isa(), gs()
    events = stream(head, [(group, [st(head, group, "0001")], [], None)])
    events[0] = InterchangeStart(head, [interchange_error("020", Severity.ERROR)])
    result, segs = only(run(events))
    assert result.kinds == ("TA1", "997")
    assert segs[1][4:] == ["E", "020"]
    assert find(segs, "AK9") == [["AK9", "A", "1", "1", "1"]]


def test_isa_width_warnings_count_only_when_asked() -> None:
    head, group = isa(), gs()
    events = stream(head, [(group, [st(head, group, "0001")], [], None)])
    events[0] = InterchangeStart(head, [interchange_error("022", Severity.WARNING)])
    assert run(events)[0].kinds == ("997",)
    result = run(events, ta1_warnings=True)[0]
    assert result.kinds == ("TA1", "997") and result.ta1_code == "E" and result.ta1_note == "022"


def test_stream_ending_inside_an_interchange_gives_ta1_r_023() -> None:
    head, group = isa(), gs()
    events: list[Event] = [InterchangeStart(head), GroupStart(head, group), st(head, group, "0001")]
    result, segs = only(run(events))
    assert result.kinds == ("TA1",)
    assert segs[1][4:] == ["R", "023"]


def test_error_notes_are_bounded_per_set() -> None:
    head, group = isa(), gs()
    diags = [element_error("PO1", 3 + i, 2, "6", bad=str(i)) for i in range(15)]
    _, segs = only(
        run(stream(head, [(group, [st(head, group, "0001", *diags)], [], None)]), max_errors_per_set=10)
    )
    assert len(find(segs, "AK4")) == 10
    assert find(segs, "AK5") == [["AK5", "E", "5"]]


def test_a_bad_value_we_cannot_quote_is_left_out() -> None:
    head, group = isa(), gs()
    diags = [element_error("PID", 3, 5, "5", bad="A>B"), element_error("PID", 3, 6, "5", bad="x" * 150)]
    _, segs = only(run(stream(head, [(group, [st(head, group, "0001", *diags)], [], None)])))
    assert find(segs, "AK4") == [["AK4", "5", "", "5"], ["AK4", "6", "", "5", "x" * 99]]


def test_answers_in_the_inbound_separators_and_numbers_per_partner() -> None:
    seps = Separators("|", ":", "\n", None)
    head, group = isa(separators=seps), gs()
    head2 = isa(control="000000124", separators=seps)
    events = stream(head, [(group, [st(head, group, "0001")], [], None)])
    events += stream(head2, [(group, [st(head2, group, "0001")], [], None)])
    results = run(events)
    assert len(results) == 2
    first, second = (r.data.decode() for r in results if r.data)
    assert first[3] == "|" and first[104] == ":" and first[105] == "\n"
    assert first.split("|")[13] == "000000001" and second.split("|")[13] == "000000002"
    assert [r.interchange_control for r in results] == ["000000123", "000000124"]


def test_unaddressable_interchange_is_reported_not_raised() -> None:
    head, group = isa(), gs()
    head.sender_id = ""
    results = run(stream(head, [(group, [st(head, group, "0001")], [], None)]))
    assert results[0].data is None and "ISA08" in (results[0].problem or "")
