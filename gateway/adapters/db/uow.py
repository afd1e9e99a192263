"""``SqlUnitOfWork``: one connection, one transaction, the repositories over it.

    with SqlUnitOfWork(engine) as uow:
        levels = uow.catalog.lock_stock(skus)
        ...
        uow.commit()

Leaving the block without ``commit()`` (or with an exception) rolls back.
After ``commit()`` the unit of work may go on: the next statement opens a new
transaction (on SQLite again with ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine, NestedTransaction

from gateway.adapters.db.invoices import InvoiceRepository
from gateway.adapters.db.polls import PollRepository
from gateway.adapters.db.repositories import (
    AcknowledgementRepository,
    AuditRepository,
    CatalogRepository,
    ControlNumberRepository,
    DocumentRepository,
    FailedStepRepository,
    InterchangeRepository,
    OutboundRepository,
    PartnerRepository,
    PurchaseOrderRepository,
    SalesOrderRepository,
)
from gateway.adapters.db.reviews import ReviewRepository
from gateway.adapters.db.sequences import SequenceRepository
from gateway.adapters.db.shipments import ShipmentRepository
from gateway.adapters.db.users import UserRepository


class SqlUnitOfWork:
    partners: PartnerRepository
    catalog: CatalogRepository
    documents: DocumentRepository
    interchanges: InterchangeRepository
    purchase_orders: PurchaseOrderRepository
    sales_orders: SalesOrderRepository
    outbound: OutboundRepository
    control_numbers: ControlNumberRepository
    audit: AuditRepository
    polls: PollRepository
    shipments: ShipmentRepository
    invoices: InvoiceRepository
    sequences: SequenceRepository
    acknowledgements: AcknowledgementRepository
    users: UserRepository
    reviews: ReviewRepository
    failed_steps: FailedStepRepository

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open: use it in a 'with' block")
        return self._connection

    def __enter__(self) -> SqlUnitOfWork:
        if self._connection is not None:
            raise RuntimeError("the unit of work is already open")
        connection = self._engine.connect()
        self._connection = connection
        self.partners = PartnerRepository(connection)
        self.catalog = CatalogRepository(connection)
        self.documents = DocumentRepository(connection)
        self.interchanges = InterchangeRepository(connection)
        self.purchase_orders = PurchaseOrderRepository(connection)
        self.sales_orders = SalesOrderRepository(connection)
        self.outbound = OutboundRepository(connection)
        self.control_numbers = ControlNumberRepository(connection)
        self.audit = AuditRepository(connection)
        self.polls = PollRepository(connection)
        self.shipments = ShipmentRepository(connection)
        self.invoices = InvoiceRepository(connection)
        self.sequences = SequenceRepository(connection)
        self.acknowledgements = AcknowledgementRepository(connection)
        self.users = UserRepository(connection)
        self.reviews = ReviewRepository(connection)
        self.failed_steps = FailedStepRepository(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.rollback()  # nothing when committed: only what was not
        finally:
            connection.close()

    def commit(self) -> None:
        self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()
        self.purchase_orders.forget()

    def savepoint(self) -> NestedTransaction:
        """A SAVEPOINT in the current transaction: ``commit()`` releases it, ``rollback()`` undoes
        what was done since (and only that)."""
        return self.connection.begin_nested()
