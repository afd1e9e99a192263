"""Plain-text tables for the command line."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.services.reports import DocumentView, OrderView


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(out)


def _line_outcomes(order: OrderView) -> str:
    if order.status == "needs_review":
        return "held: " + " ".join(
            f"{ln.line_number or '?'}:{'?' if ln.reasons else 'ok'}" for ln in order.lines
        )
    parts = []
    for ln in order.lines:
        text = f"{ln.line_number or '?'}:{ln.status}"
        if ln.backordered not in ("", "0"):
            text += f"(bo {ln.backordered})"
        elif ln.cancelled not in ("", "0") and ln.status != "IR":
            text += f"(cx {ln.cancelled})"
        parts.append(text)
    return " ".join(parts)


def render_documents(views: Sequence[DocumentView]) -> str:
    rows: list[list[str]] = []
    notes: list[str] = []
    for doc in views:
        written = ", ".join(doc.outbound)
        if not doc.orders:
            rows.append(
                [
                    doc.filename or str(doc.document_id),
                    doc.partner_id or "?",
                    "-",
                    "-",
                    doc.status,
                    "",
                    written,
                ]
            )
        for order in doc.orders:
            status = order.status + (" (test)" if order.test and order.status != "test" else "")
            out = ", ".join(x for x in (written, ", ".join(order.outbound)) if x)
            rows.append(
                [
                    doc.filename or str(doc.document_id),
                    order.partner_id or "?",
                    order.po_number,
                    str(len(order.lines)),
                    status,
                    _line_outcomes(order),
                    out,
                ]
            )
            written = ""
            notes += [f"{order.po_number}: {r}" for r in order.review_reasons]
        notes += [f"{doc.filename}: {p}" for p in doc.problems[:3]]
    text = table(["document", "partner", "PO", "lines", "status", "line outcomes", "written"], rows)
    if notes:
        text += "\n\nNeeds a person:\n" + "\n".join(f"  - {n}" for n in notes)
    return text


def render_orders(orders: Sequence[OrderView]) -> str:
    rows = [
        [
            o.partner_id or "?",
            o.po_number,
            o.status,
            o.ack_type or "",
            str(len(o.lines)),
            _line_outcomes(o),
            ", ".join(o.outbound),
        ]
        for o in orders
    ]
    return table(["partner", "PO", "status", "BAK02", "lines", "line outcomes", "outbound"], rows)


def render_order(order: OrderView) -> str:
    head = (
        f"PO {order.po_number}  partner {order.partner_id}  status {order.status}  "
        f"BAK02 {order.ack_type or '-'}" + ("  (test)" if order.test else "")
    )
    rows = [
        [
            ln.line_number or "",
            ln.sku or "?",
            f"{ln.ordered} {ln.unit or ''}".strip(),
            ln.confirmed,
            ln.backordered,
            ln.cancelled,
            ln.status,
            ", ".join(ln.reasons),
        ]
        for ln in order.lines
    ]
    text = (
        head
        + "\n"
        + table(["line", "sku", "ordered", "confirmed", "backordered", "cancelled", "ACK", "why"], rows)
    )
    if order.review_reasons:
        text += "\nNeeds a person:\n" + "\n".join(f"  - {r}" for r in order.review_reasons)
    if order.outbound:
        text += "\nOutbound: " + ", ".join(order.outbound)
    return text
