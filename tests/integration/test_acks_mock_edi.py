"""Our 997 / 999 / TA1 bytes checked by an independent implementation (mock-edi).

Entry point: ``mockedi.testing.Mock.start()`` (in this process) and
``POST /_mock/validate`` with the interchange as the body; the answer's
``clean`` must be true.

mock-edi 0.9 has no 999 in its dictionary, so a 999 comes back with exactly
one finding: "transaction set 999 is not one this mock implements" (718 code
1), its envelope otherwise clean.  For a real check of the 999's content the
test also registers a 999 in the mock's dictionary for the duration of one
test, built only from mock-edi's own definitions: its 005010 997 with the
AK3/AK4/AK5 segments (and loops) renamed IK3/IK4/IK5.  X12 defines the 999's
IK3/IK4/IK5 with the same element layout (721/719/447/code, C030/725/code/724,
717/code x5); the difference is code lists (620/621/618 extend 720/723/718
with implementation codes such as I4..I9), which these cases do not use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from mockedi import schema
from mockedi.testing import X12, Mock

from gateway.domain.diagnostics import Severity
from outbound.x12 import AckResult
from parsers.x12.structure import Event, InterchangeStart
from tests.unit.test_x12_acks import (
    element_error,
    group_error,
    gs,
    interchange_error,
    isa,
    run,
    segment_error,
    set_error,
    st,
    stream,
)

pytestmark = pytest.mark.peer

NOT_IMPLEMENTED_999 = "transaction set 999 is not one this mock implements"
_RENAME = {"AK3": "IK3", "AK4": "IK4", "AK5": "IK5"}


@pytest.fixture(scope="module")
def mock() -> Iterator[Mock]:
    with Mock.start() as started:
        yield started


def _renamed(children: tuple) -> tuple:
    out = []
    for child in children:
        if isinstance(child, schema.Loop):
            out.append(
                dataclasses.replace(
                    child, id=_RENAME.get(child.id, child.id), children=_renamed(child.children)
                )
            )
        elif child.tag in _RENAME:
            out.append(
                dataclasses.replace(child, segment=dataclasses.replace(child.segment, tag=_RENAME[child.tag]))
            )
        else:
            out.append(child)
    return tuple(out)


@pytest.fixture
def with_999(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 999 in mock-edi's dictionary, from its own 005010 997 definitions."""
    base = schema.lookup("X12", "997", "005010")
    assert base is not None and base.version == "005010"
    definition = dataclasses.replace(
        base, code="999", name="Implementation Acknowledgment", children=_renamed(base.children)
    )
    monkeypatch.setitem(schema.SETS, ("X12", "999"), definition)
    monkeypatch.setattr(schema, "_REVISED", dict(schema._REVISED))


def validate(mock: Mock, result: AckResult) -> dict:
    assert result.data is not None, result.problem
    reply = mock.post("/_mock/validate", result.data, headers={"Content-Type": X12})
    assert reply.status == 200, reply.body
    assert reply.body["parsed"] is True
    return reply.body


# -- the acknowledgements we emit, one of each verdict


def _clean(version: str, ack: str = "0") -> list[Event]:
    head, group = isa(version="00501" if version >= "005" else "00401", ack=ack), gs(version=version)
    return stream(
        head, [(group, [st(head, group, "0001", ref="005010X220A1"), st(head, group, "0002")], [], None)]
    )


def _with_errors(version: str) -> list[Event]:
    head, group = isa(version="00501" if version >= "005" else "00401"), gs(version=version)
    diags = [
        element_error("PO1", 3, 3, "7", ref="355", bad="ZZ", loop="PO1"),
        element_error("REF", 4, 4, "7", bad="Q", component=2),
        element_error("BEG", 2, 5, "8", ref="373", bad="2026-09-24"),
    ]
    return stream(head, [(group, [st(head, group, "0001", *diags)], [], None)])


def _rejected(version: str) -> list[Event]:
    head, group = isa(version="00501" if version >= "005" else "00401"), gs(version=version)
    sets = [st(head, group, "0001", segment_error("PO1", 5, "3"), set_error("4"))]
    return stream(head, [(group, sets, [], None)])


def _partial(version: str) -> list[Event]:
    head, group = isa(version="00501" if version >= "005" else "00401"), gs(version=version)
    sets = [
        st(head, group, "0001"),
        st(head, group, "0002", segment_error("N9", 6, "1", Severity.ERROR), set_error("3")),
        st(head, group, "0003", element_error("N1", 4, 1, "1", ref="98", severity=Severity.FATAL)),
    ]
    return stream(head, [(group, sets, [], None)])


def _group_rejected(version: str) -> list[Event]:
    head, group = isa(version="00501" if version >= "005" else "00401"), gs(version=version)
    sets = [st(head, group, "0001"), st(head, group, "0002", element_error("PO1", 3, 4, "6", bad="x"))]
    return stream(head, [(group, sets, [group_error("5"), group_error("4")], 3)])


