"""A sample database with users and tokens, the held sample orders in it, and an app over it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from gateway.entrypoints.admin.security import hash_password
from gateway.entrypoints.api.app import create_app
from tests.integration.pipeline_helpers import Pipeline, open_pipeline, reenvelope, sample

PASSWORD = "correct horse battery"
TOKENS = {
    "viewer": "tok-viewer-0123456789",
    "operator": "tok-operator-0123456789",
    "partner": "tok-acme-0123",
}


@dataclass(slots=True)
class Site:
    pipeline: Pipeline
    client: TestClient
    held: dict[str, int]  # PO number -> purchase order id
    stranger: int  # document from an unknown sender

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKENS[who]}"}


@contextmanager
def open_site(db_url: str, tmp_path: Path) -> Iterator[Site]:
    with open_pipeline(db_url, tmp_path) as p:
        with p.uow() as uow:
            ids = {
                role: uow.users.add(role, hash_password(PASSWORD), role)
                for role in ("viewer", "operator", "admin")
            }
            uow.users.add_token(TOKENS["viewer"], "t", user_id=ids["viewer"])
            uow.users.add_token(TOKENS["operator"], "t", user_id=ids["operator"])
            uow.users.add_token(TOKENS["partner"], "acme", partner_id="ACMEHARDWARE")
            uow.commit()
        p.run(sample("850-4010-acme-unknown-item.x12"), "unknown.x12")
        p.run(sample("850-5010-bright-price-review.x12"), "price.x12")
        stranger = p.run(reenvelope(sample("850-4010-acme.x12"), sender_id="ACMEHW2"), "stranger.x12")
        with p.uow() as uow:
            held = {
                so.order.po_number: so.purchase_order_id
                for so in uow.sales_orders.list(status="needs_review")
            }
        with TestClient(create_app(p.settings, p.runtime)) as client:
            yield Site(p, client, held, stranger)
