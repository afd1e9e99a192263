"""AS2 over real HTTP on loopback, pyas2lib as the trading partner, both directions.

Inbound: ``ordergate``'s app under uvicorn; pyas2lib builds each message (every
combination of signed, encrypted, compressed), httpx posts it to ``/as2`` and
pyas2lib verifies the MDN we answer with (signature and MIC).  Outbound:
``send_as2`` posts to a loopback HTTP server in which pyas2lib parses the
message and answers with its (signed) MDN, which we verify.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from gateway.adapters.channels.as2 import as2_deliver, load_identity, send_as2, sender_from_settings
from gateway.adapters.db.tables import audit_log, inbound_documents, outbound_documents, sales_orders
from gateway.bootstrap import build, folder_delivery, init_database
from gateway.config import SAMPLES, Settings
from gateway.domain.as2 import As2Settings, MdnMode
from gateway.entrypoints.api.app import create_app
from mappings.loader import load_partner_file
from tests.as2_support import (
    KeyPair,
    http_peer,
    make_keypair,
    partner_org,
    pyas2,
    raw_of,
    serving_app,
    us_as_seen_by_partner,
    wait_for,
)

US, BRIGHT, STRICT = "ORDERGATE-AS2", "BRIGHTSUPPLY-AS2", "STRICT-AS2"
OURS, THEIRS = make_keypair("ordergate-as2"), make_keypair("brightsupply-as2")
PO = (SAMPLES / "x12" / "850-5010-bright.x12").read_bytes()
COMBOS = list(itertools.product([False, True], repeat=3))  # sign, encrypt, compress


def write_partners(directory: Path, certs: Path, partner_url: str) -> None:
    shutil.copytree(SAMPLES / "partners", directory)
    bright = yaml.safe_load((directory / "bright.yaml").read_text())
    bright["channels"]["as2"] = {
        "url": partner_url,
        "certificates": [str(certs / "theirs.pem")],
        "sign": True,
        "encrypt": True,
        "compress": True,
        "require_signed": False,  # every combination is allowed in from Bright
        "mdn": "sync",
    }
    (directory / "bright.yaml").write_text(yaml.safe_dump(bright))
    (directory / "strict.yaml").write_text(
        f"""\
id: STRICTCO
name: Strict Co
identities:
  x12: {{isa_qualifier: ZZ, isa_id: STRICTCO, gs_id: STRICTCO, version: "004010"}}
  as2_id: {STRICT}
channels:
  as2:
    url: http://127.0.0.1:9/never
    certificates: [{certs / "theirs.pem"}]
    require_signed: true
    require_encrypted: true
"""
    )


@dataclass
class Gateway:
    url: str
    settings: Settings
    app: object

    def engine(self):
        return self.app.state.runtime.engine  # type: ignore[attr-defined]

    def count(self, table, *where) -> int:
        with self.engine().connect() as c:
            return int(c.execute(select(func.count()).select_from(table).where(*where)).scalar_one())

    def idle(self) -> None:
        assert self.app.state.as2_drainer.wait_idle(30)  # type: ignore[attr-defined]


def make_settings(tmp_path: Path, db_url: str, partner_url: str = "http://127.0.0.1:9/unused") -> Settings:
    certs = tmp_path / "certs"
    certs.mkdir(exist_ok=True)
    (certs / "ours.key").write_bytes(OURS.key_pem)
    (certs / "ours.pem").write_bytes(OURS.cert_pem)
    (certs / "theirs.pem").write_bytes(THEIRS.cert_pem)
    write_partners(tmp_path / "partners", certs, partner_url)
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=db_url,
        partners_dir=tmp_path / "partners",
        outbox_dir=tmp_path / "outbox",
        as2_id=US,
        as2_key=f"file:{certs / 'ours.key'}",
        as2_certificate=str(certs / "ours.pem"),
    )
    init_database(settings)
    return settings


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Gateway]:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'og.db'}")
    app = create_app(settings)
    with serving_app(app) as url:
        yield Gateway(url, settings, app)
    app.state.runtime.engine.dispose()  # type: ignore[attr-defined]


def build_from_partner(
    as2_from: str = BRIGHT,
    *,
    sign: bool = True,
    encrypt: bool = True,
    compress: bool = False,
    mdn_mode: str | None = "SYNC",
    mdn_url: str | None = None,
    keys: KeyPair = THEIRS,
    data: bytes = PO,
) -> pyas2.Message:
    msg = pyas2.Message(
        sender=partner_org(as2_from, keys, mdn_url=mdn_url),
        receiver=us_as_seen_by_partner(
            US, OURS.cert_pem, sign=sign, encrypt=encrypt, compress=compress, mdn_mode=mdn_mode
        ),
    )
    msg.build(data, filename="850.x12", content_type="application/edi-x12")
    return msg


def post(gw: Gateway, msg: pyas2.Message, body: bytes | None = None) -> httpx.Response:
    return httpx.post(f"{gw.url}/as2", content=msg.content if body is None else body, headers=msg.headers)


def partner_reads(msg: pyas2.Message, response: httpx.Response) -> tuple[str, str | None]:
    """pyas2lib's verdict on our MDN: verified with our certificate, MIC compared."""
    return pyas2.Mdn().parse(raw_of(dict(response.headers), response.content), lambda _m, _r: msg)


