"""Step 2 for orders that are not X12: PDF, CSV, XLSX, cXML and UBL.

Called by ``process_document`` inside its transaction.  The sender of a cXML
or UBL order is the partner whose ids it names (``partner_for_xml``: a From
credential, a buyer party id); otherwise, and for the other formats, the
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
from parsers.xml.senders import SenderId, xml_senders

XML_FORMATS = ("cxml", "ubl")


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


def partner_for_xml(
    partners: Iterable[PartnerProfile], fmt: str, ids: list[SenderId]
) -> PartnerProfile | None:
    """The partner a cXML From credential or a UBL buyer party id belongs to (the first id that
    matches; ``ids`` in document order)."""
    candidates = list(partners)
    for sender in ids:
        for partner in candidates:
            known = partner.cxml_credentials if fmt == "cxml" else partner.ubl_parties if fmt == "ubl" else []
            if any(k.matches(sender.scheme, sender.value) for k in known):
                return partner
    return None


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
    """Read and store the orders of one document: (new order ids, status, diagnostics, partner id).

    A cXML or UBL order names its sender (From credential, buyer party id): with no partner from the
    channel that partner is taken; one that names a partner other than the channel's is held for
    review, unanswered (as an X12 interchange whose ISA sender is not the channel's partner)."""
    named = ""
    if fmt in XML_FORMATS:
        ids = xml_senders(raw, fmt)
        named = ", ".join(i.describe() for i in ids)
        found = partner_for_xml(uow.partners.list(), fmt, ids) if ids else None
        if found is not None and partner_id is not None and found.id != partner_id:
            return (
                [],
                "needs_review",
                [
                    _note(
                        "partner.sender_mismatch",
                        f"the {fmt} order names {found.id} as its sender ({named}), but it came on "
                        f"{partner_id}'s channel; held, not answered",
                    )
                ],
                None,
            )
        if found is not None:
            partner_id = found.id
    partner = uow.partners.get(partner_id) if partner_id else None
    if partner is None:
        who = f"partner {partner_id!r} is unknown" if partner_id else "the channel named no partner"
        if named and not partner_id:
            who = f"no partner has the sender ids it names ({named})"
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
