"""Retries, the dead-letter list and its command, and per-partner order on the queue.

Steps run as dramatiq actors on the stub broker with a real worker (threads) on
SQLite and PostgreSQL.  A step failing with a transient fault is retried with
back-off a bounded number of times and then recorded in ``failed_steps``; a
permanent error (bad data, a missing id) is recorded at once.
``ordergate dead-letters`` lists them and ``--retry ID`` sends one again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker

from gateway import bootstrap
from gateway.bootstrap import build_queued
from gateway.config import Settings
from gateway.entrypoints.cli import main
from gateway.entrypoints.workers.actors import QUEUE
from gateway.entrypoints.workers.runner import MAX_DEFERRALS, StepRunner
from gateway.services.dead_letters import dead_letters
from gateway.services.ordering import waits_for
from gateway.services.receive import receive
from tests.integration.pipeline_helpers import open_pipeline, reenvelope, sample

RETRIES = 2


@pytest.fixture
def queued(db_url: str, tmp_path: Path) -> Iterator[tuple[Any, StubBroker, Settings]]:
    with open_pipeline(db_url, tmp_path) as p:
        settings = Settings(
            **{**p.settings.model_dump(), "step_max_retries": RETRIES, "step_min_backoff_ms": 10}
        )
        broker = StubBroker()
        broker.emit_after("process_boot")
        runtime, _ = build_queued(settings, broker)
        worker = Worker(broker, worker_threads=2)
        worker.start()
        try:
            yield runtime, broker, settings
        finally:
            worker.stop()
            runtime.engine.dispose()


def _drain(broker: StubBroker) -> None:
    broker.join(QUEUE, fail_fast=False, timeout=30_000)


def test_transient_fault_is_retried_then_dead_lettered_and_retried_by_command(
    queued: tuple[Any, StubBroker, Settings],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    runtime, broker, settings = queued
    calls: list[tuple[int, ...]] = []

    def unreachable(ctx: Any, *ids: int) -> None:
        calls.append(ids)
        raise ConnectionError("partner endpoint unreachable")

    real_deliver = bootstrap.STEPS["deliver"]
    monkeypatch.setitem(bootstrap.STEPS, "deliver", unreachable)
    document_id = receive(runtime.context, sample("850-4010-acme.x12"), channel="test", message_id="a")
    _drain(broker)
    assert len(calls) >= RETRIES + 1
    with runtime.context.uow() as uow:
        dead = dead_letters(uow)
        assert [d.step for d in dead] == ["deliver"] * len(dead)
        assert all(d.attempts == RETRIES + 1 and d.error_type == "ConnectionError" for d in dead)
        assert all(o.delivery_status == "pending" for o in uow.outbound.list(inbound_document_id=document_id))
    assert len(dead) == len({d.message_id for d in dead}) == len({tuple(c) for c in calls})

    data = ["--database-url", settings.db_url]
    assert main(["dead-letters", *data]) == 0
    listing = capsys.readouterr().out
    assert "deliver" in listing and "ConnectionError: partner endpoint unreachable" in listing

    monkeypatch.setitem(bootstrap.STEPS, "deliver", real_deliver)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("ORDERGATE_OUTBOX_DIR", str(settings.outbox))
    from gateway.config import get_settings

    get_settings.cache_clear()
    try:
        for d in dead:
            assert main(["dead-letters", "--retry", str(d.id), *data]) == 0
        assert main(["dead-letters", "--retry", str(dead[0].id), *data]) == 1  # not dead any more
    finally:
        get_settings.cache_clear()
    with runtime.context.uow() as uow:
        assert not dead_letters(uow)
        assert {d.status for d in dead_letters(uow, include_retried=True)} == {"retried"}
        assert all(o.delivery_status == "sent" for o in uow.outbound.list())


def test_permanent_error_is_dead_lettered_at_once(queued: tuple[Any, StubBroker, Settings]) -> None:
    runtime, broker, _ = queued
    runtime.context.dispatcher.send("process_document", 999_999)
    _drain(broker)
    with runtime.context.uow() as uow:
        (dead,) = dead_letters(uow)
    assert (dead.step, dead.args, dead.attempts, dead.document_id) == (
        "process_document",
        (999_999,),
        1,
        999_999,
    )
    assert dead.error_type == "GatewayError" and "does not exist" in dead.error


def test_a_change_written_with_other_separators_still_waits_for_its_partners_order(
    db_url: str, tmp_path: Path
) -> None:
    """The sender is read with each document's own separator and compared trimmed: an 860 with
    ``|`` separators and unpadded ISA ids waits for the same partner's 850 written with ``*``."""
    with open_pipeline(db_url, tmp_path) as p:
        order = p.receive(sample("850-4010-acme.x12"), message_id="850")
        text = sample("860-4010-acme.x12").decode("latin-1")
        isa, rest = text.split("~", 1)
        fields = [f.strip() if n in (6, 8) else f for n, f in enumerate(isa.split("*"))]
        piped = ("|".join(fields) + "~" + rest.replace("*", "|")).encode("latin-1")
        assert b"|ACMEHARDWARE|" in piped[:60]  # not padded to 15
        change = p.receive(piped, message_id="860-piped")
        p.runtime.dispatcher.queue.clear()
        with p.uow() as uow:
            assert waits_for(uow, change) == order
            uow.documents.set_status(order, "acknowledged")
            assert waits_for(uow, change) is None  # nothing of its partner waits any more


def test_a_change_waits_for_the_earlier_documents_of_its_sender(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        order = p.receive(sample("850-4010-acme.x12"), message_id="850")
        other = p.receive(sample("850-5010-bright.x12"), message_id="bright")
        change = p.receive(sample("860-4010-acme.x12"), message_id="860")
        foreign = p.receive(reenvelope(sample("860-4010-acme.x12"), sender_id="SOMEONEELSE"), message_id="x")
        later_order = p.receive(reenvelope(sample("850-4010-acme.x12"), control=4999), message_id="850b")
        p.runtime.dispatcher.queue.clear()  # run by hand below
        deferred: list[tuple[str, tuple[Any, ...], int, int]] = []
        runner = StepRunner(p.ctx, defer=lambda *a: deferred.append(a))
        with p.uow() as uow:
            assert waits_for(uow, change) == order
            assert waits_for(uow, foreign) is None  # another sender
            assert waits_for(uow, later_order) is None  # an order never waits
            assert waits_for(uow, other) is None

        runner("process_document", (change,))
        assert deferred == [("process_document", (change,), 500, 1)]
        with p.uow() as uow:
            assert uow.documents.get(change).status == "received"

        runner("process_document", (order,))
        runner("process_document", (change,))
        assert len(deferred) == 1  # the order is processed: the change goes ahead
        with p.uow() as uow:
            assert uow.documents.get(change).status != "received"
            assert uow.documents.get(order).updated_at <= uow.documents.get(change).updated_at

        # a change whose earlier document is never processed waits a bounded number of times
        stuck = p.receive(reenvelope(sample("860-4010-acme.x12"), control=5001), message_id="860b")
        impatient = StepRunner(p.ctx, defer=lambda *a: deferred.append(a), deferrals=lambda: MAX_DEFERRALS)
        with p.uow() as uow:
            assert waits_for(uow, stuck) == later_order  # still on the queue
        impatient("process_document", (stuck,))
        with p.uow() as uow:
            assert uow.documents.get(stuck).status != "received"
