"""Throwaway AS2 keys and certificates, and pyas2lib set up as the trading partner, for the AS2 tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from gateway.adapters.channels import oscrypto_compat

oscrypto_compat.install()  # test-time too: pyas2lib is the partner

from pyas2lib import as2 as pyas2  # noqa: E402


@dataclass(frozen=True)
class KeyPair:
    key_pem: bytes
    cert_pem: bytes

    @property
    def bundle(self) -> bytes:
        return self.key_pem + self.cert_pem


def make_keypair(name: str, *, days_before: int = 1, days_after: int = 365) -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=days_before))
        .not_valid_after(now + timedelta(days=days_after))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        cert.public_bytes(serialization.Encoding.PEM),
    )


def partner_org(as2_id: str, keys: KeyPair, mdn_url: str | None = None) -> pyas2.Organization:
    return pyas2.Organization(as2_name=as2_id, sign_key=keys.bundle, decrypt_key=keys.bundle, mdn_url=mdn_url)


def us_as_seen_by_partner(
    as2_id: str,
    cert_pem: bytes,
    *,
    sign: bool = False,
    encrypt: bool = False,
    compress: bool = False,
    mdn_mode: str | None = "SYNC",
    mdn_digest_alg: str | None = "sha256",
    enc_alg: str = "tripledes_192_cbc",
) -> pyas2.Partner:
    return pyas2.Partner(
        as2_name=as2_id,
        verify_cert=cert_pem,
        encrypt_cert=cert_pem,
        validate_certs=False,
        sign=sign,
        encrypt=encrypt,
        compress=compress,
        mdn_mode=mdn_mode,
        mdn_digest_alg=mdn_digest_alg,
        enc_alg=enc_alg,
    )


# --- servers on loopback ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving_app(app: object) -> Iterator[str]:
    """``app`` under uvicorn on a free loopback port, in a thread; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    path: str


Handler = Callable[[Received], tuple[int, dict[str, str], bytes]]


@contextmanager
def http_peer(handle: Handler) -> Iterator[tuple[str, list[Received]]]:
    """A plain HTTP server on loopback answering every POST with ``handle``; yields (URL, what came)."""
    got: list[Received] = []

    class Peer(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            item = Received(dict(self.headers.items()), body, self.path)
            got.append(item)
            status, headers, payload = handle(item)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Peer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", got
    finally:
        server.shutdown()
        server.server_close()


def raw_of(headers: dict[str, str], body: bytes) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode() + b"\r\n" + body


def wait_for(check: Callable[[], object], timeout: float = 15.0) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)
