"""The API's base: health, readiness, bearer tokens and error answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from gateway.bootstrap import build, init_database
from gateway.config import Settings
from gateway.entrypoints.api.app import create_app
from gateway.entrypoints.api.deps import OperatorDep, PartnerDep
from gateway.errors import NotFound


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = Settings(data_dir=tmp_path, api_token="s3cret-token")
    init_database(settings)
    app = create_app(settings)
    probe = APIRouter()

    @probe.get("/probe/operator")
    def operator(p: OperatorDep) -> dict[str, str]:
        return {"name": p.name}

    @probe.get("/probe/partner")
    def partner(p: PartnerDep) -> dict[str, str | None]:
        return {"partner": p.partner_id}

    @probe.get("/probe/missing")
    def missing() -> None:
        raise NotFound("no order 42")

    app.include_router(probe)
    return TestClient(app)


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


def test_readiness_fails_without_a_database(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    with TestClient(create_app(settings, build(settings))) as c:
        assert c.get("/readyz").status_code == 503


def test_bearer_tokens(client: TestClient) -> None:
    none = client.get("/probe/operator")
    assert none.status_code == 401 and none.headers["www-authenticate"] == "Bearer"
    assert client.get("/probe/operator", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/probe/operator", headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200 and ok.json() == {"name": "api-token"}
    # the admin token is not a partner
    assert client.get("/probe/partner", headers={"Authorization": "Bearer s3cret-token"}).status_code == 403


def test_gateway_errors_answer_with_their_status(client: TestClient) -> None:
    r = client.get("/probe/missing")
    assert r.status_code == 404 and r.json() == {"error": "not_found", "detail": "no order 42"}


def test_no_two_routers_answer_the_same_method_and_path() -> None:
    """Each mounted router module owns its paths: a second registration would be silently shadowed."""
    import importlib

    from gateway.entrypoints.api.app import ROUTERS

    seen: dict[tuple[str, str], str] = {}
    clashes: list[str] = []
    for name in ROUTERS:
        router = importlib.import_module(name).router
        for route in router.routes:
            for method in getattr(route, "methods", None) or ():
                key = (method, route.path)
                if key in seen and method != "HEAD":
                    clashes.append(f"{method} {route.path}: {seen[key]} and {name}")
                seen.setdefault(key, name)
    assert clashes == []
    assert ("POST", "/api/shipments") in seen and ("GET", "/api/orders/{purchase_order_id}/ledger") in seen
