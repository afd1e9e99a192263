"""Test-only fault injection: a worker that kills itself (SIGKILL) at a named point, or a step that fails.

``ORDERGATE_FAULT=<phase>:<step>`` (unset in production: then ``from_env``
returns None and nothing here runs) makes the first worker thread that reaches
the point kill the whole process, as a power cut or an OOM kill would:

- ``start:<step>``          the step was taken from the queue, nothing done yet
- ``before-commit:<step>``  the step did its work in its transaction (and, for
  ``deliver``, wrote the files) but the commit never happens
- ``after-commit:<step>``   the step committed; what it would send next is not sent
- ``fail:<step>``           every run of the step raises a transient fault
  (``ConnectionError``), so it is retried with back-off and then dead-lettered
- ``fail-<n>:<step>``       the first ``n`` runs of the step in this process
  raise it, the later ones run: retried, then done

``<step>`` is a pipeline step name (``process_document``, ``confirm_document``,
``confirm_order``, ``emit_855``, ``deliver``).  The commit points wrap
``SqlUnitOfWork.commit`` in this process only, once ``install`` is called.
"""

from __future__ import annotations

import contextvars
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

ENV = "ORDERGATE_FAULT"
PHASES = ("start", "before-commit", "after-commit")
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("ordergate_fault_step", default=None)


class Faults:
    def __init__(self, phase: str, step: str) -> None:
        self.failures: int | None = None  # runs of the step that raise: None for none, -1 for every one
        if phase == "fail":
            self.failures = -1
        elif phase.startswith("fail-") and phase[5:].isdigit():
            self.failures = int(phase[5:])
        elif phase not in PHASES:
            allowed = ", ".join((*PHASES, "fail", "fail-<n>"))
            raise ValueError(f"{ENV}: phase must be one of {allowed}, not {phase!r}")
        self.phase = phase
        self.step = step
        self._failed = 0
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls) -> Faults | None:
        spec = os.environ.get(ENV, "").strip()
        if not spec:
            return None
        phase, _, step = spec.partition(":")
        return cls(phase, step)

    def install(self) -> None:
        """Wrap the unit of work's commit so the commit points can fire."""
        from gateway.adapters.db.uow import SqlUnitOfWork

        real_commit = SqlUnitOfWork.commit
        faults = self

        def commit(uow: SqlUnitOfWork) -> None:
            faults.check("before-commit")
            real_commit(uow)
            faults.check("after-commit")

        SqlUnitOfWork.commit = commit  # type: ignore[method-assign]

    def check(self, phase: str) -> None:
        if phase == self.phase and _current.get() == self.step:
            os.kill(os.getpid(), signal.SIGKILL)

    def fail(self, step: str) -> None:
        """Raise the transient fault when this run of ``step`` is one of those that fail."""
        if self.failures is None or step != self.step:
            return
        with self._lock:
            if 0 <= self.failures <= self._failed:
                return
            self._failed += 1
            attempt = self._failed
        raise ConnectionError(f"injected transient fault in {step} (run {attempt})")

    @contextmanager
    def running(self, step: str) -> Iterator[None]:
        token = _current.set(step)
        try:
            self.check("start")
            self.fail(step)
            yield
        finally:
            _current.reset(token)
