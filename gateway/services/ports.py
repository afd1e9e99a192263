"""What the services need from the outside: a unit of work and a dispatcher.

The services depend on these shapes only; ``gateway.bootstrap`` chooses the
concrete adapters (SQLAlchemy unit of work, inline or dramatiq dispatch).
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from gateway.domain.channels import RetryPolicy
from gateway.domain.partners import PartnerProfile


class UnitOfWork(Protocol):
    """A transaction with the repositories on it (see ``gateway.adapters.db.uow``)."""

    partners: Any
    catalog: Any
    documents: Any
    interchanges: Any
    purchase_orders: Any
    sales_orders: Any
    outbound: Any
    control_numbers: Any
    audit: Any
    polls: Any
    shipments: Any
    invoices: Any
    sequences: Any
    acknowledgements: Any
    users: Any
    reviews: Any
    failed_steps: Any

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def savepoint(self) -> Savepoint: ...


class Savepoint(Protocol):
    """A nested transaction (SAVEPOINT): release it with ``commit``, undo it with ``rollback``."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class Dispatcher(Protocol):
    """Runs a pipeline step later (another process) or soon (this one), by name and ids."""

    def send(self, step: str, *args: int | str) -> None: ...


class Delivery(Protocol):
    """Sends outbound documents on partners' channels (``gateway.adapters.channels.delivery``)."""

    def channel_for(self, partner: PartnerProfile | None) -> str: ...

    def send(
        self,
        channel: str,
        partner: PartnerProfile | None,
        partner_id: str,
        name: str,
        data: bytes,
        *,
        in_reply_to: str | None = None,  # email: the partner's message this answers
    ) -> str: ...


class Store(Protocol):
    """Archive one inbound document (``receive``) and return its id; a poller calls it before it
    acknowledges anything on its channel.  ``raw`` is the bytes or a binary file open at its start
    (read a chunk at a time, so a large file is archived in chunks without being held whole)."""

    def __call__(
        self,
        raw: bytes | BinaryIO,
        *,
        filename: str | None,
        message_id: str | None,
        partner: str | None = None,
        hold: str | None = None,
    ) -> int: ...


# an inbound poller: (context, the partner or None for a shared inbox, store) -> anything
Poller = Callable[["Context", "PartnerProfile | None", Store], object]


@dataclass(slots=True)
class Identity:
    """Who we are on the wire."""

    isa_qualifier: str
    isa_id: str
    gs_id: str


class Handover:
    """Purchase orders stored by ``process_document``, kept for ``confirm`` in this same process.

    ``process_document`` puts each new order it committed here under its purchase order id;
    ``confirm_document`` takes them back instead of reading and validating their canonical JSON
    again (what it would read is what was stored from this very object).  When a step runs in
    another process (workers) or the order was dropped (at most ``limit`` are held, the oldest
    go first), the order is read from the database as before.  Taking an order removes it.
    """

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self._orders: OrderedDict[int, Any] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, orders: dict[int, Any]) -> None:
        if self.limit <= 0:
            return
        with self._lock:
            self._orders.update(orders)
            while len(self._orders) > self.limit:
                self._orders.popitem(last=False)

    def take(self, purchase_order_id: int) -> Any | None:
        with self._lock:
            return self._orders.pop(purchase_order_id, None)

    def __len__(self) -> int:
        return len(self._orders)


@dataclass(slots=True)
class Context:
    """Everything a pipeline step needs, chosen once by the bootstrap."""

    uow: Callable[[], UnitOfWork]
    dispatcher: Dispatcher
    identity: Identity
    outbox: Path
    deliver: Callable[[str, str, bytes], str]  # (partner id, file name, bytes) -> where it went
    # many at once (the same, in parallel where the channel can): [(partner, name, bytes)] -> where
    deliver_many: Callable[[Sequence[tuple[str, str, bytes]]], list[str]] | None = None
    duplicate_interchange_days: int = 30
    answer_unknown_senders: bool = False  # acknowledge interchanges from senders with no profile
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # parsed orders handed from process_document to confirm_document in this process
    handover: Handover = field(default_factory=Handover)
    # outbound on partners' channels (None: everything to the outbox folder through ``deliver``)
    delivery: Delivery | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # inbound pollers by channel name ("folder", "sftp", "imap")
    pollers: dict[str, Poller] = field(default_factory=dict)
    # fulfilment: who we are on invoices, and the GS1 company prefix our SSCCs are made under
    company_name: str = "Ordergate Supply"
    gs1_company_prefix: str = "0614141"
    sscc_extension: int = 0


class InlineDispatcher:
    """Runs steps in this process, in the order they were sent, when ``drain`` is called.

    A queue rather than direct calls: a step that sends the next one returns
    first, so each step commits before the next begins, as it would with workers.
    """

    def __init__(self) -> None:
        self.queue: deque[tuple[str, tuple[int | str, ...]]] = deque()
        self.steps: dict[str, Callable[..., object]] = {}
        self._drain_lock = threading.RLock()

    def send(self, step: str, *args: int | str) -> None:
        self.queue.append((step, args))

    def drain(self) -> int:
        """Run every queued step; callers on several threads (the API's requests, a background
        drainer) take turns, so one step at a time runs, as on the embedded default it must."""
        done = 0
        with self._drain_lock:
            while True:
                try:
                    step, args = self.queue.popleft()
                except IndexError:
                    return done
                self.steps[step](*args)
                done += 1
