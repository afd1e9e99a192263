"""The canonical documents every format is read into.

Plain dataclasses: money and quantities are ``Decimal``, dates are ``date``.
The same purchase order comes out whether it arrived as an 850, a PDF or a CSV;
``source`` says where it came from.  The published JSON form is generated from
these classes (``gateway.domain.schema``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Purpose(StrEnum):
    """Why the document was sent (BEG01 / BCH01)."""

    ORIGINAL = "original"
    CHANGE = "change"
    CANCEL = "cancel"
    REPLACE = "replace"
    CONFIRMATION = "confirmation"
    DUPLICATE = "duplicate"
    OTHER = "other"


class ChangeCode(StrEnum):
    """What a purchase-order change does to a line (POC02)."""

    ADD = "add"  # AI
    DELETE = "delete"  # DI
    QUANTITY_DECREASE = "quantity_decrease"  # QD
    QUANTITY_INCREASE = "quantity_increase"  # QI
    PRICE_CHANGE = "price_change"  # PC
    PRICE_AND_QUANTITY = "price_and_quantity"  # PQ
    DATE_CHANGE = "date_change"  # RZ / DC
    REPLACE_ITEM = "replace_item"  # RA / RS
    CHANGE_OTHER = "change_other"  # CA / CT / everything else
    NO_CHANGE = "no_change"  # NC


@dataclass(slots=True)
class ProductId:
    """A product identifier with the qualifier it was sent with (BP, VP, UP, EN, ...)."""

    qualifier: str
    value: str


@dataclass(slots=True)
class Reference:
    qualifier: str
    value: str
    description: str | None = None


@dataclass(slots=True)
class DateRef:
    """A dated event: qualifier as sent (e.g. X12 DTM01 '002' delivery requested) and the date."""

    qualifier: str
    value: date
    time: str | None = None


@dataclass(slots=True)
class Contact:
    function: str | None = None
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    fax: str | None = None


@dataclass(slots=True)
class Party:
    role: str  # buyer, seller, ship_to, bill_to, or the X12 entity code when there is no better name
    name: str | None = None
    id: str | None = None
    id_qualifier: str | None = None
    address_lines: list[str] = field(default_factory=list)
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    contacts: list[Contact] = field(default_factory=list)
    entity_code: str | None = None


@dataclass(slots=True)
class Charge:
    """An allowance or charge (X12 SAC)."""

    indicator: str  # "A" allowance, "C" charge, "N" no allowance or charge
    code: str | None = None
    amount: Decimal | None = None
    percent: Decimal | None = None
    description: str | None = None


@dataclass(slots=True)
class PaymentTerms:
    type_code: str | None = None
    basis_date_code: str | None = None
    discount_percent: Decimal | None = None
    discount_days: int | None = None
    net_days: int | None = None
    description: str | None = None


@dataclass(slots=True)
class Fob:
    payment_method: str | None = None
    location_qualifier: str | None = None
    description: str | None = None


@dataclass(slots=True)
class PoLine:
    line_number: str | None
    quantity: Decimal | None
    unit: str | None
    unit_price: Decimal | None = None
    price_basis: str | None = None
    product_ids: list[ProductId] = field(default_factory=list)
    description: str | None = None
    pack: Decimal | None = None
    inner_pack: Decimal | None = None
    pack_size: Decimal | None = None
    pack_unit: str | None = None
    dates: list[DateRef] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ship_to: Party | None = None

    def product_id(self, *qualifiers: str) -> str | None:
        """The first product id among ``qualifiers``, in the order given."""
        for wanted in qualifiers:
            for pid in self.product_ids:
                if pid.qualifier == wanted:
                    return pid.value
        return None


_new_object = object.__new__


def new_po_line(
    line_number: str | None,
    quantity: Decimal | None,
    unit: str | None,
    unit_price: Decimal | None,
    price_basis: str | None,
    product_ids: list[ProductId],
) -> PoLine:
    """What ``PoLine(line_number, quantity, unit, unit_price, price_basis, product_ids)`` gives.

    Built without calling the class (the X12 850 reader makes one per order line, and the class
    call costs about half again as much); every other field at its default, lists new and empty.
    """
    line = _new_object(PoLine)
    line.line_number = line_number
    line.quantity = quantity
    line.unit = unit
    line.unit_price = unit_price
    line.price_basis = price_basis
    line.product_ids = product_ids
    line.description = None
    line.pack = None
    line.inner_pack = None
    line.pack_size = None
    line.pack_unit = None
    line.dates = []
    line.references = []
    line.charges = []
    line.notes = []
    line.ship_to = None
    return line


@dataclass(slots=True)
class Source:
    """Where a canonical document came from."""

    format: str  # x12, pdf, csv, cxml, ubl
    partner: str | None = None
    channel: str | None = None
    document_id: str | None = None
    sender_id: str | None = None
    sender_qualifier: str | None = None
    receiver_id: str | None = None
    receiver_qualifier: str | None = None
    interchange_control: str | None = None
    group_control: str | None = None
    set_control: str | None = None
    version: str | None = None
    test: bool = False
    functional_sender: str | None = None
    functional_receiver: str | None = None


@dataclass(slots=True)
class FieldSource:
    """Where one field of a document read from a layout came from.

    ``field`` is a path into the order (``po_number``, ``lines[2].quantity``);
    a PDF gives the page (from 1) and the region ``[x0, top, x1, bottom]`` in
    points from the page's top left; a spreadsheet the row (from 1, the header
    row counted) and the column as headed; XML the element path.
    """

    field: str
    text: str | None = None
    page: int | None = None
    region: list[float] | None = None
    row: int | None = None
    column: str | None = None
    path: str | None = None


@dataclass(slots=True)
class ReviewReason:
    """Why a document read from a layout needs a person: a stable code, a sentence, and where."""

    code: str  # document.total_mismatch, document.unreadable_row, ...
    message: str
    field: str | None = None
    page: int | None = None
    region: list[float] | None = None
    row: int | None = None
    column: str | None = None


@dataclass(slots=True)
class Extraction:
    """How a PDF, spreadsheet, cXML or UBL order was read, and how far it can be trusted.

    ``confidence`` (0 to 1) is the weighted share of the cross-checks that
    passed; ``review_reasons`` name every check that failed.  ``structured``
    is true for formats with a schema (cXML, UBL), false for layouts read by
    position or column heading (PDF, CSV, XLSX).
    """

    method: str  # "pdf.template", "pdf.generic", "csv.column_map", "csv.headers", "cxml", "ubl", ...
    structured: bool = False
    confidence: Decimal = Decimal(1)
    needs_review: bool = False
    review_reasons: list[ReviewReason] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)
    fields: list[FieldSource] = field(default_factory=list)
    pages: int | None = None
    stated_subtotal: Decimal | None = None


@dataclass(slots=True)
class PurchaseOrder:
    po_number: str
    po_date: date | None
    purpose: Purpose = Purpose.ORIGINAL
    purpose_code: str | None = None
    order_type: str | None = None
    release_number: str | None = None
    currency: str | None = None
    requested_ship_date: date | None = None
    requested_delivery_date: date | None = None
    cancel_after_date: date | None = None
    payment_terms: list[PaymentTerms] = field(default_factory=list)
    fob: Fob | None = None
    notes: list[str] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    dates: list[DateRef] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    parties: list[Party] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)
    lines: list[PoLine] = field(default_factory=list)
    stated_line_count: int | None = None
    stated_total: Decimal | None = None
    source: Source = field(default_factory=lambda: Source(format="unknown"))
    # only for orders read from a layout or XML (absent from the JSON of an X12 order)
    extraction: Extraction | None = None

    def party(self, role: str) -> Party | None:
        for p in self.parties:
            if p.role == role:
                return p
        return None


@dataclass(slots=True)
class ChangeLine:
    """One POC line of a purchase-order change."""

    line_number: str | None
    change: ChangeCode
    change_code: str
    quantity_ordered: Decimal | None = None
    quantity_change: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    price_basis: str | None = None
    product_ids: list[ProductId] = field(default_factory=list)
    description: str | None = None
    dates: list[DateRef] = field(default_factory=list)


@dataclass(slots=True)
class PurchaseOrderChange:
    po_number: str
    po_date: date | None
    purpose: Purpose
    purpose_code: str | None = None
    change_request_date: date | None = None
    order_type: str | None = None
    release_number: str | None = None
    currency: str | None = None
    references: list[Reference] = field(default_factory=list)
    dates: list[DateRef] = field(default_factory=list)
    parties: list[Party] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lines: list[ChangeLine] = field(default_factory=list)
    stated_line_count: int | None = None
    source: Source = field(default_factory=lambda: Source(format="unknown"))
