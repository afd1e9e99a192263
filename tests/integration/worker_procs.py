"""Real worker processes for the scale and fault tests: a Redis server of our own, a PostgreSQL
schema of our own, ``ordergate worker`` subprocesses, and waiting for the work to be done.

- ``RedisServer``: ``redis-server`` on a free loopback port without persistence (a restart
  loses every queued message, as a crash of an unpersisted Redis would); ``restart()``.
- ``postgres_url()``: a fresh schema on the shared server (the conftest's), dropped afterwards.
- ``Workers``: starts ``python -m gateway.entrypoints.cli worker`` with the test's settings in
  the environment (and ``ORDERGATE_FAULT`` when asked), stops what it started.
- RabbitMQ: the shared server at ``ORDERGATE_TEST_AMQP_URL`` (default guest on 127.0.0.1:5672,
  vhost ``/``); ``rabbitmq_queue`` gives a test a queue prefix of its own and deletes the queues
  afterwards, and skips the test with the reason when the server cannot be reached.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import redis

from gateway.config import Settings
from tests.integration.conftest import _postgres_schema_url

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def restart(self) -> None:
        self.kill()
        self.start()

    def queued(self, namespace: str, queue: str = "ordergate") -> int:
        client = redis.Redis.from_url(self.url)
        try:
            return int(client.hlen(f"{namespace}:{queue}.msgs")) + int(
                client.hlen(f"{namespace}:{queue}.DQ.msgs")
            )
        finally:
            client.close()


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    if not _which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = RedisServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def _which(name: str) -> bool:
    import shutil

    return shutil.which(name) is not None


@contextlib.contextmanager
def postgres_url() -> Iterator[str]:
    from gateway.adapters.db.migrate import upgrade

    gen = _postgres_schema_url()
    url = next(gen)
    try:
        upgrade(url)
        yield url
    finally:
        with contextlib.suppress(StopIteration):
            next(gen)


def worker_settings(db_url: str, redis_url: str, tmp_path: Path, namespace: str | None = None) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=db_url,
        outbox_dir=tmp_path / "outbox",
        redis_url=redis_url,
        redis_namespace=namespace or f"og-{uuid.uuid4().hex[:8]}",
        step_min_backoff_ms=100,
        step_max_backoff_ms=2000,
        startup_sweep_seconds=0,  # each worker sweeps: the crash tests count on the successor's sweep
    )


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ORDERGATE_") and k not in ("REDIS_URL", "AMQP_URL")
    }
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
    if settings.amqp_url:
        env["AMQP_URL"] = settings.amqp_url
    env.update(
        {
            "ORDERGATE_DATABASE_URL": str(settings.database_url),
            "ORDERGATE_REDIS_NAMESPACE": settings.redis_namespace,
            "ORDERGATE_QUEUE_PREFIX": settings.queue_prefix,
            "ORDERGATE_STARTUP_SWEEP_SECONDS": str(settings.startup_sweep_seconds),
            "ORDERGATE_STEP_MAX_RETRIES": str(settings.step_max_retries),
            "ORDERGATE_DATA_DIR": str(settings.data_dir),
            "ORDERGATE_OUTBOX_DIR": str(settings.outbox),
            "ORDERGATE_STEP_MIN_BACKOFF_MS": str(settings.step_min_backoff_ms),
            "ORDERGATE_STEP_MAX_BACKOFF_MS": str(settings.step_max_backoff_ms),
            "ORDERGATE_SPLIT_AT": str(settings.split_at),
            "ORDERGATE_SPLIT_SHARE": str(settings.split_share),
            "PYTHONPATH": str(REPO),
        }
    )
    env.update(extra)
    return env


@dataclass
class Workers:
    settings: Settings
    logdir: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, *args: str, fault: str | None = None, threads: int = 2) -> subprocess.Popen[bytes]:
        extra = {"ORDERGATE_FAULT": fault} if fault else {}
        self.logdir.mkdir(parents=True, exist_ok=True)
        log = (self.logdir / f"worker-{len(self.procs)}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "gateway.entrypoints.cli", "worker", "--threads", str(threads), *args],
            cwd=REPO,
            env=environment(self.settings, **extra),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def wait_ready(self, count: int, timeout: float = 60) -> None:
        """Until ``count`` workers are consuming (their heartbeats are in Redis)."""
        client = redis.Redis.from_url(str(self.settings.redis_url))
        key = f"{self.settings.redis_namespace}:__heartbeats__"
        deadline = time.monotonic() + timeout
        try:
            while client.zcard(key) < count:
                assert time.monotonic() < deadline, "the workers did not start"
                assert all(p.poll() is None for p in self.procs), "a worker died at start"
                time.sleep(0.1)
        finally:
            client.close()

    def wait_consuming(self, count: int, timeout: float = 60) -> None:
        """Until ``count`` workers consume the settings' queue on RabbitMQ."""
        deadline = time.monotonic() + timeout
        while rabbitmq_counts(str(self.settings.amqp_url), self.settings.queue_name)["consumers"] < count:
            assert time.monotonic() < deadline, "the workers did not start"
            assert all(p.poll() is None for p in self.procs), "a worker died at start"
            time.sleep(0.1)

    def log(self, index: int) -> str:
        return (self.logdir / f"worker-{index}.log").read_text(errors="replace")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@contextlib.contextmanager