def disposition(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    return (
        next(line for line in text.splitlines() if line.lower().startswith("disposition:"))
        .split(";")[-1]
        .strip()
    )


# -- inbound -----------------------------------------------------------------------------


@pytest.mark.parametrize(("sign", "encrypt", "compress"), COMBOS)
def test_every_combination_in_sync_mdn_signed_and_verified(gateway: Gateway, sign, encrypt, compress) -> None:
    msg = build_from_partner(sign=sign, encrypt=encrypt, compress=compress)
    response = post(gateway, msg)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("multipart/signed")
    assert partner_reads(msg, response) == ("processed", None)
    assert gateway.count(inbound_documents, inbound_documents.c.channel == "as2") == 1
    with gateway.engine().connect() as c:
        raw = c.execute(select(inbound_documents.c.raw)).scalar_one()
    assert raw == PO  # the payload as sent, stored before the MDN came back


def test_stored_then_processed_outside_the_request(gateway: Gateway) -> None:
    response = post(gateway, build_from_partner())
    assert disposition(response.content) == "processed"
    gateway.idle()
    assert gateway.count(sales_orders) == 1
    kinds = {row for (row,) in gateway.engine().connect().execute(select(outbound_documents.c.doc_type))}
    assert {"999", "855"} <= kinds


def test_duplicate_message_id_is_a_warning_and_processed_once(gateway: Gateway) -> None:
    msg = build_from_partner()
    first, again = post(gateway, msg), post(gateway, msg)
    assert disposition(first.content) == "processed"
    assert disposition(again.content) == "processed/Warning: duplicate-document"
    gateway.idle()
    assert gateway.count(inbound_documents) == 1
    assert gateway.count(sales_orders) == 1


def test_tampered_body_is_authentication_failed_and_not_stored(gateway: Gateway) -> None:
    msg = build_from_partner(encrypt=False)
    tampered = msg.content.replace(b"BEG", b"BEX", 1)
    assert tampered != msg.content
    response = post(gateway, msg, tampered)
    assert disposition(response.content) == "processed/Error: authentication-failed"
    assert gateway.count(inbound_documents) == 0
    assert gateway.count(audit_log, audit_log.c.action == "refused") == 1


def test_unknown_partner_and_unsigned_from_a_partner_that_must_sign(gateway: Gateway) -> None:
    response = post(gateway, build_from_partner("NOBODY-AS2"))
    assert disposition(response.content) == "processed/Error: unknown-trading-partner"
    response = post(gateway, build_from_partner(STRICT, sign=False, encrypt=True))
    assert disposition(response.content) == "processed/Error: insufficient-message-security"
    response = post(gateway, build_from_partner(STRICT, sign=True, encrypt=True))
    assert disposition(response.content) == "processed"
    assert gateway.count(inbound_documents) == 1


def test_wrong_key_is_decryption_failed(gateway: Gateway) -> None:
    msg = pyas2.Message(
        sender=partner_org(BRIGHT, THEIRS),
        receiver=us_as_seen_by_partner(US, make_keypair("not-us").cert_pem, sign=True, encrypt=True),
    )
    msg.build(PO, content_type="application/edi-x12")
    assert disposition(post(gateway, msg).content) == "processed/Error: decryption-failed"


def test_async_mdn_is_posted_to_the_receipt_delivery_option(gateway: Gateway) -> None:
    with http_peer(lambda _r: (200, {}, b"thanks")) as (mdn_url, got):
        msg = build_from_partner(mdn_mode="ASYNC", mdn_url=mdn_url, compress=True)
        response = post(gateway, msg)
        assert response.status_code == 200
        assert not response.content.startswith(b"--")  # no MDN on the response
        wait_for(lambda: got)
    (mdn,) = got
    status = pyas2.Mdn().parse(raw_of(mdn.headers, mdn.body), lambda _m, _r: msg)
    assert status == ("processed", None)
    assert mdn.headers["AS2-To"] == BRIGHT


# -- outbound ----------------------------------------------------------------------------


def pyas2lib_receiver(keys: KeyPair = THEIRS, sender_cert: bytes = OURS.cert_pem):
    """A partner's AS2 endpoint: pyas2lib parses what comes and answers with its synchronous MDN."""
    payloads: list[bytes] = []

    def handle(received):
        msg = pyas2.Message()
        status, (_exc, _tb), mdn = msg.parse(
            raw_of(received.headers, received.body),
            find_org_cb=lambda _i: partner_org(BRIGHT, keys),
            find_partner_cb=lambda _i: us_as_seen_by_partner(US, sender_cert),
        )
        if status == "processed":
            payloads.append(msg.content)
        return 200, {k: v for k, v in mdn.headers.items()}, mdn.content

    return handle, payloads


def outbound_settings(url: str, sign: bool, encrypt: bool, compress: bool, certs: Path, **kw) -> As2Settings:
    return As2Settings(
        url=url,
        certificates=[str(certs)],
        sign=sign,
        encrypt=encrypt,
        compress=compress,
        encryption="tripledes_192_cbc",
        **kw,
    )


@pytest.mark.parametrize(("sign", "encrypt", "compress"), COMBOS)
def test_send_every_combination_and_verify_the_partners_mdn(tmp_path: Path, sign, encrypt, compress) -> None:
    (tmp_path / "theirs.pem").write_bytes(THEIRS.cert_pem)
    identity = _identity(tmp_path)
    handle, payloads = pyas2lib_receiver()
    with http_peer(handle) as (url, _got):
        settings = outbound_settings(url, sign, encrypt, compress, tmp_path / "theirs.pem")
        result = send_as2(settings, "BRIGHTSUPPLY", "855.x12", PO, identity=identity, partner_as2_id=BRIGHT)
    assert payloads == [PO]
    assert (result.status, result.disposition, result.signature_ok) == ("delivered", "processed", True)
    assert result.ok and result.mic_ok and result.attempts == 1, result.detail


def _identity(tmp_path: Path):
    (tmp_path / "ours.key").write_bytes(OURS.key_pem)
    (tmp_path / "ours.pem").write_bytes(OURS.cert_pem)
    return load_identity(US, str(tmp_path / "ours.key"), f"file:{tmp_path / 'ours.pem'}")


def test_send_retries_transport_errors_with_back_off(tmp_path: Path) -> None:
    (tmp_path / "theirs.pem").write_bytes(THEIRS.cert_pem)
    handle, payloads = pyas2lib_receiver()
    calls: list[int] = []

    def flaky(received):
        calls.append(1)
        return (503, {}, b"busy") if len(calls) < 3 else handle(received)

    waits: list[float] = []
    with http_peer(flaky) as (url, _got):
        settings = outbound_settings(url, True, True, False, tmp_path / "theirs.pem", backoff_seconds=0.5)
        result = send_as2(
            settings,
            "BRIGHTSUPPLY",
            "855.x12",
            PO,
            identity=_identity(tmp_path),
            partner_as2_id=BRIGHT,
            sleep=waits.append,
        )
    assert result.ok and result.attempts == 3 and waits == [0.5, 1.0]
    assert payloads == [PO]
    # nobody listening: every attempt fails, and the result says so
    settings = outbound_settings(
        "http://127.0.0.1:9/as2", True, True, False, tmp_path / "theirs.pem", retries=2
    )
    result = send_as2(
        settings,
        "BRIGHTSUPPLY",
        "855.x12",
        PO,
        identity=_identity(tmp_path),
        partner_as2_id=BRIGHT,
        sleep=waits.append,
    )
    assert (result.ok, result.status, result.attempts) == (False, "failed", 3)
    assert "ConnectError" in result.detail


def test_mdn_signed_by_someone_else_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "theirs.pem").write_bytes(THEIRS.cert_pem)
    handle, _payloads = pyas2lib_receiver(keys=make_keypair("impostor"))
    with http_peer(handle) as (url, _got):
        settings = outbound_settings(url, True, False, False, tmp_path / "theirs.pem")
        result = send_as2(
            settings, "BRIGHTSUPPLY", "855.x12", PO, identity=_identity(tmp_path), partner_as2_id=BRIGHT
        )
    assert (result.ok, result.status, result.signature_ok) == (False, "rejected", False)


