"""The published JSON form of the canonical documents, and its JSON Schema."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import TypeAdapter

from gateway.domain.diagnostics import Diagnostic
from gateway.domain.model import PurchaseOrder, PurchaseOrderChange


@cache
def _adapter(kind: type) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def to_json(document: PurchaseOrder | PurchaseOrderChange | Diagnostic) -> dict[str, Any]:
    """JSON-ready dict: decimals as strings (exact), dates as ISO 8601.

    An order with no ``extraction`` (every X12 order) has no such key at all."""
    data = _adapter(type(document)).dump_python(document, mode="json")
    if isinstance(document, PurchaseOrder) and document.extraction is None:
        data.pop("extraction", None)
    return data


def purchase_order_schema() -> dict[str, Any]:
    schema = _adapter(PurchaseOrder).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Ordergate canonical purchase order"
    return schema


def purchase_order_change_schema() -> dict[str, Any]:
    schema = _adapter(PurchaseOrderChange).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Ordergate canonical purchase order change"
    return schema
