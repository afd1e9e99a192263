"""Liveness and readiness: ``/readyz`` checks the database, Redis when ``REDIS_URL`` is set and RabbitMQ
when ``AMQP_URL`` is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from sqlalchemy import text

from gateway.entrypoints.api.deps import RuntimeDep

router = APIRouter(tags=["health"])
REDIS_TIMEOUT_S = 2.0


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _redis_ok(url: str) -> str:
    import redis

    client: Any = redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return type(exc).__name__
    finally:
        client.close()
    return "ok"


def _amqp_ok(url: str) -> str:
    import pika

    params = pika.URLParameters(url)
    params.socket_timeout = REDIS_TIMEOUT_S
    try:
        pika.BlockingConnection(params).close()
    except Exception as exc:  # any failure to connect means not ready
        return type(exc).__name__
    return "ok"


@router.get("/readyz")
def readyz(runtime: RuntimeDep, response: Response) -> dict[str, str]:
    checks: dict[str, str] = {}
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready
        checks["database"] = type(exc).__name__
    if runtime.settings.redis_url:
        checks["redis"] = _redis_ok(runtime.settings.redis_url)
    if runtime.settings.amqp_url:
        checks["rabbitmq"] = _amqp_ok(runtime.settings.amqp_url)
    ready = all(v == "ok" for v in checks.values())
    if not ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return {"status": "ok" if ready else "unavailable", **checks}
