"""The admin pages over HTTP: sign-in, sessions, CSRF, roles, the queue, detail views and the fixes."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from gateway.entrypoints.admin.session import SESSION_COOKIE
from tests.integration.pipeline_helpers import sample
from tests.integration.review_fixtures import PASSWORD, open_site


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> int:
    token = _csrf(client.get("/admin/login").text)
    r = client.post(
        "/admin/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return r.status_code


def test_sign_in_sessions_and_sign_out(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        c = site.client
        r = c.get("/admin/queue", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/admin/login"
        assert sign_in(c, "operator", "wrong password!") == 401
        assert sign_in(c, "nobody") == 401
        # the sign-in form without its token is refused
        r = c.post(
            "/admin/login", data={"username": "operator", "password": PASSWORD}, follow_redirects=False
        )
        assert r.status_code == 403
        assert SESSION_COOKIE not in c.cookies
        assert sign_in(c, "operator") == 303
        cookie = next(h for h in c.cookies.jar if h.name == SESSION_COOKIE)
        assert cookie.has_nonstandard_attr("HttpOnly") and not cookie.secure  # plain HTTP in tests
        page = c.get("/admin/queue")
        assert page.status_code == 200 and "operator" in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        with site.pipeline.uow() as uow:  # only the digest of the cookie is stored
            assert uow.users.session(cookie.value) is not None
        # the session also reads the JSON API (safe methods), never writes it
        assert c.get("/api/review").status_code == 200
        po = site.held["4500018863"]
        assert c.post(f"/api/review/orders/{po}/approve").status_code == 401
        r = c.post("/admin/logout", data={"csrf_token": _csrf(page.text)}, follow_redirects=False)
        assert r.status_code == 303
        with site.pipeline.uow() as uow:
            assert uow.users.session(cookie.value) is None
        c.cookies.set(SESSION_COOKIE, cookie.value)  # a stolen cookie after sign-out is worthless
        assert c.get("/admin/queue", follow_redirects=False).status_code == 303


def test_a_disabled_user_is_signed_out(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        assert sign_in(site.client, "viewer") == 303
        with site.pipeline.uow() as uow:
            uow.users.set_active("viewer", False)
            uow.commit()
        assert site.client.get("/admin/queue", follow_redirects=False).status_code == 303
        assert sign_in(site.client, "viewer") == 401


def test_queue_filters_and_counts(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        c = site.client
        sign_in(c, "viewer")
        page = c.get("/admin/queue").text
        assert "3 shown of 3 waiting" in page
        rows = re.findall(r'<tr data-key="([^"]+)"', page)
        assert rows == [
            f"order:{site.held['4500018863']}",
            f"order:{site.held['BS-2026-0944']}",
            f"document:{site.stranger}",
        ]
        filtered = c.get("/admin/queue", params={"reason": "price"}).text
        assert re.findall(r'<tr data-key="([^"]+)"', filtered) == [f"order:{site.held['BS-2026-0944']}"]
        assert "1 shown of 3 waiting" in filtered
        assert re.findall(r"<tr data-key", c.get("/admin/queue", params={"age": "week"}).text) == []
        assert len(re.findall(r"<tr data-key", c.get("/admin/queue", params={"channel": "test"}).text)) == 3


def test_order_detail_marks_the_line_and_lists_outcomes(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        c = site.client
        sign_in(c, "operator")
        page = c.get(f"/admin/orders/{site.held['4500018863']}").text
        marked = re.findall(r'<li class="marked"[^>]*><code>([^<]+)</code>', page)
        assert marked == ["PO1*1*6*EA*38.00**BP*779999*VP*KX-9000"]
        assert "item · item.unknown" in page and "map-item" in page and "Approve order" in page
        doc = c.get(f"/admin/documents/{site.stranger}").text
        assert "partner.unknown_sender" in doc and "assign-sender" in doc
        for path in ("/admin/dashboard", "/admin/partners", "/admin/partners/ACMEHARDWARE", "/admin/stock"):
            r = c.get(path)
            assert r.status_code == 200, path
        dash = c.get("/admin/dashboard").text
        assert dash.count("<svg") == 5 and "item.unknown" in dash


def test_a_change_has_its_page_too(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        p, c = site.pipeline, site.client
        p.run(sample("850-4010-acme.x12"), "850.x12")
        change_doc = p.run(sample("860-4010-acme.x12"), "860.x12")
        with p.uow() as uow:
            (change,) = uow.purchase_orders.for_document(change_doc)
        sign_in(c, "viewer")
        page = c.get(f"/admin/orders/{change.id}")
        assert page.status_code == 200 and "4500018812" in page.text


def test_a_viewer_sees_but_cannot_act(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        c = site.client
        sign_in(c, "viewer")
        po = site.held["4500018863"]
        page = c.get(f"/admin/orders/{po}").text
        assert "map-item" not in page and "Approve order" not in page
        token = _csrf(page)
        for action, data in (
            ("map-item", {"line": "1", "sku": "PD-0200"}),
            ("approve", {}),
            ("reject", {}),
            ("price", {"line": "1"}),
            ("quantity", {"line": "1", "quantity": "2"}),
            ("warehouse", {"warehouse": "COL"}),
        ):
            r = c.post(f"/admin/orders/{po}/{action}", data={**data, "csrf_token": token})
            assert r.status_code == 403 and "operator role" in r.text, action
        r = c.post(
            f"/admin/documents/{site.stranger}/assign-sender", data={"partner": "X", "csrf_token": token}
        )
        assert r.status_code == 403
        with site.pipeline.uow() as uow:
            assert uow.reviews.decisions(po) == []


def test_forms_without_the_csrf_token_are_refused(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        c = site.client
        sign_in(c, "operator")
        po = site.held["4500018863"]
        r = c.post(f"/admin/orders/{po}/map-item", data={"line": "1", "sku": "PD-0200"})
        assert r.status_code == 403 and "security token" in r.text
        r = c.post(f"/admin/orders/{po}/approve", data={"csrf_token": "forged"})
        assert r.status_code == 403
        with site.pipeline.uow() as uow:
            assert uow.reviews.decisions(po) == []
            assert uow.sales_orders.get_by_purchase_order(po).order.status.value == "needs_review"


def test_operator_fixes_from_the_pages(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        c = site.client
        sign_in(c, "operator")
        po = site.held["4500018863"]
        token = _csrf(c.get(f"/admin/orders/{po}").text)
        r = c.post(f"/admin/orders/{po}/map-item", data={"line": "1", "sku": "NOPE", "csrf_token": token})
        assert "no item NOPE" in r.text
        r = c.post(f"/admin/orders/{po}/map-item", data={"line": "1", "sku": "PD-0200", "csrf_token": token})
        assert r.status_code == 200 and "The order is confirmed and its 855 was sent." in r.text
        assert list(site.pipeline.outbox.rglob("855-*.x12"))
        ledger = c.get(f"/admin/ledger/{po}").text
        assert ">855<" in ledger and "Resend" in ledger
        out_id = re.search(r'/admin/outbound/(\d+)">855', ledger).group(1)
        r = c.post(f"/admin/outbound/{out_id}/resend", data={"csrf_token": token})
        assert "queued for delivery again" in r.text
        bright = site.held["BS-2026-0944"]
        r = c.post(f"/admin/orders/{bright}/price", data={"line": "10", "price": "", "csrf_token": token})
        assert "The order is confirmed" in r.text
        r = c.post(
            f"/admin/documents/{site.stranger}/assign-sender",
            data={"partner": "ACMEHARDWARE", "csrf_token": token},
        )
        assert "processed again" in r.text
        assert "0 shown of 0 waiting" in c.get("/admin/queue").text
        partner = c.get("/admin/partners/ACMEHARDWARE").text
        assert re.search(r'class="origin-review"><td>PD-0200</td><td>779999</td>', partner)


def test_repeated_failed_sign_ins_are_refused_for_a_while(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        for _ in range(5):
            assert sign_in(site.client, "operator", "not the password") == 401
        assert sign_in(site.client, "operator") == 429  # even with the right password, for now
        assert sign_in(site.client, "viewer") == 303  # other users are not affected
        with site.pipeline.uow() as uow:
            failed = [e for e in uow.audit.list("sign_in", "operator") if e.action == "failed"]
        assert len(failed) == 5
