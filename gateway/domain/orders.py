"""Sales orders: what we answer to a purchase order, line by line.

Line statuses are the 855 ACK01 codes they will be sent as; the header status
is BAK02.  Outcomes carry a stable reason code and a sentence for a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class LineStatus(StrEnum):
    ACCEPTED = "IA"
    BACKORDERED = "IB"
    QUANTITY_CHANGED = "IQ"
    PRICE_CHANGED = "IP"
    REJECTED = "IR"
    DATE_RESCHEDULED = "DR"


class AckType(StrEnum):
    """BAK02."""

    ACCEPTED_NO_CHANGE = "AD"  # acknowledge with detail, no change
    ACCEPTED_WITH_CHANGES = "AC"  # acknowledge with detail and change
    EXCEPTIONS_ONLY = "AE"  # acknowledge with exception detail only
    REJECTED = "RJ"  # rejected, no detail


class OrderStatus(StrEnum):
    CONFIRMED = "confirmed"
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    TEST = "test"  # a test-indicator order kept apart from production stock
    CANCELLED = "cancelled"  # cancelled by the buyer's change (860) before anything shipped


@dataclass(slots=True)
class Outcome:
    rule: str  # the rule that recorded it
    reason: str  # stable reason code, e.g. "item.unknown", "price.beyond_tolerance"
    message: str
    line_number: str | None = None
    review: bool = False  # this outcome holds the order for a person


@dataclass(slots=True)
class Allocation:
    warehouse: str
    quantity: Decimal  # in base units


@dataclass(slots=True)
class SalesOrderLine:
    line_number: str | None
    sku: str | None
    ordered_quantity: Decimal  # in the partner's unit
    unit: str | None
    base_quantity: Decimal | None = None  # ordered, in our base unit
    unit_price: Decimal | None = None  # the price we confirm, per the partner's unit
    sent_price: Decimal | None = None
    confirmed_quantity: Decimal = Decimal(0)  # in the partner's unit
    backordered_quantity: Decimal = Decimal(0)
    cancelled_quantity: Decimal = Decimal(0)
    shipped_quantity: Decimal = Decimal(0)  # in the partner's unit, over every shipment so far
    statuses: list[LineStatus] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    promised_date: date | None = None
    requested_date: date | None = None
    factor: Decimal = Decimal(1)  # partner unit → base units
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def status(self) -> LineStatus:
        """The ACK01 code that leads for this line."""
        for s in (
            LineStatus.REJECTED,
            LineStatus.BACKORDERED,
            LineStatus.QUANTITY_CHANGED,
            LineStatus.PRICE_CHANGED,
            LineStatus.DATE_RESCHEDULED,
        ):
            if s in self.statuses:
                return s
        return LineStatus.ACCEPTED


@dataclass(slots=True)
class SalesOrder:
    partner_id: str
    po_number: str
    status: OrderStatus
    ack_type: AckType
    lines: list[SalesOrderLine] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    ship_from: str | None = None
    order_date: date | None = None

    @property
    def review_reasons(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.review] + [
            o for ln in self.lines for o in ln.outcomes if o.review
        ]
