"""Our 856s and 810s checked by an independent implementation (mock-edi's validator), 4010 and 5010.

``POST /_mock/validate`` with the interchange as the body; ``clean`` must be true.

One place mock-edi 0.9 is narrower than X12: its 856 HL loop has no ``MAN``
segment.  X12 defines MAN (Marks and Numbers, position 190 of the 856's HL loop,
used more than once) in 004010 and 005010 alike, and ``MAN*GM*<SSCC-18>`` at the
pack (and tare) level is how an 856 names the labelled cartons (SOPI, SOTPI).
``test_man_is_the_only_finding_under_pack_levels`` pins exactly that; the set
is still accepted.  Under SOI (no pack level, no MAN) the 856 is clean.
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
from tests.unit.test_fulfilment import two_cartons, write_810, write_856
from tests.unit.test_po_ack import CASES, write_855

pytestmark = pytest.mark.peer

VERSIONS = ("004010", "005010")


mock = mock_edi_fixture()


def shipment_856(hierarchy: str, version: str) -> bytes:
    s, so = two_cartons(pallets=1 if hierarchy == "SOTPI" else 0)
    for carton in s.cartons if hierarchy == "SOTPI" else ():
        carton.pallet = 0
    return write_856(s, so, hierarchy, version=version, hashed=True)


@pytest.mark.parametrize("version", VERSIONS)
def test_856_soi_is_clean(mock: Mock, version: str) -> None:
    assert_clean(mock, shipment_856("SOI", version), "856")


@pytest.mark.parametrize("hierarchy", ["SOPI", "SOTPI"])
@pytest.mark.parametrize("version", VERSIONS)
def test_man_is_the_only_finding_under_pack_levels(mock: Mock, hierarchy: str, version: str) -> None:
    data = shipment_856(hierarchy, version)
    # The peer's narrowness, not ours (see the module docstring): X12 puts MAN in the 856 HL
    # loop; mock-edi 0.9's 856 definition leaves it out.  Every MAN is reported, nothing else,
    # and the set is accepted.
    findings = accepted_findings(mock, data)
    mans = data.count(b"~MAN*GM*")
    assert mans == (3 if hierarchy == "SOTPI" else 2)
    assert [f for f in findings if "MAN is not a segment" not in f] == [SEGMENTS_IN_ERROR]
    assert len(findings) == mans + 1
    # and without the MAN segments the very same 856 is clean
    assert_clean(mock, without_man(data), "856")


def without_man(data: bytes) -> bytes:
    kept = [s for s in data.split(b"~") if not s.startswith(b"MAN*")]
    out = []
    for s in kept:
        if s.startswith(b"SE*"):
            count, control = s.split(b"*")[1:]
            s = b"SE*%d*%s" % (int(count) - (len(data.split(b"~")) - len(kept)), control)
        out.append(s)
    return b"~".join(out)


@pytest.mark.parametrize("version", VERSIONS)
def test_810_is_clean(mock: Mock, version: str) -> None:
    assert_clean(mock, write_810(version), "810")


@pytest.mark.parametrize("name", ["accepted", "short-backordered"])
@pytest.mark.parametrize("version", VERSIONS)
def test_a_replacing_855_is_clean(mock: Mock, name: str, version: str) -> None:
    """The 855 a released backorder sends (BAK01 05, replace) is as clean as the first one."""
    data = write_855(CASES[name](), version).replace(b"BAK*00*", b"BAK*05*")
    assert_clean(mock, data, "855")


def test_the_checks_have_teeth(mock: Mock) -> None:
    assert_faults_found(mock, write_810("004010"), (b"ITD*08*", b"ITD*99*"))
    assert_faults_found(mock, shipment_856("SOI", "004010"), (b"*I*0~", b"*Q*0~"))
