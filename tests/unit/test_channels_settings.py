"""Channel settings: loaded onto the profile (secrets still references), the outbound choice,
the retry policy, secret resolution at use, and what a mail's attachments become."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from gateway.adapters.channels.imap import extract
from gateway.adapters.channels.secrets import resolve
from gateway.config import SAMPLES
from gateway.domain.channels import Channels, FolderSettings, HttpSettings, RetryPolicy
from gateway.domain.partners import PartnerProfile
from gateway.errors import ConfigurationError
from mappings.loader import load_partner_file, load_partners
from mappings.schema import ConfigProblems

PROFILE = """\
id: TESTCO
name: Test Co
identities:
  x12: {isa_qualifier: ZZ, isa_id: TESTCO, gs_id: TESTCO, version: "004010"}
channels:
"""


def test_sample_channels_are_on_the_profiles_with_secrets_by_reference() -> None:
    partners = load_partners(SAMPLES / "partners")
    acme = partners["ACMEHARDWARE"].channels
    assert acme.deliver_via == "sftp" and acme.outbound_channel() == "sftp"
    assert acme.sftp is not None and acme.sftp.password == "env:ACME_SFTP_PASSWORD"
    assert acme.sftp.inbound_dir == "/out/850" and acme.pollers() == {"sftp": 300}
    corner = partners["CORNERSTORE"].channels
    assert corner.folder is not None and corner.folder.inbox == "van/cornerstore/in"
    assert corner.pollers() == {"folder": 60}
    assert corner.email is not None and corner.email.send_to == ["edi@cornerstorehw.example"]
    # no deliver_via: the first configured channel; none at all: the outbox
    assert partners["DELTAMRO"].channels.outbound_channel() == "http"
    assert Channels().outbound_channel() is None


def test_channels_survive_the_profiles_json_form() -> None:
    profile = load_partners(SAMPLES / "partners")["CORNERSTORE"]
    adapter = TypeAdapter(PartnerProfile)
    again = adapter.validate_python(adapter.dump_python(profile, mode="json"))
    assert again.channels == profile.channels
    # a profile stored before channels existed still loads
    data = adapter.dump_python(profile, mode="json")
    data.pop("channels")
    assert adapter.validate_python(data).channels == Channels()


def test_http_in_token_must_be_a_reference(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        PROFILE + "  http_in: {token: env:TESTCO_UPLOAD}\n  folder: {inbox: in, settle_seconds: 2}\n"
    )
    channels = load_partner_file(path).channels
    assert channels.http_in is not None and channels.http_in.token == "env:TESTCO_UPLOAD"
    assert channels.folder == FolderSettings(inbox="in", settle_seconds=2)
    path.write_text(PROFILE + "  http_in: {token: plain-secret}\n")
    with pytest.raises(ConfigProblems) as caught:
        load_partner_file(path)
    assert "channels.http_in.token" in str(caught.value) and "plain-secret" not in str(caught.value)


def test_retry_policy_backs_off_and_is_bounded() -> None:
    policy = RetryPolicy(max_attempts=4, base=timedelta(seconds=10), factor=3, most=timedelta(seconds=60))
    assert [policy.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [10, 30, 60, 60]
    assert not policy.exhausted(3) and policy.exhausted(4)


def test_secrets_are_resolved_only_by_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OG_UNIT_SECRET", "s3cret")
    (tmp_path / "key").write_text("from-a-file\n")
    assert resolve("env:OG_UNIT_SECRET") == "s3cret"
    assert resolve(f"file:{tmp_path / 'key'}") == "from-a-file"
    assert resolve(None) is None
    monkeypatch.delenv("OG_UNIT_SECRET")
    with pytest.raises(ConfigurationError, match="OG_UNIT_SECRET"):
        resolve("env:OG_UNIT_SECRET")
    with pytest.raises(ConfigurationError):
        resolve("hunter2")
    assert HttpSettings(url="https://x.example", token="env:X").token == "env:X"


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buffer.getvalue()


def test_attachments_taken_from_a_mail_with_zip_limits() -> None:
    msg = EmailMessage()
    msg.set_content("body text is not a document")
    msg.add_attachment(b"ISA*", maintype="application", subtype="edi-x12", filename="po.edi")
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="../../etc/po.pdf")
    msg.add_attachment(b"\x89PNG", maintype="image", subtype="png", filename="logo.png")
    msg.add_attachment(
        _zip({"a.csv": b"1", "sub/b.xlsx": b"2", "c.exe": b"3"}),
        maintype="application",
        subtype="zip",
        filename="x.zip",
    )
    taken, refused = extract(msg, max_bytes=1000, zip_max_files=5)
    assert [a.filename for a in taken] == ["po.edi", "po.pdf", "x.zip/a.csv", "x.zip/b.xlsx"]
    assert refused == []
    # too many files, or more unpacked than allowed (a zip bomb): refused, with the reason
    bomb = EmailMessage()
    bomb.add_attachment(
        _zip({"big.csv": b"0" * 5000}), maintype="application", subtype="zip", filename="bomb.zip"
    )
    assert extract(bomb, max_bytes=1000, zip_max_files=5) == (
        [],
        ["bomb.zip: 5000 bytes unpacked is more than the 1000 allowed"],
    )
    many = EmailMessage()
    many.add_attachment(
        _zip({f"{i}.csv": b"1" for i in range(6)}), maintype="application", subtype="zip", filename="m.zip"
    )
    assert extract(many, max_bytes=1000, zip_max_files=5)[1] == ["m.zip: 6 files is more than the 5 allowed"]
