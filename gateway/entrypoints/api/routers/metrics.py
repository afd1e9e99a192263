"""``GET /metrics``: Prometheus text format (documents by channel, partner and status; the queue).

The registry is built once per application in ``setup`` from the app's runtime:
the document counts come from the database and the queue depth from the broker
the settings name, RabbitMQ or Redis (see ``gateway.adapters.observability.metrics``).
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["metrics"])


def setup(app: FastAPI) -> None:
    from gateway.adapters.observability.metrics import registry_for

    runtime = app.state.runtime
    settings = runtime.settings
    client = None
    if settings.broker == "redis":
        import redis

        client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
    amqp_url = settings.amqp_url if settings.broker == "rabbitmq" else None
    app.state.metrics_registry = registry_for(
        runtime.engine, client, settings.redis_namespace, [settings.queue_name], amqp_url=amqp_url
    )


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST)
