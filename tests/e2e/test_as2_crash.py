"""The server killed between storing an AS2 payload and sending its MDN: never lost, never doubled.

``ordergate serve`` runs as its own process.  The first one dies (``os._exit``)
right after the payload commits: the partner's POST gets no answer.  A fresh
``ordergate serve`` on the same database finds the archived document at start
and processes it (the sweep); the partner, having had no MDN, retries with the
same Message-ID and is told ``processed/Warning: duplicate-document``.  One
document, one sales order, one 855.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from gateway.adapters.db.tables import inbound_documents, outbound_documents, sales_orders
from gateway.bootstrap import init_database
from gateway.config import SAMPLES, Settings
from tests.as2_support import free_port, make_keypair, partner_org, pyas2, us_as_seen_by_partner, wait_for
from tests.e2e.as2_crashing_server import CRASH_EXIT

pytestmark = pytest.mark.peer

ROOT = Path(__file__).resolve().parents[2]
US, BRIGHT = "ORDERGATE-AS2", "BRIGHTSUPPLY-AS2"
PO = (SAMPLES / "x12" / "850-5010-bright.x12").read_bytes()


@contextmanager
def server(env: dict[str, str], module: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    command = [sys.executable, "-m", module, "serve", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(10)


def counts(db_url: str) -> tuple[int, int, int]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as c:
            return tuple(  # type: ignore[return-value]
                int(c.execute(select(func.count()).select_from(t).where(*w)).scalar_one())
                for t, w in (
                    (inbound_documents, ()),
                    (sales_orders, ()),
                    (outbound_documents, (outbound_documents.c.doc_type == "855",)),
                )
            )
    finally:
        engine.dispose()


def test_killed_between_receipt_and_mdn(tmp_path: Path) -> None:
    ours, theirs = make_keypair("us"), make_keypair("bright")
    (tmp_path / "us.key").write_bytes(ours.key_pem)
    (tmp_path / "us.pem").write_bytes(ours.cert_pem)
    partners = tmp_path / "partners"
    partners.mkdir()
    for name in ("bright.yaml",):
        text = (SAMPLES / "partners" / name).read_text()
        (partners / name).write_text(
            text.replace("certs/brightsupply-2026.pem", str(tmp_path / "bright.pem"))
        )
    (tmp_path / "bright.pem").write_bytes(theirs.cert_pem)
    db_url = f"sqlite:///{tmp_path / 'og.db'}"
    env = {
        **os.environ,
        "ORDERGATE_ENVIRONMENT": "test",
        "ORDERGATE_DATABASE_URL": db_url,
        "ORDERGATE_DATA_DIR": str(tmp_path / "data"),
        "ORDERGATE_PARTNERS_DIR": str(partners),
        "ORDERGATE_OUTBOX_DIR": str(tmp_path / "outbox"),
        "ORDERGATE_AS2_ID": US,
        "ORDERGATE_AS2_KEY": str(tmp_path / "us.key"),
        "ORDERGATE_AS2_CERTIFICATE": str(tmp_path / "us.pem"),
    }
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    init_database(Settings(database_url=db_url, partners_dir=partners, data_dir=tmp_path / "data"))

    msg = pyas2.Message(
        sender=partner_org(BRIGHT, theirs),
        receiver=us_as_seen_by_partner(US, ours.cert_pem, sign=True, encrypt=True, compress=True),
    )
    msg.build(PO, content_type="application/edi-x12")

    with server(env, "tests.e2e.as2_crashing_server") as (url, process):
        with pytest.raises(httpx.TransportError):  # no MDN: the connection just ends
            httpx.post(f"{url}/as2", content=msg.content, headers=msg.headers, timeout=10)
        assert process.wait(10) == CRASH_EXIT
    assert counts(db_url) == (1, 0, 0)  # archived, not yet processed

    with server(env, "gateway.entrypoints.cli") as (url, _process):
        # processed once at start, without waiting for the partner
        wait_for(lambda: counts(db_url) == (1, 1, 1), timeout=30)
        # the partner retries the message it had no MDN for
        response = httpx.post(f"{url}/as2", content=msg.content, headers=msg.headers, timeout=10)
        status = pyas2.Mdn().parse(
            "".join(f"{k}: {v}\r\n" for k, v in response.headers.items()).encode()
            + b"\r\n"
            + response.content,
            lambda _m, _r: msg,
        )
        assert status == ("processed/Warning", "duplicate-document")
        time.sleep(1.0)  # the re-queued processing finds its work done
        assert counts(db_url) == (1, 1, 1)
