"""What a worker does with a message: run the step, in order, observed.

``StepRunner(context)`` is the ``run(step, args)`` the actors call:

- the log records of the step carry its name and ids (``bind``);
- ``process_document`` of a document that must wait for an earlier one of the
  same partner (``gateway.services.ordering``) is sent again a little later
  instead of being run, at most ``max_deferrals`` times;
- ``confirm_document`` of a document with many orders waiting is shared out
  as ``confirm_range`` work items (``gateway.services.split``);
- the test-only fault points (``faults``) fire when configured.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from gateway.adapters.observability.logs import bind
from gateway.bootstrap import STEPS
from gateway.entrypoints.workers.faults import Faults
from gateway.services.ordering import waits_for
from gateway.services.ports import Context
from gateway.services.split import split_confirmation

log = logging.getLogger("ordergate.worker")

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
        faults: Faults | None = None,
        defer: Callable[[str, tuple[Any, ...], int, int], None] | None = None,
        deferrals: Callable[[], int] | None = None,
        share_large_documents: bool = True,
        split_at: int | None = None,
        split_share: int | None = None,
    ) -> None:
        self.context = context
        self.faults = faults
        self.defer = defer  # (step, args, delay ms, deferrals so far + 1): send again later
        self.deferrals = deferrals or (lambda: 0)
        self.share_large_documents = share_large_documents
        self.split_at = split_at
        self.split_share = split_share

    def __call__(self, step: str, args: tuple[Any, ...]) -> object:
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
