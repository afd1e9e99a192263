"""Dispatch through dramatiq: the broker is Redis when ``REDIS_URL`` is set, else dramatiq's stub broker."""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.broker import Broker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker


def make_broker(redis_url: str | None, *, namespace: str = "ordergate") -> Broker:
    if redis_url:
        return RedisBroker(url=redis_url, namespace=namespace)
    return StubBroker()


class DramatiqDispatcher:
    """Sends each step to its actor; the actors are bound later by ``bind``."""

    def __init__(self) -> None:
        self.actors: dict[str, dramatiq.Actor[Any, Any]] = {}

    def bind(self, actors: dict[str, dramatiq.Actor[Any, Any]]) -> None:
        self.actors = actors

    def send(self, step: str, *args: int | str) -> None:
        if not self.actors:
            raise RuntimeError("no broker is bound to the dispatcher")
        self.actors[step].send(*args)
