"""A large document's orders shared among workers: confirmation split into ranges of orders.

``process_document`` reads a document once, staging its orders in batches and
releasing them all in its last transaction with the 997 (the 997 per
functional group and the duplicate-interchange rule need the whole interchange
read, and nothing of a group rejected at its trailer may be acted on).
Confirming them — rules, allocation, the 855 — is the larger part of the work,
and it is independent per order.  So on the queue a ``confirm_document`` of a
document with more than ``SPLIT_AT`` orders waiting is turned into
``confirm_range(document_id, first, last)`` work items of ``SHARE`` orders
each, which any worker takes.

Each range confirms the orders of its span still waiting, ``CHUNK_SIZE`` at a
time exactly as ``confirm_document`` does (``gateway.services.confirm``), so a
replayed or swept range makes nothing twice; a sweep that finds orders still
waiting sends ``confirm_document`` again, which splits what is left.
"""

from __future__ import annotations

from gateway.services.confirm import CHUNK_SIZE, answer_made, locked_batch
from gateway.services.ports import Context

SPLIT_AT = 400  # orders waiting in one document before its confirmation is shared out (ORDERGATE_SPLIT_AT)
SHARE = 200  # orders per work item (ORDERGATE_SPLIT_SHARE)


def ranges(ids: list[int], share: int) -> list[tuple[int, int]]:
    """(first id, last id) of consecutive runs of ``share`` ids."""
    return [(ids[i], ids[min(i + share, len(ids)) - 1]) for i in range(0, len(ids), share)]


def split_confirmation(
    ctx: Context, document_id: int, *, split_at: int | None = None, share: int | None = None
) -> int:
    """Queue ``confirm_range`` items for a document with more than ``split_at`` (``SPLIT_AT``) orders
    waiting; how many were queued (0: too few to split, confirm the document as one step)."""
    split_at = SPLIT_AT if split_at is None else split_at
    share = SHARE if share is None else share
    with ctx.uow() as uow:
        ids = uow.purchase_orders.unconfirmed_ids(document_id)
    if len(ids) <= split_at:
        return 0
    spans = ranges(ids, share)
    for first, last in spans:
        ctx.dispatcher.send("confirm_range", document_id, first, last)
    return len(spans)


def confirm_range(ctx: Context, document_id: int, first: int, last: int) -> int:
    """Confirm the document's orders with ``first <= id <= last`` still waiting; how many were made."""
    made = 0
    after = first - 1
    while after < last:
        with ctx.uow() as uow:
            chunk = [
                po
                for po in uow.purchase_orders.unconfirmed(
                    document_id, after=after, limit=CHUNK_SIZE, known=ctx.handover.take
                )
                if po.id <= last
            ]
            if not chunk:
                uow.rollback()
                break
            try:
                result = locked_batch(ctx, uow, chunk, isolate=True)
            except Exception:
                uow.rollback()  # as confirm_document: each order alone, with its own retries
                for stored in chunk:
                    ctx.dispatcher.send("confirm_order", stored.id)
                after = chunk[-1].id
                continue
            uow.commit()
        made += len(result.sales_orders)
        answer_made(ctx, result.made)
        for po_id in result.failed:
            ctx.dispatcher.send("confirm_order", po_id)
        after = chunk[-1].id
        if len(chunk) < CHUNK_SIZE:
            break
    return made
