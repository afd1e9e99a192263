"""Business documents, enveloped: one call from a sales order to the bytes we send.

``envelope_855`` writes one interchange holding one PR functional group holding
one 855 (``outbound.x12.po_ack.build_855``).  Control numbers come from the
writer's allocator, keyed by the partner (``theirs``).
"""

from __future__ import annotations

from datetime import date

from gateway.domain.model import PurchaseOrder
from gateway.domain.orders import SalesOrder
from outbound.x12.po_ack import build_855
from outbound.x12.segments_common import one_set_interchange, require_st03_version
from outbound.x12.writer import DEFAULT_SEPARATORS, Party, WrittenInterchange, X12Writer
from parsers.x12.structure import Separators

PO_ACK_GROUP = "PR"  # GS01 479 for the 855


def envelope_855(
    writer: X12Writer,
    order: SalesOrder,
    po: PurchaseOrder,
    *,
    ours: Party,
    theirs: Party,
    our_gs: str,
    their_gs: str,
    version: str,
    today: date,
    separators: Separators = DEFAULT_SEPARATORS,
    usage: str = "P",
    exceptions_only: bool = False,
    sales_order_number: str | None = None,
    header_echo: bool = True,
    implementation_ref: str | None = None,
    ack_requested: bool = False,
    purpose: str = "00",
) -> WrittenInterchange:
    """The 855 answering ``po`` as one interchange from ``ours`` to ``theirs``.

    ``version`` is GS08 (``004010``, ``005010``...); ISA12 follows from it.
    ``implementation_ref`` is ST03, which only 005010 and later have: it is
    refused for an earlier version rather than written where it is not defined.
    """
    require_st03_version(version, implementation_ref)
    content = build_855(
        order,
        po,
        today=today,
        exceptions_only=exceptions_only,
        implementation_ref=implementation_ref,
        sales_order_number=sales_order_number,
        header_echo=header_echo,
        purpose=purpose,
    )
    return one_set_interchange(
        writer,
        PO_ACK_GROUP,
        content,
        ours=ours,
        theirs=theirs,
        our_gs=our_gs,
        their_gs=their_gs,
        version=version,
        separators=separators,
        usage=usage,
        ack_requested=ack_requested,
    )
