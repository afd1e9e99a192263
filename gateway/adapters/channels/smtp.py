"""Mail we send (smtplib): outbound documents for partners on the ``email`` channel, and receipts."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from gateway.adapters.channels.delivery import Sender
from gateway.domain.partners import PartnerProfile
from gateway.errors import ChannelError, ConfigurationError


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 25
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    sender: str = "ordergate@localhost"
    timeout: float = 30.0


def send_mail(
    settings: SmtpSettings,
    to: Sequence[str],
    subject: str,
    body: str,
    attachments: Sequence[tuple[str, bytes, str]] = (),
    *,
    in_reply_to: str | None = None,
) -> str:
    """Send one message with ``attachments`` (name, bytes, MIME type); its Message-ID."""
    if not to:
        raise ConfigurationError("a mail needs at least one recipient")
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    for name, data, mime in attachments:
        main, _, sub = mime.partition("/")
        msg.add_attachment(data, maintype=main, subtype=sub or "octet-stream", filename=name)
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user and settings.password is not None:
                smtp.login(settings.user, settings.password)
            smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        raise ChannelError(f"the mail server refused {', '.join(to)}: {exc}", retryable=False) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelError(f"mail to {', '.join(to)} via {settings.host} failed: {exc}") from exc
    return str(msg["Message-ID"])


def mail_sender(settings: SmtpSettings) -> Sender:
    """A delivery sender: the document attached to a mail to the partner's ``send_to`` (a reply to
    the partner's message when ``in_reply_to`` is given: an acknowledgement of what it mailed)."""

    def send(partner: PartnerProfile, name: str, data: bytes, in_reply_to: str | None = None) -> str:
        email = partner.channels.email
        if email is None or not email.send_to:
            raise ConfigurationError(f"partner {partner.id} has no email.send_to")
        prefix = f"{email.subject_prefix} " if email.subject_prefix else ""
        message_id = send_mail(
            settings,
            email.send_to,
            f"{prefix}{name}",
            f"{name} from {settings.sender} for {partner.name} is attached.\n",
            [(name, data, "application/edi-x12")],
            in_reply_to=in_reply_to,
        )
        return f"mailto:{','.join(email.send_to)}#{message_id}"

    return send


def send_receipt(
    settings: SmtpSettings,
    to: str,
    partner: PartnerProfile,
    message_id: str,
    received: Sequence[tuple[str, int]],
    subject: str | None,
) -> str:
    """Tell a partner which of its mail's documents we archived (name, document id), attached as
    a plain-text receipt; a reply to its message."""
    email = partner.channels.email
    prefix = f"{email.subject_prefix} " if email and email.subject_prefix else ""
    lines = [f"{doc_id}\t{name}" for name, doc_id in received]
    receipt = "document\tfile\n" + "\n".join(lines) + "\n"
    return send_mail(
        settings,
        [to],
        f"{prefix}Received: {subject or message_id}",
        f"We received {len(received)} document(s) from your message {message_id}.\n",
        [("receipt.txt", receipt.encode(), "text/plain")],
        in_reply_to=message_id,
    )
