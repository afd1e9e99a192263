"""The one place adapters are chosen: database, dispatch and delivery.

``build(settings)`` returns a ``Runtime``: the services' ``Context`` wired to a
SQLAlchemy unit of work on ``settings.db_url`` and, by default, an in-process
dispatcher that runs the pipeline steps in order when drained.  With
``dispatch="dramatiq"`` the steps are sent to dramatiq actors instead (Redis
when ``REDIS_URL`` is set).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.engine import Engine

from gateway.adapters.channels.folder import safe_name, write_atomically, write_many
from gateway.adapters.db.engine import make_engine
from gateway.adapters.db.migrate import upgrade
from gateway.adapters.db.uow import SqlUnitOfWork
from gateway.config import Settings
from gateway.services.confirm import confirm_document, confirm_purchase_order
from gateway.services.emit import deliver, emit_855
from gateway.services.ports import Context, Dispatcher, Identity, InlineDispatcher
from gateway.services.process_document import process_document
from gateway.services.split import confirm_range
from mappings.catalog import load_catalog
from mappings.loader import load_partners

STEPS: dict[str, Callable[..., object]] = {
    "process_document": process_document,
    "confirm_document": confirm_document,
    "confirm_order": confirm_purchase_order,
    "confirm_range": confirm_range,
    "emit_855": emit_855,
    "deliver": deliver,
}


@dataclass(slots=True)
class Runtime:
    settings: Settings
    engine: Engine
    context: Context
    dispatcher: Dispatcher

    def drain(self) -> int:
        """Run queued steps in this process (the embedded default); 0 when steps go to workers."""
        return self.dispatcher.drain() if isinstance(self.dispatcher, InlineDispatcher) else 0


def folder_delivery(outbox: Path) -> Callable[[str, str, bytes], str]:
    def deliver_to_folder(partner_id: str, name: str, data: bytes) -> str:
        return str(write_atomically(outbox / safe_name(partner_id), name, data))

    return deliver_to_folder


def folder_delivery_many(outbox: Path) -> Callable[[Sequence[tuple[str, str, bytes]]], list[str]]:
    def deliver_many_to_folder(files: Sequence[tuple[str, str, bytes]]) -> list[str]:
        written = write_many(
            [(outbox / safe_name(partner_id), name, data) for partner_id, name, data in files]
        )
        return [str(p) for p in written]

    return deliver_many_to_folder


def build(settings: Settings, *, dispatch: Literal["inline", "dramatiq"] = "inline") -> Runtime:
    engine = make_engine(settings.db_url)
    dispatcher: Dispatcher
    if dispatch == "dramatiq":
        from gateway.entrypoints.workers.dispatch import DramatiqDispatcher

        dispatcher = DramatiqDispatcher()
    else:
        dispatcher = InlineDispatcher()
    context = Context(
        uow=partial(SqlUnitOfWork, engine),
        dispatcher=dispatcher,
        identity=Identity(settings.isa_qualifier, settings.isa_id, settings.gs_id),
        outbox=settings.outbox,
        deliver=folder_delivery(settings.outbox),
        deliver_many=folder_delivery_many(settings.outbox),
        duplicate_interchange_days=settings.duplicate_interchange_days,
        answer_unknown_senders=settings.answer_unknown_senders,
    )
    if isinstance(dispatcher, InlineDispatcher):
        dispatcher.steps = {name: partial(fn, context) for name, fn in STEPS.items()}
    return Runtime(settings, engine, context, dispatcher)


def build_queued(
    settings: Settings, broker: Any = None, *, metrics: Any = None, faults: Any = None
) -> tuple[Runtime, Any]:
    """A runtime whose steps go through dramatiq actors on ``broker`` (Redis by ``settings.redis_url``).

    ``metrics`` (``StepMetrics``) times the steps this process runs; ``faults`` (test-only
    ``Faults``) makes it kill itself at a named point."""
    from gateway.entrypoints.workers.dispatch import bind_queue, make_broker

    runtime = build(settings, dispatch="dramatiq")
    broker = (
        broker if broker is not None else make_broker(settings.redis_url, namespace=settings.redis_namespace)
    )
    bind_queue(runtime, broker, metrics=metrics, faults=faults)
    return runtime, broker


def run_step(context: Context, step: str, *args: Any) -> object:
    return STEPS[step](context, *args)


def init_database(settings: Settings, *, load_reference: bool = True) -> dict[str, int]:
    """Create or upgrade the schema; load partners and the catalog from their folders."""
    upgrade(settings.db_url)
    if not load_reference:
        return {}
    partners = load_partners(settings.partners_dir)
    catalog = load_catalog(settings.catalog_dir)
    engine = make_engine(settings.db_url)
    try:
        with SqlUnitOfWork(engine) as uow:
            for profile in partners.values():
                uow.partners.upsert(profile)
            for item in catalog.items.values():
                uow.catalog.upsert_item(item)
            for warehouse in catalog.warehouses:
                uow.catalog.upsert_warehouse(warehouse)
            for level in catalog.stock:
                uow.catalog.set_stock(level.sku, level.warehouse, level.on_hand)
            uow.audit.record(
                "system",
                "reference_data",
                "load",
                "loaded",
                {"partners": sorted(partners), "items": len(catalog.items)},
            )
            uow.commit()
    finally:
        engine.dispose()
    return {
        "partners": len(partners),
        "items": len(catalog.items),
        "warehouses": len(catalog.warehouses),
        "stock_rows": len(catalog.stock),
    }
