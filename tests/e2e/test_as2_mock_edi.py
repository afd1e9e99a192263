"""mock-edi buys from us over AS2: its 850 comes to our ``POST /as2``, our 997 and 855 go to its ``/as2``.

mock-edi runs as its own process (``tests/e2e/mock_edi.py``); its partner
``ORDERGATE`` (us, role supplier) carries ``as2_url`` = our endpoint, so its
courier POSTs the 850 to us and takes our synchronous MDN.  Our pipeline runs
off the request path and delivers the 997 and 855 with ``send_as2`` to the
mock's ``/as2``, whose MDNs we verify and record; the mock answers our 855 with
its own 997, again by AS2 to us.

Where mock-edi 0.9 is narrower than RFC 4130 (pinned below):

- it has no S/MIME: it sends unsigned, unencrypted messages and refuses signed or
  encrypted ones (``insufficient-message-security``), so this exchange is plain;
- its MIC (Received-Content-MIC) is a digest of the HTTP body alone, where
  RFC 4130 §7.3.1 digests the MIME entity, headers included.  We accept a body-only
  MIC for an unsigned message (``Outgoing.body_mic``) and check that it matches.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.adapters.channels.as2 import as2_deliver, load_identity
from gateway.adapters.channels.as2_mime import mic, unsigned_entity
from gateway.adapters.db.tables import audit_log, inbound_documents, outbound_documents, sales_orders
from gateway.bootstrap import build, folder_delivery, init_database
from gateway.config import Settings
from gateway.entrypoints.api.app import create_app
from tests.as2_support import make_keypair, serving_app, wait_for
from tests.e2e.mock_edi import MockEdiProcess
from tests.e2e.test_mock_edi_buyer import LINES, PLENTY, write_catalog

pytestmark = pytest.mark.peer

SUPPLIER, BUYER = "ORDERGATE", "MOCKEDI"


def write_partner(directory: Path, mock_url: str) -> None:
    directory.mkdir(parents=True)
    (directory / "mockedi.yaml").write_text(
        f"""\
id: {BUYER}
name: Mock EDI Supply Co
identities:
  x12: {{isa_qualifier: ZZ, isa_id: {BUYER}, gs_id: {BUYER}, version: "004010"}}
  as2_id: {BUYER}
documents: {{functional_ack: true, ta1: never, po_ack: true, ship_notice: false, invoice: false}}
channels:
  deliver_via: as2
  as2:
    url: {mock_url}/as2
    sign: false            # mock-edi has no S/MIME
    encrypt: false
    require_signed: false
    mdn: sync
    mdn_signed: false
policy: {{short_stock: backorder, id_preference: [VP, BP, UP], ship_lead_days: 0}}
""",
        encoding="utf-8",
    )


def test_mock_edi_orders_by_as2_and_takes_our_answers_by_as2(
    mock_edi: MockEdiProcess, tmp_path: Path
) -> None:
    keys = make_keypair("ordergate")
    (tmp_path / "our.key").write_bytes(keys.key_pem)
    (tmp_path / "our.pem").write_bytes(keys.cert_pem)
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'og.db'}",
        partners_dir=tmp_path / "partners",
        catalog_dir=tmp_path / "catalog",
        outbox_dir=tmp_path / "outbox",
        isa_id=SUPPLIER,
        gs_id=SUPPLIER,
        as2_id=SUPPLIER,
        as2_key=str(tmp_path / "our.key"),
        as2_certificate=str(tmp_path / "our.pem"),
    )
    write_partner(settings.partners_dir, mock_edi.base_url)
    write_catalog(settings.catalog_dir, PLENTY)
    init_database(settings)
    runtime = build(settings)
    with runtime.context.uow() as uow:
        profile = uow.partners.get(BUYER)
    assert profile is not None and profile.as2 is not None
    results = []

    runtime.context.deliver = as2_deliver(
        load_identity(SUPPLIER, settings.as2_key, settings.as2_certificate),
        lambda pid: (profile.as2, profile.as2_id) if pid == BUYER else None,
        folder_delivery(settings.outbox),
        results.append,
    )
    runtime.context.deliver_many = None
    app = create_app(settings, runtime=runtime)
    client = mock_edi.client
    with serving_app(app) as our_url:
        client.expect(
            "POST",
            "/_mock/partners",
            {
                "id": SUPPLIER,
                "name": "Ordergate Supply",
                "role": "supplier",
                "test": 0,
                "as2_url": f"{our_url}/as2",
            },
            status=201,
        )
        po = "4500009001"
        placed = client.expect(
            "POST",
            "/_mock/purchase",
            {
                "partner": SUPPLIER,
                "po_number": po,
                "lines": [
                    {"sku": line.sku, "quantity": str(line.quantity), "uom": "EA", "price": line.price}
                    for line in LINES
                ],
            },
            status=201,
        )
        assert placed["sent"]["code"] == "850"

        def mock_mdns() -> list[dict]:
            return client.expect("GET", "/_mock/mdns")

        # the mock's 850 reached us by AS2 and our MDN said processed
        wait_for(lambda: [m for m in mock_mdns() if m["direction"] == "in" and m["disposition"]], timeout=20)
        # our 997 and 855 went back by AS2, the mock answered each with a processed MDN
        wait_for(lambda: len(results) == 2, timeout=30)
        # and the mock's 997 for our 855 came to us by AS2 as well
        wait_for(lambda: _count_as2_documents(runtime) == 2, timeout=30)
        assert app.state.as2_drainer.wait_idle(30)

    inbound_mdn = [m for m in mock_mdns() if m["direction"] == "in"]
    # our MDNs for its 850 and for its 997 of our 855
    assert [m["disposition"].split(";")[-1].strip() for m in inbound_mdn] == ["processed", "processed"]
    assert all(r.ok and r.status == "delivered" and r.disposition == "processed" for r in results), results
    with runtime.engine.connect() as c:
        assert c.execute(select(sales_orders.c.status)).scalars().all() != []
        sent = c.execute(select(audit_log.c.detail).where(audit_log.c.action == "delivered")).scalars().all()
    # the pipeline's own record of each delivery names the AS2 message and the partner's disposition
    assert len(sent) == 2 and all(d["to"].startswith("as2:") and d["to"].endswith(" processed") for d in sent)

    events = client.timeline(po, partner=SUPPLIER)["events"]
    acknowledged = [e for e in events if e["event"] == "acknowledged"]
    assert [(e["code"], e["status"]) for e in acknowledged] == [("850", "accepted")]
    received = [e for e in events if e["event"] == "received"]
    assert [(e["code"], e["transport"], e["accepted"]) for e in received] == [("855", "as2", True)]

    # mock-edi 0.9's MIC covers the body only, not the MIME entity of RFC 4130 §7.3.1
    with runtime.engine.connect() as c:
        bodies = c.execute(select(outbound_documents.c.data)).scalars().all()
    theirs = sorted(m["mic"] for m in mock_mdns() if m["direction"] == "out")
    assert theirs == sorted(body_mic(b) for b in bodies)
    rfc = {mic(unsigned_entity("application/edi-x12", b), "sha256").split(",")[0] for b in bodies}
    assert rfc.isdisjoint(theirs)
    assert sorted(r.mic.split(",")[0] for r in results) == theirs  # and we took it, for unsigned messages
    runtime.engine.dispose()


def _count_as2_documents(runtime) -> int:
    with runtime.engine.connect() as c:
        return len(
            c.execute(select(inbound_documents.c.id).where(inbound_documents.c.channel == "as2")).all()
        )


def body_mic(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()
