"""HTTP delivery: POST the document to the partner's endpoint with its bearer token."""

from __future__ import annotations

import urllib.error
import urllib.request

from gateway.adapters.channels.secrets import resolve
from gateway.domain.partners import PartnerProfile
from gateway.errors import ChannelError, ConfigurationError


def post_document(partner: PartnerProfile, name: str, data: bytes, *, timeout: float = 30.0) -> str:
    """Send one document; a 2xx is delivered, a 5xx or 429 or no answer is retried, another 4xx is not."""
    http = partner.channels.http
    if http is None:
        raise ConfigurationError(f"partner {partner.id} has no http channel")
    headers = {"Content-Type": "application/edi-x12", "X-Filename": name}
    token = resolve(http.token, what="HTTP token")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(http.url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return f"{http.url} ({answer.status})"
    except urllib.error.HTTPError as exc:
        retryable = exc.code >= 500 or exc.code in (408, 429)
        raise ChannelError(f"{http.url} answered {exc.code} {exc.reason}", retryable=retryable) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ChannelError(f"{http.url} cannot be reached: {exc}") from exc
