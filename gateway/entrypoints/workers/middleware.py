"""``StepObserver``: dramatiq middleware that times every step, logs it, and keeps the dead letters.

Its ``after_process_message`` must run after that of dramatiq's ``Retries``
(dramatiq calls the "after" hooks in reverse order, so it is added before
``Retries``), so that when it sees a failure it knows whether ``Retries`` gave
up (``message.failed``): then the step goes on the dead-letter list through
``on_dead(message_id, step, args, exception, attempts)``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from dramatiq.broker import Broker
from dramatiq.message import Message
from dramatiq.middleware import Middleware

from gateway.adapters.observability.logs import bind
from gateway.adapters.observability.metrics import StepMetrics
from gateway.entrypoints.workers.runner import ids_of

log = logging.getLogger("ordergate.worker")
PREFIX = "ordergate."


class StepObserver(Middleware):
    def __init__(
        self,
        on_dead: Callable[[str, str, tuple[int, ...], BaseException, int], object],
        metrics: StepMetrics | None = None,
    ) -> None:
        self.on_dead = on_dead
        self.metrics = metrics
        self._started: dict[str, float] = {}

    def before_process_message(self, broker: Broker, message: Message[Any]) -> None:
        self._started[message.message_id] = time.perf_counter()

    def after_process_message(
        self,
        broker: Broker,
        message: Message[Any],
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        started = self._started.pop(message.message_id, None)
        seconds = time.perf_counter() - started if started is not None else 0.0
        step = message.actor_name.removeprefix(PREFIX)
        args = tuple(message.args)
        attempts = int(message.options.get("retries", 0)) + (0 if exception is not None else 1)
        with bind(step=step, message_id=message.message_id, attempt=attempts, **ids_of(step, args)):
            if exception is None:
                outcome = "ok"
                log.info("step done in %.3f s", seconds)
            elif message.failed:
                outcome = "dead"
                log.error("step failed for good after %d attempts: %s", attempts, exception)
                try:
                    self.on_dead(message.message_id, step, args, exception, attempts)
                except (
                    Exception
                ):  # the database may be what failed: dramatiq's own dead-letter queue keeps it
                    log.exception("could not record the failed step")
            else:
                outcome = "retry"
                log.warning("step failed (attempt %d), retrying: %s", attempts, exception)
        if self.metrics is not None:
            self.metrics.observe(step, outcome, seconds)
