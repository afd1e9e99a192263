"""A partner's channels: where its documents come from and where ours go.

Plain settings, validated on load by ``mappings.schema``.  Secrets stay
references (``env:NAME`` or ``file:/path``); only the channel adapter resolves
them, when it connects.  ``deliver_via`` names the channel outbound documents
take; without one they go to the outbox folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

OUTBOUND_CHANNELS = ("folder", "sftp", "as2", "email", "http", "sftp_push")


@dataclass(slots=True)
class FolderSettings:
    """A drop folder we poll (``inbox``) and a folder we write to (``outbox``); relative paths are
    under the data folder."""

    inbox: str | None = None
    outbox: str | None = None
    archive: str | None = None  # where picked-up files go (default: ``inbox``/processed)
    poll_seconds: int = 30
    settle_seconds: int = 5  # a file changed more recently than this is still being written


@dataclass(slots=True)
class SftpSettings:
    """The partner's SFTP server: we fetch from ``inbound_dir`` and upload to ``outbound_dir``."""

    host: str
    user: str
    port: int = 22
    password: str | None = None  # a reference: env:NAME or file:/path
    private_key: str | None = None  # a reference to the key text (OpenSSH or PEM)
    host_key: str | None = None  # SHA256:... fingerprint of the server's host key (pinned)
    inbound_dir: str = "/"
    outbound_dir: str = "/"
    archive_dir: str | None = None  # remote folder picked-up files move to (default: deleted)
    poll_seconds: int = 300
    timeout_seconds: int = 30


@dataclass(slots=True)
class EmailSettings:
    """Where our documents are mailed, and whether the partner wants a receipt for what it mails."""

    send_to: list[str] = field(default_factory=list)
    subject_prefix: str | None = None
    confirm_receipt: bool = False  # a receipt mail after its message's documents are archived


@dataclass(slots=True)
class HttpSettings:
    """The partner's HTTP endpoint that takes our documents (POST, bearer token)."""

    url: str
    token: str | None = None  # a reference


@dataclass(slots=True)
class HttpInSettings:
    """The partner uploads to ``POST /api/documents`` with this token (a reference)."""

    token: str


@dataclass(slots=True)
class SftpPushSettings:
    """The partner pushes to our embedded SFTP server: key login, a home of its own with ``in/``
    (picked up like a drop folder) and ``out/`` (our documents, when it is ``deliver_via``)."""

    authorized_keys: list[str] = field(default_factory=list)  # OpenSSH public key lines
    user: str | None = None  # the login name (default: the partner id)
    poll_seconds: int = 30
    settle_seconds: int = 5


@dataclass(slots=True)
class Channels:
    deliver_via: str | None = None
    folder: FolderSettings | None = None
    sftp: SftpSettings | None = None
    email: EmailSettings | None = None
    http: HttpSettings | None = None
    http_in: HttpInSettings | None = None
    sftp_push: SftpPushSettings | None = None

    def outbound_channel(self) -> str | None:
        """The channel outbound documents take: ``deliver_via``, else the first one configured
        (``None``: the outbox folder)."""
        if self.deliver_via:
            return self.deliver_via
        for name in OUTBOUND_CHANNELS:
            if getattr(self, name, None) is not None:
                return name
        return None

    def pollers(self) -> dict[str, int]:
        """The inbound channels we poll for this partner, with their interval in seconds."""
        out: dict[str, int] = {}
        if self.folder is not None and self.folder.inbox:
            out["folder"] = self.folder.poll_seconds
        if self.sftp is not None:
            out["sftp"] = self.sftp.poll_seconds
        if self.sftp_push is not None:
            out["sftp_push"] = self.sftp_push.poll_seconds
        return out


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded attempts with exponential back-off: attempt n waits ``base × factor^(n-1)``, at most
    ``most``; after ``max_attempts`` failures the document is marked failed for a person."""

    max_attempts: int = 6
    base: timedelta = timedelta(seconds=30)
    factor: float = 4.0
    most: timedelta = timedelta(hours=2)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failure."""
        seconds = self.base.total_seconds() * self.factor ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.most.total_seconds()))

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


SUPPORTED_ATTACHMENTS = (".pdf", ".csv", ".xlsx", ".xls", ".edi", ".x12", ".txt", ".xml", ".850", ".dat")
