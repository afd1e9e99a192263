"""Prometheus metrics: the documents by channel, partner and status, the queue, and step timings.

- Documents come from the database at scrape time (``DocumentCollector``), so
  every process that exposes them (the API's ``/metrics``, each worker's
  ``--metrics-port``) reports the same totals, and a restart loses nothing:
  ``ordergate_documents_received_total{channel,partner}`` (every archived
  document), ``ordergate_documents_processed_total`` (no longer ``received``),
  ``ordergate_documents_failed_total`` (``rejected`` or ``failed``) and the
  gauge ``ordergate_documents{channel,partner,status}``.  ``partner`` is empty
  while a document's sender is not known yet.
- The queue comes from the broker at scrape time:
  ``ordergate_queue_messages{queue,state}``.  From Redis (``QueueCollector``)
  with ``waiting`` (not yet taken by a worker), ``unacked`` (waiting or being
  run) and ``delayed`` (retries and deferred steps waiting for their time).
  From RabbitMQ (``RabbitmqQueueCollector``, a passive declare of each queue)
  with ``waiting`` (ready on the queue), ``delayed`` (ready on the delay queue:
  the ones a worker already holds until their time are not counted, RabbitMQ
  does not tell) and ``dead`` (on dramatiq's dead-letter queue).
- Steps are timed in the worker that runs them (``StepMetrics``):
  ``ordergate_step_seconds{step,outcome}`` (histogram) and
  ``ordergate_steps_total{step,outcome}``, outcome ``ok``, ``retry`` or ``dead``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from gateway.adapters.db.tables import inbound_documents as docs

FAILED = frozenset({"rejected", "failed"})
STEP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class DocumentCollector(Collector):
    """Document counts from the database, grouped by channel, partner and status."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def describe(self) -> Iterable[Any]:
        return []  # counted at scrape time: nothing to check at registration

    def collect(self) -> Iterator[Any]:
        stmt = select(docs.c.channel, docs.c.partner_id, docs.c.status, func.count()).group_by(
            docs.c.channel, docs.c.partner_id, docs.c.status
        )
        with self.engine.connect() as conn:
            rows = [(c, p or "", s, int(n)) for c, p, s, n in conn.execute(stmt)]
        labels = ["channel", "partner"]
        received = CounterMetricFamily("ordergate_documents_received", "documents archived", labels=labels)
        processed = CounterMetricFamily(
            "ordergate_documents_processed", "documents parsed and answered or held", labels=labels
        )
        failed = CounterMetricFamily(
            "ordergate_documents_failed", "documents rejected or failed", labels=labels
        )
        by_status = GaugeMetricFamily(
            "ordergate_documents", "documents by status", labels=["channel", "partner", "status"]
        )
        sums: dict[str, dict[tuple[str, str], int]] = {"r": {}, "p": {}, "f": {}}
        for channel, partner, status, n in rows:
            key = (channel, partner)
            by_status.add_metric([channel, partner, status], n)
            sums["r"][key] = sums["r"].get(key, 0) + n
            if status != "received":
                sums["p"][key] = sums["p"].get(key, 0) + n
            if status in FAILED:
                sums["f"][key] = sums["f"].get(key, 0) + n
        for family, name in ((received, "r"), (processed, "p"), (failed, "f")):
            for key, n in sorted(sums[name].items()):
                family.add_metric(list(key), n)
            yield family
        yield by_status


