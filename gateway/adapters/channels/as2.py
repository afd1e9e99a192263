"""AS2 over HTTP: sending a document to a partner, posting asynchronous MDNs, loading keys.

``send_as2(settings, partner_id, filename, data, identity=...)`` is the outbound
channel: it builds the message as the partner's ``As2Settings`` ask (sign,
compress, encrypt, algorithms; the newest valid key and certificate), POSTs it,
retries with back-off on transport errors (a connection refused, a timeout, a
5xx), verifies a synchronous MDN (signature with any valid certificate of the
partner, and the MIC) and returns a ``DeliveryResult``; it never raises for a
partner's answer.  ``as2_deliver`` wraps it as a ``Context.deliver`` callable
that raises when a document was not taken, so the pipeline's ``deliver`` step
stays pending and is retried.

Our identity comes from settings: ``ORDERGATE_AS2_ID``, ``ORDERGATE_AS2_KEY`` and
``ORDERGATE_AS2_CERTIFICATE`` (each a path, ``env:NAME`` or ``file:PATH``).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from gateway.adapters.channels.as2_mime import (
    As2ConfigurationError,
    Certificate,
    Identity,
    Outgoing,
    build_message,
    load_certificates,
    load_own_keys,
    read_mdn,
)
from gateway.domain.as2 import As2Settings, MdnMode, days_left, expiring

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What became of one AS2 send.

    ``status``: ``delivered`` (MDN processed, verified, MIC matched), ``sent`` (taken;
    the MDN is asynchronous or none was asked for), ``rejected`` (the partner's MDN
    refused it, or the MDN did not verify), ``failed`` (no answer after the retries).
    """

    ok: bool
    status: str
    partner_id: str
    filename: str
    message_id: str
    url: str
    attempts: int
    disposition: str | None = None
    mic: str | None = None
    mic_ok: bool = False
    signature_ok: bool = False
    detail: str = ""


def read_secret(reference: str) -> bytes:
    """The bytes behind ``env:NAME``, ``file:PATH`` or a plain path."""
    if reference.startswith("env:"):
        value = os.environ.get(reference[4:])
        if value is None:
            raise As2ConfigurationError(f"the environment has no {reference[4:]}")
        return value.replace("\\n", "\n").encode()
    path = Path(reference[5:] if reference.startswith("file:") else reference).expanduser()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise As2ConfigurationError(f"cannot read {path}: {exc.strerror}") from exc


def load_identity(
    as2_id: str, key: str | None, certificate: str | None, mdn_url: str | None = None
) -> Identity:
    """Our AS2 identity from settings values; no keys when none are configured (unsigned only)."""
    if not key and not certificate:
        return Identity(as2_id, (), mdn_url)
    if not key or not certificate:
        raise As2ConfigurationError("ORDERGATE_AS2_KEY and ORDERGATE_AS2_CERTIFICATE go together")
    keys = load_own_keys(read_secret(key), read_secret(certificate), source="ORDERGATE_AS2_KEY")
    warn_expiring([k.certificate for k in keys], "our AS2 certificate")
    return Identity(as2_id, tuple(keys), mdn_url)


_cert_cache: dict[str, tuple[float, list[Certificate]]] = {}


def partner_certificates(paths: list[str]) -> list[Certificate]:
    """The certificates at ``paths`` (re-read when a file changes); a missing file is logged, skipped."""
    out: list[Certificate] = []
    for path in paths:
        try:
            mtime = Path(path).stat().st_mtime
        except OSError:
            log.warning("AS2 certificate %s is missing", path)
            continue
        cached = _cert_cache.get(path)
        if cached is None or cached[0] != mtime:
            try:
                cached = (mtime, load_certificates(Path(path).read_bytes(), path))
            except As2ConfigurationError as exc:
                log.warning("%s", exc)
                continue
            _cert_cache[path] = cached
        out.extend(cached[1])
    return out


def warn_expiring(certs: list[Certificate], what: str, now: datetime | None = None) -> list[Certificate]:
    now = now or datetime.now(UTC)
    found = expiring(certs, now)
    for cert in found:
        left = days_left(cert, now)
        if left < 0:
            log.warning("%s %s (%s) expired %d days ago", what, cert.subject, cert.source, -left)
        else:
            log.warning("%s %s (%s) expires in %d days", what, cert.subject, cert.source, left)
    return found