def test_the_pipeline_delivers_its_answers_by_as2(tmp_path: Path) -> None:
    """Our 999 and 855 for Bright's 850 go out by AS2 and Bright's pyas2lib takes both."""
    handle, payloads = pyas2lib_receiver()
    with http_peer(handle) as (url, _got):
        settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'og.db'}", partner_url=url)
        runtime = build(settings)
        identity = load_identity(US, settings.as2_key, settings.as2_certificate)
        with runtime.context.uow() as uow:
            bright = uow.partners.get("BRIGHTSUPPLY")
        assert bright is not None and bright.as2 is not None
        runtime.context.deliver = as2_deliver(
            identity,
            lambda pid: (bright.as2, bright.as2_id) if pid == "BRIGHTSUPPLY" else None,
            folder_delivery(settings.outbox),
        )
        runtime.context.deliver_many = None
        from gateway.services.receive import receive

        receive(runtime.context, PO, channel="folder", filename="850.x12")
        runtime.drain()
        runtime.engine.dispose()
    assert len(payloads) == 2
    assert sorted(p.split(b"GS")[1][1:3] for p in payloads) == [b"FA", b"PR"]
    assert all(b"ISA" in p for p in payloads)


def test_channel_delivery_sends_by_as2_when_the_partner_delivers_via_as2(tmp_path: Path) -> None:
    """With ``ORDERGATE_DELIVERY=channels`` the registry's AS2 sender takes Bright's answers
    (``deliver_via: as2``): both reach its pyas2lib server and are recorded as delivered."""
    handle, payloads = pyas2lib_receiver()
    with http_peer(handle) as (url, _got):
        settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'og.db'}", partner_url=url)
        settings = settings.model_copy(update={"delivery": "channels"})
        runtime = build(settings)
        from gateway.services.receive import receive

        receive(runtime.context, PO, channel="folder", filename="850.x12")
        runtime.drain()
        with runtime.context.uow() as uow:
            sent = uow.outbound.list(partner_id="BRIGHTSUPPLY")
        runtime.engine.dispose()
    assert len(payloads) == 2
    assert sorted(p.split(b"GS")[1][1:3] for p in payloads) == [b"FA", b"PR"]
    assert len(sent) == 2
    assert all(o.channel == "as2" and o.delivery_status == "sent" for o in sent), sent


