"""Step 4: write the 855 for a sales order, and step 5: deliver outbound documents.

Each is keyed so that running it again makes nothing twice: an 855 is stored
once per purchase order (control numbers are spent only when it is new), and
delivery writes the same file again at most.
"""

from __future__ import annotations

from gateway.domain.orders import OrderStatus
from gateway.errors import GatewayError
from gateway.services.ports import Context
from outbound.x12.documents import envelope_855
from outbound.x12.writer import Party, X12Writer
from parsers.x12.structure import Separators


def emit_855(ctx: Context, sales_order_id: int) -> int | None:
    """Store the 855 answering a sales order; returns the outbound id (None when the partner wants none)."""
    with ctx.uow() as uow:
        stored = uow.sales_orders.get(sales_order_id)
        if stored is None:
            raise GatewayError(f"sales order {sales_order_id} does not exist", code="order.missing")
        po_id = stored.purchase_order_id
        existing = uow.outbound.find("855", purchase_order_id=po_id)
        if existing is not None:
            uow.rollback()
            ctx.dispatcher.send("deliver", existing)
            return int(existing)
        stored_po = uow.purchase_orders.get(po_id)
        partner = uow.partners.get(stored_po.partner_id) if stored_po and stored_po.partner_id else None
        if stored_po is None or partner is None or partner.x12 is None or not partner.documents.po_ack:
            return None
        order = stored.order
        po = stored_po.document
        x12 = partner.x12
        theirs = Party(x12.isa_qualifier, x12.isa_id)
        written = envelope_855(
            X12Writer(uow.control_numbers, clock=ctx.clock),
            order,
            po,
            ours=Party(ctx.identity.isa_qualifier, ctx.identity.isa_id),
            theirs=theirs,
            our_gs=ctx.identity.gs_id,
            their_gs=x12.gs_id,
            version=x12.version,
            today=ctx.clock().date(),
            separators=Separators(
                element=x12.element_separator,
                component=x12.component_separator,
                segment=x12.segment_terminator,
                repetition=x12.repetition_separator,
            ),
            usage="T" if order.status is OrderStatus.TEST or po.source.test else "P",
            exceptions_only=partner.documents.po_ack_detail == "exceptions_only",
            sales_order_number=f"SO{sales_order_id}",
        )
        raced = uow.outbound.find("855", purchase_order_id=po_id)
        if raced is not None:
            # stored by a run of this same step while this one waited for the control-number
            # lock: roll back, which gives the numbers just taken back to the counter
            uow.rollback()
            ctx.dispatcher.send("deliver", raced)
            return int(raced)
        group = written.groups[0]
        out_id = uow.outbound.add(
            partner.id,
            "855",
            written.data,
            {"ISA": written.control, "GS": group.control, "ST": int(group.set_controls[0])},
            purchase_order_id=po_id,
            control_partner=theirs.key,
        )
        uow.audit.record("system", "outbound", out_id, "created", {"type": "855", "po": po.po_number})
        uow.commit()
    ctx.dispatcher.send("deliver", out_id)
    return int(out_id)


def deliver(ctx: Context, outbound_id: int) -> None:
    """Send an outbound document on its partner's channel (the outbox folder on the embedded default)."""
    with ctx.uow() as uow:
        out = uow.outbound.get(outbound_id)
        if out is None:
            raise GatewayError(f"outbound document {outbound_id} does not exist", code="outbound.missing")
        if out.delivery_status == "sent":
            return
        name = f"{out.doc_type.replace('/', '-')}-{out.isa_control or out.id:09d}.x12"
        where = ctx.deliver(out.partner_id, name, out.data)
        uow.outbound.set_delivery(outbound_id, "sent", ctx.clock())
        uow.audit.record("system", "outbound", outbound_id, "delivered", {"to": where})
        uow.commit()
