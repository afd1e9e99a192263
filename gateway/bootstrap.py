"""The one place adapters are chosen: database, dispatch and delivery.

``build(settings)`` returns a ``Runtime``: the services' ``Context`` wired to a
SQLAlchemy unit of work on ``settings.db_url`` and, by default, an in-process
dispatcher that runs the pipeline steps in order when drained.  With
``dispatch="dramatiq"`` the steps are sent to dramatiq actors instead (RabbitMQ
when ``AMQP_URL`` is set, Redis when ``REDIS_URL`` is).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.engine import Engine

from gateway.adapters.channels.delivery import ChannelDelivery, folder_sender
from gateway.adapters.channels.folder import safe_name, write_atomically, write_many
from gateway.adapters.channels.imap import ImapSettings
from gateway.adapters.channels.smtp import SmtpSettings
from gateway.adapters.db.engine import make_engine
from gateway.adapters.db.migrate import upgrade
from gateway.adapters.db.uow import SqlUnitOfWork
from gateway.config import Settings
from gateway.domain.channels import RetryPolicy
from gateway.domain.partners import PartnerProfile
from gateway.errors import ChannelError
from gateway.services.changes import apply_stored_change
from gateway.services.confirm import confirm_document, confirm_purchase_order
from gateway.services.emit import deliver, emit_855
from gateway.services.polling import poll_channel
from gateway.services.ports import Context, Dispatcher, Identity, InlineDispatcher, Poller, Store
from gateway.services.process_document import process_document
from gateway.services.split import confirm_range
from mappings.bins import load_bins
from mappings.catalog import load_catalog
from mappings.loader import load_partners

STEPS: dict[str, Callable[..., object]] = {
    "process_document": process_document,
    "confirm_document": confirm_document,
    "confirm_order": confirm_purchase_order,
    "confirm_range": confirm_range,
    "emit_855": emit_855,
    "apply_change": apply_stored_change,
    "deliver": deliver,
    "poll_channel": poll_channel,
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


def _in_data_dir(settings: Settings, folder: str) -> Path:
    path = Path(folder)
    return path if path.is_absolute() else settings.data_dir / path


def smtp_settings(settings: Settings) -> SmtpSettings | None:
    if not settings.smtp_host:
        return None
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpSettings(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_starttls,
        settings.smtp_user,
        password,
        settings.mail_from,
    )


def imap_settings(settings: Settings) -> ImapSettings | None:
    if not settings.imap_host or not settings.imap_user:
        return None
    return ImapSettings(
        host=settings.imap_host,
        user=settings.imap_user,
        password=settings.imap_password.get_secret_value() if settings.imap_password else "",
        port=settings.imap_port,
        ssl=settings.imap_ssl,
        mailbox=settings.imap_mailbox,
        processed=settings.imap_processed,
        failed=settings.imap_failed,
        max_bytes=settings.attachment_max_bytes,
        zip_max_files=settings.zip_max_files,
    )


def as2_sender(settings: Settings) -> Callable[[PartnerProfile, str, bytes], str]:
    """The partner's AS2 channel as a delivery sender: our identity is loaded on first use; a send
    the partner did not take raises ``ChannelError`` (retried when no answer came, final when its
    MDN refused the document or did not verify)."""
    loaded: list[Callable[..., Any]] = []

    def send(partner: PartnerProfile, name: str, data: bytes) -> str:
        from gateway.adapters.channels.as2 import sender_from_settings

        if partner.as2 is None:
            raise ChannelError(f"{partner.id} has no AS2 channel", retryable=False)
        if not loaded:
            loaded.append(sender_from_settings(settings))
        result = loaded[0](partner.as2, partner.id, name, data)
        if result.ok:
            return f"as2:{result.url} {result.message_id} {result.disposition or result.status}"
        raise ChannelError(
            f"AS2 {result.status} after {result.attempts} attempt(s): {result.detail or result.disposition}",
            code="channel.as2",
            retryable=result.status == "failed",
        )

    return send


def channel_delivery(settings: Settings) -> ChannelDelivery:
    """Senders for every channel we can send on; AS2 registers its own when installed."""
    from gateway.adapters.channels import sftp
    from gateway.adapters.channels.http import post_document

    delivery = ChannelDelivery(settings.outbox)
    delivery.register("folder", folder_sender(settings.data_dir, settings.outbox))

    def sftp_send(partner: PartnerProfile, name: str, data: bytes) -> str:
        assert partner.channels.sftp is not None
        return sftp.upload(partner.channels.sftp, name, data)

    delivery.register("sftp", sftp_send)

    def sftp_push_send(partner: PartnerProfile, name: str, data: bytes) -> str:
        from gateway.adapters.channels.sftp_server import home_of

        assert partner.channels.sftp_push is not None
        out = home_of(settings.sftp_root, partner.channels.sftp_push.user or partner.id) / "out"
        try:
            return str(write_atomically(out, name, data))
        except OSError as exc:
            raise ChannelError(f"the SFTP home {out} cannot be written: {exc}") from exc

    delivery.register("sftp_push", sftp_push_send)
    delivery.register("http", post_document)
    delivery.register("as2", as2_sender(settings))
    smtp = smtp_settings(settings)
    if smtp is not None:
        from gateway.adapters.channels.smtp import mail_sender

        delivery.register("email", mail_sender(smtp))
    return delivery


def pollers(settings: Settings) -> dict[str, Poller]:
    """The inbound pollers ``ordergate poll`` runs: drop folders, SFTP, and the mailbox when set."""

    def folder_poll(ctx: Context, partner: PartnerProfile | None, store: Store) -> object:
        from gateway.adapters.channels import dropfolder

        assert partner is not None and partner.channels.folder is not None
        f = partner.channels.folder
        assert f.inbox is not None
        inbox = _in_data_dir(settings, f.inbox)
        folder = dropfolder.DropFolder(
            inbox=inbox,
            processed=_in_data_dir(settings, f.archive) if f.archive else inbox / "processed",
            failed=inbox / "failed",
            settle_seconds=f.settle_seconds,
        )
        return dropfolder.poll(folder, lambda raw, name, mid: store(raw, filename=name, message_id=mid))

    def sftp_poll(ctx: Context, partner: PartnerProfile | None, store: Store) -> object:
        from gateway.adapters.channels import sftp

        assert partner is not None and partner.channels.sftp is not None
        return sftp.poll(
            partner.channels.sftp,
            lambda raw, name, mid: store(raw, filename=name, message_id=mid),
            spool_dir=settings.spool_dir,
        )

    def sftp_push_poll(ctx: Context, partner: PartnerProfile | None, store: Store) -> object:
        from gateway.adapters.channels import dropfolder
        from gateway.adapters.channels.sftp_server import home_of

        assert partner is not None and partner.channels.sftp_push is not None
        push = partner.channels.sftp_push
        user = push.user or partner.id
        archive = settings.data_dir / "sftp-archive" / safe_name(user)
        folder = dropfolder.DropFolder(
            inbox=home_of(settings.sftp_root, user) / "in",
            processed=archive,
            failed=archive / "failed",
            settle_seconds=push.settle_seconds,
            claims_dir=archive / ".claimed",  # outside the partner's home: it never sees a claim
        )
        return dropfolder.poll(folder, lambda raw, name, mid: store(raw, filename=name, message_id=mid))

    found: dict[str, Poller] = {"folder": folder_poll, "sftp": sftp_poll, "sftp_push": sftp_push_poll}
    imap = imap_settings(settings)
    if imap is not None:
        found["imap"] = mailbox_poller(imap, smtp_settings(settings))
    return found


def mailbox_poller(imap: ImapSettings, smtp: SmtpSettings | None) -> Poller:
    """The shared order mailbox: senders found among the partners' ``email_senders``; receipts
    mailed to partners who want them (``email.confirm_receipt``) when SMTP is set."""

    def poll(ctx: Context, _partner: PartnerProfile | None, store: Store) -> object:
        from gateway.adapters.channels import imap as imap_channel

        with ctx.uow() as uow:
            partners = {p.id: p for p in uow.partners.list(active_only=True)}

        def find_partner(address: str) -> str | None:
            domain = "@" + address.rpartition("@")[2]
            for p in partners.values():
                senders = {s.strip().lower() for s in p.email_senders}
                if address in senders or domain in senders:
                    return p.id
            return None

        def receipt(mail: imap_channel.MailMessage) -> None:
            partner = partners.get(mail.partner_id or "")
            if smtp is None or partner is None or not partner.channels.email:
                return
            if not partner.channels.email.confirm_receipt:
                return
            from gateway.adapters.channels.smtp import send_receipt

            try:
                send_receipt(smtp, mail.sender, partner, mail.message_id, mail.stored, mail.subject)
            except ChannelError as exc:
                with ctx.uow() as uow:
                    uow.audit.record(
                        "system", "email", mail.message_id, "receipt_failed", {"error": exc.message}
                    )
                    uow.commit()

        return imap_channel.poll(imap, find_partner, store, after_store=receipt)

    return poll


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
        delivery=channel_delivery(settings) if settings.delivery == "channels" else None,
        retry=RetryPolicy(
            max_attempts=settings.delivery_max_attempts,
            base=timedelta(seconds=settings.delivery_backoff_seconds),
        ),
        pollers=pollers(settings),
        company_name=settings.company_name,
        gs1_company_prefix=settings.gs1_company_prefix,
        sscc_extension=settings.sscc_extension_digit,
    )
    if isinstance(dispatcher, InlineDispatcher):
        dispatcher.steps = {name: partial(fn, context) for name, fn in STEPS.items()}
    return Runtime(settings, engine, context, dispatcher)


def build_queued(
    settings: Settings, broker: Any = None, *, metrics: Any = None, faults: Any = None
) -> tuple[Runtime, Any]:
    """A runtime whose steps go through dramatiq actors on ``broker`` (by default the one the
    settings name: RabbitMQ by ``amqp_url``, Redis by ``redis_url``).

    ``metrics`` (``StepMetrics``) times the steps this process runs; ``faults`` (test-only
    ``Faults``) makes it kill itself at a named point."""
    from gateway.entrypoints.workers.dispatch import bind_queue, make_broker

    runtime = build(settings, dispatch="dramatiq")
    broker = broker if broker is not None else make_broker(settings)
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
    bins = load_bins(settings.catalog_dir)
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
            if bins:
                uow.shipments.set_bins(bins)
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
