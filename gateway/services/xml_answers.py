"""The answer to a cXML or UBL order, in its own format, written with the sales order.

A UBL ``Order`` is answered with a UBL 2.1 ``OrderResponse`` (doc type
``UBL-OR``), a cXML ``OrderRequest`` with a ``ConfirmationRequest`` (doc type
``cXML-CR``), when the partner wants it (``documents.order_response``,
on by default); such an order gets no 855.  ``write_xml_answer`` runs in the
transaction that makes (or releases) the sales order, like ``write_855``: the
answer is stored once per purchase order (its idempotency key), so a replay
makes nothing twice, and it is delivered by the ``deliver`` step on the
partner's channel (the outbox folder on the embedded default) as ``.xml``.  No
X12 control numbers are spent.  An order still waiting for a person is answered
when it is decided (``emit_855`` writes what the partner's format wants).

The cXML HTTP exchange answers the POST itself with a ``Status``; this gateway's
upload (``POST /api/documents``) answers ``202 Accepted`` once the document is
archived, and what became of the order follows as the ConfirmationRequest.
"""

from __future__ import annotations

from gateway.domain.model import PurchaseOrder
from gateway.domain.orders import OrderStatus, SalesOrder
from gateway.domain.partners import PartnerProfile
from gateway.services.ports import Context, UnitOfWork
from outbound.cxml import confirmation_request
from outbound.ubl import order_response

ANSWER_TYPES = {"ubl": "UBL-OR", "cxml": "cXML-CR"}
XML_DOC_TYPES = frozenset(ANSWER_TYPES.values())
SELLER_NAME = "Ordergate"


def answer_type(partner: PartnerProfile | None, po: PurchaseOrder) -> str | None:
    """The doc type answering ``po`` in its own format, or None (not XML, or not wanted)."""
    kind = ANSWER_TYPES.get(po.source.format)
    if kind is None or partner is None or not partner.documents.order_response:
        return None
    return kind


def answered_in_xml(partner: PartnerProfile | None, po: PurchaseOrder) -> bool:
    """Whether an XML order is answered in XML (so no 855): XML format and the partner wants it."""
    return answer_type(partner, po) is not None


def render_answer(
    ctx: Context, partner: PartnerProfile, po: PurchaseOrder, order: SalesOrder, sales_order_id: int
) -> tuple[str, bytes] | None:
    """(doc type, bytes) of the answer, or None when none is due (held for review, not wanted)."""
    kind = answer_type(partner, po)
    if kind is None:
        return None
    now = ctx.clock()
    if kind == "UBL-OR":
        seller = po.party("seller")
        data = order_response(
            po,
            order,
            response_id=f"SO{sales_order_id}",
            issued=now.date(),
            seller_name=(seller.name if seller is not None and seller.name else None) or SELLER_NAME,
        )
        return (kind, data) if data is not None else None
    theirs = (
        (partner.cxml_credentials[0].domain, partner.cxml_credentials[0].identity)
        if partner.cxml_credentials
        else ("NetworkID", po.source.functional_sender or po.source.sender_id or partner.id)
    )
    ours = (po.source.receiver_qualifier or "NetworkID", po.source.receiver_id or ctx.identity.isa_id)
    data = confirmation_request(
        po,
        order,
        payload_id=f"{int(now.timestamp())}.SO{sales_order_id}@{ctx.identity.isa_id.strip().lower()}",
        timestamp=now,
        confirm_id=f"SO{sales_order_id}",
        ours=ours,
        theirs=theirs,
        test=order.status is OrderStatus.TEST or po.source.test,
    )
    return (kind, data) if data is not None else None


def write_xml_answer(
    ctx: Context,
    uow: UnitOfWork,
    partner: PartnerProfile,
    po: PurchaseOrder,
    order: SalesOrder,
    sales_order_id: int,
    purchase_order_id: int,
) -> int | None:
    """Store the answer in ``uow``'s transaction (the caller commits); its outbound id, or None when
    none is due or one is stored for the purchase order already."""
    rendered = render_answer(ctx, partner, po, order, sales_order_id)
    if rendered is None:
        return None
    kind, data = rendered
    return uow.outbound.add_new(partner.id, kind, data, {}, purchase_order_id=purchase_order_id)
