"""Our embedded SFTP server (asyncssh) for partners who push their documents to us.

Each partner with ``channels.sftp_push`` logs in as its ``user`` (default: its id)
with one of its ``authorized_keys`` (no passwords), and sees only its own home,
``<sftp root>/<user>`` (the SFTP session is chrooted there): it puts files into
``in/`` and takes ours from ``out/``.  Nothing is read here: the ``sftp_push``
poller picks up ``in/`` with the drop-folder rules (settle time, ``.part`` /
``.tmp`` / dotfiles ignored, claim by rename, processed afterwards), so a file
still being uploaded is never read and none is read twice.

Accounts are looked up at each login (a profile change needs no restart).  The
host key is a file (created on first start when missing); its fingerprint is
what partners pin.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from gateway.adapters.channels.folder import safe_name
from gateway.domain.partners import PartnerProfile


@dataclass(frozen=True, slots=True)
class PushAccount:
    partner_id: str
    user: str
    keys: tuple[bytes, ...]  # the public keys' wire form
    home: Path


def home_of(root: Path, user: str) -> Path:
    return root / safe_name(user)


def accounts(partners: list[PartnerProfile], root: Path) -> dict[str, PushAccount]:
    """Login name → account, for every active partner with ``sftp_push``."""
    found: dict[str, PushAccount] = {}
    for p in partners:
        push = p.channels.sftp_push
        if push is None or not p.active:
            continue
        user = push.user or p.id
        keys = tuple(asyncssh.import_public_key(k).public_data for k in push.authorized_keys)
        found[user] = PushAccount(p.id, user, keys, home_of(root, user))
    return found


def load_host_key(path: Path) -> asyncssh.SSHKey:
    """The server's host key from ``path``, made (Ed25519) and saved when the file is missing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = asyncssh.generate_private_key("ssh-ed25519")
        key.write_private_key(str(path))
        path.chmod(0o600)
    return asyncssh.read_private_key(str(path))


def fingerprint(key: asyncssh.SSHKey) -> str:
    return key.get_fingerprint("sha256")


Lookup = Callable[[], dict[str, PushAccount]]


class _Server(asyncssh.SSHServer):
    def __init__(self, lookup: Lookup) -> None:
        self._lookup = lookup
        self.account: PushAccount | None = None

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        account = self._lookup().get(username)
        if account is None or key.public_data not in account.keys:
            return False
        for folder in ("in", "out"):
            (account.home / folder).mkdir(parents=True, exist_ok=True)
        return True


class SftpServer:
    """The server on ``host:port``, running in a thread of its own (``start``/``stop``) or in the
    caller's (``serve_forever``)."""

    def __init__(self, lookup: Lookup, host_key: asyncssh.SSHKey, host: str = "127.0.0.1", port: int = 2222):
        self.lookup = lookup
        self.host_key = host_key
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncssh.SSHAcceptor | None = None

    def _sftp(self, chan: asyncssh.SSHServerChannel) -> asyncssh.SFTPServer:
        user = chan.get_extra_info("username")
        account = self.lookup()[user]
        return asyncssh.SFTPServer(chan, chroot=str(account.home).encode())

    async def _listen(self) -> asyncssh.SSHAcceptor:
        return await asyncssh.create_server(
            lambda: _Server(self.lookup),
            self.host,
            self.port,
            server_host_keys=[self.host_key],
            sftp_factory=self._sftp,
            allow_scp=False,
        )

    def start(self) -> int:
        """Listen in a background thread; the port (a free one when ``port`` was 0)."""
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(self._listen())
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as exc:  # reported to the caller of start
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="sftp-server", daemon=True)
        self._thread.start()
        ready.wait(30)
        if errors:
            raise errors[0]
        return self.port

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None:
            return

        async def close() -> None:
            if server is not None:
                server.close()
                await server.wait_closed()
            loop.stop()

        asyncio.run_coroutine_threadsafe(close(), loop)
        if self._thread is not None:
            self._thread.join(10)

    def serve_forever(self) -> None:
        async def main() -> None:
            server = await self._listen()
            await server.wait_closed()

        asyncio.run(main())
