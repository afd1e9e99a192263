"""``ordergate worker`` processes on real RabbitMQ (``AMQP_URL``) and PostgreSQL.

- Two workers run every sample 850 end to end: one sales order and one 855 per
  order, every outbound document delivered, nothing dead.
- A step failing with a transient fault (``ORDERGATE_FAULT=fail-<n>:<step>``)
  goes through dramatiq's delay queue (``.DQ``) with back-off and then succeeds;
  one that always fails (``fail:<step>``) ends on our dead-letter list
  (``failed_steps``) as on Redis, and on RabbitMQ's dead-letter queue (``.XQ``).
- A worker SIGKILLed in the middle of a step: RabbitMQ delivers the messages it
  held again when its connection drops, so a second worker started *without*
  the start-up sweep finishes the work, exactly once.

Each test has a queue prefix of its own; its queues are deleted afterwards.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from gateway.bootstrap import build, init_database
from gateway.config import SAMPLES, Settings
from tests.integration.test_faults_workers import check_all_done, ingest
from tests.integration.worker_procs import (
    postgres_url,
    rabbitmq_counts,
    rabbitmq_queue,
    rabbitmq_worker_settings,
    wait_for,
    workers,
)

# every sample 850: confirmed, short, backordered, rejected, held for review, test mode
FILES = sorted(p.name for p in (SAMPLES / "x12").glob("850-*.x12"))


@pytest.fixture
def rmq(tmp_path: Path) -> Iterator[Settings]:
    with rabbitmq_queue() as (url, prefix), postgres_url() as db_url:
        settings = rabbitmq_worker_settings(db_url, url, prefix, tmp_path, step_max_retries=3)
        init_database(settings)
        yield settings


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_two_workers_process_every_order_end_to_end(rmq: Settings, tmp_path: Path) -> None:
    ids = ingest(rmq, FILES)
    assert rabbitmq_counts(str(rmq.amqp_url), rmq.queue_name)["waiting"] == len(FILES)
    with workers(rmq, tmp_path / "logs") as w:
        w.start("--no-sweep")
        w.start("--no-sweep")
        w.wait_consuming(2)
        wait_for(lambda: check_all_done(rmq, ids), timeout=120)
    counts = rabbitmq_counts(str(rmq.amqp_url), rmq.queue_name)
    assert (counts["waiting"], counts["dead"]) == (0, 0)


def test_transient_fault_is_retried_with_backoff_then_done(rmq: Settings, tmp_path: Path) -> None:
    settings = Settings(**{**rmq.model_dump(), "step_min_backoff_ms": 500})
    ids = ingest(settings, ["850-4010-acme.x12"])
    with workers(settings, tmp_path / "logs") as w:
        # the first run, in process_document's message, fails and is queued; then two more fail
        w.start("--no-sweep", "--log-format", "json", fault="fail-3:confirm_document")
        wait_for(lambda: check_all_done(settings, ids), timeout=90)
        logged = [line for line in json_lines(w.log(0)) if line.get("step") == "confirm_document"]
        lines = [line for line in logged if "attempt" in line]
    inline = [line for line in logged if "when run in the same message" in str(line["message"])]
    assert len(inline) == 1 and "attempt" not in inline[0], logged
    outcomes = [(line["attempt"], str(line["message"]).split(" ")[1]) for line in lines]
    assert outcomes == [(1, "failed"), (2, "failed"), (3, "done")], lines
    # each retry waited on the delay queue for its back-off: at least min_backoff * 2**retry
    times = [datetime.fromisoformat(str(line["ts"])) for line in lines]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert gaps[0] >= 0.5 * 0.95 and gaps[1] >= 1.0 * 0.95, gaps


def test_step_that_always_fails_is_dead_lettered(rmq: Settings, tmp_path: Path) -> None:
    ingest(rmq, ["850-4010-acme.x12"])

    def dead_delivers() -> list[object]:
        runtime = build(rmq)
        try:
            with runtime.context.uow() as uow:
                dead = uow.failed_steps.list()
                assert dead and all(d.step == "deliver" for d in dead)
                pending = uow.outbound.list()  # the 997 and the 855, never delivered
                assert sorted(o.doc_type for o in pending) == ["855", "TA1/997"]
                assert all(o.delivery_status == "pending" for o in pending)
                assert sorted(out_id for d in dead for out_id in d.args) == sorted(o.id for o in pending)
                return dead
        finally:
            runtime.engine.dispose()

    with workers(rmq, tmp_path / "logs") as w:
        w.start("--no-sweep", fault="fail:deliver")
        dead = wait_for(dead_delivers, timeout=90)
    assert all(d.attempts == rmq.step_max_retries + 1 for d in dead)  # type: ignore[attr-defined]
    assert all(d.error_type == "ConnectionError" for d in dead)  # type: ignore[attr-defined]
    # dramatiq put the failed messages on RabbitMQ's dead-letter queue too
    counts = rabbitmq_counts(str(rmq.amqp_url), rmq.queue_name)
    assert counts["dead"] == len(dead) and counts["waiting"] == counts["delayed"] == 0


@pytest.mark.parametrize(
    "fault", ["start:process_document", "before-commit:confirm_document", "after-commit:deliver"]
)
def test_killed_worker_messages_are_delivered_again(fault: str, rmq: Settings, tmp_path: Path) -> None:
    ids = ingest(rmq, FILES)
    with workers(rmq, tmp_path / "logs") as w:
        doomed = w.start("--no-sweep", fault=fault)
        assert doomed.wait(timeout=90) == -9, w.log(0)  # it reached the point and killed itself
        with pytest.raises(AssertionError):
            check_all_done(rmq, ids)  # the crash left work undone
        # no sweep: only RabbitMQ giving back the dead connection's unacked messages lets this finish
        w.start("--no-sweep")
        wait_for(lambda: check_all_done(rmq, ids), timeout=120)
