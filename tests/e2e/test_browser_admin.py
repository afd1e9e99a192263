"""The admin UI in a real browser: Debian's Chromium driven by Playwright against ``ordergate serve``.

One server for the module, over a database the CLI made: the sample partners
and catalog, three held orders (an unknown item, a price beyond tolerance, short
stock) and users made with ``ordergate user add``.  The tests run in order.
Screenshots of the queue, an order's detail and the dashboard are written to
``docs/screenshots`` when ``ORDERGATE_SCREENSHOTS=1`` (``scripts/screenshots``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.config import SAMPLES
from tests.e2e.admin_server import AdminServer, browser_executable, running_admin

playwright_api = pytest.importorskip("playwright.sync_api")
EXECUTABLE = browser_executable()
pytestmark = pytest.mark.skipif(EXECUTABLE is None, reason="Debian's chromium is not installed")

PASSWORD = "a long enough password"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminServer]:
    data = tmp_path_factory.mktemp("admin")
    with running_admin(data) as srv:
        for name in ("850-4010-acme-unknown-item.x12", "850-5010-bright-price-review.x12"):
            srv.cli("ingest", str(SAMPLES / "x12" / name))
        srv.cli("ingest", str(SAMPLES / "x12" / "850-5010-delta-short-review.x12"))
        srv.cli("ingest", str(SAMPLES / "x12" / "850-4010-acme.x12"))
        for user, role in (("olga", "operator"), ("victor", "viewer")):
            srv.cli("user", "add", user, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=EXECUTABLE,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield b
        finally:
            b.close()


def _page(browser: object, server: AdminServer, user: str) -> object:
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, base_url=server.url)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/admin/queue")
    assert page.url.endswith("/admin/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/queue")
    return page


def _shot(page: object, name: str) -> None:
    if os.environ.get("ORDERGATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / name), full_page=True)  # type: ignore[attr-defined]


def _open_order(page: object, po_number: str) -> str:
    page.goto("/admin/queue")  # type: ignore[attr-defined]
    page.click(f"a:has-text('order {po_number}')")  # type: ignore[attr-defined]
    page.wait_for_url("**/admin/orders/*")  # type: ignore[attr-defined]
    return page.url.rsplit("/", 1)[1]  # type: ignore[attr-defined]


def _orders(page: object) -> dict[str, str]:
    page.goto("/api/orders")  # type: ignore[attr-defined]
    listed = json.loads(page.inner_text("body"))  # type: ignore[attr-defined]
    return {o["po_number"]: o["status"] for o in listed}


def test_sign_in_and_open_the_queue(browser: object, server: AdminServer) -> None:
    page = _page(browser, server, "olga")
    assert page.inner_text("header .who").startswith("olga")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 3
    assert "item.unknown" in rows.nth(0).inner_text()
    assert page.locator(".counts").inner_text().count("\n") >= 3
    _shot(page, "queue.png")
    page.select_option("select[name=partner]", "BRIGHTSUPPLY")
    page.click("form.filters button")
    assert page.locator("table.queue tbody tr").count() == 1
    _open_order(page, "4500018863")
    marked = page.locator("ol.x12 li.marked")
    assert marked.count() == 1 and "779999" in marked.inner_text()
    _shot(page, "order-detail.png")
    page.goto("/admin/dashboard")
    assert page.locator("svg.chart").count() == 5
    _shot(page, "dashboard.png")


def test_fix_an_unknown_item_and_the_next_order_passes(browser: object, server: AdminServer) -> None:
    page = _page(browser, server, "olga")
    _open_order(page, "4500018863")
    assert list(server.outbox.rglob("855-*.x12")) != []  # the clean acme order's 855 only
    before = set(server.outbox.rglob("855-*.x12"))
    form = page.locator("form[action$='/map-item']")
    form.locator("input[name=sku]").fill("PD-0200")
    form.locator("button").click()
    page.wait_for_load_state()
    assert "The order is confirmed and its 855 was sent." in page.inner_text(".flash.ok")
    assert page.locator(".status").first.inner_text() == "confirmed"
    new = set(server.outbox.rglob("855-*.x12")) - before
    assert len(new) == 1 and "BAK*00*AC*4500018863" in next(iter(new)).read_text()
    # the next order with that part number: through the command line, no person involved
    nxt = (SAMPLES / "x12" / "850-4010-acme-unknown-item.x12").read_text()
    nxt = nxt.replace("4500018863", "4500020001").replace("000004241", "000004999")
    path = server.data_dir / "next.x12"
    path.write_text(nxt)
    server.cli("ingest", str(path))
    assert _orders(page)["4500020001"] == "confirmed"
    page.goto("/admin/queue")
    assert "4500020001" not in page.inner_text("table.queue")
    page.goto("/admin/partners/ACMEHARDWARE")
    assert page.locator("tr.origin-review").first.inner_text().startswith("PD-0200")


def test_approve_a_price_exception(browser: object, server: AdminServer) -> None:
    page = _page(browser, server, "olga")
    _open_order(page, "BS-2026-0944")
    assert "price.beyond_tolerance" in page.inner_text("table.lines")
    page.locator("form[action$='/price'] button").click()
    page.wait_for_load_state()
    assert "The order is confirmed" in page.inner_text(".flash.ok")
    assert _orders(page)["BS-2026-0944"] == "confirmed"


def test_see_the_ledger(browser: object, server: AdminServer) -> None:
    page = _page(browser, server, "olga")
    page.goto("/api/orders")
    po_id = next(o for o in json.loads(page.inner_text("body")) if o["po_number"] == "4500018863")[
        "purchase_order_id"
    ]
    page.goto(f"/admin/orders/{po_id}")
    page.click("a:has-text('ledger')")
    page.wait_for_url("**/admin/ledger/*")
    kinds = [t.strip() for t in page.locator("table.ledger tbody tr td:nth-child(3)").all_inner_texts()]
    assert kinds == ["850", "997", "855"]
    page.locator("table.ledger tbody tr").nth(2).locator("button:has-text('Resend')").click()
    page.wait_for_load_state()
    assert "queued for delivery again" in page.inner_text(".flash.ok")


def test_a_viewer_cannot_act(browser: object, server: AdminServer) -> None:
    page = _page(browser, server, "victor")
    order_id = _open_order(page, "DM-77019")
    assert page.locator("form[action$='/approve']").count() == 0
    assert "fixing needs the operator role" in page.inner_text("section.parsed")
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    r = page.request.post(f"/admin/orders/{order_id}/approve", form={"csrf_token": csrf})
    assert r.status == 403
    assert _orders(page)["DM-77019"] == "needs_review"


def test_a_form_post_without_the_csrf_token_is_refused(browser: object, server: AdminServer) -> None:
    page = _page(browser, server, "olga")
    order_id = _open_order(page, "DM-77019")
    r = page.request.post(f"/admin/orders/{order_id}/approve", form={"note": "no token"})
    assert r.status == 403 and "security token" in r.text()
    # the page's own form with its token taken out is refused too; with it, it goes through
    page.evaluate("document.querySelector(\"form[action$='/approve'] input[name=csrf_token]\").remove()")
    page.locator("form[action$='/approve'] button").click()
    page.wait_for_load_state()
    assert re.search("security token", page.content())
    assert _orders(page)["DM-77019"] == "needs_review"
    _open_order(page, "DM-77019")
    page.locator("form[action$='/approve'] button").click()
    page.wait_for_load_state()
    assert "The order is confirmed" in page.inner_text(".flash.ok")


def test_a_pdf_order_shows_its_page_with_the_regions_outlined(browser: object, server: AdminServer) -> None:
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "pdf" / "total-mismatch.pdf"
    server.cli("ingest", str(fixture), "--partner", "ACMEHARDWARE")
    page = _page(browser, server, "victor")
    _open_order(page, "PO-4472")
    image = page.locator(".pdf-page img").first
    image.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector('.pdf-page img'); return i && i.complete }"
    )
    assert image.evaluate("i => i.naturalWidth") > 800  # rendered by the server, loaded by the browser
    shown = image.bounding_box()
    overlay = page.locator(".pdf-page svg.regions").first.bounding_box()
    assert shown and overlay and abs(shown["width"] - overlay["width"]) < 1.5
    assert abs(shown["height"] - overlay["height"]) < 1.5
    assert page.locator("svg.regions g.region").count() == 24
    warned = page.locator("svg.regions g.region.review:not(.reason)")
    assert warned.count() == 7
    total = page.locator("svg.regions g.region.review[data-field='total'] rect").bounding_box()
    assert total and shown["x"] < total["x"] < shown["x"] + shown["width"]  # drawn on the page, not beside it
    assert total["y"] > shown["y"] and total["width"] > 10
    assert "document.total_mismatch" in page.inner_text("section.parsed")
    _shot(page, "pdf-order-detail.png")
