"""``POST /as2``: the AS2 (RFC 4130) inbound endpoint.

One request: the partner is found by AS2-From (and we by AS2-To), the message
decrypted, verified and decompressed as it arrived; a payload that passes is
stored (committed) before the MDN goes back — on the response (synchronous), or
posted to the Receipt-Delivery-Option URL (asynchronous), signed when the sender
asked.  A Message-ID already stored is answered ``processed/Warning:
duplicate-document`` and processed no further than it had got.  The pipeline
then runs outside the request: on the embedded default a background thread
drains the in-process queue (one at a time, behind a lock); with Redis the
steps are already queued for the workers.

AS2 cannot authenticate by bearer token: the signature (and a partner's
``require_signed``) is the authentication.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool

from gateway.adapters.channels.as2 import load_identity, partner_certificates, post_mdn
from gateway.adapters.channels.as2_mime import (
    Identity,
    Inbound,
    PartnerView,
    build_mdn,
    is_mdn,
    parse_inbound,
    read_async_mdn,
)
from gateway.bootstrap import Runtime
from gateway.domain.as2 import Disposition, MdnMode
from gateway.services.as2_inbound import record_as2_mdn, record_as2_refusal, store_as2_payload
from gateway.services.ports import InlineDispatcher
from gateway.services.sweep import sweep

log = logging.getLogger(__name__)

router = APIRouter(tags=["as2"])


class Drainer:
    """Runs the in-process pipeline queue on one background thread, whenever it is kicked."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        self._idle.clear()
        self._wake.set()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="as2-drain", daemon=True)
                self._thread.start()

    def resume(self) -> None:
        """Queue what a crash left unfinished (``sweep``) and run it, in the background."""
        self._idle.clear()
        threading.Thread(target=self._resume, name="as2-resume", daemon=True).start()

    def _resume(self) -> None:
        try:
            found = sweep(self.runtime.context)
            if found:
                log.warning("resuming %d unfinished pipeline steps", found)
        except Exception:  # no database yet, say: the endpoint answers what it can
            log.exception("could not look for unfinished pipeline steps")
        self.kick()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            if not self._wake.wait(timeout=5.0):
                with self._lock:  # a kick after the wait timed out finds no thread and starts one
                    if not self._wake.is_set():
                        self._thread = None
                        return
                continue
            self._wake.clear()
            try:
                self.runtime.drain()
            except Exception:  # a failed step is recorded by the pipeline; the thread goes on
                log.exception("pipeline step failed after an AS2 receipt")
            if not self._wake.is_set():
                self._idle.set()


def setup(app: FastAPI) -> None:
    settings = app.state.settings
    app.state.as2_identity = load_identity(
        settings.as2_id, settings.as2_key, settings.as2_certificate, settings.as2_mdn_url
    )
    app.state.as2_drainer = drainer = Drainer(app.state.runtime)
    if isinstance(app.state.runtime.dispatcher, InlineDispatcher) and not settings.queued:
        drainer.resume()  # embedded: this process is the only worker (with a broker, the workers sweep)


def _find_partner(runtime: Runtime) -> Any:
    def find(as2_id: str) -> PartnerView | None:
        wanted = as2_id.strip().upper()
        with runtime.context.uow() as uow:
            profiles = uow.partners.list(active_only=True)
        for p in profiles:
            if p.as2_id and p.as2_id.strip().upper() == wanted:
                settings = p.as2
                if settings is None:  # an AS2 id with no channel: unsigned, unencrypted only
                    from gateway.domain.as2 import As2Settings

                    settings = As2Settings(url="http://unset.invalid/", require_signed=False)
                return PartnerView(
                    p.id, p.as2_id, settings, tuple(partner_certificates(settings.certificates))
                )
        return None

    return find


