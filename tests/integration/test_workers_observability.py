"""Readiness with Redis, ``/metrics`` on the API, JSON logs, and the fault hook being inert by default."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.adapters.db.uow import SqlUnitOfWork
from gateway.adapters.observability.logs import bind, configure
from gateway.bootstrap import build
from gateway.config import Settings
from gateway.entrypoints.api.app import create_app
from gateway.entrypoints.workers.faults import ENV, Faults
from tests.integration.pipeline_helpers import open_pipeline, sample
from tests.integration.worker_procs import RedisServer, redis_server


@pytest.fixture
def redis_srv(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path / "redis") as server:
        yield server


def test_readiness_checks_redis_and_metrics_count_documents(
    db_url: str, tmp_path: Path, redis_srv: RedisServer
) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        p.run(sample("850-4010-acme.x12"), "a.x12", "a")
        p.run(sample("850-5010-bright.x12"), "b.x12", "b")
        p.run(b"not an interchange at all", "c.txt", "c")
        p.receive(sample("850-4010-acme-short.x12"), "d.x12", "d")  # archived, not processed yet
        settings = Settings(
            **{**p.settings.model_dump(), "redis_url": redis_srv.url, "redis_namespace": "obs"}
        )
        runtime = build(settings)
        try:
            with TestClient(create_app(settings, runtime)) as client:
                ready = client.get("/readyz")
                assert ready.status_code == 200 and ready.json() == {
                    "status": "ok",
                    "database": "ok",
                    "redis": "ok",
                }
                text = client.get("/metrics").text
                assert 'ordergate_documents_received_total{channel="test",partner="ACMEHARDWARE"} 1.0' in text
                assert 'ordergate_documents_received_total{channel="test",partner=""} 2.0' in text
                assert (
                    'ordergate_documents_processed_total{channel="test",partner="BRIGHTSUPPLY"} 1.0' in text
                )
                assert 'ordergate_documents{channel="test",partner="",status="received"} 1.0' in text
                assert 'ordergate_documents{channel="test",partner="",status="needs_review"} 1.0' in text
                assert 'ordergate_queue_messages{queue="ordergate",state="waiting"} 0.0' in text
                redis_srv.kill()
                down = client.get("/readyz")
                assert down.status_code == 503
                assert down.json()["redis"] != "ok" and down.json()["database"] == "ok"
        finally:
            runtime.engine.dispose()


def test_json_logs_carry_the_bound_ids() -> None:
    stream = io.StringIO()
    configure("json", "INFO", stream)
    try:
        with bind(step="confirm_document", document_id=42):
            logging.getLogger("ordergate.test").info("confirmed %d orders", 3, extra={"purchase_order_id": 7})
        logging.getLogger("ordergate.test").warning("outside")
    finally:
        configure("text", "WARNING")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "confirmed 3 orders" and first["level"] == "info"
    assert (first["step"], first["document_id"], first["purchase_order_id"]) == ("confirm_document", 42, 7)
    assert "step" not in second and second["level"] == "warning"


def test_fault_hook_is_inert_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert Faults.from_env() is None
    commit = SqlUnitOfWork.commit
    monkeypatch.setenv(ENV, "after-commit:deliver")
    faults = Faults.from_env()
    assert faults is not None and (faults.phase, faults.step) == ("after-commit", "deliver")
    assert SqlUnitOfWork.commit is commit  # nothing is wrapped before ``install``
    with faults.running("confirm_document"):
        faults.check("after-commit")  # another step: nothing happens
    monkeypatch.setenv(ENV, "sometime:deliver")
    with pytest.raises(ValueError, match="phase"):
        Faults.from_env()