def _ta1_errors_noted(version: str) -> list[Event]:
    events = _clean(version)
    head = events[0].header  # type: ignore[union-attr]
    events[0] = InterchangeStart(head, [interchange_error("020", Severity.ERROR)])
    return events


FUNCTIONAL_CASES = {
    "accepted": lambda v: _clean(v),
    "accepted-with-ta1": lambda v: _clean(v, ack="1"),
    "with-errors": _with_errors,
    "rejected": _rejected,
    "partial": _partial,
    "group-rejected": _group_rejected,
    "ta1-errors-noted": _ta1_errors_noted,
}
EXPECTED_AK9 = {
    "accepted": "A",
    "accepted-with-ta1": "A",
    "with-errors": "E",
    "rejected": "R",
    "partial": "P",
    "group-rejected": "R",
    "ta1-errors-noted": "A",
}


@pytest.mark.parametrize("case", sorted(FUNCTIONAL_CASES))
def test_997_is_clean_to_mock_edi(mock: Mock, case: str) -> None:
    (result,) = run(FUNCTIONAL_CASES[case]("004010"))
    assert "997" in result.kinds
    assert result.groups[0].code == EXPECTED_AK9[case]
    answer = validate(mock, result)
    assert answer["clean"] is True, answer["explain"]


@pytest.mark.parametrize("case", sorted(FUNCTIONAL_CASES))
def test_5010_997_is_clean_to_mock_edi(mock: Mock, case: str) -> None:
    """A 997 answering a 005010 group carries AK103 and AK203, which mock-edi's 005010 997 reads."""
    (result,) = run(FUNCTIONAL_CASES[case]("005010"), ack_5010="997")
    assert "997" in result.kinds
    answer = validate(mock, result)
    assert answer["clean"] is True, answer["explain"]


@pytest.mark.parametrize("case", sorted(FUNCTIONAL_CASES))
def test_999_only_finding_is_that_mock_edi_has_no_999(mock: Mock, case: str) -> None:
    (result,) = run(FUNCTIONAL_CASES[case]("005010"))
    assert "999" in result.kinds
    assert result.groups[0].code == EXPECTED_AK9[case]
    answer = validate(mock, result)
    # The peer's narrowness, not ours: 999 (X12 005010X231A1) is a standard set
    # that mock-edi 0.9 does not define. Nothing else may be reported.
    assert answer["clean"] is False
    assert [m["findings"] for m in answer["messages"]] == [[NOT_IMPLEMENTED_999]]
    assert answer["explain"] == ["999/0001: rejected", f"  {NOT_IMPLEMENTED_999} (1)"]


@pytest.mark.parametrize("case", sorted(FUNCTIONAL_CASES))
def test_999_is_clean_against_mock_edi_997_definitions(mock: Mock, with_999: None, case: str) -> None:
    (result,) = run(FUNCTIONAL_CASES[case]("005010"))
    answer = validate(mock, result)
    assert answer["clean"] is True, answer["explain"]
    assert answer["messages"][0]["code"] == "999"


@pytest.mark.parametrize("version", ["00401", "00501"])
@pytest.mark.parametrize("failure", ["001", "021", "023"])
def test_ta1_rejected_alone_is_clean_to_mock_edi(mock: Mock, version: str, failure: str) -> None:
    head, group = isa(version=version), gs(version="005010" if version == "00501" else "004010")
    events = stream(head, [(group, [st(head, group, "0001")], [], None)], [interchange_error(failure)])
    (result,) = run(events)
    assert result.kinds == ("TA1",) and result.ta1_code == "R"
    answer = validate(mock, result)
    assert answer["clean"] is True, answer["explain"]


def test_ta1_for_a_stream_cut_short_is_clean_to_mock_edi(mock: Mock) -> None:
    (result,) = run([InterchangeStart(isa())])
    assert result.kinds == ("TA1",) and result.ta1_note == "023"
    answer = validate(mock, result)
    assert answer["clean"] is True, answer["explain"]


def test_the_checks_have_teeth(mock: Mock, with_999: None) -> None:
    """A fault put into our bytes is found: the checks above are not vacuous."""
    (ack997,) = run(_with_errors("004010"))
    assert ack997.data is not None
    broken = dataclasses.replace(ack997, data=ack997.data.replace(b"AK5*E", b"AK5*Q"))
    assert validate(mock, broken)["clean"] is False
    (ack999,) = run(_with_errors("005010"))
    assert ack999.data is not None
    broken = dataclasses.replace(ack999, data=ack999.data.replace(b"IK4*5*373*8", b"IK4*5*373*88"))
    answer = validate(mock, broken)
    assert answer["clean"] is False
    assert any("IK403" in line for line in answer["explain"]), answer["explain"]
    broken = dataclasses.replace(ack999, data=ack999.data.replace(b"SE*", b"SE*1"))
    assert validate(mock, broken)["clean"] is False
