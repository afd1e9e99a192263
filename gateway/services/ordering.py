"""Per-partner order of documents on a shared queue: a change never overtakes its order.

Workers take documents in parallel, so a partner's 860 could be processed
before the 850 it changes when both wait on the queue.  ``waits_for`` names the
earlier document a document must wait for: one from the same trading partner
received before it and not processed yet, when the document holds a
purchase-order change (an ST*860).  The sender is read from each document's ISA
with that document's own element separator and compared as the partner it
names (ISA05/ISA06 trimmed, through the partner profiles; as the bare id for an
unknown sender), so interchanges written with other separators, or with an ISA
whose ids are not padded to their width, still line up.  Orders (850s) never
wait for anything, so throughput is unchanged for them; an 860 waits only while
an earlier document of its partner is still on the queue.
"""

from gateway.services.ports import UnitOfWork

ISA_HEAD = 128  # bytes read of each document: an ISA, even one with padded or unpadded ids
LOOK_BACK = 1000  # earlier documents still waiting that are looked at


def change_marker(head: bytes) -> bytes | None:
    """What starts an 860 set in an interchange beginning with ``head`` (None when not X12)."""
    if len(head) < 16 or not head.startswith(b"ISA"):
        return None
    sep = head[3:4]
    return b"ST" + sep + b"860" + sep


def isa_sender(head: bytes) -> tuple[str, str] | None:
    """ISA05 and ISA06 (trimmed) of an interchange beginning with ``head``, read with its own
    element separator; None when ``head`` does not start with an ISA that far."""
    if not head.startswith(b"ISA") or len(head) < 4:
        return None
    fields = head.split(head[3:4], 7)
    if len(fields) < 8:
        return None
    return fields[5].decode("latin-1").strip(), fields[6].decode("latin-1").strip()


def waits_for(uow: UnitOfWork, document_id: int) -> int | None:
    """The earliest document this one must wait for (see the module's docstring), or None."""
    head = uow.documents.head(document_id, ISA_HEAD)
    marker = change_marker(head)
    sender = isa_sender(head)
    if marker is None or sender is None or not uow.documents.contains(document_id, marker):
        return None
    known: dict[tuple[str, str], str] = {}

    def partner_of(ids: tuple[str, str]) -> str:
        if ids not in known:
            partner = uow.partners.find_by_x12(*ids)
            known[ids] = partner.id if partner is not None else f"{ids[0]}:{ids[1]}"
        return known[ids]

    mine = partner_of(sender)
    for earlier, earlier_head in uow.documents.waiting_heads(document_id, ISA_HEAD, limit=LOOK_BACK):
        theirs = isa_sender(earlier_head)
        if theirs is not None and partner_of(theirs) == mine:
            return earlier
    return None
