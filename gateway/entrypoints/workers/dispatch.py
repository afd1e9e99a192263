"""Dispatch through dramatiq: RabbitMQ by ``AMQP_URL``, Redis by ``REDIS_URL``, else dramatiq's stub broker.

``make_broker(settings)`` chooses (RabbitMQ when both URLs are set, with a
warning in the log).  On RabbitMQ the messages are persistent and every send
waits for the server's confirm, so a step the database says was queued is on
the queue; retries and deferred steps wait on dramatiq's delay queue
(``<queue>.DQ``), and a message a dead worker held is delivered again when its
connection drops.  Deployments or test runs sharing one vhost keep apart by
``queue_prefix``.

``bind_queue(runtime, broker)`` declares the step actors on the broker and wires
what the workers need around them: the ``StepRunner`` (ordering, logging
context, fault points), the ``StepObserver`` middleware (timings, dead letters)
and dramatiq's ``CurrentMessage`` (to read a message's own options).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

import dramatiq
from dramatiq.broker import Broker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage, Retries

if TYPE_CHECKING:
    from gateway.adapters.observability.metrics import StepMetrics
    from gateway.bootstrap import Runtime
    from gateway.config import Settings
    from gateway.entrypoints.workers.faults import Faults

log = logging.getLogger("ordergate.worker")


def make_broker(settings: Settings) -> Broker:
    """The broker ``settings.broker`` names: RabbitMQ, Redis, or the stub broker when neither is set."""
    if settings.broker == "rabbitmq":
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        if settings.redis_url:
            log.warning("AMQP_URL and REDIS_URL are both set: the steps go to RabbitMQ (AMQP_URL)")
        return RabbitmqBroker(url=settings.amqp_url, confirm_delivery=True)
    if settings.broker == "redis":
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=settings.redis_url, namespace=settings.redis_namespace)
    return StubBroker()


class DramatiqDispatcher:
    """Sends each step to its actor; the actors are bound later by ``bind``.

    Inside ``holding(steps)`` (in this thread only) a send of one of ``steps`` is kept in the
    list it yields instead of sent: the worker runs it next, in the same message
    (``StepRunner``)."""

    def __init__(self) -> None:
        self.actors: dict[str, dramatiq.Actor[Any, Any]] = {}
        self._held = threading.local()

    def bind(self, actors: dict[str, dramatiq.Actor[Any, Any]]) -> None:
        self.actors = actors

    def send(self, step: str, *args: int | str) -> None:
        held: tuple[frozenset[str], list[tuple[str, tuple[Any, ...]]]] | None = getattr(
            self._held, "value", None
        )
        if held is not None and step in held[0]:
            held[1].append((step, args))
            return
        self.enqueue(step, *args)

    def enqueue(self, step: str, *args: int | str) -> None:
        """Send to the broker, held or not."""
        if not self.actors:
            raise RuntimeError("no broker is bound to the dispatcher")
        self.actors[step].send(*args)

    @contextmanager
    def holding(self, steps: Iterable[str]) -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
        kept: list[tuple[str, tuple[Any, ...]]] = []
        outer = getattr(self._held, "value", None)
        self._held.value = (frozenset(steps), kept)
        try:
            yield kept
        finally:
            self._held.value = outer


HANDOVER_LIMIT = 1_000


def _deferrals() -> int:
    message = CurrentMessage.get_current_message()
    return int(message.options.get("deferrals", 0)) if message is not None else 0


def bind_queue(
    runtime: Runtime,
    broker: Broker,
    *,
    metrics: StepMetrics | None = None,
    faults: Faults | None = None,
) -> dict[str, dramatiq.Actor[Any, Any]]:
    from gateway.entrypoints.workers.actors import RetryPolicy, declare
    from gateway.entrypoints.workers.middleware import StepObserver
    from gateway.entrypoints.workers.runner import StepRunner
    from gateway.services.dead_letters import record_dead_letter
    from gateway.services.ports import Handover

    assert isinstance(runtime.dispatcher, DramatiqDispatcher)
    settings = runtime.settings
    # parsed orders kept for a confirmation in this same process: with several workers most are
    # confirmed elsewhere, so keep few (they are read from the database otherwise)
    runtime.context.handover = Handover(limit=HANDOVER_LIMIT)
    if not any(isinstance(m, CurrentMessage) for m in broker.middleware):
        broker.add_middleware(CurrentMessage())
    # "after" hooks run in reverse order: placed before Retries, the observer sees what Retries decided
    observer = StepObserver(partial(record_dead_letter, runtime.context), metrics)
    has_retries = any(isinstance(m, Retries) for m in broker.middleware)
    broker.add_middleware(observer, before=Retries if has_retries else None)
    actors: dict[str, dramatiq.Actor[Any, Any]] = {}

    def defer(step: str, args: tuple[Any, ...], delay_ms: int, deferrals: int) -> None:
        actors[step].send_with_options(args=args, delay=delay_ms, deferrals=deferrals)

    runner = StepRunner(
        runtime.context,
        hold=runtime.dispatcher.holding,
        enqueue=runtime.dispatcher.enqueue,
        observe=metrics.observe if metrics is not None else None,
        faults=faults,
        defer=defer,
        deferrals=_deferrals,
        split_at=settings.split_at,
        split_share=settings.split_share,
    )
    policy = RetryPolicy(
        settings.step_max_retries, settings.step_min_backoff_ms, settings.step_max_backoff_ms
    )
    actors.update(declare(broker, runner, policy, queue=settings.queue_name))
    if faults is not None:
        faults.install()
    runtime.dispatcher.bind(actors)
    return actors
