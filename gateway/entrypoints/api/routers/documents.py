"""HTTP upload: ``POST /api/documents`` with a partner's token, and ``GET /api/documents/{id}``.

The body is the document itself (any content type; the name from ``X-Filename``
or ``?filename=``) or a multipart form with one ``file`` field.  Neither is
held whole in memory: the body is spooled (to disk past ``SPOOL_MEMORY`` bytes,
in the data dir) as it arrives, a form's file is already spooled by the form
parser, and the archive reads either a chunk at a time.  The raw bytes are
archived before the answer (``202`` with the document id and where to read
its status); processing runs after it.  An ``Idempotency-Key`` header makes a
retried upload the same document.  Partner tokens are the ``channels.http_in.token``
references of the partners' profiles, resolved at each check and compared in
constant time.
"""

from __future__ import annotations

import hmac
import tempfile
from typing import Any, BinaryIO

from fastapi import APIRouter, BackgroundTasks, FastAPI, HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from gateway.entrypoints.api.auth import Principal, Role
from gateway.entrypoints.api.deps import PartnerDep, PrincipalDep, RuntimeDep
from gateway.errors import ConfigurationError, NotFound
from gateway.services.receive import receive

router = APIRouter(prefix="/api/documents", tags=["documents"])


def partner_token(token: str, runtime: Any) -> Principal | None:
    """The partner whose ``channels.http_in.token`` this is (every partner's is compared)."""
    from gateway.adapters.channels.secrets import resolve

    with runtime.context.uow() as uow:
        partners = uow.partners.list(active_only=True)
    found: Principal | None = None
    given = token.encode()
    for p in partners:
        http_in = p.channels.http_in
        if http_in is None:
            continue
        try:
            expected = resolve(http_in.token, what=f"upload token of {p.id}")
        except ConfigurationError:
            continue
        if expected and hmac.compare_digest(given, expected.encode()) and found is None:
            found = Principal(name=f"partner:{p.id}", partner_id=p.id)
    return found


def setup(app: FastAPI) -> None:
    app.state.authenticators.append(partner_token)


RAW_LIMIT = 4 * 1024 * 1024  # bytes of a chunked (large) document in the answer
SPOOL_MEMORY = 1024 * 1024  # bytes of an uploaded body kept in memory before it spools to disk


def _size(file: BinaryIO) -> int:
    """The size of a spooled file, left at its start."""
    size = file.seek(0, 2)
    file.seek(0)
    return size


@router.post("", status_code=status.HTTP_202_ACCEPTED)
async def upload(
    request: Request, partner: PartnerDep, runtime: RuntimeDep, background: BackgroundTasks
) -> dict[str, Any]:
    limit = runtime.settings.upload_max_bytes
    filename = request.headers.get("x-filename") or request.query_params.get("filename")
    key = request.headers.get("idempotency-key")
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise HTTPException(422, "the form needs a 'file' field")
        filename = filename or upload.filename
        file: BinaryIO = upload.file  # spooled to disk by the form parser; closed with the form
        size = await run_in_threadpool(_size, file)
        owned = False
    else:
        spool_dir = runtime.settings.spool_dir
        await run_in_threadpool(spool_dir.mkdir, parents=True, exist_ok=True)
        file = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY, dir=spool_dir)  # noqa: SIM115
        owned = True
        size = 0
        try:
            async for piece in request.stream():
                size += len(piece)
                if size > limit:
                    break  # refused below, without reading the rest
                await run_in_threadpool(file.write, piece)
            file.seek(0)
        except BaseException:
            file.close()
            raise
    try:
        if not size:
            raise HTTPException(422, "the document is empty")
        if size > limit:
            raise HTTPException(413, f"more than {limit} bytes")
        document_id = await run_in_threadpool(
            receive,
            runtime.context,
            file,
            channel="http",
            filename=filename,
            message_id=f"{partner.partner_id}:{key}" if key else None,
            partner_id=partner.partner_id,
        )
    finally:
        if owned:
            file.close()
    background.add_task(runtime.drain)
    return {
        "id": document_id,
        "status": "received",
        "status_url": str(request.url_for("document_status", document_id=document_id).path),
    }


@router.get("/{document_id}", name="document_status")
def document_status(document_id: int, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    if principal.partner_id is None and not principal.may(Role.VIEWER):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs the viewer role or a partner token")
    with runtime.context.uow() as uow:
        doc = uow.documents.get(document_id)
        if doc is None or (principal.partner_id is not None and doc.partner_id != principal.partner_id):
            raise NotFound(f"no document {document_id}")
        if doc.chunked and principal.partner_id is None:  # a large document: its first bytes
            doc.raw = uow.documents.read(document_id, RAW_LIMIT)
        outbound = uow.outbound.list(inbound_document_id=document_id)
        orders = uow.purchase_orders.for_document(document_id)
    answer: dict[str, Any] = {
        "id": doc.id,
        "status": doc.status,
        "format": doc.format,
        "channel": doc.channel,
        "filename": doc.filename,
        "partner_id": doc.partner_id,
        "size": doc.size,
        "sha256": doc.content_hash,
        "received_at": doc.received_at.isoformat(),
        "diagnostics": doc.diagnostics or [],
        "acknowledgements": [
            {"id": o.id, "type": o.doc_type, "delivery_status": o.delivery_status} for o in outbound
        ],
        "purchase_orders": [{"id": o.id, "po_number": o.po_number, "status": o.status} for o in orders],
    }
    if principal.partner_id is None:  # people see the bytes too (the admin's detail view)
        answer["raw"] = doc.raw.decode("latin-1")
        if doc.chunked:
            answer["raw_truncated"] = doc.size > len(doc.raw)
    return answer
