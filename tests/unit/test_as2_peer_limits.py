"""Where pyas2lib 1.4.4 is narrower than RFC 4130, pinned so a change on either side shows.

RFC 4130 §7.3.1 defines the MIC for every message: over the signed content for a
signed one, over the decrypted MIME entity for an encrypted unsigned one, over the
MIME entity as sent for one neither signed nor encrypted; and §7.4.3 puts it in the
MDN (required in a signed receipt).  pyas2lib computes a MIC for signed messages
only, so its MDN for an unsigned message carries no Received-Content-MIC.  We
compute and return the MIC in every case, and accept its absence (never a wrong
value) in an MDN for an unsigned message we sent.
"""

from __future__ import annotations

from gateway.adapters.channels.as2_mime import (
    Identity,
    PartnerView,
    build_message,
    load_certificates,
    load_own_keys,
    parse_inbound,
    read_mdn,
)
from gateway.domain.as2 import As2Settings, Disposition
from tests.as2_support import make_keypair, partner_org, pyas2, raw_of, us_as_seen_by_partner

OURS, THEIRS = make_keypair("us"), make_keypair("them")
DATA = b"ISA*00*payload~"


def test_pyas2lib_mdn_for_an_unsigned_message_has_no_mic_and_we_accept_only_its_absence() -> None:
    identity = Identity("US", tuple(load_own_keys(OURS.key_pem, OURS.cert_pem)))
    settings = As2Settings(url="http://x/", sign=False, encrypt=True)
    out = build_message(
        DATA,
        identity=identity,
        partner_as2_id="THEM",
        settings=settings,
        certificates=load_certificates(THEIRS.cert_pem),
    )
    theirs = pyas2.Message()
    status, _exc, mdn = theirs.parse(
        raw_of(out.headers, out.body),
        find_org_cb=lambda _i: partner_org("THEM", THEIRS),
        find_partner_cb=lambda _i: us_as_seen_by_partner("US", OURS.cert_pem),
    )
    assert status == "processed" and theirs.mic is None  # narrower than RFC 4130 §7.3.1
    assert b"received-content-mic" not in mdn.content.lower()
    assert out.mic is not None  # we know what it should have been
    certs = load_certificates(THEIRS.cert_pem)
    outcome = read_mdn(out, dict(mdn.headers), mdn.content, certificates=certs, require_signed=True)
    assert outcome.ok and outcome.mic is None and "no Received-Content-MIC" in outcome.detail


def test_we_return_a_mic_for_an_unsigned_message_where_pyas2lib_would_not() -> None:
    identity = Identity("US", tuple(load_own_keys(OURS.key_pem, OURS.cert_pem)))
    msg = pyas2.Message(
        sender=partner_org("THEM", THEIRS), receiver=us_as_seen_by_partner("US", OURS.cert_pem)
    )
    msg.build(DATA, content_type="application/edi-x12")
    view = PartnerView("THEM", "THEM", As2Settings(url="http://x/", require_signed=False), ())
    inbound = parse_inbound(dict(msg.headers), msg.content, identity=identity, find_partner=lambda _i: view)
    assert inbound.disposition is Disposition.PROCESSED
    assert inbound.mic is not None and inbound.mic.endswith(", sha256")
