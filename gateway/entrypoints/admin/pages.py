"""The review queue, an order's and a document's detail, and the fixes (each a form with its CSRF token)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from gateway.entrypoints.admin import documents, x12view
from gateway.entrypoints.admin.session import CsrfChecked, PageOperator, PageViewer
from gateway.entrypoints.admin.web import back, drain, now, render
from gateway.entrypoints.api.deps import RuntimeDep
from gateway.errors import GatewayError, NotFound
from gateway.services import review
from gateway.services.review_queue import DOCUMENT_REASONS, QueueFilter, review_queue

VIEW_LIMIT = 4 * 1024 * 1024  # bytes of a chunked (large) document shown on its page

router = APIRouter()

AGES: dict[str, tuple[float | None, float | None]] = {
    "": (None, None),
    "1h": (None, 1),
    "1d": (1, 24),
    "older": (24, None),
    "week": (24 * 7, None),
}


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    runtime: RuntimeDep,
    user: PageViewer,
    partner: str = "",
    reason: str = "",
    channel: str = "",
    age: str = "",
) -> HTMLResponse:
    low, high = AGES.get(age, (None, None))
    filters = QueueFilter(partner or None, reason or None, channel or None, low, high)
    with runtime.context.uow() as uow:
        queue = review_queue(uow, now(request), filters)
    return render(
        request,
        "queue.html",
        queue=queue,
        filters={"partner": partner, "reason": reason, "channel": channel, "age": age},
        ages=AGES,
        now=now(request),
    )


def order_detail(
    uow: Any, purchase_order_id: int, cache: documents.PageCache | None = None
) -> dict[str, Any]:
    stored = uow.purchase_orders.get(purchase_order_id)
    if stored is None:
        raise NotFound(f"no purchase order {purchase_order_id}")
    so = uow.sales_orders.get_by_purchase_order(purchase_order_id)
    doc = uow.documents.get(stored.document_id)
    if doc is not None and doc.chunked:  # a large document: its first bytes are shown
        doc.raw = uow.documents.read(doc.id, VIEW_LIMIT)
    layout = getattr(stored.document, "extraction", None) is not None  # a change (860) has none
    segments = x12view.cut(doc.raw) if doc is not None and not layout else []
    raw_view = None
    if doc is not None and layout:
        partner = uow.partners.get(stored.partner_id) if stored.partner_id else None
        raw_view = documents.raw_view(
            cache or documents.PageCache(), doc.id, doc.raw, doc.format, [stored.document], partner
        )
    extras = documents.extraction_detail(stored.document)
    lines = []
    line_notes: dict[int, list[str]] = {}
    so_lines = so.order.lines if so is not None else []
    for i, po_line in enumerate(stored.document.lines):
        answer = so_lines[i] if i < len(so_lines) else None
        outcomes = answer.outcomes if answer is not None else []
        held = [o for o in outcomes if o.review]
        line_notes[i] = [o.message for o in held]
        lines.append(
            {
                "po": po_line,
                "answer": answer,
                "outcomes": outcomes,
                "reasons": {o.reason for o in held},
                "ids": ", ".join(f"{p.qualifier} {p.value}" for p in po_line.product_ids),
            }
        )
    x12view.mark_lines(segments, stored.document.source.set_control, line_notes)
    segments = x12view.only_set(segments, stored.document.source.set_control)
    skus = sorted({ln["answer"].sku for ln in lines if ln["answer"] is not None and ln["answer"].sku})
    return {
        "stored": stored,
        "po": stored.document,
        "so": so,
        "doc": doc,
        "segments": segments,
        "raw_view": raw_view,
        **extras,
        "lines": lines,
        "held": so is not None and so.order.status.value == "needs_review",
        "header_outcomes": so.order.outcomes if so is not None else [],
        "decisions": uow.reviews.decisions(purchase_order_id),
        "audit": [*uow.audit.list("purchase_order", purchase_order_id)]
        + ([*uow.audit.list("sales_order", so.id)] if so is not None else []),
        "warehouses": uow.catalog.warehouses(),
        "stock": uow.catalog.stock(skus) if skus else [],
        "items": sorted(uow.catalog.all_items(active_only=True).values(), key=lambda it: it.sku),
    }


@router.get("/orders/{purchase_order_id}", response_class=HTMLResponse)
def order_page(
    request: Request, runtime: RuntimeDep, user: PageViewer, purchase_order_id: int
) -> HTMLResponse:
    with runtime.context.uow() as uow:
        detail = order_detail(uow, purchase_order_id, documents.cache_of(request))
    detail["audit"].sort(key=lambda e: e.at)
    return render(request, "order.html", **detail)


def _act(request: Request, purchase_order_id: int, run: Callable[[], review.Released]) -> Response:
    where = f"/admin/orders/{purchase_order_id}"
    try:
        result = run()
    except GatewayError as exc:
        return back(where, error=exc.message)
    drain(request)
    if result.status == "needs_review":
        return back(where, msg="Saved. The order still waits: " + ", ".join(result.reasons))
    sent = " and its 855 was sent" if result.outbound_id is not None else ""
    return back(where, msg=f"The order is {result.status}{sent}.")


@router.post("/orders/{purchase_order_id}/map-item", dependencies=[CsrfChecked])
def map_item(
    request: Request,
    runtime: RuntimeDep,
    user: PageOperator,
    purchase_order_id: int,
    line: Annotated[str, Form()],
    sku: Annotated[str, Form()],
) -> Response:
    ctx = runtime.context
    return _act(
        request, purchase_order_id, lambda: review.map_item(ctx, purchase_order_id, line, sku, user.name)
    )


@router.post("/orders/{purchase_order_id}/price", dependencies=[CsrfChecked])
def set_price(
    request: Request,
    runtime: RuntimeDep,
    user: PageOperator,
    purchase_order_id: int,
    line: Annotated[str, Form()],
    price: Annotated[str, Form()] = "",
) -> Response:
    ctx = runtime.context
    return _act(
        request, purchase_order_id, lambda: review.set_price(ctx, purchase_order_id, line, price, user.name)
    )


@router.post("/orders/{purchase_order_id}/quantity", dependencies=[CsrfChecked])
def set_quantity(
    request: Request,
    runtime: RuntimeDep,
    user: PageOperator,
    purchase_order_id: int,
    line: Annotated[str, Form()],
    quantity: Annotated[str, Form()],
) -> Response:
    ctx = runtime.context
    return _act(
        request,
        purchase_order_id,
        lambda: review.set_quantity(ctx, purchase_order_id, line, quantity, user.name),
    )


@router.post("/orders/{purchase_order_id}/warehouse", dependencies=[CsrfChecked])
def pick_warehouse(
    request: Request,
    runtime: RuntimeDep,
    user: PageOperator,
    purchase_order_id: int,
    warehouse: Annotated[str, Form()],
) -> Response:
    ctx = runtime.context
    return _act(
        request,
        purchase_order_id,
        lambda: review.pick_warehouse(ctx, purchase_order_id, warehouse, user.name),
    )


@router.post("/orders/{purchase_order_id}/approve", dependencies=[CsrfChecked])
def approve(request: Request, runtime: RuntimeDep, user: PageOperator, purchase_order_id: int) -> Response:
    ctx = runtime.context
    return _act(request, purchase_order_id, lambda: review.approve(ctx, purchase_order_id, user.name))


@router.post("/orders/{purchase_order_id}/recheck", dependencies=[CsrfChecked])
def recheck(request: Request, runtime: RuntimeDep, user: PageOperator, purchase_order_id: int) -> Response:
    """Run the rules again with what is decided so far (after stock arrived, a profile changed)."""
    ctx = runtime.context
    return _act(request, purchase_order_id, lambda: review.release(ctx, purchase_order_id, user.name))


@router.post("/orders/{purchase_order_id}/reject", dependencies=[CsrfChecked])
def reject(request: Request, runtime: RuntimeDep, user: PageOperator, purchase_order_id: int) -> Response:
    ctx = runtime.context
    return _act(request, purchase_order_id, lambda: review.reject(ctx, purchase_order_id, user.name))


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document_page(request: Request, runtime: RuntimeDep, user: PageViewer, document_id: int) -> HTMLResponse:
    with runtime.context.uow() as uow:
        doc = uow.documents.get(document_id)
        if doc is None:
            raise NotFound(f"no inbound document {document_id}")
        if doc.chunked:  # a large document: its first bytes are shown
            doc.raw = uow.documents.read(document_id, VIEW_LIMIT)
        orders = uow.purchase_orders.for_document(document_id)
        outbound = uow.outbound.list(inbound_document_id=document_id)
        partners = uow.partners.list()
        audit = uow.audit.list("document", document_id)
        partner = uow.partners.get(doc.partner_id) if doc.partner_id else None
    diagnostics = [d for d in doc.diagnostics or [] if isinstance(d, dict)]
    layout = doc.format in documents.LAYOUT_FORMATS
    segments = [] if layout else x12view.cut(doc.raw)
    x12view.mark_diagnostics(segments, diagnostics)
    raw_view = (
        documents.raw_view(
            documents.cache_of(request), doc.id, doc.raw, doc.format, [o.document for o in orders], partner
        )
        if layout
        else None
    )
    codes = {d.get("code") for d in diagnostics}
    return render(
        request,
        "document.html",
        doc=doc,
        segments=segments,
        raw_view=raw_view,
        text=None if segments else doc.raw[:20_000].decode("utf-8", "replace"),
        diagnostics=diagnostics,
        orders=orders,
        outbound=outbound,
        partners=partners,
        audit=audit,
        sender=review.isa_sender(doc.raw),
        unknown_sender=doc.status == "needs_review" and "partner.unknown_sender" in codes,
        dismissable=doc.status in DOCUMENT_REASONS,
    )


@router.post("/documents/{document_id}/assign-sender", dependencies=[CsrfChecked])
def assign_sender(
    request: Request,
    runtime: RuntimeDep,
    user: PageOperator,
    document_id: int,
    partner: Annotated[str, Form()],
) -> Response:
    where = f"/admin/documents/{document_id}"
    try:
        review.assign_sender(runtime.context, document_id, partner, user.name)
    except GatewayError as exc:
        return back(where, error=exc.message)
    drain(request)
    return back(where, msg=f"The sender is now {partner}'s; the document was processed again.")


@router.post("/{entity}/{entity_id}/dismiss", dependencies=[CsrfChecked])
def dismiss(
    request: Request,
    runtime: RuntimeDep,
    user: PageOperator,
    entity: str,
    entity_id: int,
    note: Annotated[str, Form()] = "",
) -> Response:
    kinds = {"documents": "document", "outbound": "outbound"}
    if entity not in kinds:
        raise NotFound(f"nothing to dismiss at {entity}")
    try:
        review.dismiss(runtime.context, kinds[entity], entity_id, user.name, note)
    except GatewayError as exc:
        return back("/admin/queue", error=exc.message)
    return back("/admin/queue", msg=f"{kinds[entity].capitalize()} {entity_id} dismissed.")


@router.post("/steps/{failed_id}/retry", dependencies=[CsrfChecked])
def retry_step(request: Request, runtime: RuntimeDep, user: PageOperator, failed_id: int) -> Response:
    """A dead pipeline step sent again (``gateway.services.dead_letters.retry_dead_letter``)."""
    from gateway.services.dead_letters import retry_dead_letter

    try:
        step, args = retry_dead_letter(runtime.context, failed_id, actor=user.name)
    except GatewayError as exc:
        return back("/admin/queue", error=exc.message)
    drain(request)
    return back("/admin/queue", msg=f"Step {step}{tuple(args)} was sent again.")
