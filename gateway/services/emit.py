"""The 855 for a sales order (``write_855``, and step ``emit_855``), and step 5: deliver outbound documents.

Each is keyed so that running it again makes nothing twice: an 855 is stored
once per purchase order (control numbers are spent only when it is new), and
delivery writes the same file again at most.  ``confirm_document`` and
``confirm_order`` write the 855 in the transaction that makes the sales order;
``emit_855`` is for a sales order answered without one (released from review,
or stored before the two went together); for a cXML or UBL order it stores the
answer in that format (``gateway.services.xml_answers``) instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.domain.model import PurchaseOrder
from gateway.domain.orders import OrderStatus, SalesOrder
from gateway.domain.partners import PartnerProfile
from gateway.errors import ChannelError, GatewayError
from gateway.services.ports import Context, UnitOfWork
from gateway.services.x12_route import x12_route
from gateway.services.xml_answers import XML_DOC_TYPES, answer_type, write_xml_answer
from outbound.x12.documents import envelope_855
from outbound.x12.writer import Party, X12Writer

ANSWERED = (OrderStatus.CONFIRMED, OrderStatus.REJECTED, OrderStatus.TEST)


def write_855(
    ctx: Context,
    uow: UnitOfWork,
    block: Any,
    partner: PartnerProfile,
    po: PurchaseOrder,
    order: SalesOrder,
    sales_order_id: int,
    purchase_order_id: int,
) -> int | None:
    """Write and store the 855 answering ``order`` with numbers from ``block`` (a
    ``ControlNumberBlock`` whose ``flush`` the caller runs before committing); the outbound
    id, or None when one is stored for the purchase order already (nothing spent then)."""
    route = x12_route(ctx, partner)
    assert route is not None
    mark = block.mark()
    written = envelope_855(
        X12Writer(block, clock=ctx.clock),
        order,
        po,
        today=ctx.clock().date(),
        **route.envelope_args(test=order.status is OrderStatus.TEST or po.source.test),
        exceptions_only=partner.documents.po_ack_detail == "exceptions_only",
        sales_order_number=f"SO{sales_order_id}",
    )
    group = written.groups[0]
    out_id = uow.outbound.add_new(
        partner.id,
        "855",
        written.data,
        {"ISA": written.control, "GS": group.control, "ST": int(group.set_controls[0])},
        purchase_order_id=purchase_order_id,
    )
    if out_id is None:
        block.reset(mark)  # stored by another run: give the numbers back
        return None
    block.link(out_id)
    return out_id


def emit_855(ctx: Context, sales_order_id: int) -> int | None:
    """Store the 855 answering a sales order; returns the outbound id (None when the partner wants none)."""
    with ctx.uow() as uow:
        stored = uow.sales_orders.get(sales_order_id)
        if stored is None:
            raise GatewayError(f"sales order {sales_order_id} does not exist", code="order.missing")
        po_id = stored.purchase_order_id
        existing = uow.outbound.find("855", purchase_order_id=po_id)
        for kind in XML_DOC_TYPES:
            existing = existing or uow.outbound.find(kind, purchase_order_id=po_id)
        if existing is not None:
            uow.rollback()
            ctx.dispatcher.send("deliver", existing)
            return int(existing)
        if stored.order.status not in ANSWERED:
            return None  # not answered yet (held for review)
        stored_po = uow.purchase_orders.get(po_id)
        partner = uow.partners.get(stored_po.partner_id) if stored_po and stored_po.partner_id else None
        if stored_po is not None and partner is not None and isinstance(stored_po.document, PurchaseOrder):
            po = stored_po.document
            if answer_type(partner, po) is not None:
                return _emit_xml_answer(ctx, uow, partner, po, stored.order, sales_order_id, po_id)
        if stored_po is None or partner is None or partner.x12 is None or not partner.documents.po_ack:
            return None
        po = stored_po.document
        assert isinstance(po, PurchaseOrder)
        block = uow.control_numbers.block()
        # waits here for the counters while a run of this same step holds them
        block.reserve(Party(partner.x12.isa_qualifier, partner.x12.isa_id).key)
        raced = uow.outbound.find("855", purchase_order_id=po_id)
        if raced is not None:
            # stored by a run of this same step while this one waited for the control-number
            # lock: spend nothing
            uow.rollback()
            ctx.dispatcher.send("deliver", raced)
            return int(raced)
        out_id = write_855(ctx, uow, block, partner, po, stored.order, sales_order_id, po_id)
        if out_id is None:  # pragma: no cover - the lock above keeps a second writer out
            uow.rollback()
            raced = uow.outbound.find("855", purchase_order_id=po_id)
            if raced is not None:
                ctx.dispatcher.send("deliver", raced)
            return raced
        block.flush()
        uow.audit.record("system", "outbound", out_id, "created", {"type": "855", "po": po.po_number})
        uow.commit()
    ctx.dispatcher.send("deliver", out_id)
    return int(out_id)


def _emit_xml_answer(
    ctx: Context,
    uow: UnitOfWork,
    partner: PartnerProfile,
    po: PurchaseOrder,
    order: SalesOrder,
    sales_order_id: int,
    purchase_order_id: int,
) -> int | None:
    """``emit_855`` for an order answered in XML: store its answer (in ``uow``), commit, deliver."""
    out_id = write_xml_answer(ctx, uow, partner, po, order, sales_order_id, purchase_order_id)
    if out_id is None:
        uow.rollback()
        return None
    kind = answer_type(partner, po)
    uow.audit.record("system", "outbound", out_id, "created", {"type": kind, "po": po.po_number})
    uow.commit()
    ctx.dispatcher.send("deliver", out_id)
    return int(out_id)


def file_name(out: Any) -> str:
    """The name an outbound document travels under: its type and interchange control number
    (its id for an XML answer, which ends in ``.xml``)."""
    if out.doc_type in XML_DOC_TYPES:
        return f"{out.doc_type}-{out.id:09d}.xml"
    return f"{out.doc_type.replace('/', '-')}-{out.isa_control or out.id:09d}.x12"


def deliver(ctx: Context, *outbound_ids: int) -> None:
    """Send outbound documents on their partner's channel (the outbox folder on the embedded
    default), then record them as sent.  Running it again sends a document again at most.

    A transport failure is recorded on the document (attempts, last error) and its next
    attempt scheduled with back-off (``ctx.retry``); once the attempts are spent, or when the
    failure is one that waiting cannot mend (a configuration problem, a refused login), the
    document is marked failed for a person to resend.  Documents already sent, marked failed,
    or not due yet are left alone."""
    if ctx.delivery is not None:
        _deliver_on_channels(ctx, outbound_ids)
        return
    with ctx.uow() as uow:
        found = uow.outbound.get_many(outbound_ids)
        missing = set(outbound_ids) - {o.id for o in found}
        now = ctx.clock()
        pending = [o for o in found if _due(o, now)]
        files = [(out.partner_id, file_name(out), out.data) for out in pending]
        try:
            if ctx.deliver_many is not None and len(files) > 1:
                places = ctx.deliver_many(files)
            else:
                places = [ctx.deliver(*f) for f in files]
        except OSError as exc:
            for out in pending:
                _record_failure(ctx, uow, out, "outbox", ChannelError(f"the outbox cannot be written: {exc}"))
            uow.commit()
            places = []
            pending = []
        audit = [
            ("system", "outbound", out.id, "delivered", {"to": where})
            for out, where in zip(pending, places, strict=True)
        ]
        if pending:
            uow.outbound.set_sent([o.id for o in pending], ctx.clock(), channel="outbox")
            uow.audit.record_many(audit)
            uow.commit()
        if missing:
            raise GatewayError(f"outbound document {min(missing)} does not exist", code="outbound.missing")


def _due(out: Any, now: datetime) -> bool:
    if out.delivery_status != "pending":
        return False
    return out.next_attempt_at is None or out.next_attempt_at <= now


def _deliver_on_channels(ctx: Context, outbound_ids: tuple[int, ...]) -> None:
    delivery = ctx.delivery
    assert delivery is not None
    # read, then send with no transaction open (a slow peer holds no lock), then record
    with ctx.uow() as uow:
        found = uow.outbound.get_many(outbound_ids)
        now = ctx.clock()
        pending = [o for o in found if _due(o, now)]
        partners: dict[str, PartnerProfile | None] = {}
        replies: dict[int, str] = {}
        for out in pending:
            if out.partner_id not in partners:
                partners[out.partner_id] = uow.partners.get(out.partner_id)
            reply = _mail_reply(uow, partners[out.partner_id], out)
            if reply is not None:
                replies[out.id] = reply
    missing = set(outbound_ids) - {o.id for o in found}
    results: list[tuple[Any, str, str | None, GatewayError | None]] = []
    for out in pending:
        partner = partners[out.partner_id]
        reply = replies.get(out.id)
        channel = "email" if reply is not None else delivery.channel_for(partner)
        try:
            where = delivery.send(
                channel, partner, out.partner_id, file_name(out), out.data, in_reply_to=reply
            )
            results.append((out, channel, where, None))
        except GatewayError as exc:
            results.append((out, channel, None, exc))
        except OSError as exc:  # a sender that let a socket error through
            results.append((out, channel, None, ChannelError(str(exc) or type(exc).__name__)))
    if results:
        with ctx.uow() as uow:
            for out, channel, where, error in results:
                if error is None:
                    uow.outbound.set_sent([out.id], ctx.clock(), channel=channel)
                    uow.audit.record(
                        "system", "outbound", out.id, "delivered", {"to": where, "channel": channel}
                    )
                else:
                    _record_failure(ctx, uow, out, channel, error)
            uow.commit()
    if missing:
        raise GatewayError(f"outbound document {min(missing)} does not exist", code="outbound.missing")


def _mail_reply(uow: UnitOfWork, partner: PartnerProfile | None, out: Any) -> str | None:
    """The Message-ID to answer when ``out`` acknowledges a document that came by mail from a
    partner who wants its confirmations by mail (``email.confirm_receipt``); else None."""
    email = partner.channels.email if partner is not None else None
    if email is None or not email.confirm_receipt or out.inbound_document_id is None:
        return None
    inbound = uow.documents.get(out.inbound_document_id)
    if inbound is None or inbound.channel != "email" or not inbound.message_id:
        return None
    return str(inbound.message_id).rsplit("#", 1)[0]


def _record_failure(ctx: Context, uow: UnitOfWork, out: Any, channel: str, error: GatewayError) -> None:
    attempts = out.attempts + 1
    retryable = isinstance(error, ChannelError) and error.retryable
    retry_at = None
    if retryable and not ctx.retry.exhausted(attempts):
        retry_at = ctx.clock() + ctx.retry.delay(attempts)
    uow.outbound.record_failure(out.id, channel, f"{error.code}: {error.message}", retry_at=retry_at)
    uow.audit.record(
        "system",
        "outbound",
        out.id,
        "delivery_retry" if retry_at is not None else "delivery_failed",
        {
            "channel": channel,
            "attempts": attempts,
            "error": error.message,
            "retry_at": retry_at.isoformat() if retry_at else None,
        },
    )
