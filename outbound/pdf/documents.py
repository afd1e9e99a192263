"""PDFs with fpdf2: a pick list, an invoice, GS1-128 carton labels (one 4 x 6 in label a page)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from fpdf import FPDF

from gateway.domain.invoicing import Invoice
from gateway.domain.shipping import PickLine
from gateway.domain.sscc import human_readable
from outbound.pdf.code128 import QUIET_ZONE, gs1_128_values, modules


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _text(value: str) -> str:
    """Core fonts are Latin-1: anything else is replaced rather than refused."""
    return value.encode("latin-1", "replace").decode("latin-1")


def _out(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


def pick_list_pdf(lines: Sequence[PickLine], *, title: str = "Pick list") -> bytes:
    pdf = FPDF(orientation="P", unit="mm", format="Letter")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _text(title), new_x="LMARGIN", new_y="NEXT")
    widths = (18, 22, 30, 70, 18, 28, 10)
    heads = ("Whse", "Bin", "SKU", "Description", "Qty", "PO", "Line")
    warehouse = None
    for line in lines:
        if line.warehouse != warehouse:
            warehouse = line.warehouse
            pdf.ln(2)
            pdf.set_font("Helvetica", "B", 9)
            for w, h in zip(widths, heads, strict=True):
                pdf.cell(w, 6, h, border="B")
            pdf.ln()
            pdf.set_font("Helvetica", "", 9)
        cells = (
            line.warehouse,
            line.bin or "",
            line.sku,
            line.description[:40],
            f"{_num(line.quantity)} {line.base_unit}",
            line.po_number,
            line.line_number or "",
        )
        for w, c in zip(widths, cells, strict=True):
            pdf.cell(w, 6, _text(c))
        pdf.ln()
    if not lines:
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(0, 8, "Nothing to pick.")
    return _out(pdf)


def invoice_pdf(invoice: Invoice, *, seller: str, bill_to: str | None = None) -> bytes:
    pdf = FPDF(orientation="P", unit="mm", format="Letter")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, _text(f"{seller} - Invoice {invoice.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for label, value in (
        ("Invoice date", invoice.invoice_date.isoformat()),
        ("Bill to", bill_to or invoice.partner_id),
        ("Purchase order", invoice.po_number),
        ("Shipments", ", ".join(invoice.shipment_ids)),
        ("Terms", invoice.terms.text + f", due {invoice.terms.due(invoice.invoice_date).isoformat()}"),
    ):
        pdf.cell(35, 6, label)
        pdf.cell(0, 6, _text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    widths = (12, 32, 70, 20, 26, 30)
    pdf.set_font("Helvetica", "B", 9)
    for w, h in zip(widths, ("Line", "SKU", "Description", "Qty", "Price", "Amount"), strict=True):
        pdf.cell(w, 6, h, border="B")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for ln in invoice.lines:
        cells = (
            ln.line_number,
            ln.sku,
            (ln.description or "")[:42],
            f"{_num(ln.quantity)} {ln.unit}",
            _num(ln.unit_price),
            _money(ln.amount),
        )
        for w, c in zip(widths, cells, strict=True):
            pdf.cell(w, 6, _text(c), align="R" if w in (20, 26, 30) else "L")
        pdf.ln()
    pdf.ln(2)
    rows = [("Lines", invoice.lines_total)]
    rows += [(c.description or c.code, c.signed) for c in invoice.charges]
    if invoice.tax:
        rows.append((f"Tax {_num(invoice.tax_percent)}%", invoice.tax))
    rows.append(("Total " + invoice.currency, invoice.total))
    if invoice.discount:
        rows.append((f"Pay by {invoice.terms.discount_due(invoice.invoice_date)}", invoice.due_if_discounted))
    for label, amount in rows:
        pdf.set_font("Helvetica", "B" if label.startswith("Total") else "", 10)
        pdf.cell(150, 6, _text(label), align="R")
        pdf.cell(40, 6, _money(amount), align="R", new_x="LMARGIN", new_y="NEXT")
    return _out(pdf)


@dataclass(frozen=True, slots=True)
class Label:
    sscc: str
    ship_from: str
    ship_to: str
    po_number: str
    carrier: str = ""
    bill_of_lading: str = ""
    carton: str = ""  # "1 of 3"
    contents: str = ""


def carton_labels_pdf(labels: Sequence[Label]) -> bytes:
    """One 4 x 6 in page per carton: addresses, PO, carrier, and the SSCC as a GS1-128 bar code."""
    pdf = FPDF(orientation="P", unit="in", format=(4, 6))
    pdf.set_auto_page_break(auto=False)
    for label in labels:
        pdf.add_page()
        pdf.set_font("Helvetica", "", 8)
        pdf.set_xy(0.15, 0.15)
        pdf.multi_cell(1.8, 0.14, _text("FROM:\n" + label.ship_from))
        pdf.set_xy(2.0, 0.15)
        pdf.multi_cell(1.85, 0.14, _text("TO:\n" + label.ship_to))
        pdf.line(0.1, 1.2, 3.9, 1.2)
        pdf.set_xy(0.15, 1.3)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(3.7, 0.25, _text(f"PO {label.po_number}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        pdf.set_x(0.15)
        pdf.cell(
            3.7,
            0.2,
            _text(f"Carrier {label.carrier}  BOL {label.bill_of_lading}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_x(0.15)
        pdf.cell(3.7, 0.2, _text(f"Carton {label.carton}  {label.contents}"))
        pdf.line(0.1, 2.1, 3.9, 2.1)
        pdf.set_xy(0.15, 2.2)
        pdf.set_font("Helvetica", "", 8)
        pdf.cell(3.7, 0.2, "SSCC")
        widths = modules(gs1_128_values("00" + label.sscc))
        total = sum(widths) + 2 * QUIET_ZONE
        module = 3.7 / total
        x = 0.15 + QUIET_ZONE * module
        for i, w in enumerate(widths):
            if i % 2 == 0:
                pdf.rect(x, 2.5, w * module, 1.2, style="F")
            x += w * module
        pdf.set_xy(0.15, 3.8)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(3.7, 0.3, human_readable(label.sscc), align="C")
    return _out(pdf)
