"""Resume: queue again the steps a crash (or a lost message) left undone.

Every pipeline step is idempotent and keyed by ids, so the sweep only has to
find work that is not finished and send its step again:

- a document still ``received`` → ``process_document``;
- a purchase order still ``parsed`` with no sales order → ``confirm_order``;
- an answered sales order (confirmed, rejected, test) whose partner wants an 855
  and has none → ``emit_855``;
- an outbound document still ``pending`` → ``deliver``.

Run it when a worker starts and from time to time; running it while the steps
it sends are still in flight is safe (they find their earlier work and create
nothing twice).  It looks at the ``limit`` most recent documents and at every
pending outbound document.  ``process_document`` uses ``unfinished_steps`` to
resume a document it has already processed (a replayed or resent document).
"""

from __future__ import annotations

from gateway.domain.orders import OrderStatus
from gateway.services.ports import Context, UnitOfWork

ANSWERED = (OrderStatus.CONFIRMED.value, OrderStatus.REJECTED.value, OrderStatus.TEST.value)


def unfinished_steps(uow: UnitOfWork, document_id: int) -> list[tuple[str, int]]:
    """The steps a processed document still needs: confirmations, 855s and deliveries."""
    steps: list[tuple[str, int]] = []
    pending = uow.outbound.list(inbound_document_id=document_id, delivery_status="pending")
    for po in uow.purchase_orders.for_document(document_id):
        if po.kind != "order":
            continue
        so = uow.sales_orders.get_by_purchase_order(po.id)
        if so is None:
            if po.status == "parsed":
                steps.append(("confirm_order", po.id))
            continue
        answers = uow.outbound.list(purchase_order_id=po.id, doc_type="855")
        pending.extend(o for o in answers if o.delivery_status == "pending")
        if answers or so.order.status.value not in ANSWERED:
            continue
        partner = uow.partners.get(po.partner_id) if po.partner_id else None
        if partner is not None and partner.x12 is not None and partner.documents.po_ack:
            steps.append(("emit_855", so.id))
    steps.extend(("deliver", o.id) for o in sorted(pending, key=lambda o: o.id))
    return steps


def sweep(ctx: Context, *, limit: int = 1000) -> int:
    """Send again every unfinished step of the ``limit`` latest documents; how many were sent."""
    sends: list[tuple[str, int]] = []
    with ctx.uow() as uow:
        for doc in sorted(uow.documents.list(limit=limit), key=lambda d: d.id):
            if doc.status == "received":
                sends.append(("process_document", doc.id))
            else:
                sends.extend(unfinished_steps(uow, doc.id))
        queued = {("deliver", out_id) for step, out_id in sends if step == "deliver"}
        for out in uow.outbound.list(delivery_status="pending"):
            if ("deliver", out.id) not in queued:
                sends.append(("deliver", out.id))  # older than the window, or not tied to a document
    for step, id_ in sends:
        ctx.dispatcher.send(step, id_)
    return len(sends)
