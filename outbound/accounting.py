"""Invoices as CSV for an accounting package: one row per invoice line, the totals on each row.

Columns (the common "sales invoice import" shape: QuickBooks, Xero, Sage all
map a file like it): InvoiceNumber, InvoiceDate, DueDate, Customer, PONumber,
Terms, Currency, Line, SKU, Description, Quantity, Unit, UnitPrice, LineAmount,
Charges, Tax, InvoiceTotal.  Amounts to the cent with a point, no thousands
separator; dates ISO 8601.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from gateway.domain.invoicing import Invoice

COLUMNS = (
    "InvoiceNumber",
    "InvoiceDate",
    "DueDate",
    "Customer",
    "PONumber",
    "Terms",
    "Currency",
    "Line",
    "SKU",
    "Description",
    "Quantity",
    "Unit",
    "UnitPrice",
    "LineAmount",
    "Charges",
    "Tax",
    "InvoiceTotal",
)


def invoices_csv(invoices: Iterable[Invoice]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for inv in invoices:
        for ln in inv.lines:
            writer.writerow(
                (
                    inv.number,
                    inv.invoice_date.isoformat(),
                    inv.terms.due(inv.invoice_date).isoformat(),
                    inv.partner_id,
                    inv.po_number,
                    inv.terms.text,
                    inv.currency,
                    ln.line_number,
                    ln.sku,
                    ln.description or "",
                    format(ln.quantity.normalize(), "f"),
                    ln.unit,
                    format(ln.unit_price.normalize(), "f"),
                    f"{ln.amount:.2f}",
                    f"{inv.charges_total:.2f}",
                    f"{inv.tax:.2f}",
                    f"{inv.total:.2f}",
                )
            )
    return out.getvalue()
