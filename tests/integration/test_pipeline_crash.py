"""Crash safety: a process running the pipeline is killed with SIGKILL halfway, then it resumes.

The child process runs the real pipeline (``bootstrap.build`` + ``receive`` +
inline drain) on the test database.  The test's own wrapper around
``SqlUnitOfWork.commit`` (installed in the child only; production code has no
hook) sends the child SIGKILL right before or right after the commit of a chosen
step: the database sees a connection vanish mid-transaction, or a step done
whose successor was never queued.  Then, in this process, the run resumes the
two ways production would: ``sweep`` (a worker starting), and the sender
resending the same files with the same message ids.  Afterwards every inbound
document has one 997/999, every order one purchase order, one sales order and
one 855, every outbound document is in the outbox once, and no control number
was used twice or spent on nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.services.process_document import process_document
from gateway.services.sweep import sweep
from tests.integration.pipeline_helpers import (
    Pipeline,
    assert_control_numbers_unique,
    assert_delivered,
    assert_one_of_each,
    assert_stock_consistent,
    open_pipeline,
    sample,
)

REPO = Path(__file__).resolve().parents[2]
FILES = ["850-4010-acme-short.x12", "850-5010-bright-split.x12"]
CHILD = textwrap.dedent(
    """
    import json, os, signal, sys
    from gateway.adapters.db.uow import SqlUnitOfWork
    from gateway.bootstrap import build
    from gateway.services.receive import receive
    from tests.integration.pipeline_helpers import FIXED_NOW, sample, settings_for

    step, phase = os.environ["CRASH_AT"].split(":")
    current = ["receive"]
    real_commit = SqlUnitOfWork.commit

    def commit(self):
        if current[0] == step and phase == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        real_commit(self)
        if current[0] == step and phase == "after":
            os.kill(os.getpid(), signal.SIGKILL)

    SqlUnitOfWork.commit = commit
    runtime = build(settings_for(os.environ["DB_URL"], __import__("pathlib").Path(os.environ["TMP"])))
    runtime.context.clock = lambda: FIXED_NOW
    for name, fn in list(runtime.dispatcher.steps.items()):
        def run(*args, _name=name, _fn=fn):
            current[0] = _name
            return _fn(*args)
        runtime.dispatcher.steps[name] = run
    for name in json.loads(os.environ["FILES"]):
        current[0] = "receive"
        receive(runtime.context, sample(name), channel="test", filename=name, message_id=name)
        runtime.drain()
    sys.exit(3)  # never reached: the crash point is hit by the first file
    """
)

CRASH_POINTS = [
    "receive:before",  # the archive never committed: nothing was received
    "receive:after",  # archived, never processed
    "process_document:before",  # parsed and acknowledged in memory, nothing committed
    "process_document:after",  # PO and 997 stored; neither delivered nor confirmed
    # stock locked and allocated, 855s written with fresh control numbers, nothing committed
    "confirm_document:before",
    "confirm_document:after",  # sales orders and their 855s stored, never delivered
    "deliver:before",  # the file is in the outbox, the delivery not recorded
]


@pytest.fixture
def pipeline(db_url: str, tmp_path: Path) -> Iterator[Pipeline]:
    with open_pipeline(db_url, tmp_path) as p:
        yield p


def _crash(pipeline: Pipeline, db_url: str, tmp_path: Path, at: str) -> None:
    env = {
        **os.environ,
        "CRASH_AT": at,
        "DB_URL": db_url,
        "TMP": str(tmp_path),
        "FILES": json.dumps(FILES),
        "PYTHONPATH": str(REPO),
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == -signal.SIGKILL, (done.returncode, done.stderr[-2000:])


def _check(pipeline: Pipeline, expected_documents: int) -> list[int]:
    with pipeline.uow() as uow:
        ids = sorted(d.id for d in uow.documents.list(limit=100))
        assert len(ids) == expected_documents
        assert_one_of_each(uow, ids)
        assert_stock_consistent(uow)
        assert_control_numbers_unique(uow)
        assert_delivered(uow, pipeline.outbox)
        orders = uow.sales_orders.list()
        assert len(orders) == len({so.order.po_number for so in orders}) == expected_documents
    return ids


@pytest.mark.parametrize("at", CRASH_POINTS)
def test_killed_mid_step_then_swept_and_resent(
    pipeline: Pipeline, db_url: str, tmp_path: Path, at: str
) -> None:
    _crash(pipeline, db_url, tmp_path, at)
    with pipeline.uow() as uow:
        received = len(uow.documents.list(limit=100))
    assert received == (0 if at == "receive:before" else 1)  # the kill came during the first file

    # a worker starting: finish what is unfinished
    sent = sweep(pipeline.ctx)
    pipeline.runtime.drain()
    if received:
        assert sent >= 1
        _check(pipeline, received)
    assert sweep(pipeline.ctx) == 0  # nothing left, and sweeping again queues nothing

    # the sender resends both files with their message ids: stored once each, nothing twice
    for name in FILES:
        pipeline.run(sample(name), name, message_id=name)
    ids = _check(pipeline, len(FILES))
    assert sweep(pipeline.ctx) == 0
    with pipeline.uow() as uow:
        statuses = sorted(d.status for d in uow.documents.list(limit=100))
        assert statuses == ["acknowledged", "acknowledged"], statuses
        assert len(uow.outbound.list()) == 2 * len(ids)  # a 997/999 and an 855 each


@pytest.mark.parametrize("at", ["receive:after", "process_document:after", "confirm_document:after"])
def test_killed_then_resent_resumes_without_a_sweep(
    pipeline: Pipeline, db_url: str, tmp_path: Path, at: str
) -> None:
    """The resend alone finishes the crashed document: ``receive`` queues a repeat again."""
    _crash(pipeline, db_url, tmp_path, at)
    for name in FILES:
        pipeline.run(sample(name), name, message_id=name)
    _check(pipeline, len(FILES))
    assert sweep(pipeline.ctx) == 0


def test_a_step_whose_commit_fails_rolls_back_and_runs_again(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process variant: the commit of ``process_document`` raises once (a lost connection)."""
    from gateway.adapters.db.uow import SqlUnitOfWork

    document_id = pipeline.receive(sample(FILES[0]), FILES[0], message_id=FILES[0])
    pipeline.runtime.dispatcher.queue.clear()  # type: ignore[attr-defined]
    real_commit = SqlUnitOfWork.commit
    calls = {"n": 0}

    def failing_commit(self: SqlUnitOfWork) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("server closed the connection unexpectedly")
        real_commit(self)

    monkeypatch.setattr(SqlUnitOfWork, "commit", failing_commit)
    with pytest.raises(ConnectionError):
        process_document(pipeline.ctx, document_id)
    with pipeline.uow() as uow:
        doc = uow.documents.get(document_id)
        assert doc is not None and doc.status == "received"
        assert uow.purchase_orders.for_document(document_id) == []
        assert uow.outbound.list() == []
        last = uow.control_numbers.last("ZZ:ACMEHARDWARE", "ISA")
        if uow.connection.dialect.name == "sqlite":
            assert last == 0  # the numbers went back with the transaction
        else:
            # taken in a transaction of their own: the rolled-back 997's number stays, voided
            assert last == 1
            assert uow.control_numbers.voided("ZZ:ACMEHARDWARE", "ISA") == [1]
    process_document(pipeline.ctx, document_id)  # the step retried, as dramatiq would
    pipeline.runtime.drain()
    _check(pipeline, 1)


def test_sweeping_twice_before_the_queue_drains_creates_nothing_twice(pipeline: Pipeline) -> None:
    for name in FILES:
        pipeline.receive(sample(name), name, message_id=name)
    pipeline.runtime.dispatcher.queue.clear()  # type: ignore[attr-defined]  # the messages were lost
    assert sweep(pipeline.ctx) == len(FILES)
    assert sweep(pipeline.ctx) == len(FILES)  # a second worker starting at the same time
    pipeline.runtime.drain()
    _check(pipeline, len(FILES))
    assert sweep(pipeline.ctx) == 0
