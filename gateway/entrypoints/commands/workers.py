"""``ordergate worker``, ``ordergate sweep`` and ``ordergate dead-letters``: running the queue.

The queue is RabbitMQ's when ``AMQP_URL`` is set, else Redis's by ``REDIS_URL``
(``Settings.broker``).  A worker sweeps at start (re-queues what a crash left
unfinished) unless another swept less than ``startup_sweep_seconds`` ago, and
then every ``--sweep-every`` seconds one of the running workers re-queues what
has not moved for that long (a message lost with a broker, work a worker had
committed but not yet sent when it died); ``ordergate sweep`` always sweeps.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gateway.entrypoints.commands.common import data_options, ready

HEARTBEAT_S = 15.0
STOP_TIMEOUT_MS = 30_000  # on SIGTERM: steps in progress get this long to finish (a killed one is re-run)


def _runtime(settings: Any) -> Any:
    from gateway.bootstrap import build, build_queued

    return build_queued(settings)[0] if settings.queued else build(settings)


def _where(settings: Any, done: int) -> str:
    if settings.broker == "rabbitmq":
        return "queued on RabbitMQ"
    return "queued on Redis" if settings.broker == "redis" else f"run here ({done} steps)"


def _cmd_sweep(args: argparse.Namespace) -> int:
    from gateway.services.sweep import sweep

    settings = ready(args)
    runtime = _runtime(settings)
    try:
        queued = sweep(runtime.context)
        done = runtime.drain()
    finally:
        runtime.engine.dispose()
    print(f"{queued} unfinished steps found and {_where(settings, done)}")
    return 0


def _keep_alive(broker: Any, queue: str, stop: Any) -> None:
    """Tell Redis this worker is alive while every thread is busy with a long step.

    dramatiq's Redis broker counts a worker alive by the commands it sends; one whose threads
    are all inside long steps fetches nothing, and after the heartbeat timeout (60 s) another
    worker would re-queue the messages it is running.  Any command refreshes the heartbeat.
    (RabbitMQ needs none: a message stays with the consumer's connection until it is acked.)"""
    while not stop.wait(HEARTBEAT_S):
        try:
            broker.do_qsize(queue)
        except Exception:  # Redis away: the consumer reconnects; the next beat tries again
            continue


def _cmd_worker(args: argparse.Namespace) -> int:
    import logging
    import signal
    import threading

    from dramatiq import Worker

    from gateway.adapters.observability.logs import configure
    from gateway.bootstrap import build_queued
    from gateway.entrypoints.workers.faults import Faults

    configure(args.log_format, args.log_level)
    log = logging.getLogger("ordergate.worker")
    settings = ready(args)
    if not settings.queued:
        print(
            "ordergate: the worker needs AMQP_URL or REDIS_URL (the embedded default runs steps in-process)",
            file=sys.stderr,
        )
        return 2
    metrics = None
    registry = None
    if args.metrics_port is not None:
        from prometheus_client import CollectorRegistry

        from gateway.adapters.observability.metrics import StepMetrics

        registry = CollectorRegistry(auto_describe=False)
        metrics = StepMetrics(registry)
    runtime, broker = build_queued(settings, metrics=metrics, faults=Faults.from_env())
    queue = settings.queue_name
    if registry is not None:
        from prometheus_client import start_http_server

        from gateway.adapters.observability.metrics import (
            DocumentCollector,
            QueueCollector,
            RabbitmqQueueCollector,
        )

        registry.register(DocumentCollector(runtime.engine))
        if settings.broker == "rabbitmq":
            registry.register(RabbitmqQueueCollector(str(settings.amqp_url), [queue]))
        else:
            registry.register(QueueCollector(broker.client, settings.redis_namespace, [queue]))
        start_http_server(args.metrics_port, addr=args.metrics_host, registry=registry)
        log.info("metrics on http://%s:%d/metrics", args.metrics_host, args.metrics_port)
    if not args.no_sweep:
        _startup_sweep(runtime, log)
    worker = Worker(broker, worker_threads=args.threads, queues={queue})
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    worker.start()
    if settings.broker == "redis":
        threading.Thread(
            target=_keep_alive, args=(broker, queue, stop), name="ordergate-heartbeat", daemon=True
        ).start()
    if args.sweep_every > 0:
        threading.Thread(
            target=_periodic_sweep,
            args=(runtime, args.sweep_every, stop, log, _waiting_on(settings, broker, queue)),
            name="ordergate-sweep",
            daemon=True,
        ).start()
    log.info("worker started with %d threads on %s (queue %s)", args.threads, settings.broker, queue)
    try:
        if args.burst:
            broker.join(queue, timeout=args.burst_timeout * 1000)
            worker.join()
        else:
            stop.wait()
    finally:
        worker.stop(timeout=STOP_TIMEOUT_MS)
        runtime.engine.dispose()
    return 0


def _startup_sweep(runtime: Any, log: Any) -> None:
    """Re-queue what a crash left unfinished, once for all the workers starting within the interval."""
    from datetime import timedelta

    from gateway.services.sweep import sweep_once

    every = runtime.settings.startup_sweep_seconds
    queued = sweep_once(runtime.context, every=timedelta(seconds=every))
    if queued is None:
        log.info("start-up sweep skipped: another worker swept less than %d s ago", every)
    else:
        log.info("start-up sweep re-queued %d unfinished steps", queued, extra={"swept": queued})


def _waiting_on(settings: Any, broker: Any, queue: str) -> Any:
    """A function: how many messages wait on the worker's queue now."""
    from gateway.adapters.observability.metrics import rabbitmq_waiting, redis_waiting

    if settings.broker == "rabbitmq":
        return lambda: rabbitmq_waiting(str(settings.amqp_url), queue)
    return lambda: redis_waiting(broker.client, settings.redis_namespace, queue)


def _periodic_sweep(runtime: Any, every_s: int, stop: Any, log: Any, waiting: Any) -> None:
    """Every ``every_s`` seconds, one worker among all (a lease, ``PERIODIC_LEASE``) re-queues the
    unfinished steps of documents that have not moved for ``every_s`` seconds, and, while
    messages wait on the queue, only of those that have not moved since it was last seen empty
    (``periodic_window``)."""
    from datetime import timedelta

    from gateway.services.sweep import periodic_round

    every = timedelta(seconds=every_s)
    last_drained = None
    while not stop.wait(every_s):
        try:
            backlog = int(waiting())
            queued, last_drained = periodic_round(
                runtime.context, every=every, waiting=backlog, last_drained=last_drained
            )
        except Exception:  # the database or the broker away: the next period tries again
            log.exception("periodic sweep failed")
            continue
        if queued is None and backlog:
            log.info("periodic sweep: nothing re-queued this round (%d messages wait on the queue)", backlog)
        elif queued:
            log.info("periodic sweep re-queued %d unfinished steps", queued, extra={"swept": queued})


def _cmd_dead_letters(args: argparse.Namespace) -> int:
    from gateway.entrypoints.tables import table
    from gateway.services.dead_letters import dead_letters, retry_dead_letter

    settings = ready(args)
    runtime = _runtime(settings)
    try:
        if args.retry is not None:
            step, ids = retry_dead_letter(runtime.context, args.retry)
            done = runtime.drain()
            print(f"step {step} {', '.join(map(str, ids))} sent again and {_where(settings, done)}")
            return 0
        with runtime.context.uow() as uow:
            rows = dead_letters(uow, include_retried=args.all)
    finally:
        runtime.engine.dispose()
    if not rows:
        print("no failed steps")
        return 0
    print(
        table(
            ["id", "step", "ids", "attempts", "status", "failed at", "error"],
            [
                [
                    str(r.id),
                    r.step,
                    ",".join(map(str, r.args)),
                    str(r.attempts),
                    r.status,
                    r.failed_at.strftime("%Y-%m-%d %H:%M:%S"),
                    (r.error_type + ": " + r.error)[:80],
                ]
                for r in rows
            ],
        )
    )
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("worker", help="run pipeline steps from the queue (AMQP_URL or REDIS_URL)")
    p.add_argument("--threads", type=int, default=4, help="worker threads in this process")
    p.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    p.add_argument("--burst-timeout", type=int, default=600, help="seconds to wait for the queue to empty")
    p.add_argument(
        "--no-sweep",
        action="store_true",
        help="do not re-queue unfinished steps at start (by default one worker does, per interval)",
    )
    p.add_argument(
        "--sweep-every",
        type=int,
        default=300,
        metavar="SECONDS",
        help="re-queue, every SECONDS, what has not moved for that long (one worker of all; 0: never)",
    )
    p.add_argument("--metrics-port", type=int, help="serve Prometheus metrics on this port")
    p.add_argument("--metrics-host", default="127.0.0.1", help="address of the metrics server")
    p.add_argument("--log-format", choices=["text", "json"], default="text", help="log line format")
    p.add_argument("--log-level", default="INFO", help="log level (INFO, WARNING, ...)")
    data_options(p)
    p.set_defaults(func=_cmd_worker)

    p = sub.add_parser("sweep", help="re-run (or re-queue) every step a crash or outage left unfinished")
    data_options(p)
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("dead-letters", help="list the pipeline steps that failed for good, or retry one")
    p.add_argument("--retry", type=int, metavar="ID", help="send this failed step again")
    p.add_argument("--all", action="store_true", help="also the ones already retried")
    data_options(p)
    p.set_defaults(func=_cmd_dead_letters)
