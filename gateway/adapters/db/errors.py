"""Errors the database adapter raises, in the gateway's one error tree.

GatewayError
└── StorageConflict              a write the database refused to keep consistent (HTTP 409)
    ├── Oversell                 an allocation would take more than is on hand (or release below 0)
    └── DuplicatePurchaseOrder   an original PO number the partner already sent, from another document
"""

from __future__ import annotations

from gateway.errors import GatewayError


class StorageConflict(GatewayError):
    code = "storage.conflict"
    http_status = 409


class Oversell(StorageConflict):
    code = "stock.oversell"

    def __init__(self, sku: str, warehouse: str, delta: object) -> None:
        super().__init__(
            f"allocating {delta} of {sku} in {warehouse} would exceed what is on hand (or go below 0)"
        )
        self.sku = sku
        self.warehouse = warehouse
        self.delta = delta


class DuplicatePurchaseOrder(StorageConflict):
    code = "order.duplicate"

    def __init__(self, partner_id: str | None, po_number: str, existing_id: int) -> None:
        super().__init__(f"PO {po_number} of {partner_id} is already stored (purchase order {existing_id})")
        self.partner_id = partner_id
        self.po_number = po_number
        self.existing_id = existing_id
