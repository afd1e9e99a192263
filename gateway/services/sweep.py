"""Resume: queue again the steps a crash (or a lost message) left undone.

Every pipeline step is idempotent and keyed by ids, so the sweep only has to
find work that is not finished and send its step again:

- a document still ``received`` → ``process_document``;
- a document with a purchase order still ``parsed`` and no sales order → ``confirm_document``;
- an answered sales order (confirmed, rejected, test) whose partner wants an 855
  (or, for a cXML or UBL order, an answer in its format) and has none → ``emit_855``;
- a purchase-order change not answered yet (parsed or held) → ``apply_change``;
- outbound documents still ``pending`` → ``deliver`` (a document's together).

Run it when a worker starts and from time to time (``sweep_once``: many workers
starting together sweep once between them); running it while the steps
it sends are still in flight is safe (they find their earlier work and create
nothing twice).  It looks at the ``limit`` most recent documents and at every
pending outbound document.  ``process_document`` uses ``unfinished_steps`` to
resume a document it has already processed (a replayed or resent document).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from gateway.domain.model import PurchaseOrder
from gateway.domain.orders import OrderStatus
from gateway.services.ports import Context, UnitOfWork
from gateway.services.xml_answers import XML_DOC_TYPES, answer_type

# the start-up sweep's row in the poll schedule (partner "*" is no partner's: see ``polling.SHARED``)
SWEEP_LEASE = ("*", "startup-sweep")
PERIODIC_LEASE = ("*", "periodic-sweep")
ANSWERED = (OrderStatus.CONFIRMED.value, OrderStatus.REJECTED.value, OrderStatus.TEST.value)


def unfinished_steps(uow: UnitOfWork, document_id: int) -> list[tuple[str, tuple[int, ...]]]:
    """The steps a processed document still needs: confirmations, 855s and deliveries.

    Found by a few queries whatever the document's size: only the orders that lack an answer
    are read (to see whether their partner wants one, and in which format)."""
    steps: list[tuple[str, tuple[int, ...]]] = []
    answers = ("855", *sorted(XML_DOC_TYPES))
    if uow.purchase_orders.unconfirmed(document_id, limit=1):
        steps.append(("confirm_document", (document_id,)))
    partners: dict[str, Any] = {}
    for so_id, po_id in uow.sales_orders.unanswered(document_id, ANSWERED, answers):
        po = uow.purchase_orders.get(po_id)
        if po is None:
            continue
        if po.partner_id and po.partner_id not in partners:
            partners[po.partner_id] = uow.partners.get(po.partner_id)
        partner = partners.get(po.partner_id) if po.partner_id else None
        if isinstance(po.document, PurchaseOrder) and answer_type(partner, po.document) is not None:
            steps.append(("emit_855", (so_id,)))  # answered in the order's own format
        elif partner is not None and partner.x12 is not None and partner.documents.po_ack:
            steps.append(("emit_855", (so_id,)))
    pending = uow.outbound.pending_for_document(document_id, answers)
    if pending:
        steps.append(("deliver", tuple(pending)))
    return steps


def sweep(ctx: Context, *, limit: int = 1000, settled: timedelta | None = None) -> int:
    """Send again every unfinished step of the ``limit`` latest documents; how many were sent.

    ``settled``: only what has not moved for that long (a document not updated, an outbound
    document not created within it), for a sweep that runs while workers are busy: work that
    is merely waiting its turn on the queue is left alone."""
    sends: list[tuple[str, tuple[int, ...]]] = []
    cutoff = ctx.clock() - settled if settled is not None else None
    with ctx.uow() as uow:
        for doc in sorted(uow.documents.list(limit=limit), key=lambda d: d.id):
            if cutoff is not None and doc.updated_at > cutoff:
                continue
            if doc.status == "received":
                sends.append(("process_document", (doc.id,)))
            else:
                sends.extend(unfinished_steps(uow, doc.id))
        sends.extend(
            ("apply_change", (change_id,)) for change_id in uow.purchase_orders.changes_waiting(limit)
        )
        queued = {out_id for step, ids in sends if step == "deliver" for out_id in ids}
        # older than the window, or not tied to a document
        rest = [
            out.id
            for out in uow.outbound.headers("pending")
            if out.id not in queued and (cutoff is None or out.created_at <= cutoff)
        ]
        if rest:
            sends.append(("deliver", tuple(rest)))
    for step, ids in sends:
        ctx.dispatcher.send(step, *ids)
    return len(sends)


def periodic_window(
    period: timedelta, waiting: int, now: datetime, last_drained: datetime | None
) -> tuple[timedelta | None, datetime | None]:
    """How far back a periodic sweep may look, given the messages ``waiting`` on the queue now:
    (the ``settled`` window, or None for no sweep this time; when the queue was last seen empty).

    A document that has not moved for ``period`` may simply be waiting its turn behind a
    backlog; re-sending it would only queue it twice (and its later steps with it).  What has
    not moved since the queue was last seen empty cannot be waiting on it: so with messages
    waiting, only that older work is swept, and nothing while the queue has not been seen
    empty (the start-up sweep covers what came before)."""
    if waiting <= 0:
        return period, now
    if last_drained is None:
        return None, None
    return max(period, now - last_drained), last_drained


def sweep_once(
    ctx: Context,
    *,
    every: timedelta,
    limit: int = 1000,
    settled: timedelta | None = None,
    lease: tuple[str, str] = SWEEP_LEASE,
) -> int | None:
    """The start-up sweep of a worker among many: sweep unless another swept less than ``every`` ago.

    N workers starting together would otherwise queue every unfinished step N times (harmless,
    the steps being idempotent, but N times the work).  The first takes the lease on the
    ``SWEEP_LEASE`` row of the poll schedule and keeps it for ``every`` after its sweep began, so
    the others find it held and skip; how many steps were sent, None when skipped.  A sweep that
    fails gives the lease back, so the next worker to start tries again.  The periodic sweep of
    running workers (``lease=PERIODIC_LEASE``, with ``settled``) takes turns the same way."""
    partner_id, channel = lease
    holder = uuid.uuid4().hex
    at = ctx.clock()
    with ctx.uow() as uow:
        claimed = uow.polls.claim(partner_id, channel, holder, at, every)
        uow.commit()
    if not claimed:
        return None
    try:
        count = sweep(ctx, limit=limit, settled=settled)
    except BaseException:
        with ctx.uow() as uow:
            uow.polls.release(partner_id, channel, holder, ctx.clock(), 0, "the sweep failed")
            uow.commit()
        raise
    with ctx.uow() as uow:
        uow.polls.ran(partner_id, channel, holder, at, count)
        uow.commit()
    return count


def periodic_round(
    ctx: Context, *, every: timedelta, waiting: int, last_drained: datetime | None
) -> tuple[int | None, datetime | None]:
    """One round of the periodic sweep of running workers, with ``waiting`` messages on the
    queue: (steps sent, None when this round did not sweep; when the queue was last seen
    empty, to pass to the next round).  Within the window ``periodic_window`` allows, under the
    ``PERIODIC_LEASE`` (one worker of all; held a little shorter than the period, so the worker
    that swept may sweep again next time)."""
    settled, last_drained = periodic_window(every, waiting, ctx.clock(), last_drained)
    if settled is None:
        return None, last_drained
    return sweep_once(ctx, every=every * 0.9, settled=settled, lease=PERIODIC_LEASE), last_drained
