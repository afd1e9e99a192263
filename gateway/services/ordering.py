"""Per-partner order of documents on a shared queue: a change never overtakes its order.

Workers take documents in parallel, so a partner's 860 could be processed
before the 850 it changes when both wait on the queue.  ``waits_for`` names the
earlier document a document must wait for: one from the same X12 sender
(ISA05/ISA06) received before it and not processed yet, when the document holds
a purchase-order change (an ST*860).  Orders (850s) never wait for anything, so
throughput is unchanged for them; an 860 waits only while an earlier document
of its sender is still on the queue.
"""

from __future__ import annotations

from gateway.services.ports import UnitOfWork

ISA_LENGTH = 106
SENDER = slice(32, 50)  # ISA05, the separator, ISA06 in the fixed-width ISA segment


def change_marker(head: bytes) -> bytes | None:
    """What starts an 860 set in an interchange beginning with ``head`` (None when not X12)."""
    if len(head) < ISA_LENGTH - 1 or not head.startswith(b"ISA"):
        return None
    sep = head[3:4]
    return b"ST" + sep + b"860" + sep


def waits_for(uow: UnitOfWork, document_id: int) -> int | None:
    """The earliest document this one must wait for (see the module's docstring), or None."""
    head = uow.documents.head(document_id, ISA_LENGTH)
    marker = change_marker(head)
    if marker is None or not uow.documents.contains(document_id, marker):
        return None
    return uow.documents.earlier_unprocessed(document_id, head[SENDER])
