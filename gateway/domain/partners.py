"""Trading-partner profiles: who a partner is, what it wants, and its order policy.

Profiles are data (``mappings/partners/*.yaml``) validated on load into these
classes; nothing here reads files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from gateway.domain.as2 import As2Settings
from gateway.domain.channels import Channels
from gateway.domain.layouts import DocumentLayouts


class ShortStockAction(StrEnum):
    BACKORDER = "backorder"  # confirm what we have, backorder the rest (855 IB)
    CANCEL = "cancel"  # confirm what we have, cancel the rest (855 IQ)
    REVIEW = "review"  # hold the order for a person


class PriceAction(StrEnum):
    ACCEPT_OUR_PRICE = "accept_our_price"  # confirm at the contract price and say so (855 IP)
    REVIEW = "review"  # hold the order for a person
    REJECT_LINE = "reject_line"  # reject the line (855 IR)


@dataclass(slots=True)
class PriceTolerance:
    absolute: Decimal | None = None  # per unit, in the order currency
    percent: Decimal | None = None  # of the contract price
    action: PriceAction = PriceAction.ACCEPT_OUR_PRICE

    def within(self, sent: Decimal, ours: Decimal) -> bool:
        diff = abs(sent - ours)
        if diff == 0:
            return True
        if self.absolute is not None and diff <= self.absolute:
            return True
        return self.percent is not None and ours != 0 and diff * 100 / ours <= self.percent


@dataclass(slots=True)
class OrderPolicy:
    short_stock: ShortStockAction = ShortStockAction.BACKORDER
    partial_shipment: bool = True
    multi_warehouse: bool = False
    price_tolerance: PriceTolerance = field(default_factory=PriceTolerance)
    substitutions: bool = False
    pack_multiple_required: bool = False
    unknown_item: str = "review"  # "review" holds the order; "reject_line" answers IR
    preferred_warehouses: list[str] = field(default_factory=list)
    # product-id qualifiers tried in this order to find our SKU
    id_preference: list[str] = field(default_factory=lambda: ["BP", "IN", "UP", "UK", "EN", "VP", "VN", "SK"])
    ship_lead_days: int = 1  # earliest ship date = order date + this
    priority: int = 0  # received stock releases backorders of higher priority first, then the oldest
    # an order read from a PDF or spreadsheet whose cross-checks all pass is confirmed without a person;
    # when False every such order waits in the review queue (document.manual_confirmation)
    auto_confirm_documents: bool = False


@dataclass(slots=True)
class X12Identity:
    isa_qualifier: str
    isa_id: str
    gs_id: str
    version: str = "004010"  # GS08 we send in
    element_separator: str = "*"
    component_separator: str = ">"
    segment_terminator: str = "~"
    repetition_separator: str = "^"
    ack_requested: bool = False  # ISA14 on what we send


@dataclass(slots=True)
class CxmlCredential:
    """A cXML ``From/Credential`` a buyer sends its OrderRequests under (``domain`` compares without case)."""

    domain: str  # NetworkID, DUNS, ...
    identity: str

    def matches(self, domain: str | None, identity: str | None) -> bool:
        return (domain or "").strip().lower() == self.domain.lower() and (
            identity or ""
        ).strip().lower() == self.identity.strip().lower()


@dataclass(slots=True)
class UblPartyId:
    """A UBL buyer party id (``EndpointID`` or ``PartyIdentification/ID``) with its ``schemeID``."""

    scheme: str | None  # ISO 6523 ICD (0088 GLN, 0060 DUNS, ...) or None when the buyer sends none
    id: str

    def matches(self, scheme: str | None, value: str | None) -> bool:
        if (value or "").strip().lower() != self.id.strip().lower():
            return False
        return self.scheme is None or (scheme or "").strip().lower() == self.scheme.lower()


@dataclass(slots=True)
class CrossReference:
    """Their identifier → our SKU, with a unit conversion (their unit × factor = our base units).

    ``factor_from_pack`` says their ``unit`` (typically CA or BX) is one of our
    packs: the factor is then the item's ``pack_size`` and ``factor`` is ignored.
    """

    sku: str
    buyer_part: str | None = None
    upc: str | None = None
    vendor_part: str | None = None
    unit: str | None = None
    factor: Decimal = Decimal(1)
    factor_from_pack: bool = False


@dataclass(slots=True)
class DocumentOptions:
    """What a partner wants from us, and how."""

    functional_ack: bool = True  # 997 (4010) / 999 (5010)
    ta1: str = "when_requested"  # "always", "when_requested", "never"
    po_ack: bool = True  # 855
    po_ack_detail: str = "all_lines"  # "all_lines" or "exceptions_only"
    ship_notice: bool = True  # 856
    invoice: bool = True  # 810
    change_ack: bool = True  # 865
    answer_unknown_sender: bool = False
    # 856: the hierarchy (SOPI: shipment, order, pack, item; SOTPI: with a tare (pallet) level
    # above the packs; SOI: shipment, order, item, no cartons named) and CTT02, the hash total
    asn_hierarchy: str = "SOPI"
    asn_hash_total: bool = False
    # 810: one per shipment (as each leaves) or one per order (when the order has all shipped)
    invoice_per: str = "shipment"
    terms_net_days: int = 30
    terms_discount_percent: Decimal = Decimal(0)
    terms_discount_days: int = 0
    freight_charge: Decimal = Decimal(0)  # SAC*C*D240 on every invoice, when set
    tax_percent: Decimal = Decimal(0)
    # when received stock releases a backorder: "po_ack" sends a new 855 (BAK01 05, replace),
    # "none" says nothing until the 856
    backorder_release: str = "po_ack"
    ack_window_hours: int = 24  # the partner's 997/999 for what we send is due within this
    # a cXML or UBL order is answered in its own format: a UBL OrderResponse, a cXML
    # ConfirmationRequest (instead of an 855)
    order_response: bool = True


@dataclass(slots=True)
class PartnerProfile:
    id: str
    name: str
    x12: X12Identity | None = None
    active: bool = True
    test_mode: bool = False  # ISA15 = T orders are processed against real stock only when True
    as2_id: str | None = None
    email_senders: list[str] = field(default_factory=list)
    cxml_credentials: list[CxmlCredential] = field(default_factory=list)
    ubl_parties: list[UblPartyId] = field(default_factory=list)
    documents: DocumentOptions = field(default_factory=DocumentOptions)
    policy: OrderPolicy = field(default_factory=OrderPolicy)
    cross_references: list[CrossReference] = field(default_factory=list)
    duplicate_window_days: int = 30
    outbox: str | None = None  # folder for outbound documents on the embedded default
    channels: Channels = field(default_factory=Channels)
    layouts: DocumentLayouts = field(default_factory=DocumentLayouts)  # PDF templates, column map
    source_file: str | None = None
    as2: As2Settings | None = None  # the AS2 channel, when the partner has one