def workers(settings: Settings, logdir: Path) -> Iterator[Workers]:
    w = Workers(settings, logdir)
    try:
        yield w
    finally:
        w.stop()


def assert_control_numbers_gapless(connection: Any) -> None:
    """Per partner and level, the control numbers in the ledger are exactly 1..N (none handed out
    twice, none handed out unrecorded) and the counter stands at N.  On PostgreSQL a number a
    crash left unused stays in the ledger with no document (voided): the gap is accounted for."""
    from collections import defaultdict

    from sqlalchemy import select

    from gateway.adapters.db.tables import control_counters, control_ledger

    values: dict[tuple[str, str], list[int]] = defaultdict(list)
    for partner, level, value in connection.execute(
        select(control_ledger.c.partner_id, control_ledger.c.level, control_ledger.c.value)
    ):
        values[(partner, level)].append(int(value))
    counters = {
        (r.partner_id, r.level): int(r.last_value) for r in connection.execute(select(control_counters))
    }
    assert values, "no control numbers were used"
    for key, used in values.items():
        assert sorted(used) == list(range(1, len(used) + 1)), f"{key}: gaps or repeats"
        assert counters[key] == len(used), (key, counters[key], len(used))


def wait_for(check: Callable[[], Any], timeout: float, *, interval: float = 0.3) -> Any:
    """Run ``check`` until it stops raising ``AssertionError``; the last error after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(interval)


AMQP_URL = os.environ.get("ORDERGATE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


@cache
def rabbitmq_unreachable() -> str | None:
    """Why the RabbitMQ server cannot be used (None when it can)."""
    import pika

    params = pika.URLParameters(AMQP_URL)
    params.socket_timeout = 3
    try:
        pika.BlockingConnection(params).close()
        return None
    except Exception as exc:
        return f"RabbitMQ at {params.host}:{params.port} is unreachable: {type(exc).__name__} {exc}"


def rabbitmq_counts(url: str, queue: str) -> dict[str, int]:
    """Ready messages on ``queue``, its delay queue and dead-letter queue, and the queue's consumers
    (0 for a queue not declared yet)."""
    import pika
    import pika.exceptions

    counts = {"waiting": 0, "delayed": 0, "dead": 0, "consumers": 0}
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        for key, name in (("waiting", queue), ("delayed", f"{queue}.DQ"), ("dead", f"{queue}.XQ")):
            channel = connection.channel()
            try:
                method = channel.queue_declare(name, passive=True).method
            except pika.exceptions.ChannelClosedByBroker:
                continue
            counts[key] = int(method.message_count)
            if key == "waiting":
                counts["consumers"] = int(method.consumer_count)
            channel.close()
    finally:
        connection.close()
    return counts


def delete_queues(url: str, queue: str) -> None:
    """Delete ``queue`` and dramatiq's delay and dead-letter queues beside it."""
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            channel.queue_delete(name)
    finally:
        connection.close()


@contextlib.contextmanager
def rabbitmq_queue() -> Iterator[tuple[str, str]]:
    """(the server's URL, a queue prefix of this test's own); its queues are deleted afterwards."""
    reason = rabbitmq_unreachable()
    if reason:
        pytest.skip(reason)
    prefix = f"og-test-{uuid.uuid4().hex[:8]}."
    try:
        yield AMQP_URL, prefix
    finally:
        delete_queues(AMQP_URL, f"{prefix}ordergate")


def rabbitmq_worker_settings(
    db_url: str, amqp_url: str, prefix: str, tmp_path: Path, **more: Any
) -> Settings:
    """Worker settings on RabbitMQ: the test's queue prefix, short back-offs."""
    base = worker_settings(db_url, "", tmp_path).model_dump()
    base.update(redis_url=None, amqp_url=amqp_url, queue_prefix=prefix, **more)
    return Settings(**base)
