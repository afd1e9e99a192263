"""Step 2 for orders that are not X12: PDF, CSV, XLSX, cXML and UBL.

Called by ``process_document`` inside its transaction.  The sender is the
partner the channel named when it received the document (the API token's
partner, the folder of the partner, the e-mail sender matched by
``partner_for_email``, ``ordergate ingest --partner``); there is no sender id
inside a PDF.  The partner's PDF templates and column map are tried first.
Every order read is stored (with its extraction: confidence, review reasons,
where each field came from) and confirmed like an 850; the ``document`` rule
holds it for review when its checks say so.  A document that cannot be read
at all (encrypted, broken, oversized, no table) is kept archived and marked
``rejected`` with the reason; one with no partner is held ``needs_review``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gateway.domain.model import PurchaseOrder
from gateway.domain.partners import PartnerProfile
from gateway.errors import DuplicatePurchaseOrder, InputError
from gateway.services.ports import UnitOfWork
from parsers.documents import read_document


def partner_for_email(partners: Iterable[PartnerProfile], address: str) -> PartnerProfile | None:
    """The partner an e-mail sender belongs to: its exact address, else its ``@domain`` entry."""
    address = address.strip().lower()
    if "<" in address and address.endswith(">"):
        address = address[address.rindex("<") + 1 : -1]
    domain = "@" + address.rsplit("@", 1)[-1] if "@" in address else None
    by_domain = None
    for partner in partners:
        if address in partner.email_senders:
            return partner
        if domain is not None and domain in partner.email_senders:
            by_domain = by_domain or partner
    return by_domain


def _note(code: str, message: str, severity: str = "fatal") -> dict[str, Any]:
    return {"code": code, "message": message, "severity": severity, "text": message}


def process_layout_document(
    uow: UnitOfWork,
    document_id: int,
    raw: bytes,
    fmt: str,
    partner_id: str | None,
    channel: str,
    handed: dict[int, PurchaseOrder],
) -> tuple[list[int], str, list[dict[str, Any]], str | None]:
    """Read and store the orders of one document: (new order ids, status, diagnostics, partner id)."""
    partner = uow.partners.get(partner_id) if partner_id else None
    if partner is None:
        who = f"partner {partner_id!r} is unknown" if partner_id else "the channel named no partner"
        return (
            [],
            "needs_review",
            [_note("partner.unknown_sender", f"a {fmt} document, but {who}: say who sent it and reprocess")],
            None,
        )
    try:
        orders = read_document(raw, fmt, partner.layouts)
    except InputError as exc:
        return [], "rejected", [_note(exc.code, f"{fmt}: {exc.message}")], partner.id
    new_orders: list[int] = []
    diags: list[dict[str, Any]] = []
    duplicates = 0
    for po in orders:
        po.source.partner = partner.id
        po.source.channel = channel
        po.source.document_id = str(document_id)
        try:
            po_id = uow.purchase_orders.add(po, partner.id, document_id)
        except DuplicatePurchaseOrder as exc:
            duplicates += 1
            diags.append(
                _note(
                    "order.duplicate_po",
                    f"purchase order {po.po_number} from {partner.id} was already received "
                    f"(purchase order {exc.existing_id}); no second sales order",
                )
            )
            continue
        new_orders.append(po_id)
        handed[po_id] = po
    if new_orders:
        status = "parsed"
    elif duplicates:
        status = "duplicate"
    else:
        status = "rejected"
        diags.append(_note("document.no_orders", f"no purchase order could be read from the {fmt} document"))
    return new_orders, status, diags[:200], partner.id
