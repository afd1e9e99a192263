"""Dramatiq actors: one per pipeline step, each taking ids, never objects.

``declare(broker, runtime_factory)`` binds the actors to a broker explicitly
(nothing is declared at import time).  Every step is idempotent, so dramatiq's
retries with back-off are safe: a retried step finds its earlier work and
creates nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.broker import Broker

QUEUE = "ordergate"
MAX_RETRIES = 5
MIN_BACKOFF_MS = 500
MAX_BACKOFF_MS = 60_000
STEP_NAMES = (
    "process_document",
    "confirm_document",
    "confirm_order",
    "emit_855",
    "apply_change",
    "deliver",
    "poll_channel",
)


def declare(
    broker: Broker, run: Callable[[str, tuple[Any, ...]], object]
) -> dict[str, dramatiq.Actor[Any, Any]]:
    """Actors for every pipeline step on ``broker``; ``run(step, args)`` executes a step."""
    actors: dict[str, dramatiq.Actor[Any, Any]] = {}
    for name in STEP_NAMES:

        def handler(*args: int | str, _step: str = name) -> None:
            run(_step, args)

        handler.__name__ = name
        actors[name] = dramatiq.actor(
            handler,
            actor_name=f"ordergate.{name}",
            queue_name=QUEUE,
            broker=broker,
            max_retries=MAX_RETRIES,
            min_backoff=MIN_BACKOFF_MS,
            max_backoff=MAX_BACKOFF_MS,
        )
    return actors
