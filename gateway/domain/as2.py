"""AS2 (RFC 4130) as data: a partner's security settings and certificate rollover.

Nothing here reads a file or a socket.  Certificates are described by their
validity window; the adapters load the bytes and ask these functions which one
to use:

- the newest certificate valid now signs and encrypts (``current``);
- any certificate valid now may verify or decrypt (``usable``), so a partner
  rolling over to a new certificate is understood with either during the overlap;
- ``expiring`` names those close to their end, for a warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

DIGESTS = ("sha1", "sha224", "sha256", "sha384", "sha512")
ENCRYPTIONS = ("tripledes_192_cbc", "aes_128_cbc", "aes_192_cbc", "aes_256_cbc", "rc2_128_cbc", "rc4_128_cbc")
EXPIRY_WARNING_DAYS = 30


class MdnMode(StrEnum):
    SYNC = "sync"  # on the HTTP response
    ASYNC = "async"  # posted later to our Receipt-Delivery-Option URL
    NONE = "none"  # no receipt asked for


class Disposition(StrEnum):
    """The dispositions we answer with (RFC 4130 §7.4.3, §7.5.3)."""

    PROCESSED = "processed"
    DUPLICATE = "processed/Warning: duplicate-document"
    DECRYPTION_FAILED = "processed/Error: decryption-failed"
    AUTHENTICATION_FAILED = "processed/Error: authentication-failed"
    INTEGRITY_CHECK_FAILED = "processed/Error: integrity-check-failed"
    UNKNOWN_PARTNER = "processed/Error: unknown-trading-partner"
    DECOMPRESSION_FAILED = "processed/Error: decompression-failed"
    INSUFFICIENT_SECURITY = "processed/Error: insufficient-message-security"
    UNEXPECTED = "processed/Error: unexpected-processing-error"

    @property
    def accepted(self) -> bool:
        """Whether the payload was taken (stored) under this disposition."""
        return self in (Disposition.PROCESSED, Disposition.DUPLICATE)


@dataclass(slots=True)
class As2Settings:
    """One partner's AS2 channel.

    ``certificates`` are paths of the partner's PEM certificates (several during a
    rollover); what we send is built by ``sign``/``encrypt``/``compress`` with
    ``digest`` and ``encryption``; what we accept must be signed / encrypted when
    ``require_signed`` / ``require_encrypted`` say so.
    """

    url: str
    certificates: list[str] = field(default_factory=list)
    as2_id: str | None = None  # the partner's AS2 id (AS2-To of what we send), from its identities
    sign: bool = True
    encrypt: bool = True
    compress: bool = False
    digest: str = "sha256"
    encryption: str = "aes_256_cbc"
    mdn: MdnMode = MdnMode.SYNC
    mdn_signed: bool = True  # ask for a signed MDN (and refuse an unsigned one)
    require_signed: bool = True
    require_encrypted: bool = False
    content_type: str = "application/edi-x12"
    timeout_seconds: float = 30.0
    retries: int = 3  # further attempts after a transport error
    backoff_seconds: float = 1.0  # doubled after each attempt
    user: str | None = None  # HTTP Basic credentials the partner's endpoint asks for
    password_ref: str | None = None  # a secret reference (env:NAME, file:PATH), never the password


class Dated(Protocol):
    @property
    def not_before(self) -> datetime: ...

    @property
    def not_after(self) -> datetime: ...


D = TypeVar("D", bound=Dated)


def valid_at(cert: Dated, now: datetime) -> bool:
    return cert.not_before <= now <= cert.not_after


def usable(certs: Iterable[D], now: datetime) -> list[D]:
    """Those valid at ``now``, newest first: each may verify or decrypt."""
    return sorted((c for c in certs if valid_at(c, now)), key=lambda c: c.not_before, reverse=True)


def current(certs: Iterable[D], now: datetime) -> D | None:
    """The newest certificate valid at ``now`` (the one that signs or encrypts), or ``None``."""
    found = usable(certs, now)
    return found[0] if found else None


def days_left(cert: Dated, now: datetime) -> int:
    """Whole days until ``cert`` expires (negative once it has)."""
    return (cert.not_after - now).days


def expiring(certs: Sequence[D], now: datetime, within_days: int = EXPIRY_WARNING_DAYS) -> list[D]:
    """Those valid now that expire within ``within_days``, and those already expired."""
    return [c for c in certs if c.not_after < now or (valid_at(c, now) and days_left(c, now) <= within_days)]
