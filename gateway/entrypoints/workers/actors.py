"""Dramatiq actors: one per pipeline step, each taking ids, never objects.

``declare(broker, run, policy)`` binds the actors to a broker explicitly
(nothing is declared at import time).  Every step is idempotent, so retries are
safe: a retried step finds its earlier work and creates nothing twice.  A step
whose fault looks transient (``gateway.services.dead_letters.is_transient``) is
retried with exponential back-off up to ``policy.max_retries`` times; then, or
at once for a permanent error, the message fails and ``StepObserver``
(``gateway.entrypoints.workers.middleware``) puts it on the dead-letter list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dramatiq
from dramatiq.broker import Broker

from gateway.services.dead_letters import is_transient

QUEUE = "ordergate"
MAX_RETRIES = 5
MIN_BACKOFF_MS = 500
MAX_BACKOFF_MS = 60_000
TIME_LIMIT_MS = 3_600_000  # a step over a very large document may take long; the default is 10 minutes
STEP_NAMES = (
    "process_document",
    "confirm_document",
    "confirm_range",
    "confirm_order",
    "emit_855",
    "apply_change",
    "deliver",
    "poll_channel",
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = MAX_RETRIES
    min_backoff_ms: int = MIN_BACKOFF_MS
    max_backoff_ms: int = MAX_BACKOFF_MS

    def retry_when(self, retries: int, exc: BaseException) -> bool:
        """``retries`` is how many times the message was retried before this failure."""
        return retries < self.max_retries and is_transient(exc)


def declare(
    broker: Broker,
    run: Callable[[str, tuple[Any, ...]], object],
    policy: RetryPolicy | None = None,
    *,
    queue: str = QUEUE,
) -> dict[str, dramatiq.Actor[Any, Any]]:
    """Actors for every pipeline step on ``broker``, all on ``queue``; ``run(step, args)`` executes a step.

    ``queue`` is ``QUEUE`` with the deployment's ``queue_prefix`` (``Settings.queue_name``)."""
    policy = policy or RetryPolicy()
    actors: dict[str, dramatiq.Actor[Any, Any]] = {}
    for name in STEP_NAMES:

        def handler(*args: int | str, _step: str = name) -> None:
            run(_step, args)

        handler.__name__ = name
        actors[name] = dramatiq.actor(
            handler,
            actor_name=f"ordergate.{name}",
            queue_name=queue,
            broker=broker,
            max_retries=policy.max_retries,
            min_backoff=policy.min_backoff_ms,
            max_backoff=policy.max_backoff_ms,
            retry_when=policy.retry_when,
            time_limit=TIME_LIMIT_MS,
        )
    return actors
