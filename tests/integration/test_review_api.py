"""The JSON API: every review action, and who may call what (401 without a token, 403 without the role)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.integration.pipeline_helpers import sample
from tests.integration.review_fixtures import open_site


def test_reads_need_a_token_and_a_role(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        c = site.client
        for path in ("/api/review", "/api/orders", "/api/documents", "/api/partners", "/api/stock"):
            assert c.get(path).status_code == 401, path
            assert c.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401, path
            assert c.get(path, headers=site.auth("viewer")).status_code == 200, path
        queue = c.get("/api/review", headers=site.auth("viewer")).json()
        assert queue["total"] == 3
        assert [i["reasons"][0] for i in queue["items"]] == [
            "item.unknown",
            "price.beyond_tolerance",
            "partner.unknown_sender",
        ]
        assert queue["by_reason"]["item.unknown"] == 1
        only = c.get("/api/review", params={"partner": "BRIGHTSUPPLY"}, headers=site.auth("viewer")).json()
        assert [i["po_number"] for i in only["items"]] == ["BS-2026-0944"]
        # a partner's token reads its own orders and profile, nothing of anyone else's, no queue
        mine = c.get("/api/orders", headers=site.auth("partner")).json()
        assert {o["partner_id"] for o in mine} == {"ACMEHARDWARE"}
        bright = site.held["BS-2026-0944"]
        assert c.get(f"/api/orders/{bright}", headers=site.auth("partner")).status_code == 404
        assert c.get("/api/partners/ACMEHARDWARE", headers=site.auth("partner")).status_code == 200
        assert c.get("/api/partners/BRIGHTSUPPLY", headers=site.auth("partner")).status_code == 404
        assert c.get("/api/review", headers=site.auth("partner")).status_code == 403
        profile = c.get("/api/partners/ACMEHARDWARE", headers=site.auth("viewer")).json()
        assert profile["policy"]["short_stock"] == "backorder" and profile["cross_references"][0]["origin"]


def test_every_action_needs_an_operator(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        c = site.client
        po = site.held["4500018863"]
        calls = [
            (f"/api/review/orders/{po}/map-item", {"line": "1", "sku": "PD-0200"}),
            (f"/api/review/orders/{po}/price", {"line": "2"}),
            (f"/api/review/orders/{po}/quantity", {"line": "2", "quantity": "1"}),
            (f"/api/review/orders/{po}/warehouse", {"warehouse": "COL"}),
            (f"/api/review/orders/{po}/approve", None),
            (f"/api/review/orders/{po}/recheck", None),
            (f"/api/review/orders/{po}/reject", None),
            (f"/api/review/documents/{site.stranger}/assign-sender", {"partner": "ACMEHARDWARE"}),
            (f"/api/review/documents/{site.stranger}/dismiss", {"note": "x"}),
            ("/api/outbound/1/resend", None),
        ]
        for path, body in calls:
            assert c.post(path, json=body).status_code == 401, path
            assert c.post(path, json=body, headers=site.auth("viewer")).status_code == 403, path
            assert c.post(path, json=body, headers=site.auth("partner")).status_code == 403, path
        with site.pipeline.uow() as uow:
            assert uow.reviews.decisions(po) == []  # nothing was done


def test_actions_fix_orders_and_teach(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        c, op = site.client, site.auth("operator")
        acme, bright = site.held["4500018863"], site.held["BS-2026-0944"]
        bad = c.post(f"/api/review/orders/{acme}/map-item", json={"line": "1", "sku": "NOPE"}, headers=op)
        assert bad.status_code == 422 and bad.json()["error"] == "review.sku"
        r = c.post(f"/api/review/orders/{acme}/quantity", json={"line": "2", "quantity": "1"}, headers=op)
        assert r.status_code == 200 and r.json()["status"] == "needs_review"
        r = c.post(f"/api/review/orders/{acme}/warehouse", json={"warehouse": "ATL"}, headers=op)
        assert r.json()["review"] == ["item.unknown"]
        r = c.post(f"/api/review/orders/{acme}/map-item", json={"line": "1", "sku": "PD-0200"}, headers=op)
        assert r.status_code == 200 and r.json()["status"] == "confirmed" and r.json()["outbound_id"]
        order = c.get(f"/api/orders/{acme}", headers=site.auth("viewer")).json()
        assert order["status"] == "confirmed"
        assert [d["kind"] for d in order["decisions"]] == ["quantity", "warehouse", "map_item"]
        assert order["lines"][1]["confirmed"] == "1"
        again = c.post(f"/api/review/orders/{acme}/approve", headers=op)
        assert again.status_code == 409 and again.json()["error"] == "review.refused"
        ledger = c.get(f"/api/orders/{acme}/ledger", headers=site.auth("viewer")).json()
        assert [e["document"] for e in ledger] == ["850", "997", "855"]
        sent_855 = ledger[-1]["outbound_id"]
        assert ledger[-1]["status"] == "awaiting_ack"  # delivered, the partner's 997 not in yet
        resent = c.post(f"/api/outbound/{sent_855}/resend", headers=op)
        assert resent.status_code == 200 and resent.json()["delivery_status"] == "sent"
        assert c.post("/api/outbound/99999/resend", headers=op).status_code == 404

        r = c.post(f"/api/review/orders/{bright}/price", json={"line": "10"}, headers=op)
        assert r.json()["status"] == "confirmed"

        r = c.post(
            f"/api/review/documents/{site.stranger}/assign-sender",
            json={"partner": "ACMEHARDWARE"},
            headers=op,
        )
        assert r.status_code == 200 and r.json()["status"] == "acknowledged"
        assert c.get("/api/review", headers=op).json()["total"] == 0
        with site.pipeline.uow() as uow:
            actors = {(e.actor, e.action) for e in uow.audit.list()}
        assert ("operator", "review.map_item") in actors and ("operator", "resent") in actors
        assert ("operator", "review.assign_sender") in actors


def test_reject_and_approve_over_the_api(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        c, op = site.client, site.auth("operator")
        r = c.post(f"/api/review/orders/{site.held['4500018863']}/reject", headers=op)
        assert r.json()["status"] == "rejected" and r.json()["outbound_id"]
        r = c.post(f"/api/review/orders/{site.held['BS-2026-0944']}/approve", headers=op)
        assert r.json()["status"] == "confirmed"
        r = c.post(f"/api/review/documents/{site.stranger}/dismiss", json={"note": "test"}, headers=op)
        assert r.status_code == 200
        assert c.get("/api/review", headers=op).json()["total"] == 0
        assert c.post("/api/review/shipments/1/dismiss", json={}, headers=op).status_code == 404


def test_recheck_after_stock_arrives(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        site.pipeline.run(sample("850-5010-delta-short-review.x12"))
        c, op = site.client, site.auth("operator")
        [held] = [o for o in c.get("/api/orders", headers=op).json() if o["po_number"] == "DM-77019"]
        po = held["purchase_order_id"]
        r = c.post(f"/api/review/orders/{po}/recheck", headers=op)
        assert r.json() == {"status": "needs_review", "outbound_id": None, "review": ["stock.short"]}
        with site.pipeline.uow() as uow:
            for level in uow.catalog.stock(["HT-0600"]):
                uow.catalog.set_stock("HT-0600", level.warehouse, level.on_hand + Decimal(10))
            uow.commit()
        r = c.post(f"/api/review/orders/{po}/recheck", headers=op)
        assert r.json()["status"] == "confirmed" and r.json()["outbound_id"]


def test_a_dead_pipeline_step_waits_in_the_queue_and_an_operator_retries_it(
    db_url: str, tmp_path: Path
) -> None:
    with open_site(db_url, tmp_path) as site:
        p, c = site.pipeline, site.client
        # a document whose processing a worker gave up on (what the dead-letter middleware records)
        document_id = p.receive(sample("850-4010-acme.x12"), "late.x12")
        with p.uow() as uow:
            failed_id = uow.failed_steps.record(
                "msg-1",
                "process_document",
                (document_id,),
                "database went away",
                "OperationalError",
                6,
                document_id=document_id,
            )
            uow.commit()
        queue = c.get("/api/review", params={"reason": "step"}, headers=site.auth("viewer")).json()
        (item,) = queue["items"]
        assert (item["key"], item["reasons"], item["document_id"]) == (
            f"step:{failed_id}",
            ["step.failed"],
            document_id,
        )
        assert "process_document" in item["summary"] and "database went away" in item["summary"]
        path = f"/api/review/steps/{failed_id}/retry"
        assert c.post(path).status_code == 401
        assert c.post(path, headers=site.auth("viewer")).status_code == 403
        answer = c.post(path, headers=site.auth("operator"))
        assert answer.status_code == 200 and answer.json()["step"] == "process_document"
        # the step ran again: the document is processed and the item has left the queue
        with p.uow() as uow:
            assert uow.documents.get(document_id).status == "acknowledged"
            assert [a.action for a in uow.audit.list("failed_step", str(failed_id))] == ["retried"]
        after = c.get("/api/review", params={"reason": "step"}, headers=site.auth("viewer")).json()
        assert after["items"] == []
        assert c.post(path, headers=site.auth("operator")).status_code == 404  # retried once only


def test_orders_come_a_page_at_a_time(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        c, viewer = site.client, site.auth("viewer")
        everything = c.get("/api/orders", headers=viewer).json()
        assert len(everything) >= 2
        ids = [o["sales_order_id"] for o in everything]
        assert ids == sorted(ids)
        pages: list[int] = []
        after = 0
        while True:
            page = c.get("/api/orders", params={"limit": 1, "after": after}, headers=viewer).json()
            if not page:
                break
            assert len(page) == 1
            pages += [o["sales_order_id"] for o in page]
            after = page[-1]["sales_order_id"]
        assert pages == ids
        # a partner's pages hold only its own orders: past its last one there is nothing, though
        # another partner's order follows it
        partner = site.auth("partner")
        (mine,) = c.get("/api/orders", params={"limit": 1}, headers=partner).json()
        assert mine["partner_id"] == "ACMEHARDWARE" and mine["sales_order_id"] < ids[-1]
        rest = c.get("/api/orders", params={"after": mine["sales_order_id"]}, headers=partner).json()
        assert rest == []
