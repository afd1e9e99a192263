"""The order mailbox (imapclient): unseen messages become documents, then the message is filed.

For each unseen message (read with ``BODY.PEEK[]``, so reading marks nothing):
the sender's address finds the partner (``email_senders``: an address, or
``@domain`` for a whole domain); every attachment we take (PDF, CSV, XLSX,
EDI/X12, XML, TXT; a zip is unpacked within a count and size limit) is stored
through ``store`` with the message id ``<Message-ID>#<n>``; then the message is
moved to the processed folder (or the failed folder when an attachment was
refused).  A mail from an unknown sender is stored and held for review; a mail
with nothing to take is stored whole (``message.eml``) and held for review:
nothing is dropped.  A crash between the store and the move leaves the message
unseen in the mailbox; the next poll stores nothing twice (same Message-ID)
and files it.
"""

from __future__ import annotations

import hashlib
import io
import ssl
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from pathlib import PurePosixPath

import imapclient
from imapclient.exceptions import IMAPClientError

from gateway.domain.channels import SUPPORTED_ATTACHMENTS
from gateway.errors import ChannelError
from gateway.services.ports import Store

TAKEN_TYPES = {
    "application/pdf": ".pdf",
    "text/csv": ".csv",
    "application/edi-x12": ".edi",
    "application/edifact": ".edi",
    "application/xml": ".xml",
    "text/xml": ".xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel": ".xls",
}


@dataclass(frozen=True, slots=True)
class ImapSettings:
    host: str
    user: str
    password: str
    port: int = 993
    ssl: bool = True
    mailbox: str = "INBOX"
    processed: str = "Processed"
    failed: str = "Failed"
    max_bytes: int = 50 * 1024 * 1024  # one attachment, or a zip's content together
    zip_max_files: int = 100
    timeout: float = 30.0


@dataclass(slots=True)
class Attachment:
    filename: str
    data: bytes


@dataclass(slots=True)
class MailMessage:
    uid: int
    message_id: str
    sender: str
    subject: str | None
    partner_id: str | None
    stored: list[tuple[str, int]] = field(default_factory=list)  # (file name, document id)
    refused: list[str] = field(default_factory=list)


# the sender's address -> the partner's id, or None
FindPartner = Callable[[str], "str | None"]


def extract(msg: EmailMessage, max_bytes: int, zip_max_files: int) -> tuple[list[Attachment], list[str]]:
    """The attachments we take from ``msg`` (zips unpacked), and why any was refused."""
    taken: list[Attachment] = []
    refused: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        ctype = part.get_content_type()
        if name is None and part.get_content_disposition() != "attachment":
            continue  # the body
        data = part.get_payload(decode=True) or b""
        name = PurePosixPath((name or f"attachment{TAKEN_TYPES.get(ctype, '.bin')}").replace("\\", "/")).name
        suffix = PurePosixPath(name).suffix.lower()
        if suffix == ".zip" or ctype in ("application/zip", "application/x-zip-compressed"):
            inner, problems = _unzip(name, data, max_bytes, zip_max_files)
            taken.extend(inner)
            refused.extend(problems)
        elif suffix in SUPPORTED_ATTACHMENTS or ctype in TAKEN_TYPES:
            if len(data) > max_bytes:
                refused.append(f"{name}: {len(data)} bytes is more than the {max_bytes} allowed")
            else:
                taken.append(Attachment(name, data))
    return taken, refused


