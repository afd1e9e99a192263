"""The one error tree of the gateway.

    GatewayError                      code, http_status
    ├── InputError                    bad input that is answered, never crashed on (HTTP 422)
    │   ├── X12Error                  an X12 stream that cannot be read at all (TA1 note code)
    │   └── UnsupportedFormat         content no parser recognises (HTTP 415)
    ├── ConfigurationError            a settings or partner-profile problem, naming file and field
    ├── ChannelError                  a transport failed (connect, transfer, refused): retried (HTTP 502)
    ├── NotFound                      an id that does not exist (HTTP 404)
    ├── StorageConflict               a write refused to keep the data consistent (HTTP 409)
    │   ├── Oversell                  an allocation would take more than is on hand
    │   ├── DuplicatePurchaseOrder    an original PO number the partner already sent
    │   └── OverShipment              a shipment of more than is allocated to a line
    └── ReviewRefused                 a review action that does not apply to the item as it is now (HTTP 409)

Problems inside a readable document are not exceptions: they are
``gateway.domain.diagnostics.Diagnostic`` values carried with the result.
"""

from __future__ import annotations


class GatewayError(Exception):
    code = "gateway.error"
    http_status = 500

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InputError(GatewayError):
    code = "input.invalid"
    http_status = 422


class X12Error(InputError):
    code = "x12.unreadable"

    def __init__(self, message: str, *, code: str | None = None, ta1_code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.ta1_code = ta1_code


class UnsupportedFormat(InputError):
    code = "input.unsupported_format"
    http_status = 415


class ConfigurationError(GatewayError):
    code = "config.invalid"


class ChannelError(GatewayError):
    """A channel's transport failed: the peer was unreachable, the connection dropped, the peer
    refused.  ``retryable`` says whether trying again later may help (a refused login or a host
    key that does not match the pinned one will not)."""

    code = "channel.transport"
    http_status = 502

    def __init__(self, message: str, *, code: str | None = None, retryable: bool = True) -> None:
        super().__init__(message, code=code)
        self.retryable = retryable


class NotFound(GatewayError):
    code = "not_found"
    http_status = 404


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


class OverShipment(StorageConflict):
    """A shipment would send more of a line than is confirmed (allocated) and not yet shipped."""

    code = "shipment.over_allocated"

    def __init__(
        self, po_number: str, line_number: str | None, wanted: object, open_quantity: object
    ) -> None:
        super().__init__(
            f"PO {po_number} line {line_number}: shipping {wanted} is more than the {open_quantity} "
            "allocated and not yet shipped"
        )
        self.po_number = po_number
        self.line_number = line_number
        self.wanted = wanted
        self.open_quantity = open_quantity


class ReviewRefused(GatewayError):
    """A review action on something that does not need it (any more), or with a value that cannot apply."""

    code = "review.refused"
    http_status = 409