def test_mdn_mode_none_and_async_are_sent_not_delivered(tmp_path: Path) -> None:
    (tmp_path / "theirs.pem").write_bytes(THEIRS.cert_pem)
    with http_peer(lambda _r: (200, {}, b"")) as (url, got):
        settings = outbound_settings(url, True, True, False, tmp_path / "theirs.pem", mdn=MdnMode.NONE)
        result = send_as2(
            settings, "BRIGHTSUPPLY", "x.x12", PO, identity=_identity(tmp_path), partner_as2_id=BRIGHT
        )
    assert (result.ok, result.status) == (True, "sent")
    assert "disposition-notification-to" not in {k.lower() for k in got[0].headers}


def test_async_mdn_for_what_we_sent_is_verified_and_recorded(gateway: Gateway, tmp_path: Path) -> None:
    """We send with an asynchronous MDN asked for; pyas2lib posts its signed MDN to our /as2 later."""
    posted: list[int] = []

    def partner(received):
        msg = pyas2.Message()
        status, (_exc, _tb), mdn = msg.parse(
            raw_of(received.headers, received.body),
            find_org_cb=lambda _i: partner_org(BRIGHT, THEIRS),
            find_partner_cb=lambda _i: us_as_seen_by_partner(US, OURS.cert_pem),
        )
        assert status == "processed" and mdn.mdn_mode == "ASYNC"
        answer = httpx.post(mdn.mdn_url, content=mdn.content, headers=mdn.headers)
        posted.append(answer.status_code)
        return 200, {}, b""

    (tmp_path / "theirs.pem").write_bytes(THEIRS.cert_pem)
    identity = load_identity(
        US, gateway.settings.as2_key, gateway.settings.as2_certificate, f"{gateway.url}/as2"
    )
    with http_peer(partner) as (url, _got):
        settings = outbound_settings(url, True, True, True, tmp_path / "theirs.pem", mdn=MdnMode.ASYNC)
        result = send_as2(settings, "BRIGHTSUPPLY", "855.x12", PO, identity=identity, partner_as2_id=BRIGHT)
    assert (result.ok, result.status) == (True, "sent")
    assert posted == [200]
    with gateway.engine().connect() as c:
        (detail,) = c.execute(select(audit_log.c.detail).where(audit_log.c.action == "mdn")).scalars().all()
        entity = c.execute(select(audit_log.c.entity_id).where(audit_log.c.action == "mdn")).scalar_one()
    assert detail["disposition"] == "processed" and detail["signed"] and detail["signature_ok"]
    assert entity == f"BRIGHTSUPPLY/{result.message_id}"
    assert gateway.count(inbound_documents) == 0  # an MDN is not a document


