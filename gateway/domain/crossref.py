"""Which of our items a purchase-order line means, and how many base units it asks for.

A line carries product ids with the qualifier they were sent with (X12 235).
They are tried in the partner's ``id_preference`` order, then any other
qualifier we recognise that the line carries, in the order sent:

- buyer's ids (``BP`` buyer part, ``IN`` buyer's item number, ``CB`` buyer's
  catalog number) → the partner's ``CrossReference.buyer_part``;
- GTINs (``UP`` UCC-12, ``UK`` GTIN-14, ``EN`` EAN-13, ``UA``, ``UI``) → the
  partner's ``CrossReference.upc``, then our catalog ``Item.upc``; GTIN-12/13/14
  forms of one number compare equal (non-digits and leading zeros dropped);
- vendor ids (``VP`` vendor part, ``VN`` vendor's item number, ``VA`` vendor's
  style, ``SK`` our SKU) → the partner's ``CrossReference.vendor_part``, then
  our SKU directly.

Part numbers and SKUs compare trimmed and case-insensitively.  A cross-reference
naming a SKU that is not in the catalog resolves to nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from gateway.domain.catalog import Item
from gateway.domain.model import PoLine
from gateway.domain.partners import CrossReference, PartnerProfile

BUYER_QUALIFIERS = frozenset({"BP", "IN", "CB"})
GTIN_QUALIFIERS = frozenset({"UP", "UK", "EN", "UA", "UI"})
VENDOR_QUALIFIERS = frozenset({"VP", "VN", "VA", "SK"})
KNOWN_QUALIFIERS = BUYER_QUALIFIERS | GTIN_QUALIFIERS | VENDOR_QUALIFIERS


def normalize_gtin(value: str | None) -> str | None:
    """A GTIN reduced to its significant digits, so GTIN-12, -13 and -14 forms compare equal."""
    if not value:
        return None
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits.lstrip("0") or None


def _key(value: str | None) -> str | None:
    text = (value or "").strip().upper()
    return text or None


def normalize_unit(unit: str | None) -> str | None:
    return _key(unit)


@dataclass(frozen=True, slots=True)
class ItemMatch:
    """How a line was resolved: our SKU, the id that found it, and the cross-reference used (if any)."""

    sku: str
    qualifier: str
    value: str
    cross_reference: CrossReference | None = None


class ItemResolver:
    """Resolves lines for one partner against the catalog; build once per order (or batch).

    A line's match depends only on its product ids, so each distinct set of ids is
    resolved once per resolver and remembered (as are unit factors): build a new one when
    the partner's cross-references or the catalog change.
    """

    def __init__(self, partner: PartnerProfile | None, items: Mapping[str, Item]) -> None:
        self._items = items
        self._skus = {k: sku for sku in items if (k := _key(sku))}
        self._catalog_gtin: dict[str, str] = {}
        for item in items.values():
            gtin = normalize_gtin(item.upc)
            if gtin:
                self._catalog_gtin.setdefault(gtin, item.sku)
        self._preference = list(partner.policy.id_preference) if partner else []
        xrefs = list(partner.cross_references) if partner else []
        self._by_buyer = _index(xrefs, lambda x: _key(x.buyer_part))
        self._by_gtin = _index(xrefs, lambda x: normalize_gtin(x.upc))
        self._by_vendor = _index(xrefs, lambda x: _key(x.vendor_part))
        self._by_sku: dict[str, list[CrossReference]] = {}
        for xref in xrefs:
            self._by_sku.setdefault(xref.sku, []).append(xref)
        self._preference_upper = [q.upper() for q in self._preference]
        self._resolved: dict[tuple[tuple[str, str], ...], ItemMatch | None] = {}
        self._factors: dict[
            tuple[str | None, int, int], tuple[Item, CrossReference | None, Decimal | None]
        ] = {}

    def qualifiers_for(self, line: PoLine) -> list[str]:
        """The qualifiers tried for ``line``, in order."""
        order = list(self._preference_upper)
        for pid in line.product_ids:
            q = pid.qualifier.upper()
            if q in KNOWN_QUALIFIERS and q not in order:
                order.append(q)
        return order

    def resolve(self, line: PoLine) -> ItemMatch | None:
        key = tuple([(pid.qualifier, pid.value) for pid in line.product_ids])
        try:
            return self._resolved[key]
        except KeyError:
            pass
        match = self._resolve(line)
        self._resolved[key] = match
        return match

    def _resolve(self, line: PoLine) -> ItemMatch | None:
        for qualifier in self.qualifiers_for(line):
            for pid in line.product_ids:
                if pid.qualifier.upper() != qualifier or not pid.value:
                    continue
                match = self._lookup(qualifier, pid.value)
                if match is not None:
                    return match
        return None

    def cross_references_for(self, sku: str) -> list[CrossReference]:
        return list(self._by_sku.get(sku, ()))

    def unit_factor(
        self, unit: str | None, item: Item, cross_reference: CrossReference | None = None
    ) -> Decimal | None:
        """``unit_factor(unit, item, [cross_reference, *cross_references_for(item.sku)])``
        (``cross_reference`` first when there is one: the one that resolved the line)."""
        key = (unit, id(item), id(cross_reference))
        known = self._factors.get(key)
        if known is not None and known[0] is item and known[1] is cross_reference:
            return known[2]
        xrefs = [cross_reference] if cross_reference else []
        factor = unit_factor(unit, item, [*xrefs, *self._by_sku.get(item.sku, ())])
        self._factors[key] = (item, cross_reference, factor)
        return factor

    def _lookup(self, qualifier: str, value: str) -> ItemMatch | None:
        if qualifier in BUYER_QUALIFIERS:
            return self._via_xref(self._by_buyer.get(_key(value) or ""), qualifier, value)
        if qualifier in GTIN_QUALIFIERS:
            gtin = normalize_gtin(value) or ""
            found = self._via_xref(self._by_gtin.get(gtin), qualifier, value)
            return found or self._direct(self._catalog_gtin.get(gtin), qualifier, value)
        if qualifier in VENDOR_QUALIFIERS:
            key = _key(value) or ""
            found = None if qualifier == "SK" else self._via_xref(self._by_vendor.get(key), qualifier, value)
            return found or self._direct(self._skus.get(key), qualifier, value)
        return None

    def _via_xref(self, xref: CrossReference | None, qualifier: str, value: str) -> ItemMatch | None:
        if xref is None or xref.sku not in self._items:
            return None
        return ItemMatch(sku=xref.sku, qualifier=qualifier, value=value, cross_reference=xref)

    def _direct(self, sku: str | None, qualifier: str, value: str) -> ItemMatch | None:
        if sku is None:
            return None
        return ItemMatch(sku=sku, qualifier=qualifier, value=value)


def _index(
    xrefs: Iterable[CrossReference], key_of: Callable[[CrossReference], str | None]
) -> dict[str, CrossReference]:
    index: dict[str, CrossReference] = {}
    for xref in xrefs:
        key = key_of(xref)
        if key:
            index.setdefault(key, xref)
    return index


def unit_factor(
    unit: str | None,
    item: Item,
    cross_references: Iterable[CrossReference] = (),
) -> Decimal | None:
    """Base units in one of the partner's ``unit``, or ``None`` when it cannot be converted.

    No unit, or our base unit, is 1.  Otherwise the first cross-reference for
    the item whose unit matches gives the factor (the item's pack size when it
    says ``factor_from_pack``).  Put the cross-reference that resolved the line
    first so its conversion wins.
    """
    wanted = normalize_unit(unit)
    if wanted is None or wanted == normalize_unit(item.base_unit):
        return Decimal(1)
    for xref in cross_references:
        if xref.sku == item.sku and normalize_unit(xref.unit) == wanted:
            factor = item.pack_size if xref.factor_from_pack else xref.factor
            return factor if factor > 0 else None
    return None
