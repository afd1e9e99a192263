"""The broker the settings name, and ``/metrics`` and ``/readyz`` with RabbitMQ (``AMQP_URL``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from fastapi.testclient import TestClient

from gateway.bootstrap import build, build_queued, init_database
from gateway.config import Settings
from gateway.entrypoints.api.app import create_app
from gateway.entrypoints.workers.dispatch import make_broker
from tests.integration.test_faults_workers import ingest
from tests.integration.worker_procs import postgres_url, rabbitmq_queue, rabbitmq_worker_settings


@pytest.fixture
def rmq(tmp_path: Path) -> Iterator[Settings]:
    with rabbitmq_queue() as (url, prefix), postgres_url() as db_url:
        settings = rabbitmq_worker_settings(db_url, url, prefix, tmp_path)
        init_database(settings)
        yield settings


def test_the_broker_is_rabbitmq_when_both_urls_are_set(caplog: pytest.LogCaptureFixture) -> None:
    both = Settings(amqp_url="amqp://guest:guest@127.0.0.1:5672/%2F", redis_url="redis://127.0.0.1:6379/0")
    assert (both.broker, Settings(redis_url="redis://127.0.0.1/0").broker, Settings().broker) == (
        "rabbitmq",
        "redis",
        None,
    )
    with caplog.at_level(logging.WARNING, logger="ordergate.worker"):
        broker = make_broker(both)  # no connection is made before the first send
    assert isinstance(broker, RabbitmqBroker)
    assert "the steps go to RabbitMQ" in caplog.text
    assert isinstance(make_broker(Settings(redis_url="redis://127.0.0.1:6379/0")), RedisBroker)
    assert isinstance(make_broker(Settings()), StubBroker)
    assert Settings(queue_prefix="ci-7.").queue_name == "ci-7.ordergate"


def test_metrics_and_readiness_on_rabbitmq(rmq: Settings) -> None:
    ingest(rmq, ["850-4010-acme.x12", "850-5010-bright.x12"])  # queued, no worker running
    runtime, broker = build_queued(rmq)
    try:
        with TestClient(create_app(rmq, runtime)) as client:
            ready = client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json() == {"status": "ok", "database": "ok", "rabbitmq": "ok"}
            text = client.get("/metrics").text
        queue = rmq.queue_name
        assert f'ordergate_queue_messages{{queue="{queue}",state="waiting"}} 2.0' in text
        assert f'ordergate_queue_messages{{queue="{queue}",state="delayed"}} 0.0' in text
        assert f'ordergate_queue_messages{{queue="{queue}",state="dead"}} 0.0' in text
    finally:
        broker.close()
        runtime.engine.dispose()

    down = Settings(**{**rmq.model_dump(), "amqp_url": "amqp://guest:guest@127.0.0.1:1/%2F"})
    runtime = build(down)
    try:
        with TestClient(create_app(down, runtime)) as client:
            ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["rabbitmq"] != "ok"
    finally:
        runtime.engine.dispose()
