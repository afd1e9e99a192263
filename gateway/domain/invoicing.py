"""Invoices: lines at the agreed price, allowances and charges, tax and terms, to the cent.

Every amount is a ``Decimal`` rounded half-up to the cent at the place the
money is stated: a line's amount (quantity × price), each allowance or charge,
the tax.  The total is the sum of those stated amounts, so the document adds up
exactly as a reader adds it:

    total = lines + charges - allowances + tax

Tax (``tax_percent``) is on the lines plus charges less allowances.  Terms (e.g.
2 % 10 net 30) offer a discount on the merchandise (the lines less allowances:
freight and tax are commonly not discountable), ``discount_base``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)

FREIGHT = "D240"  # SAC02 1300: Freight
DISCOUNT = "C310"  # SAC02 1300: Discount


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(slots=True)
class InvoiceLine:
    line_number: str
    sku: str
    quantity: Decimal  # partner unit
    unit: str
    unit_price: Decimal  # the agreed price per partner unit
    product_ids: list[tuple[str, str]] = field(default_factory=list)  # the partner's own ids, as sent
    description: str | None = None

    @property
    def amount(self) -> Decimal:
        return cents(self.quantity * self.unit_price)


@dataclass(slots=True)
class AllowanceCharge:
    indicator: str  # "A" allowance, "C" charge
    code: str  # SAC02, e.g. D240 freight, C310 discount
    amount: Decimal
    description: str | None = None

    def __post_init__(self) -> None:
        if self.indicator not in ("A", "C"):
            raise ValueError(f"an allowance or charge is 'A' or 'C', not {self.indicator!r}")
        self.amount = cents(self.amount)
        if self.amount < 0:
            raise ValueError("an allowance or charge amount is positive; the indicator gives its sign")

    @property
    def signed(self) -> Decimal:
        return self.amount if self.indicator == "C" else -self.amount


@dataclass(slots=True)
class Terms:
    net_days: int = 30
    discount_percent: Decimal = ZERO
    discount_days: int = 0

    @property
    def text(self) -> str:
        if self.discount_percent > 0:
            pct = format(self.discount_percent.normalize(), "f")
            return f"{pct}% {self.discount_days} net {self.net_days}"
        return f"net {self.net_days}"

    def due(self, invoice_date: date) -> date:
        return invoice_date + timedelta(days=self.net_days)

    def discount_due(self, invoice_date: date) -> date | None:
        return invoice_date + timedelta(days=self.discount_days) if self.discount_percent > 0 else None


@dataclass(slots=True)
class Invoice:
    number: str
    invoice_date: date
    partner_id: str
    po_number: str
    po_date: date | None
    lines: list[InvoiceLine] = field(default_factory=list)
    charges: list[AllowanceCharge] = field(default_factory=list)
    tax_percent: Decimal = ZERO
    terms: Terms = field(default_factory=Terms)
    currency: str = "USD"
    shipment_ids: list[str] = field(default_factory=list)
    bill_of_lading: str | None = None
    ship_date: date | None = None
    sales_order_number: str | None = None

    @property
    def lines_total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)

    @property
    def charges_total(self) -> Decimal:
        """Charges less allowances (negative when the allowances are larger)."""
        return sum((c.signed for c in self.charges), ZERO)

    @property
    def allowances_total(self) -> Decimal:
        return sum((c.amount for c in self.charges if c.indicator == "A"), ZERO)

    @property
    def taxable(self) -> Decimal:
        return self.lines_total + self.charges_total

    @property
    def tax(self) -> Decimal:
        return cents(self.taxable * self.tax_percent / 100)

    @property
    def total(self) -> Decimal:
        return self.lines_total + self.charges_total + self.tax

    @property
    def discount_base(self) -> Decimal:
        """The amount the terms discount applies to: merchandise less allowances."""
        return max(self.lines_total - self.allowances_total, ZERO)

    @property
    def discount(self) -> Decimal:
        return cents(self.discount_base * self.terms.discount_percent / 100)

    @property
    def due_if_discounted(self) -> Decimal:
        return self.total - self.discount
