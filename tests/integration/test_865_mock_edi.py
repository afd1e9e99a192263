"""Our 865s checked by an independent implementation (mock-edi's validator), 004010 and 005010.

Every case of ``tests/unit/test_change_ack.py`` is sent to ``POST /_mock/validate``; the answer
must be clean and read as a change response.

One place where mock-edi 0.9 is narrower than the standard: its code list for POC02 (element
670) holds nine codes (AI, CA, DI, NC, PC, QD, QI, RZ, SI) and not ``DC`` (Date Change), which
X12 defines and buyers send on 860s; the 865 echoes the code it answers.
``test_date_change_code_is_the_only_finding`` pins exactly that.
"""

from __future__ import annotations

import pytest
from mockedi.testing import Mock

from tests.mock_edi_checks import (
    SEGMENTS_IN_ERROR,
    accepted_findings,
    assert_clean,
    assert_faults_found,
    mock_edi_fixture,
)
from tests.unit.test_change_ack import CASES, VERSIONS, write

pytestmark = pytest.mark.peer


mock = mock_edi_fixture()


DC_FINDING = "POC@3: DC is not a code POC02 accepts (AI, CA, DI, NC, PC, QD, ...)"


@pytest.mark.parametrize("name", sorted(set(CASES) - {"date-rescheduled"}))
@pytest.mark.parametrize("version", VERSIONS)
def test_865_is_clean_to_mock_edi(mock: Mock, name: str, version: str) -> None:
    result, change = CASES[name]()
    assert_clean(mock, write(result, change, version), "865")


def test_the_checks_have_teeth(mock: Mock) -> None:
    result, change = CASES["cancel-late"]()
    data = write(result, change, "004010")
    assert_faults_found(mock, data, (b"ACK*IQ*", b"ACK*QQ*"), (b"BCA*00*AC*", b"BCA*00*XX*"))


@pytest.mark.parametrize("version", VERSIONS)
def test_date_change_code_is_the_only_finding(mock: Mock, version: str) -> None:
    result, change = CASES["date-rescheduled"]()
    data = write(result, change, version)
    assert b"POC*2*DC*" in data
    # The peer's narrowness, not ours: X12 element 670 defines DC, "Date Change", in 004010 and
    # 005010; the 860 asked for it and the 865 answers that very change.  The set is accepted and
    # nothing else may be reported.
    assert accepted_findings(mock, data) == [DC_FINDING, SEGMENTS_IN_ERROR]