class QueueCollector(Collector):
    """The dramatiq queue's depth in Redis (keys of dramatiq's Redis broker)."""

    def __init__(self, client: Any, namespace: str, queues: Iterable[str]) -> None:
        self.client = client
        self.namespace = namespace
        self.queues = tuple(queues)

    def describe(self) -> Iterable[Any]:
        return []

    def collect(self) -> Iterator[Any]:
        family = GaugeMetricFamily(
            "ordergate_queue_messages", "messages on the queue", labels=["queue", "state"]
        )
        for queue in self.queues:
            base = f"{self.namespace}:{queue}"
            pipe = self.client.pipeline()
            pipe.llen(base)
            pipe.hlen(f"{base}.msgs")
            pipe.hlen(f"{base}.DQ.msgs")
            waiting, unacked, delayed = pipe.execute()
            family.add_metric([queue, "waiting"], int(waiting))
            family.add_metric([queue, "unacked"], int(unacked))
            family.add_metric([queue, "delayed"], int(delayed))
        yield family


class RabbitmqQueueCollector(Collector):
    """The dramatiq queues' depth in RabbitMQ: ready messages on each queue, its ``.DQ`` and ``.XQ``.

    A connection per scrape: pika's connections are not shared between threads, and a scrape
    every few seconds costs little.  A queue not declared yet counts 0."""

    def __init__(self, url: str, queues: Iterable[str], *, timeout: float = 2.0) -> None:
        self.url = url
        self.queues = tuple(queues)
        self.timeout = timeout

    def describe(self) -> Iterable[Any]:
        return []

    def collect(self) -> Iterator[Any]:
        import pika

        family = GaugeMetricFamily(
            "ordergate_queue_messages", "messages on the queue", labels=["queue", "state"]
        )
        params = pika.URLParameters(self.url)
        params.socket_timeout = params.blocked_connection_timeout = self.timeout
        connection = pika.BlockingConnection(params)
        try:
            for queue in self.queues:
                for state, name in (("waiting", queue), ("delayed", f"{queue}.DQ"), ("dead", f"{queue}.XQ")):
                    family.add_metric([queue, state], _ready(connection, name))
        finally:
            connection.close()
        yield family


def redis_waiting(client: Any, namespace: str, queue: str) -> int:
    """Messages waiting on a dramatiq queue in Redis (not yet taken by a worker)."""
    return int(client.llen(f"{namespace}:{queue}"))


def rabbitmq_waiting(url: str, queue: str, *, timeout: float = 2.0) -> int:
    """Ready messages on a dramatiq queue in RabbitMQ (a connection of its own: pika's are not
    shared between threads)."""
    import pika

    params = pika.URLParameters(url)
    params.socket_timeout = params.blocked_connection_timeout = timeout
    connection = pika.BlockingConnection(params)
    try:
        return _ready(connection, queue)
    finally:
        connection.close()


def _ready(connection: Any, queue: str) -> int:
    """Ready messages on ``queue`` by a passive declare (0 when there is no such queue)."""
    import pika.exceptions

    channel = connection.channel()
    try:
        return int(channel.queue_declare(queue, passive=True).method.message_count)
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code == 404:
            return 0
        raise
    finally:
        if channel.is_open:
            channel.close()


class StepMetrics:
    """Step latency and outcomes, recorded by the process that runs the steps."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.seconds = Histogram(
            "ordergate_step_seconds",
            "time to run a pipeline step",
            ["step", "outcome"],
            buckets=STEP_BUCKETS,
            registry=registry,
        )
        self.total = Counter("ordergate_steps", "pipeline steps run", ["step", "outcome"], registry=registry)

    def observe(self, step: str, outcome: str, seconds: float) -> None:
        self.seconds.labels(step, outcome).observe(seconds)
        self.total.labels(step, outcome).inc()


def registry_for(
    engine: Engine,
    redis_client: Any = None,
    namespace: str = "",
    queues: Iterable[str] = (),
    *,
    amqp_url: str | None = None,
) -> CollectorRegistry:
    """A registry with the document counts, and the queue depth when a broker is given (RabbitMQ's
    URL, or a Redis client)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DocumentCollector(engine))
    if amqp_url:
        registry.register(RabbitmqQueueCollector(amqp_url, queues))
    elif redis_client is not None:
        registry.register(QueueCollector(redis_client, namespace, queues))
    return registry
