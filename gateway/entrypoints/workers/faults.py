"""Test-only fault injection: a worker that kills itself (SIGKILL) at a named point.

``ORDERGATE_FAULT=<phase>:<step>`` (unset in production: then ``from_env``
returns None and nothing here runs) makes the first worker thread that reaches
the point kill the whole process, as a power cut or an OOM kill would:

- ``start:<step>``          the step was taken from the queue, nothing done yet
- ``before-commit:<step>``  the step did its work in its transaction (and, for
  ``deliver``, wrote the files) but the commit never happens
- ``after-commit:<step>``   the step committed; what it would send next is not sent

``<step>`` is a pipeline step name (``process_document``, ``confirm_document``,
``confirm_order``, ``emit_855``, ``deliver``).  The commit points wrap
``SqlUnitOfWork.commit`` in this process only, once ``install`` is called.
"""

from __future__ import annotations

import contextvars
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

ENV = "ORDERGATE_FAULT"
PHASES = ("start", "before-commit", "after-commit")
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("ordergate_fault_step", default=None)


class Faults:
    def __init__(self, phase: str, step: str) -> None:
        if phase not in PHASES:
            raise ValueError(f"{ENV}: phase must be one of {', '.join(PHASES)}, not {phase!r}")
        self.phase = phase
        self.step = step

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

    @contextmanager
    def running(self, step: str) -> Iterator[None]:
        token = _current.set(step)
        try:
            self.check("start")
            yield
        finally:
            _current.reset(token)
