"""One start-up sweep for many workers (``gateway.services.sweep.sweep_once``).

- On SQLite and PostgreSQL: the first sweep takes the lease and sends the
  unfinished steps; another within the interval is refused and sends nothing;
  once the interval has passed the next one sweeps again; ``sweep`` (the
  explicit command's) always sweeps.  Two sweeps racing on two threads: one sweeps.
- Two ``ordergate worker`` processes started together on RabbitMQ over archived
  documents that were never queued: one sweeps and the other says it skipped,
  and every document's ``process_document`` runs exactly once (each would run
  twice if both had swept).
- The periodic sweep of running workers: only what has not moved for its period,
  under a lease of its own; a worker started with ``--no-sweep --sweep-every 2``
  finds documents whose messages were lost and processes them.  On a real Redis
  with a backlog waiting on the queue it sends nothing twice (what waits has only
  not had its turn), and once the queue is lost, or was seen empty before the
  work went missing, it sends what is missing.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from gateway.adapters.db.tables import inbound_documents
from gateway.adapters.observability.metrics import redis_waiting
from gateway.bootstrap import build, build_queued, init_database
from gateway.config import SAMPLES, Settings
from gateway.entrypoints.workers.actors import QUEUE
from gateway.services.receive import receive
from gateway.services.sweep import PERIODIC_LEASE, SWEEP_LEASE, periodic_round, sweep, sweep_once
from tests.integration.pipeline_helpers import FIXED_NOW, open_pipeline, sample
from tests.integration.test_faults_workers import check_all_done
from tests.integration.worker_procs import (
    postgres_url,
    rabbitmq_counts,
    rabbitmq_queue,
    rabbitmq_worker_settings,
    redis_server,
    wait_for,
    worker_settings,
    workers,
)

EVERY = timedelta(seconds=60)
FILES = sorted(p.name for p in (SAMPLES / "x12").glob("850-*.x12"))


def test_one_sweep_per_interval(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        p.receive(sample("850-4010-acme.x12"), message_id="a")
        p.receive(sample("850-5010-bright.x12"), message_id="b")
        queue = p.runtime.dispatcher.queue
        queue.clear()  # archived, never queued: what a lost queue leaves behind
        ctx = p.ctx

        assert sweep_once(ctx, every=EVERY) == 2
        assert [step for step, _ in queue] == ["process_document"] * 2
        ctx.clock = lambda: FIXED_NOW + timedelta(seconds=59)
        assert sweep_once(ctx, every=EVERY) is None  # another worker within the interval
        assert len(queue) == 2
        assert sweep(ctx) == 2  # ``ordergate sweep`` always sweeps
        assert len(queue) == 4
        ctx.clock = lambda: FIXED_NOW + timedelta(seconds=61)
        assert sweep_once(ctx, every=EVERY) == 2  # the interval has passed
        with p.uow() as uow:
            (row,) = [r for r in uow.polls.list() if (r["partner_id"], r["channel"]) == SWEEP_LEASE]
        assert row["last_count"] == 2
        assert row["last_polled_at"] == FIXED_NOW + timedelta(seconds=61)


def test_the_periodic_sweep_takes_only_what_has_not_moved(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        old = p.receive(sample("850-4010-acme.x12"), message_id="a")
        fresh = p.receive(sample("850-5010-bright.x12"), message_id="b")
        queue = p.runtime.dispatcher.queue
        queue.clear()  # archived, never queued
        ctx = p.ctx
        ctx.clock = lambda: FIXED_NOW
        with p.uow() as uow:
            for document_id, at in ((old, FIXED_NOW - timedelta(minutes=10)), (fresh, FIXED_NOW)):
                docs = inbound_documents
                uow.connection.execute(update(docs).where(docs.c.id == document_id).values(updated_at=at))
            uow.commit()
        period = timedelta(minutes=5)
        assert sweep_once(ctx, every=period * 0.9, settled=period, lease=PERIODIC_LEASE) == 1
        assert list(queue) == [("process_document", (old,))]
        # a lease of its own: a worker starting now still makes its start-up sweep, of everything
        assert sweep_once(ctx, every=EVERY) == 2
        # and the next period's sweep waits for the lease
        assert sweep_once(ctx, every=period * 0.9, settled=period, lease=PERIODIC_LEASE) is None


def test_a_backlog_on_redis_is_not_sent_twice(tmp_path: Path) -> None:
    with redis_server(tmp_path) as server, postgres_url() as db_url:
        settings = worker_settings(db_url, server.url, tmp_path)
        init_database(settings)
        runtime, broker = build_queued(settings)
        ctx = runtime.context
        client = broker.client
        try:
            ids = [
                receive(ctx, (SAMPLES / "x12" / n).read_bytes(), channel="test", message_id=n)
                for n in FILES[:3]
            ]
            period = timedelta(minutes=5)
            ctx.clock = lambda: FIXED_NOW
            with ctx.uow() as uow:  # no worker yet: they have waited on the queue for 10 minutes
                uow.connection.execute(
                    update(inbound_documents).values(updated_at=FIXED_NOW - timedelta(minutes=10))
                )
                uow.commit()

            def waiting() -> int:
                return redis_waiting(client, settings.redis_namespace, QUEUE)

            assert waiting() == 3
            sent, drained = periodic_round(ctx, every=period, waiting=waiting(), last_drained=None)
            assert (sent, drained) == (None, None) and waiting() == 3  # waiting their turn
            # seen empty before they went quiet: what has not moved since then is missing
            earlier = FIXED_NOW - timedelta(minutes=20)
            sent, drained = periodic_round(ctx, every=period, waiting=waiting(), last_drained=earlier)
            assert (sent, drained) == (0, earlier) and waiting() == 3
            later = FIXED_NOW - timedelta(minutes=8)
            ctx.clock = lambda: FIXED_NOW + period  # the next round, with the lease free again
            sent, drained = periodic_round(ctx, every=period, waiting=waiting(), last_drained=later)
            assert (sent, drained) == (3, later) and waiting() == 6
            # the queue lost (a Redis restarted without its data): an empty queue sweeps
            client.flushdb()
            ctx.clock = lambda: FIXED_NOW + 2 * period
            sent, drained = periodic_round(ctx, every=period, waiting=waiting(), last_drained=None)
            assert sent == 3 and drained == FIXED_NOW + 2 * period
            assert sorted(_queued_documents(client, settings.redis_namespace)) == sorted(ids)
        finally:
            broker.close()
            runtime.engine.dispose()


def _queued_documents(client: Any, namespace: str) -> list[int]:
    """The documents of the ``process_document`` messages waiting on the queue."""
    found = []
    for message_id in client.lrange(f"{namespace}:{QUEUE}", 0, -1):
        body = json.loads(client.hget(f"{namespace}:{QUEUE}.msgs", message_id))
        if body["actor_name"] == "ordergate.process_document":
            found.extend(body["args"])
    return found


def test_a_running_worker_sweeps_what_a_lost_queue_left(tmp_path: Path) -> None:
    with rabbitmq_queue() as (url, prefix), postgres_url() as db_url:
        settings = rabbitmq_worker_settings(db_url, url, prefix, tmp_path)
        init_database(settings)
        runtime = build(settings)  # steps sent here stay in this process: nothing reaches the queue
        try:
            ids = [
                receive(runtime.context, (SAMPLES / "x12" / n).read_bytes(), channel="test", message_id=n)
                for n in FILES[:2]
            ]
        finally:
            runtime.engine.dispose()
        with workers(settings, tmp_path / "logs") as w:
            w.start("--no-sweep", "--sweep-every", "2")
            w.wait_consuming(1)
            wait_for(lambda: check_all_done(settings, ids), timeout=120)
            log = w.log(0)
        assert "start-up sweep" not in log
        assert "periodic sweep re-queued" in log


def test_racing_sweeps_sweep_once(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        p.receive(sample("850-4010-acme.x12"), message_id="a")
        p.runtime.dispatcher.queue.clear()
        results: list[int | None] = []
        start = threading.Barrier(2)

        def race() -> None:
            start.wait()
            results.append(sweep_once(p.ctx, every=EVERY))

        threads = [threading.Thread(target=race) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(results, key=lambda r: r is None) == [1, None]
        assert len(p.runtime.dispatcher.queue) == 1


def _step_runs(log: str, step: str) -> list[object]:
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    return [
        line.get("document_id")
        for line in lines
        if line.get("step") == step and str(line.get("message", "")).startswith("step done")
    ]


def test_workers_started_together_sweep_once(tmp_path: Path) -> None:
    with rabbitmq_queue() as (url, prefix), postgres_url() as db_url:
        settings = rabbitmq_worker_settings(db_url, url, prefix, tmp_path, startup_sweep_seconds=300)
        init_database(settings)
        runtime = build(settings)  # steps sent here stay in this process: nothing reaches the queue
        try:
            ids = [
                receive(runtime.context, (SAMPLES / "x12" / n).read_bytes(), channel="test", message_id=n)
                for n in FILES
            ]
        finally:
            runtime.engine.dispose()
        with workers(settings, tmp_path / "logs") as w:
            w.start("--log-format", "json")
            w.start("--log-format", "json")
            w.wait_consuming(2)

            wait_for(lambda: check_all_done(settings, ids), timeout=120)
            wait_for(lambda: _queue_empty(settings), timeout=30)
            logs = [w.log(0), w.log(1)]
        swept = [log for log in logs if "start-up sweep re-queued" in log]
        skipped = [log for log in logs if "start-up sweep skipped" in log]
        assert (len(swept), len(skipped)) == (1, 1), logs
        # the one sweep found every document (a later duplicate would show as a second run above)
        assert f"start-up sweep re-queued {len(ids)} unfinished steps" in swept[0]
        # and every document was taken from the queue once: two sweeps would have run each twice
        runs = _step_runs(logs[0], "process_document") + _step_runs(logs[1], "process_document")
        assert sorted(runs) == sorted(ids)  # type: ignore[type-var]


def _queue_empty(settings: Settings) -> None:
    counts = rabbitmq_counts(str(settings.amqp_url), settings.queue_name)
    assert counts["waiting"] == counts["delayed"] == 0, counts


@pytest.fixture(autouse=True)
def _no_broker_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AMQP_URL", "REDIS_URL", "ORDERGATE_AMQP_URL", "ORDERGATE_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
