"""Any table of orders written as people export them reads back exactly (property-based).

Orders are drawn at random, written as CSV with a random delimiter, decimal
style, encoding (UTF-8 with or without BOM, cp1252), quoting and heading
synonyms, with blank rows between orders; the reader must find every order and
every value, and pass them as clean.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.tabular import read_csv

HEADINGS = {
    "po_number": ["PO Number", "PO #", "Order Number", "Purchase Order"],
    "po_date": ["Order Date", "PO Date"],
    "item": ["Item", "SKU", "Part #", "Product code"],
    "description": ["Description", "Item Description"],
    "quantity": ["Qty", "Quantity", "Ordered"],
    "unit": ["UOM", "Unit"],
    "unit_price": ["Unit Price", "Price", "Unit Cost"],
    "amount": ["Amount", "Ext. Price", "Line Total"],
}
ROLES = list(HEADINGS)

words = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzäöüé ,;|\"'-/", min_size=1, max_size=25
)
item_ids = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=2, max_size=10).filter(
    lambda s: any(c.isdigit() for c in s) and not s.startswith("-")
)
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
quantities = st.integers(min_value=1, max_value=5000)
line = st.tuples(
    item_ids, words.map(str.strip).filter(bool), quantities, st.sampled_from(["EA", "CA", "BX"]), prices
)
orders = st.dictionaries(
    item_ids.map(lambda s: "PO-" + s), st.lists(line, min_size=1, max_size=6), min_size=1, max_size=4
)


def _number(value: Decimal, comma: bool, thousands: bool) -> str:
    text = f"{value:,.2f}" if thousands else f"{value:.2f}"
    if comma:
        text = text.replace(",", "X").replace(".", ",").replace("X", ".")
    return text


@settings(max_examples=120, deadline=None)
@given(
    data=orders,
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    comma=st.booleans(),
    thousands=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    quote_all=st.booleans(),
    pick=st.randoms(use_true_random=False),
)
def test_random_orders_read_back_exactly(
    data: dict[str, list[tuple[str, str, int, str, Decimal]]],
    delimiter: str,
    comma: bool,
    thousands: bool,
    encoding: str,
    quote_all: bool,
    pick: object,
) -> None:
    import random

    assert isinstance(pick, random.Random)
    headings = [pick.choice(HEADINGS[r]) for r in ROLES]
    buf = io.StringIO()
    writer = csv.writer(
        buf,
        delimiter=delimiter,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        lineterminator="\r\n",
    )
    writer.writerow(headings)
    for po, lines in data.items():
        for item, desc, qty, unit, price in lines:
            amount = (price * qty).quantize(Decimal("0.01"))
            writer.writerow(
                [
                    po,
                    "2026-03-02",
                    item,
                    desc,
                    str(qty),
                    unit,
                    _number(price, comma, thousands),
                    _number(amount, comma, thousands),
                ]
            )
        writer.writerow([])
    raw = buf.getvalue().encode(encoding)
    got = read_csv(raw)
    assert [po.po_number for po in got] == list(data)
    for po, (number, lines) in zip(got, data.items(), strict=True):
        assert po.extraction is not None and po.extraction.review_reasons == [], (
            number,
            po.extraction.review_reasons,
        )
        assert [
            (ln.product_id("BP"), ln.description, ln.quantity, ln.unit, ln.unit_price) for ln in po.lines
        ] == [(item, desc, Decimal(qty), unit, price) for item, desc, qty, unit, price in lines]
