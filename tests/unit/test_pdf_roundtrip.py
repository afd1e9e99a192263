"""Any order drawn as a PDF table reads back exactly (property-based, generated with fpdf2).

Random lines (part numbers, descriptions, quantities, units, prices) in a
table with randomly chosen heading synonyms, ruled or not, over as many pages
as it takes with the header repeated, the order fields as "Label: value", and
the stated total; the generic reader must find every line and value and pass
the order as clean.
"""

from __future__ import annotations

import random
from decimal import Decimal

from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.pdf import read_pdf

HEADINGS = {
    "item": ["Item", "SKU", "Part #", "Product code"],
    "description": ["Description", "Item Description"],
    "quantity": ["Qty", "Quantity", "Ordered"],
    "unit": ["UOM", "Unit"],
    "unit_price": ["Unit Price", "Price", "Unit Cost"],
    "amount": ["Amount", "Ext. Price", "Line Total"],
}
WIDTHS = [80, 200, 55, 40, 70, 85]
ALIGN = "LLRLRR"

words = st.lists(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9),
    min_size=1,
    max_size=3,
).map(" ".join)
item_ids = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=3, max_size=9).filter(
    lambda s: any(c.isdigit() for c in s) and s[0] != "-"
)
line = st.tuples(
    item_ids,
    words,
    st.integers(min_value=1, max_value=999),
    st.sampled_from(["EA", "CA", "BX"]),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2),
)


def _draw(po: str, lines: list[tuple[str, str, int, str, Decimal]], ruled: bool, rnd: random.Random) -> bytes:
    pdf = FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=10)
    heads = [rnd.choice(HEADINGS[r]) for r in HEADINGS]
    per_page = 30
    total = Decimal(0)
    for start in range(0, len(lines), per_page):
        pdf.add_page()
        top = 80
        if start == 0:
            pdf.text(360, 50, "PO Number:")
            pdf.text(450, 50, po)
            pdf.text(360, 66, "Order Date:")
            pdf.text(450, 66, "2026-03-02")
            top = 120
        pdf.set_xy(40, top)
        for w, h in zip(WIDTHS, heads, strict=True):
            pdf.cell(w, 18, h, border=1 if ruled else 0)
        chunk = lines[start : start + per_page]
        for row, (item, desc, qty, unit, price) in enumerate(chunk):
            amount = (price * qty).quantize(Decimal("0.01"))
            total += amount
            pdf.set_xy(40, top + 18 + 18 * row)
            values = [item, desc, str(qty), unit, f"{price:,.2f}", f"{amount:,.2f}"]
            for w, text, align in zip(WIDTHS, values, ALIGN, strict=True):
                pdf.cell(w, 18, text, border=1 if ruled else 0, align=align)
        if start + per_page >= len(lines):
            y = top + 18 + 18 * len(chunk) + 24
            pdf.text(400, y, "Total:")
            pdf.text(470, y, f"{total:,.2f}")
        pdf.text(280, 770, f"Page {start // per_page + 1}")
    return bytes(pdf.output())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    po=item_ids.map(lambda s: "PO-" + s),
    lines=st.lists(line, min_size=1, max_size=45),
    ruled=st.booleans(),
    rnd=st.randoms(use_true_random=False),
)
def test_random_pdf_orders_read_back_exactly(
    po: str, lines: list[tuple[str, str, int, str, Decimal]], ruled: bool, rnd: random.Random
) -> None:
    (got,) = read_pdf(_draw(po, lines, ruled, rnd))
    assert got.extraction is not None
    assert got.extraction.review_reasons == []
    assert got.po_number == po
    assert [
        (ln.product_id("BP"), ln.description, ln.quantity, ln.unit, ln.unit_price) for ln in got.lines
    ] == [(item, desc, Decimal(qty), unit, price) for item, desc, qty, unit, price in lines]
