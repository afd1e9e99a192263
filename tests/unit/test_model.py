"""The canonical model's hand-built constructors give what the classes give."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal

from gateway.domain.model import PoLine, ProductId, new_po_line


def test_new_po_line_is_the_class_call() -> None:
    ids = [ProductId("UP", "012345678905")]
    built = new_po_line("1", Decimal("2"), "EA", Decimal("9.99"), "PE", ids)
    assert built == PoLine("1", Decimal("2"), "EA", Decimal("9.99"), "PE", ids)
    assert built.product_ids is ids
    # every field is set (a field added to PoLine and not to new_po_line fails here)
    assert {f.name: getattr(built, f.name) for f in fields(PoLine)} == {
        f.name: getattr(PoLine("1", Decimal("2"), "EA", Decimal("9.99"), "PE", ids), f.name)
        for f in fields(PoLine)
    }
    other = new_po_line(None, None, None, None, None, [])
    assert other == PoLine(None, None, None)
    for name in ("dates", "references", "charges", "notes"):
        assert getattr(built, name) == [] and getattr(built, name) is not getattr(other, name)
