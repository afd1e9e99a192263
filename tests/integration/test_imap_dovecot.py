"""The order mailbox against Dovecot IMAP on loopback, receipts and mailed documents via an
aiosmtpd sink: attachments become documents, messages are filed, nothing is dropped or doubled."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import imapclient
import pytest

from gateway.adapters.channels import imap
from gateway.bootstrap import Runtime, build, imap_settings, init_database
from gateway.config import Settings
from gateway.services.emit import deliver
from gateway.services.polling import SHARED, poll_channel
from gateway.services.receive import receive
from tests.integration.channel_peers import (
    Dovecot,
    SmtpSink,
    start_dovecot,
    start_smtp_sink,
    stop,
    wait_until,
)
from tests.integration.pipeline_helpers import FIXED_NOW, sample

ACME = sample("850-4010-acme.x12")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CSV = b"po,sku,qty\n4711,HAM-16,10\n"


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    server = start_dovecot()
    yield server
    stop(server)


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    sink = start_smtp_sink()
    yield sink
    sink.controller.stop()


@pytest.fixture
def runtime(db_url: str, tmp_path: Path, dovecot: Dovecot, smtp: SmtpSink) -> Iterator[Runtime]:
    smtp.messages.clear()
    settings = Settings(
        data_dir=tmp_path,
        database_url=db_url,
        outbox_dir=tmp_path / "outbox",
        delivery="channels",
        imap_host="127.0.0.1",
        imap_port=dovecot.port,
        imap_ssl=False,
        imap_user=dovecot.user,
        imap_password=dovecot.password,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        mail_from="orders@ordergate.example",
        zip_max_files=3,
    )
    init_database(settings)
    rt = build(settings)
    rt.context.clock = lambda: FIXED_NOW
    with rt.context.uow() as uow:
        acme = uow.partners.get("ACMEHARDWARE")
        assert acme is not None
        from gateway.domain.channels import EmailSettings

        acme.channels.email = EmailSettings(send_to=["edi@acmehardware.example"], confirm_receipt=True)
        uow.partners.upsert(acme)
        uow.commit()
    yield rt
    rt.engine.dispose()


def _mail(
    sender: str, message_id: str, attachments: list[tuple[str, bytes, str]], subject: str = "PO"
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Purchasing <{sender}>"
    msg["To"] = "orders@ordergate.example"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg.set_content("Please find our order attached.")
    for name, data, mime in attachments:
        main, _, sub = mime.partition("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return msg.as_bytes()


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buffer.getvalue()


def _client(dovecot: Dovecot) -> imapclient.IMAPClient:
    c = imapclient.IMAPClient("127.0.0.1", port=dovecot.port, ssl=False)
    c.login(dovecot.user, dovecot.password)
    return c


def _append(dovecot: Dovecot, *messages: bytes) -> None:
    c = _client(dovecot)
    for m in messages:
        c.append("INBOX", m)
    c.logout()


def _count(dovecot: Dovecot, folder: str) -> int:
    c = _client(dovecot)
    try:
        if not c.folder_exists(folder):
            return 0
        return int(c.select_folder(folder, readonly=True)[b"EXISTS"])
    finally:
        c.logout()


def test_attachments_become_documents_the_message_is_filed_and_confirmed_by_mail(
    runtime: Runtime, dovecot: Dovecot, smtp: SmtpSink
) -> None:
    _append(
        dovecot,
        _mail(
            "purchasing@acmehardware.example",
            "<po-1@acmehardware.example>",
            [
                ("po.edi", ACME, "application/edi-x12"),
                ("po.pdf", PDF, "application/pdf"),
                ("lines.csv", CSV, "text/csv"),
                ("logo.png", b"\x89PNG", "image/png"),
                (
                    "more.zip",
                    _zip({"a.csv": CSV, "b.xml": b"<order/>", "__MACOSX/._a.csv": b"x"}),
                    "application/zip",
                ),
            ],
        ),
    )
    ctx = runtime.context
    assert poll_channel(ctx, SHARED, "imap") == 5
    runtime.drain()
    with ctx.uow() as uow:
        docs = sorted(uow.documents.list(), key=lambda d: d.id)
        first_raw = uow.documents.get(docs[0].id).raw
    assert [d.filename for d in docs] == ["po.edi", "po.pdf", "lines.csv", "more.zip/a.csv", "more.zip/b.xml"]
    assert all(d.channel == "email" and d.partner_id == "ACMEHARDWARE" for d in docs)
    assert [d.message_id for d in docs] == [f"<po-1@acmehardware.example>#{n}" for n in range(1, 6)]
    assert docs[0].status == "acknowledged" and first_raw == ACME
    # each attachment goes the way of its format: a PDF with no pages is archived as rejected with
    # the reason; the CSV's PO is read, the same PO again in the zip is recognised as a duplicate;
    # an XML that is no order we know waits for a person
    assert [d.status for d in docs[1:]] == ["rejected", "parsed", "duplicate", "needs_review"]
    assert _count(dovecot, "INBOX") == 0 and _count(dovecot, "Processed") == 1
    assert wait_until(lambda: any("Received" in str(m["Subject"]) for m in smtp.messages))
    receipt = next(m for m in smtp.messages if "Received" in str(m["Subject"]))
    assert receipt["To"] == "purchasing@acmehardware.example"
    assert receipt["In-Reply-To"] == "<po-1@acmehardware.example>"
    text = next(receipt.iter_attachments()).get_content()
    assert all(f"{d.id}\t{d.filename}" in text for d in docs)
    # the 997 for the EDI attachment goes back by mail, a reply to the partner's message
    assert wait_until(lambda: any(m["To"] == "edi@acmehardware.example" for m in smtp.messages))
    ack_mail = next(m for m in smtp.messages if m["To"] == "edi@acmehardware.example")
    assert ack_mail["In-Reply-To"] == "<po-1@acmehardware.example>"
    with ctx.uow() as uow:
        (ack,) = uow.outbound.list(inbound_document_id=docs[0].id)
    assert "997" in ack.doc_type and ack.channel == "email" and ack.delivery_status == "sent"
    assert next(ack_mail.iter_attachments()).get_content() == ack.data
    # polled again: nothing new
    assert poll_channel(ctx, SHARED, "imap") == 0


def test_unknown_senders_and_empty_mails_are_held_for_review_never_dropped(
    runtime: Runtime, dovecot: Dovecot
) -> None:
    _append(
        dovecot,
        _mail(
            "someone@stranger.example", "<s-1@stranger.example>", [("po.edi", ACME, "application/edi-x12")]
        ),
        _mail("purchasing@acmehardware.example", "<empty@acmehardware.example>", [], subject="call me"),
        _mail(
            "purchasing@acmehardware.example",
            "<bomb@acmehardware.example>",
            [("many.zip", _zip({f"{i}.csv": CSV for i in range(5)}), "application/zip")],
        ),
    )
    ctx = runtime.context
    assert poll_channel(ctx, SHARED, "imap") == 3
    runtime.drain()
    with ctx.uow() as uow:
        docs = {d.message_id: d for d in uow.documents.list()}
        sales = uow.sales_orders.list()
        empty_raw = uow.documents.get(docs["<empty@acmehardware.example>#message"].id).raw
    stranger = docs["<s-1@stranger.example>#1"]
    assert stranger.status == "needs_review" and stranger.partner_id is None
    assert stranger.diagnostics[0]["code"] == "email.unknown_sender"
    assert sales == []  # held: not processed until a person looks
    empty = docs["<empty@acmehardware.example>#message"]
    assert empty.filename == "message.eml" and empty.status == "needs_review" and b"call me" in empty_raw
    bomb = docs["<bomb@acmehardware.example>#message"]
    assert bomb.diagnostics[0]["code"] == "email.no_document" and "5 files" in bomb.diagnostics[0]["message"]
    assert _count(dovecot, "INBOX") == 0
    assert _count(dovecot, "Processed") == 1 and _count(dovecot, "Failed") == 2


def test_a_poller_killed_between_archive_and_filing_stores_nothing_twice(
    runtime: Runtime, dovecot: Dovecot
) -> None:
    _append(
        dovecot,
        _mail(
            "purchasing@acmehardware.example",
            "<po-2@acmehardware.example>",
            [("po.edi", ACME, "application/edi-x12"), ("po.pdf", PDF, "application/pdf")],
        ),
    )
    ctx = runtime.context
    settings = imap_settings(runtime.settings)
    assert settings is not None
    calls = []

    def store(raw: bytes, *, filename: str, message_id: str, partner: str | None, hold: str | None) -> int:
        doc_id = receive(
            ctx, raw, channel="email", filename=filename, message_id=message_id, partner_id=partner, hold=hold
        )
        calls.append(doc_id)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed after archiving, before the message was filed")
        return doc_id

    def find(address: str) -> str | None:
        return "ACMEHARDWARE" if address.endswith("@acmehardware.example") else None

    with pytest.raises(KeyboardInterrupt):
        imap.poll(settings, find, store)  # type: ignore[arg-type]
    assert _count(dovecot, "INBOX") == 1  # still there, still unseen
    done = imap.poll(settings, find, store)  # type: ignore[arg-type]
    assert [m.message_id for m in done] == ["<po-2@acmehardware.example>"]
    assert calls[2:] == calls[:2]  # the same two documents, stored once
    with ctx.uow() as uow:
        assert len(uow.documents.list()) == 2
    assert _count(dovecot, "INBOX") == 0 and _count(dovecot, "Processed") == 1


def test_documents_are_mailed_to_partners_on_the_email_channel(runtime: Runtime, smtp: SmtpSink) -> None:
    ctx = runtime.context
    with ctx.uow() as uow:
        corner = uow.partners.get("CORNERSTORE")
        assert corner is not None and corner.channels.email is not None
        corner.channels.deliver_via = "email"
        uow.partners.upsert(corner)
        out_id = uow.outbound.add("CORNERSTORE", "855", b"ISA*855*mail", key="m")
        uow.commit()
    deliver(ctx, out_id)
    assert wait_until(lambda: any(m["To"] == "edi@cornerstorehw.example" for m in smtp.messages))
    mailed = next(m for m in smtp.messages if m["To"] == "edi@cornerstorehw.example")
    assert str(mailed["Subject"]).startswith("[Ordergate] 855-")
    attachment = next(mailed.iter_attachments())
    assert attachment.get_content() == b"ISA*855*mail"
    with ctx.uow() as uow:
        out = uow.outbound.get(out_id)
    assert out is not None and out.delivery_status == "sent" and out.channel == "email"
