"""Real peers for the channel tests, started on loopback by the tests themselves.

- ``Sshd``: OpenSSH's sshd in the foreground (``-D -e``) with its own config, host key and
  authorized_keys under the test's tmp folder, on a free port; key auth only, internal-sftp.
- ``Dovecot``: Dovecot IMAP in the foreground (``-F``) with its own config, a passwd-file user
  and a Maildir under tmp, on a free port, plaintext login on loopback.
- ``SmtpSink``: aiosmtpd collecting the messages it is sent.

Each is skipped (with the reason) when its program is not installed; CI installs them
(``.ci/apt/channels.txt``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"the server exited ({proc.returncode}): {log.read_text(errors='replace')[-2000:]}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}: {log.read_text(errors='replace')[-2000:]}")


def _binary(name: str, *places: str) -> str:
    for place in (*places, shutil.which(name)):
        if place and Path(place).exists():
            return place
    pytest.skip(f"{name} is not installed (Debian package listed in .ci/apt/channels.txt)")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Sshd:
    root: Path
    port: int
    user: str
    client_key: str  # OpenSSH private key text
    host_fingerprint: str
    proc: subprocess.Popen[bytes] | None = None

    def sessions(self) -> list[int]:
        """The per-connection sshd processes (children of the listener)."""
        assert self.proc is not None
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def drop_connections(self) -> int:
        """Kill every connection's server side: the client sees the connection drop."""
        killed = 0
        for pid in self.sessions():
            try:
                os.kill(pid, 9)
                killed += 1
            except ProcessLookupError:
                pass
        return killed


def start_sshd(tmp: Path) -> Sshd:
    sshd = _binary("sshd", "/usr/sbin/sshd")
    keygen = _binary("ssh-keygen", "/usr/bin/ssh-keygen")
    tmp.mkdir(parents=True, exist_ok=True)
    subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / "host_key")], check=True)
    subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / "client_key")], check=True)
    shutil.copy(tmp / "client_key.pub", tmp / "authorized_keys")
    os.chmod(tmp / "authorized_keys", 0o600)
    printed = subprocess.run(
        [keygen, "-l", "-E", "sha256", "-f", str(tmp / "host_key.pub")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fingerprint = printed.split()[1]
    port = free_port()
    user = pwd.getpwuid(os.getuid()).pw_name
    config = tmp / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {tmp / 'host_key'}",
                f"PidFile {tmp / 'sshd.pid'}",
                f"AuthorizedKeysFile {tmp / 'authorized_keys'}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin prohibit-password",
                "Subsystem sftp internal-sftp",
                "LogLevel ERROR",
                "",
            ]
        )
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation directory
    log = tmp / "sshd.log"
    proc = subprocess.Popen(
        [sshd, "-D", "-e", "-f", str(config)], stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    try:
        wait_for_port(port, proc, log)
    except RuntimeError:
        _stop(proc)
        raise
    return Sshd(tmp, port, user, (tmp / "client_key").read_text(), fingerprint, proc)


def stop(server: Any) -> None:
    if server.proc is not None:
        _stop(server.proc)
    if isinstance(server, Dovecot):
        shutil.rmtree(server.root, ignore_errors=True)


@dataclass
class Dovecot:
    root: Path
    port: int
    user: str
    password: str
    proc: subprocess.Popen[bytes] | None = None


def start_dovecot() -> Dovecot:
    """Dovecot on a free port.  Its files live in a folder of their own under /tmp (Dovecot's
    unprivileged processes must reach them, and pytest's tmp folders are private to root); the
    mail belongs to ``nobody`` (Dovecot serves no mail as uid 0)."""
    dovecot = _binary("dovecot", "/usr/sbin/dovecot")
    tmp = Path(tempfile.mkdtemp(prefix="og-dovecot-"))
    os.chmod(tmp, 0o755)
    port = free_port()
    mail_user = pwd.getpwnam("nobody") if os.getuid() == 0 else pwd.getpwuid(os.getuid())
    user, password = "orders", "orders-password"
    (tmp / "mail").mkdir()
    os.chown(tmp / "mail", mail_user.pw_uid, mail_user.pw_gid)
    (tmp / "passwd").write_text(f"{user}:{{PLAIN}}{password}\n")
    os.chmod(tmp / "passwd", 0o644)

    config = tmp / "dovecot.conf"
    config.write_text(
        f"""
base_dir = {tmp / "run"}
state_dir = {tmp / "state"}
log_path = {tmp / "dovecot.log"}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{tmp / "mail"}/Maildir
default_login_user = dovenull
default_internal_user = dovecot
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {tmp / "passwd"}
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={tmp / "mail"}
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
"""
    )
    log = tmp / "dovecot.log"
    log.touch()
    proc = subprocess.Popen(
        [dovecot, "-F", "-c", str(config)], stdout=log.open("ab"), stderr=subprocess.STDOUT
    )
    try:
        wait_for_port(port, proc, log)
    except RuntimeError:
        _stop(proc)
        raise
    return Dovecot(tmp, port, user, password, proc)


@dataclass
class SmtpSink:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    controller: Any = None


def start_smtp_sink() -> SmtpSink:
    from aiosmtpd.controller import Controller

    sink = SmtpSink(free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            msg = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(msg, EmailMessage)
            sink.messages.append(msg)
            return "250 OK"

    sink.controller = Controller(Handler(), hostname="127.0.0.1", port=sink.port)
    sink.controller.start()
    return sink


def wait_until(predicate: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())
