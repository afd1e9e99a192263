"""The sans-I/O AS2 core against pyas2lib as the partner: every security combination, both directions."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from gateway.adapters.channels.as2_mime import (
    Identity,
    PartnerView,
    build_mdn,
    build_message,
    load_certificates,
    load_own_keys,
    parse_inbound,
    read_mdn,
)
from gateway.domain.as2 import As2Settings, Disposition, MdnMode
from tests.as2_support import make_keypair, partner_org, pyas2, us_as_seen_by_partner

OURS, THEIRS = make_keypair("ordergate"), make_keypair("partner")
US, THEM = "ORDERGATE-AS2", "PARTNER-AS2"
X12 = (
    b"ISA*00*          *00*          *ZZ*PARTNER        *ZZ*ORDERGATE      "
    b"*260101*1200*U*00401*000000001*0*P*>~"
)
COMBOS = list(itertools.product([False, True], repeat=3))  # sign, encrypt, compress


def identity(*keys) -> Identity:
    own = []
    for k in keys or (OURS,):
        own.extend(load_own_keys(k.key_pem, k.cert_pem))
    return Identity(US, tuple(own), mdn_url="http://127.0.0.1:1/as2/mdn")


def view(settings: As2Settings | None = None, *certs) -> PartnerView:
    loaded = [c for pem in (certs or (THEIRS.cert_pem,)) for c in load_certificates(pem)]
    return PartnerView(
        "PARTNER", THEM, settings or As2Settings(url="http://x/", require_signed=False), tuple(loaded)
    )


def partner_sends(
    sign: bool, encrypt: bool, compress: bool, **kw
) -> tuple[dict[str, str], bytes, pyas2.Message]:
    msg = pyas2.Message(
        sender=partner_org(THEM, THEIRS),
        receiver=us_as_seen_by_partner(
            US, OURS.cert_pem, sign=sign, encrypt=encrypt, compress=compress, **kw
        ),
    )
    msg.build(X12, filename="po.edi", content_type="application/edi-x12")
    return dict(msg.headers), msg.content, msg


def partner_reads_mdn(msg: pyas2.Message, headers: dict[str, str], body: bytes) -> tuple[str, str | None]:
    raw = "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode() + b"\r\n" + body
    # the partner verifies our MDN signature with our certificate
    msg.receiver = us_as_seen_by_partner(US, OURS.cert_pem, mdn_digest_alg=msg.receiver.mdn_digest_alg)
    return pyas2.Mdn().parse(raw, find_message_cb=lambda _m, _r: msg)


@pytest.mark.parametrize(("sign", "encrypt", "compress"), COMBOS)
def test_partner_to_us_every_combination_and_its_signed_mdn_verifies(sign, encrypt, compress) -> None:
    headers, body, msg = partner_sends(sign, encrypt, compress)
    inbound = parse_inbound(headers, body, identity=identity(), find_partner=lambda _i: view())
    assert inbound.disposition is Disposition.PROCESSED, inbound.detail
    assert inbound.payload == X12
    assert (inbound.signed, inbound.encrypted, inbound.compressed) == (sign, encrypt, compress)
    assert inbound.mdn_mode is MdnMode.SYNC and inbound.mdn_signed
    mdn_headers, mdn_body = build_mdn(inbound, inbound.disposition)
    status, detail = partner_reads_mdn(msg, mdn_headers, mdn_body)
    # pyas2lib compares the MIC for signed messages (it computes none for unsigned ones)
    assert (status, detail) == ("processed", None)
    assert b"Received-content-MIC" in mdn_body or b"Received-Content-MIC" in mdn_body


@pytest.mark.parametrize(("sign", "encrypt", "compress"), COMBOS)
def test_us_to_partner_every_combination_and_its_mdn_verifies(sign, encrypt, compress) -> None:
    settings = As2Settings(
        url="http://x/", sign=sign, encrypt=encrypt, compress=compress, encryption="aes_256_cbc"
    )
    out = build_message(
        X12,
        identity=identity(),
        partner_as2_id=THEM,
        settings=settings,
        certificates=load_certificates(THEIRS.cert_pem),
        filename="855.edi",
    )
    raw = "".join(f"{k}: {v}\r\n" for k, v in out.headers.items()).encode() + b"\r\n" + out.body
    theirs = pyas2.Message()
    status, (exc, _tb), mdn = theirs.parse(
        raw,
        find_org_cb=lambda _i: partner_org(THEM, THEIRS),
        find_partner_cb=lambda _i: us_as_seen_by_partner(US, OURS.cert_pem, sign=sign, encrypt=encrypt),
    )
    assert (status, exc) == ("processed", None)
    assert theirs.content == X12
    assert (theirs.signed, theirs.encrypted, theirs.compressed) == (sign, encrypt, compress)
    outcome = read_mdn(
        out,
        dict(mdn.headers),
        mdn.content,
        certificates=load_certificates(THEIRS.cert_pem),
        require_signed=True,
    )
    assert outcome.signed and outcome.signature_ok, outcome.detail
    assert outcome.disposition == "processed"
    assert outcome.original_message_id == out.message_id
    if sign:  # pyas2lib returns a MIC for signed messages only
        assert outcome.mic_ok and outcome.ok, outcome.detail


def test_tampered_signed_body_is_authentication_failed() -> None:
    headers, body, _ = partner_sends(True, False, False)
    tampered = body.replace(b"ISA*00", b"ISA*01")
    assert tampered != body
    inbound = parse_inbound(headers, tampered, identity=identity(), find_partner=lambda _i: view())
    assert inbound.disposition is Disposition.AUTHENTICATION_FAILED
    assert inbound.payload is None


def test_unsigned_from_a_partner_that_must_sign_is_insufficient_security() -> None:
    headers, body, _ = partner_sends(False, True, False)
    must_sign = As2Settings(url="http://x/", require_signed=True)
    inbound = parse_inbound(headers, body, identity=identity(), find_partner=lambda _i: view(must_sign))
    assert inbound.disposition is Disposition.INSUFFICIENT_SECURITY
    headers, body, _ = partner_sends(True, False, False)
    must_encrypt = As2Settings(url="http://x/", require_encrypted=True)
    inbound = parse_inbound(headers, body, identity=identity(), find_partner=lambda _i: view(must_encrypt))
    assert inbound.disposition is Disposition.INSUFFICIENT_SECURITY


def test_unknown_partner_and_encrypted_for_someone_else() -> None:
    headers, body, _msg = partner_sends(True, True, False)
    inbound = parse_inbound(headers, body, identity=identity(), find_partner=lambda _i: None)
    assert inbound.disposition is Disposition.UNKNOWN_PARTNER
    _mdn_headers, mdn_body = build_mdn(inbound, inbound.disposition)
    assert b"unknown-trading-partner" in mdn_body
    stranger = make_keypair("stranger")
    inbound = parse_inbound(headers, body, identity=identity(stranger), find_partner=lambda _i: view())
    assert inbound.disposition is Disposition.DECRYPTION_FAILED


def test_rollover_any_valid_key_decrypts_any_valid_cert_verifies_newest_signs() -> None:
    old_ours, new_ours = make_keypair("ours-old", days_before=300), make_keypair("ours-new", days_before=1)
    old_theirs, new_theirs = make_keypair("theirs-old", days_before=300), make_keypair("theirs-new")
    # the partner still encrypts to our old certificate and signs with its old key
    msg = pyas2.Message(
        sender=partner_org(THEM, old_theirs),
        receiver=us_as_seen_by_partner(US, old_ours.cert_pem, sign=True, encrypt=True),
    )
    msg.build(X12, content_type="application/edi-x12")
    me = identity(old_ours, new_ours)
    both = view(None, new_theirs.cert_pem, old_theirs.cert_pem)
    inbound = parse_inbound(dict(msg.headers), msg.content, identity=me, find_partner=lambda _i: both)
    assert inbound.disposition is Disposition.PROCESSED and inbound.payload == X12
    # an expired certificate no longer verifies
    expired = make_keypair("theirs-expired", days_before=400, days_after=-1)
    msg = pyas2.Message(
        sender=partner_org(THEM, expired), receiver=us_as_seen_by_partner(US, OURS.cert_pem, sign=True)
    )
    msg.build(X12, content_type="application/edi-x12")
    only_expired = view(None, expired.cert_pem)
    inbound = parse_inbound(
        dict(msg.headers), msg.content, identity=identity(), find_partner=lambda _i: only_expired
    )
    assert inbound.disposition is Disposition.AUTHENTICATION_FAILED
    # we sign with our newest key: the partner verifies with the new certificate only
    out = build_message(
        X12,
        identity=me,
        partner_as2_id=THEM,
        settings=As2Settings(url="http://x/", encrypt=False),
        certificates=load_certificates(new_theirs.cert_pem),
    )
    raw = "".join(f"{k}: {v}\r\n" for k, v in out.headers.items()).encode() + b"\r\n" + out.body
    for cert, expected in ((new_ours.cert_pem, "processed"), (old_ours.cert_pem, "processed/Error")):
        status, _exc, _mdn = pyas2.Message().parse(
            raw,
            find_org_cb=lambda _i: partner_org(THEM, new_theirs),
            find_partner_cb=lambda _i, c=cert: us_as_seen_by_partner(US, c, sign=True),
        )
        assert status == expected


def test_mdn_signature_by_a_stranger_is_refused_and_a_wrong_mic_is_not_ok() -> None:
    out = build_message(
        X12,
        identity=identity(),
        partner_as2_id=THEM,
        settings=As2Settings(url="http://x/"),
        certificates=load_certificates(THEIRS.cert_pem),
    )
    raw = "".join(f"{k}: {v}\r\n" for k, v in out.headers.items()).encode() + b"\r\n" + out.body
    stranger = make_keypair("stranger")
    _s, _e, mdn = pyas2.Message().parse(
        raw,
        find_org_cb=lambda _i: partner_org(THEM, stranger),  # signs the MDN with a key we do not know
        find_partner_cb=lambda _i: us_as_seen_by_partner(US, OURS.cert_pem, sign=True),
    )
    outcome = read_mdn(
        out,
        dict(mdn.headers),
        mdn.content,
        certificates=load_certificates(THEIRS.cert_pem),
        require_signed=True,
    )
    assert outcome.signed and not outcome.signature_ok and not outcome.ok
    body = mdn.content.replace(out.mic.split(",")[0].encode(), b"AAAA")
    outcome = read_mdn(
        out, dict(mdn.headers), body, certificates=load_certificates(stranger.cert_pem), require_signed=False
    )
    assert not outcome.mic_ok and not outcome.ok


def test_certificates_validity_window() -> None:
    (cert,) = load_certificates(THEIRS.cert_pem, "theirs.pem")
    now = datetime.now(UTC)
    assert cert.not_before < now < cert.not_after
    assert cert.not_after - now > timedelta(days=360)
    assert cert.source == "theirs.pem" and "CN=partner" in cert.subject


def test_without_keys_an_encrypted_message_is_decryption_failed_and_a_signed_one_needs_a_cert() -> None:
    headers, body, _ = partner_sends(False, True, False)
    keyless = Identity(US, ())
    inbound = parse_inbound(headers, body, identity=keyless, find_partner=lambda _i: view())
    assert inbound.disposition is Disposition.DECRYPTION_FAILED
    headers, body, _ = partner_sends(True, False, False)
    no_certs = PartnerView("PARTNER", THEM, As2Settings(url="http://x/", require_signed=False), ())
    inbound = parse_inbound(headers, body, identity=identity(), find_partner=lambda _i: no_certs)
    assert inbound.disposition is Disposition.AUTHENTICATION_FAILED
