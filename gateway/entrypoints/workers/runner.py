"""What a worker does with a message: run the step, in order, observed.

``StepRunner(context)`` is the ``run(step, args)`` the actors call:

- the log records of the step carry its name and ids (``bind``);
- ``process_document`` of a document that must wait for an earlier one of the
  same partner (``gateway.services.ordering``) is sent again a little later
  instead of being run, at most ``max_deferrals`` times;
- the ``confirm_document`` and ``deliver`` steps a ``process_document`` sends (and
  the deliveries of the 855s its confirmation makes) are run next in the same
  message: the orders it just parsed are still in this process's hand-over, and
  the 997 and the 855s need not wait behind every document queued after this
  one.  One that fails there is sent to the queue instead, with its own retries;
  if the worker dies first, the ``process_document`` message comes back and
  resumes what is unfinished;
- ``confirm_document`` of a document with many orders waiting is shared out
  as ``confirm_range`` work items (``gateway.services.split``);
- the test-only fault points (``faults``) fire when configured.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from gateway.adapters.observability.logs import bind
from gateway.bootstrap import STEPS
from gateway.entrypoints.workers.faults import Faults
from gateway.services.ordering import waits_for
from gateway.services.ports import Context
from gateway.services.split import split_confirmation

log = logging.getLogger("ordergate.worker")

# the steps a step sends that are run next in the same message
CONTINUED = {"process_document": ("confirm_document", "deliver")}
DEFER_MS = 500
MAX_DEFERRALS = 1200  # ten minutes at DEFER_MS: then the document goes on regardless


def ids_of(step: str, args: tuple[Any, ...]) -> dict[str, Any]:
    if step in ("process_document", "confirm_document", "confirm_range"):
        return {"document_id": args[0] if args else None}
    if step == "confirm_order":
        return {"purchase_order_id": args[0] if args else None}
    if step == "emit_855":
        return {"sales_order_id": args[0] if args else None}
    return {"outbound_ids": list(args)}


class StepRunner:
    def __init__(
        self,
        context: Context,
        *,
        hold: Callable[[Iterable[str]], AbstractContextManager[list[tuple[str, tuple[Any, ...]]]]]
        | None = None,
        enqueue: Callable[..., None] | None = None,
        observe: Callable[[str, str, float], None] | None = None,
        faults: Faults | None = None,
        defer: Callable[[str, tuple[Any, ...], int, int], None] | None = None,
        deferrals: Callable[[], int] | None = None,
        share_large_documents: bool = True,
        split_at: int | None = None,
        split_share: int | None = None,
    ) -> None:
        self.context = context
        self.hold = hold  # (steps): keep their sends, to run them here next (``DramatiqDispatcher``)
        self.enqueue = enqueue or context.dispatcher.send  # (step, *args): to the broker, held or not
        self.observe = observe  # (step, outcome, seconds) of a step run next in the same message
        self.faults = faults
        self.defer = defer  # (step, args, delay ms, deferrals so far + 1): send again later
        self.deferrals = deferrals or (lambda: 0)
        self.share_large_documents = share_large_documents
        self.split_at = split_at
        self.split_share = split_share

    def __call__(self, step: str, args: tuple[Any, ...]) -> object:
        follow = CONTINUED.get(step, ())
        if not follow or self.hold is None:
            return self._run(step, args)
        with self.hold(follow) as kept:
            try:
                result = self._run(step, args)
            except BaseException:
                for held_step, held_args in kept:  # what it sent before failing goes to the queue
                    self.enqueue(held_step, *held_args)
                raise
            done = 0
            while done < len(kept):  # a step run here may send more (a confirmation its deliveries)
                next_step, next_args = kept[done]
                done += 1
                self._continue(next_step, next_args)
        return result

    def _continue(self, step: str, args: tuple[Any, ...]) -> None:
        """Run a held step now; on failure send it to the queue (its own retries apply)."""
        started = time.perf_counter()
        try:
            self._run(step, args)
        except Exception as exc:
            with bind(step=step, **ids_of(step, args)):
                log.warning("step failed when run in the same message, queued: %s", exc)
            self.enqueue(step, *args)
            outcome = "queued"
        else:
            outcome = "ok"
        if self.observe is not None:
            self.observe(step, outcome, time.perf_counter() - started)

    def _run(self, step: str, args: tuple[Any, ...]) -> object:
        with (
            bind(step=step, **ids_of(step, args)),
            self.faults.running(step) if self.faults else nullcontext(),
        ):
            if step == "process_document" and self.defer is not None and args:
                done = self.deferrals()
                if done < MAX_DEFERRALS:
                    with self.context.uow() as uow:
                        earlier = waits_for(uow, args[0])
                    if earlier is not None:
                        log.info("waiting for document %s of the same partner", earlier)
                        self.defer(step, args, DEFER_MS, done + 1)
                        return None
            if step == "confirm_document" and self.share_large_documents and args:
                shared = split_confirmation(
                    self.context, args[0], split_at=self.split_at, share=self.split_share
                )
                if shared:
                    log.info("confirmation shared out as %d work items", shared)
                    return shared
            return STEPS[step](self.context, *args)
