"""AS2 messages and MDNs from and to bytes (RFC 4130), without sockets.

The S/MIME work (sign, verify, encrypt, decrypt, compress) is pyas2lib's; this
module decides which of our keys and which of the partner's certificates take
part (rollover: the newest valid one signs and encrypts, any valid one verifies
and decrypts), turns pyas2lib's outcomes into our ``Disposition``, and computes
the MIC for unsigned messages too (pyas2lib computes it for signed ones only,
RFC 4130 §7.3.1 asks for it in every case).

- ``parse_inbound(headers, body, ...)`` → ``Inbound`` (payload, disposition, MIC);
- ``build_mdn(inbound, disposition)`` → headers and body of the receipt;
- ``build_message(data, ...)`` → ``Outgoing`` (headers, body, the MIC to expect);
- ``read_mdn(outgoing, headers, body, certificates)`` → ``MdnOutcome``.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message as EmailMessage
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from gateway.adapters.channels import oscrypto_compat
from gateway.domain.as2 import As2Settings, Disposition, MdnMode, current, usable

oscrypto_compat.install()

from pyas2lib import as2 as pyas2  # noqa: E402  (after the compatibility fix)
from pyas2lib.utils import canonicalize  # noqa: E402

MIC_DIGESTS = {"sha1": "sha1", "sha-1": "sha1", "sha224": "sha224", "sha-224": "sha224", "sha256": "sha256"}
MIC_DIGESTS |= {"sha-256": "sha256", "sha384": "sha384", "sha-384": "sha384", "sha512": "sha512"}
MIC_DIGESTS |= {"sha-512": "sha512", "md5": "md5"}


class As2ConfigurationError(ValueError):
    """Our keys or a partner's certificates are missing or do not fit together."""


# --- certificates and keys ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Certificate:
    pem: bytes
    subject: str
    serial: int
    fingerprint: str  # SHA-256, hex
    not_before: datetime
    not_after: datetime
    source: str = ""


@dataclass(frozen=True, slots=True)
class OwnKey:
    """One of our private keys with its certificate (PEM)."""

    key_pem: bytes
    certificate: Certificate

    @property
    def not_before(self) -> datetime:
        return self.certificate.not_before

    @property
    def not_after(self) -> datetime:
        return self.certificate.not_after


