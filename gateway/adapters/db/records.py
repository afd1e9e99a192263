"""What the repositories hand back besides the domain classes: stored rows with their ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from gateway.domain.model import PurchaseOrder, PurchaseOrderChange
from gateway.domain.orders import SalesOrder


@dataclass(slots=True)
class DocumentSummary:
    """An archived document without its bytes: what lists, the dashboard and the sweep need."""

    id: int
    received_at: datetime
    channel: str
    partner_id: str | None
    filename: str | None
    content_hash: str
    size: int
    format: str | None
    status: str
    diagnostics: Any
    message_id: str | None
    updated_at: datetime
    chunked: bool = False  # archived in ``document_chunks``, ``size`` bytes in all


@dataclass(slots=True)
class StoredDocument(DocumentSummary):
    """An archived document with its bytes."""

    # the whole document; b"" when ``chunked`` (read it with ``documents.open``/``read``)
    raw: bytes = field(kw_only=True)


@dataclass(slots=True)
class StoredPurchaseOrder:
    id: int
    partner_id: str | None
    po_number: str
    document_id: int
    kind: str  # "order" or "change"
    set_control: str | None
    po_date: date | None
    purpose: str
    is_test: bool
    status: str
    created_at: datetime
    document: PurchaseOrder | PurchaseOrderChange


@dataclass(slots=True)
class StoredSalesOrder:
    id: int
    purchase_order_id: int
    created_at: datetime
    updated_at: datetime
    order: SalesOrder


@dataclass(slots=True)
class StoredOutbound:
    id: int
    partner_id: str
    doc_type: str
    purchase_order_id: int | None
    inbound_document_id: int | None
    idempotency_key: str  # doc_type|inbound id|PO id|discriminator
    isa_control: int | None
    gs_control: int | None
    st_control: int | None
    data: bytes
    created_at: datetime
    delivery_status: str
    delivered_at: datetime | None
    ack_status: str | None
    channel: str | None = None  # the channel it was (last) sent or tried on
    attempts: int = 0  # failed delivery attempts since it was stored (or resent)
    last_error: str | None = None
    next_attempt_at: datetime | None = None


@dataclass(slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    entity: str
    entity_id: str
    action: str
    detail: Any


@dataclass(slots=True)
class StoredAcknowledgement:
    """One item of a partner's 997/999/TA1: a set, a group or an interchange it answered."""

    id: int
    document_id: int
    position: int
    partner_id: str | None
    kind: str  # 997 999 TA1
    interchange_control: str | None
    acknowledged_interchange: str | None
    functional_id: str | None
    group_control: str | None
    set_id: str | None
    set_control: str | None
    status: str
    code: str | None
    errors: Any
    outbound_document_id: int | None  # None: it names nothing we sent
    received_at: datetime


@dataclass(slots=True)
class FailedStep:
    """A pipeline step on the dead-letter list."""

    id: int
    message_id: str
    step: str
    args: tuple[int, ...]
    error: str
    error_type: str
    attempts: int
    document_id: int | None
    status: str  # "dead" or "retried"
    failed_at: datetime
    retried_at: datetime | None