def _handle(runtime: Runtime, identity: Identity, headers: list[tuple[str, str]], body: bytes) -> Inbound:
    inbound = parse_inbound(headers, body, identity=identity, find_partner=_find_partner(runtime))
    detail: dict[str, Any] = {
        "as2_from": inbound.as2_from,
        "as2_to": inbound.as2_to,
        "message_id": inbound.message_id,
        "disposition": inbound.disposition.value,
        "signed": inbound.signed,
        "encrypted": inbound.encrypted,
        "compressed": inbound.compressed,
        "mic": inbound.mic,
        "mdn": inbound.mdn_mode.value,
    }
    if inbound.disposition is Disposition.PROCESSED and inbound.partner is not None:
        assert inbound.payload is not None
        _id, new = store_as2_payload(
            runtime.context,
            inbound.payload,
            partner_id=inbound.partner.partner_id,
            as2_from=inbound.as2_from,
            message_id=inbound.message_id,
            filename=inbound.filename,
            detail=detail,
        )
        if not new:
            inbound.disposition = Disposition.DUPLICATE
    else:
        log.warning(
            "AS2 message %s from %r refused: %s (%s)",
            inbound.message_id,
            inbound.as2_from,
            inbound.disposition.value,
            inbound.detail,
        )
        record_as2_refusal(
            runtime.context,
            as2_from=inbound.as2_from or "?",
            message_id=inbound.message_id or "?",
            detail={**detail, "why": inbound.detail},
        )
    return inbound


def _receive_mdn(runtime: Runtime, headers: list[tuple[str, str]], body: bytes) -> Response:
    as2_from = next((v.strip().strip('"') for k, v in headers if k.lower() == "as2-from"), "")
    partner = _find_partner(runtime)(as2_from) if as2_from else None
    if partner is None:
        return Response(
            f"no partner has the AS2 id {as2_from!r}\r\n", status_code=403, media_type="text/plain"
        )
    outcome = read_async_mdn(
        headers, body, partner_as2_id=partner.as2_id, certificates=list(partner.certificates)
    )
    record_as2_mdn(
        runtime.context,
        partner_id=partner.partner_id,
        original_message_id=outcome.original_message_id,
        detail={
            "disposition": outcome.disposition,
            "signed": outcome.signed,
            "signature_ok": outcome.signature_ok,
            "mic": outcome.mic,
            "detail": outcome.detail,
        },
    )
    if outcome.signed and not outcome.signature_ok:
        return Response("the MDN signature does not verify\r\n", status_code=403, media_type="text/plain")
    return Response("MDN received\r\n", media_type="text/plain")


def _may_post_to(inbound: Inbound) -> bool:
    """An asynchronous MDN goes only to a partner we know, over HTTP(S); anyone else has it on the response
    (the URL comes from an unauthenticated request, and we do not post to whatever it names)."""
    url = inbound.mdn_url or ""
    return inbound.partner is not None and url.lower().startswith(("http://", "https://"))


@router.post("/as2", response_model=None)
async def receive_as2(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    identity: Identity = request.app.state.as2_identity
    limit = request.app.state.settings.as2_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return Response(f"larger than {limit} bytes\r\n", status_code=413, media_type="text/plain")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return Response(f"larger than {limit} bytes\r\n", status_code=413, media_type="text/plain")
    body = bytes(body)
    headers = list(request.headers.items())
    if is_mdn(headers, body):  # an asynchronous MDN for something we sent
        return await run_in_threadpool(_receive_mdn, runtime, headers, body)
    inbound = await run_in_threadpool(_handle, runtime, identity, headers, body)
    if inbound.disposition.accepted:
        request.app.state.as2_drainer.kick()
    text = f"{inbound.disposition.value}\r\n"
    if inbound.mdn_mode is MdnMode.NONE:
        return Response(text, media_type="text/plain")
    mdn_headers, mdn_body = await run_in_threadpool(
        build_mdn, inbound, inbound.disposition, datetime.now(UTC)
    )
    if inbound.mdn_mode is MdnMode.ASYNC and _may_post_to(inbound):
        url = inbound.mdn_url
        threading.Thread(
            target=post_mdn, args=(url, mdn_headers, mdn_body), name="as2-async-mdn", daemon=True
        ).start()
        return Response(text, media_type="text/plain")
    media_type = mdn_headers.pop("Content-Type", None) or mdn_headers.pop("content-type", None)
    return Response(mdn_body, headers=mdn_headers, media_type=media_type)