def _unzip(name: str, data: bytes, max_bytes: int, max_files: int) -> tuple[list[Attachment], list[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [
            i
            for i in archive.infolist()
            if not i.is_dir()
            and not PurePosixPath(i.filename).name.startswith(".")
            and "__MACOSX" not in i.filename
        ]
    except (zipfile.BadZipFile, ValueError) as exc:
        return [], [f"{name}: not a readable zip ({exc})"]
    if len(members) > max_files:
        return [], [f"{name}: {len(members)} files is more than the {max_files} allowed"]
    declared = sum(i.file_size for i in members)
    if declared > max_bytes:
        return [], [f"{name}: {declared} bytes unpacked is more than the {max_bytes} allowed"]
    out: list[Attachment] = []
    budget = max_bytes
    for info in members:
        inner = PurePosixPath(info.filename).name
        if PurePosixPath(inner).suffix.lower() not in SUPPORTED_ATTACHMENTS:
            continue
        try:
            with archive.open(info) as fh:
                content = fh.read(budget + 1)  # never more than the limit, whatever the header says
        except (zipfile.BadZipFile, RuntimeError, OSError) as exc:
            return [], [f"{name}: {inner} cannot be unpacked ({exc})"]
        if len(content) > budget:
            return [], [f"{name}: more than {max_bytes} bytes unpacked"]
        budget -= len(content)
        out.append(Attachment(f"{name}/{inner}", content))
    return out, []


@contextmanager
def connect(settings: ImapSettings) -> Iterator[imapclient.IMAPClient]:
    try:
        context = ssl.create_default_context() if settings.ssl else None
        client = imapclient.IMAPClient(
            settings.host, port=settings.port, ssl=settings.ssl, ssl_context=context, timeout=settings.timeout
        )
    except (OSError, IMAPClientError) as exc:
        raise ChannelError(f"cannot reach the mailbox at {settings.host}:{settings.port}: {exc}") from exc
    try:
        try:
            client.login(settings.user, settings.password)
        except imapclient.exceptions.LoginError as exc:
            raise ChannelError(
                f"{settings.host} refused the login of {settings.user}", retryable=False
            ) from exc
        yield client
    except (TimeoutError, OSError, IMAPClientError) as exc:
        raise ChannelError(f"IMAP with {settings.host} failed: {exc}") from exc
    finally:
        with suppress(OSError, IMAPClientError):
            client.logout()


def _file(client: imapclient.IMAPClient, uid: int, folder: str) -> None:
    if not client.folder_exists(folder):
        client.create_folder(folder)
    if client.has_capability("MOVE"):
        client.move([uid], folder)
    else:
        client.copy([uid], folder)
        client.delete_messages([uid])
        client.expunge([uid]) if client.has_capability("UIDPLUS") else client.expunge()


def poll(
    settings: ImapSettings,
    find_partner: FindPartner,
    store: Store,
    *,
    limit: int = 200,
    after_store: Callable[[MailMessage], None] | None = None,
) -> list[MailMessage]:
    """Store every unseen message's documents, then file it; see the module docstring.

    ``after_store`` runs for each message once its documents are archived and it is filed
    (receipts go from there)."""
    done: list[MailMessage] = []
    parser = BytesParser(policy=policy.default)
    with connect(settings) as client:
        client.select_folder(settings.mailbox)
        uids = sorted(client.search(["UNSEEN"]))[:limit]
        for uid in uids:
            fetched = client.fetch([uid], ["BODY.PEEK[]"]).get(uid)
            if fetched is None:
                continue  # expunged meanwhile
            raw = fetched[b"BODY[]"]
            msg = parser.parsebytes(raw)
            assert isinstance(msg, EmailMessage)
            message_id = (msg.get("Message-ID") or "").strip() or "sha256:" + hashlib.sha256(raw).hexdigest()
            sender = parseaddr(str(msg.get("From", "")))[1].strip().lower()
            partner_id = find_partner(sender) if sender else None
            mail = MailMessage(uid, message_id, sender, msg.get("Subject"), partner_id)
            hold = (
                None
                if partner_id
                else f"email.unknown_sender: mail from {sender or 'no sender'}, no partner's email sender"
            )
            taken, refused = extract(msg, settings.max_bytes, settings.zip_max_files)
            for n, part in enumerate(taken, start=1):
                doc_id = store(
                    part.data,
                    filename=part.filename,
                    message_id=f"{message_id}#{n}",
                    partner=partner_id,
                    hold=hold,
                )
                mail.stored.append((part.filename, doc_id))
            if not taken:
                reason = "; ".join(refused) or "no attachment this gateway takes"
                doc_id = store(
                    raw,
                    filename="message.eml",
                    message_id=f"{message_id}#message",
                    partner=partner_id,
                    hold=hold or f"email.no_document: {reason}",
                )
                mail.stored.append(("message.eml", doc_id))
            mail.refused = refused
            _file(client, uid, settings.failed if refused or not taken else settings.processed)
            done.append(mail)
            if after_store is not None:
                after_store(mail)
    return done
