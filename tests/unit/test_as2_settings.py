"""AS2 settings as data: certificate rollover choices, expiry, and the profile's AS2 channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.domain.as2 import As2Settings, Disposition, MdnMode, current, days_left, expiring, usable
from mappings.loader import ConfigProblems, load_partner_file

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Cert:
    name: str
    not_before: datetime
    not_after: datetime


OLD = Cert("old", NOW - timedelta(days=700), NOW + timedelta(days=20))
NEW = Cert("new", NOW - timedelta(days=5), NOW + timedelta(days=360))
NEXT = Cert("next", NOW + timedelta(days=10), NOW + timedelta(days=800))  # not valid yet
GONE = Cert("gone", NOW - timedelta(days=900), NOW - timedelta(days=1))


def test_newest_valid_signs_any_valid_verifies() -> None:
    certs = [OLD, GONE, NEXT, NEW]
    assert current(certs, NOW) is NEW
    assert [c.name for c in usable(certs, NOW)] == ["new", "old"]
    assert current([GONE, NEXT], NOW) is None
    assert current(certs, NOW + timedelta(days=11)) is NEXT


def test_expiring_and_days_left() -> None:
    assert days_left(OLD, NOW) == 20 and days_left(GONE, NOW) == -1
    assert [c.name for c in expiring([OLD, NEW, NEXT, GONE], NOW)] == ["old", "gone"]
    assert [c.name for c in expiring([OLD, NEW], NOW, within_days=10)] == []


def test_dispositions_that_mean_the_payload_was_taken() -> None:
    assert Disposition.PROCESSED.accepted and Disposition.DUPLICATE.accepted
    assert not any(d.accepted for d in Disposition if d not in (Disposition.PROCESSED, Disposition.DUPLICATE))
    assert Disposition.DUPLICATE.value == "processed/Warning: duplicate-document"


PROFILE = """\
id: SOMECO
name: Some Co
identities:
  x12: {isa_qualifier: ZZ, isa_id: SOMECO, gs_id: SOMECO}
  as2_id: SOMECO-AS2
channels:
  as2:
    url: https://as2.someco.example/in
    partner_certificate: certs/a.pem
    certificates: [certs/b.pem, /etc/as2/c.pem]
    compress: true
    encryption: aes_128_cbc
    mdn: async
    require_encrypted: true
"""


def test_profile_as2_channel_becomes_settings_with_absolute_certificate_paths(tmp_path: Path) -> None:
    path = tmp_path / "someco.yaml"
    path.write_text(PROFILE)
    as2 = load_partner_file(path).as2
    assert isinstance(as2, As2Settings)
    assert as2.certificates == [
        str(tmp_path / "certs/a.pem"),
        str(tmp_path / "certs/b.pem"),
        "/etc/as2/c.pem",
    ]
    assert (as2.compress, as2.encryption, as2.mdn, as2.require_encrypted) == (
        True,
        "aes_128_cbc",
        MdnMode.ASYNC,
        True,
    )
    assert (as2.sign, as2.encrypt, as2.require_signed, as2.digest) == (True, True, True, "sha256")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("encryption: aes_128_cbc", "encryption: des_56"), "encryption"),
        (("mdn: async", "mdn: later"), "mdn"),
        (("compress: true", "digest: md4"), "digest"),
    ],
)
def test_profile_as2_channel_is_validated(tmp_path: Path, change: tuple[str, str], field: str) -> None:
    path = tmp_path / "someco.yaml"
    path.write_text(PROFILE.replace(*change))
    with pytest.raises(ConfigProblems) as info:
        load_partner_file(path)
    assert field in str(info.value)