def certificate(cert: x509.Certificate, source: str = "") -> Certificate:
    return Certificate(
        pem=cert.public_bytes(serialization.Encoding.PEM),
        subject=cert.subject.rfc4514_string(),
        serial=cert.serial_number,
        fingerprint=cert.fingerprint(_sha256()).hex(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        source=source,
    )


def _sha256() -> Any:
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256()


def load_certificates(data: bytes, source: str = "") -> list[Certificate]:
    """Every certificate in a PEM bundle (or one DER certificate)."""
    try:
        if b"-----BEGIN" in data:
            return [certificate(c, source) for c in x509.load_pem_x509_certificates(data)]
        return [certificate(x509.load_der_x509_certificate(data), source)]
    except ValueError as exc:
        raise As2ConfigurationError(
            f"{source or 'certificate'}: not a PEM or DER certificate ({exc})"
        ) from exc


def _private_keys(data: bytes, source: str) -> list[PrivateKeyTypes]:
    blocks = [b"-----BEGIN" + part for part in data.split(b"-----BEGIN")[1:]]
    keys = [
        serialization.load_pem_private_key(block, password=None)
        for block in blocks
        if b"PRIVATE KEY" in block
    ]
    if not keys:
        raise As2ConfigurationError(f"{source or 'key'}: no PEM private key found")
    return keys


def load_own_keys(key_data: bytes, cert_data: bytes, source: str = "") -> list[OwnKey]:
    """Our keys paired with their certificates by public key (either bundle may hold several)."""
    certs = {c.fingerprint: c for c in load_certificates(cert_data, source)}
    loaded = {fp: x509.load_pem_x509_certificate(c.pem) for fp, c in certs.items()}
    out: list[OwnKey] = []
    for key in _private_keys(key_data, source):
        public = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        for fp, cert in loaded.items():
            cert_public = cert.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            if cert_public == public:
                out.append(OwnKey(pem, certs[fp]))
    if not out:
        raise As2ConfigurationError(f"{source or 'AS2 identity'}: no certificate matches the private key")
    return out


@dataclass(frozen=True, slots=True)
class Identity:
    """Who we are on AS2: our id and our keys (several during a rollover)."""

    as2_id: str
    keys: tuple[OwnKey, ...] = ()
    mdn_url: str | None = None  # where partners post asynchronous MDNs for what we send


@dataclass(frozen=True, slots=True)
class PartnerView:
    """What the inbound side needs to know of the partner named by AS2-From."""

    partner_id: str
    as2_id: str
    settings: As2Settings
    certificates: tuple[Certificate, ...] = ()


# --- pyas2lib objects ------------------------------------------------------------------


def _organization(identity: Identity, key: OwnKey | None) -> pyas2.Organization:
    bundle = key.key_pem + key.certificate.pem if key is not None else None
    return pyas2.Organization(
        as2_name=identity.as2_id, sign_key=bundle, decrypt_key=bundle, mdn_url=identity.mdn_url
    )


def _partner(
    as2_id: str, settings: As2Settings | None, cert: Certificate | None, *, outbound: bool
) -> pyas2.Partner:
    s = settings or As2Settings(url="http://unknown.invalid/", require_signed=False)
    return pyas2.Partner(
        as2_name=as2_id,
        verify_cert=cert.pem if cert else None,
        encrypt_cert=cert.pem if cert else None,
        validate_certs=False,  # validity dates are checked here; trust is the profile's certificate
        compress=s.compress if outbound else False,
        sign=s.sign if outbound else s.require_signed,
        encrypt=s.encrypt if outbound else s.require_encrypted,
        digest_alg=s.digest,
        enc_alg=s.encryption,
        mdn_mode=({MdnMode.SYNC: "SYNC", MdnMode.ASYNC: "ASYNC"}.get(s.mdn) if outbound else None),
        mdn_digest_alg=s.digest if outbound and s.mdn_signed and s.mdn != MdnMode.NONE else None,
    )


def _disposition(exc: BaseException | None) -> Disposition:
    if exc is None:
        return Disposition.PROCESSED
    kind = getattr(exc, "disposition_type", "")
    modifier = getattr(exc, "disposition_modifier", "")
    try:
        return Disposition(f"{kind}: {modifier}")
    except ValueError:
        return Disposition.UNEXPECTED


# --- inbound ----------------------------------------------------------------------------


@dataclass(slots=True)
class Inbound:
    disposition: Disposition
    message_id: str
    as2_from: str
    as2_to: str
    partner: PartnerView | None = None
    payload: bytes | None = None
    filename: str | None = None
    content_type: str | None = None
    mic: str | None = None  # "base64, alg" as the MDN carries it
    signed: bool = False
    encrypted: bool = False
    compressed: bool = False
    mdn_mode: MdnMode = MdnMode.NONE
    mdn_url: str | None = None
    mdn_signed: bool = False
    detail: str = ""
    _message: Any = field(default=None, repr=False)
    _identity: Identity | None = field(default=None, repr=False)


def raw_message(headers: Mapping[str, str] | Iterable[tuple[str, str]], body: bytes) -> bytes:
    items = headers.items() if isinstance(headers, Mapping) else headers
    head = "".join(f"{k}: {v}\r\n" for k, v in items if k.lower() not in ("content-length", "host"))
    return head.encode("utf-8", "replace") + b"\r\n" + body


def _header_map(raw: bytes) -> dict[str, str]:
    head = message_from_bytes(raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n")
    return {k.lower(): str(v) for k, v in head.items()}


def _unquote(value: str) -> str:
    value = value.strip()
    return value[1:-1].replace('\\"', '"') if len(value) >= 2 and value[0] == value[-1] == '"' else value


def requested_mic_alg(options: str | None) -> str:
    """The MIC digest ``Disposition-Notification-Options`` asks for (sha1 when it names none we know)."""
    if options:
        for part in options.split(";"):
            if "signed-receipt-micalg" in part.lower():
                for name in part.split("=", 1)[-1].split(",")[1:]:
                    alg = MIC_DIGESTS.get(name.strip().lower())
                    if alg:
                        return alg
    return "sha1"


def mic(data: bytes, alg: str) -> str:
    """``base64(digest(data)), alg`` as a Received-Content-MIC field holds it."""
    return f"{base64.b64encode(hashlib.new(alg, data).digest()).decode('ascii')}, {alg}"


def unsigned_entity(content_type: str, body: bytes) -> bytes:
    """The MIME entity an unsigned, unencrypted AS2 body is: its Content-Type header and the content."""
    return f"Content-Type: {content_type}\r\n\r\n".encode() + body


def parse_inbound(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes,
    *,
    identity: Identity,
    find_partner: Callable[[str], PartnerView | None],
    now: datetime | None = None,
) -> Inbound:
    """Read one AS2 POST: who, what, and how it fared (decrypted, verified, decompressed)."""
    now = now or datetime.now(UTC)
    raw = raw_message(headers, body)
    h = _header_map(raw)
    message_id = h.get("message-id", "").strip().lstrip("<").rstrip(">")
    as2_from, as2_to = _unquote(h.get("as2-from", "")), _unquote(h.get("as2-to", ""))
    options = h.get("disposition-notification-options")
    inbound = Inbound(
        Disposition.UNEXPECTED,
        message_id,
        as2_from,
        as2_to,
        content_type=h.get("content-type"),
        mdn_url=h.get("receipt-delivery-option") or None,
        mdn_signed=bool(options and "pkcs7-signature" in options.lower()),
        _identity=identity,
    )
    if h.get("disposition-notification-to"):
        inbound.mdn_mode = MdnMode.ASYNC if inbound.mdn_url else MdnMode.SYNC
    partner = find_partner(as2_from) if as2_from else None
    inbound.partner = partner
    if as2_to.upper() != identity.as2_id.upper() or partner is None or not message_id:
        why = (
            f"AS2-To {as2_to!r} is not us ({identity.as2_id})"
            if as2_to.upper() != identity.as2_id.upper()
            else (f"no partner has the AS2 id {as2_from!r}" if partner is None else "no Message-ID")
        )
        inbound.disposition = Disposition.UNKNOWN_PARTNER if message_id else Disposition.UNEXPECTED
        inbound.detail = why
        inbound._message = _unparsed(raw, identity, as2_from)
        return inbound

    keys: list[OwnKey | None] = list(usable(identity.keys, now)) or [None]
    certs: list[Certificate | None] = list(usable(partner.certificates, now)) or [None]
    outcomes: list[tuple[Disposition, Any, BaseException | None]] = []
    for key, cert in itertools.product(keys, certs):
        msg = pyas2.Message()
        org, part = _organization(identity, key), _partner(as2_from, partner.settings, cert, outbound=False)
        _status, (exc, _tb), _mdn = msg.parse(
            raw, find_org_cb=lambda _i, o=org: o, find_partner_cb=lambda _i, p=part: p
        )
        disposition = _disposition(exc)
        if exc is not None and disposition is Disposition.UNEXPECTED:
            if key is None and msg.encrypted and not msg.signed:
                disposition = Disposition.DECRYPTION_FAILED  # encrypted, and we have no valid key
            elif cert is None:
                disposition = (
                    Disposition.AUTHENTICATION_FAILED
                )  # signed, and no valid certificate to check it
        outcomes.append((disposition, msg, exc))
        if disposition is Disposition.PROCESSED:
            break
    # the most telling outcome: success, else a failure past decryption, else the first
    chosen = next((o for o in outcomes if o[0] is Disposition.PROCESSED), None) or next(
        (o for o in outcomes if o[0] is not Disposition.DECRYPTION_FAILED), outcomes[0]
    )
    disposition, msg, exc = chosen
    inbound.disposition, inbound._message = disposition, msg
    inbound.detail = str(exc) if exc else ""
    inbound.signed, inbound.encrypted, inbound.compressed = msg.signed, msg.encrypted, msg.compressed
    if disposition is Disposition.PROCESSED:
        inbound.payload = msg.content if isinstance(msg.content, bytes) else b""
        inbound.filename = msg.payload.get_filename()
        inbound.content_type = msg.payload.get_content_type()
        alg = requested_mic_alg(options)
        if msg.mic is not None:
            inbound.mic = f"{msg.mic.decode('ascii')}, {msg.digest_alg}"
        elif not msg.encrypted:
            inbound.mic = mic(unsigned_entity(h.get("content-type", ""), body), alg)
        else:
            inbound.mic = mic(canonicalize(_entity_of(msg.payload)), alg)
    return inbound


def _entity_of(payload: EmailMessage) -> EmailMessage:
    """The payload's MIME entity without the AS2 transport headers pyas2lib copies onto it."""
    entity = EmailMessage()
    for k, v in payload.items():
        if k.lower().startswith("content-"):
            entity[k] = v
    entity.set_payload(payload.get_payload())
    return entity


def _unparsed(raw: bytes, identity: Identity, as2_from: str) -> Any:
    msg = pyas2.Message()
    msg.payload = EmailMessage()
    for k, v in _header_map(raw).items():  # pyas2lib reads them in lower case
        msg.payload[k] = v
    msg.message_id = _header_map(raw).get("message-id", "").strip().lstrip("<").rstrip(">")
    msg.receiver = None  # an MDN to someone we do not know is not signed
    msg.sender = _partner(as2_from or "unknown", None, None, outbound=False)
    return msg


def build_mdn(
    inbound: Inbound, disposition: Disposition, now: datetime | None = None
) -> tuple[dict[str, str], bytes]:
    """The receipt for ``inbound`` with ``disposition``; signed (newest valid key) when the sender asked."""
    msg = inbound._message
    identity = inbound._identity
    assert msg is not None and identity is not None
    key = current(identity.keys, now or datetime.now(UTC))
    if msg.receiver is not None:
        msg.receiver = _organization(identity, key if inbound.mdn_signed else None)
    if msg.sender is None:
        msg.sender = _partner(inbound.as2_from or "unknown", None, None, outbound=False)
    msg.mic = None
    if inbound.mic and disposition.accepted:
        value, _, alg = inbound.mic.partition(",")
        msg.mic, msg.digest_alg = value.strip().encode("ascii"), alg.strip()
    status, _, detail = disposition.value.partition(": ")
    mdn = pyas2.Mdn(mdn_mode=inbound.mdn_mode.value.upper(), mdn_url=inbound.mdn_url)
    mdn.build(message=msg, status=status, detailed_status=detail or None)
    headers = {k: str(v) for k, v in mdn.headers.items()}
    if headers.get("AS2-From") in (None, "None"):
        headers["AS2-From"] = identity.as2_id
    return headers, mdn.content


# --- outbound ---------------------------------------------------------------------------


@dataclass(slots=True)
class Outgoing:
    message_id: str
    headers: dict[str, str]
    body: bytes
    mic: str | None  # "base64, alg" we expect back
    body_mic: str | None  # the same digest over the content alone (what some peers return)
    signed: bool = False
    _message: Any = field(default=None, repr=False)


def build_message(
    data: bytes,
    *,
    identity: Identity,
    partner_as2_id: str,
    settings: As2Settings,
    certificates: Sequence[Certificate],
    filename: str | None = None,
    subject: str = "AS2 Message",
    now: datetime | None = None,
) -> Outgoing:
    """Sign, compress, encrypt ``data`` as the partner's settings ask, with the newest valid key and cert."""
    now = now or datetime.now(UTC)
    key = current(identity.keys, now)
    cert = current(certificates, now)
    if settings.sign and key is None:
        raise As2ConfigurationError("signing is on, and we have no valid key (ORDERGATE_AS2_KEY)")
    if settings.encrypt and cert is None:
        raise As2ConfigurationError(f"encryption is on, and {partner_as2_id} has no valid certificate")
    if settings.mdn == MdnMode.ASYNC and not identity.mdn_url:
        raise As2ConfigurationError("asynchronous MDNs need our MDN URL (ORDERGATE_AS2_MDN_URL)")
    msg = pyas2.Message(
        sender=_organization(identity, key), receiver=_partner(partner_as2_id, settings, cert, outbound=True)
    )
    msg.build(
        data,
        filename=filename,
        subject=subject,
        content_type=settings.content_type,
        disposition_notification_to=identity.as2_id,
    )
    headers = {k: str(v) for k, v in msg.headers.items()}
    if settings.mdn != MdnMode.NONE and not settings.mdn_signed:
        headers["disposition-notification-options"] = (
            "signed-receipt-protocol=optional, pkcs7-signature; "
            f"signed-receipt-micalg=optional, {settings.digest}"
        )
    alg = MIC_DIGESTS.get(settings.digest, "sha256")
    body = msg.content
    expected: str | None
    body_mic: str | None = None
    if msg.mic is not None:
        expected = f"{msg.mic.decode('ascii')}, {msg.digest_alg}"
    elif msg.compressed or msg.encrypted:
        expected = mic(canonicalize(_entity_of(_inner_before_encryption(msg, data, settings))), alg)
    else:
        expected = mic(unsigned_entity(headers.get("Content-Type", settings.content_type), body), alg)
        body_mic = mic(body, alg)
    msg.mic = None  # compared below, for signed and unsigned alike
    return Outgoing(msg.message_id, headers, body, expected, body_mic, msg.signed, msg)


def _inner_before_encryption(msg: Any, data: bytes, settings: As2Settings) -> EmailMessage:
    # the entity the partner sees after decryption: rebuilt the way pyas2lib builds it, unencrypted
    twin = pyas2.Message(sender=msg.sender, receiver=msg.receiver)
    saved = (twin.receiver.encrypt, twin.receiver.mdn_mode)
    twin.receiver.encrypt, twin.receiver.mdn_mode = False, None
    try:
        twin.build(data, content_type=settings.content_type)
    finally:
        twin.receiver.encrypt, twin.receiver.mdn_mode = saved
    return twin.payload


@dataclass(slots=True)
class MdnOutcome:
    disposition: str  # as the MDN says it, e.g. "processed" or "processed/Error: decryption-failed"
    original_message_id: str
    signed: bool
    signature_ok: bool
    mic: str | None
    mic_ok: bool
    signature_required: bool
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Processed, the MIC we sent came back, and signed by the partner when it had to be."""
        signature = self.signature_ok if (self.signed or self.signature_required) else True
        return self.disposition == "processed" and self.mic_ok and signature


def _report_fields(payload: EmailMessage) -> dict[str, str]:
    for part in payload.walk():
        if part.get_content_type() == "message/disposition-notification":
            inner = part.get_payload()
            text = (
                inner[-1].as_string()
                if isinstance(inner, list)
                else part.get_payload(decode=True).decode("utf-8", "replace")
            )
            out: dict[str, str] = {}
            for line in text.replace("\r\n", "\n").split("\n"):
                name, sep, value = line.partition(":")
                if sep and name.strip():
                    out[name.strip().lower()] = value.strip()
            return out
    return {}


def read_mdn(
    outgoing: Outgoing,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes,
    *,
    certificates: Sequence[Certificate],
    require_signed: bool,
    now: datetime | None = None,
) -> MdnOutcome:
    """Verify an MDN for ``outgoing``: its signature (any valid partner certificate) and its MIC."""
    raw = raw_message(headers, body)
    parsed = message_from_bytes(raw)
    signed = parsed.get_content_type() == "multipart/signed"
    fields = _report_fields(parsed)
    disposition = fields.get("disposition", "").split(";", 1)[-1].strip()
    original = fields.get("original-message-id", "").strip().lstrip("<").rstrip(">")
    got_mic = fields.get("received-content-mic")
    signature_ok = False
    detail = ""
    if signed:
        msg = outgoing._message
        for cert in usable(certificates, now or datetime.now(UTC)):
            msg.receiver = _partner(msg.receiver.as2_name, None, cert, outbound=True)
            status, why = pyas2.Mdn().parse(raw, find_message_cb=lambda _m, _r, m=msg: m)
            if not (status == "failed/Failure" and (why or "").startswith("Failed to parse")):
                signature_ok = True
                break
            detail = why or ""
        if not signature_ok:
            detail = detail or "no valid certificate of the partner verifies the MDN signature"
    elif require_signed:
        detail = "a signed MDN was asked for, and the MDN is not signed"
    mic_ok = _same_mic(got_mic, outgoing.mic) or (
        outgoing.body_mic is not None and _same_mic(got_mic, outgoing.body_mic)
    )
    if got_mic is None and not outgoing.signed:
        # RFC 4130 §7.3.1 has a MIC for unsigned messages too, and pyas2lib returns none for them:
        # a missing MIC is let pass for an unsigned message (no signature to bind it), a wrong one is not
        mic_ok = True
        detail = "the MDN carries no Received-Content-MIC (accepted: the message was unsigned)"
    if disposition == "processed" and not mic_ok:
        detail = detail or f"Received-Content-MIC {got_mic!r} is not the MIC sent ({outgoing.mic})"
    if original != outgoing.message_id:
        detail = detail or f"the MDN answers {original!r}, not {outgoing.message_id!r}"
        mic_ok = False
    return MdnOutcome(disposition, original, signed, signature_ok, got_mic, mic_ok, require_signed, detail)


def _same_mic(got: str | None, expected: str | None) -> bool:
    if not got or not expected:
        return False
    g_value, _, g_alg = got.partition(",")
    e_value, _, e_alg = expected.partition(",")
    return g_value.strip() == e_value.strip() and (
        MIC_DIGESTS.get(g_alg.strip().lower(), g_alg.strip().lower())
        == MIC_DIGESTS.get(e_alg.strip().lower(), e_alg.strip().lower())
    )


def is_mdn(headers: Mapping[str, str] | Iterable[tuple[str, str]], body: bytes) -> bool:
    """Whether a POST carries an MDN (a receipt for something we sent) rather than a message."""
    parsed = message_from_bytes(raw_message(headers, body))
    kind = parsed.get_content_type()
    if kind == "multipart/report":
        return True
    return kind == "multipart/signed" and any(
        p.get_content_type() == "multipart/report" for p in parsed.walk()
    )


def read_async_mdn(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes,
    *,
    partner_as2_id: str,
    certificates: Sequence[Certificate],
    now: datetime | None = None,
) -> MdnOutcome:
    """An MDN posted to us later (asynchronous): its disposition and its signature, checked with any
    valid certificate of the partner.  The MIC is not compared: what we expect is not kept."""
    fields = _report_fields(message_from_bytes(raw_message(headers, body)))
    original = fields.get("original-message-id", "").strip().lstrip("<").rstrip(">")
    stub = pyas2.Message()
    stub.message_id = original
    stub.receiver = _partner(partner_as2_id, None, None, outbound=True)
    outcome = read_mdn(
        Outgoing(original, {}, b"", None, None, False, stub),
        headers,
        body,
        certificates=certificates,
        require_signed=False,
        now=now,
    )
    outcome.mic_ok = False
    outcome.detail = outcome.detail if outcome.signed and not outcome.signature_ok else "MIC not compared"
    return outcome
