"""Our 855s checked by an independent implementation (mock-edi's validator).

Entry point: ``mockedi.testing.Mock.start()`` (in this process) and
``POST /_mock/validate`` with the interchange as the body; the answer's
``clean`` must be true.  Every case of ``tests/unit/test_po_ack.py`` is sent
in 004010 and in 005010 (with ST03).

One place where mock-edi 0.9 is narrower than the standard: its code list
for REF01 (element 128) holds ten codes and not ``VR`` (Vendor ID Number),
which X12 defines and which buyers send on 850s for the seller to quote back.
``test_ref_vr_echo_is_the_only_finding`` pins exactly that.
"""

from __future__ import annotations

import pytest
from mockedi.testing import Mock

from gateway.domain.model import Reference
from tests.mock_edi_checks import (
    SEGMENTS_IN_ERROR,
    accepted_findings,
    assert_clean,
    assert_faults_found,
    mock_edi_fixture,
)
from tests.unit.test_po_ack import CASES, VERSIONS, _accepted, read_855, write_855

pytestmark = pytest.mark.peer

VR_FINDING = "REF@3: VR is not a code REF01 accepts (BM, CN, CO, DP, IA, IV, ...)"


mock = mock_edi_fixture()


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("version", VERSIONS)
def test_855_is_clean_to_mock_edi(mock: Mock, name: str, version: str) -> None:
    assert_clean(mock, write_855(CASES[name](), version), "855", kind="response")


@pytest.mark.parametrize("version", VERSIONS)
def test_855_without_header_echo_is_clean_to_mock_edi(mock: Mock, version: str) -> None:
    assert_clean(mock, write_855(_accepted(), version, header_echo=False, sales_order_number=None), "855")


@pytest.mark.parametrize("version", VERSIONS)
def test_ref_vr_echo_is_the_only_finding(mock: Mock, version: str) -> None:
    case = _accepted()
    case.po.references = [Reference("VR", "V-77")]
    data = write_855(case, version)
    assert read_855(data).all("REF") == [["REF", "VR", "V-77"]]
    # The peer's narrowness, not ours: X12 element 128 (Reference Identification
    # Qualifier) defines VR, "Vendor ID Number", in 004010 and 005010 alike; a
    # buyer's 850 carries it for the vendor to quote back, and po_ack echoes it.
    # mock-edi 0.9 lists only BM, CN, CO, DP, IA, IV, PO, SI, VN and ZZ for REF01.
    # The set is still accepted; nothing else may be reported.
    assert accepted_findings(mock, data) == [VR_FINDING, SEGMENTS_IN_ERROR]


def test_the_checks_have_teeth(mock: Mock) -> None:
    """A fault put into our bytes is found: the checks above are not vacuous."""
    data = write_855(CASES["short-cancelled"](), "004010")
    assert_faults_found(
        mock,
        data,
        (b"ACK*IQ*", b"ACK*QQ*"),
        (b"BAK*00*AC*", b"BAK*00*XX*"),
        (b"*068*20260309", b"*068*20261309"),
    )
