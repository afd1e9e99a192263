"""Invoices: the domain invoice as JSON, with its number, total and the 810 that carried it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, Row, select, update

from gateway.adapters.db._sql import now
from gateway.adapters.db.tables import invoices
from gateway.domain.invoicing import Invoice


@cache
def _adapter() -> TypeAdapter[Invoice]:
    return TypeAdapter(Invoice)


@dataclass(slots=True)
class StoredInvoice:
    id: int
    sales_order_id: int
    invoice: Invoice
    outbound_document_id: int | None
    created_at: datetime


def _stored(row: Row[Any]) -> StoredInvoice:
    return StoredInvoice(
        id=row.id,
        sales_order_id=row.sales_order_id,
        invoice=_adapter().validate_python(row.document),
        outbound_document_id=row.outbound_document_id,
        created_at=row.created_at,
    )


class InvoiceRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, invoice: Invoice, sales_order_id: int) -> int:
        stmt = (
            invoices.insert()
            .values(
                invoice_number=invoice.number,
                sales_order_id=sales_order_id,
                partner_id=invoice.partner_id,
                po_number=invoice.po_number,
                invoice_date=invoice.invoice_date,
                total=invoice.total,
                document=_adapter().dump_python(invoice, mode="json"),
                created_at=now(),
            )
            .returning(invoices.c.id)
        )
        return int(self._c.execute(stmt).scalar_one())

    def set_outbound(self, invoice_id: int, outbound_id: int) -> None:
        self._c.execute(
            update(invoices).where(invoices.c.id == invoice_id).values(outbound_document_id=outbound_id)
        )

    def get(self, invoice_id: int) -> StoredInvoice | None:
        found = self._load(select(invoices).where(invoices.c.id == invoice_id))
        return found[0] if found else None

    def find(self, invoice_number: str) -> StoredInvoice | None:
        found = self._load(select(invoices).where(invoices.c.invoice_number == invoice_number))
        return found[0] if found else None

    def list(self, partner_id: str | None = None, sales_order_id: int | None = None) -> list[StoredInvoice]:
        stmt = select(invoices)
        if partner_id is not None:
            stmt = stmt.where(invoices.c.partner_id == partner_id)
        if sales_order_id is not None:
            stmt = stmt.where(invoices.c.sales_order_id == sales_order_id)
        return self._load(stmt)

    def _load(self, stmt: Any) -> list[StoredInvoice]:
        return [_stored(r) for r in self._c.execute(stmt.order_by(invoices.c.id))]
