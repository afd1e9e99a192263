"""The repositories, one module per aggregate; this module gathers them.

Each takes the unit of work's ``Connection`` and converts rows to and from the
domain dataclasses (``gateway.domain``) or, where a row carries more than the
domain class (ids, timestamps, statuses), to a ``records`` dataclass.
"""

from gateway.adapters.db.acknowledgements import AcknowledgementRepository
from gateway.adapters.db.audit import AuditRepository
from gateway.adapters.db.catalog import AllocationDelta, CatalogRepository
from gateway.adapters.db.control_numbers import ControlNumberRepository
from gateway.adapters.db.documents import DocumentRepository, InterchangeRepository
from gateway.adapters.db.failed_steps import FailedStepRepository
from gateway.adapters.db.orders import PurchaseOrderRepository, SalesOrderRepository
from gateway.adapters.db.outbound import OutboundRepository, idempotency_key
from gateway.adapters.db.partners import PartnerRepository

__all__ = [
    "AcknowledgementRepository",
    "AllocationDelta",
    "AuditRepository",
    "CatalogRepository",
    "ControlNumberRepository",
    "DocumentRepository",
    "FailedStepRepository",
    "InterchangeRepository",
    "OutboundRepository",
    "PartnerRepository",
    "PurchaseOrderRepository",
    "SalesOrderRepository",
    "idempotency_key",
]
