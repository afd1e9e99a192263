"""The dead-letter list: pipeline steps that failed for good, for the review queue.

A step that raises is retried with back-off while the fault looks transient (a
database or network error, a write conflict with a concurrent step); after a
bounded number of attempts, or at once for an error no retry can fix (a
``GatewayError`` other than a ``StorageConflict``: bad data, a missing id), the
worker records it here with its step, ids, error and attempts.  ``retry`` sends
such a step again (steps are idempotent) and marks the row as retried.
"""

from __future__ import annotations

from typing import Any

from gateway.errors import GatewayError, NotFound, StorageConflict
from gateway.services.ports import Context, UnitOfWork

# the steps whose first id is an inbound document
DOCUMENT_STEPS = frozenset({"process_document", "confirm_document", "confirm_range"})


def is_transient(exc: BaseException) -> bool:
    """Could running the step again succeed?  Data errors cannot; faults and races can."""
    if isinstance(exc, StorageConflict):
        return True
    return not isinstance(exc, GatewayError)


def dead_letters(uow: UnitOfWork, *, include_retried: bool = False, limit: int = 500) -> list[Any]:
    """The failed steps, oldest first (``FailedStep`` records); only those still dead by default."""
    return list(uow.failed_steps.list(status=None if include_retried else "dead", limit=limit))


def record_dead_letter(
    ctx: Context, message_id: str, step: str, args: tuple[int, ...], exc: BaseException, attempts: int
) -> int:
    """Put a step on the dead-letter list (once per queue message); the row id."""
    document_id = args[0] if step in DOCUMENT_STEPS and args else None
    error = str(exc) or type(exc).__name__
    with ctx.uow() as uow:
        failed_id = int(
            uow.failed_steps.record(
                message_id, step, args, error, type(exc).__name__, attempts, document_id=document_id
            )
        )
        uow.audit.record(
            "system",
            "failed_step",
            failed_id,
            "dead",
            {"step": step, "args": list(args), "error": error[:500], "attempts": attempts},
        )
        uow.commit()
    return failed_id


def retry_dead_letter(
    ctx: Context, failed_id: int, *, actor: str = "operator"
) -> tuple[str, tuple[int, ...]]:
    """Send a dead step again and mark it retried; ``NotFound`` when there is no such dead step."""
    with ctx.uow() as uow:
        failed = uow.failed_steps.get(failed_id)
        if failed is None or not uow.failed_steps.mark_retried(failed_id):
            raise NotFound(f"no dead step {failed_id}")
        uow.audit.record(actor, "failed_step", failed_id, "retried", {"step": failed.step})
        uow.commit()
    ctx.dispatcher.send(failed.step, *failed.args)
    return failed.step, failed.args
