"""SFTP with a partner's server (paramiko): fetch what it leaves for us, upload what we send.

Inbound: list ``inbound_dir``; for each settled file (dotfiles, ``.tmp`` and
``.part`` are left alone) download it a chunk at a time into a spool file on
local disk (``spool_dir``, removed afterwards whatever happens), hashing it on
the way, hand the spool file to ``store`` (which commits the raw bytes, in
chunks when it is large), and only then move it to ``archive_dir`` or delete
it on the server.  A connection dropped mid-download stores nothing and leaves
the file where it was; a crash after the store and before the remote move
fetches the file again next time, and the message id (remote name + content
hash) makes the second store a no-op.

Outbound: upload to ``outbound_dir`` under a temporary dot-name and rename it
into place when the whole file is there, so the partner never picks up half
a document.  A partner may name a file it already has: the rename replaces it.

The server's host key is pinned per partner (``host_key``: the ``SHA256:...``
fingerprint ``ssh-keygen -l`` prints); a connection to a server with another
key, or with none pinned, is refused.  Key or password auth, both from secret
references resolved here, at connection time.
"""

from __future__ import annotations

import base64
import hashlib
import io
import posixpath
import socket
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import paramiko

from gateway.adapters.channels.dropfolder import IGNORED_SUFFIXES, Store, hashed_message_id
from gateway.adapters.channels.secrets import resolve
from gateway.domain.channels import SftpSettings
from gateway.errors import ChannelError, ConfigurationError

# (bytes so far, total) during a transfer
Progress = Callable[[int, int], None]


@dataclass(slots=True)
class SftpPoll:
    stored: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


def fingerprint(key: paramiko.PKey) -> str:
    """``SHA256:<base64, unpadded>`` of a public key, as ``ssh-keygen -l -E sha256`` prints it."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _private_key(text: str) -> paramiko.PKey:
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError):
            continue
    raise ConfigurationError("the SFTP private key cannot be read (OpenSSH or PEM, unencrypted)")


@contextmanager
def connect(settings: SftpSettings) -> Iterator[paramiko.SFTPClient]:
    """An SFTP session on a transport whose host key matched the pinned fingerprint."""
    if not settings.host_key:
        raise ConfigurationError(
            f"no host_key is pinned for {settings.host}: give its SHA256 fingerprint (ssh-keygen -l)"
        )
    password = resolve(settings.password, what="SFTP password")
    key_text = resolve(settings.private_key, what="SFTP private key")
    pkey = _private_key(key_text) if key_text else None
    try:
        sock = socket.create_connection((settings.host, settings.port), timeout=settings.timeout_seconds)
    except OSError as exc:
        raise ChannelError(f"cannot reach {settings.host}:{settings.port}: {exc}") from exc
    transport = paramiko.Transport(sock)
    try:
        transport.banner_timeout = settings.timeout_seconds
        transport.start_client(timeout=settings.timeout_seconds)
        seen = fingerprint(transport.get_remote_server_key())
        if seen != settings.host_key.strip():
            raise ChannelError(
                f"the host key of {settings.host} is {seen}, not the pinned {settings.host_key}",
                code="channel.host_key",
                retryable=False,
            )
        try:
            if pkey is not None:
                transport.auth_publickey(settings.user, pkey)
            if not transport.is_authenticated() and password is not None:
                transport.auth_password(settings.user, password)
        except paramiko.AuthenticationException as exc:
            raise ChannelError(
                f"{settings.host} refused the login of {settings.user}: {exc}",
                code="channel.auth",
                retryable=False,
            ) from exc
        client = paramiko.SFTPClient.from_transport(transport)
        if client is None:  # pragma: no cover - paramiko returns None only without a channel
            raise ChannelError(f"{settings.host} opened no SFTP session")
        client.get_channel().settimeout(settings.timeout_seconds)
        try:
            yield client
        finally:
            client.close()
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise ChannelError(f"SFTP with {settings.host} failed: {exc or type(exc).__name__}") from exc
    finally:
        transport.close()


class _HashingWriter:
    """Writes to a spool file and hashes what passes (``getfo`` calls ``write`` per block)."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.target.write(data)


def _wanted(name: str) -> bool:
    return not name.startswith(".") and not name.lower().endswith(IGNORED_SUFFIXES)


def poll(
    settings: SftpSettings,
    store: Store,
    *,
    progress: Progress | None = None,
    limit: int = 500,
    spool_dir: Path | None = None,
) -> SftpPoll:
    """Fetch, store, then archive or delete remotely, file by file (see the module docstring).

    Each file is spooled in ``spool_dir`` (the system's temporary folder when None)."""
    outcome = SftpPoll()
    if spool_dir is not None:
        spool_dir.mkdir(parents=True, exist_ok=True)
    with connect(settings) as sftp:
        entries = sorted(
            (e for e in sftp.listdir_attr(settings.inbound_dir) if e.st_mode and stat.S_ISREG(e.st_mode)),
            key=lambda e: (e.st_mtime or 0, e.filename),
        )
        for entry in entries[:limit]:
            if not _wanted(entry.filename):
                continue
            remote = posixpath.join(settings.inbound_dir, entry.filename)
            with tempfile.TemporaryFile(prefix="sftp-", dir=spool_dir) as spool:
                writer = _HashingWriter(spool)
                sftp.getfo(remote, writer, callback=progress)
                if entry.st_size is not None and writer.size != entry.st_size:
                    raise ChannelError(f"{remote} came short: {writer.size} of {entry.st_size} bytes")
                spool.seek(0)
                mid = hashed_message_id(entry.filename, writer.digest.hexdigest())
                outcome.stored.append(store(spool, entry.filename, mid))  # committed before the move
            outcome.names.append(entry.filename)
            if settings.archive_dir:
                _replace(sftp, remote, posixpath.join(settings.archive_dir, entry.filename))
            else:
                sftp.remove(remote)
    return outcome


def _replace(sftp: paramiko.SFTPClient, source: str, target: str) -> None:
    """Rename ``source`` to ``target``, replacing it (POSIX rename where the server has it)."""
    try:
        sftp.posix_rename(source, target)
    except OSError:
        with suppress(OSError):
            sftp.remove(target)
        sftp.rename(source, target)


def upload(settings: SftpSettings, name: str, data: bytes, *, progress: Progress | None = None) -> str:
    """Upload ``data`` as ``outbound_dir/name``: written under ``.name.part``, then renamed."""
    final = posixpath.join(settings.outbound_dir, name)
    temporary = posixpath.join(settings.outbound_dir, f".{name}.part")
    with connect(settings) as sftp:
        sftp.putfo(io.BytesIO(data), temporary, file_size=len(data), callback=progress, confirm=True)
        _replace(sftp, temporary, final)
    return f"sftp://{settings.user}@{settings.host}:{settings.port}{final}"