def test_async_mdn_signed_by_a_stranger_is_refused(gateway: Gateway) -> None:
    msg = build_from_partner(sign=False, encrypt=False)
    inbound = pyas2.Message()
    _s, _e, mdn = inbound.parse(
        raw_of(dict(msg.headers), msg.content),
        find_org_cb=lambda _i: partner_org(BRIGHT, make_keypair("stranger")),
        find_partner_cb=lambda _i: us_as_seen_by_partner(US, OURS.cert_pem),
    )
    response = httpx.post(f"{gateway.url}/as2", content=mdn.content, headers=mdn.headers)
    assert response.status_code == 403
    assert gateway.count(inbound_documents) == 0


def test_inbound_on_sqlite_and_postgresql(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, db_url)
    app = create_app(settings)
    try:
        with serving_app(app) as url:
            gw = Gateway(url, settings, app)
            msg = build_from_partner(compress=True)
            assert disposition(post(gw, msg).content) == "processed"
            assert disposition(post(gw, msg).content) == "processed/Warning: duplicate-document"
            gw.idle()
            assert gw.count(inbound_documents) == 1
            assert gw.count(sales_orders) == 1
    finally:
        app.state.runtime.engine.dispose()


def test_async_mdn_for_an_unknown_sender_comes_on_the_response_not_to_its_url(gateway: Gateway) -> None:
    with http_peer(lambda _r: (200, {}, b"")) as (mdn_url, got):
        msg = build_from_partner("NOBODY-AS2", mdn_mode="ASYNC", mdn_url=mdn_url)
        response = post(gateway, msg)
    assert disposition(response.content) == "processed/Error: unknown-trading-partner"
    assert got == []


def test_send_with_http_basic_credentials_from_a_secret_reference(tmp_path: Path, monkeypatch) -> None:
    import base64

    (tmp_path / "theirs.pem").write_bytes(THEIRS.cert_pem)
    handle, payloads = pyas2lib_receiver()
    expected = "Basic " + base64.b64encode(b"ordergate:s3cret").decode()

    def guarded(received):
        if received.headers.get("Authorization") != expected:
            return 401, {}, b"who are you"
        return handle(received)

    monkeypatch.setenv("OG_TEST_AS2_PASSWORD", "s3cret")
    with http_peer(guarded) as (url, _got):
        settings = outbound_settings(url, True, True, False, tmp_path / "theirs.pem", user="ordergate")
        refused = send_as2(
            settings, "BRIGHTSUPPLY", "x.x12", PO, identity=_identity(tmp_path), partner_as2_id=BRIGHT
        )
        settings.password_ref = "env:OG_TEST_AS2_PASSWORD"
        taken = send_as2(
            settings, "BRIGHTSUPPLY", "x.x12", PO, identity=_identity(tmp_path), partner_as2_id=BRIGHT
        )
    assert (refused.ok, refused.status, refused.attempts) == (False, "rejected", 1)
    assert taken.ok and payloads == [PO]


def test_registry_style_sender_takes_channel_settings_partner_file_and_bytes(tmp_path: Path) -> None:
    """``sender_from_settings(app settings)`` → ``send(as2 settings, partner id, filename, data)``: the
    partner's AS2 id comes from its profile (BRIGHTSUPPLY-AS2, not the profile id BRIGHTSUPPLY)."""
    handle, payloads = pyas2lib_receiver()
    with http_peer(handle) as (url, got):
        settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'og.db'}", partner_url=url)
        profile = load_partner_file(settings.partners_dir / "bright.yaml")
        send = sender_from_settings(settings)
        result = send(profile.as2, profile.id, "855-1.x12", PO)
    assert result.ok and result.status == "delivered", result.detail
    assert payloads == [PO]
    assert got[0].headers["AS2-To"] == BRIGHT and got[0].headers["AS2-From"] == US


def test_oversized_post_is_refused_before_it_is_read(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'og.db'}")
    settings.as2_max_bytes = 400
    app = create_app(settings)
    try:
        with serving_app(app) as url:
            gw = Gateway(url, settings, app)
            msg = build_from_partner(sign=False, encrypt=False)
            assert post(gw, msg).status_code == 413  # the 850 is 565 bytes
            small = build_from_partner(sign=False, encrypt=False, data=b"ISA*tiny~")
            assert post(gw, small).status_code == 200
            assert gw.count(inbound_documents) == 1
    finally:
        app.state.runtime.engine.dispose()