def send_as2(
    settings: As2Settings,
    partner_id: str,
    filename: str,
    data: bytes,
    *,
    identity: Identity,
    partner_as2_id: str | None = None,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: datetime | None = None,
) -> DeliveryResult:
    """Send ``data`` to the partner's AS2 URL and say what became of it (see ``DeliveryResult``)."""
    as2_to = partner_as2_id or settings.as2_id or partner_id
    certs = partner_certificates(settings.certificates)
    warn_expiring(certs, f"{partner_id}'s AS2 certificate", now)
    try:
        out = build_message(
            data,
            identity=identity,
            partner_as2_id=as2_to,
            settings=settings,
            certificates=certs,
            filename=filename,
            subject=f"{filename} from {identity.as2_id}",
            now=now,
        )
    except As2ConfigurationError as exc:
        return DeliveryResult(False, "failed", partner_id, filename, "", settings.url, 0, detail=str(exc))
    auth: httpx.BasicAuth | None = None
    if settings.user:
        try:
            password = read_secret(settings.password_ref).decode().strip() if settings.password_ref else ""
        except As2ConfigurationError as exc:
            return DeliveryResult(False, "failed", partner_id, filename, "", settings.url, 0, detail=str(exc))
        auth = httpx.BasicAuth(settings.user, password)
    own = client is None
    http = client or httpx.Client(timeout=settings.timeout_seconds)
    attempts, delay, detail = 0, settings.backoff_seconds, ""
    try:
        while True:
            attempts += 1
            try:
                response = http.post(settings.url, content=out.body, headers=out.headers, auth=auth)
                if response.status_code not in RETRY_STATUSES:
                    break
                detail = f"HTTP {response.status_code}"
            except httpx.TransportError as exc:
                detail = f"{type(exc).__name__}: {exc}"
            if attempts > settings.retries:
                log.warning(
                    "AS2 to %s: %s failed after %d attempts: %s", partner_id, filename, attempts, detail
                )
                return DeliveryResult(
                    False,
                    "failed",
                    partner_id,
                    filename,
                    out.message_id,
                    settings.url,
                    attempts,
                    detail=detail,
                )
            sleep(delay)
            delay *= 2
    finally:
        if own:
            http.close()
    return _outcome(settings, partner_id, filename, out, response, attempts, certs, now)


def _outcome(
    settings: As2Settings,
    partner_id: str,
    filename: str,
    out: Outgoing,
    response: httpx.Response,
    attempts: int,
    certs: list[Certificate],
    now: datetime | None,
) -> DeliveryResult:
    base = (partner_id, filename, out.message_id, settings.url, attempts)
    if response.status_code >= 300:
        return DeliveryResult(
            False, "rejected", *base, detail=f"HTTP {response.status_code}: {response.text[:200]}"
        )
    if settings.mdn != MdnMode.SYNC:
        return DeliveryResult(True, "sent", *base, detail=f"HTTP {response.status_code}; MDN {settings.mdn}")
    if not response.content:
        return DeliveryResult(False, "rejected", *base, detail="a synchronous MDN was asked for, none came")
    mdn = read_mdn(
        out,
        response.headers.multi_items(),
        response.content,
        certificates=certs,
        require_signed=settings.mdn_signed,
        now=now,
    )
    status = "delivered" if mdn.ok else "rejected"
    log.info("AS2 to %s: %s %s, MDN %s %s", partner_id, filename, out.message_id, mdn.disposition, mdn.detail)
    return DeliveryResult(
        mdn.ok, status, *base, mdn.disposition, mdn.mic, mdn.mic_ok, mdn.signature_ok, mdn.detail
    )


def post_mdn(
    url: str, headers: dict[str, str], body: bytes, *, retries: int = 3, backoff: float = 1.0
) -> bool:
    """POST an asynchronous MDN to the sender's Receipt-Delivery-Option URL, retrying transport errors."""
    delay = backoff
    for attempt in range(retries + 1):
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=30.0)
            if response.status_code < 300:
                return True
            if response.status_code not in RETRY_STATUSES:
                log.warning("asynchronous MDN to %s refused: HTTP %d", url, response.status_code)
                return False
        except httpx.TransportError as exc:
            log.warning("asynchronous MDN to %s, attempt %d: %s", url, attempt + 1, exc)
        time.sleep(delay)
        delay *= 2
    return False


def sender_from_settings(app_settings: Any) -> Callable[[As2Settings, str, str, bytes], DeliveryResult]:
    """``send_as2`` with our identity loaded once from the application settings (``ORDERGATE_AS2_*``):
    ``send(channel_settings, partner_id, filename, data) -> DeliveryResult``, for a delivery registry."""
    identity = load_identity(
        app_settings.as2_id, app_settings.as2_key, app_settings.as2_certificate, app_settings.as2_mdn_url
    )

    def send(settings: As2Settings, partner_id: str, filename: str, data: bytes) -> DeliveryResult:
        return send_as2(settings, partner_id, filename, data, identity=identity)

    return send


class NotDelivered(Exception):
    """The partner did not take a document over AS2 (the ``deliver`` step stays pending)."""


def as2_deliver(
    identity: Identity,
    channel_for: Callable[[str], tuple[As2Settings, str | None] | None],
    fallback: Callable[[str, str, bytes], str],
    record: Callable[[DeliveryResult], None] | None = None,
) -> Callable[[str, str, bytes], str]:
    """A ``Context.deliver``: AS2 for partners ``channel_for`` gives settings (and AS2 id) for, else
    ``fallback``; raises ``NotDelivered`` when the partner did not take the document."""

    def deliver(partner_id: str, filename: str, data: bytes) -> str:
        found = channel_for(partner_id)
        if found is None:
            return fallback(partner_id, filename, data)
        settings, as2_id = found
        result = send_as2(settings, partner_id, filename, data, identity=identity, partner_as2_id=as2_id)
        if record is not None:
            record(result)
        if not result.ok:
            raise NotDelivered(f"AS2 to {partner_id}: {result.status}: {result.detail}")
        return f"as2:{result.url} {result.message_id} {result.disposition or result.status}"

    return deliver
